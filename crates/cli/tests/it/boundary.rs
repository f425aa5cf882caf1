//! `orewatch boundary check`, as an official would run it on a published corner-point list.

use serde_json::Value;
use std::process::Output;

fn check(args: &[&str], stdin: &str) -> Output {
    let all: Vec<&str> = ["boundary", "check"].iter().chain(args).copied().collect();
    crate::orewatch("", &all, stdin)
}

/// Two parts in the national exchange format, the second with a hole, without zone prefix.
const TWO_PARTS: &str = "2,\n\
    J1,2708440.00,373105.60\nJ2,2708420.00,373350.00\nJ3,2708300.00,373410.00\nJ4,2708160.00,373375.00\n\
    *,310,180,,1\n\
    K1,2707000.00,372000.00\nK2,2707000.00,372400.00\nK3,2706600.00,372400.00\nK4,2706600.00,372000.00\n\
    扣除范围\n\
    H1,2706900.00,372100.00\nH2,2706900.00,372200.00\nH3,2706800.00,372200.00\nH4,2706800.00,372100.00\n\
    *,150,90,,1\n";

#[test]
fn json_lists_every_part_with_its_points_areas_and_elevations() {
    let output = check(&["--zone", "37", "--format", "json"], TWO_PARTS);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let parts = report["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0]["zone"], 37);
    assert_eq!(parts[0]["elevation_top_m"], 310.0);
    assert_eq!(parts[0]["elevation_floor_m"], 180.0);
    let j1 = &parts[0]["points"][0];
    assert_eq!(j1["name"], "J1");
    assert_eq!(j1["x"], 2_708_440.0);
    assert_eq!(j1["y"], 373_105.6);
    assert!((j1["lon"].as_f64().unwrap() - 109.748334).abs() < 1e-6);
    assert!((j1["lat"].as_f64().unwrap() - 24.474686).abs() < 1e-6);
    // 400 m × 400 m minus a 100 m × 100 m hole, on the plane.
    assert!((parts[1]["planar_area_m2"].as_f64().unwrap() - 150_000.0).abs() < 1e-6);
    let ellipsoidal = parts[1]["area_m2"].as_f64().unwrap();
    assert!((ellipsoidal / 150_000.0 - 1.0).abs() < 1e-3, "{ellipsoidal}");
    assert_eq!(report["problems"].as_array().unwrap().len(), 0);
}

#[test]
fn text_reads_a_file_and_reports_problems_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("announcement.txt");
    std::fs::write(
        &path,
        "1, 2710000, 37500000\n2, 2710000, 37501000\n3, 2709000, 37500000\n4, 2709000, 37501000\n",
    )
    .unwrap();
    let output = check(&[path.to_str().unwrap()], "");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("带号 37（中央经线 111°）"), "{text}");
    assert!(text.contains("第1部分自相交：边 2–3 与边 4–1 交叉"), "{text}");
}

#[test]
fn malformed_input_exits_2_with_its_line() {
    let output = check(
        &["-"],
        "J1, 2708440.00, 37373105.60\nJ2, 27O8420.00, 37373350.00\n",
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("第2行：无法识别的拐点坐标"), "{stderr}");
    let output = check(
        &[],
        "1, 2708440.00, 373105.60\n2, 2708420.00, 373350.00\n3, 2708300, 373410\n",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--zone"));
}
