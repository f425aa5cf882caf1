//! The projected CRS a WKT text names (a LAS 1.4 point cloud's CRS record): WKT 1 or WKT 2, read as a
//! tree; the CRS is the EPSG code of its projected CRS (`AUTHORITY["EPSG","4525"]` or
//! `ID["EPSG",4525]`), possibly inside a compound CRS whose vertical part must be in metres. A WKT
//! without an EPSG code is refused rather than matched by its parameters' names.

use crate::crs::{CrsError, ProjectedCrs};

/// A WKT node: `NAME[child, child, …]`; a quoted text or a number is a leaf.
#[derive(Debug, Clone, PartialEq)]
enum Wkt {
    Node(String, Vec<Wkt>),
    Leaf(String),
}

fn parse(text: &str) -> Option<Wkt> {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    let node = parse_at(&chars, &mut at)?;
    skip_space(&chars, &mut at);
    (at == chars.len()).then_some(node)
}

fn skip_space(chars: &[char], at: &mut usize) {
    while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
        *at += 1;
    }
}

fn parse_at(chars: &[char], at: &mut usize) -> Option<Wkt> {
    skip_space(chars, at);
    if chars.get(*at) == Some(&'"') {
        *at += 1;
        let mut text = String::new();
        loop {
            match chars.get(*at)? {
                '"' if chars.get(*at + 1) == Some(&'"') => {
                    text.push('"');
                    *at += 2;
                }
                '"' => {
                    *at += 1;
                    return Some(Wkt::Leaf(text));
                }
                c => {
                    text.push(*c);
                    *at += 1;
                }
            }
        }
    }
    let mut word = String::new();
    while let Some(c) = chars.get(*at) {
        if c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+') {
            word.push(*c);
            *at += 1;
        } else {
            break;
        }
    }
    if word.is_empty() {
        return None;
    }
    skip_space(chars, at);
    let close = match chars.get(*at) {
        Some('[') => ']',
        Some('(') => ')',
        _ => return Some(Wkt::Leaf(word)),
    };
    *at += 1;
    let mut children = Vec::new();
    loop {
        skip_space(chars, at);
        if chars.get(*at) == Some(&close) && children.is_empty() {
            *at += 1;
            return Some(Wkt::Node(word.to_ascii_uppercase(), children));
        }
        children.push(parse_at(chars, at)?);
        skip_space(chars, at);
        match chars.get(*at)? {
            ',' => *at += 1,
            c if *c == close => {
                *at += 1;
                return Some(Wkt::Node(word.to_ascii_uppercase(), children));
            }
            _ => return None,
        }
    }
}

impl Wkt {
    fn children(&self) -> &[Wkt] {
        match self {
            Wkt::Node(_, children) => children,
            Wkt::Leaf(_) => &[],
        }
    }

    fn is(&self, names: &[&str]) -> bool {
        matches!(self, Wkt::Node(name, _) if names.contains(&name.as_str()))
    }

    fn leaf(&self) -> Option<&str> {
        match self {
            Wkt::Leaf(text) => Some(text),
            Wkt::Node(..) => None,
        }
    }

    /// The node's own EPSG code (a direct `AUTHORITY` or `ID` child).
    fn epsg(&self) -> Option<u32> {
        self.children()
            .iter()
            .filter(|c| c.is(&["AUTHORITY", "ID"]))
            .find_map(|c| {
                let [authority, code, ..] = c.children() else {
                    return None;
                };
                authority
                    .leaf()
                    .filter(|a| a.eq_ignore_ascii_case("EPSG"))
                    .and(code.leaf())
                    .and_then(|code| code.trim().parse().ok())
            })
    }

    /// Every unit named anywhere below this node.
    fn units(&self) -> Vec<String> {
        let mut found = Vec::new();
        for child in self.children() {
            if child.is(&["UNIT", "LENGTHUNIT"]) {
                if let Some(name) = child.children().first().and_then(Wkt::leaf) {
                    found.push(name.to_string());
                }
            }
            found.extend(child.units());
        }
        found
    }
}

const PROJECTED: [&str; 3] = ["PROJCS", "PROJCRS", "PROJECTEDCRS"];
const VERTICAL: [&str; 3] = ["VERT_CS", "VERTCRS", "VERTICALCRS"];
const COMPOUND: [&str; 2] = ["COMPD_CS", "COMPOUNDCRS"];

/// The projected CRS named by `text`.
pub fn projected_crs(text: &str) -> Result<ProjectedCrs, CrsError> {
    let short: String = text.chars().take(60).collect();
    let root = parse(text).ok_or_else(|| CrsError::Unsupported(format!("WKT 无法解析：{short}…")))?;
    let (projected, vertical) = if root.is(&COMPOUND) {
        (
            root.children().iter().find(|c| c.is(&PROJECTED)),
            root.children().iter().find(|c| c.is(&VERTICAL)),
        )
    } else {
        (Some(&root).filter(|r| r.is(&PROJECTED)), None)
    };
    let projected = projected
        .ok_or_else(|| CrsError::Unsupported(format!("WKT 不是投影坐标系（地理坐标或其他）：{short}…")))?;
    if let Some(vertical) = vertical {
        let units = vertical.units();
        if units.is_empty() || units.iter().any(|u| !is_metre(u)) {
            return Err(CrsError::Unsupported(format!(
                "高程单位不是米（{}）",
                if units.is_empty() {
                    "未给出".to_string()
                } else {
                    units.join("、")
                }
            )));
        }
    }
    let code = projected
        .epsg()
        .ok_or_else(|| CrsError::Unsupported(format!("WKT 未给出投影坐标系的 EPSG 代码：{short}…")))?;
    ProjectedCrs::from_epsg(code)
}

fn is_metre(unit: &str) -> bool {
    matches!(
        unit.to_ascii_lowercase().as_str(),
        "metre" | "meter" | "m" | "metres" | "meters"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wkt1_and_wkt2_name_their_epsg_code() {
        let wkt1 = r#"PROJCS["CGCS2000 / 3-degree Gauss-Kruger zone 37",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",111],PARAMETER["scale_factor",1],PARAMETER["false_easting",37500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","4525"]]"#;
        assert_eq!(
            projected_crs(wkt1).unwrap(),
            ProjectedCrs::from_epsg(4525).unwrap()
        );
        let wkt2 = r#"PROJCRS["WGS 84 / UTM zone 25S", BASEGEOGCRS["WGS 84", DATUM["World Geodetic System 1984", ELLIPSOID["WGS 84",6378137,298.257223563]], ID["EPSG",4326]], CONVERSION["UTM zone 25S", METHOD["Transverse Mercator"]], CS[Cartesian,2], LENGTHUNIT["metre",1], ID["EPSG",32725]]"#;
        assert_eq!(
            projected_crs(wkt2).unwrap(),
            ProjectedCrs::from_epsg(32725).unwrap()
        );
    }

    #[test]
    fn a_compound_crs_needs_metres_and_other_crs_are_refused() {
        let metres = r#"COMPD_CS["x",PROJCS["y",AUTHORITY["EPSG","4546"]],VERT_CS["h",VERT_DATUM["d",2005],UNIT["metre",1]]]"#;
        assert_eq!(
            projected_crs(metres).unwrap(),
            ProjectedCrs::from_epsg(4546).unwrap()
        );
        let feet = r#"COMPD_CS["x",PROJCS["y",AUTHORITY["EPSG","4546"]],VERT_CS["h",VERT_DATUM["d",2005],UNIT["US survey foot",0.3048006096012192]]]"#;
        assert!(projected_crs(feet)
            .unwrap_err()
            .to_string()
            .contains("高程单位不是米"));
        let geographic = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],AUTHORITY["EPSG","4326"]]"#;
        assert!(projected_crs(geographic)
            .unwrap_err()
            .to_string()
            .contains("不是投影坐标系"));
        let no_code =
            r#"PROJCS["local",PROJECTION["Transverse_Mercator"],PARAMETER["central_meridian",111]]"#;
        assert!(projected_crs(no_code)
            .unwrap_err()
            .to_string()
            .contains("EPSG 代码"));
        let state_plane = r#"PROJCS["NAD83 / Oregon GIC Lambert (ft)",AUTHORITY["EPSG","2992"]]"#;
        assert!(matches!(
            projected_crs(state_plane),
            Err(CrsError::Unsupported(_))
        ));
        assert!(projected_crs("PROJCS[\"broken\"").is_err());
    }
}
