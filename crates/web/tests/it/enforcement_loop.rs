//! Enforcement in a real browser, on both backends (issue 12's scenario): an
//! out-of-bounds finding opens a case whose estimated value passes the criminal threshold; the mine is
//! suspended, a power cut is served, and the power company's officer confirms it from the inbox; the
//! case is referred — approved by the head, acknowledged and filed by public security, its result fed
//! back; a second case ends in a fine with no referral, the 应移未移 flag reaches the leaders' inbox and
//! the head disposes of it with a reason; a consultation decides two tasks, one done by its owner, the
//! other overdue and escalated to the leaders.

use crate::browser::{
    browser_available, click, fill, open_browser, serve_app, shot, start_driver, wait_for_text,
};
use crate::inspection_loop::{
    caller, click_confirmed, current_id, flash, open_as, open_details_of, set_value, submit, submit_saved,
    tick,
};
use chrono::{TimeZone, Utc};
use fantoccini::Locator;
use orewatch_app::password::HashCost;
use orewatch_app::{App, Db, ManualClock, Settings};
use orewatch_testkit::on_both_backends;
use std::sync::Arc;

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
    open_as(&client, &base, "nr_head", &format!("/findings/{finding}")).await;
    click(&client, Locator::Id("file-case-from-finding")).await;
    client.wait().for_element(Locator::Id("file-case")).await.unwrap();
    for id in &team {
        tick(&client, &format!("officer_{id}")).await;
    }
    fill(&client, "cause", "越界开采").await;
    submit_saved(&client, "file-case").await;
    let case = current_id(&client).await;
    assert!(wait_for_text(&client, "#case-state", "调查取证").await);

    // An officer estimates the value of the ore taken: over ¥100,000, labelled as an estimate.
    open_as(&client, &base, "nr_officer", &format!("/cases/{case}")).await;
    open_details_of(&client, "estimate-form").await;
    fill(&client, "volume", "2000").await;
    fill(&client, "basis", "2026年第四季度无人机航测").await;
    submit_saved(&client, "set-estimate").await;
    assert!(wait_for_text(&client, "#case-estimate", "估算，非认定价值").await);
    let value: i64 = {
        let mut conn = app.db.conn().await.unwrap();
        orewatch_storage::cases::find(&mut conn, orewatch_domain::CaseId(case))
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
    open_as(&client, &base, "nr_head", &format!("/cases/{case}")).await;
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
    open_as(&client, &base, "pw_officer", "/").await;
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

    // 3. The team reports the case for referral to public security; the head approves; the team
    //    transfers it with its package.
    open_as(&client, &base, "nr_officer", &format!("/cases/{case}")).await;
    open_details_of(&client, "refer-form").await;
    set_value(&client, "receiver", "ps").await;
    fill(
        &client,
        "report",
        "越界开采灰岩约2000立方米，估算价值超过10万元，涉嫌非法采矿罪",
    )
    .await;
    submit_saved(&client, "report-referral").await;
    let referral = current_id(&client).await;
    assert!(wait_for_text(&client, "#referral-state", "报请审批").await);
    open_as(&client, &base, "nr_head", &format!("/referrals/{referral}")).await;
    submit_saved(&client, "do-approve").await;
    open_as(&client, &base, "nr_officer", &format!("/referrals/{referral}")).await;
    fill(&client, "items", "挖掘机1台（已查封）").await;
    fill(&client, "no_appraisal_reason", "价格认定已委托，意见出具后补送").await;
    submit_saved(&client, "do-transfer").await;
    assert!(wait_for_text(&client, "#referral-state", "已移送").await);
    assert!(wait_for_text(&client, "#checklist", "涉案物品清单").await);

    // Public security finds it in the inbox, acknowledges and files it; the team hands the items over
    // and public security feeds the result back.
    open_as(&client, &base, "ps_officer", "/").await;
    click(&client, Locator::XPath("//table//a[contains(., '移送')]")).await;
    client
        .wait()
        .for_element(Locator::Id("do-acknowledge"))
        .await
        .unwrap();
    submit_saved(&client, "do-acknowledge").await;
    fill(&client, "police_case_no", "鹿公立字〔2026〕77号").await;
    submit_saved(&client, "do-file").await;
    open_as(&client, &base, "nr_officer", &format!("/referrals/{referral}")).await;
    submit_saved(&client, "do-hand_over").await;
    open_as(&client, &base, "ps_officer", &format!("/referrals/{referral}")).await;
    fill(&client, "note-feedback", "已侦查终结，移送审查起诉").await;
    submit_saved(&client, "do-feedback").await;
    assert!(wait_for_text(&client, "#referral-state", "已反馈结果").await);
    assert!(wait_for_text(&client, "#police-case-no", "鹿公立字〔2026〕77号").await);
    shot(&client, "enforcement-referral-concluded").await;

    // 4. A second case over the threshold ends in a fine with no referral: 以罚代刑.
    let (second_mine, second_finding) = {
        let mut conn = app.db.conn().await.unwrap();
        let other = orewatch_storage::mines::all(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.id.0 != mine_id && m.status == orewatch_domain::mine::MineStatus::Producing)
            .unwrap()
            .name;
        drop(conn);
        let f = orewatch_app::ledger::findings::record(
            &app,
            &office,
            &orewatch_app::ledger::findings::FindingInput {
                mine: &other,
                source: "monitoring",
                category: "unlicensed",
                description: "采矿许可证过期后继续开采",
                severity: "major",
                agency: "nr",
                deadline_on: "2027-06-30",
                ..Default::default()
            },
        )
        .await
        .unwrap();
        (other, f.to_string())
    };
    let head = caller(&app, "nr_head").await;
    let officer = caller(&app, "nr_officer").await;
    let second = orewatch_app::enforcement::cases::file(
        &app,
        &head,
        &orewatch_app::enforcement::cases::FileInput {
            mine: &second_mine,
            findings: vec![&second_finding],
            cause: "无证开采",
            major: "",
            officers: team.iter().map(String::as_str).collect(),
        },
    )
    .await
    .unwrap();
    use orewatch_app::enforcement::cases as case_cases;
    case_cases::estimate(&app, &officer, second, "3000", "无人机航测")
        .await
        .unwrap();
    case_cases::notify(
        &app,
        &officer,
        second,
        &case_cases::NoticeInput {
            facts: "采矿许可证过期后继续开采",
            evidence: "现场检查笔录",
            legal_basis: "《矿产资源法》",
            penalty: case_cases::PenaltyInput {
                kinds: vec!["fine"],
                fine: "50000",
                gains: "",
            },
            served_on: "",
        },
    )
    .await
    .unwrap();
    case_cases::record_defence(&app, &officer, second, "", "1", "")
        .await
        .unwrap();
    open_as(&client, &base, "nr_head", &format!("/cases/{second}")).await;
    click_confirmed(&client, "decide").await;
    flash(&client).await;
    assert!(wait_for_text(&client, "#referrals", "以罚代刑").await);

    // The flag is in the leaders' inbox at once; the leader reads it but cannot dispose of it.
    open_as(&client, &base, "leader", "/").await;
    click(&client, Locator::XPath("//table//a[contains(., '应移未移')]")).await;
    assert!(wait_for_text(&client, "#flag-rule", "以罚代刑").await);
    assert!(client.find(Locator::Id("dispose-form")).await.is_err());
    let flag = current_id(&client).await;
    shot(&client, "enforcement-flag").await;
    // The natural-resources head disposes of it in writing.
    open_as(&client, &base, "nr_head", &format!("/flags/{flag}")).await;
    fill(
        &client,
        "disposition",
        "经局务会研究，已补充移送县公安局；对承办人员作出书面检查",
    )
    .await;
    submit_saved(&client, "dispose").await;
    assert!(wait_for_text(&client, "#flag-state", "已处置").await);
    assert!(wait_for_text(&client, "#flag-disposition", "已补充移送县公安局").await);

    // 5. The office convenes a consultation with public security and the power company.
    open_as(&client, &base, "office", "/meetings").await;
    set_value(&client, "kind", "emergency").await;
    fill(&client, "title", "越界开采拒不停止问题紧急会商").await;
    set_value(&client, "held_on", "2026-11-28").await;
    fill(&client, "place", "县自然资源局三楼会议室").await;
    fill(&client, "chair", "副指挥长").await;
    client
        .execute(
            "document.querySelectorAll('input[name^=\"agency_\"]').forEach(function (c) { c.checked = c.name === 'agency_ps' || c.name === 'agency_pw'; });",
            vec![],
        )
        .await
        .unwrap();
    submit_saved(&client, "convene").await;
    let meeting = current_id(&client).await;
    for code in ["ps", "pw"] {
        fill(&client, &format!("person-{code}"), "分管负责人").await;
        submit(&client, &format!("save-attend-{code}")).await;
        flash(&client).await;
    }
    open_details_of(&client, "item-form").await;
    fill(&client, "item_title", "某矿业公司停产整顿期间继续开采").await;
    submit_saved(&client, "add-item").await;
    // A decision with no owner is refused.
    open_details_of(&client, "decision-form").await;
    fill(&client, "d-text", "对该矿山依法停止供电").await;
    set_value(&client, "d-due", "2026-12-05").await;
    submit(&client, "add-decision").await;
    assert!(wait_for_text(&client, "#form-errors", "须明确牵头落实单位").await);
    for (text, owner, due) in [
        ("对该矿山依法停止供电", "pw", "2026-12-05"),
        ("核查该矿山民用爆炸物品购买和使用情况", "ps", "2026-12-01"),
    ] {
        client.goto(&format!("{base}/meetings/{meeting}")).await.unwrap();
        open_details_of(&client, "decision-form").await;
        fill(&client, "d-text", text).await;
        set_value(&client, "d-agency", owner).await;
        set_value(&client, "d-due", due).await;
        submit_saved(&client, "add-decision").await;
    }
    open_details_of(&client, "issue-form").await;
    fill(&client, "minutes", "会议听取了县自然资源局的通报，议定如下事项。").await;
    click_confirmed(&client, "issue").await;
    flash(&client).await;
    assert!(wait_for_text(&client, "#meeting-state", "纪要已印发").await);
    client
        .goto(&format!("{base}/meetings/{meeting}/print"))
        .await
        .unwrap();
    assert!(wait_for_text(&client, "#document", "牵头单位").await);
    shot(&client, "meeting-minutes").await;

    // The power company reports its decision done; public security's goes overdue and climbs.
    open_as(&client, &base, "pw_officer", "/").await;
    click(
        &client,
        Locator::XPath("//table//a[contains(., '停止供电') and contains(., '纪')]"),
    )
    .await;
    client
        .wait()
        .for_element(Locator::Id("decision-list"))
        .await
        .unwrap();
    let done = client
        .find(Locator::Css("button[id^='done-']"))
        .await
        .unwrap()
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    fill(&client, &done.replace("done-", "done-note-"), "已于当日停止供电").await;
    submit(&client, &done).await;
    flash(&client).await;
    assert!(wait_for_text(&client, "#decision-list", "已于当日停止供电").await);
    clock.advance(chrono::Duration::days(12));
    orewatch_app::tasks::sweep(&app, "browser-test", chrono::Duration::minutes(5))
        .await
        .unwrap();
    open_as(&client, &base, "leader", "/").await;
    assert!(wait_for_text(&client, "table", "核查该矿山民用爆炸物品").await);
    assert!(!wait_for_text(&client, "table", "对该矿山依法停止供电").await);
    shot(&client, "meeting-decision-escalated").await;
    client.close().await.unwrap();
}

on_both_backends!(a_case_opens_from_a_finding_the_mine_is_suspended_and_the_power_company_confirms_the_cut);
