//! The whole loop in a real browser, on both backends: the annual plan drafted, returned, resubmitted
//! and approved; a joint inspection of two agencies whose heads approve and whose officers fill in the
//! checklist with a photo and sign; two findings, one verified by another person and closed, the other
//! overdue as the test clock moves — at the agency head at +3 days, in the office's inbox at +7 — and
//! listed for supervision.

use crate::browser::{
    browser_available, click, fill, open_browser, serve_app, shot, start_driver, text_of, wait_for_text,
};
use chrono::{Duration, TimeZone, Utc};
use fantoccini::{Client, Locator};
use orewatch_app::password::HashCost;
use orewatch_app::{App, Caller, Db, ManualClock, Settings};
use orewatch_testkit::on_both_backends;
use std::sync::Arc;

const PHOTO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/photos/DSCN0010.jpg");

pub(crate) async fn log_in(client: &Client, base: &str, username: &str) {
    // A fresh session each time: log out whoever was in.
    client.goto(&format!("{base}/login")).await.unwrap();
    if client.find(Locator::Id("logout")).await.is_ok() {
        click(client, Locator::Id("logout")).await;
        client.goto(&format!("{base}/login")).await.unwrap();
    }
    // On a busy machine the logout's redirect may still be arriving: wait for the login form.
    client.wait().for_element(Locator::Id("username")).await.unwrap();
    fill(client, "username", username).await;
    fill(client, "password", orewatch_app::demo::DEMO_PASSWORD).await;
    click(client, Locator::Id("login-submit")).await;
    client.wait().for_element(Locator::Id("logout")).await.unwrap();
}

/// Logs in as `username` and opens `path`.
pub(crate) async fn open_as(client: &Client, base: &str, username: &str, path: &str) {
    log_in(client, base, username).await;
    client.goto(&format!("{base}{path}")).await.unwrap();
}

/// Submits a form and waits for the page that says it was saved.
pub(crate) async fn submit_saved(client: &Client, id: &str) {
    submit(client, id).await;
    flash(client).await;
}

/// Opens the `<details>` holding the form with this id.
pub(crate) async fn open_details_of(client: &Client, form: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).closest('details').open = true;",
            vec![form.into()],
        )
        .await
        .unwrap();
}

/// Marks the page, so [`wait_for_next_page`] can tell when a submit has replaced it (a notice on the old
/// page must not pass for the new page's).
pub(crate) async fn mark_page(client: &Client) {
    client
        .execute("window.__orewatchOld = true;", vec![])
        .await
        .unwrap();
}

pub(crate) async fn wait_for_next_page(client: &Client) {
    for _ in 0..100 {
        let old = client
            .execute("return window.__orewatchOld === true;", vec![])
            .await
            .map(|v| v.as_bool() == Some(true))
            .unwrap_or(true);
        if !old {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the page was not replaced");
}

/// Clicks a submit button and waits for the page it leads to.
pub(crate) async fn submit(client: &Client, id: &str) {
    mark_page(client).await;
    click(client, Locator::Id(id)).await;
    wait_for_next_page(client).await;
}

/// Clicks a button that asks for confirmation, accepts the dialog and waits for the next page.
pub(crate) async fn click_confirmed(client: &Client, id: &str) {
    mark_page(client).await;
    click(client, Locator::Id(id)).await;
    for _ in 0..50 {
        if client.accept_alert().await.is_ok() {
            wait_for_next_page(client).await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{id} asked for no confirmation");
}

pub(crate) async fn set_value(client: &Client, id: &str, value: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![id.into(), value.into()],
        )
        .await
        .unwrap();
}

async fn tick_all(client: &Client, prefix: &str) {
    client
        .execute(
            "document.querySelectorAll('input[name^=\"' + arguments[0] + '\"]').forEach(function (c) { c.checked = true; });",
            vec![prefix.into()],
        )
        .await
        .unwrap();
}

pub(crate) async fn tick(client: &Client, name: &str) {
    click(client, Locator::Css(&format!("input[name='{name}']"))).await;
}

pub(crate) async fn flash(client: &Client) {
    client.wait().for_element(Locator::Id("flash")).await.unwrap();
}

/// The id at the end of the current URL's path.
pub(crate) async fn current_id(client: &Client) -> i64 {
    let url = client.current_url().await.unwrap();
    url.path().rsplit('/').next().unwrap().parse().unwrap()
}

async fn add_quarter(client: &Client, base: &str, plan: i64, quarter: &str) {
    client.goto(&format!("{base}/plans/{plan}")).await.unwrap();
    click(
        client,
        Locator::Css(&format!("#quarter option[value='{quarter}']")),
    )
    .await;
    click(client, Locator::Css("#lead option[value='nr']")).await;
    fill(client, "title", &format!("第{quarter}季度联合检查")).await;
    tick(client, "agency_ps").await;
    tick(client, "agency_em").await;
    tick(client, "focus_open_pit").await;
    tick_all(client, "mine_").await;
    submit(client, "add-item").await;
    flash(client).await;
}

/// Fills an act's checklist: everything compliant but the first item, a problem with `note`; the site
/// details; one photo; then signs it.
async fn fill_and_sign(client: &Client, base: &str, act: orewatch_domain::ActId, note: &str) {
    client.goto(&format!("{base}/acts/{act}")).await.unwrap();
    client
        .execute(
            "document.querySelectorAll('select[name^=\"result_\"]').forEach(function (s) { s.value = 'compliant'; });",
            vec![],
        )
        .await
        .unwrap();
    set_value(client, "result-1", "problem").await;
    fill(client, "note-1", note).await;
    fill(client, "place", "矿区采场").await;
    fill(client, "person_on_site", "矿长 张三").await;
    set_value(client, "started_at", "2026-11-28T09:00").await;
    set_value(client, "ended_at", "2026-11-28T11:00").await;
    fill(client, "summary", "检查采场、边坡和炸药库").await;
    submit(client, "save-act").await;
    flash(client).await;
    // The photo, on the first item.
    let path = std::fs::canonicalize(PHOTO).unwrap();
    client
        .find(Locator::Id("photo"))
        .await
        .unwrap()
        .send_keys(&path.display().to_string())
        .await
        .unwrap();
    click(client, Locator::Css("#photo-item option:nth-child(2)")).await;
    submit(client, "upload-photo").await;
    flash(client).await;
    assert!(
        text_of(client, "#photos").await.contains("43.467448"),
        "the photo keeps its GPS position"
    );
    shot(client, "loop-act-filled").await;
    click_confirmed(client, "sign-act").await;
    flash(client).await;
    assert!(wait_for_text(client, "#act-state", "已签署").await);
}

async fn to_ledger(client: &Client, base: &str, act: orewatch_domain::ActId, deadline: &str) -> i64 {
    client.goto(&format!("{base}/acts/{act}")).await.unwrap();
    click(client, Locator::Css("#finding-item option:nth-child(2)")).await;
    set_value(client, "deadline_on", deadline).await;
    fill(client, "measures", "按设计整改").await;
    submit(client, "to-ledger").await;
    flash(client).await;
    let link = client
        .find(Locator::Css("#checklist a[href^='/findings/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    link.rsplit('/').next().unwrap().parse().unwrap()
}

async fn the_whole_loop_runs_in_a_browser(db: Db) {
    if !browser_available() {
        return;
    }
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 28, 1, 0, 0).single().unwrap(),
    ));
    let app = App::new(
        db,
        clock.clone(),
        Settings {
            password: HashCost::for_tests(),
            ..Settings::default()
        },
    )
    .unwrap();
    orewatch_app::bootstrap::prepare(&app).await.unwrap();
    orewatch_app::demo::load_people_if_empty(&app).await.unwrap();
    orewatch_app::demo::load_registry_if_empty(&app).await.unwrap();
    // The inspector register: both people of the two agencies hold cards.
    let office = caller(&app, "office").await;
    for (n, who) in ["ps_officer", "ps_head", "em_officer", "em_head"]
        .iter()
        .enumerate()
    {
        let id = caller(&app, who).await.account_id().unwrap().0.to_string();
        orewatch_app::inspections::register::register_card(
            &app,
            &office,
            &orewatch_app::inspections::register::CardInput {
                account: &id,
                card_no: &format!("450299{n:02}"),
                valid_until: "2029-12-31",
                recusals: "",
            },
        )
        .await
        .unwrap();
    }
    let addr = serve_app(app.clone()).await;
    let base = format!("http://{addr}");
    let driver = start_driver().await;
    let client = open_browser(&driver).await;

    // 1. The office drafts the 2027 plan; the county government returns it; it is resubmitted and
    //    approved.
    open_as(&client, &base, "office", "/plans").await;
    set_value(&client, "year", "2027").await;
    submit_saved(&client, "create-plan").await;
    let plan = current_id(&client).await;
    for q in ["1", "2", "3"] {
        add_quarter(&client, &base, plan, q).await;
    }
    // Three quarters only: the submission is refused, naming the missing one.
    click_confirmed(&client, "submit-plan").await;
    assert!(wait_for_text(&client, "#form-errors", "第4季度").await);
    add_quarter(&client, &base, plan, "4").await;
    shot(&client, "loop-plan-draft").await;
    click_confirmed(&client, "submit-plan").await;
    flash(&client).await;
    assert!(wait_for_text(&client, "#plan-state", "待审批").await);

    log_in(&client, &base, "county").await;
    assert!(wait_for_text(&client, "#inbox-table", "审批2027年度联合检查计划").await);
    client.goto(&format!("{base}/plans/{plan}")).await.unwrap();
    submit(&client, "return-plan").await;
    // Returning needs comments: the same page comes back saying so, the plan still waiting (wait for
    // it, the click's navigation may not have finished).
    assert!(wait_for_text(&client, "#form-errors", "必填").await);
    assert!(text_of(&client, "#plan-state").await.contains("待审批"));
    client.goto(&format!("{base}/plans/{plan}")).await.unwrap();
    fill(&client, "comments", "请在第三季度增加林业部门").await;
    submit_saved(&client, "return-plan").await;
    assert!(wait_for_text(&client, "#plan-state", "已退回").await);

    open_as(&client, &base, "office", &format!("/plans/{plan}")).await;
    assert!(text_of(&client, "#plan-comments").await.contains("林业部门"));
    click_confirmed(&client, "submit-plan").await;
    flash(&client).await;
    open_as(&client, &base, "county", &format!("/plans/{plan}")).await;
    fill(&client, "comments", "同意").await;
    submit_saved(&client, "approve-plan").await;
    assert!(wait_for_text(&client, "#plan-state", "已批准").await);
    shot(&client, "loop-plan-approved").await;

    // 2. A joint inspection of public security and emergency management at one mine, today.
    let mine = {
        let mut conn = app.db.conn().await.unwrap();
        orewatch_storage::mines::all(&mut conn).await.unwrap()[0].id.0
    };
    open_as(&client, &base, "office", "/inspections/new").await;
    fill(&client, "title", "2026年11月联合检查").await;
    set_value(&client, "inspect_on", "2026-11-28").await;
    click(&client, Locator::Css("#lead option[value='ps']")).await;
    tick(&client, "agency_em").await;
    tick(&client, &format!("mine_{mine}")).await;
    submit_saved(&client, "schedule").await;
    let inspection = orewatch_domain::InspectionId(current_id(&client).await);
    let acts = orewatch_app::inspections::acts::show(&app, &office, inspection)
        .await
        .unwrap()
        .acts;
    assert_eq!(acts.len(), 2);
    let act_of = |agency: &str| acts.iter().find(|a| a.agency.as_str() == agency).unwrap().id;
    let (ps_act, em_act) = (act_of("ps"), act_of("em"));

    for agency in ["ps", "em"] {
        let act = act_of(agency);
        log_in(&client, &base, &format!("{agency}_head")).await;
        assert!(wait_for_text(&client, "#inbox-table", "审批检查").await);
        client.goto(&format!("{base}/acts/{act}")).await.unwrap();
        let officer = caller(&app, &format!("{agency}_officer"))
            .await
            .account_id()
            .unwrap()
            .0;
        let head = caller(&app, &format!("{agency}_head"))
            .await
            .account_id()
            .unwrap()
            .0;
        tick(&client, &format!("officer_{officer}")).await;
        tick(&client, &format!("officer_{head}")).await;
        submit_saved(&client, "approve-act").await;
        assert!(text_of(&client, "#act-doc-no").await.contains("检〔2026〕"));
    }

    log_in(&client, &base, "ps_officer").await;
    fill_and_sign(&client, &base, ps_act, "炸药库台账与库存不符").await;
    let first = to_ledger(&client, &base, ps_act, "2026-12-20").await;
    log_in(&client, &base, "em_officer").await;
    fill_and_sign(&client, &base, em_act, "边坡台阶高度超过设计").await;
    let second = to_ledger(&client, &base, em_act, "2026-12-10").await;
    client
        .goto(&format!("{base}/inspections/{inspection}"))
        .await
        .unwrap();
    assert!(wait_for_text(&client, "#inspection-state", "已完成").await);
    client.goto(&format!("{base}/acts/{em_act}/print")).await.unwrap();
    assert!(text_of(&client, "#record").await.contains("边坡台阶高度超过设计"));
    shot(&client, "loop-act-print").await;

    // 3a. The first finding: notice, evidence, verified by another person, closed.
    open_as(&client, &base, "ps_officer", &format!("/findings/{first}")).await;
    click_confirmed(&client, "issue-notice").await;
    flash(&client).await;
    fill(&client, "note", "已重新盘点并建立双人签字制度").await;
    let path = std::fs::canonicalize(PHOTO).unwrap();
    client
        .find(Locator::Id("files"))
        .await
        .unwrap()
        .send_keys(&path.display().to_string())
        .await
        .unwrap();
    submit_saved(&client, "apply-closure").await;
    open_as(&client, &base, "ps_head", &format!("/findings/{first}")).await;
    submit_saved(&client, "start-review").await;
    fill(&client, "opinion", "经现场复查，整改到位").await;
    submit_saved(&client, "pass").await;
    assert!(wait_for_text(&client, "#finding-state", "已销号").await);

    // 3b. The second finding goes overdue as the clock moves: the head at +3, the office at +7, then
    //     listed for supervision.
    open_as(&client, &base, "em_officer", &format!("/findings/{second}")).await;
    click_confirmed(&client, "issue-notice").await;
    flash(&client).await;
    clock.set(Utc.with_ymd_and_hms(2026, 12, 14, 2, 0, 0).single().unwrap());
    orewatch_app::tasks::sweep(&app, "browser-test", Duration::minutes(5))
        .await
        .unwrap();
    log_in(&client, &base, "em_head").await;
    assert!(wait_for_text(&client, "#inbox-table", &format!("#{second}")).await);
    assert!(text_of(&client, "#inbox-table").await.contains("已报负责人"));
    shot(&client, "loop-head-inbox").await;
    log_in(&client, &base, "office").await;
    assert!(!text_of(&client, "#inbox").await.contains(&format!("#{second} ")));
    clock.set(Utc.with_ymd_and_hms(2026, 12, 18, 2, 0, 0).single().unwrap());
    orewatch_app::tasks::sweep(&app, "browser-test", Duration::minutes(5))
        .await
        .unwrap();
    // Four days on, the session has lapsed: log in again.
    log_in(&client, &base, "office").await;
    assert!(wait_for_text(&client, "#inbox-table", &format!("#{second}")).await);
    shot(&client, "loop-office-inbox").await;
    client.goto(&format!("{base}/findings/{second}")).await.unwrap();
    click(&client, Locator::Css("#steps details:last-of-type summary")).await;
    set_value(&client, "list-until", "2027-01-31").await;
    fill(&client, "list-reason", "逾期未整改，挂牌督办").await;
    submit_saved(&client, "list-finding").await;
    assert!(client.find(Locator::Id("finding-listed")).await.is_ok());
    shot(&client, "loop-listed").await;
    client.close().await.unwrap();
}

pub(crate) async fn caller(app: &App, username: &str) -> Caller {
    orewatch_app::accounts::caller_of(
        &orewatch_app::accounts::find_by_username(app, &Caller::system(), username)
            .await
            .unwrap()
            .unwrap(),
    )
}

on_both_backends!(the_whole_loop_runs_in_a_browser);
