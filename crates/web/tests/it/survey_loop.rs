//! Drone surveys in a real browser, on both backends (issue 14's scenario): the office uploads two
//! surveys of a quarry (the committed fixture, whose figures the independent numpy reference computed);
//! the analysis runs; the result page shows the figures and the overlay; two proposed findings are
//! confirmed onto the ledger and one is dismissed with a reason; a third survey shows the out-of-bounds
//! patch with no further cut, which the finding's page and the first result page then say.

use crate::browser::{
    browser_available, click, fill, open_browser, serve_app, shot, start_driver, wait_for_text,
};
use crate::inspection_loop::{caller, flash, log_in, open_details_of, submit};
use fantoccini::{Client, Locator};
use orewatch_app::password::HashCost;
use orewatch_app::registry::input::{LicenceInput, MineInput};
use orewatch_app::surveys::worker::{self, Ran};
use orewatch_app::{App, Db, Settings, SystemClock};
use orewatch_domain::proposal::ProposalKind;
use orewatch_testkit::on_both_backends;
use orewatch_testkit::survey::quarry_boundary;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn quarry(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/survey/quarry")
        .join(name)
}

/// A third flight: the later surface as it was, but one cell inside the licence 0.2 m lower (under the
/// change threshold), written by the platform's own DEM writer.
fn third_flight(dir: &Path) -> PathBuf {
    let mut reader = orewatch_spatial::geotiff::DemReader::open(&quarry("after.tif")).unwrap();
    let info = reader.info().clone();
    let mut values: Vec<f32> = reader.read_all().unwrap().iter().map(|&v| v as f32).collect();
    let centre = info.grid.width * (info.grid.height / 2) + info.grid.width / 2;
    values[centre] -= 0.2;
    let path = dir.join("第三期航测.tif");
    orewatch_spatial::dem_writer::write_dem(&path, &info.grid, &info.crs, &values).unwrap();
    path
}

/// The demo county with a quarry mine under the fixture's licence; returns the app and the mine's id.
async fn county_with_quarry(db: Db) -> (App, i64) {
    let mut settings = Settings {
        password: HashCost::for_tests(),
        ..Settings::default()
    };
    orewatch_app::demo::apply_demo_prices(&mut settings);
    let scratch = orewatch_testkit::tempfile::tempdir().unwrap().keep();
    settings.surveys.scratch_dir = scratch.join("work");
    settings.files = orewatch_storage::files::FileBackend::Local(scratch.join("files"));
    let app = App::new(db, Arc::new(SystemClock), settings).unwrap();
    orewatch_app::bootstrap::prepare(&app).await.unwrap();
    orewatch_app::demo::load_people_if_empty(&app).await.unwrap();
    orewatch_app::demo::load_registry_if_empty(&app).await.unwrap();
    let office = caller(&app, "office").await;
    // The quarry belongs to a demo company, in a demo township.
    let first = {
        let mut conn = app.db.conn().await.unwrap();
        orewatch_storage::mines::all(&mut conn).await.unwrap().remove(0)
    };
    let holder = first.company_code.clone();
    let mine = orewatch_app::registry::mines::create(
        &app,
        &office,
        &MineInput {
            name: "示例建筑用灰岩矿（航测）",
            township: &first.township,
            mineral: "建筑用灰岩",
            method: "露天",
            status: "生产",
            company: &holder,
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
            holder: &holder,
            mineral: "建筑用灰岩",
            method: "露天",
            scale: "300",
            scale_unit: "万吨/年",
            declared_area_km2: "0.0712",
            valid_from: "2021-03-01",
            valid_to: "2027-02-28",
            boundary: &quarry_boundary(),
            override_reason: "航测示例矿山，范围以许可证为准",
            confirm_outside: true,
        },
    )
    .await
    .unwrap();
    (app, mine.0)
}

/// Uploads a survey through the mine's form and waits for the next page; `chunked` sends it through
/// the script's resumable upload (as a file above the form's threshold would go).
async fn upload(client: &Client, base: &str, mine: i64, flown_on: &str, file: &Path, chunked: bool) {
    client
        .goto(&format!("{base}/mines/{mine}/surveys"))
        .await
        .unwrap();
    if chunked {
        client
            .execute(
                "document.getElementById('survey-form').setAttribute('data-threshold', '0');",
                vec![],
            )
            .await
            .unwrap();
    }
    client
        .execute(
            "document.getElementById('flown_on').value = arguments[0];",
            vec![flown_on.into()],
        )
        .await
        .unwrap();
    fill(client, "contractor", "广西某测绘有限公司").await;
    click(client, Locator::Css("#method option[value='uav_photogrammetry']")).await;
    client
        .find(Locator::Id("dem"))
        .await
        .unwrap()
        .send_keys(&file.canonicalize().unwrap().display().to_string())
        .await
        .unwrap();
    submit(client, "record-survey").await;
}

async fn the_office_confirms_a_surveys_findings_and_a_re_flight_shows_no_further_cut(db: Db) {
    if !browser_available() {
        return;
    }
    let (app, mine) = county_with_quarry(db).await;
    let addr = serve_app(app.clone()).await;
    let base = format!("http://{addr}");
    let driver = start_driver().await;
    let client = open_browser(&driver).await;
    let dir = orewatch_testkit::tempfile::tempdir().unwrap();

    // 1. Two surveys; the second queues an analysis, which a worker runs.
    log_in(&client, &base, "office").await;
    upload(&client, &base, mine, "2025-01-01", &quarry("before.tif"), false).await;
    flash(&client).await;
    upload(&client, &base, mine, "2025-04-01", &quarry("after.tif"), false).await;
    flash(&client).await;
    let url = client.current_url().await.unwrap();
    assert!(url.path().starts_with("/analyses/"), "{url}");
    let analysis = orewatch_domain::AnalysisId::parse(url.path().rsplit('/').next().unwrap()).unwrap();
    assert!(wait_for_text(&client, "#state", "分析中").await);
    assert!(matches!(
        worker::run_once(&app, "browser").await.unwrap(),
        Ran::Done { .. }
    ));

    // 2. The result page: figures and the overlay on the change map.
    client.goto(&format!("{base}/analyses/{analysis}")).await.unwrap();
    assert!(wait_for_text(&client, "#state", "已完成").await);
    let figures = client
        .find(Locator::Id("figures"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(figures.contains("矿区范围外挖方（越界）"), "{figures}");
    client.find(Locator::Css("#change-map svg image")).await.unwrap();
    client
        .find(Locator::Css("#change-map a[href='#patch-1'] path.overlay-patch"))
        .await
        .unwrap();
    click(&client, Locator::Css("#change-map a[href='#patch-1']")).await;
    assert!(client.current_url().await.unwrap().as_str().ends_with("#patch-1"));
    shot(&client, "survey-result").await;

    // 3. Two proposals confirmed onto the ledger, one dismissed with a reason.
    let proposals = {
        let mut conn = app.db.conn().await.unwrap();
        orewatch_storage::proposals::of_analysis(&mut conn, analysis)
            .await
            .unwrap()
    };
    let id_of = |kind: ProposalKind| proposals.iter().find(|p| p.kind == kind).unwrap().id;
    let (oob, floor, over) = (
        id_of(ProposalKind::OutOfBounds),
        id_of(ProposalKind::BelowFloor),
        id_of(ProposalKind::OverQuantity),
    );
    for id in [oob, floor] {
        open_details_of(&client, &format!("confirm-{id}")).await;
        click(
            &client,
            Locator::Css(&format!("#severity-{id} option[value='major']")),
        )
        .await;
        submit(&client, &format!("confirm-{id}-submit")).await;
        flash(&client).await;
        assert!(wait_for_text(&client, &format!("#proposal-{id}-state"), "已确认").await);
    }
    // A dismissal without a reason is refused and changes nothing.
    open_details_of(&client, &format!("dismiss-{over}")).await;
    client
        .execute(
            "document.getElementById(arguments[0]).removeAttribute('required');",
            vec![format!("reason-{over}").into()],
        )
        .await
        .unwrap();
    submit(&client, &format!("dismiss-{over}-submit")).await;
    assert!(wait_for_text(&client, &format!("#proposal-{over}-errors"), "必填").await);
    fill(
        &client,
        &format!("reason-{over}"),
        "测量期内含上年度结转量，经核实未超量",
    )
    .await;
    submit(&client, &format!("dismiss-{over}-submit")).await;
    flash(&client).await;
    assert!(wait_for_text(&client, &format!("#proposal-{over}-state"), "已排除").await);
    shot(&client, "survey-proposals").await;
    // The out-of-bounds finding is on the ledger, from monitoring, with its volume.
    click(&client, Locator::Id(&format!("proposal-{oob}-finding"))).await;
    assert!(wait_for_text(&client, "#monitoring", "无人机测量发现").await);
    let volume = client
        .find(Locator::Id("monitoring-volume"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(volume.ends_with("m³"), "{volume}");
    assert!(wait_for_text(&client, "#monitoring-reflight", "尚无后一期").await);
    let finding_url = client.current_url().await.unwrap();

    // 4. A third survey, sent in resumable chunks: the out-of-bounds patch shows no further cut.
    upload(
        &client,
        &base,
        mine,
        "2025-07-01",
        &third_flight(dir.path()),
        true,
    )
    .await;
    flash(&client).await;
    assert!(matches!(
        worker::run_once(&app, "browser").await.unwrap(),
        Ran::Done { .. }
    ));
    client.goto(finding_url.as_str()).await.unwrap();
    assert!(wait_for_text(&client, "#monitoring-reflight", "原图斑内未继续开采").await);
    client.goto(&format!("{base}/analyses/{analysis}")).await.unwrap();
    assert!(
        wait_for_text(
            &client,
            &format!("#proposal-{oob}-reflight"),
            "原图斑内未继续开采"
        )
        .await
    );
    shot(&client, "survey-reflight").await;
    client.close().await.unwrap();
}

on_both_backends!(the_office_confirms_a_surveys_findings_and_a_re_flight_shows_no_further_cut);
