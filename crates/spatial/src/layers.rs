//! Protected-area layers (nature reserves, ecological red lines, forest land, basic farmland,
//! wetlands) read from GeoJSON or from a zipped ESRI Shapefile with its `.prj`, as named parcels.
//!
//! Coordinates: GeoJSON is longitude/latitude (RFC 7946; GDAL names it OGC CRS84) unless it names
//! an EPSG code of a CGCS2000 Gauss-Krüger zone in the old `crs` member. A Shapefile's `.prj` (WKT)
//! must say CGCS2000 (or WGS 84) geographic, or a CGCS2000 transverse Mercator whose central meridian
//! is a 3-degree zone's; other datums (Xian 1980, Beijing 1954) are refused rather than guessed.
//! Without a `.prj` the layer is refused: the same numbers mean places kilometres apart in another
//! system.

use crate::crs::ProjectedCrs;
use crate::parcel::{Coordinates, Parcel, ParcelError};
use std::io::{Cursor, Read};

/// What a layer may unpack to: a small zip must not expand into gigabytes, nor a layer hold more
/// vertices than the checks and the map can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerLimits {
    /// Largest size of any one file inside a zipped Shapefile, unpacked.
    pub max_unpacked_bytes: u64,
    /// Most vertices in the whole layer.
    pub max_vertices: usize,
}

impl Default for LayerLimits {
    fn default() -> Self {
        Self {
            max_unpacked_bytes: 256 * 1024 * 1024,
            max_vertices: 2_000_000,
        }
    }
}

/// A named polygon of a layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerFeature {
    pub name: String,
    pub parcel: Parcel,
}

/// Why a layer could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayerError {
    #[error("不是有效的 GeoJSON：{0}")]
    GeoJson(String),
    #[error("不是有效的 zip 压缩包：{0}")]
    Zip(String),
    #[error("压缩包中没有 .shp 文件")]
    NoShp,
    #[error("压缩包中缺少 {0} 文件")]
    Missing(&'static str),
    #[error("缺少 .prj 文件，无法确定坐标系；请连同 .prj 一起压缩上传")]
    NoPrj,
    #[error("不支持的坐标系：{0}（支持 CGCS2000 经纬度或 CGCS2000 3度带高斯-克吕格投影）")]
    UnsupportedCrs(String),
    #[error("无法读取 Shapefile：{0}")]
    Shapefile(String),
    #[error("第{feature}个要素：{error}")]
    Feature { feature: usize, error: ParcelError },
    #[error("图层中没有面要素")]
    Empty,
    #[error(
        "压缩包中的 {name} 解压后超过 {limit_mib} MiB，已拒绝（请检查文件是否正确，或分成几个图层上传）"
    )]
    TooLarge { name: String, limit_mib: u64 },
    #[error("图层共有超过 {max} 个顶点，已拒绝；请先在 GIS 软件中简化或分割后再上传")]
    TooManyVertices { max: usize },
}

/// Refuses a layer whose polygons hold more than the allowed vertices.
fn check_vertices(
    polygons: &[Vec<Vec<(f64, f64)>>],
    seen: &mut usize,
    limits: &LayerLimits,
) -> Result<(), LayerError> {
    *seen += polygons.iter().flatten().map(Vec::len).sum::<usize>();
    if *seen > limits.max_vertices {
        return Err(LayerError::TooManyVertices {
            max: limits.max_vertices,
        });
    }
    Ok(())
}

/// The feature's name: the first of the given property names that holds text, else "名称 N".
fn name_of(candidates: &[Option<String>], fallback: &str, index: usize) -> String {
    candidates
        .iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| format!("{fallback} {}", index + 1))
}

const NAME_FIELDS: [&str; 6] = ["name", "NAME", "Name", "名称", "MC", "mc"];

/// Reads the polygons of a GeoJSON FeatureCollection, Feature or Geometry.
pub fn read_geojson(
    text: &str,
    fallback_name: &str,
    limits: &LayerLimits,
) -> Result<Vec<LayerFeature>, LayerError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| LayerError::GeoJson(e.to_string()))?;
    let coordinates = coordinates_of_crs_member(value.get("crs"))?;
    let geojson: geojson::GeoJson = text
        .parse()
        .map_err(|e: geojson::Error| LayerError::GeoJson(e.to_string()))?;
    let features: Vec<(Option<geojson::Geometry>, Option<geojson::JsonObject>)> = match geojson {
        geojson::GeoJson::FeatureCollection(c) => c
            .features
            .into_iter()
            .map(|f| (f.geometry, f.properties))
            .collect(),
        geojson::GeoJson::Feature(f) => vec![(f.geometry, f.properties)],
        geojson::GeoJson::Geometry(g) => vec![(Some(g), None)],
    };
    let mut out = Vec::new();
    let mut vertices = 0;
    for (index, (geometry, properties)) in features.into_iter().enumerate() {
        let polygons: Vec<Vec<Vec<(f64, f64)>>> = match geometry.map(|g| g.value) {
            Some(geojson::GeometryValue::Polygon { coordinates: rings }) => vec![rings_of(&rings)],
            Some(geojson::GeometryValue::MultiPolygon {
                coordinates: polygons,
            }) => polygons.iter().map(|p| rings_of(p)).collect(),
            _ => continue,
        };
        check_vertices(&polygons, &mut vertices, limits)?;
        let names: Vec<Option<String>> = NAME_FIELDS
            .iter()
            .map(|k| {
                properties
                    .as_ref()
                    .and_then(|p| p.get(*k))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .collect();
        out.push(feature(index, &names, fallback_name, &polygons, coordinates)?);
    }
    if out.is_empty() {
        return Err(LayerError::Empty);
    }
    Ok(out)
}

/// The coordinates a GeoJSON's `crs` member (from the 2008 spec, still written by GDAL and QGIS)
/// declares. Absent or null means RFC 7946 longitude/latitude. Understood: OGC CRS84 (what GDAL writes
/// for WGS 84), EPSG 4490 (CGCS2000) and 4326 (WGS 84) as longitude/latitude, and the EPSG codes of
/// CGCS2000 3-degree Gauss-Krüger zones. Anything else is refused rather than guessed.
fn coordinates_of_crs_member(crs: Option<&serde_json::Value>) -> Result<Coordinates, LayerError> {
    let crs = match crs {
        None | Some(serde_json::Value::Null) => return Ok(Coordinates::LonLat),
        Some(crs) => crs,
    };
    // `{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}}`, or the older
    // `{"type":"EPSG","properties":{"code":4490}}`.
    let name = match (
        crs.pointer("/properties/name").and_then(|v| v.as_str()),
        crs.pointer("/properties/code").and_then(|v| v.as_u64()),
    ) {
        (Some(name), _) => name.trim().to_string(),
        (None, Some(code)) => format!("EPSG:{code}"),
        (None, None) => {
            return Err(LayerError::UnsupportedCrs(
                crs.to_string().chars().take(100).collect(),
            ))
        }
    };
    // Named in the refusal, cut short: the name comes from the file.
    let refused = || LayerError::UnsupportedCrs(name.chars().take(100).collect());
    // The code is the last part of `EPSG:4490`, `urn:ogc:def:crs:EPSG:6.6:4490` or
    // `http://www.opengis.net/def/crs/EPSG/0/4490`.
    let last = name.rsplit([':', '/']).next().unwrap_or_default();
    if last.eq_ignore_ascii_case("CRS84") && name.to_ascii_uppercase().contains("OGC") {
        return Ok(Coordinates::LonLat);
    }
    if !name.to_ascii_uppercase().contains("EPSG") {
        return Err(refused());
    }
    match last.parse::<u32>().map_err(|_| refused())? {
        4490 | 4326 => Ok(Coordinates::LonLat),
        code => {
            let projected = ProjectedCrs::from_epsg(code).map_err(|_| refused())?;
            gauss_kruger_of(&projected).ok_or_else(refused)
        }
    }
}

/// One feature: its name and its polygons as a parcel; a geometry error names the feature.
fn feature(
    index: usize,
    names: &[Option<String>],
    fallback_name: &str,
    polygons: &[Vec<Vec<(f64, f64)>>],
    coordinates: Coordinates,
) -> Result<LayerFeature, LayerError> {
    let parcel = Parcel::from_polygons(polygons, coordinates).map_err(|error| LayerError::Feature {
        feature: index + 1,
        error,
    })?;
    Ok(LayerFeature {
        name: name_of(names, fallback_name, index),
        parcel,
    })
}

fn rings_of(rings: &[Vec<geojson::Position>]) -> Vec<Vec<(f64, f64)>> {
    rings
        .iter()
        .map(|ring| {
            ring.iter()
                .map(|p| {
                    let xy = p.as_slice();
                    (
                        xy.first().copied().unwrap_or(f64::NAN),
                        xy.get(1).copied().unwrap_or(f64::NAN),
                    )
                })
                .collect()
        })
        .collect()
}

/// The Gauss-Krüger zone of a CGCS2000 3-degree projected CRS.
fn gauss_kruger_of(crs: &ProjectedCrs) -> Option<Coordinates> {
    let projection = crs.projection();
    let cm = projection.central_meridian_deg();
    let zone = (cm / 3.0).round();
    if (cm - zone * 3.0).abs() > 1e-9 || !(25.0..=45.0).contains(&zone) {
        return None;
    }
    let zone = zone as u32;
    let prefixed = (projection.false_easting_m() - 500_000.0).abs() > 1.0;
    Some(Coordinates::GaussKruger { zone, prefixed })
}

/// The coordinates a `.prj` (ESRI WKT) describes.
pub fn coordinates_of_prj(wkt: &str) -> Result<Coordinates, LayerError> {
    let text = wkt.trim();
    let upper = text.to_ascii_uppercase();
    let datum_ok = [
        "CGCS2000",
        "CGCS_2000",
        "CHINA_2000",
        "CHINA GEODETIC COORDINATE SYSTEM 2000",
        "WGS_1984",
        "WGS 84",
        "WGS84",
    ]
    .iter()
    .any(|d| upper.contains(d));
    let short: String = text.chars().take(80).collect();
    if !datum_ok {
        return Err(LayerError::UnsupportedCrs(short));
    }
    if upper.starts_with("GEOGCS") || upper.starts_with("GEOGCRS") {
        return Ok(Coordinates::LonLat);
    }
    if !upper.contains("TRANSVERSE_MERCATOR") && !upper.contains("GAUSS") {
        return Err(LayerError::UnsupportedCrs(short));
    }
    let parameter = |name: &str| -> Option<f64> {
        let at = upper.find(&format!("\"{name}\""))?;
        let rest = upper.get(at + name.len() + 2..)?;
        let rest = rest.trim_start_matches([',', ' ']);
        let end = rest.find(']')?;
        rest.get(..end)?.trim().parse().ok()
    };
    let cm = parameter("CENTRAL_MERIDIAN").ok_or_else(|| LayerError::UnsupportedCrs(short.clone()))?;
    let false_easting = parameter("FALSE_EASTING").unwrap_or(500_000.0);
    let zone = (cm / 3.0).round();
    if (cm - zone * 3.0).abs() > 1e-9 || !(25.0..=45.0).contains(&zone) {
        return Err(LayerError::UnsupportedCrs(short));
    }
    let zone = zone as u32;
    let prefixed = (false_easting - (f64::from(zone) * 1e6 + 500_000.0)).abs() < 1.0;
    if !prefixed && (false_easting - 500_000.0).abs() > 1.0 {
        return Err(LayerError::UnsupportedCrs(short));
    }
    Ok(Coordinates::GaussKruger { zone, prefixed })
}

/// Reads a zipped Shapefile (`.shp`, `.dbf`, `.prj`; `.shx` is not needed) of polygons.
pub fn read_zipped_shapefile(
    bytes: &[u8],
    fallback_name: &str,
    limits: &LayerLimits,
) -> Result<Vec<LayerFeature>, LayerError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| LayerError::Zip(e.to_string()))?;
    let names: Vec<String> = archive
        .file_names()
        .map(|n| {
            n.map(|n| n.into_owned())
                .map_err(|e| LayerError::Zip(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let find = |ext: &str| {
        names
            .iter()
            .find(|n| n.to_ascii_lowercase().ends_with(ext))
            .cloned()
    };
    let shp_name = find(".shp").ok_or(LayerError::NoShp)?;
    let stem = shp_name.get(..shp_name.len() - 4).unwrap_or("").to_string();
    let sibling = |ext: &str| {
        names
            .iter()
            .find(|n| {
                n.len() == stem.len() + 4 && n.starts_with(&stem) && n.to_ascii_lowercase().ends_with(ext)
            })
            .cloned()
    };
    // Each file is read through a cap: its declared size may lie, and a small zip can expand into
    // gigabytes.
    let mut read = |name: &str| -> Result<Vec<u8>, LayerError> {
        let file = archive
            .by_name(name)
            .map_err(|e| LayerError::Zip(e.to_string()))?;
        let too_large = || LayerError::TooLarge {
            name: name.to_string(),
            limit_mib: limits.max_unpacked_bytes / (1024 * 1024),
        };
        if file.size() > limits.max_unpacked_bytes {
            return Err(too_large());
        }
        let mut data = Vec::new();
        file.take(limits.max_unpacked_bytes + 1)
            .read_to_end(&mut data)
            .map_err(|e| LayerError::Zip(e.to_string()))?;
        if data.len() as u64 > limits.max_unpacked_bytes {
            return Err(too_large());
        }
        Ok(data)
    };
    let prj = sibling(".prj").ok_or(LayerError::NoPrj)?;
    let dbf = sibling(".dbf").ok_or(LayerError::Missing(".dbf"))?;
    let coordinates = coordinates_of_prj(&String::from_utf8_lossy(&read(&prj)?))?;
    let shp_bytes = read(&shp_name)?;
    let dbf_bytes = read(&dbf)?;
    let shapes = shapefile::ShapeReader::new(Cursor::new(shp_bytes))
        .map_err(|e| LayerError::Shapefile(e.to_string()))?;
    let table = shapefile::dbase::Reader::new(Cursor::new(dbf_bytes))
        .map_err(|e| LayerError::Shapefile(e.to_string()))?;
    let mut reader = shapefile::Reader::new(shapes, table);
    let mut out = Vec::new();
    let mut vertices = 0;
    for (index, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| LayerError::Shapefile(e.to_string()))?;
        let polygon = match shape {
            shapefile::Shape::Polygon(p) => polygons_of(p.rings().iter().map(|r| {
                let outer = matches!(r, shapefile::PolygonRing::Outer(_));
                (outer, r.points().iter().map(|pt| (pt.x, pt.y)).collect())
            })),
            shapefile::Shape::PolygonZ(p) => polygons_of(p.rings().iter().map(|r| {
                let outer = matches!(r, shapefile::PolygonRing::Outer(_));
                (outer, r.points().iter().map(|pt| (pt.x, pt.y)).collect())
            })),
            _ => continue,
        };
        check_vertices(&polygon, &mut vertices, limits)?;
        let names: Vec<Option<String>> = NAME_FIELDS
            .iter()
            .map(|k| match record.get(k) {
                Some(shapefile::dbase::FieldValue::Character(Some(s))) => Some(s.clone()),
                _ => None,
            })
            .collect();
        out.push(feature(index, &names, fallback_name, &polygon, coordinates)?);
    }
    if out.is_empty() {
        return Err(LayerError::Empty);
    }
    Ok(out)
}

/// Groups Shapefile rings (outer rings clockwise, holes counter-clockwise, in file order) into polygons.
fn polygons_of(rings: impl Iterator<Item = (bool, Vec<(f64, f64)>)>) -> Vec<Vec<Vec<(f64, f64)>>> {
    let mut polygons: Vec<Vec<Vec<(f64, f64)>>> = Vec::new();
    for (outer, ring) in rings {
        match polygons.last_mut() {
            Some(current) if !outer => current.push(ring),
            _ => polygons.push(vec![ring]),
        }
    }
    polygons
}

#[cfg(test)]
mod tests {
    use super::*;

    const CGCS2000_GK_37: &str = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_37",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",37500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",111.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

    #[test]
    fn prj_files_name_their_coordinates() {
        assert_eq!(
            coordinates_of_prj(CGCS2000_GK_37),
            Ok(Coordinates::GaussKruger {
                zone: 37,
                prefixed: true
            })
        );
        let unprefixed = CGCS2000_GK_37
            .replace("37500000.0", "500000.0")
            .replace("Gauss_Kruger", "Transverse_Mercator");
        assert_eq!(
            coordinates_of_prj(&unprefixed),
            Ok(Coordinates::GaussKruger {
                zone: 37,
                prefixed: false
            })
        );
        let geographic = r#"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]"#;
        assert_eq!(coordinates_of_prj(geographic), Ok(Coordinates::LonLat));
        let xian = CGCS2000_GK_37
            .replace("China_2000", "Xian_1980")
            .replace("China_Geodetic_Coordinate_System_2000", "Xian_1980")
            .replace("CGCS2000", "Xian_1980");
        assert!(matches!(
            coordinates_of_prj(&xian),
            Err(LayerError::UnsupportedCrs(_))
        ));
    }

    #[test]
    fn a_geojson_reserve_is_read_with_its_name_and_area() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"拉沟自然保护区"},
            "geometry":{"type":"Polygon","coordinates":[[[109.70,24.50],[109.71,24.50],[109.71,24.51],[109.70,24.51],[109.70,24.50]]]}}]}"#;
        let features = read_geojson(text, "保护区", &LayerLimits::default()).unwrap();
        assert_eq!(features.len(), 1);
        assert_eq!(features[0].name, "拉沟自然保护区");
        assert_eq!(features[0].parcel.zone, 37);
        // 0.01° × 0.01° at 24.5°N: about 1,013 m × 1,108 m.
        assert!(
            (features[0].parcel.area_m2 - 1_122_000.0).abs() < 6_000.0,
            "{}",
            features[0].parcel.area_m2
        );
    }

    #[test]
    fn geojson_with_a_gauss_kruger_crs_and_no_names_gets_numbered_names() {
        let text = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4525"}},"features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[37500000,2712000],[37500100,2712000],[37500100,2712100],[37500000,2712100],[37500000,2712000]]]}}]}"#;
        let features = read_geojson(text, "红线", &LayerLimits::default()).unwrap();
        assert_eq!(features[0].name, "红线 1");
        assert!((features[0].parcel.planar_area_m2 - 10_000.0).abs() < 1e-6);
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../fixtures/layers")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn a_zipped_shapefile_is_read_with_names_holes_and_its_prj() {
        let features =
            read_zipped_shapefile(&fixture("reserve_gk37.zip"), "保护区", &LayerLimits::default()).unwrap();
        let names: Vec<&str> = features.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["测试自然保护区", "测试湿地"]);
        assert!((features[0].parcel.planar_area_m2 - 10_000.0).abs() < 1e-6);
        assert_eq!(features[1].parcel.parts[0].holes.len(), 1);
        assert!((features[1].parcel.planar_area_m2 - 30_000.0).abs() < 1e-6);
        assert_eq!(features[0].parcel.zone, 37);
        assert_eq!(features[0].parcel.bbox[0], 380_000.0);
    }

    #[test]
    fn geojson_written_by_gdal_in_crs84_and_cgcs2000_is_read_back_to_the_squares_proj_was_given() {
        // PROJ turned the 100 m square and the 200 m square with a 100 m hole of zone 37 into
        // longitude/latitude; projected back here they must be those squares again, to the millimetre.
        for name in ["reserve_gdal_crs84.geojson", "reserve_gdal_4490.geojson"] {
            let text = String::from_utf8(fixture(name)).unwrap();
            let features = read_geojson(&text, "保护区", &LayerLimits::default()).unwrap();
            let names: Vec<&str> = features.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(names, ["测试自然保护区", "测试湿地"], "{name}");
            assert_eq!(features[0].parcel.zone, 37, "{name}");
            for (feature, area) in features.iter().zip([10_000.0, 30_000.0]) {
                let got = feature.parcel.planar_area_m2;
                assert!((got - area).abs() < 0.01, "{name}: {got} m², not {area}");
            }
            assert!((features[0].parcel.bbox[0] - 380_000.0).abs() < 0.001, "{name}");
            assert_eq!(features[1].parcel.parts[0].holes.len(), 1, "{name}");
        }
    }

    #[test]
    fn the_crs_member_is_understood_in_every_spelling_of_a_known_code_and_refused_otherwise() {
        let lonlat = [
            r#"{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}}"#,
            r#"{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC::CRS84"}}"#,
            r#"{"type":"name","properties":{"name":"http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}"#,
            r#"{"type":"name","properties":{"name":"EPSG:4490"}}"#,
            r#"{"type":"name","properties":{"name":"http://www.opengis.net/def/crs/EPSG/0/4326"}}"#,
            r#"{"type":"EPSG","properties":{"code":4490}}"#,
            "null",
        ];
        for crs in lonlat {
            let value: serde_json::Value = serde_json::from_str(crs).unwrap();
            assert_eq!(
                coordinates_of_crs_member(Some(&value)),
                Ok(Coordinates::LonLat),
                "{crs}"
            );
        }
        let zone37 = r#"{"type":"EPSG","properties":{"code":4525}}"#;
        let value: serde_json::Value = serde_json::from_str(zone37).unwrap();
        assert!(matches!(
            coordinates_of_crs_member(Some(&value)),
            Ok(Coordinates::GaussKruger { .. })
        ));
        let refused = [
            // NAD 83 and NAD 27 longitude/latitude, an ESRI code, Xian 1980, no name at all.
            r#"{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS83"}}"#,
            r#"{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS27"}}"#,
            r#"{"type":"name","properties":{"name":"ESRI:4326"}}"#,
            r#"{"type":"name","properties":{"name":"EPSG:2383"}}"#,
            r#"{"type":"link","properties":{"href":"crs.prj"}}"#,
        ];
        for crs in refused {
            let value: serde_json::Value = serde_json::from_str(crs).unwrap();
            assert!(
                matches!(
                    coordinates_of_crs_member(Some(&value)),
                    Err(LayerError::UnsupportedCrs(_))
                ),
                "{crs}"
            );
        }
    }

    #[test]
    fn a_shapefile_without_its_prj_is_refused() {
        assert_eq!(
            read_zipped_shapefile(&fixture("reserve_noprj.zip"), "x", &LayerLimits::default()),
            Err(LayerError::NoPrj)
        );
        assert!(matches!(
            read_zipped_shapefile(b"not a zip", "x", &LayerLimits::default()),
            Err(LayerError::Zip(_))
        ));
    }

    #[test]
    fn broken_geojson_and_unknown_crs_are_refused() {
        assert!(matches!(
            read_geojson("{\"type\":", "x", &LayerLimits::default()),
            Err(LayerError::GeoJson(_))
        ));
        let xian = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:2383"}},"features":[]}"#;
        assert!(matches!(
            read_geojson(xian, "x", &LayerLimits::default()),
            Err(LayerError::UnsupportedCrs(_))
        ));
        let points = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[109.7,24.5]}}]}"#;
        assert_eq!(
            read_geojson(points, "x", &LayerLimits::default()),
            Err(LayerError::Empty)
        );
    }
}

/// The layer readers against mangled files (the fuzz targets of `scripts/fuzz.sh`, run 10,000 times
/// each under a 4 GiB address-space limit): a real GeoJSON layer with its text spliced, cut or given
/// extreme numbers, and a real zipped Shapefile with its `.shp`, `.dbf` or `.prj` bytes flipped, cut or
/// spliced. A reader must return features or an error — never panic, never run out of memory — and the
/// features it returns have finite coordinates.
#[cfg(test)]
mod fuzz {
    use super::*;
    use orewatch_testkit::zips::{entries, zip_of};
    use proptest::prelude::*;

    const GEOJSON: &str = include_str!("../../../fixtures/layers/luzhai_townships.geojson");
    const SHAPEFILE: &[u8] = include_bytes!("../../../fixtures/layers/reserve_gk37.zip");

    const NASTY: &[&str] = &[
        "1e308",
        "-1e308",
        "NaN",
        "1.5e10",
        "-0",
        "[[[[[[[[[[[[[[[[[[[[",
        "]]]]",
        "{}",
        "null",
        "\"\\u0000\"",
        "18446744073709551615",
        "[0,0]",
        "\"EPSG:2383\"",
        "\"urn:ogc:def:crs:EPSG::4546\"",
    ];

    fn splice_text(text: &str, at: usize, len: usize, nasty: usize) -> String {
        let mut bytes = text.as_bytes().to_vec();
        let at = at % bytes.len().max(1);
        let end = (at + len).min(bytes.len());
        let value = NASTY.get(nasty % NASTY.len()).copied().unwrap_or_default();
        bytes.splice(at..end, value.bytes());
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn shapefile_entries() -> Vec<(String, Vec<u8>)> {
        entries(SHAPEFILE)
    }

    fn finite(features: &[LayerFeature]) -> bool {
        features.iter().all(|f| {
            f.parcel
                .parts
                .iter()
                .flat_map(|p| std::iter::once(&p.outer).chain(p.holes.iter()))
                .flatten()
                .all(|(x, y)| x.is_finite() && y.is_finite())
        })
    }

    proptest! {
        #[test]
        fn a_mangled_geojson_layer_is_read_or_refused_never_a_panic(
            splices in prop::collection::vec((any::<usize>(), 0_usize..40, any::<usize>()), 1..6),
            cut in prop::option::of(any::<usize>()),
        ) {
            let mut text = GEOJSON.to_string();
            for (at, len, nasty) in splices {
                text = splice_text(&text, at, len, nasty);
            }
            if let Some(at) = cut {
                let at = at % text.len().max(1);
                text = String::from_utf8_lossy(text.as_bytes().get(..at).unwrap_or_default()).into_owned();
            }
            if let Ok(features) = read_geojson(&text, "图层", &LayerLimits::default()) {
                prop_assert!(finite(&features));
            }
        }

        #[test]
        fn a_mangled_shapefile_is_read_or_refused_never_a_panic(
            entry in any::<usize>(),
            flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..16),
            splice in prop::option::of((any::<usize>(), 0_usize..32, any::<usize>())),
            cut in prop::option::of(any::<usize>()),
        ) {
            let mut all = shapefile_entries();
            let n = all.len();
            if let Some((_, data)) = all.get_mut(entry % n) {
                for (i, b) in flips {
                    let i = i % data.len().max(1);
                    if let Some(x) = data.get_mut(i) {
                        *x ^= b | 1;
                    }
                }
                if let Some((at, len, nasty)) = splice {
                    let at = at % data.len().max(1);
                    let end = (at + len).min(data.len());
                    let value = NASTY.get(nasty % NASTY.len()).copied().unwrap_or_default();
                    data.splice(at..end, value.bytes());
                }
                if let Some(at) = cut {
                    let keep = at % data.len().max(1);
                    data.truncate(keep);
                }
            }
            if let Ok(features) = read_zipped_shapefile(&zip_of(&all), "图层", &LayerLimits::default()) {
                prop_assert!(finite(&features));
            }
        }
    }
}
