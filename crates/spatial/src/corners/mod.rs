//! Corner-point text (拐点坐标) of a mining right, exactly as published: parts (矿段/采区/A区), rings,
//! elevation ranges, the declared area and the coordinate system the text names.
//!
//! What a pasted announcement holds (DOMAIN.md §6; real examples in `fixtures/corners`):
//! - points as `name, X, Y` or `X, Y`, separated by commas, tabs, spaces, `|` or `;` (full-width forms
//!   too); names `1`, `J1`, `J01`, `J-1`, `拐点1`, `①`; `X=`/`Y=` labels; X the northing and Y the
//!   easting, with or without the zone prefix — a value ≥ 10⁷ is a prefixed easting, so swapped columns
//!   are recognised by magnitude (and noted);
//! - tables with two or three points per row (`1 | X | Y | 7 | X | Y`), and tables flattened to one cell
//!   per line as browsers copy them: cells are read as one stream, and points read out of their
//!   numbered order are put back in it (noted);
//! - longitude/latitude lists in degrees-minutes-seconds, decimal degrees or (when the text or the
//!   caller says so) packed `DDD.MMSS`, converted to the 3-degree Gauss-Krüger zone they lie in;
//! - caption lines, which are read, not taken for points: a declared area (`面积:0.1259平方千米`, kept
//!   for comparison), an elevation range (`开采标高+77.00~+9.50m`), the coordinate system
//!   (`2000国家大地坐标系`; 1980西安 and 1954北京 are refused unless parameters are configured,
//!   [`datum`]), a part heading (`A区`, `一采区`, `一矿段`, `第1块`, `矿区1`, a lone `二` cell) or a hole
//!   (扣除/内环). A caption naming the part already open (`一矿段面积…` after the points of `一`) adds to
//!   it; an elevation range after a part's points closes that part;
//! - the national exchange format's end-of-part line `*,top,bottom,,flag`;
//! - the land-parcel exchange format (坐标交换格式, as protected areas come): `带号=37`, a parcel's
//!   header ending in `@` with its area in hectares, points `J1,1,X,Y` with their ring number (1 the
//!   outer ring, 2… holes).
//!
//! Nothing is dropped in silence: a line that holds coordinates but is not understood, a coordinate
//! without its pair, or an elevation range that is not plausible is refused with its line number.
//!
//! What must not live here: geometry checks (self-intersection, areas: [`crate::polygon`],
//! [`crate::boundary_check`]) and CRSs ([`crate::crs`]).

mod angles;
pub mod datum;
mod text;

pub use datum::DatumTransform;
pub use text::DeclaredDatum;

use crate::tmerc::TransverseMercator;

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
    /// The heading that opened the part, if any (`矿段1`, `A区`).
    pub label: Option<String>,
    pub outer: Vec<CornerPoint>,
    pub holes: Vec<Vec<CornerPoint>>,
    pub elevation: Option<ElevationRange>,
}

/// An area the text declares, for comparison with the area of the points.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredArea {
    pub line: usize,
    /// The part it describes (0-based), or `None` for the whole right.
    pub part: Option<usize>,
    pub m2: f64,
    /// Half a unit of the last digit written, m².
    pub half_unit_m2: f64,
    /// As written (`0.0231平方公里`).
    pub text: String,
}

/// How a longitude/latitude list was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AngleFormat {
    DegreesMinutesSeconds,
    DecimalDegrees,
    PackedDdmmss,
}

/// Something worth telling the user that did not stop the parse.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseNote {
    /// X and Y were the other way round on these lines (one note for the list, not one per point).
    ColumnsSwapped { lines: Vec<usize> },
    /// The points of these parts (0-based) were read out of their numbered order (a table with several
    /// points per row) and were put back in it.
    Reordered { parts: Vec<usize> },
    /// The list was in longitude/latitude and was converted to this 3-degree zone.
    Geographic { zone: u32, format: AngleFormat },
    /// The list was in an old datum and was converted with configured parameters.
    DatumConverted { description: String },
    /// WGS84 coordinates were taken as CGCS2000 (the two agree within a few centimetres in China).
    Wgs84AsCgcs2000 { line: usize },
}

/// `1、2、3` (the first ten, then how many more).
fn list_of(numbers: impl Iterator<Item = usize>) -> String {
    let all: Vec<String> = numbers.map(|n| n.to_string()).collect();
    if all.len() > 10 {
        format!(
            "{} 等 {} 处",
            all.iter().take(10).cloned().collect::<Vec<_>>().join("、"),
            all.len()
        )
    } else {
        all.join("、")
    }
}

impl ParseNote {
    pub fn message_zh(&self) -> String {
        match self {
            Self::ColumnsSwapped { lines } => format!(
                "第{}行：X、Y 两列顺序相反，已按数值大小识别",
                list_of(lines.iter().copied())
            ),
            Self::Reordered { parts } => format!(
                "第{}部分：表格每行有多个拐点，已按拐点编号排列",
                list_of(parts.iter().map(|p| p + 1))
            ),
            Self::Geographic { zone, format } => format!(
                "坐标为经纬度（{}），已换算为 2000 国家大地坐标系 3 度带第 {zone} 带高斯-克吕格坐标",
                match format {
                    AngleFormat::DegreesMinutesSeconds => "度分秒",
                    AngleFormat::DecimalDegrees => "十进制度",
                    AngleFormat::PackedDdmmss => "ddd.mmss",
                }
            ),
            Self::DatumConverted { description } => description.clone(),
            Self::Wgs84AsCgcs2000 { line } => {
                format!("第{line}行注明 WGS84：按 2000 国家大地坐标系使用（两者在我国相差数厘米）")
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            Self::ColumnsSwapped { lines } => format!(
                "lines {}: X and Y were swapped; recognised by magnitude",
                list_of(lines.iter().copied())
            ),
            Self::Reordered { parts } => format!(
                "parts {}: several points per table row; put in the order of their numbers",
                list_of(parts.iter().map(|p| p + 1))
            ),
            Self::Geographic { zone, format } => format!(
                "longitude/latitude ({format:?}) converted to CGCS2000 3-degree Gauss-Krüger zone {zone}"
            ),
            Self::DatumConverted { description } => format!("old datum converted: {description}"),
            Self::Wgs84AsCgcs2000 { line } => {
                format!("line {line}: WGS84 taken as CGCS2000 (a few centimetres apart in China)")
            }
        }
    }
}

/// A parsed corner-point list.
#[derive(Debug, Clone, PartialEq)]
pub struct CornerPoints {
    /// The 3-degree (or 6-degree) zone from the easting prefix or the longitude; `None` when no easting
    /// was prefixed.
    pub zone: Option<u32>,
    pub parts: Vec<Part>,
    pub notes: Vec<ParseNote>,
    /// Areas the text declares.
    pub declared_areas: Vec<DeclaredArea>,
    /// The coordinate system the text names, if any.
    pub datum: Option<DeclaredDatum>,
}

/// What the caller knows that the text may not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParseOptions {
    /// Longitude/latitude values are packed `DDD.MMSS`.
    pub packed_dms: bool,
    /// The zone of eastings written without the prefix (for seven-parameter conversions).
    pub zone: Option<u32>,
    /// Configured parameters for lists in an old datum.
    pub transforms: Vec<DatumTransform>,
}

/// Why a corner-point list could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CornerPointError {
    /// A line that holds numbers but is not a point, a heading, an elevation range or a caption.
    #[error("第{line}行：无法识别的拐点坐标 “{text}”")]
    Malformed { line: usize, text: String },
    /// Neither value looks like a northing (10⁶…10⁷ m) with an easting beside it.
    #[error("第{line}行：无法判断哪一列是X（北坐标）、哪一列是Y（东坐标）：“{text}”")]
    Ambiguous { line: usize, text: String },
    /// A coordinate with no second coordinate after it.
    #[error("第{line}行：坐标 {value} 没有与之成对的另一坐标（X、Y 应成对出现）")]
    Unpaired { line: usize, value: String },
    /// A point name with no coordinates after it.
    #[error("第{line}行：拐点 {name} 后面没有坐标")]
    NameWithoutPoint { line: usize, name: String },
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
    /// The text names an old datum and no parameters are configured for it.
    #[error("第{line}行：坐标为{}，不是 2000 国家大地坐标系。两者相差数十米，换算需要当地发布的转换参数（七参数或四参数），请由管理员在配置中填写后再导入，或改用 2000 国家大地坐标", .datum.name_zh())]
    OldDatum { line: usize, datum: DeclaredDatum },
    /// A local grid, or two coordinate systems for the same points.
    #[error("第{line}行：{reason}")]
    Datum { line: usize, reason: String },
    /// A longitude/latitude that cannot be read, or cannot be told apart from ddd.mmss.
    #[error("第{line}行：经纬度 {reason}")]
    Angle { line: usize, reason: String },
    /// Both projected and longitude/latitude points.
    #[error("第{line}行：同一份坐标中既有平面坐标又有经纬度，请只粘贴一种")]
    MixedKinds { line: usize },
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
            Self::Unpaired { line, value } => {
                format!("line {line}: coordinate {value} has no second coordinate beside it")
            }
            Self::NameWithoutPoint { line, name } => format!("line {line}: point {name} has no coordinates"),
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
            Self::OldDatum { line, datum } => format!(
                "line {line}: the coordinates are in {datum:?}, not CGCS2000; converting them needs locally \
                 published parameters, which are not configured"
            ),
            Self::Datum { line, reason } => format!("line {line}: coordinate system: {reason}"),
            Self::Angle { line, reason } => format!("line {line}: longitude/latitude: {reason}"),
            Self::MixedKinds { line } => {
                format!("line {line}: projected coordinates and longitudes/latitudes are mixed")
            }
            Self::Empty => "no corner points".to_string(),
        }
    }
}

/// One cell of a data line.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    /// A point name (`J1`, `①`, `拐点1`), or an integer that is a name or a point count.
    Name { text: String, integer: bool },
    /// A number with a decimal point, or of a coordinate's magnitude.
    Number { value: f64, raw: String },
    /// An angle written with ° or 度, in degrees.
    Angle { degrees: f64 },
}

/// A cell, or `None` when the token is not one (the line is then a caption or malformed).
fn cell_of(token: &str) -> Option<Result<Cell, String>> {
    let mut chars = token.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if ('\u{2460}'..='\u{2473}').contains(&c) {
            return Some(Ok(Cell::Name {
                text: c.to_string(),
                integer: false,
            }));
        }
    }
    if let Some(angle) = angles::dms(token) {
        return Some(angle.map(|degrees| Cell::Angle { degrees }));
    }
    let numeric = token.trim_start_matches(['+', '-']);
    if !numeric.is_empty() && numeric.chars().all(|c| c.is_ascii_digit() || c == '.') {
        let value: f64 = token.parse().ok()?;
        if token.contains('.') || value.abs() >= 1e5 {
            return Some(Ok(Cell::Number {
                value,
                raw: token.to_string(),
            }));
        }
        return Some(Ok(Cell::Name {
            text: token.to_string(),
            integer: true,
        }));
    }
    // `J1`, `J01`, `J-1`, `ZK3`, `拐点1`, `界址点12`, `1a`.
    let body = ["拐点", "界址点", "点号", "点"]
        .iter()
        .find_map(|p| token.strip_prefix(p))
        .unwrap_or(token);
    let letters = body.chars().take_while(char::is_ascii_alphabetic).count();
    let rest = body.get(letters..)?.trim_start_matches('-');
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let tail = rest.get(digits..)?;
    (letters <= 3
        && (1..=5).contains(&digits)
        && tail.chars().count() <= 1
        && tail.chars().all(|c| c.is_ascii_alphabetic()))
    .then(|| {
        Ok(Cell::Name {
            text: token.to_string(),
            integer: false,
        })
    })
}

/// The number in a point's name (`J12` → 12, `⑤` → 5), for putting points back in order.
fn name_index(name: &str) -> Option<u32> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if ('\u{2460}'..='\u{2473}').contains(&c) {
            return Some(u32::from(c) - 0x2460 + 1);
        }
    }
    let digits: String = name
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// A point as read, before its coordinates are interpreted.
#[derive(Debug, Clone, PartialEq)]
struct RawPoint {
    name: Option<String>,
    line: usize,
    /// Whether its cells spanned lines (a table flattened to one cell per line).
    split: bool,
    values: RawValues,
    datum: Option<(DeclaredDatum, usize)>,
    /// The ring number (圈号) of the land-parcel exchange format: 1 the outer ring, 2… holes.
    ring: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
enum RawValues {
    Numbers {
        a: f64,
        b: f64,
        raw_a: String,
        raw_b: String,
    },
    Angles {
        a: f64,
        b: f64,
    },
}

#[derive(Debug, Default)]
struct RawPart {
    label: Option<String>,
    key: Option<String>,
    outer: Vec<RawPoint>,
    holes: Vec<Vec<RawPoint>>,
    elevation: Option<ElevationRange>,
    first_line: usize,
    areas: Vec<(usize, text::WrittenArea)>,
}

impl RawPart {
    fn has_points(&self) -> bool {
        !self.outer.is_empty() || !self.holes.is_empty()
    }
}

#[derive(Default)]
struct Builder {
    parts: Vec<RawPart>,
    current: RawPart,
    in_hole: bool,
    hole: Vec<RawPoint>,
    /// An elevation range came after the current part's points: the next point opens a new part.
    sealed: bool,
    /// From captions before any part or point: the range of parts that state none.
    default_elevation: Option<ElevationRange>,
    whole_areas: Vec<(usize, text::WrittenArea)>,
    datum: Option<(DeclaredDatum, usize)>,
    /// Cells of the data lines since the last caption (a flattened table spreads a point over lines).
    cells: Vec<(Cell, usize)>,
    /// The ring number (圈号) of the last point, in the land-parcel exchange format.
    ring_number: Option<u32>,
    /// The zone a `带号=37` line declares (the land-parcel exchange format's header), and its line.
    declared_zone: Option<(u32, usize)>,
}

impl Builder {
    fn close_hole(&mut self) {
        if !self.hole.is_empty() {
            let hole = std::mem::take(&mut self.hole);
            self.current.holes.push(hole);
        }
        self.in_hole = false;
    }

    fn close_part(&mut self) {
        self.close_hole();
        self.sealed = false;
        self.ring_number = None;
        if self.current.has_points() {
            let part = std::mem::take(&mut self.current);
            self.parts.push(part);
        }
    }

    fn started(&self) -> bool {
        !self.parts.is_empty() || self.current.has_points() || self.current.key.is_some()
    }

    fn heading(&mut self, key: String, label: &str, line: usize) {
        if self.current.key.as_deref() == Some(key.as_str()) {
            return;
        }
        self.close_part();
        // A heading over a part that has only an elevation or an area so far keeps them.
        self.current.key = Some(key);
        self.current.label = Some(label.to_string());
        self.current.first_line = line;
    }

    fn elevation(&mut self, range: ElevationRange) {
        if !self.started() {
            self.default_elevation = Some(range);
        } else if self.current.has_points() && self.current.elevation.is_none() {
            self.current.elevation = Some(range);
            self.sealed = true;
        } else if self.current.has_points() {
            self.close_part();
            self.current.elevation = Some(range);
        } else {
            self.current.elevation = Some(range);
        }
    }

    fn area(&mut self, line: usize, area: text::WrittenArea) {
        if self.started() {
            self.current.areas.push((line, area));
        } else {
            self.whole_areas.push((line, area));
        }
    }

    /// Turns the pending cells into points.
    fn flush(&mut self) -> Result<(), CornerPointError> {
        let cells = std::mem::take(&mut self.cells);
        for point in points_of(&cells, self.datum)? {
            self.push(point);
        }
        Ok(())
    }

    fn push(&mut self, point: RawPoint) {
        if self.sealed {
            self.close_part();
        }
        // The land-parcel format numbers its rings: a new number past 1 starts a hole.
        if let Some(ring) = point.ring {
            if ring > 1 && self.ring_number != Some(ring) {
                self.close_hole();
                self.in_hole = true;
            }
            self.ring_number = Some(ring);
        }
        if self.current.first_line == 0 {
            self.current.first_line = point.line;
        }
        if self.in_hole {
            self.hole.push(point);
        } else {
            self.current.outer.push(point);
        }
    }
}

/// Groups a stream of cells into points: `[name] coordinate coordinate`.
fn points_of(
    cells: &[(Cell, usize)],
    datum: Option<(DeclaredDatum, usize)>,
) -> Result<Vec<RawPoint>, CornerPointError> {
    let mut out = Vec::new();
    let mut i = 0;
    let coordinate = |k: usize| matches!(cells.get(k), Some((Cell::Number { .. } | Cell::Angle { .. }, _)));
    while let Some((cell, line)) = cells.get(i) {
        let mut ring = None;
        let (name, start) = match cell {
            Cell::Name { text, .. }
                if matches!(cells.get(i + 1), Some((Cell::Name { integer: true, .. }, l)) if l == line)
                    && coordinate(i + 2)
                    && coordinate(i + 3)
                    && cells.get(i + 3).is_some_and(|(_, l)| l == line) =>
            {
                // `J1,1,X,Y` on one line: point name, ring number (圈号), coordinates.
                if let Some((Cell::Name { text: r, .. }, _)) = cells.get(i + 1) {
                    ring = r.parse().ok();
                }
                (Some(text.clone()), i + 2)
            }
            Cell::Name { text, integer } => {
                if coordinate(i + 1) && coordinate(i + 2) {
                    (Some(text.clone()), i + 1)
                } else if *integer {
                    // A point count (`3,` before the national exchange format's points).
                    i += 1;
                    continue;
                } else {
                    return Err(CornerPointError::NameWithoutPoint {
                        line: *line,
                        name: text.clone(),
                    });
                }
            }
            _ => (None, i),
        };
        let (Some((first, first_line)), second) = (cells.get(start), cells.get(start + 1)) else {
            break;
        };
        let values = match (first, second) {
            (Cell::Number { value: a, raw: raw_a }, Some((Cell::Number { value: b, raw: raw_b }, _))) => {
                RawValues::Numbers {
                    a: *a,
                    b: *b,
                    raw_a: raw_a.clone(),
                    raw_b: raw_b.clone(),
                }
            }
            (Cell::Angle { degrees: a }, Some((Cell::Angle { degrees: b }, _))) => {
                RawValues::Angles { a: *a, b: *b }
            }
            (Cell::Number { raw, .. }, _) => {
                return Err(CornerPointError::Unpaired {
                    line: *first_line,
                    value: raw.clone(),
                })
            }
            (_, _) => {
                return Err(CornerPointError::Angle {
                    line: *first_line,
                    reason: "经度、纬度应成对出现".into(),
                })
            }
        };
        let last_line = second.map_or(*first_line, |(_, l)| *l);
        let name_line = if start > i {
            cells.get(i).map_or(*first_line, |(_, l)| *l)
        } else {
            *first_line
        };
        out.push(RawPoint {
            name,
            line: name_line,
            split: last_line != name_line || *first_line != name_line,
            values,
            datum,
            ring,
        });
        i = start + 2;
    }
    Ok(out)
}

/// The words of a heading (`A区` of `A区拐点坐标`; the whole line when it is only a heading, with
/// whatever elevation it states).
fn heading_label<'a>(line: &'a str, heading: &text::Heading) -> &'a str {
    let rest = line.get(heading.len..).unwrap_or("");
    if rest.chars().any(text::is_cjk) && text::elevation_range(rest).is_none() {
        line.get(..heading.len)
            .unwrap_or(line)
            .trim_matches(text::is_separator)
    } else {
        line
    }
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

/// Puts a ring read out of its numbered order (several points per table row) back in it; `true` when
/// it did. Only when every point has a distinct number (a closing repeat of the first point aside).
fn reorder(ring: &mut Vec<CornerPoint>) -> bool {
    let mut indexed: Vec<(u32, CornerPoint)> = Vec::new();
    for p in ring.iter() {
        let Some(index) = name_index(&p.name) else {
            return false;
        };
        match indexed.iter().find(|(i, _)| *i == index) {
            Some((_, q)) if same_place(p, q) => {}
            Some(_) => return false,
            None => indexed.push((index, p.clone())),
        }
    }
    if indexed.windows(2).all(|w| matches!(w, [a, b] if a.0 < b.0)) {
        return false;
    }
    indexed.sort_by_key(|(i, _)| *i);
    *ring = indexed.into_iter().map(|(_, p)| p).collect();
    true
}

impl CornerPoints {
    /// Parses corner-point text; see the module documentation for the layouts.
    pub fn parse(text: &str) -> Result<Self, CornerPointError> {
        Self::parse_with(text, &ParseOptions::default())
    }

    /// [`CornerPoints::parse`] with what the caller knows: packed angles, old-datum parameters.
    pub fn parse_with(text: &str, options: &ParseOptions) -> Result<Self, CornerPointError> {
        let mut b = Builder::default();
        let mut notes = Vec::new();
        let mut declared_datum: Option<DeclaredDatum> = None;
        let mut packed = options.packed_dms;
        let mut decimal_declared = false;
        for (line_no, raw) in text::lines(text) {
            let normal = text::normalise(raw.trim());
            let line = normal.trim_matches(text::is_separator);
            if line.is_empty() {
                continue;
            }
            let malformed = || CornerPointError::Malformed {
                line: line_no,
                text: raw.trim().to_string(),
            };
            if let Some(rest) = line.strip_prefix('*') {
                // `*,top,bottom,,flag`: the end of a part, with its elevation range.
                b.flush()?;
                let values: Vec<f64> = text::tokens(rest).iter().filter_map(|t| t.parse().ok()).collect();
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
                if !b.current.has_points() && b.hole.is_empty() {
                    return Err(malformed());
                }
                b.close_part();
                continue;
            }
            // A part heading may lead a line of points (`一 | J1 | X | Y`).
            let heading = text::part_heading(line);
            let after_heading = heading.as_ref().map_or(line, |h| line.get(h.len..).unwrap_or(""));
            let cells: Option<Vec<Result<Cell, String>>> =
                text::tokens(after_heading).into_iter().map(cell_of).collect();
            if let Some(cells) = cells {
                let cells: Vec<Cell> = cells.into_iter().collect::<Result<_, _>>().map_err(|reason| {
                    CornerPointError::Angle {
                        line: line_no,
                        reason,
                    }
                })?;
                if let Some(h) = &heading {
                    b.flush()?;
                    b.heading(h.key.clone(), heading_label(line, h), line_no);
                }
                b.cells.extend(cells.into_iter().map(|c| (c, line_no)));
                continue;
            }
            // Not a line of points: flush what is pending, then read the caption.
            b.flush()?;
            let has_cjk = line.chars().any(text::is_cjk);
            let mut understood = false;
            if let Some(h) = heading.filter(|h| !h.bare) {
                b.heading(h.key.clone(), heading_label(line, &h), line_no);
                understood = true;
            }
            // The land-parcel exchange format: `带号=37`, and a parcel's header ending in `@`.
            if let Some(zone) = text::declared_zone(line) {
                b.declared_zone = Some((zone, line_no));
                continue;
            }
            if let Some(parcel) = text::parcel_header(line) {
                b.heading(parcel.key, &parcel.label, line_no);
                if let Some(area) = parcel.area {
                    b.area(line_no, area);
                }
                continue;
            }
            let datums = text::datums(line);
            if let Some(&datum) = datums.last() {
                if datums.len() > 1
                    && !(line.contains("转换") || line.contains("换算") || line.contains("转为"))
                {
                    return Err(CornerPointError::Datum {
                        line: line_no,
                        reason: format!(
                            "同一行提到{}，无法确定坐标属于哪一个",
                            datums.iter().map(|d| d.name_zh()).collect::<Vec<_>>().join("和")
                        ),
                    });
                }
                b.datum = Some((datum, line_no));
                understood = true;
            }
            let lower = line.to_lowercase();
            if lower.contains("ddd.mmss") || line.contains("度.分秒") {
                packed = true;
            }
            if line.contains("十进制") || lower.contains("decimal") {
                decimal_declared = true;
            }
            if text::is_hole_heading(line) {
                b.close_hole();
                b.in_hole = true;
                understood = true;
            }
            if let Some(area) = text::area(line) {
                b.area(line_no, area);
                understood = true;
            }
            if let Some((top_m, bottom_m)) = text::elevation_range(line) {
                if top_m < bottom_m {
                    return Err(CornerPointError::InvertedElevation {
                        line: line_no,
                        top_m,
                        bottom_m,
                    });
                }
                b.elevation(ElevationRange { top_m, bottom_m });
                understood = true;
            }
            if understood || !line.chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            // Numbers that are neither points nor a caption's facts: refuse rather than lose a point.
            let coordinates = text::signed_numbers(line)
                .iter()
                .filter(|v| v.abs() >= 1e5)
                .count();
            if !has_cjk || coordinates >= 2 {
                return Err(malformed());
            }
        }
        b.flush()?;
        b.close_part();
        if let Some((datum, _)) = b.datum {
            declared_datum = Some(datum);
        }
        let parts = std::mem::take(&mut b.parts);
        if parts.is_empty() {
            return Err(CornerPointError::Empty);
        }
        let angles = Angles {
            packed,
            decimal_declared,
        };
        let Interpreted {
            zone,
            parts: mut parts_out,
            declared: declared_areas,
        } = interpret(parts, &b, &angles, options, &mut notes)?;
        for part in &mut parts_out {
            if part.elevation.is_none() {
                part.elevation = b.default_elevation;
            }
        }
        Ok(Self {
            zone,
            parts: parts_out,
            notes,
            declared_areas,
            datum: declared_datum,
        })
    }

    /// Every point of every ring, in order.
    pub fn points(&self) -> impl Iterator<Item = &CornerPoint> {
        self.parts
            .iter()
            .flat_map(|p| p.outer.iter().chain(p.holes.iter().flatten()))
    }
}

/// How longitude/latitude numbers without ° are to be read.
struct Angles {
    packed: bool,
    decimal_declared: bool,
}

fn is_geographic(p: &RawPoint) -> bool {
    match &p.values {
        RawValues::Angles { .. } => true,
        RawValues::Numbers { a, b, .. } => {
            a.abs() < 1e5
                && b.abs() < 1e5
                && ((angles::is_longitude(*a) && angles::is_latitude(*b))
                    || (angles::is_latitude(*a) && angles::is_longitude(*b)))
        }
    }
}

/// The points in Gauss-Krüger coordinates, with the zone and the areas the text declares.
struct Interpreted {
    zone: Option<u32>,
    parts: Vec<Part>,
    declared: Vec<DeclaredArea>,
}

/// Turns the points as read into Gauss-Krüger coordinates: zone prefixes, swapped columns,
/// longitude/latitude, old datums; restores numbered order where a table had several points per row.
fn interpret(
    parts: Vec<RawPart>,
    b: &Builder,
    angles: &Angles,
    options: &ParseOptions,
    notes: &mut Vec<ParseNote>,
) -> Result<Interpreted, CornerPointError> {
    let all: Vec<&RawPoint> = parts
        .iter()
        .flat_map(|p| p.outer.iter().chain(p.holes.iter().flatten()))
        .collect();
    let geographic = all.iter().filter(|p| is_geographic(p)).count();
    if geographic > 0 && geographic < all.len() {
        let odd = all
            .iter()
            .find(|p| is_geographic(p) != (geographic * 2 > all.len()))
            .map_or(1, |p| p.line);
        return Err(CornerPointError::MixedKinds { line: odd });
    }
    let geographic = geographic > 0;

    // The coordinate system: one for all points.
    let mut datum: Option<(DeclaredDatum, usize)> = None;
    for p in &all {
        if let Some((d, line)) = p.datum {
            match datum {
                Some((seen, _)) if seen != d => {
                    return Err(CornerPointError::Datum {
                        line,
                        reason: format!(
                            "拐点分属{}和{}两种坐标系，请只粘贴一种",
                            seen.name_zh(),
                            d.name_zh()
                        ),
                    })
                }
                _ => datum = Some((d, line)),
            }
        }
    }
    let transform = match datum {
        Some((DeclaredDatum::Local, line)) => {
            return Err(CornerPointError::Datum {
                line,
                reason: "独立（地方）坐标系无法换算为 2000 国家大地坐标系，请提供 2000 国家大地坐标".into(),
            })
        }
        Some((d @ (DeclaredDatum::Xian80 | DeclaredDatum::Beijing54), line)) => {
            match options.transforms.iter().find(|t| t.from() == d) {
                Some(t) => Some(t),
                None => return Err(CornerPointError::OldDatum { line, datum: d }),
            }
        }
        Some((DeclaredDatum::Wgs84, line)) => {
            notes.push(ParseNote::Wgs84AsCgcs2000 { line });
            None
        }
        _ => None,
    };

    // Each point as (northing, easting without prefix).
    let mut zone: Option<u32> = None;
    let mut converted: Vec<Vec<Vec<(f64, f64)>>> = Vec::new();
    if geographic {
        let format = if all.iter().any(|p| matches!(p.values, RawValues::Angles { .. })) {
            if all.iter().any(|p| matches!(p.values, RawValues::Numbers { .. })) {
                return Err(CornerPointError::Angle {
                    line: all.first().map_or(1, |p| p.line),
                    reason: "有的写成度分秒、有的写成小数，请统一".into(),
                });
            }
            AngleFormat::DegreesMinutesSeconds
        } else if angles.packed {
            AngleFormat::PackedDdmmss
        } else if angles.decimal_declared {
            AngleFormat::DecimalDegrees
        } else {
            let all_packable = all.iter().all(|p| match &p.values {
                RawValues::Numbers { raw_a, raw_b, .. } => {
                    angles::could_be_packed(raw_a) && angles::could_be_packed(raw_b)
                }
                RawValues::Angles { .. } => false,
            });
            if all_packable {
                return Err(CornerPointError::Angle {
                    line: all.first().map_or(1, |p| p.line),
                    reason: "无法判断是十进制度还是 ddd.mmss（度.分秒）格式：请在坐标前注明“十进制度”或“ddd.mmss”，或写成度分秒（如 83°00'48.281\"）".into(),
                });
            }
            AngleFormat::DecimalDegrees
        };
        let lon_lat = |p: &RawPoint| -> Result<(f64, f64), CornerPointError> {
            let (a, b) = match (&p.values, format) {
                (RawValues::Angles { a, b }, _) => (*a, *b),
                (RawValues::Numbers { raw_a, raw_b, .. }, AngleFormat::PackedDdmmss) => {
                    let read = |raw: &str| {
                        angles::packed(raw).map_err(|reason| CornerPointError::Angle { line: p.line, reason })
                    };
                    (read(raw_a)?, read(raw_b)?)
                }
                (RawValues::Numbers { a, b, .. }, _) => (*a, *b),
            };
            let (lon, lat) = if a > b { (a, b) } else { (b, a) };
            if !angles::is_longitude(lon) || !angles::is_latitude(lat) {
                return Err(CornerPointError::Angle {
                    line: p.line,
                    reason: format!("{a}、{b} 不在我国的经纬度范围内"),
                });
            }
            Ok((lon, lat))
        };
        let mut sum = 0.0;
        for p in &all {
            sum += lon_lat(p)?.0;
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let z = (sum / all.len() as f64 / 3.0).round() as u32;
        let cm = f64::from(z) * 3.0;
        zone = Some(z);
        let projection = match transform.and_then(|t| datum::ellipsoid(t.from())) {
            Some((a, inv_f)) => TransverseMercator::new(a, inv_f, cm, 1.0, 500_000.0, 0.0),
            None => TransverseMercator::gauss_kruger(cm, 500_000.0),
        };
        for part in &parts {
            let mut rings = Vec::new();
            for ring in std::iter::once(&part.outer).chain(part.holes.iter()) {
                let mut out = Vec::new();
                for p in ring {
                    let (lon, lat) = lon_lat(p)?;
                    let (e, n) = projection.forward(lon, lat);
                    out.push((n, e));
                }
                rings.push(out);
            }
            converted.push(rings);
        }
        notes.push(ParseNote::Geographic { zone: z, format });
    } else {
        let mut prefixed: Option<bool> = None;
        let mut swapped: Vec<usize> = Vec::new();
        for part in &parts {
            let mut rings = Vec::new();
            for ring in std::iter::once(&part.outer).chain(part.holes.iter()) {
                let mut out = Vec::new();
                for p in ring {
                    let RawValues::Numbers { a, b, raw_a, raw_b } = &p.values else {
                        return Err(CornerPointError::MixedKinds { line: p.line });
                    };
                    let ambiguous = || CornerPointError::Ambiguous {
                        line: p.line,
                        text: format!("{raw_a} {raw_b}"),
                    };
                    let (first, second) = (
                        axis_of(*a).ok_or_else(ambiguous)?,
                        axis_of(*b).ok_or_else(ambiguous)?,
                    );
                    let (northing_m, easting_axis, easting_raw) = match (first, second) {
                        (Axis::Northing, e @ (Axis::PlainEasting | Axis::PrefixedEasting { .. })) => {
                            (*a, e, *b)
                        }
                        (e @ (Axis::PlainEasting | Axis::PrefixedEasting { .. }), Axis::Northing) => {
                            swapped.push(p.line);
                            (*b, e, *a)
                        }
                        _ => return Err(ambiguous()),
                    };
                    let (easting_m, this_prefixed) = match easting_axis {
                        Axis::PrefixedEasting { zone: z, easting_m } => {
                            match zone {
                                Some(expected) if expected != z => {
                                    return Err(CornerPointError::ZoneMismatch {
                                        line: p.line,
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
                        return Err(CornerPointError::MixedPrefix { line: p.line });
                    }
                    out.push((northing_m, easting_m));
                }
                rings.push(out);
            }
            converted.push(rings);
        }
        if !swapped.is_empty() {
            notes.push(ParseNote::ColumnsSwapped { lines: swapped });
        }
    }
    if let Some((declared, line)) = b.declared_zone {
        match zone {
            Some(found) if found != declared => {
                return Err(CornerPointError::ZoneMismatch {
                    line,
                    expected: declared,
                    found,
                })
            }
            _ => zone = Some(declared),
        }
    }
    if let Some(t) = transform {
        let cm = match (zone.or(options.zone), t) {
            (Some(z), _) => crate::crs::zone_central_meridian(z).unwrap_or(f64::from(z) * 3.0),
            (None, DatumTransform::FourParameter { .. }) => 0.0,
            (None, DatumTransform::SevenParameter { .. }) => {
                return Err(CornerPointError::Datum {
                    line: datum.map_or(1, |(_, l)| l),
                    reason: "坐标未带带号，无法按七参数换算；请在 Y 坐标前加带号".into(),
                })
            }
        };
        for ring in converted.iter_mut().flatten() {
            for point in ring.iter_mut() {
                if let Some(p) = t.apply(cm, point.0, point.1) {
                    *point = p;
                }
            }
        }
        notes.push(ParseNote::DatumConverted {
            description: t.describe_zh(),
        });
    }

    let mut out = Vec::new();
    let mut reordered: Vec<usize> = Vec::new();
    let mut declared: Vec<DeclaredArea> = b
        .whole_areas
        .iter()
        .map(|(line, a)| DeclaredArea {
            line: *line,
            part: None,
            m2: a.m2,
            half_unit_m2: a.half_unit_m2,
            text: a.text.clone(),
        })
        .collect();
    for (index, (part, rings)) in parts.into_iter().zip(converted).enumerate() {
        let number = index + 1;
        let table = {
            let mut lines: Vec<usize> = part.outer.iter().map(|p| p.line).collect();
            let n = lines.len();
            lines.dedup();
            lines.len() < n || part.outer.iter().any(|p| p.split)
        };
        let mut finished = Vec::new();
        for (raw_ring, ring) in std::iter::once(&part.outer).chain(part.holes.iter()).zip(rings) {
            let mut points: Vec<CornerPoint> = raw_ring
                .iter()
                .zip(ring)
                .enumerate()
                .map(|(k, (p, (northing_m, easting_m)))| CornerPoint {
                    name: p.name.clone().unwrap_or_else(|| (k + 1).to_string()),
                    line: p.line,
                    northing_m,
                    easting_m,
                })
                .collect();
            if table && reorder(&mut points) && !reordered.contains(&index) {
                reordered.push(index);
            }
            let line = points.first().map_or(part.first_line, |p| p.line);
            finish_ring(&mut points, number, line)?;
            finished.push(points);
        }
        let mut rings = finished.into_iter();
        let outer = rings.next().unwrap_or_default();
        declared.extend(part.areas.iter().map(|(line, a)| DeclaredArea {
            line: *line,
            part: Some(index),
            m2: a.m2,
            half_unit_m2: a.half_unit_m2,
            text: a.text.clone(),
        }));
        out.push(Part {
            label: part.label,
            outer,
            holes: rings.collect(),
            elevation: part.elevation,
        });
    }
    if !reordered.is_empty() {
        notes.push(ParseNote::Reordered { parts: reordered });
    }
    Ok(Interpreted {
        zone,
        parts: out,
        declared,
    })
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
        // One note for the list, naming every swapped line.
        assert_eq!(
            parsed.notes,
            [ParseNote::ColumnsSwapped {
                lines: vec![2, 3, 4, 5]
            }]
        );
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
        for (range, top_m, bottom_m) in [
            ("+310m至+180m", 310.0, 180.0),
            ("+77.00~+9.50m", 77.0, 9.5),
            ("自+100.2至+3.9", 100.2, 3.9),
            ("336.33米至100米", 336.33, 100.0),
            ("开采标高：+50m至-20m", 50.0, -20.0),
        ] {
            let text = format!("{range}\n1, 2708250, 37373200\n2, 2708235, 37373620\n3, 2707900, 37373600\n");
            let parsed = CornerPoints::parse(&text).unwrap();
            assert_eq!(
                parsed.parts[0].elevation,
                Some(ElevationRange { top_m, bottom_m }),
                "{range}"
            );
        }
        assert!(matches!(
            CornerPoints::parse("+100m至+200m\n1, 2708250, 37373200\n"),
            Err(CornerPointError::InvertedElevation { line: 1, .. })
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

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/../../fixtures/corners/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    const A_B: &str = "拐点坐标如下(2000国家大地坐标系):\n\
        A区\n\
        1, 2708250.00, 37373200.00\n2, 2708235.00, 37373620.00\n3, 2707900.50, 37373600.00\n\
        A区面积:0.1259平方千米,开采标高:+310m至+180m\n\
        B区\n\
        4, 2706000.00, 37373000.00\n5, 2706000.00, 37373100.00\n6, 2705900.00, 37373100.00\n\
        开采标高:+150m至+100m\n";

    #[test]
    fn captions_are_read_and_each_part_keeps_its_elevation() {
        let parsed = CornerPoints::parse(A_B).unwrap();
        assert_eq!(parsed.parts.len(), 2, "{parsed:#?}");
        assert_eq!(parsed.parts[0].label.as_deref(), Some("A区"));
        assert_eq!(
            parsed.parts[0].elevation,
            Some(ElevationRange {
                top_m: 310.0,
                bottom_m: 180.0
            })
        );
        assert_eq!(
            parsed.parts[1].elevation,
            Some(ElevationRange {
                top_m: 150.0,
                bottom_m: 100.0
            })
        );
        assert_eq!(parsed.datum, Some(DeclaredDatum::Cgcs2000));
        assert_eq!(parsed.declared_areas.len(), 1);
        assert_eq!(parsed.declared_areas[0].part, Some(0));
        assert_eq!(parsed.declared_areas[0].m2, 125_900.0);
        // Parts in other published headings.
        for heading in ["一采区", "第1块", "矿区1", "一矿段", "A区"] {
            let text = format!("{heading}\n1 2708250 37373200\n2 2708235 37373620\n3 2707900 37373600\n");
            let parsed = CornerPoints::parse(&text).unwrap();
            assert_eq!(parsed.parts[0].label.as_deref(), Some(heading));
        }
    }

    #[test]
    fn tables_with_several_points_per_row_keep_the_numbered_order() {
        let two = "拐点 X Y | 拐点 X Y\n\
                   1 | 2708250.00 | 37373200.00 | 4 | 2707800.00 | 37373150.00\n\
                   2 | 2708235.00 | 37373620.00 | 5 | 2708000.00 | 37373100.00\n\
                   3 | 2707900.50 | 37373600.00\n";
        let parsed = CornerPoints::parse(two).unwrap();
        let names: Vec<&str> = parsed.parts[0].outer.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["1", "2", "3", "4", "5"]);
        assert_eq!(parsed.notes, [ParseNote::Reordered { parts: vec![0] }]);
        let three = "① 2708250 37373200 ③ 2707900 37373600 ⑤ 2707700 37373300\n\
                     ② 2708235 37373620 ④ 2707800 37373500\n";
        let parsed = CornerPoints::parse(three).unwrap();
        let names: Vec<&str> = parsed.parts[0].outer.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["①", "②", "③", "④", "⑤"]);
        for name in ["拐点1", "J-1", "J01"] {
            let text = format!("{name} 2708250 37373200\nJ2 2708235 37373620\nJ3 2707900 37373600\n");
            assert_eq!(CornerPoints::parse(&text).unwrap().parts[0].outer[0].name, name);
        }
    }

    #[test]
    fn a_published_flattened_table_reads_as_published() {
        let parsed = CornerPoints::parse(&fixture("ningbo_guanshantou_2019_flattened.txt")).unwrap();
        assert_eq!(parsed.zone, Some(41));
        let labels: Vec<_> = parsed
            .parts
            .iter()
            .map(|p| p.label.clone().unwrap_or_default())
            .collect();
        assert_eq!(labels, ["一", "二", "三"]);
        assert_eq!(parsed.parts[0].outer[4].name, "J5");
        assert_eq!(parsed.parts[0].outer[4].northing_m, 3_301_841.62);
        assert_eq!(
            parsed.parts[2].elevation,
            Some(ElevationRange {
                top_m: 28.9,
                bottom_m: 5.47
            })
        );
        let areas: Vec<(Option<usize>, f64)> = parsed.declared_areas.iter().map(|a| (a.part, a.m2)).collect();
        assert_eq!(
            areas,
            [(Some(0), 17_269.0), (Some(1), 1_586.0), (Some(2), 2_653.0)]
        );
        assert_eq!(parsed.notes, [ParseNote::Reordered { parts: vec![0, 1, 2] }]);
        // As a Mac or old Word file would have it: CR line endings only.
        let cr = fixture("ningbo_guanshantou_2019_flattened.txt").replace('\n', "\r");
        assert_eq!(CornerPoints::parse(&cr).unwrap().parts, parsed.parts);
    }

    #[test]
    fn old_datums_are_refused_or_converted_with_configured_parameters() {
        let text = fixture("beijing54_circled_two_per_row.txt");
        let err = CornerPoints::parse(&text).unwrap_err();
        assert_eq!(
            err,
            CornerPointError::OldDatum {
                line: 1,
                datum: DeclaredDatum::Beijing54
            }
        );
        assert!(err.to_string().contains("1954北京坐标系"), "{err}");
        let xian = "表1:矿区范围坐标表 (1980西安坐标系)\n1 2708250 37373200\n2 2708235 37373620\n3 2707900 37373600\n";
        assert!(matches!(
            CornerPoints::parse(xian),
            Err(CornerPointError::OldDatum {
                datum: DeclaredDatum::Xian80,
                ..
            })
        ));
        let seven = DatumTransform::SevenParameter {
            from: DeclaredDatum::Beijing54,
            name: "测试参数".into(),
            dx_m: -15.4,
            dy_m: 120.3,
            dz_m: 80.1,
            rx_arcsec: 0.5,
            ry_arcsec: -1.2,
            rz_arcsec: 2.0,
            scale_ppm: 3.5,
        };
        let four = DatumTransform::FourParameter {
            from: DeclaredDatum::Beijing54,
            name: "测试参数".into(),
            dx_m: 12.5,
            dy_m: -30.25,
            rotation_arcsec: 1.5,
            scale_ppm: -2.0,
        };
        for (transform, label, tolerance) in [
            (seven, "beijing54_seven_parameters", 1e-3),
            (four, "beijing54_four_parameters", 1e-6),
        ] {
            let options = ParseOptions {
                transforms: vec![transform],
                ..ParseOptions::default()
            };
            let parsed = CornerPoints::parse_with(&text, &options).unwrap();
            assert!(
                matches!(parsed.notes.last(), Some(ParseNote::DatumConverted { .. })),
                "{:?}",
                parsed.notes
            );
            let want: Vec<(f64, f64)> = fixture("expected.tsv")
                .lines()
                .filter(|l| l.starts_with(label))
                .map(|l| {
                    let f: Vec<f64> = l.split('\t').skip(2).map(|v| v.parse().unwrap()).collect();
                    (f[0], f[1] - 40e6)
                })
                .collect();
            assert_eq!(want.len(), 4);
            for (p, (n, e)) in parsed.parts[0].outer.iter().zip(want) {
                assert!(
                    (p.northing_m - n).abs() < tolerance && (p.easting_m - e).abs() < tolerance,
                    "{label} {}: {p:?} vs {n} {e}",
                    p.name
                );
            }
        }
    }

    /// The land-parcel exchange format (protected areas and land use come in it): a header with the
    /// datum and the zone, a parcel line ending in `@` with its area in hectares, points with their
    /// ring number (1 outer, 2… holes), each ring closed by repeating its first point.
    #[test]
    fn the_land_parcel_exchange_format_with_a_hole() {
        let text =
            "[属性描述]\n格式版本号=1.01版本\n坐标系=2000国家大地坐标系\n几度分带=3\n投影类型=高斯克吕格\n\
                    计量单位=米\n带号=37\n精度=0.01\n转换参数=,,,,,,\n[地块坐标]\n\
                    10,5.9600,1,生态保护红线甲,面,,生态保护,,@\n\
                    J1,1,2746500.00,378500.00\nJ2,1,2746500.00,378800.00\nJ3,1,2746300.00,378800.00\n\
                    J4,1,2746300.00,378500.00\nJ1,1,2746500.00,378500.00\n\
                    J5,2,2746450.00,378550.00\nJ6,2,2746450.00,378570.00\nJ7,2,2746430.00,378570.00\n\
                    J8,2,2746430.00,378550.00\nJ5,2,2746450.00,378550.00\n";
        let parsed = CornerPoints::parse(text).unwrap();
        assert_eq!(parsed.zone, Some(37));
        assert_eq!(parsed.parts.len(), 1);
        let part = &parsed.parts[0];
        assert_eq!(part.label.as_deref(), Some("生态保护红线甲"));
        assert_eq!(part.outer.len(), 4);
        assert_eq!(part.holes.len(), 1);
        assert_eq!(part.holes[0].len(), 4);
        assert_eq!(parsed.declared_areas[0].m2, 59_600.0);
        let checked = crate::boundary_check::check(text, None).unwrap();
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        assert_eq!(checked.parts[0].planar_area_m2, 60_000.0 - 400.0);
        assert!(
            checked.notes.iter().any(|n| n.kind == "declared_area"),
            "{:?}",
            checked.notes
        );
        // A prefix that disagrees with 带号 is refused.
        let other = text.replace(",378", ",38378");
        assert!(matches!(
            CornerPoints::parse(&other),
            Err(CornerPointError::ZoneMismatch {
                expected: 37,
                found: 38,
                ..
            })
        ));
        // The national mining format's count line is still a count, not a ring number.
        let mining = "3,\n1,2708250.00,37373200.00\n2,2708235.00,37373620.00\n3,2707900.00,37373600.00\n*,320,200,,1\n";
        assert_eq!(CornerPoints::parse(mining).unwrap().parts[0].outer.len(), 3);
    }

    #[test]
    fn a_republished_list_with_masked_digits_is_refused_at_its_line() {
        let err = CornerPoints::parse(&fixture("wenzhou_2018_digits_masked_by_republisher.txt")).unwrap_err();
        assert!(
            matches!(err, CornerPointError::Malformed { line: 4, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn nothing_is_lost_without_a_word() {
        // A coordinate line joined by ~ is not an elevation range: refused with its line.
        let err =
            CornerPoints::parse("1, 2708250.00 ~ 37373200.00\n2, 2708235, 37373620\n3, 2707900, 37373600\n")
                .unwrap_err();
        assert!(
            matches!(err, CornerPointError::Malformed { line: 1, .. }),
            "{err:?}"
        );
        // An unpaired coordinate.
        let err =
            CornerPoints::parse("1, 2708250.00\n2, 2708235, 37373620\n3, 2707900, 37373600\n").unwrap_err();
        assert!(
            matches!(
                err,
                CornerPointError::Ambiguous { .. } | CornerPointError::Unpaired { .. }
            ),
            "{err:?}"
        );
        // A caption with coordinates in it that is not understood.
        let err =
            CornerPoints::parse("起点位于2708250.00,37373200.00附近\n1 2708250 37373200\n").unwrap_err();
        assert!(
            matches!(err, CornerPointError::Malformed { line: 1, .. }),
            "{err:?}"
        );
        // Two coordinate systems for the same points.
        let both = "1980西安坐标系\n1 2708250 37373200\n2 2708235 37373620\n3 2707900 37373600\n\
                    2000国家大地坐标系\n1 2708250 37373200\n2 2708235 37373620\n3 2707900 37373600\n";
        assert!(matches!(
            CornerPoints::parse(both),
            Err(CornerPointError::OldDatum { .. } | CornerPointError::Datum { .. })
        ));
        // Decimal degrees that could as well be ddd.mmss.
        let unsure = "1 110.3015 24.3012\n2 110.3020 24.3012\n3 110.3020 24.3005\n";
        assert!(matches!(
            CornerPoints::parse(unsure),
            Err(CornerPointError::Angle { line: 1, .. })
        ));
        let decimal = format!("十进制度\n{unsure}");
        assert_eq!(CornerPoints::parse(&decimal).unwrap().zone, Some(37));
        let packed = ParseOptions {
            packed_dms: true,
            ..ParseOptions::default()
        };
        assert_eq!(CornerPoints::parse_with(unsure, &packed).unwrap().zone, Some(37));
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

    /// Characters the parser treats specially, for the fuzz target below.
    const SPECIAL: [&str; 30] = [
        "0",
        "1",
        "9",
        ".",
        "-",
        "+",
        ",",
        "|",
        "\t",
        " ",
        "\n",
        "\r",
        "~",
        "至",
        "到",
        "--",
        "°",
        "'",
        "\"",
        "区",
        "一",
        "矿段",
        "第",
        "①",
        "J",
        "面积",
        "平方千米",
        "标高",
        "西安80",
        "*",
    ];

    fn corner_seeds() -> Vec<String> {
        let mut out: Vec<String> = [
            "ningbo_guanshantou_2019_flattened.txt",
            "beijing54_circled_two_per_row.txt",
            "ningbo_lonlat_dms_by_proj.txt",
            "ningbo_lonlat_packed_by_proj.txt",
        ]
        .iter()
        .map(|f| fixture(f))
        .collect();
        out.push(A_B.to_string());
        out.push("3,\n1,2708250.00,37373200.00\n2,2708235.00,37373620.00\n3,2707900.00,37373600.00\n*,320,200,,1\n".into());
        out.push("[属性描述]\n坐标系=2000国家大地坐标系\n带号=37\n[地块坐标]\n5,0.0600,1,甲,面,,,,@\nJ1,1,2746500.00,378500.00\nJ2,1,2746500.00,378800.00\nJ3,1,2746300.00,378800.00\nJ1,1,2746500.00,378500.00\nJ5,2,2746450.00,378550.00\nJ6,2,2746450.00,378570.00\nJ7,2,2746430.00,378570.00\n".into());
        out.push("矿段1 标高+310m至+180m\n1|2708250.00|373200.00\n2|2708235.00|373620.00\n3|2707900.00|373600.00\n扣除范围\n4|2708100.00|373400.00\n5|2708100.00|373450.00\n6|2708050.00|373420.00\n".into());
        out
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

        /// A fuzz target (`scripts/fuzz.sh` runs 10,000 cases under a 4 GiB address-space limit):
        /// published texts with characters deleted, special ones inserted or swapped in, runs
        /// duplicated, or cut short. Each must parse or be refused with its line (or "no points").
        #[test]
        fn a_mangled_corner_text_is_read_or_refused_by_line_never_a_panic(
            seed in any::<usize>(),
            edits in prop::collection::vec((0u8..5, any::<usize>(), any::<usize>()), 1..5),
        ) {
            let seeds = corner_seeds();
            let mut chars: Vec<char> = seeds.get(seed % seeds.len()).cloned().unwrap_or_default().chars().collect();
            for (kind, at, value) in edits {
                let len = chars.len();
                let at = at % (len + 1);
                let special = SPECIAL.get(value % SPECIAL.len()).copied().unwrap_or("0");
                match kind {
                    0 if len > 0 => {
                        chars.remove(at.min(len - 1));
                    }
                    1 => {
                        for (k, c) in special.chars().enumerate() {
                            chars.insert(at + k, c);
                        }
                    }
                    2 if len > 0 => {
                        if let (Some(c), Some(slot)) = (special.chars().next(), chars.get_mut(at.min(len - 1))) {
                            *slot = c;
                        }
                    }
                    3 if len > 0 => {
                        let from = value % len;
                        let n = (value / 7 % 40).min(len - from);
                        let run: Vec<char> = chars.get(from..from + n).unwrap_or_default().to_vec();
                        for (k, c) in run.into_iter().enumerate() {
                            chars.insert(at + k, c);
                        }
                    }
                    _ => chars.truncate(at),
                }
            }
            let text: String = chars.into_iter().collect();
            if let Err(e) = crate::boundary_check::check(&text, Some(37)) {
                let message = e.to_string();
                prop_assert!(
                    message.contains('行') || message.contains("没有拐点") || message.contains("矿段") || message.contains("带号"),
                    "{message}"
                );
            }
        }
    }
}
