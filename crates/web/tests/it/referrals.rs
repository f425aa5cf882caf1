//! 行刑衔接 through the web, on the demo: the lists of referrals, flags and opinions; a reported referral
//! approved by the head (not by the team), transferred with its package, acknowledged and filed by
//! public security; a flag disposed of in writing; an opinion answered; a consultation refusing a
//! decision without an owner and minutes before the attendance — bad input changing nothing.

use crate::site::{site, Site};
use axum::http::StatusCode;
use orewatch_app::demo::DEMO_PASSWORD;
use orewatch_app::Db;
use orewatch_domain::referral::RefState;
use orewatch_testkit::on_both_backends;

async fn head(site: &Site) -> i64 {
    let mut conn = site.app.db.conn().await.unwrap();
    orewatch_storage::audit::head(&mut conn).await.unwrap().0
}

async fn demo_referral(site: &Site, state: RefState) -> orewatch_domain::ReferralId {
    let mut conn = site.app.db.conn().await.unwrap();
    orewatch_storage::referrals::list(&mut conn, None, 100)
        .await
        .unwrap()
        .iter()
        .find(|r| r.state == state)
        .unwrap_or_else(|| panic!("a demo referral {state:?}"))
        .id
}

async fn a_reported_referral_is_approved_transferred_and_filed_and_flags_and_opinions_are_answered(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    let leader = site.login("leader", DEMO_PASSWORD).await;
    let nr_head = site.login("nr_head", DEMO_PASSWORD).await;
    let nr = site.login("nr_officer", DEMO_PASSWORD).await;
    let ps = site.login("ps_officer", DEMO_PASSWORD).await;
    let enterprise = site.login("enterprise", DEMO_PASSWORD).await;

    // The lists: the demo's referrals in their states, its flags (one still open), its opinions.
    let list = site.get("/referrals", &office.cookies).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("href=\"/referrals\""), "nav link");
    for state in ["已反馈结果", "复议中", "报请审批"] {
        assert!(list.body.contains(state), "{state}");
    }
    let flags = site.get("/flags", &leader.cookies).await;
    assert!(
        flags.body.contains("待处置") && flags.body.contains("已补充移送"),
        "{}",
        flags.body
    );
    let opinions = site.get("/opinions", &office.cookies).await;
    assert!(opinions.body.contains("鹿检行意〔2026〕9号") && opinions.body.contains("待答复"));
    assert_eq!(
        site.get("/referrals", &enterprise.cookies).await.status,
        StatusCode::FORBIDDEN
    );

    // The reported referral: the head sees the decision; the team's officer does not, and is refused.
    let id = demo_referral(&site, RefState::Reported).await;
    let page = site.get(&format!("/referrals/{id}"), &nr_head.cookies).await;
    assert!(page.body.contains("id=\"step-approve\"") && page.body.contains("id=\"step-refuse\""));
    let page = site.get(&format!("/referrals/{id}"), &nr.cookies).await;
    assert!(!page.body.contains("id=\"step-approve\""));
    let before = head(&site).await;
    let refused = site
        .post(
            &format!("/referrals/{id}/approve"),
            &nr.cookies,
            &[("csrf", nr.csrf.as_str())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // A refusal needs its reasons.
    let bad = site
        .post(
            &format!("/referrals/{id}/refuse"),
            &nr_head.cookies,
            &[("csrf", nr_head.csrf.as_str()), ("note", " ")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(head(&site).await, before);
    let approved = site
        .post(
            &format!("/referrals/{id}/approve"),
            &nr_head.cookies,
            &[("csrf", nr_head.csrf.as_str()), ("note", "同意移送")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let again = site
        .post(
            &format!("/referrals/{id}/approve"),
            &nr_head.cookies,
            &[("csrf", nr_head.csrf.as_str()), ("note", "同意移送")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("未作改动"), "{}", again.body);

    // The transfer: refused without the items list, then sent with its package.
    let before = head(&site).await;
    let bad = site
        .post(
            &format!("/referrals/{id}/transfer"),
            &nr.cookies,
            &[("csrf", nr.csrf.as_str())],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("移送材料不全"), "{}", bad.body);
    assert_eq!(head(&site).await, before);
    let sent = site
        .post(
            &format!("/referrals/{id}/transfer"),
            &nr.cookies,
            &[
                ("csrf", nr.csrf.as_str()),
                ("items", "挖掘机2台（已查封）"),
                ("no_appraisal_reason", "价格认定已委托"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let page = site.get(&format!("/referrals/{id}"), &ps.cookies).await;
    assert!(page.body.contains("id=\"package-sha\""));
    let package = {
        let mut conn = site.app.db.conn().await.unwrap();
        orewatch_storage::files::of_record(&mut conn, orewatch_domain::RecordType::Referral, &id.to_string())
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.file_name.ends_with(".zip"))
            .unwrap()
            .id
    };
    let zip = site
        .get(&format!("/referrals/files/{package}"), &ps.cookies)
        .await;
    assert_eq!(zip.status, StatusCode::OK);
    let printed = site.get(&format!("/referrals/{id}/print"), &nr.cookies).await;
    assert!(printed.body.contains("涉嫌犯罪案件移送书") && printed.body.contains("移〔"));

    // Public security acknowledges and files in the platform; the natural-resources officer cannot.
    assert!(page.body.contains("id=\"step-acknowledge\""), "{}", page.body);
    let not_theirs = site
        .post(
            &format!("/referrals/{id}/acknowledge"),
            &nr.cookies,
            &[("csrf", nr.csrf.as_str())],
        )
        .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
    for (step, fields) in [
        ("acknowledge", vec![("note", "已签收")]),
        ("file", vec![("police_case_no", "鹿公立字〔2026〕200号")]),
    ] {
        let mut form = vec![("csrf", ps.csrf.as_str())];
        form.extend(fields);
        let done = site
            .post(&format!("/referrals/{id}/{step}"), &ps.cookies, &form)
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{step}: {}", done.body);
    }
    let page = site.get(&format!("/referrals/{id}"), &office.cookies).await;
    assert!(page.body.contains("已立案") && page.body.contains("鹿公立字〔2026〕200号"));

    // The open flag: the leader reads it, only the owning head disposes, in writing.
    let flag = {
        let mut conn = site.app.db.conn().await.unwrap();
        orewatch_storage::flags::list(&mut conn, None, 100)
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.disposed_at.is_none())
            .unwrap()
            .id
    };
    let shown = site.get(&format!("/flags/{flag}"), &leader.cookies).await;
    assert!(shown.body.contains("应移未移") && !shown.body.contains("id=\"dispose-form\""));
    let forbidden = site
        .post(
            &format!("/flags/{flag}"),
            &leader.cookies,
            &[("csrf", leader.csrf.as_str()), ("disposition", "已阅")],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let bad = site
        .post(
            &format!("/flags/{flag}"),
            &nr_head.cookies,
            &[("csrf", nr_head.csrf.as_str()), ("disposition", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = site
        .post(
            &format!("/flags/{flag}"),
            &nr_head.cookies,
            &[
                ("csrf", nr_head.csrf.as_str()),
                ("disposition", "已补充移送公安机关"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(site
        .get(&format!("/flags/{flag}"), &office.cookies)
        .await
        .body
        .contains("已补充移送公安机关"));

    // Opinions: a date in the future is refused; the head answers the open one.
    let bad = site
        .post(
            "/opinions",
            &nr.cookies,
            &[
                ("csrf", nr.csrf.as_str()),
                ("doc_no", "鹿检行意〔2026〕99号"),
                ("from_body", "鹿寨县人民检察院"),
                ("received_on", "2099-01-01"),
                ("summary", "建议"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("不能晚于今天"), "{}", bad.body);
    let open = {
        let mut conn = site.app.db.conn().await.unwrap();
        orewatch_storage::opinions::list(&mut conn, None, 10)
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.answered_on.is_none())
            .unwrap()
            .id
    };
    let answered = site
        .post(
            &format!("/opinions/{open}/answer"),
            &nr_head.cookies,
            &[("csrf", nr_head.csrf.as_str()), ("answer", "已开展专项排查")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER);
    assert!(!site
        .get("/opinions", &office.cookies)
        .await
        .body
        .contains("待答复"));
}

async fn a_consultation_refuses_bad_input_and_prints_its_minutes_once_issued(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    let nr_head = site.login("nr_head", DEMO_PASSWORD).await;
    let enterprise = site.login("enterprise", DEMO_PASSWORD).await;
    // The demo's two consultations, their minutes printable; attendance counted by agency.
    let list = site.get("/meetings", &nr_head.cookies).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("年度矿产资源开发保护联合监管联席会议") && list.body.contains("紧急会商"));
    assert!(
        !list.body.contains("id=\"convene-form\""),
        "only the office convenes"
    );
    assert_eq!(
        site.get("/meetings", &enterprise.cookies).await.status,
        StatusCode::FORBIDDEN
    );
    let attendance = site.get("/meetings/attendance?year=2026", &office.cookies).await;
    assert_eq!(attendance.status, StatusCode::OK);
    let convene = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("kind", "special".to_string()),
            ("title", "专题会商".to_string()),
            ("held_on", "2026-11-30".to_string()),
            ("place", "会议室".to_string()),
            ("chair", "副指挥长".to_string()),
            ("agency_ps", "1".to_string()),
        ]
    };
    let fields = convene(&nr_head.csrf);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        site.post("/meetings", &nr_head.cookies, &pairs).await.status,
        StatusCode::FORBIDDEN
    );
    let fields = convene(&office.csrf);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let made = site.post("/meetings", &office.cookies, &pairs).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let id: i64 = made
        .location
        .as_deref()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        site.get(&format!("/meetings/{id}/print"), &office.cookies)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "no minutes before they are issued"
    );
    let before = head(&site).await;
    let no_owner = site
        .post(
            &format!("/meetings/{id}/decision"),
            &office.cookies,
            &[
                ("csrf", office.csrf.as_str()),
                ("text", "开展联合执法"),
                ("due_on", "2026-12-30"),
            ],
        )
        .await;
    assert_eq!(no_owner.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_owner.body.contains("须明确牵头落实单位"));
    let early = site
        .post(
            &format!("/meetings/{id}/issue"),
            &office.cookies,
            &[("csrf", office.csrf.as_str()), ("minutes", "纪要")],
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("尚未登记出席情况"), "{}", early.body);
    assert_eq!(head(&site).await, before);
}

on_both_backends!(
    a_reported_referral_is_approved_transferred_and_filed_and_flags_and_opinions_are_answered,
    a_consultation_refuses_bad_input_and_prints_its_minutes_once_issued,
);
