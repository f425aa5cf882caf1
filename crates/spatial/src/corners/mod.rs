//! Corner-point text (拐点坐标) of a mining right: parts (矿段/开采区), rings, elevation ranges.
//!
//! Accepted layouts (DOMAIN.md §6): one point per line as `name, X, Y` or `X, Y`, separated by commas,
//! tabs, spaces, `|` or `;` (full-width forms too); point names like `1`, `J1`, `J01`; `X=`/`Y=` labels;
//! X is the northing and Y the easting, with or without the zone prefix — a value ≥ 10⁷ is a prefixed
//! easting, so swapped columns are recognised by magnitude (and noted). Parts start at a heading line
//! (`矿段1`, `开采区二`, `区块`, `Part 2`) or after a `*` line, the national exchange format's end-of-part
//! marker `*,top,bottom,,flag`; an elevation range (`+310m至+180m`, `+77.00~+9.50m`, `自+100.2至+3.9`,
//! `336.33米至100米`) on a heading line or on its own belongs to the current part. A heading containing
//! 扣除/孔/内环/hole starts a hole in the current part. A closing point equal to the first is dropped.
//! Lines without digits (column headings) are skipped; a point count alone on a line is skipped.
//!
//! What must not live here: geometry checks (self-intersection, areas: [`crate::polygon`]) and CRSs
//! ([`crate::crs`]).

/// One corner point as written, with the zone prefix removed from the easting.
#[derive(Debug, Clone, PartialEq)]
pub struct CornerPoint {
    pub name: String,
    /// 1-based line of the text it came from.
    pub line: usize,
    pub northing_m: f64,
    /// Easting without the zone prefix (500 000 at the central meridian).
    pub easting_m: f64,
}

/// An elevation range, top to bottom, in metres (1985 national height datum).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElevationRange {
    pub top_m: f64,
    pub bottom_m: f64,
}

/// One part of a mining right: an outer ring, optional holes and elevation range.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Part {
    /// The heading that opened the part, if any (`矿段1`).
    pub label: Option<String>,
    pub outer: Vec<CornerPoint>,
    pub holes: Vec<Vec<CornerPoint>>,
    pub elevation: Option<ElevationRange>,
}

/// Something worth telling the user that did not stop the parse.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseNote {
    /// X and Y were the other way round on this line.
    ColumnsSwapped { line: usize },
}

/// A parsed corner-point list.
#[derive(Debug, Clone, PartialEq)]
pub struct CornerPoints {
    /// The 3-degree (or 6-degree) zone from the easting prefix; `None` when no easting was prefixed.
    pub zone: Option<u32>,
    pub parts: Vec<Part>,
    pub notes: Vec<ParseNote>,
}

/// Why a corner-point list could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CornerPointError {
    /// A line that is not a point, a heading, an elevation range or a `*` line.
    #[error("第{line}行：无法识别的拐点坐标 “{text}”")]
    Malformed { line: usize, text: String },
    /// Neither value looks like a northing (10⁶…10⁷ m) with an easting beside it.
    #[error("第{line}行：无法判断哪一列是X（北坐标）、哪一列是Y（东坐标）：“{text}”")]
    Ambiguous { line: usize, text: String },
    /// A prefixed easting of another zone than the lines before.
    #[error("第{line}行：带号 {found} 与前面的带号 {expected} 不一致")]
    ZoneMismatch { line: usize, expected: u32, found: u32 },
    /// Some eastings carry the zone prefix and some do not.
    #[error("第{line}行：Y坐标有的带带号、有的不带，无法确定坐标系")]
    MixedPrefix { line: usize },
    /// An elevation range whose top is below its bottom.
    #[error("第{line}行：标高范围上限 {top_m} 低于下限 {bottom_m}")]
    InvertedElevation { line: usize, top_m: f64, bottom_m: f64 },
    /// A ring with fewer than three distinct points.
    #[error("第{part}个矿段（第{line}行起）拐点少于3个，无法构成范围")]
    TooFewPoints { part: usize, line: usize },
    /// No point at all.
    #[error("没有拐点坐标")]
    Empty,
}

impl CornerPointError {
    /// The same message in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::Malformed { line, text } => format!("line {line}: not a corner point: \"{text}\""),
            Self::Ambiguous { line, text } => {
                format!("line {line}: cannot tell the northing (X) from the easting (Y): \"{text}\"")
            }
            Self::ZoneMismatch {
                line,
                expected,
                found,
            } => format!("line {line}: zone {found} differs from zone {expected} above"),
            Self::MixedPrefix { line } => {
                format!("line {line}: some eastings carry the zone prefix and some do not")
            }
            Self::InvertedElevation {
                line,
                top_m,
                bottom_m,
            } => format!("line {line}: elevation top {top_m} is below bottom {bottom_m}"),
            Self::TooFewPoints { part, line } => {
                format!("part {part} (from line {line}) has fewer than 3 distinct corner points")
            }
            Self::Empty => "no corner points".to_string(),
        }
    }
}

const PART_WORDS: [&str; 9] = [
    "矿段",
    "开采区",
    "区块",
    "采区",
    "块段",
    "范围",
    "part",
    "Part",
    "PART",
];
const HOLE_WORDS: [&str; 6] = ["扣除", "内环", "孔", "hole", "Hole", "HOLE"];

enum Ring {
    Outer,
    Hole,
}

struct Builder {
    parts: Vec<Part>,
    current: Part,
    ring: Ring,
    hole: Vec<CornerPoint>,
    first_line: usize,
}

impl Builder {
    fn has_points(&self) -> bool {
        !self.current.outer.is_empty() || !self.hole.is_empty() || !self.current.holes.is_empty()
    }

    fn close_hole(&mut self) {
        if !self.hole.is_empty() {
            let hole = std::mem::take(&mut self.hole);
            self.current.holes.push(hole);
        }
        self.ring = Ring::Outer;
    }

    fn close_part(&mut self) -> Result<(), CornerPointError> {
        self.close_hole();
        if self.has_points() {
            let mut part = std::mem::take(&mut self.current);
            let number = self.parts.len() + 1;
            let line = part.outer.first().map_or(self.first_line, |p| p.line);
            finish_ring(&mut part.outer, number, line)?;
            for hole in &mut part.holes {
                let line = hole.first().map_or(line, |p| p.line);
                finish_ring(hole, number, line)?;
            }
            self.parts.push(part);
        } else if self.current.label.is_some() || self.current.elevation.is_some() {
            // A heading with no points under it yet stays open for the points that follow.
            return Ok(());
        }
        self.current = Part::default();
        Ok(())
    }

    fn push(&mut self, point: CornerPoint) {
        match self.ring {
            Ring::Outer => self.current.outer.push(point),
            Ring::Hole => self.hole.push(point),
        }
    }
}

/// Drops a closing point equal to the first and checks three distinct points remain.
fn finish_ring(ring: &mut Vec<CornerPoint>, part: usize, line: usize) -> Result<(), CornerPointError> {
    if ring.len() > 1 {
        if let (Some(first), Some(last)) = (ring.first(), ring.last()) {
            if same_place(first, last) {
                ring.pop();
            }
        }
    }
    let mut distinct: Vec<&CornerPoint> = Vec::new();
    for p in ring.iter() {
        if !distinct.iter().any(|q| same_place(p, q)) {
            distinct.push(p);
        }
    }
    if distinct.len() < 3 {
        return Err(CornerPointError::TooFewPoints { part, line });
    }
    Ok(())
}

fn same_place(a: &CornerPoint, b: &CornerPoint) -> bool {
    (a.northing_m - b.northing_m).abs() < 1e-6 && (a.easting_m - b.easting_m).abs() < 1e-6
}

/// Full-width punctuation and digits to ASCII; `X=`/`Y:` labels removed.
fn normalise(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        let mapped = match c {
            '，' | '、' => ',',
            '｜' => '|',
            '；' => ';',
            '：' => ':',
            '．' => '.',
            '＋' => '+',
            '－' | '—' => '-',
            '～' | '〜' => '~',
            '\u{3000}' => ' ',
            '０'..='９' => char::from_u32(u32::from(c) - 0xFF10 + u32::from('0')).unwrap_or(c),
            other => other,
        };
        out.push(mapped);
    }
    for label in ["X=", "Y=", "x=", "y=", "X:", "Y:", "x:", "y:"] {
        out = out.replace(label, " ");
    }
    out
}

fn tokens(line: &str) -> Vec<&str> {
    line.split(|c: char| c == ',' || c == '|' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect()
}

fn number(token: &str) -> Option<f64> {
    token.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// What a coordinate value is, by magnitude (China lies between 18°N and 54°N).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Axis {
    Northing,
    PlainEasting,
    PrefixedEasting { zone: u32, easting_m: f64 },
}

fn axis_of(value: f64) -> Option<Axis> {
    if value >= 1e7 {
        let zone = (value / 1e6).floor();
        let easting_m = value - zone * 1e6;
        ((13.0..=45.0).contains(&zone)).then_some(Axis::PrefixedEasting {
            zone: zone as u32,
            easting_m,
        })
    } else if value >= 1e6 {
        Some(Axis::Northing)
    } else if value > 0.0 {
        Some(Axis::PlainEasting)
    } else {
        None
    }
}

/// Parses an elevation range written top to bottom, or `None` when the line holds none.
fn elevation(line: &str, line_no: usize) -> Result<Option<ElevationRange>, CornerPointError> {
    let cleaned = line.replace("标高", " ").replace('米', "m");
    let separator = ["至", "~", "到", "--"]
        .into_iter()
        .find_map(|sep| cleaned.find(sep).map(|at| (at, sep.len())));
    let Some((at, len)) = separator else {
        return Ok(None);
    };
    let (left, right) = (
        cleaned.get(..at).unwrap_or(""),
        cleaned.get(at + len..).unwrap_or(""),
    );
    let (Some(top_m), Some(bottom_m)) = (last_signed_number(left), first_signed_number(right)) else {
        return Ok(None);
    };
    if top_m < bottom_m {
        return Err(CornerPointError::InvertedElevation {
            line: line_no,
            top_m,
            bottom_m,
        });
    }
    Ok(Some(ElevationRange { top_m, bottom_m }))
}

fn signed_numbers(text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, out: &mut Vec<f64>| {
        if current.chars().any(|c| c.is_ascii_digit()) {
            if let Ok(v) = current.parse::<f64>() {
                out.push(v);
            }
        }
        current.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' || ((c == '+' || c == '-') && current.is_empty()) {
            current.push(c);
        } else {
            flush(&mut current, &mut out);
            if c == '+' || c == '-' {
                current.push(c);
            }
        }
    }
    flush(&mut current, &mut out);
    out
}

fn last_signed_number(text: &str) -> Option<f64> {
    signed_numbers(text).last().copied()
}

fn first_signed_number(text: &str) -> Option<f64> {
    signed_numbers(text).first().copied()
}

impl CornerPoints {
    /// Parses corner-point text; see the module documentation for the layouts.
    pub fn parse(text: &str) -> Result<Self, CornerPointError> {
        let mut b = Builder {
            parts: Vec::new(),
            current: Part::default(),
            ring: Ring::Outer,
            hole: Vec::new(),
            first_line: 1,
        };
        let mut zone: Option<u32> = None;
        let mut prefixed: Option<bool> = None;
        let mut notes = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = normalise(raw.trim());
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let has_digit = line.chars().any(|c| c.is_ascii_digit());
            let is_hole = HOLE_WORDS.iter().any(|w| line.contains(w));
            let is_part = PART_WORDS.iter().any(|w| line.contains(w));
            if let Some(rest) = line.strip_prefix('*') {
                // `*,top,bottom,,flag`: the end of a part, with its elevation range.
                let values: Vec<f64> = tokens(rest).iter().filter_map(|t| number(t)).collect();
                if let (Some(&top_m), Some(&bottom_m)) = (values.first(), values.get(1)) {
                    if top_m < bottom_m {
                        return Err(CornerPointError::InvertedElevation {
                            line: line_no,
                            top_m,
                            bottom_m,
                        });
                    }
                    b.current.elevation = Some(ElevationRange { top_m, bottom_m });
                }
                if !b.has_points() {
                    return Err(CornerPointError::Malformed {
                        line: line_no,
                        text: raw.trim().to_string(),
                    });
                }
                b.close_part()?;
                b.first_line = line_no + 1;
                continue;
            }
            if is_hole {
                b.close_hole();
                b.ring = Ring::Hole;
                continue;
            }
            if is_part || !has_digit {
                if is_part {
                    b.close_part()?;
                    b.first_line = line_no;
                    b.current.label = Some(raw.trim().to_string());
                    if let Some(range) = elevation(line, line_no)? {
                        b.current.elevation = Some(range);
                    }
                }
                continue;
            }
            if let Some(range) = elevation(line, line_no)? {
                if b.current.elevation.is_some() && b.has_points() {
                    b.close_part()?;
                    b.first_line = line_no;
                }
                b.current.elevation = Some(range);
                continue;
            }
            let parts = tokens(line);
            let malformed = || CornerPointError::Malformed {
                line: line_no,
                text: raw.trim().to_string(),
            };
            let (name, a, b_value) = match parts.as_slice() {
                [count] if count.parse::<u32>().is_ok() => continue,
                [x, y] => (
                    None,
                    number(x).ok_or_else(malformed)?,
                    number(y).ok_or_else(malformed)?,
                ),
                [name, x, y] => (
                    Some(name.to_string()),
                    number(x).ok_or_else(malformed)?,
                    number(y).ok_or_else(malformed)?,
                ),
                _ => return Err(malformed()),
            };
            let ambiguous = || CornerPointError::Ambiguous {
                line: line_no,
                text: raw.trim().to_string(),
            };
            let (first, second) = (
                axis_of(a).ok_or_else(ambiguous)?,
                axis_of(b_value).ok_or_else(ambiguous)?,
            );
            let (northing_m, easting_axis, easting_raw) = match (first, second) {
                (Axis::Northing, e @ (Axis::PlainEasting | Axis::PrefixedEasting { .. })) => (a, e, b_value),
                (e @ (Axis::PlainEasting | Axis::PrefixedEasting { .. }), Axis::Northing) => {
                    notes.push(ParseNote::ColumnsSwapped { line: line_no });
                    (b_value, e, a)
                }
                _ => return Err(ambiguous()),
            };
            let (easting_m, this_prefixed) = match easting_axis {
                Axis::PrefixedEasting { zone: z, easting_m } => {
                    match zone {
                        Some(expected) if expected != z => {
                            return Err(CornerPointError::ZoneMismatch {
                                line: line_no,
                                expected,
                                found: z,
                            })
                        }
                        _ => zone = Some(z),
                    }
                    (easting_m, true)
                }
                _ => (easting_raw, false),
            };
            if *prefixed.get_or_insert(this_prefixed) != this_prefixed {
                return Err(CornerPointError::MixedPrefix { line: line_no });
            }
            let name = name.unwrap_or_else(|| {
                let count = b.current.outer.len() + b.hole.len() + 1;
                count.to_string()
            });
            b.push(CornerPoint {
                name,
                line: line_no,
                northing_m,
                easting_m,
            });
        }
        b.close_part()?;
        if b.parts.is_empty() {
            return Err(CornerPointError::Empty);
        }
        Ok(Self {
            zone,
            parts: b.parts,
            notes,
        })
    }

    /// Every point of every ring, in order.
    pub fn points(&self) -> impl Iterator<Item = &CornerPoint> {
        self.parts
            .iter()
            .flat_map(|p| p.outer.iter().chain(p.holes.iter().flatten()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_plain_comma_list_with_zone_prefix() {
        let text = "1, 2708250.00, 37373200.00\n2, 2708235.00, 37373620.00\n3, 2707900.50, 37373600.00\n";
        let parsed = CornerPoints::parse(text).unwrap();
        assert_eq!(parsed.zone, Some(37));
        assert_eq!(parsed.parts.len(), 1);
        let outer = &parsed.parts[0].outer;
        assert_eq!(outer.len(), 3);
        assert_eq!(outer[1].name, "2");
        assert_eq!(outer[1].line, 2);
        assert_eq!(outer[1].easting_m, 373_620.0);
        assert_eq!(outer[2].northing_m, 2_707_900.5);
        assert!(parsed.notes.is_empty());
    }

    #[test]
    fn swapped_columns_tabs_and_names_are_understood() {
        let text = "点号\tY\tX\nJ1\t37373200.00\t2708250.00\nJ2\t37373620.00\t2708235.00\nJ3\t37373600.00\t2707900.00\nJ1\t37373200.00\t2708250.00\n";
        let parsed = CornerPoints::parse(text).unwrap();
        let outer = &parsed.parts[0].outer;
        assert_eq!(outer.len(), 3, "the closing point is dropped");
        assert_eq!(outer[0].name, "J1");
        assert_eq!(outer[0].northing_m, 2_708_250.0);
        assert_eq!(parsed.notes.len(), 4);
        assert_eq!(parsed.notes[0], ParseNote::ColumnsSwapped { line: 2 });
    }

    #[test]
    fn several_parts_with_elevation_ranges_and_a_hole() {
        let text = "矿段1 标高+310m至+180m\n\
                    1|2708250.00|373200.00\n2|2708235.00|373620.00\n3|2707900.00|373600.00\n\
                    扣除范围\n\
                    4|2708100.00|373400.00\n5|2708100.00|373450.00\n6|2708050.00|373420.00\n\
                    矿段2\n+77.00~+9.50m\n\
                    7 2706000 373000\n8 2706000 373100\n9 2705900 373100\n";
        let parsed = CornerPoints::parse(text).unwrap();
        assert_eq!(parsed.zone, None);
        assert_eq!(parsed.parts.len(), 2);
        let first = &parsed.parts[0];
        assert_eq!(first.label.as_deref(), Some("矿段1 标高+310m至+180m"));
        assert_eq!(
            first.elevation,
            Some(ElevationRange {
                top_m: 310.0,
                bottom_m: 180.0
            })
        );
        assert_eq!(first.holes.len(), 1);
        assert_eq!(first.holes[0].len(), 3);
        assert_eq!(
            parsed.parts[1].elevation,
            Some(ElevationRange {
                top_m: 77.0,
                bottom_m: 9.5
            })
        );
        assert_eq!(parsed.points().count(), 9);
    }

    #[test]
    fn the_national_exchange_format_ends_parts_with_star_lines() {
        let text = "3,\n1,2708250.00,37373200.00\n2,2708235.00,37373620.00\n3,2707900.00,37373600.00\n*,320,200,,1\n\
                    1,2706000.00,37373000.00\n2,2706000.00,37373100.00\n3,2705900.00,37373100.00\n*,150,100,,1\n";
        let parsed = CornerPoints::parse(text).unwrap();
        assert_eq!(parsed.parts.len(), 2);
        assert_eq!(parsed.parts[0].elevation.unwrap().top_m, 320.0);
        assert_eq!(parsed.parts[1].elevation.unwrap().bottom_m, 100.0);
    }

    #[test]
    fn elevation_ranges_in_every_written_form() {
        for (text, top_m, bottom_m) in [
            ("+310m至+180m", 310.0, 180.0),
            ("+77.00~+9.50m", 77.0, 9.5),
            ("自+100.2至+3.9", 100.2, 3.9),
            ("336.33米至100米", 336.33, 100.0),
            ("开采标高：+50m至-20m", 50.0, -20.0),
        ] {
            let range = elevation(&normalise(text), 1).unwrap().unwrap();
            assert_eq!((range.top_m, range.bottom_m), (top_m, bottom_m), "{text}");
        }
        assert!(matches!(
            elevation("+100m至+200m", 4),
            Err(CornerPointError::InvertedElevation { line: 4, .. })
        ));
    }

    #[test]
    fn bad_lines_are_named_by_number() {
        let err =
            CornerPoints::parse("1, 2708250.00, 37373200.00\n2, 2708235.0O, 37373620.00\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "第2行：无法识别的拐点坐标 “2, 2708235.0O, 37373620.00”"
        );
        let err = CornerPoints::parse("1, 2708250, 37373200\n2, 2708235, 36373620\n").unwrap_err();
        assert_eq!(
            err,
            CornerPointError::ZoneMismatch {
                line: 2,
                expected: 37,
                found: 36
            }
        );
        let err = CornerPoints::parse("1, 2708250, 37373200\n2, 2708235, 373620\n").unwrap_err();
        assert_eq!(err, CornerPointError::MixedPrefix { line: 2 });
        let err = CornerPoints::parse("1, 250.0, 200.0\n").unwrap_err();
        assert!(matches!(err, CornerPointError::Ambiguous { line: 1, .. }));
        let err = CornerPoints::parse("1, 2708250, 373200\n2, 2708235, 373620\n").unwrap_err();
        assert_eq!(err, CornerPointError::TooFewPoints { part: 1, line: 1 });
        assert_eq!(
            CornerPoints::parse("拐点编号 X Y\n").unwrap_err(),
            CornerPointError::Empty
        );
        assert!(err.message_en().contains("fewer than 3"));
    }

    fn ring_strategy() -> impl Strategy<Value = Vec<(f64, f64)>> {
        prop::collection::vec((2_600_000.0f64..2_800_000.0, 330_000.0f64..670_000.0), 3..12).prop_map(|pts| {
            // Two decimals, as published; distinct points.
            let mut out: Vec<(f64, f64)> = Vec::new();
            for (n, e) in pts {
                let p = ((n * 100.0).round() / 100.0, (e * 100.0).round() / 100.0);
                if !out.contains(&p) {
                    out.push(p);
                }
            }
            out
        })
    }

    proptest! {
        #[test]
        fn any_layout_reads_back_the_written_points(
            parts in prop::collection::vec(ring_strategy().prop_filter("3 points", |r| r.len() >= 3), 1..4),
            separator in prop::sample::select(vec![", ", "\t", " ", " | ", ",", "，"]),
            named in any::<bool>(),
            prefixed in any::<bool>(),
            swapped in any::<bool>(),
        ) {
            let mut text = String::from("拐点编号 X坐标 Y坐标\n");
            for (k, ring) in parts.iter().enumerate() {
                text.push_str(&format!("矿段{} +{}m至+{}m\n", k + 1, 300 - k, 100 - k));
                for (i, (n, e)) in ring.iter().enumerate() {
                    let e = if prefixed { e + 37e6 } else { *e };
                    let (a, b) = if swapped { (e, *n) } else { (*n, e) };
                    if named {
                        text.push_str(&format!("J{}{separator}{a:.2}{separator}{b:.2}\n", i + 1));
                    } else {
                        text.push_str(&format!("{a:.2}{separator}{b:.2}\n"));
                    }
                }
            }
            let parsed = CornerPoints::parse(&text).unwrap();
            prop_assert_eq!(parsed.zone, prefixed.then_some(37));
            prop_assert_eq!(parsed.parts.len(), parts.len());
            for (k, (part, ring)) in parsed.parts.iter().zip(&parts).enumerate() {
                prop_assert_eq!(part.elevation, Some(ElevationRange { top_m: (300 - k) as f64, bottom_m: (100 - k) as f64 }));
                prop_assert_eq!(part.outer.len(), ring.len());
                for (p, (n, e)) in part.outer.iter().zip(ring) {
                    prop_assert!((p.northing_m - n).abs() < 1e-6 && (p.easting_m - e).abs() < 1e-6);
                }
            }
            prop_assert_eq!(parsed.notes.is_empty(), !swapped);
        }
    }
}
