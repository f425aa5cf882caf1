//! Drone surveys through the use cases, on both engines: recording with the file checked on arrival,
//! the analysis queued and run once by a worker against the registry's licence (the committed quarry
//! scenario, whose figures the independent numpy reference computed), cancel and retry, a dead
//! worker's job taken over, and what is refused.

use crate::registry::import_sample;
use crate::{account, app_with};
use orewatch_app::registry::input::{LicenceInput, MineInput};
use orewatch_app::registry::{licences, mines};
use orewatch_app::surveys::worker::{self, Ran};
use orewatch_app::surveys::{self, ResultFile, StagedFile, SurveyInput};
use orewatch_app::{App, AppError, Caller, Db, ManualClock};
use orewatch_domain::penalty::{MineralPrice, PriceTable};
use orewatch_domain::policy::DenyReason;
use orewatch_domain::survey::{AnalysisState, JobState};
use orewatch_domain::{MineId, Problem};
use orewatch_storage::jobs::{self, Subject};
use orewatch_testkit::on_both_backends;
use orewatch_testkit::survey::quarry_boundary;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name)
}

/// A file staged as the web stages an upload: copied to scratch, hashed.
fn staged(dir: &Path, source: &Path) -> StagedFile {
    let bytes = std::fs::read(source).unwrap();
    let name = source.file_name().unwrap().to_string_lossy().into_owned();
    let path = dir.join(format!(
        "{}-{name}",
        hex::encode(&Sha256::digest(source.to_string_lossy().as_bytes())[..4])
    ));
    std::fs::write(&path, &bytes).unwrap();
    StagedFile {
        name,
        path,
        sha256: hex::encode(Sha256::digest(&bytes)),
        size_bytes: bytes.len() as u64,
    }
}

pub(crate) async fn quarry_app(db: Db, scratch: &Path) -> (App, Caller, MineId, Arc<ManualClock>) {
    let scratch = scratch.to_path_buf();
    let (app, clock) = app_with(db, move |s| {
        s.cases.prices.0.insert(
            "建筑石料用灰岩".to_string(),
            MineralPrice {
                density_t_m3: 2.68,
                price_fen_t: 4_500,
            },
        );
        s.surveys.scratch_dir = scratch.join("work");
        s.surveys.heartbeat = std::time::Duration::from_millis(20);
        s.files = orewatch_storage::files::FileBackend::Local(scratch.join("files"));
    })
    .await;
    let office = account(&app, "wei", "office", "nr").await;
    let s = import_sample(&app, &office, 1, 0).await;
    let holder = s.companies[0][0].clone();
    let mine = mines::create(
        &app,
        &office,
        &MineInput {
            name: "鹿寨县示例建筑石料用灰岩矿",
            township: "鹿寨镇",
            mineral: "建筑石料用灰岩",
            method: "露天",
            status: "生产",
            company: &holder,
            area_agency: "",
            supervisor: "",
        },
    )
    .await
    .unwrap();
    licences::create(
        &app,
        &office,
        mine,
        &LicenceInput {
            kind: "采矿权",
            licence_no: "C4502232009127130012001",
            holder: &holder,
            mineral: "建筑石料用灰岩",
            method: "露天",
            scale: "300",
            scale_unit: "万吨/年",
            declared_area_km2: "0.0712",
            valid_from: "2021-03-01",
            valid_to: "2027-02-28",
            boundary: &quarry_boundary(),
            override_reason: "",
            confirm_outside: false,
        },
    )
    .await
    .unwrap();
    (app, office, mine, clock)
}

fn input(flown_on: &str) -> SurveyInput<'_> {
    SurveyInput {
        flown_on,
        contractor: "广西某测绘有限公司",
        method: "uav_photogrammetry",
        classified: false,
        cell_m: "",
    }
}

/// A LAS 1.2 cloud (point format 0, EPSG:4525 in GeoKeys) of a DEM's surface: a ground point (class 2) at the centre of
/// every valid cell, north row first, and — when `vegetation` — a class-5 point 8 m above every third
/// one; with `only_vegetation` the ground points are class 5 as well.
fn cloud_of(dem: &Path, out: &Path, vegetation: bool, only_vegetation: bool) -> (StagedFile, u64) {
    use orewatch_spatial::geotiff::DemReader;
    let mut reader = DemReader::open(dem).unwrap();
    let grid = reader.info().grid.clone();
    let values = reader.read_all().unwrap();
    let mut writer = orewatch_testkit::survey::las_writer(out, (37_000_000.0, 2_700_000.0), 4525);
    let mut ground = 0;
    for row in 0..grid.height {
        for col in 0..grid.width {
            let z = values[row * grid.width + col];
            if z.is_nan() {
                continue;
            }
            let (x, y) = (grid.center_x(col), grid.center_y(row));
            let class = if only_vegetation {
                las::point::Classification::HighVegetation
            } else {
                ground += 1;
                las::point::Classification::Ground
            };
            writer
                .write_point(las::Point {
                    x,
                    y,
                    z,
                    classification: class,
                    ..Default::default()
                })
                .unwrap();
            if vegetation && (row * grid.width + col).is_multiple_of(3) {
                writer
                    .write_point(las::Point {
                        x,
                        y,
                        z: z + 8.0,
                        classification: las::point::Classification::HighVegetation,
                        ..Default::default()
                    })
                    .unwrap();
            }
        }
    }
    writer.close().unwrap();
    drop(writer);
    let bytes = std::fs::read(out).unwrap();
    (
        StagedFile {
            name: out.file_name().unwrap().to_string_lossy().into_owned(),
            path: out.to_path_buf(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            size_bytes: bytes.len() as u64,
        },
        ground,
    )
}

/// The quarry's two surveys, recorded; returns the queued analysis and the later survey's file.
async fn record_pair(
    app: &App,
    office: &Caller,
    mine: MineId,
    dir: &Path,
) -> (orewatch_domain::AnalysisId, StagedFile) {
    let quarry = fixture("survey/quarry");
    let before = staged(dir, &quarry.join("before.tif"));
    surveys::record(app, office, mine, &input("2025-01-01"), &before)
        .await
        .unwrap();
    let after = staged(dir, &quarry.join("after.tif"));
    let recorded = surveys::record(app, office, mine, &input("2025-04-01"), &after)
        .await
        .unwrap();
    (recorded.analysis_id.unwrap(), after)
}

fn field_problem(result: Result<surveys::Recorded, AppError>, field: &str) -> Problem {
    match result {
        Err(AppError::Invalid(e)) => e
            .get(field)
            .cloned()
            .unwrap_or_else(|| panic!("no {field}: {e:?}")),
        other => panic!("expected a refusal on {field}: {other:?}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

async fn a_second_survey_is_analysed_once_against_the_registry_licence(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (app, office, mine, _) = quarry_app(db, dir.path()).await;
    let quarry = fixture("survey/quarry");
    let first = surveys::record(
        &app,
        &office,
        mine,
        &input("2025-01-01"),
        &staged(dir.path(), &quarry.join("before.tif")),
    )
    .await
    .unwrap();
    assert_eq!(
        first.analysis_id, None,
        "nothing to compare the first survey with"
    );
    assert_eq!(worker::run_once(&app, "w1").await.unwrap(), Ran::Idle);
    let second = surveys::record(
        &app,
        &office,
        mine,
        &input("2025-04-01"),
        &staged(dir.path(), &quarry.join("after.tif")),
    )
    .await
    .unwrap();
    let analysis_id = second.analysis_id.unwrap();
    let view = surveys::analysis(&app, &office, analysis_id).await.unwrap();
    assert_eq!(view.analysis.state, AnalysisState::Pending);
    assert_eq!(view.job.as_ref().unwrap().state, JobState::Queued);
    assert_eq!(view.inputs.floor_m, 250.0);
    assert_eq!(view.inputs.annual_output_10kt, 300.0);

    let ran = worker::run_once(&app, "w1").await.unwrap();
    assert_eq!(
        ran,
        Ran::Done {
            job: view.job.unwrap().id,
            analysis: analysis_id
        }
    );
    assert_eq!(
        worker::run_once(&app, "w2").await.unwrap(),
        Ran::Idle,
        "done once"
    );

    // The figures are the independent reference's (expected_aligned.json), from the registry's licence.
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(quarry.join("expected_aligned.json")).unwrap()).unwrap();
    let view = surveys::analysis(&app, &office, analysis_id).await.unwrap();
    assert_eq!(view.analysis.state, AnalysisState::Done);
    assert_eq!(view.job.as_ref().unwrap().state, JobState::Done);
    let f = view.figures.unwrap();
    let number = |path: &[&str]| path.iter().fold(&expected, |v, k| &v[*k]).as_f64().unwrap();
    for (ours, theirs) in [
        (f.inside.cut_m3, number(&["inside", "cut_m3"])),
        (f.outside.cut_m3, number(&["outside", "cut_m3"])),
        (f.below_floor.volume_m3, number(&["below_floor", "volume_m3"])),
        (f.production.extracted_t, number(&["production", "extracted_t"])),
        (f.production.permitted_t, number(&["production", "permitted_t"])),
    ] {
        assert!(
            (ours - theirs).abs() <= 1e-3 * theirs.abs().max(1.0),
            "{ours} vs {theirs}"
        );
    }
    assert_eq!(f.outside_patches.len(), 1);
    assert!(close(f.outside_patches[0].area_m2, 1120.0));
    let kinds: Vec<&str> = f.findings.iter().map(|k| k.kind.as_ref()).collect();
    assert!(
        kinds.contains(&"out_of_bounds")
            && kinds.contains(&"below_floor")
            && kinds.contains(&"over_quantity"),
        "{kinds:?}"
    );
    // The inputs are the recorded files, by hash.
    let hashes: Vec<&str> = f.inputs.iter().map(|i| i.sha256.as_str()).collect();
    // Named as recorded, not as the worker happened to read them: the same report wherever it runs.
    let names: Vec<&str> = f.inputs.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["before.tif", "after.tif"]);
    assert_eq!(
        hashes,
        [view.before.dem_sha256.as_str(), view.survey.dem_sha256.as_str()]
    );
    let overlay = view.overlay.unwrap();
    assert_eq!((overlay.map_width, overlay.map_height), (240.0, 240.0));
    assert_eq!(overlay.patches.len(), 1);
    // Downloads are the stored files.
    let png = surveys::analysis_file(&app, &office, analysis_id, ResultFile::ChangePng)
        .await
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let report = surveys::analysis_file(&app, &office, analysis_id, ResultFile::ReportJson)
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8(report).unwrap(),
        view.analysis.report_json.unwrap()
    );
    // The mine page lists both surveys, newest first, with the analysis's headline figures.
    let listed = surveys::of_mine(&app, &office, mine).await.unwrap();
    assert_eq!(listed.rows.len(), 2);
    let headline = listed.rows[0].analysis.as_ref().unwrap().figures.unwrap();
    assert!(close(headline.ratio, f.production.ratio));
    assert!(listed.rows[1].analysis.is_none());
    let work = dir.path().join("work");
    assert!(
        std::fs::read_dir(&work).map_or(true, |mut d| d.next().is_none()),
        "scratch left behind"
    );
}

async fn wrong_files_dates_and_callers_are_refused_at_once(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (app, office, mine, _) = quarry_app(db, dir.path()).await;
    let quarry = fixture("survey/quarry");
    let before = staged(dir.path(), &quarry.join("before.tif"));
    surveys::record(&app, &office, mine, &input("2025-01-01"), &before)
        .await
        .unwrap();
    // The same file again.
    let again = surveys::record(&app, &office, mine, &input("2025-02-01"), &before).await;
    assert!(
        matches!(field_problem(again, "dem"), Problem::SurveyDuplicate { flown_on } if flown_on == "2025-01-01")
    );
    let after = staged(dir.path(), &quarry.join("after.tif"));
    // Dated before (or on) the previous survey, or in the future.
    let earlier = surveys::record(&app, &office, mine, &input("2024-12-31"), &after).await;
    assert_eq!(
        field_problem(earlier, "flown_on"),
        Problem::SurveyNotAfter {
            previous: "2025-01-01".into()
        }
    );
    let future = surveys::record(&app, &office, mine, &input("2026-12-01"), &after).await;
    assert_eq!(field_problem(future, "flown_on"), Problem::DateInFuture);
    // Not a DEM; a DEM in longitude/latitude; a DEM elsewhere.
    for (file, says) in [
        ("survey/quarry/licence.json", "不是有效的 TIFF"),
        ("dem/f32_geographic.tif", "非投影坐标系"),
        ("dem/f32_far_away.tif", "未覆盖"),
    ] {
        let refused = surveys::record(
            &app,
            &office,
            mine,
            &input("2025-04-01"),
            &staged(dir.path(), &fixture(file)),
        )
        .await;
        let problem = field_problem(refused, "dem").to_string();
        assert!(problem.contains(says), "{file}: {problem}");
    }
    // A licence not in force on the survey's day.
    let unlicensed = surveys::record(&app, &office, mine, &input("2020-06-01"), &after).await;
    let problem = field_problem(unlicensed, "licence").to_string();
    assert!(
        problem.contains("没有有效的采矿许可证") || problem.contains("晚于"),
        "{problem}"
    );
    // Only the office records.
    let officer = account(&app, "ps1", "agency_officer", "ps").await;
    let forbidden = surveys::record(&app, &officer, mine, &input("2025-04-01"), &after).await;
    assert!(
        matches!(forbidden, Err(AppError::Forbidden(DenyReason::Role))),
        "{forbidden:?}"
    );
    // Nothing was queued by any of these.
    let mut conn = app.db.conn().await.unwrap();
    assert!(jobs::counts(&mut conn).await.unwrap().is_empty());
}

async fn a_mineral_without_a_configured_density_is_refused_with_the_fix(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, office, mine, _) = quarry_app(db, dir.path()).await;
    app.settings.cases.prices = PriceTable::default();
    let refused = surveys::record(
        &app,
        &office,
        mine,
        &input("2025-01-01"),
        &staged(dir.path(), &fixture("survey/quarry/before.tif")),
    )
    .await;
    assert_eq!(
        field_problem(refused, "licence").to_string(),
        "矿种“建筑石料用灰岩”未在配置 [minerals] 中登记矿石体重（density_t_m3），无法把方量换算为吨"
    );
}

async fn a_cancelled_analysis_runs_again_and_a_dead_workers_job_is_taken_over(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (app, office, mine, clock) = quarry_app(db, dir.path()).await;
    let (id, _) = record_pair(&app, &office, mine, dir.path()).await;
    surveys::cancel(&app, &office, id).await.unwrap();
    assert_eq!(worker::run_once(&app, "w1").await.unwrap(), Ran::Idle);
    let view = surveys::analysis(&app, &office, id).await.unwrap();
    assert_eq!(view.analysis.state, AnalysisState::Cancelled);
    assert!(
        surveys::cancel(&app, &office, id).await.is_err(),
        "already cancelled"
    );
    let officer = account(&app, "ps1", "agency_officer", "ps").await;
    assert!(matches!(
        surveys::retry(&app, &officer, id).await,
        Err(AppError::Forbidden(_))
    ));
    surveys::retry(&app, &office, id).await.unwrap();

    // A worker claims the job and dies (it never heartbeats); after its lease another takes it over.
    let now = app.now();
    let mut op = app.db.begin_operational().await.unwrap();
    let dead = jobs::claim(
        &mut op,
        app.db.backend(),
        "dead",
        "dead-token",
        now,
        now + chrono::Duration::seconds(60),
    )
    .await
    .unwrap()
    .unwrap();
    op.commit().await.unwrap();
    assert_eq!(
        worker::run_once(&app, "w2").await.unwrap(),
        Ran::Idle,
        "leased to the dead worker"
    );
    clock.advance(chrono::Duration::minutes(2));
    let ran = worker::run_once(&app, "w2").await.unwrap();
    assert_eq!(
        ran,
        Ran::Done {
            job: dead.id,
            analysis: id
        }
    );
    let mut conn = app.db.conn().await.unwrap();
    let job = jobs::of_subject(&mut conn, Subject::SurveyAnalysis(id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Done, 2));
    drop(conn);
    // The dead worker wakes: it cannot finish the job again.
    let mut op = app.db.begin_operational().await.unwrap();
    assert!(
        !jobs::finish(&mut op, dead.id, "dead-token", JobState::Done, None, app.now())
            .await
            .unwrap()
    );
    op.commit().await.unwrap();
    // The audit chain holds every step and verifies.
    let verification = orewatch_app::audit_log::verify(&app, &office, None)
        .await
        .unwrap();
    assert!(verification.intact(), "{:?}", verification.report);
}

async fn a_point_cloud_is_gridded_on_arrival_from_its_ground_points(db: Db) {
    use orewatch_spatial::geotiff::DemReader;
    use orewatch_spatial::pointcloud::{Gridding, PointsUsed};
    let dir = tempfile::tempdir().unwrap();
    let (app, office, mine, _) = quarry_app(db, dir.path()).await;
    let quarry = fixture("survey/quarry");
    surveys::record(
        &app,
        &office,
        mine,
        &input("2025-01-01"),
        &staged(dir.path(), &quarry.join("before.tif")),
    )
    .await
    .unwrap();
    let (cloud, ground) = cloud_of(
        &quarry.join("after.tif"),
        &dir.path().join("after.las"),
        true,
        false,
    );
    let gridded = |cell_m| SurveyInput {
        cell_m,
        ..input("2025-04-01")
    };
    // A cloud needs the cell size it is gridded at.
    let no_cell = surveys::record(&app, &office, mine, &gridded(" "), &cloud).await;
    assert_eq!(field_problem(no_cell, "cell_m"), Problem::Required);
    let comma = surveys::record(&app, &office, mine, &gridded("0,5"), &cloud).await;
    assert!(
        matches!(field_problem(comma, "cell_m"), Problem::SurveyFile { message } if message.contains("小数点"))
    );
    let tiny = surveys::record(&app, &office, mine, &gridded("0.001"), &cloud).await;
    assert!(
        matches!(field_problem(tiny, "cell_m"), Problem::SurveyFile { message } if message.contains("0.05"))
    );
    // Classified without ground; cut short.
    let (trees, _) = cloud_of(
        &quarry.join("after.tif"),
        &dir.path().join("trees.las"),
        false,
        true,
    );
    let refused = surveys::record(&app, &office, mine, &gridded("2"), &trees).await;
    assert!(
        matches!(field_problem(refused, "dem"), Problem::SurveyFile { message } if message.contains("没有地面点") && message.contains("trees.las")),
    );
    let bytes = std::fs::read(&cloud.path).unwrap();
    let cut = dir.path().join("cut.las");
    std::fs::write(&cut, &bytes[..bytes.len() - 1000]).unwrap();
    let cut = StagedFile {
        name: "cut.las".into(),
        path: cut,
        sha256: hex::encode(Sha256::digest(&bytes[..bytes.len() - 1000])),
        size_bytes: bytes.len() as u64 - 1000,
    };
    let refused = surveys::record(&app, &office, mine, &gridded("2"), &cut).await;
    assert!(
        matches!(field_problem(refused, "dem"), Problem::SurveyFile { message } if message.contains("截断") && message.contains("cut.las")),
    );

    let recorded = surveys::record(&app, &office, mine, &gridded("2"), &cloud)
        .await
        .unwrap();
    let survey = surveys::of_mine(&app, &office, mine).await.unwrap().rows[0]
        .survey
        .clone();
    let source = survey.cloud.clone().expect("the cloud is kept with the survey");
    assert_eq!(
        (source.name.as_str(), source.sha256.as_str()),
        ("after.las", cloud.sha256.as_str())
    );
    assert_eq!(survey.dem_name, "after.dem.tif");
    let gridding: Gridding = serde_json::from_str(&source.gridding_json).unwrap();
    assert_eq!(gridding.used, PointsUsed::Ground);
    assert_eq!(gridding.points_used, ground);
    assert!(
        gridding.points > ground,
        "the vegetation points were read and left out"
    );
    assert_eq!(gridding.radius_m, 2.0 * 2f64.sqrt());
    // The same cloud again is the same survey.
    let again = surveys::record(&app, &office, mine, &gridded("2"), &cloud).await;
    assert!(matches!(
        field_problem(again, "dem"),
        Problem::SurveyDuplicate { .. }
    ));

    // Each cell is the running mean, in file order, of the points closer than 2√2 m to its centre:
    // here the cell's own point and its four edge neighbours (the diagonal ones are exactly 2√2 away).
    let sha = &survey.dem_sha256;
    let dem_path = dir
        .path()
        .join("files")
        .join(&sha[..2])
        .join(&sha[2..4])
        .join(sha);
    let mut dem = DemReader::open(&dem_path).unwrap();
    let grid = dem.info().grid.clone();
    let got = dem.read_all().unwrap();
    let mut source_dem = DemReader::open(&quarry.join("after.tif")).unwrap();
    assert_eq!(
        grid,
        source_dem.info().grid,
        "the quarry's 2 m grid is aligned to whole cells"
    );
    let after = source_dem.read_all().unwrap();
    let w = grid.width;
    let mut checked = 0;
    for row in 1..grid.height - 1 {
        for col in 1..w - 1 {
            let near = [
                (row - 1, col),
                (row, col - 1),
                (row, col),
                (row, col + 1),
                (row + 1, col),
            ]
            .map(|(r, c)| 0.001 * (after[r * w + c] / 0.001).round());
            if near.iter().any(|z| z.is_nan()) {
                continue;
            }
            let mut mean = 0.0;
            for (n, z) in near.iter().enumerate() {
                mean += (z - mean) / (n as f64 + 1.0);
            }
            assert_eq!(got[row * w + col], f64::from(mean as f32), "cell {row},{col}");
            checked += 1;
        }
    }
    assert!(checked > 50_000, "{checked}");

    // The analysis runs on the gridded DEM like on an uploaded one.
    let analysis = recorded.analysis_id.unwrap();
    assert!(matches!(
        worker::run_once(&app, "w1").await.unwrap(),
        Ran::Done { .. }
    ));
    let view = surveys::analysis(&app, &office, analysis).await.unwrap();
    assert_eq!(view.analysis.state, AnalysisState::Done);
}

async fn a_survey_file_altered_in_the_store_fails_its_analysis_by_name(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let (app, office, mine, _) = quarry_app(db, dir.path()).await;
    let (id, after) = record_pair(&app, &office, mine, dir.path()).await;
    let quarry = fixture("survey/quarry");
    // Someone swaps the stored after survey for another DEM behind the platform's back.
    let stored = dir
        .path()
        .join("files")
        .join(&after.sha256[..2])
        .join(&after.sha256[2..4])
        .join(&after.sha256);
    std::fs::copy(quarry.join("before.tif"), &stored).unwrap();
    let ran = worker::run_once(&app, "w1").await.unwrap();
    assert!(
        matches!(&ran, Ran::Failed { reason, .. } if reason.contains("SHA-256")),
        "{ran:?}"
    );
    let view = surveys::analysis(&app, &office, id).await.unwrap();
    assert_eq!(view.analysis.state, AnalysisState::Failed);
    assert!(view.analysis.failure.unwrap().contains("SHA-256"));
    assert!(view.figures.is_none(), "no result from altered evidence");
}

/// A third survey of the quarry: the later surface as it was, but for one cell inside the licence
/// lowered by 0.2 m (under the change threshold), written by the platform's own DEM writer.
fn third_survey(dir: &Path) -> StagedFile {
    use orewatch_spatial::geotiff::DemReader;
    let mut reader = DemReader::open(&fixture("survey/quarry").join("after.tif")).unwrap();
    let info = reader.info().clone();
    let mut values: Vec<f32> = reader.read_all().unwrap().iter().map(|&v| v as f32).collect();
    let centre = info.grid.width * (info.grid.height / 2) + info.grid.width / 2;
    values[centre] -= 0.2;
    let path = dir.join("third.tif");
    orewatch_spatial::dem_writer::write_dem(&path, &info.grid, &info.crs, &values).unwrap();
    staged(dir, &path)
}

async fn proposals_go_to_the_ledger_and_a_re_flight_reads_each(db: Db) {
    use orewatch_app::ledger::findings;
    use orewatch_app::surveys::proposals::{self, ConfirmInput};
    use orewatch_domain::finding::{FindingSource, FindingState};
    use orewatch_domain::proposal::{ProposalKind, ProposalState, Reflight};
    let dir = tempfile::tempdir().unwrap();
    let (app, office, mine, _) = quarry_app(db, dir.path()).await;
    let (id, _) = record_pair(&app, &office, mine, dir.path()).await;
    assert!(matches!(
        worker::run_once(&app, "w1").await.unwrap(),
        Ran::Done { .. }
    ));
    let view = surveys::analysis(&app, &office, id).await.unwrap();
    let figures = view.figures.unwrap();
    let listed = proposals::of_analysis(&app, &office, id).await.unwrap();
    let kinds: Vec<ProposalKind> = listed.iter().map(|p| p.proposal.kind).collect();
    assert_eq!(
        kinds,
        [
            ProposalKind::OutOfBounds,
            ProposalKind::BelowFloor,
            ProposalKind::OverQuantity,
            ProposalKind::HighFace
        ],
        "one proposal per engine finding, in its order"
    );
    let (oob, floor, over, face) = (&listed[0], &listed[1], &listed[2], &listed[3]);
    assert!(!face.evidence.outlines.is_empty() && face.proposal.volume_m3.is_none());
    // The evidence: both surveys by hash, the figures, the patch outline; the volumes as the engine's.
    let hashes: Vec<&str> = oob.evidence.surveys.iter().map(|s| s.sha256.as_str()).collect();
    assert_eq!(
        hashes,
        [view.before.dem_sha256.as_str(), view.survey.dem_sha256.as_str()]
    );
    assert_eq!(oob.evidence.outlines.len(), 1);
    assert_eq!(oob.proposal.volume_m3, Some(figures.outside_patches[0].cut_m3));
    assert_eq!(floor.proposal.volume_m3, Some(figures.below_floor.volume_m3));
    assert_eq!(over.proposal.volume_m3, None);
    assert!(oob.reflight.is_none(), "no later survey yet");
    assert!(oob.suggested.description.contains("越界开采"));

    // Only the office decides.
    let officer = account(&app, "nr1", "agency_officer", "nr").await;
    let deadline = "2026-12-28";
    let confirm = |severity| ConfirmInput {
        agency: "nr",
        severity,
        description: "越界开采：矿区范围外挖损",
        legal_basis: "《矿产资源法》",
        measures: "",
        deadline_on: deadline,
    };
    assert!(matches!(
        proposals::confirm(&app, &officer, oob.proposal.id, &confirm("serious")).await,
        Err(AppError::Forbidden(_))
    ));
    // A bad field is refused and decides nothing.
    let bad = proposals::confirm(
        &app,
        &office,
        oob.proposal.id,
        &ConfirmInput {
            deadline_on: "2020-01-01",
            ..confirm("serious")
        },
    )
    .await;
    assert!(matches!(bad, Err(AppError::Invalid(_))), "{bad:?}");
    let finding_id = proposals::confirm(&app, &office, oob.proposal.id, &confirm("serious"))
        .await
        .unwrap();
    let again = proposals::confirm(&app, &office, oob.proposal.id, &confirm("serious")).await;
    assert!(
        matches!(&again, Err(AppError::Invalid(e)) if e.0.iter().any(|f| matches!(f.problem, Problem::AlreadyDone { .. }))),
        "a double submit: {again:?}"
    );
    let shown = findings::show(&app, &office, finding_id).await.unwrap().finding;
    assert_eq!(shown.source, FindingSource::Monitoring);
    assert_eq!(shown.category, "out_of_bounds");
    assert_eq!(shown.found_on.to_string(), "2025-04-01");
    assert_eq!(
        shown.source_ref.as_deref(),
        Some(format!("无人机测量对比分析#{id}").as_str())
    );
    let floor_finding = proposals::confirm(&app, &office, floor.proposal.id, &confirm("major"))
        .await
        .unwrap();
    assert_eq!(
        findings::show(&app, &office, floor_finding)
            .await
            .unwrap()
            .finding
            .category,
        "below_floor"
    );
    // A penalty case about the two findings starts its estimate from their surveyed volumes.
    let nr_head = account(&app, "nrh", "agency_head", "nr").await;
    let verifier = account(&app, "nr2", "agency_officer", "nr").await;
    let mut team = Vec::new();
    for (who, card) in [(&officer, "45000011"), (&verifier, "45000012")] {
        let id = who.account_id().unwrap().0.to_string();
        orewatch_app::inspections::register::register_card(
            &app,
            &office,
            &orewatch_app::inspections::register::CardInput {
                account: &id,
                card_no: card,
                valid_until: "2030-12-31",
                recusals: "",
            },
        )
        .await
        .unwrap();
        team.push(id);
    }
    let (f1, f2) = (finding_id.to_string(), floor_finding.to_string());
    let case = orewatch_app::enforcement::cases::file(
        &app,
        &nr_head,
        &orewatch_app::enforcement::cases::FileInput {
            mine: &shown.mine_name,
            findings: vec![&f1, &f2],
            cause: "越界、越层开采",
            major: "",
            officers: team.iter().map(String::as_str).collect(),
        },
    )
    .await
    .unwrap();
    let (volume, basis) = proposals::volume_of_case(&app, &office, case)
        .await
        .unwrap()
        .unwrap();
    let expected = figures.outside_patches[0].cut_m3 + figures.below_floor.volume_m3;
    assert!((volume - expected).abs() < 1e-9, "{volume} vs {expected}");
    assert!(
        basis.contains(&format!("无人机测量对比分析#{id} 越界开采")) && basis.contains("越层开采"),
        "{basis}"
    );
    assert!(matches!(
        proposals::dismiss(&app, &office, over.proposal.id, "  ").await,
        Err(AppError::Invalid(_))
    ));
    proposals::dismiss(
        &app,
        &office,
        over.proposal.id,
        "测量期内含上年度结转量，经核实未超量",
    )
    .await
    .unwrap();
    assert!(proposals::dismiss(&app, &office, oob.proposal.id, "重复")
        .await
        .is_err());
    let listed = proposals::of_analysis(&app, &office, id).await.unwrap();
    let states: Vec<ProposalState> = listed.iter().map(|p| p.proposal.state).collect();
    assert_eq!(
        states,
        [
            ProposalState::Confirmed,
            ProposalState::Confirmed,
            ProposalState::Dismissed,
            ProposalState::Proposed
        ]
    );
    assert_eq!(listed[0].proposal.finding_id, Some(finding_id));
    assert_eq!(
        listed[2].proposal.dismiss_reason.as_deref(),
        Some("测量期内含上年度结转量，经核实未超量")
    );

    // Attaching a re-flight before there is one is refused.
    let third = third_survey(dir.path());
    let recorded = surveys::record(&app, &office, mine, &input("2025-07-01"), &third)
        .await
        .unwrap();
    let later = recorded.analysis_id.unwrap();
    assert!(matches!(
        worker::run_once(&app, "w1").await.unwrap(),
        Ran::Done { .. }
    ));
    let later_view = surveys::analysis(&app, &office, later).await.unwrap();
    let watched = &later_view.figures.unwrap().watched;
    let keys: Vec<String> = watched.iter().map(|w| w.key.clone()).collect();
    assert_eq!(
        keys,
        ["out_of_bounds", "high_face"],
        "the patch and the face, still undecided; not the dismissed proposal"
    );
    let listed = proposals::of_analysis(&app, &office, id).await.unwrap();
    let reading = |i: usize| listed[i].reflight.as_ref().unwrap().reading;
    assert_eq!(
        reading(0),
        Reflight::NoFurtherCut,
        "the patch shows no further cut"
    );
    assert!(
        matches!(reading(1), Reflight::BelowFloorStopped { .. }),
        "{:?}",
        reading(1)
    );
    assert!(matches!(reading(2), Reflight::Output { ratio } if ratio == 0.0));
    assert!(
        matches!(reading(3), Reflight::FaceStillHigh { .. }),
        "the wall left as it was: {:?}",
        reading(3)
    );
    assert_eq!(listed[0].reflight.as_ref().unwrap().analysis_id, later);
    let later_proposals = proposals::of_analysis(&app, &office, later).await.unwrap();
    assert!(
        later_proposals
            .iter()
            .all(|p| p.proposal.kind != ProposalKind::OutOfBounds),
        "the third survey cuts nothing outside: {:?}",
        later_proposals
            .iter()
            .map(|p| p.proposal.kind)
            .collect::<Vec<_>>()
    );

    // The verifier attaches the comparison as 复查 evidence, only while verifying.
    assert!(
        proposals::attach_reflight(&app, &verifier, finding_id)
            .await
            .is_err(),
        "not under review"
    );
    findings::issue_notice(&app, &officer, finding_id).await.unwrap();
    findings::apply_for_closure(&app, &officer, finding_id, "已停止越界开采", &[])
        .await
        .unwrap();
    findings::start_review(&app, &verifier, finding_id).await.unwrap();
    proposals::attach_reflight(&app, &verifier, finding_id)
        .await
        .unwrap();
    let shown = findings::show(&app, &verifier, finding_id).await.unwrap();
    assert_eq!(shown.finding.state, FindingState::Reviewing);
    let attached = shown.attachments.last().unwrap();
    assert!(attached.file_name.contains("复查比对"), "{attached:?}");
    let (_, bytes) = findings::evidence(&app, &verifier, attached.id).await.unwrap();
    // A finding's evidence is read through the finding's rights only: the registry's route for a
    // permit's attachments does not find it.
    assert!(matches!(
        orewatch_app::registry::permits::attachment(&app, &office, attached.id).await,
        Err(AppError::NotFound)
    ));
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("原图斑内未继续开采") && text.contains(&view.survey.dem_sha256),
        "{text}"
    );
    let verification = orewatch_app::audit_log::verify(&app, &office, None)
        .await
        .unwrap();
    assert!(verification.intact(), "{:?}", verification.report);
}

on_both_backends!(
    a_point_cloud_is_gridded_on_arrival_from_its_ground_points,
    proposals_go_to_the_ledger_and_a_re_flight_reads_each,
    a_survey_file_altered_in_the_store_fails_its_analysis_by_name,
    a_second_survey_is_analysed_once_against_the_registry_licence,
    wrong_files_dates_and_callers_are_refused_at_once,
    a_mineral_without_a_configured_density_is_refused_with_the_fix,
    a_cancelled_analysis_runs_again_and_a_dead_workers_job_is_taken_over,
);
