//! Maps drawn by the server as SVG, in projected metres: the county map (every licence coloured by its
//! mine's standing, protected areas, administrative boundaries with place names) and one licence's
//! boundary with its corner points and what lies around it.
//!
//! The SVG's user units are metres east and north of the drawing's south-west corner, with north up
//! (`y = max_north − north`). Strokes do not scale with zoom (`vector-effect`), so the first-party
//! script can pan and zoom by changing the `viewBox` alone.
//!
//! Web draws with spatial's geometry types (a parcel, a ring, a bounding box) that app's view models
//! carry, and computes nothing about them: areas, overlaps, simplification and tiling are spatial's,
//! called by app. (The survey result's change map is drawn by spatial's renderer, as a PNG with its
//! overlay, because the CLI draws it too.)

use orewatch_app::registry::county::{County, MapState};
use orewatch_app::registry::Parcel;
use orewatch_domain::protected::{BoundaryKind, ProtectedKind};
use orewatch_spatial::polygon::{bbox_meets, Ring};
use orewatch_spatial::simplify::clip_ring;
use orewatch_spatial::tiled::TiledParcel;
use std::fmt::Write;

/// Escapes text for SVG/XML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The drawing's frame: origin and size in metres.
#[derive(Debug, Clone, Copy)]
struct Frame {
    min_e: f64,
    max_n: f64,
    width: f64,
    height: f64,
}

impl Frame {
    fn around(bbox: [f64; 4], pad_fraction: f64, min_size: f64) -> Self {
        let w = (bbox[2] - bbox[0]).max(min_size);
        let h = (bbox[3] - bbox[1]).max(min_size);
        let pad = w.max(h) * pad_fraction;
        let cx = (bbox[0] + bbox[2]) / 2.0;
        let cy = (bbox[1] + bbox[3]) / 2.0;
        Self {
            min_e: cx - w / 2.0 - pad,
            max_n: cy + h / 2.0 + pad,
            width: w + 2.0 * pad,
            height: h + 2.0 * pad,
        }
    }

    fn x(&self, e: f64) -> f64 {
        e - self.min_e
    }

    fn y(&self, n: f64) -> f64 {
        self.max_n - n
    }

    /// A path of the parcel's rings (outer and holes; even-odd fill cuts the holes).
    fn path(&self, parcel: &Parcel, decimals: usize) -> String {
        self.path_of(parcel_rings(parcel), decimals)
    }

    fn path_of<'a>(&self, rings: impl Iterator<Item = &'a Ring>, decimals: usize) -> String {
        let mut d = String::new();
        for ring in rings {
            for (i, &(e, n)) in ring.iter().enumerate() {
                let cmd = if i == 0 { 'M' } else { 'L' };
                let _ = write!(d, "{cmd}{:.*} {:.*}", decimals, self.x(e), decimals, self.y(n));
            }
            d.push('Z');
        }
        d
    }
}

fn centre(parcel: &Parcel) -> (f64, f64) {
    (
        (parcel.bbox[0] + parcel.bbox[2]) / 2.0,
        (parcel.bbox[1] + parcel.bbox[3]) / 2.0,
    )
}

/// What the ledger and the cases add to the registry's standing of mines on the map.
#[derive(Debug, Clone, Default)]
pub struct Ledgered {
    /// Mines with an overdue finding.
    pub overdue: std::collections::HashSet<orewatch_domain::MineId>,
    /// Mines bound by an enforcement measure.
    pub measures: std::collections::HashSet<orewatch_domain::MineId>,
}

impl Ledgered {
    pub fn state_of(&self, registry: MapState, mine: orewatch_domain::MineId) -> MapState {
        registry.with_ledger(self.measures.contains(&mine), self.overdue.contains(&mine))
    }
}

/// Which layers the county map shows.
#[derive(Debug, Clone, Copy)]
pub struct Layers {
    pub measure: bool,
    pub overdue: bool,
    pub problem: bool,
    pub lapsed: bool,
    pub expiring: bool,
    pub fine: bool,
    pub protected: bool,
    pub boundaries: bool,
}

/// Text the map needs in the reader's language.
pub struct MapLabels<'a> {
    pub state: &'a dyn Fn(MapState) -> String,
    pub protected_kind: &'a dyn Fn(ProtectedKind) -> String,
    pub boundary_kind: &'a dyn Fn(BoundaryKind) -> String,
}

/// A path of rings in whole metres, relative after the first point of each ring ("M x y l dx dy …"):
/// about half the bytes of absolute coordinates. Each relative step is the difference of two rounded
/// absolute points, so rounding does not accumulate.
fn compact_path<'a>(f: &Frame, rings: impl Iterator<Item = &'a Ring>) -> String {
    let mut d = String::new();
    for ring in rings {
        let mut prev: Option<(i64, i64)> = None;
        for &(e, n) in ring {
            // Metres on a county map: far inside i64.
            #[allow(clippy::cast_possible_truncation)]
            let p = (f.x(e).round() as i64, f.y(n).round() as i64);
            match prev {
                None => {
                    let _ = write!(d, "M{} {}", p.0, p.1);
                }
                Some(q) if q == p => continue,
                Some(q) => {
                    let _ = write!(d, "l{} {}", p.0 - q.0, p.1 - q.1);
                }
            }
            prev = Some(p);
        }
        d.push('Z');
    }
    d
}

/// The county map. Each licence links to its mine; its title names mine, licence and standing.
/// Protected areas and boundaries are drawn simplified (see [`County::simplified`]). `focus`, a
/// rectangle in map metres, is the first view (a search result); the whole county otherwise.
pub fn county_map(
    county: &County,
    ledger: &Ledgered,
    layers: Layers,
    labels: &MapLabels<'_>,
    focus: Option<[f64; 4]>,
) -> String {
    let Some(extent) = county.extent() else {
        return String::new();
    };
    let f = Frame::around(extent, 0.04, 2_000.0);
    let simplified = county.simplified();
    // A marker keeps a small licence visible on a 70 km map: about 0.6 % of the map's width.
    let marker = (f.width.max(f.height) * 0.006).max(40.0);
    let mut s = String::with_capacity(county.licences.len() * 300 + 4096);
    let view = focus.map_or_else(
        || format!("0 0 {:.0} {:.0}", f.width, f.height),
        |b| {
            let g = Frame::around(b, 0.3, 600.0);
            format!(
                "{:.0} {:.0} {:.0} {:.0}",
                f.x(g.min_e),
                f.y(g.max_n),
                g.width,
                g.height
            )
        },
    );
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" id="county-map" class="map" viewBox="{view}" data-view="{view}" data-width="{:.0}" data-height="{:.0}" preserveAspectRatio="xMidYMid meet" role="img">"#,
        f.width, f.height
    );
    // The marker's radius for this map's scale, once for all licences (SVG 2 geometry property).
    let _ = write!(s, "<style>#county-map .lic circle{{r:{marker:.0}px}}</style>");
    let _ = write!(
        s,
        r##"<rect x="0" y="0" width="{:.0}" height="{:.0}" class="map-bg"/>"##,
        f.width, f.height
    );
    if layers.boundaries {
        s.push_str(r#"<g class="layer-boundaries">"#);
        for (b, rings) in county.boundaries.iter().zip(&simplified.boundaries.rings) {
            let _ = write!(
                s,
                r#"<path class="admin {}" id="boundary-{}" d="{}"><title>{} · {}</title></path>"#,
                b.kind.as_str(),
                b.id,
                compact_path(&f, rings.iter()),
                escape(&b.name),
                escape(&(labels.boundary_kind)(b.kind)),
            );
        }
        s.push_str("</g>");
    }
    if layers.protected {
        s.push_str(r#"<g class="layer-protected">"#);
        for (p, rings) in county.protected.iter().zip(&simplified.protected.rings) {
            let _ = write!(
                s,
                r#"<path class="protected {}" d="{}"><title>{} · {}</title></path>"#,
                p.kind.as_str(),
                compact_path(&f, rings.iter()),
                escape(&(labels.protected_kind)(p.kind)),
                escape(&p.name)
            );
        }
        s.push_str("</g>");
    }
    for (state, shown) in [
        (MapState::Fine, layers.fine),
        (MapState::Expiring, layers.expiring),
        (MapState::Lapsed, layers.lapsed),
        (MapState::Problem, layers.problem),
        (MapState::Overdue, layers.overdue),
        (MapState::Measure, layers.measure),
    ] {
        if !shown {
            continue;
        }
        let _ = write!(s, r#"<g class="layer-{} {}">"#, state.as_str(), state.as_str());
        for l in &county.licences {
            let Some(mine) = county.mines.get(&l.mine_id) else {
                continue;
            };
            if ledger.state_of(mine.state, l.mine_id) != state {
                continue;
            }
            let (ce, cn) = centre(&l.parcel);
            let cancelled = if l.cancelled { " cancelled" } else { "" };
            // About 250 bytes a licence: fill rule, stroke scaling and the marker's radius come from the
            // stylesheet, the standing from the layer's colour (3,000 licences stay under 1 MB).
            let _ = write!(
                s,
                r#"<a href="/mines/{}" class="lic{}"><title>{} · {}</title><circle cx="{:.0}" cy="{:.0}"/><path d="{}"/></a>"#,
                l.mine_id,
                cancelled,
                escape(&mine.name),
                escape(&l.licence_no),
                f.x(ce),
                f.y(cn),
                compact_path(&f, parcel_rings(&l.parcel))
            );
        }
        s.push_str("</g>");
    }
    // Place names above everything, so licences do not hide them.
    if layers.boundaries {
        s.push_str(r#"<g class="place-names">"#);
        for b in county
            .boundaries
            .iter()
            .filter(|b| b.kind != BoundaryKind::County)
        {
            let (e, n) = b.parcel.label_point();
            let _ = write!(
                s,
                r#"<text x="{:.0}" y="{:.0}" font-size="{:.0}" stroke-width="{:.0}" text-anchor="middle" class="place">{}</text>"#,
                f.x(e),
                f.y(n),
                marker * 3.0,
                marker * 0.5,
                escape(&b.name)
            );
        }
        s.push_str("</g>");
    }
    // A 10 km scale bar in the south-west corner.
    let bar = 10_000.0_f64.min(f.width / 4.0);
    let (bx, by) = (f.width * 0.03, f.height * 0.97);
    let _ = write!(
        s,
        r#"<g class="scale"><path d="M{bx:.0} {by:.0}h{bar:.0}"/><text x="{bx:.0}" y="{:.0}" font-size="{:.0}">{:.0} km</text></g>"#,
        by - marker,
        marker * 2.0,
        bar / 1000.0
    );
    s.push_str("</svg>");
    s
}

fn parcel_rings(parcel: &Parcel) -> impl Iterator<Item = &Ring> {
    parcel
        .parts
        .iter()
        .flat_map(|p| std::iter::once(&p.outer).chain(p.holes.iter()))
}

/// What is drawn around a licence: a parcel, clipped to the drawing; or a large area cut into tiles,
/// whose tiles near the drawing are filled and whose boundary near it is drawn as lines.
pub enum Shape<'a> {
    Parcel(&'a Parcel),
    Tiled(&'a TiledParcel),
}

/// A shape drawn around a licence on its mine page: a neighbouring licence or a protected area.
pub struct Around<'a> {
    pub shape: Shape<'a>,
    pub label: String,
    pub protected: bool,
}

/// Where a point given as WGS 84 latitude and longitude (a photo's GPS) falls in a parcel's
/// coordinates (its zone, eastings without the zone prefix), when it is within 2 km of the parcel —
/// farther away (a photo from elsewhere, a wrong GPS fix) it is not drawn on the licence.
pub fn place_near(parcel: &Parcel, lat: f64, lon: f64) -> Option<(f64, f64)> {
    let projection = orewatch_spatial::crs::ProjectedCrs::gauss_kruger_3deg(parcel.zone, false).projection();
    let (e, n) = projection.forward(lon, lat);
    let b = parcel.bbox;
    let margin = 2000.0;
    (e > b[0] - margin && e < b[2] + margin && n > b[1] - margin && n < b[3] + margin).then_some((e, n))
}

/// A numbered point drawn on a licence (where a site photo was taken), in the parcel's coordinates.
pub struct Mark {
    pub easting: f64,
    pub northing: f64,
    pub label: String,
    pub href: String,
}

/// One licence's boundary with its corner points named and parts labelled, and — clipped to the
/// drawing's frame — the neighbouring licences and protected areas around it. Returns the SVG and the
/// labels of the shapes drawn around it (for the legend), in drawing order.
pub fn licence_drawing(
    parcel: &Parcel,
    point_names: &[Vec<String>],
    around: &[Around<'_>],
) -> (String, Vec<String>) {
    licence_drawing_marked(parcel, point_names, around, &[])
}

/// As [`licence_drawing`], with marks; the frame grows to take them in.
pub fn licence_drawing_marked(
    parcel: &Parcel,
    point_names: &[Vec<String>],
    around: &[Around<'_>],
    marks: &[Mark],
) -> (String, Vec<String>) {
    let mut bbox = parcel.bbox;
    for m in marks {
        bbox = [
            bbox[0].min(m.easting),
            bbox[1].min(m.northing),
            bbox[2].max(m.easting),
            bbox[3].max(m.northing),
        ];
    }
    let f = Frame::around(bbox, 0.12, 50.0);
    let size = f.width.max(f.height);
    let font = size * 0.025;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="licence-map" viewBox="0 0 {:.1} {:.1}" preserveAspectRatio="xMidYMid meet" role="img">"#,
        f.width, f.height
    );
    let frame_rect = [f.min_e, f.max_n - f.height, f.min_e + f.width, f.max_n];
    let mut drawn = Vec::new();
    for a in around {
        let class = if a.protected {
            "around protected"
        } else {
            "around neighbour"
        };
        match &a.shape {
            Shape::Parcel(parcel) => {
                if !bbox_meets(parcel.bbox, frame_rect) {
                    continue;
                }
                let clipped: Vec<Ring> = parcel_rings(parcel)
                    .map(|r| clip_ring(r, frame_rect))
                    .filter(|r| !r.is_empty())
                    .collect();
                if clipped.is_empty() {
                    continue;
                }
                let _ = write!(
                    s,
                    r#"<path class="{class}" d="{}" fill-rule="evenodd" vector-effect="non-scaling-stroke"><title>{}</title></path>"#,
                    f.path_of(clipped.iter(), 1),
                    escape(&a.label)
                );
            }
            Shape::Tiled(tiled) => {
                let fill = tiled.fill_in(frame_rect);
                if fill.is_empty() {
                    continue;
                }
                // The tiles' edges are not the area's boundary: fill them without a stroke, then draw
                // the boundary's own stretches.
                let mut outline = String::new();
                for stretch in tiled.outline_in(frame_rect) {
                    for (i, &(e, n)) in stretch.iter().enumerate() {
                        let cmd = if i == 0 { 'M' } else { 'L' };
                        let _ = write!(outline, "{cmd}{:.1} {:.1}", f.x(e), f.y(n));
                    }
                }
                let _ = write!(
                    s,
                    r#"<g class="{class}"><title>{}</title><path class="fill" d="{}" fill-rule="evenodd"/><path class="line" d="{outline}" fill="none" vector-effect="non-scaling-stroke"/></g>"#,
                    escape(&a.label),
                    f.path_of(fill.iter(), 1),
                );
            }
        }
        drawn.push(a.label.clone());
    }
    let _ = write!(
        s,
        r#"<path class="boundary" d="{}" fill-rule="evenodd" vector-effect="non-scaling-stroke"/>"#,
        f.path(parcel, 1)
    );
    for (part_index, part) in parcel.parts.iter().enumerate() {
        let names = point_names.get(part_index);
        for (i, &(e, n)) in part.outer.iter().enumerate() {
            let name = names.and_then(|n| n.get(i)).map(String::as_str).unwrap_or("");
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" class="corner"/><text x="{:.1}" y="{:.1}" font-size="{:.1}">{}</text>"#,
                f.x(e),
                f.y(n),
                font * 0.3,
                f.x(e) + font * 0.4,
                f.y(n) - font * 0.4,
                font,
                escape(name)
            );
        }
        if parcel.parts.len() > 1 {
            let (mut se, mut sn) = (0.0, 0.0);
            for &(e, n) in &part.outer {
                se += e;
                sn += n;
            }
            let k = part.outer.len().max(1) as f64;
            let _ = write!(
                s,
                r#"<text class="part-label" x="{:.1}" y="{:.1}" font-size="{:.1}" text-anchor="middle">{}</text>"#,
                f.x(se / k),
                f.y(sn / k),
                font * 1.2,
                escape(&part.name)
            );
        }
    }
    for m in marks {
        let _ = write!(
            s,
            r#"<a href="{}" class="photo-mark"><circle cx="{:.1}" cy="{:.1}" r="{:.1}"/><text x="{:.1}" y="{:.1}" font-size="{:.1}" text-anchor="middle">{}</text><title>{}</title></a>"#,
            escape(&m.href),
            f.x(m.easting),
            f.y(m.northing),
            font * 0.7,
            f.x(m.easting),
            f.y(m.northing) + font * 0.35,
            font * 0.9,
            escape(&m.label),
            escape(&m.label)
        );
    }
    s.push_str("</svg>");
    (s, drawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_at_a_corner_is_placed_on_that_corner_and_one_from_afar_is_not() {
        // The demo licence C4502232201200127130002: corner J1 at X 2693446.21, Y 37404249.16 (3-degree
        // zone 37), which the registry's own conversion gives as 24.3415705° N, 110.0564975° E.
        let parcel = Parcel::from_text(
            "J1,2693446.21,37404249.16\nJ2,2693232.60,37404162.64\nJ3,2693212.50,37403946.06\nJ4,2693283.79,37403775.23",
            37,
        )
        .unwrap();
        let (e, n) = place_near(&parcel, 24.341_570_5, 110.056_497_5).unwrap();
        assert!((e - 404_249.16).abs() < 0.1, "{e}");
        assert!((n - 2_693_446.21).abs() < 0.1, "{n}");
        // The fixture photo was taken in Tuscany.
        assert_eq!(place_near(&parcel, 43.467_448, 11.885_127), None);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"<a & "b">"#), "&lt;a &amp; &quot;b&quot;&gt;");
    }

    #[test]
    fn a_licence_is_drawn_north_up_with_its_corner_names() {
        let parcel = Parcel::from_text(
            "J1,2712000,37500000\nJ2,2712000,37500100\nJ3,2712100,37500100\nJ4,2712100,37500000",
            37,
        )
        .unwrap();
        let names = vec![vec!["J1".to_string(), "J2".into(), "J3".into(), "J4".into()]];
        let (svg, around) = licence_drawing(&parcel, &names, &[]);
        assert!(around.is_empty());
        // The frame is padded by 12 m around the 100 m square: J1 (south-west) is drawn at (12, 112).
        assert!(
            svg.contains(r#"M12.0 112.0L112.0 112.0L112.0 12.0L12.0 12.0Z"#),
            "{svg}"
        );
        assert!(svg.contains(">J3</text>"));
    }

    #[test]
    fn relative_steps_do_not_accumulate_rounding() {
        let f = Frame {
            min_e: 0.0,
            max_n: 1_000.0,
            width: 1_000.0,
            height: 1_000.0,
        };
        // A thousand steps of 0.4 m east: rounded one by one they would all be 0.
        let ring: Ring = (0..=1000).map(|i| (f64::from(i) * 0.4, 500.0)).collect();
        let d = compact_path(&f, std::iter::once(&ring));
        let mut x = 0_i64;
        for step in d.trim_start_matches('M').split('l').skip(1) {
            let dx: i64 = step.split(' ').next().unwrap().parse().unwrap();
            x += dx;
        }
        assert!(d.starts_with("M0 500"), "{d}");
        assert_eq!(x, 400, "{d}");
    }

    #[test]
    fn a_neighbour_is_clipped_to_the_drawing_and_named_in_the_legend() {
        let own = Parcel::from_text(
            "J1,2712000,37500000\nJ2,2712000,37500100\nJ3,2712100,37500100\nJ4,2712100,37500000",
            37,
        )
        .unwrap();
        // A large area reaching far beyond the frame, and one far away.
        let big = Parcel::from_text(
            "1,2711000,37500050\n2,2711000,37510000\n3,2720000,37510000\n4,2720000,37500050",
            37,
        )
        .unwrap();
        let far = Parcel::from_text(
            "1,2790000,37590000\n2,2790000,37590100\n3,2790100,37590100\n4,2790100,37590000",
            37,
        )
        .unwrap();
        let around = [
            Around {
                shape: Shape::Parcel(&big),
                label: "拉沟自然保护区".into(),
                protected: true,
            },
            Around {
                shape: Shape::Parcel(&far),
                label: "C4502232026127139999999".into(),
                protected: false,
            },
        ];
        let (svg, drawn) = licence_drawing(&own, &[], &around);
        assert_eq!(drawn, ["拉沟自然保护区"]);
        assert!(svg.contains(r#"class="around protected""#));
        // Clipped to the 124 m frame: every coordinate of the 10 km area lies inside it.
        let start = svg.find(r#"class="around protected" d=""#).unwrap() + 31;
        let d = &svg[start..start + svg[start..].find('"').unwrap()];
        let numbers: Vec<f64> = d
            .split(['M', 'L', 'Z', ' '])
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().unwrap())
            .collect();
        assert!(numbers.len() >= 6, "{d}");
        assert!(numbers.iter().all(|v| (0.0..=124.1).contains(v)), "{d}");
    }
}
