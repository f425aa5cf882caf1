//! A large parcel (a 600,000-vertex ecological red line) cut into tiles, so that the area it shares
//! with a small licence is computed from the few tiles around the licence instead of the whole outline.
//!
//! The tiles are a quadtree: a node whose rings hold more than `max_vertices` vertices is split into its
//! four quadrants, each ring clipped to each quadrant (Sutherland–Hodgman). The quadrants partition the
//! plane (their shared edges have no area), so the area a licence shares with the parcel is exactly the
//! sum of the areas it shares with the tiles it meets. A clipped concave ring may run back along the
//! tile's edge (a bridge of zero width); such an edge encloses no area, and the overlay of
//! [`geo::BooleanOps`] treats it so — the tests check the sums against the untiled computation.

use crate::parcel::Parcel;
use crate::polygon::{bbox_meets as meets, Ring};
use crate::simplify::clip_ring;
use geo::{Area, BooleanOps, LineString, MultiPolygon, Polygon};

/// One leaf of the quadtree: its rectangle and the parcel's polygons inside it.
#[derive(Debug, Clone)]
struct Tile {
    rect: [f64; 4],
    polygons: MultiPolygon<f64>,
}

/// A run of consecutive boundary vertices with its bounding box (for drawing the outline near a point
/// without walking all of it).
#[derive(Debug, Clone)]
struct Stretch {
    bbox: [f64; 4],
    points: Vec<(f64, f64)>,
}

/// Vertices per stretch of outline.
const STRETCH: usize = 256;

/// A parcel cut into tiles of at most `max_vertices` vertices (up to a depth of 12), with its outline in
/// stretches.
#[derive(Debug, Clone)]
pub struct TiledParcel {
    zone: u32,
    tiles: Vec<Tile>,
    outline: Vec<Stretch>,
}

/// Rings of one part: the outer ring first, then the holes.
type PartRings = Vec<Ring>;

fn vertices(parts: &[PartRings]) -> usize {
    parts.iter().flatten().map(Vec::len).sum()
}

fn split(rect: [f64; 4], parts: Vec<PartRings>, max_vertices: usize, depth: u32, out: &mut Vec<Tile>) {
    if parts.is_empty() {
        return;
    }
    if vertices(&parts) <= max_vertices || depth >= 12 {
        let line = |ring: &Ring| LineString::from(ring.clone());
        let polygons = parts
            .iter()
            .filter_map(|rings| {
                let (outer, holes) = rings.split_first()?;
                Some(Polygon::new(line(outer), holes.iter().map(line).collect()))
            })
            .collect();
        out.push(Tile {
            rect,
            polygons: MultiPolygon::new(polygons),
        });
        return;
    }
    let [x0, y0, x1, y1] = rect;
    let (xm, ym) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    for quadrant in [
        [x0, y0, xm, ym],
        [xm, y0, x1, ym],
        [x0, ym, xm, y1],
        [xm, ym, x1, y1],
    ] {
        let clipped: Vec<PartRings> = parts
            .iter()
            .filter_map(|rings| {
                let (outer, holes) = rings.split_first()?;
                let outer = clip_ring(outer, quadrant);
                if outer.is_empty() {
                    return None;
                }
                let mut part = vec![outer];
                part.extend(
                    holes
                        .iter()
                        .map(|h| clip_ring(h, quadrant))
                        .filter(|h| !h.is_empty()),
                );
                Some(part)
            })
            .collect();
        split(quadrant, clipped, max_vertices, depth + 1, out);
    }
}

impl TiledParcel {
    /// Tiles `parcel` so that no tile holds more than `max_vertices` vertices.
    pub fn new(parcel: &Parcel, max_vertices: usize) -> Self {
        let parts: Vec<PartRings> = parcel
            .parts
            .iter()
            .map(|p| {
                std::iter::once(p.outer.clone())
                    .chain(p.holes.iter().cloned())
                    .collect()
            })
            .collect();
        let mut outline = Vec::new();
        for ring in parts.iter().flatten() {
            // Each stretch ends where the next begins; the last one closes the ring.
            let closed: Vec<(f64, f64)> = ring.iter().chain(ring.first()).copied().collect();
            let mut start = 0;
            while start + 1 < closed.len() {
                let end = (start + STRETCH).min(closed.len() - 1);
                let points = closed
                    .get(start..=end)
                    .map(<[(f64, f64)]>::to_vec)
                    .unwrap_or_default();
                let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
                for &(x, y) in &points {
                    bbox = [bbox[0].min(x), bbox[1].min(y), bbox[2].max(x), bbox[3].max(y)];
                }
                outline.push(Stretch { bbox, points });
                start = end;
            }
        }
        let mut tiles = Vec::new();
        split(parcel.bbox, parts, max_vertices.max(16), 0, &mut tiles);
        Self {
            zone: parcel.zone,
            tiles,
            outline,
        }
    }

    /// The parcel's area inside `rect`, as rings to fill (each tile's part, clipped to the rectangle).
    /// Tiles meet along lines that are not the parcel's boundary: fill these, and draw the boundary with
    /// [`TiledParcel::outline_in`].
    pub fn fill_in(&self, rect: [f64; 4]) -> Vec<Ring> {
        self.tiles
            .iter()
            .filter(|t| meets(t.rect, rect))
            .flat_map(|t| t.polygons.0.iter())
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors().iter()))
            .map(|line| {
                let mut ring: Ring = line.0.iter().map(|c| (c.x, c.y)).collect();
                ring.pop();
                clip_ring(&ring, rect)
            })
            .filter(|r| !r.is_empty())
            .collect()
    }

    /// The stretches of the parcel's boundary that pass near `rect` (open lines, not clipped).
    pub fn outline_in(&self, rect: [f64; 4]) -> Vec<&[(f64, f64)]> {
        self.outline
            .iter()
            .filter(|s| meets(s.bbox, rect))
            .map(|s| s.points.as_slice())
            .collect()
    }

    /// How many tiles it was cut into.
    pub fn tile_count(&self) -> usize {
        self.tiles.len()
    }

    /// The plane area (m², in this parcel's zone) that `other` shares with it: the same as
    /// [`Parcel::overlap_area_m2`] on the whole parcel.
    pub fn overlap_area_m2(&self, other: &Parcel) -> f64 {
        let other = other.in_zone(self.zone);
        let b = other.bbox;
        let line = |ring: &Ring| LineString::from(ring.clone());
        let theirs = MultiPolygon::new(
            other
                .parts
                .iter()
                .map(|p| Polygon::new(line(&p.outer), p.holes.iter().map(line).collect()))
                .collect(),
        );
        self.tiles
            .iter()
            .filter(|t| meets(t.rect, b))
            .map(|t| t.polygons.intersection(&theirs).unsigned_area())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parcel::Coordinates;

    /// A wandering outline with 20,000 vertices and a hole: concave everywhere, 30 km across.
    fn red_line() -> Parcel {
        let n = 20_000;
        let ring = |r0: f64, scale: f64, n: usize| -> Vec<(f64, f64)> {
            (0..n)
                .map(|i| {
                    let t = std::f64::consts::TAU * i as f64 / n as f64;
                    let r = scale
                        * (r0
                            + 3_000.0 * (7.0 * t).sin()
                            + 400.0 * (97.0 * t).sin()
                            + 40.0 * (1_013.0 * t).sin());
                    (37_405_000.0 + r * t.cos(), 2_720_000.0 + r * t.sin())
                })
                .collect()
        };
        let mut hole = ring(15_000.0, 0.3, 2_000);
        hole.reverse();
        Parcel::from_polygons(
            &[vec![ring(15_000.0, 1.0, n), hole]],
            Coordinates::GaussKruger {
                zone: 37,
                prefixed: true,
            },
        )
        .unwrap()
    }

    fn square(e: f64, n: f64, size: f64) -> Parcel {
        let text = format!(
            "1,{n:.2},{:.2}\n2,{n:.2},{:.2}\n3,{:.2},{:.2}\n4,{:.2},{:.2}",
            37_000_000.0 + e,
            37_000_000.0 + e + size,
            n + size,
            37_000_000.0 + e + size,
            n + size,
            37_000_000.0 + e
        );
        Parcel::from_text(&text, 37).unwrap()
    }

    #[test]
    fn tiled_and_whole_give_the_same_overlap_everywhere() {
        let whole = red_line();
        let tiled = TiledParcel::new(&whole, 500);
        assert!(tiled.tile_count() > 40, "{} tiles", tiled.tile_count());
        // Licences on a grid across the outline, its hole and outside it, some straddling tile edges.
        let mut checked = 0;
        let mut inside = 0;
        for i in 0..24 {
            for j in 0..24 {
                let e = 385_000.0 + f64::from(i) * 1_700.0 + 13.0;
                let n = 2_700_000.0 + f64::from(j) * 1_700.0 + 7.0;
                let licence = square(e, n, 900.0);
                let expected = whole.overlap_area_m2(&licence);
                let got = tiled.overlap_area_m2(&licence);
                assert!(
                    (expected - got).abs() <= 1e-6 * expected.max(1.0),
                    "at ({e}, {n}): {expected} vs {got}"
                );
                checked += 1;
                if expected > 0.0 && expected < 810_000.0 {
                    inside += 1;
                }
            }
        }
        assert_eq!(checked, 576);
        assert!(inside > 20, "only {inside} licences crossed the outline");
    }

    #[test]
    fn the_outline_near_a_frame_is_a_few_stretches_and_the_fill_covers_the_parcel_there() {
        let whole = red_line();
        let tiled = TiledParcel::new(&whole, 500);
        // A 1 km frame on the outline's east edge (r ≈ 15 km at t = 0).
        let frame = [
            405_000.0 + 14_800.0,
            2_719_500.0,
            405_000.0 + 15_800.0,
            2_720_500.0,
        ];
        let stretches = tiled.outline_in(frame);
        assert!(
            !stretches.is_empty() && stretches.len() < 10,
            "{} stretches",
            stretches.len()
        );
        // The filled area inside the frame is the parcel's area inside it.
        let fill: f64 = tiled
            .fill_in(frame)
            .iter()
            .map(|r| crate::polygon::shoelace(r))
            .sum::<f64>()
            .abs();
        let frame_parcel = square(frame[0], frame[1], 1_000.0);
        let expected = whole.overlap_area_m2(&frame_parcel);
        assert!(
            expected > 1_000.0 && (fill - expected).abs() < 1e-3 * expected,
            "{fill} vs {expected}"
        );
    }
}
