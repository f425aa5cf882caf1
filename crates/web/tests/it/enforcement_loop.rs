//! Enforcement in a real browser, on both backends (issue 12's scenario, its first two steps): an
//! out-of-bounds finding opens a case whose estimated value passes the criminal threshold; the mine is
//! suspended, a power cut is served, and the power company's officer confirms it from the inbox.

use crate::browser::{
    browser_available, click, fill, open_browser, serve_app, shot, start_driver, wait_for_text,
};
use crate::inspection_loop::{caller, click_confirmed, current_id, flash, log_in, set_value, submit, tick};
use chrono::{TimeZone, Utc};
use fantoccini::{Client, Locator};
use orewatch_app::password::HashCost;
use orewatch_app::{App, Db, ManualClock, Settings};
use orewatch_testkit::on_both_backends;
use std::sync::Arc;

/// Opens the `<details>` holding the form with this id.
async fn open_details_of(client: &Client, form: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).closest('details').open = true;",
            vec![form.into()],
        )
        .await
        .unwrap();
}

async fn a_case_opens_from_a_finding_the_mine_is_suspended_and_the_power_company_confirms_the_cut(db: Db) {
    if !browser_available() {
        return;
    }
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 28, 1, 0, 0).single().unwrap(),
    ));
    let mut settings = Settings {
        password: HashCost::for_tests(),
        ..Settings::default()
    };
    orewatch_app::demo::apply_demo_prices(&mut settings);
    let app = App::new(db, clock.clone(), settings).unwrap();
    orewatch_app::bootstrap::prepare(&app).await.unwrap();
    orewatch_app::demo::load_people_if_empty(&app).await.unwrap();
    orewatch_app::demo::load_registry_if_empty(&app).await.unwrap();
    let office = caller(&app, "office").await;
    let mut team = Vec::new();
    for (n, who) in ["nr_officer", "nr_officer2"].iter().enumerate() {
        let id = caller(&app, who).await.account_id().unwrap().0.to_string();
        orewatch_app::inspections::register::register_card(
            &app,
            &office,
            &orewatch_app::inspections::register::CardInput {
                account: &id,
                card_no: &format!("450298{n:02}"),
                valid_until: "2029-12-31",
                recusals: "",
            },
        )
        .await
        .unwrap();
        team.push(id);
    }
    let (mine_id, mine) = {
        let mut conn = app.db.conn().await.unwrap();
        orewatch_storage::mines::all(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.status == orewatch_domain::mine::MineStatus::Producing)
            .map(|m| (m.id.0, m.name))
            .unwrap()
    };
    let finding = orewatch_app::ledger::findings::record(
        &app,
        &office,
        &orewatch_app::ledger::findings::FindingInput {
            mine: &mine,
            source: "monitoring",
            category: "out_of_bounds",
            description: "无人机监测发现东侧越出矿区范围开采",
            severity: "major",
            agency: "nr",
            deadline_on: "2027-06-30",
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let addr = serve_app(app.clone()).await;
    let base = format!("http://{addr}");
    let driver = start_driver().await;
    let client = open_browser(&driver).await;

    // 1. The natural-resources head files a case from the finding, with two carded officers.
    log_in(&client, &base, "nr_head").await;
    client.goto(&format!("{base}/findings/{finding}")).await.unwrap();
    click(&client, Locator::Id("file-case-from-finding")).await;
    client.wait().for_element(Locator::Id("file-case")).await.unwrap();
    for id in &team {
        tick(&client, &format!("officer_{id}")).await;
    }
    fill(&client, "cause", "越界开采").await;
    submit(&client, "file-case").await;
    flash(&client).await;
    let case = current_id(&client).await;
    assert!(wait_for_text(&client, "#case-state", "调查取证").await);

    // An officer estimates the value of the ore taken: over ¥100,000, labelled as an estimate.
    log_in(&client, &base, "nr_officer").await;
    client.goto(&format!("{base}/cases/{case}")).await.unwrap();
    open_details_of(&client, "estimate-form").await;
    fill(&client, "volume", "2000").await;
    fill(&client, "basis", "2026年第四季度无人机航测").await;
    submit(&client, "set-estimate").await;
    flash(&client).await;
    assert!(wait_for_text(&client, "#case-estimate", "估算，非认定价值").await);
    let value: i64 = {
        let mut conn = app.db.conn().await.unwrap();
        orewatch_storage::cases::find(&mut conn, case)
            .await
            .unwrap()
            .unwrap()
            .estimate
            .unwrap()
            .value_fen
    };
    assert!(value >= 10_000_000, "{value}");
    shot(&client, "enforcement-case-estimate").await;

    // 2. The head suspends the mine; a power cut before the suspension would have been refused.
    log_in(&client, &base, "nr_head").await;
    client.goto(&format!("{base}/cases/{case}")).await.unwrap();
    open_details_of(&client, "measure-form").await;
    set_value(&client, "m-kind", "power_cut").await;
    fill(&client, "m-basis", "越界开采，拒不停止").await;
    click_confirmed(&client, "take-measure").await;
    assert!(
        wait_for_text(
            &client,
            "#form-errors",
            "须在责令停产整顿决定已送达并执行后才能采取"
        )
        .await
    );
    client.goto(&format!("{base}/cases/{case}")).await.unwrap();
    open_details_of(&client, "measure-form").await;
    set_value(&client, "m-kind", "suspension").await;
    fill(&client, "m-basis", "越界开采，责令停产整顿").await;
    click_confirmed(&client, "take-measure").await;
    flash(&client).await;
    open_details_of(&client, "measure-form").await;
    set_value(&client, "m-kind", "power_cut").await;
    fill(&client, "m-basis", "停产整顿期间仍在开采，停止供电").await;
    click_confirmed(&client, "take-measure").await;
    flash(&client).await;
    assert!(wait_for_text(&client, "#measure-list", "待协助执行").await);
    client.goto(&format!("{base}/mines/{mine_id}")).await.unwrap();
    assert!(wait_for_text(&client, "#mine-measures", "责令停产整顿").await);
    assert!(wait_for_text(&client, "#mine-measures", "停止供电").await);

    // The power company's officer finds the notice in the inbox and confirms it.
    log_in(&client, &base, "pw_officer").await;
    client.goto(&format!("{base}/")).await.unwrap();
    click(&client, Locator::XPath("//table//a[contains(., '停止供电')]")).await;
    client.wait().for_element(Locator::Id("measures")).await.unwrap();
    let confirm = client
        .find(Locator::Css("button[id^='confirm-measure-']"))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    submit(&client, &confirm).await;
    flash(&client).await;
    assert!(!wait_for_text(&client, "#measure-list", "待协助执行").await);
    assert!(wait_for_text(&client, "#measure-list", "执行中").await);
    shot(&client, "enforcement-power-confirmed").await;
    client.close().await.unwrap();
}

on_both_backends!(a_case_opens_from_a_finding_the_mine_is_suspended_and_the_power_company_confirms_the_cut);
