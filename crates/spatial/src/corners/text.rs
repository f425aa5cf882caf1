//! The text layer of the corner-point parser: lines (LF, CRLF or CR alone), full-width forms, cells,
//! part headings (`A区`, `一采区`, `第1块`, `矿段2`, a lone `一` cell) and what a caption line says: a
//! declared area, an elevation range, the coordinate system it names.

/// Splits text into lines on LF, CRLF or a lone CR (old Mac files and some Word exports), 1-based.
pub(super) fn lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'\n') => {
                out.push(text.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            Some(b'\r') => {
                out.push(text.get(start..i).unwrap_or(""));
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        out.push(text.get(start..).unwrap_or(""));
    }
    out.into_iter().enumerate().map(|(i, l)| (i + 1, l)).collect()
}

/// Full-width punctuation and digits to ASCII, primes to `'` and `"`, circled numbers (①–⑳) to
/// `①`-style names kept as they are; `X=`/`Y:`/`东经`/`北纬` labels become spaces.
pub(super) fn normalise(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        let mapped = match c {
            '，' | '、' => ',',
            '｜' => '|',
            '；' => ';',
            '：' => ':',
            '．' | '。' => '.',
            '＋' => '+',
            '－' | '—' | '–' | '−' => '-',
            '～' | '〜' => '~',
            '′' | '’' | '‘' | '＇' => '\'',
            '″' | '”' | '“' | '＂' => '"',
            'º' | '˚' => '°',
            '\u{3000}' | '\u{a0}' => ' ',
            '０'..='９' => char::from_u32(u32::from(c) - 0xFF10 + u32::from('0')).unwrap_or(c),
            'Ａ'..='Ｚ' => char::from_u32(u32::from(c) - 0xFF21 + u32::from('A')).unwrap_or(c),
            other => other,
        };
        out.push(mapped);
        // `①4175560.923`: the circled name is a cell of its own.
        if ('\u{2460}'..='\u{2473}').contains(&c) {
            out.push(' ');
        }
    }
    for label in [
        "X=", "Y=", "x=", "y=", "X:", "Y:", "x:", "y:", "东经", "北纬", "经度", "纬度",
    ] {
        out = out.replace(label, " ");
    }
    // `83° 00' 48.281"` → one token.
    for (from, to) in [("° ", "°"), ("' ", "'"), ("度 ", "度"), ("分 ", "分")] {
        while out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

pub(super) fn is_separator(c: char) -> bool {
    c == ',' || c == '|' || c == ';' || c == '\t' || c.is_whitespace()
}

pub(super) fn tokens(line: &str) -> Vec<&str> {
    line.split(is_separator).filter(|t| !t.is_empty()).collect()
}

pub(super) fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

const CJK_DIGITS: [(char, u32); 12] = [
    ('一', 1),
    ('二', 2),
    ('两', 2),
    ('三', 3),
    ('四', 4),
    ('五', 5),
    ('六', 6),
    ('七', 7),
    ('八', 8),
    ('九', 9),
    ('十', 10),
    ('〇', 0),
];

/// `一`…`九十九` as a number.
fn cjk_number(text: &str) -> Option<u32> {
    let digits: Vec<u32> = text
        .chars()
        .map(|c| CJK_DIGITS.iter().find(|(d, _)| *d == c).map(|(_, v)| *v))
        .collect::<Option<_>>()?;
    match digits.as_slice() {
        [] => None,
        [d] => Some(*d),
        [10, d] => Some(10 + d),
        [t, 10] => Some(t * 10),
        [t, 10, d] => Some(t * 10 + d),
        _ => None,
    }
}

/// An ordinal at the start of `text`: CJK numerals, ASCII digits or one capital letter (not X or Y,
/// the column headings). Returns the key and its length in bytes.
fn ordinal(text: &str) -> Option<(String, usize)> {
    let cjk: String = text
        .chars()
        .take_while(|c| CJK_DIGITS.iter().any(|(d, _)| d == c))
        .collect();
    if let Some(n) = cjk_number(&cjk) {
        return Some((n.to_string(), cjk.len()));
    }
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    if !digits.is_empty() && digits.len() <= 3 {
        let n: u32 = digits.parse().ok()?;
        return Some((n.to_string(), digits.len()));
    }
    let first = text.chars().next()?;
    (first.is_ascii_uppercase()
        && first != 'X'
        && first != 'Y'
        && !text[1..].starts_with(|c: char| c.is_ascii_alphanumeric()))
    .then(|| (first.to_string(), 1))
}

/// Words that name a part after its ordinal (`一矿段`, `A区`, `第1块`), longest first.
const PART_SUFFIXES: [&str; 11] = [
    "开采区",
    "矿段",
    "采区",
    "区块",
    "块段",
    "矿区",
    "矿体",
    "部分",
    "块",
    "区",
    "段",
];

/// Words that name a part before its ordinal (`矿段1`, `矿区1`, `Part 2`).
const PART_PREFIXES: [&str; 10] = [
    "开采区",
    "矿段",
    "采区",
    "区块",
    "块段",
    "矿区",
    "范围",
    "部分",
    "Part",
    "PART",
];

/// A part heading at the start of a line.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Heading {
    /// The ordinal, as a number or a letter: `A区` and `A` → `A`, `一矿段` and `矿段1` → `1`.
    pub key: String,
    /// Bytes of the line it takes.
    pub len: usize,
    /// A CJK ordinal alone in its cell (`二 |`, the 矿段 column of a table): a heading only when the
    /// rest of the line is corner points or nothing (`一、协议受让人` is a numbered paragraph).
    pub bare: bool,
}

/// A part heading at the start of a line: `A区拐点坐标`, `一矿段面积…`, `矿段2 标高…`, `第1块`, a cell
/// that is only `二`. A caption that merely contains 范围 or 矿区 (`矿区范围由22个拐点圈定`) has none.
pub(super) fn part_heading(line: &str) -> Option<Heading> {
    let found = heading_parts(line)?;
    Some(Heading {
        key: found.0,
        len: found.1,
        bare: found.2,
    })
}

fn heading_parts(line: &str) -> Option<(String, usize, bool)> {
    let trimmed = line.trim_start_matches(is_separator);
    let lead = line.len() - trimmed.len();
    // Ordinal first: `第一部分`, `一矿段`, `A区`, `3号矿体`.
    let body = trimmed.strip_prefix('第').unwrap_or(trimmed);
    let skipped = trimmed.len() - body.len();
    if let Some((key, len)) = ordinal(body) {
        let rest = &body[len..];
        let rest_after_hao = rest.strip_prefix('号').unwrap_or(rest);
        let hao = rest.len() - rest_after_hao.len();
        for suffix in PART_SUFFIXES {
            if rest_after_hao.starts_with(suffix) {
                return Some((key, lead + skipped + len + hao + suffix.len(), false));
            }
        }
        // A cell that is only a CJK ordinal (the 矿段 column of a table copied cell by cell).
        if skipped == 0
            && (rest.is_empty() || rest.starts_with(is_separator))
            && cjk_number(&body[..len]).is_some()
        {
            return Some((key, lead + len, true));
        }
    }
    // Word first: `矿段1`, `开采区二`, `Part 2`, `矿区1`.
    for prefix in PART_PREFIXES {
        if let Some(rest) = trimmed.strip_prefix(prefix) {
            let after = rest.trim_start_matches([' ', ':']);
            if let Some((key, len)) = ordinal(after) {
                let end = &after[len..];
                // `矿区1` but not `矿区123456.7` (a number) nor `范围3个` (a count).
                if end.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '个') {
                    continue;
                }
                return Some((key, lead + prefix.len() + (rest.len() - after.len()) + len, false));
            }
        }
    }
    None
}

/// Does a caption start a hole (扣除范围, 内环)?
pub(super) fn is_hole_heading(line: &str) -> bool {
    ["扣除", "内环", "hole", "Hole", "HOLE"]
        .iter()
        .any(|w| line.contains(w))
        || (line.contains('孔') && line.chars().count() <= 8)
}

/// The coordinate system a caption names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredDatum {
    Cgcs2000,
    Wgs84,
    Xian80,
    Beijing54,
    /// 独立/地方/假定坐标系: a local grid nobody can convert without its definition.
    Local,
}

impl DeclaredDatum {
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Cgcs2000 => "2000国家大地坐标系",
            Self::Wgs84 => "WGS84",
            Self::Xian80 => "1980西安坐标系",
            Self::Beijing54 => "1954北京坐标系",
            Self::Local => "独立（地方）坐标系",
        }
    }
}

/// The coordinate systems a line names, in the order they appear; with 转换/换算 the last one is the
/// system of the coordinates given (`由1980西安坐标系转换为2000国家大地坐标系`).
pub(super) fn datums(line: &str) -> Vec<DeclaredDatum> {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let upper = compact.to_uppercase();
    let forms: [(&[&str], DeclaredDatum); 5] = [
        (
            &[
                "1980西安",
                "西安1980",
                "西安80",
                "80西安",
                "西安坐标",
                "XIAN80",
                "XIAN1980",
            ],
            DeclaredDatum::Xian80,
        ),
        (
            &[
                "1954北京",
                "北京1954",
                "北京54",
                "54北京",
                "北京坐标",
                "BEIJING54",
                "BEIJING1954",
            ],
            DeclaredDatum::Beijing54,
        ),
        (
            &[
                "2000国家",
                "国家2000",
                "2000坐标",
                "2000大地",
                "CGCS2000",
                "CGCS-2000",
                "2000中国大地",
            ],
            DeclaredDatum::Cgcs2000,
        ),
        (&["WGS84", "WGS-84", "WGS1984"], DeclaredDatum::Wgs84),
        (
            &["独立坐标", "地方坐标", "假定坐标", "任意坐标"],
            DeclaredDatum::Local,
        ),
    ];
    let mut found: Vec<(usize, DeclaredDatum)> = Vec::new();
    for (words, datum) in forms {
        for word in words {
            if let Some(at) = upper.find(word) {
                if !found.iter().any(|(_, d)| *d == datum) {
                    found.push((at, datum));
                }
            }
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, d)| d).collect()
}

/// An area written in a caption (`面积:0.1259平方千米`, `矿区面积约为0.0231平方公里`, `面积17269㎡`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct WrittenArea {
    pub m2: f64,
    /// Half a unit of the last digit written, m² (what the rounding allows).
    pub half_unit_m2: f64,
    pub text: String,
}

pub(super) fn area(line: &str) -> Option<WrittenArea> {
    let at = line.find("面积")?;
    let rest = line.get(at + "面积".len()..)?;
    let start = rest.find(|c: char| c.is_ascii_digit())?;
    // Nothing but a few words (约为, :, 是) between 面积 and the number.
    if rest[..start].chars().count() > 4 {
        return None;
    }
    let number: String = rest[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let unit_text = rest[start + number.len()..].trim_start();
    let units: [(&str, f64); 13] = [
        ("平方千米", 1e6),
        ("平方公里", 1e6),
        ("km2", 1e6),
        ("km²", 1e6),
        ("k㎡", 1e6),
        ("平方米", 1.0),
        ("m2", 1.0),
        ("m²", 1.0),
        ("㎡", 1.0),
        ("公顷", 1e4),
        ("hm2", 1e4),
        ("hm²", 1e4),
        ("亩", 10_000.0 / 15.0),
    ];
    let (unit, factor) = units.into_iter().find(|(u, _)| unit_text.starts_with(u))?;
    written_area(&number, factor, unit)
}

/// An area written as `number` in a unit of `factor` m², with the half unit of its last digit.
fn written_area(number: &str, factor: f64, unit: &str) -> Option<WrittenArea> {
    let value: f64 = number.parse().ok()?;
    let decimals = i32::try_from(number.split_once('.').map_or(0, |(_, d)| d.len())).ok()?;
    // Digits × unit ÷ 10^decimals: 0.1259 km² is exactly 125 900 m².
    let mantissa: f64 = number.replace('.', "").parse().unwrap_or(value);
    let scale = 10f64.powi(decimals);
    Some(WrittenArea {
        m2: mantissa * factor / scale,
        half_unit_m2: 0.5 * factor / scale,
        text: format!("{number}{unit}"),
    })
}

/// `带号=37` (the land-parcel exchange format's header): the zone of the coordinates.
pub(super) fn declared_zone(line: &str) -> Option<u32> {
    let rest = line.strip_prefix("带号")?.trim_start_matches([' ', '=', ':']);
    let zone: u32 = rest.trim().parse().ok()?;
    (13..=45).contains(&zone).then_some(zone)
}

/// A parcel's header in the land-parcel exchange format (自然资源部 坐标交换格式):
/// `界址点数,地块面积(公顷),地块编号,地块名称,记录图形属性,图幅号,地块用途,地类编码,@`.
pub(super) struct ParcelHeader {
    pub key: String,
    pub label: String,
    pub area: Option<WrittenArea>,
}

pub(super) fn parcel_header(line: &str) -> Option<ParcelHeader> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    if fields.len() < 5 || fields.last() != Some(&"@") {
        return None;
    }
    let number = fields.get(2).copied().unwrap_or("");
    let name = fields.get(3).copied().unwrap_or("");
    let label = if name.is_empty() {
        format!("地块{number}")
    } else {
        name.to_string()
    };
    let area = fields.get(1).and_then(|a| written_area(a, 1e4, "公顷"));
    Some(ParcelHeader {
        key: format!("parcel:{number}:{name}"),
        label,
        area,
    })
}

/// An elevation range (`+310m至+180m`, `+77.00~+9.50m`, `自+100.2至+3.9`, `336.33米至100米`), or `None`
/// when the line holds none. A range must look like one: in a caption it needs 标高/深度/高程 or a
/// metre unit, and no value may be a coordinate (a line of coordinates joined by `~` or `至` is not an
/// elevation range). Values outside −3000…9000 m are not elevations.
pub(super) fn elevation_range(line: &str) -> Option<(f64, f64)> {
    let cleaned = line.replace("标高", " ").replace('米', "m");
    if line.contains('年') || line.contains('月') || line.contains('日') {
        return None;
    }
    let (at, len) = ["至", "~", "到", "--"]
        .into_iter()
        .find_map(|sep| cleaned.find(sep).map(|at| (at, sep.len())))?;
    let (left, right) = (cleaned.get(..at)?, cleaned.get(at + len..)?);
    let top = *signed_numbers(left).last()?;
    let bottom = *signed_numbers(right).first()?;
    let has_cjk = line.chars().any(is_cjk);
    let keyword = ["标高", "深度", "高程"].iter().any(|k| line.contains(k))
        || line
            .chars()
            .filter(|c| is_cjk(*c))
            .all(|c| "自从至到米".contains(c));
    let unit = right
        .trim_start_matches(|c: char| c.is_ascii_digit() || "+-. ".contains(c))
        .starts_with('m')
        || left.trim_end().ends_with('m');
    if has_cjk && !keyword && !unit {
        return None;
    }
    if signed_numbers(&cleaned).iter().any(|v| v.abs() >= 1e5) {
        return None;
    }
    let plausible = |v: f64| (-3000.0..=9000.0).contains(&v);
    (plausible(top) && plausible(bottom)).then_some((top, bottom))
}

pub(super) fn signed_numbers(text: &str) -> Vec<f64> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_in_lf_crlf_or_cr() {
        let got: Vec<&str> = lines("a\r\nb\rc\nd").into_iter().map(|(_, l)| l).collect();
        assert_eq!(got, ["a", "b", "c", "d"]);
        assert_eq!(lines("a\r\rb")[2], (3, "b"));
    }

    #[test]
    fn part_headings_in_the_forms_published() {
        for (line, key) in [
            ("A区", "A"),
            ("B区拐点坐标", "B"),
            ("A区范围面积:0.20663平方公里", "A"),
            ("一采区", "1"),
            ("一矿段面积17269㎡,露天开采", "1"),
            ("第1块", "1"),
            ("第二部分", "2"),
            ("矿区1", "1"),
            ("矿段2 标高+310m至+180m", "2"),
            ("开采区二", "2"),
            ("Part 3", "3"),
            ("二 |", "2"),
            ("十二矿段", "12"),
            ("3号矿体", "3"),
        ] {
            assert_eq!(
                part_heading(&normalise(line)).map(|h| h.key),
                Some(key.to_string()),
                "{line}"
            );
        }
        for line in [
            "矿区范围由22个拐点圈定",
            "矿区面积约为0.0231平方公里",
            "2000国家大地坐标系",
            "拐点坐标如下(2000国家大地坐标系)",
            "X",
            "矿段",
            "范围3个拐点",
            "1",
        ] {
            assert_eq!(part_heading(&normalise(line)), None, "{line}");
        }
        assert!(part_heading(&normalise("一、协议受让人")).unwrap().bare);
        assert!(part_heading(&normalise("二 |")).unwrap().bare);
    }

    #[test]
    fn areas_and_their_rounding() {
        let a = area("面积:0.1259平方千米").unwrap();
        assert_eq!(a.m2, 125_900.0);
        assert!((a.half_unit_m2 - 50.0).abs() < 1e-9);
        assert_eq!(area("一矿段面积17269㎡,露天开采").unwrap().m2, 17_269.0);
        assert_eq!(area("矿区面积约为0.0231平方公里").unwrap().m2, 23_100.0);
        assert_eq!(area("面积 3.5 公顷").unwrap().m2, 35_000.0);
        assert_eq!(area("矿区范围由22个拐点圈定"), None);
    }

    #[test]
    fn elevations_need_to_look_like_elevations() {
        assert_eq!(elevation_range("+310m至+180m"), Some((310.0, 180.0)));
        assert_eq!(elevation_range("开采深度自+100.2至+3.9"), Some((100.2, 3.9)));
        assert_eq!(
            elevation_range("开采标高:+123.83m至+12.3m."),
            Some((123.83, 12.3))
        );
        assert_eq!(elevation_range("2708250.00 ~ 37373200.00"), None);
        assert_eq!(elevation_range("1 2708250.00至37373200.00"), None);
        assert_eq!(elevation_range("有效期2019年3月至2024年3月"), None);
        assert_eq!(elevation_range("第1至3块"), None);
    }

    #[test]
    fn datums_named_in_captions() {
        assert_eq!(
            datums("表1:矿区范围坐标表 (1980西安坐标系)"),
            [DeclaredDatum::Xian80]
        );
        assert_eq!(datums("拐点坐标(北京54坐标系)为:"), [DeclaredDatum::Beijing54]);
        assert_eq!(
            datums("2000国家大地坐标系1985国家高程"),
            [DeclaredDatum::Cgcs2000]
        );
        assert_eq!(
            datums("由西安80坐标系转换为CGCS2000"),
            [DeclaredDatum::Xian80, DeclaredDatum::Cgcs2000]
        );
    }
}
