//! A worker killed mid-job (SIGKILL, nothing flushed) on PostgreSQL: another `orewatch worker` process
//! takes the job over when its lease expires and completes it exactly once — one result, one set of
//! proposals, one `analysis.finish` in the audit chain, figures equal to the engine's on the same files.

use orewatch_app::password::HashCost;
use orewatch_app::registry::input::{LicenceInput, MineInput};
use orewatch_app::surveys::{self, StagedFile, SurveyInput};
use orewatch_app::{App, Caller, Settings, SystemClock};
use orewatch_domain::penalty::MineralPrice;
use orewatch_domain::survey::{AnalysisState, JobState};
use orewatch_domain::AnalysisId;
use orewatch_domain::{AuditAction, RecordType};
use orewatch_spatial::crs::ProjectedCrs;
use orewatch_spatial::geotiff::GridGeometry;
use orewatch_storage::jobs::{self, Subject};
use orewatch_testkit::survey::quarry_boundary;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Cells a side of the generated DEMs: 0.2 m cells over 500 m, so one analysis takes the debug-built
/// worker several seconds (long enough to be killed in the middle).
const SIDE: usize = 2500;
const CELL_M: f64 = 0.2;

fn grid() -> GridGeometry {
    GridGeometry {
        width: SIDE,
        height: SIDE,
        left_m: 37_373_000.0,
        top_m: 2_708_800.0,
        cell_x_m: CELL_M,
        cell_y_m: CELL_M,
    }
}

/// A flat bench at 300 m; the later survey has a 6 m pit inside the licence and a 2 m dig outside its
/// south-west corner.
fn write_survey(dir: &Path, name: &str, later: bool) -> StagedFile {
    let g = grid();
    let mut values = vec![300.0f32; SIDE * SIDE];
    if later {
        for r in 0..SIDE {
            let n = g.top_m - (r as f64 + 0.5) * CELL_M;
            for c in 0..SIDE {
                let e = g.left_m + (c as f64 + 0.5) * CELL_M;
                let pit = (373_200.0..373_300.0).contains(&(e - 37_000_000.0))
                    && (2_708_500.0..2_708_600.0).contains(&n);
                let dig = (373_020.0..373_050.0).contains(&(e - 37_000_000.0))
                    && (2_708_380.0..2_708_400.0).contains(&n);
                if pit {
                    values[r * SIDE + c] = 294.0;
                } else if dig {
                    values[r * SIDE + c] = 298.0;
                }
            }
        }
    }
    let path = dir.join(name);
    orewatch_spatial::dem_writer::write_dem(&path, &g, &ProjectedCrs::from_epsg(4525).unwrap(), &values)
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    StagedFile {
        name: name.to_string(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        size_bytes: bytes.len() as u64,
        path,
    }
}

fn worker(url: &str, data_dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_orewatch"))
        .arg("worker")
        .current_dir(data_dir)
        .env("OREWATCH_DATABASE_URL", url)
        .env("OREWATCH_DATA_DIR", data_dir)
        .env("OREWATCH_JOB_LEASE_SECONDS", "3")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn job_of(app: &App, analysis: AnalysisId) -> jobs::Job {
    let mut conn = app.db.conn().await.unwrap();
    jobs::of_subject(&mut conn, Subject::SurveyAnalysis(analysis))
        .await
        .unwrap()
        .unwrap()
}

/// Waits up to `limit` for the job to satisfy `done`.
async fn wait_for(
    app: &App,
    analysis: AnalysisId,
    limit: Duration,
    done: impl Fn(&jobs::Job) -> bool,
) -> jobs::Job {
    let start = Instant::now();
    loop {
        let job = job_of(app, analysis).await;
        if done(&job) {
            return job;
        }
        assert!(start.elapsed() < limit, "gave up waiting: {job:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn caller(app: &App, username: &str) -> Caller {
    orewatch_app::accounts::caller_of(
        &orewatch_app::accounts::find_by_username(app, &Caller::system(), username)
            .await
            .unwrap()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_job_is_replaced_and_the_job_completes_once() {
    let Some(test_db) = orewatch_testkit::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut settings = Settings {
        password: HashCost::for_tests(),
        ..Settings::default()
    };
    settings.cases.prices.0.insert(
        "建筑用灰岩".into(),
        MineralPrice {
            density_t_m3: 2.7,
            price_fen_t: 4_500,
        },
    );
    // The same file store as the worker processes: `data_dir/files`.
    settings.files = orewatch_storage::files::FileBackend::Local(data.join("files"));
    settings.surveys.scratch_dir = data.join("scratch");
    let app = App::new(test_db.db.clone(), Arc::new(SystemClock), settings).unwrap();
    orewatch_app::bootstrap::prepare(&app).await.unwrap();
    orewatch_app::demo::load_people_if_empty(&app).await.unwrap();
    orewatch_app::demo::load_registry_if_empty(&app).await.unwrap();
    let office = caller(&app, "office").await;
    let first = {
        let mut conn = app.db.conn().await.unwrap();
        orewatch_storage::mines::all(&mut conn).await.unwrap().remove(0)
    };
    let mine = orewatch_app::registry::mines::create(
        &app,
        &office,
        &MineInput {
            name: "示例建筑用灰岩矿（崩溃测试）",
            township: &first.township,
            mineral: "建筑用灰岩",
            method: "露天",
            status: "生产",
            company: &first.company_code,
            area_agency: "",
            supervisor: "",
        },
    )
    .await
    .unwrap();
    orewatch_app::registry::licences::create(
        &app,
        &office,
        mine,
        &LicenceInput {
            kind: "采矿权",
            licence_no: "C4502232009127130012001",
            holder: &first.company_code,
            mineral: "建筑用灰岩",
            method: "露天",
            scale: "300",
            scale_unit: "万吨/年",
            declared_area_km2: "0.0712",
            valid_from: "2021-03-01",
            valid_to: "2027-02-28",
            boundary: &quarry_boundary(),
            override_reason: "崩溃测试矿山",
            confirm_outside: true,
        },
    )
    .await
    .unwrap();
    let input = |flown_on| SurveyInput {
        flown_on,
        contractor: "测绘院",
        method: "lidar",
        classified: false,
        cell_m: "",
    };
    let before = write_survey(dir.path(), "before.tif", false);
    surveys::record(&app, &office, mine, &input("2025-01-01"), &before)
        .await
        .unwrap();
    let after = write_survey(dir.path(), "after.tif", true);
    let analysis = surveys::record(&app, &office, mine, &input("2025-04-01"), &after)
        .await
        .unwrap()
        .analysis_id
        .unwrap();

    // Worker A claims the job and is killed while it runs.
    let mut a = worker(&test_db.url, &data);
    let a_pid = a.id().to_string();
    let claimed = wait_for(&app, analysis, Duration::from_secs(60), |j| {
        j.state == JobState::Running
            && j.lease_holder
                .as_deref()
                .is_some_and(|h| h.ends_with(&format!("-{a_pid}")))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.kill().unwrap();
    a.wait().unwrap();
    let orphaned = job_of(&app, analysis).await;
    assert_eq!(
        orphaned.state,
        JobState::Running,
        "the job must still be running when its worker dies (make the DEMs larger): {orphaned:?}"
    );
    assert_eq!(orphaned.attempts, 1);

    // Worker B takes it over once the lease has expired, and completes it.
    let mut b = worker(&test_db.url, &data);
    let b_pid = b.id().to_string();
    let done = wait_for(&app, analysis, Duration::from_secs(180), |j| {
        j.state.is_finished()
    })
    .await;
    let _ = Command::new("kill").args(["-TERM", &b_pid]).status();
    let _ = b.wait();
    assert_eq!(done.state, JobState::Done, "{done:?}");
    assert_eq!(done.attempts, 2, "claimed by A, then once by B");
    assert!(
        done.lease_holder
            .as_deref()
            .is_some_and(|h| h.ends_with(&format!("-{b_pid}"))),
        "{done:?} (A was {})",
        claimed.lease_holder.unwrap_or_default()
    );

    // Exactly one result: one finish in the audit chain, one proposal per engine finding.
    let view = surveys::analysis(&app, &office, analysis).await.unwrap();
    assert_eq!(view.analysis.state, AnalysisState::Done);
    let figures = view.figures.unwrap();
    let mut conn = app.db.conn().await.unwrap();
    let finishes = orewatch_storage::audit::list(
        &mut conn,
        &orewatch_storage::audit::AuditFilter {
            record_type: Some(RecordType::SurveyAnalysis),
            record_id: Some(analysis.to_string()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .iter()
    .filter(|e| e.row.action == AuditAction::AnalysisFinish)
    .count();
    assert_eq!(finishes, 1);
    let proposals = orewatch_storage::proposals::of_analysis(&mut conn, analysis)
        .await
        .unwrap();
    drop(conn);
    let kinds: Vec<&str> = proposals.iter().map(|p| p.kind.as_str()).collect();
    let engine: Vec<&str> = figures.findings.iter().map(|f| f.kind.as_ref()).collect();
    assert_eq!(kinds, engine);
    assert!(kinds.contains(&"out_of_bounds"), "{kinds:?}");

    // The figures are the engine's on the same files: the 6 m pit of 100 × 100 m, the 2 m dig of
    // 30 × 20 m.
    assert!(
        (figures.inside.cut_m3 - 60_000.0).abs() < 1e-3,
        "{:?}",
        figures.inside
    );
    assert!(
        (figures.outside.cut_m3 - 1_200.0).abs() < 1e-3,
        "{:?}",
        figures.outside
    );
    let verification = orewatch_app::audit_log::verify(&app, &office, None)
        .await
        .unwrap();
    assert!(verification.intact(), "{:?}", verification.report);
    test_db.finish().await;
}
