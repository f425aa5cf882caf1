//! Survey test data shared by the test crates and the point-cloud benchmark: the committed quarry
//! fixture's licence as the registry holds it, and LAS clouds written in a given CRS.

use std::path::{Path, PathBuf};

/// The repository's `fixtures` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The quarry's boundary as the registry holds it: the fixture's `licence.json` corner points with its
/// elevation range.
pub fn quarry_boundary() -> String {
    let path = fixtures().join("survey/quarry/licence.json");
    let licence: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("quarry licence.json")).expect("JSON");
    format!(
        "{}\n开采标高：+{:.0}m至+{:.0}m",
        licence["boundary"].as_str().expect("boundary"),
        licence["elevation_top_m"].as_f64().expect("elevation_top_m"),
        licence["elevation_floor_m"].as_f64().expect("elevation_floor_m")
    )
}

/// A LAS 1.2 writer (point format 0, millimetre scale, offsets at `origin`) whose header names the
/// projected CRS `epsg` (the quarry's is 4525, CGCS2000 3-degree Gauss-Krüger zone 37; the demo's 4546)
/// in a GeoKey directory record.
pub fn las_writer(
    path: &Path,
    origin: (f64, f64),
    epsg: u16,
) -> las::Writer<std::io::BufWriter<std::fs::File>> {
    let mut builder = las::Builder::from((1, 2));
    builder.point_format = las::point::Format::new(0).expect("format 0");
    let mm = |offset| las::Transform { scale: 0.001, offset };
    builder.transforms = las::Vector {
        x: mm(origin.0),
        y: mm(origin.1),
        z: mm(0.0),
    };
    // Version 1.1.0, 3 keys: projected model (1024 = 1), pixel-is-area (1025 = 1), the EPSG code (3072).
    let keys: [u16; 16] = [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, epsg];
    builder.vlrs.push(las::Vlr {
        user_id: "LASF_Projection".into(),
        record_id: 34735,
        description: "GeoKeyDirectoryTag".into(),
        data: keys.iter().flat_map(|k| k.to_le_bytes()).collect(),
    });
    let file = std::io::BufWriter::with_capacity(1 << 22, std::fs::File::create(path).expect("create cloud"));
    las::Writer::new(file, builder.into_header().expect("LAS header")).expect("LAS writer")
}
