//! `orewatch survey compare` on committed scenarios: the figures agree with the independent numpy
//! implementation (`bench/survey/reference.py`, whose output is kept as expected_*.json), and bad input
//! exits 2 with a message naming the file and the problem.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn quarry(name: &str) -> String {
    fixtures().join("survey/quarry").join(name).display().to_string()
}

fn dem(name: &str) -> String {
    fixtures().join("dem").join(name).display().to_string()
}

const PERIOD: &str = "2025-01-01..2025-04-01";

fn compare(args: &[&str]) -> Output {
    let all: Vec<&str> = ["survey", "compare"].iter().chain(args).copied().collect();
    crate::orewatch("", &all, "")
}

fn compare_files(licence: &str, before: &str, after: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "--licence",
        licence,
        "--before",
        before,
        "--after",
        after,
        "--period",
        PERIOD,
    ];
    args.extend_from_slice(extra);
    compare(&args)
}

/// The figures compared, as in bench/survey/agree.py.
fn figures(report: &Value) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for region in ["inside", "outside"] {
        for key in [
            "cut_m3",
            "fill_m3",
            "cut_area_m2",
            "fill_area_m2",
            "valid_area_m2",
        ] {
            out.push((format!("{region}.{key}"), report[region][key].as_f64().unwrap()));
        }
    }
    out.push((
        "nodata_area_m2".into(),
        report["nodata_area_m2"].as_f64().unwrap(),
    ));
    for key in ["area_m2", "volume_m3", "lowest_elevation_m"] {
        out.push((
            format!("below_floor.{key}"),
            report["below_floor"][key].as_f64().unwrap(),
        ));
    }
    out.push((
        "production.extracted_t".into(),
        report["production"]["extracted_t"].as_f64().unwrap(),
    ));
    let patches = report["outside_patches"].as_array().unwrap();
    out.push(("outside_patches.count".into(), patches.len() as f64));
    for (i, p) in patches.iter().enumerate() {
        out.push((format!("patch{i}.area_m2"), p["area_m2"].as_f64().unwrap()));
        out.push((format!("patch{i}.cut_m3"), p["cut_m3"].as_f64().unwrap()));
    }
    let faces = report["faces"].as_array().unwrap();
    out.push(("faces.count".into(), faces.len() as f64));
    for (i, f) in faces.iter().enumerate() {
        out.push((format!("face{i}.height_m"), f["height_m"].as_f64().unwrap()));
        out.push((format!("face{i}.area_m2"), f["area_m2"].as_f64().unwrap()));
        out.push((
            format!("face{i}.exceeds"),
            f64::from(u8::from(f["exceeds"].as_bool().unwrap())),
        ));
    }
    out
}

fn agrees_with_reference(after: &str, expected: &str, tolerance: f64) {
    let output = compare_files(
        &quarry("licence.json"),
        &quarry("before.tif"),
        &quarry(after),
        &["--format", "json"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let engine: Value = serde_json::from_slice(&output.stdout).unwrap();
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(quarry(expected)).unwrap()).unwrap();
    assert_eq!(engine["schema"], "orewatch.survey-compare/1");
    let (ours, theirs) = (figures(&engine), figures(&reference));
    assert_eq!(ours.len(), theirs.len(), "{ours:?}\n{theirs:?}");
    // Two cells of area (2 m cells) for areas: the two implementations rasterise boundary edges apart.
    for ((key, a), (_, b)) in ours.iter().zip(&theirs) {
        let slack = if key.ends_with("m2") { 8.0 } else { 0.0 };
        assert!(
            (a - b).abs() <= (tolerance * b.abs()).max(slack).max(1e-9),
            "{key}: engine {a} vs numpy {b}"
        );
    }
    let kinds: Vec<&str> = engine["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["out_of_bounds", "below_floor", "over_quantity", "high_face"]
    );
    let inputs = engine["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 3);
    assert_eq!(inputs[1]["name"], "before.tif");
    assert_eq!(inputs[1]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn aligned_surveys_agree_with_the_numpy_reference_within_a_tenth_of_a_percent() {
    agrees_with_reference("after.tif", "expected_aligned.json", 0.001);
}

#[test]
fn misaligned_surveys_in_the_other_prefix_convention_agree_within_two_percent() {
    agrees_with_reference("after_misaligned.tif", "expected_misaligned.json", 0.02);
}

#[test]
fn the_text_summary_is_chinese_and_out_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("result");
    let output = compare_files(
        &quarry("licence.json"),
        &quarry("before.tif"),
        &quarry("after.tif"),
        &["--out", out.to_str().unwrap()],
    );
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("矿区范围内：挖方"), "{text}");
    assert!(text.contains("[严重] 越界开采"), "{text}");
    assert!(text.contains("一面墙"), "{text}");
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(saved["licence_no"], "C4502232009127130012001");
    // The printable report: the platform's template, its change map beside it, the inputs' hashes.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for needle in [
        "<html lang=\"zh-CN\">",
        "无人机监测比对报告",
        "越界开采：",
        "<img src=\"change.png\"",
        "id=\"report-patches\"",
        saved["inputs"][1]["sha256"].as_str().unwrap(),
    ] {
        assert!(html.contains(needle), "{needle} missing in {html}");
    }
    assert!(out.join("change.png").exists() && out.join("patches.geojson").exists());
}

fn fails_with(output: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(output.stdout.is_empty());
    for needle in needles {
        assert!(stderr.contains(needle), "expected “{needle}” in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_rasters_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(quarry("after.tif")).unwrap();
    let truncated = dir.path().join("cut_short.tif");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let (licence, before) = (quarry("licence.json"), quarry("before.tif"));
    fails_with(
        &compare_files(&licence, &before, truncated.to_str().unwrap(), &[]),
        &["cut_short.tif", "损坏"],
    );
    fails_with(
        &compare_files(&licence, &before, &dem("f32_no_georeference.tif"), &[]),
        &["f32_no_georeference.tif", "缺少地理参考"],
    );
    fails_with(
        &compare_files(&licence, &before, &dem("f32_far_away.tif"), &[]),
        &["没有重叠区域"],
    );
    fails_with(
        &compare_files(&licence, &before, &dem("f32_strip_none.tif"), &[]),
        &["矿区范围在前后两期 DEM 的重叠区域之外"],
    );
    fails_with(
        &compare_files(
            &licence,
            &before,
            &fixtures().join("dem/longyearbyen/dem.tif").display().to_string(),
            &[],
        ),
        &["dem.tif", "坐标系不一致", "EPSG:25833"],
    );
    fails_with(
        &compare_files(&licence, &before, &dem("missing.tif"), &[]),
        &["missing.tif", "无法打开"],
    );
}

#[test]
fn bad_licence_period_or_thresholds_exit_2_saying_where() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(quarry("licence.json")).unwrap();
    let bad = text.replacen(", 2708", ", 27O8", 1);
    assert_ne!(bad, text);
    let path = dir.path().join("licence_typo.json");
    std::fs::write(&path, bad).unwrap();
    let (before, after) = (quarry("before.tif"), quarry("after.tif"));
    fails_with(
        &compare_files(path.to_str().unwrap(), &before, &after, &[]),
        &["许可证文件", "licence_typo.json", "第1行：无法识别的拐点坐标"],
    );
    let licence = quarry("licence.json");
    let mut args = vec![
        "--licence",
        licence.as_str(),
        "--before",
        &before,
        "--after",
        &after,
    ];
    args.extend(["--period", "2025-04-01..2025-01-01"]);
    fails_with(&compare(&args), &["监测期", "结束日期必须晚于开始日期"]);
    fails_with(
        &compare_files(&licence, &before, &after, &["--min-change", "-1"]),
        &["--min-change"],
    );
}
