//! Penalty cases through the web: the list, filing from a finding with its team, bad input that
//! changes nothing, another agency refused, and the printed notice and decision.

use crate::site::{site, Site};
use axum::http::StatusCode;
use orewatch_app::demo::DEMO_PASSWORD;
use orewatch_app::{Caller, Db};
use orewatch_domain::penalty::CaseState;
use orewatch_testkit::on_both_backends;

async fn head(site: &Site) -> i64 {
    let mut conn = site.app.db.conn().await.unwrap();
    orewatch_storage::audit::head(&mut conn).await.unwrap().0
}

async fn account_id(site: &Site, username: &str) -> String {
    orewatch_app::accounts::find_by_username(&site.app, &Caller::system(), username)
        .await
        .unwrap()
        .unwrap()
        .id
        .0
        .to_string()
}

async fn demo_case(site: &Site, state: CaseState) -> i64 {
    let mut conn = site.app.db.conn().await.unwrap();
    let page = orewatch_storage::cases::list(
        &mut conn,
        &orewatch_domain::Scope::All,
        &orewatch_storage::cases::CaseFilter {
            state: Some(state),
            ..Default::default()
        },
        10,
        0,
    )
    .await
    .unwrap();
    page.rows.first().unwrap().id.0
}

async fn a_case_is_filed_from_a_finding_worked_printed_and_bad_input_changes_nothing(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    let nr_head = site.login("nr_head", DEMO_PASSWORD).await;
    let nr = site.login("nr_officer", DEMO_PASSWORD).await;
    let ps_head = site.login("ps_head", DEMO_PASSWORD).await;
    let enterprise = site.login("enterprise", DEMO_PASSWORD).await;

    // The list: every demo case's state is shown to the office; the enterprise has no access.
    let list = site.get("/cases?closed=1", &office.cookies).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("href=\"/cases\""), "nav link");
    for state in [
        "调查取证",
        "已告知",
        "听证",
        "法制审核",
        "待决定",
        "执行中",
        "已结案",
    ] {
        assert!(list.body.contains(state), "{state}");
    }
    assert!(!list.body.contains("id=\"new-case\""), "the office does not file");
    assert_eq!(
        site.get("/cases", &enterprise.cookies).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(site
        .get("/cases", &nr_head.cookies)
        .await
        .body
        .contains("id=\"new-case\""));

    // An open natural-resources finding of a joint inspection (the demo's cases are about monitoring's).
    let finding = {
        let mut conn = site.app.db.conn().await.unwrap();
        let open = orewatch_storage::findings::list(
            &mut conn,
            &orewatch_domain::Scope::All,
            &orewatch_storage::findings::LedgerFilter {
                agency: Some(orewatch_domain::AgencyCode::parse("nr").unwrap()),
                source: Some(orewatch_domain::finding::FindingSource::JointInspection),
                ..Default::default()
            },
            orewatch_domain::task::local_date(site.app.now()),
            10,
            0,
        )
        .await
        .unwrap();
        open.rows.first().unwrap().clone()
    };
    let finding_page = site
        .get(&format!("/findings/{}", finding.id), &nr_head.cookies)
        .await;
    assert!(finding_page.body.contains("id=\"file-case-from-finding\""));
    let form = site
        .get(&format!("/cases/new?finding={}", finding.id), &nr_head.cookies)
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form
        .body
        .contains(&format!("name=\"finding_{}\" value=\"1\" checked", finding.id)));
    assert!(form.body.contains(&finding.mine_name));
    let (a, b) = (
        account_id(&site, "nr_officer").await,
        account_id(&site, "nr_officer2").await,
    );
    let finding_key = format!("finding_{}", finding.id);
    let (officer_a, officer_b) = (format!("officer_{a}"), format!("officer_{b}"));
    let file = |officers: Vec<&'static str>| {
        let mut fields = vec![
            ("csrf".to_string(), nr_head.csrf.clone()),
            ("mine".to_string(), finding.mine_name.clone()),
            (finding_key.clone(), "1".to_string()),
            ("cause".to_string(), "越界开采".to_string()),
        ];
        for o in officers {
            let key = if o == "a" {
                officer_a.clone()
            } else {
                officer_b.clone()
            };
            fields.push((key, "1".to_string()));
        }
        fields
    };
    // One officer is too few: refused in Chinese, nothing written.
    let before = head(&site).await;
    let pairs = file(vec!["a"]);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = site.post("/cases", &nr_head.cookies, &pairs).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("至少须有两名执法人员"), "{}", refused.body);
    assert_eq!(head(&site).await, before);
    let pairs = file(vec!["a", "b"]);
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let filed = site.post("/cases", &nr_head.cookies, &pairs).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let location = filed.location.unwrap();
    let id: i64 = location
        .trim_start_matches("/cases/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // The same form sent again names the case already open.
    let again = site.post("/cases", &nr_head.cookies, &pairs).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("罚立〔"), "{}", again.body);
    let page = site.get(&format!("/cases/{id}"), &nr.cookies).await;
    assert!(page.body.contains("调查取证") && page.body.contains("id=\"notify-form\""));

    // Bad input changes nothing: a volume that is not a number, an amount with three decimals, and
    // another agency's head.
    let before = head(&site).await;
    let bad = site
        .post(
            &format!("/cases/{id}/estimate"),
            &nr.cookies,
            &[("csrf", nr.csrf.as_str()), ("volume", "abc"), ("basis", "测量")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("方量应为大于 0 的数"));
    let notice = |fine: &'static str, csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("facts", "越出矿区范围开采".to_string()),
            ("evidence", "现场检查笔录".to_string()),
            ("legal_basis", "《矿产资源法》".to_string()),
            ("kind_fine", "1".to_string()),
            ("fine", fine.to_string()),
        ]
    };
    let fields = notice("12.345", &nr.csrf);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bad = site
        .post(&format!("/cases/{id}/notify"), &nr.cookies, &pairs)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("最多两位小数"));
    let fields = notice("30000", &ps_head.csrf);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let forbidden = site
        .post(&format!("/cases/{id}/notify"), &ps_head.cookies, &pairs)
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(head(&site).await, before);

    // The notice is served and prints with its number and the party's rights.
    let fields = notice("30000", &nr.csrf);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let served = site
        .post(&format!("/cases/{id}/notify"), &nr.cookies, &pairs)
        .await;
    assert_eq!(served.status, StatusCode::SEE_OTHER, "{}", served.body);
    let printed = site.get(&format!("/cases/{id}/print/notice"), &nr.cookies).await;
    assert_eq!(printed.status, StatusCode::OK);
    assert!(printed.body.contains("行政处罚告知书") && printed.body.contains("罚告〔"));
    assert!(printed.body.contains("罚款人民币 30,000.00 元"));
    assert!(printed.body.contains("陈述和申辩"));
    assert_eq!(
        site.get(&format!("/cases/{id}/print/decision"), &nr.cookies)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A demo case waiting for its decision: heavier than its notice is refused.
    let deciding = demo_case(&site, CaseState::Deciding).await;
    let heavier = site
        .post(
            &format!("/cases/{deciding}/decide"),
            &nr_head.cookies,
            &[
                ("csrf", nr_head.csrf.as_str()),
                ("kind_fine", "1"),
                ("kind_revocation", "1"),
                ("fine", "90000"),
            ],
        )
        .await;
    assert_eq!(heavier.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(heavier.body.contains("不得重于告知的拟处罚"), "{}", heavier.body);
    // The closed demo case prints its decision.
    let closed = demo_case(&site, CaseState::Closed).await;
    let decision = site
        .get(&format!("/cases/{closed}/print/decision"), &office.cookies)
        .await;
    assert_eq!(decision.status, StatusCode::OK);
    assert!(decision.body.contains("行政处罚决定书") && decision.body.contains("罚决〔"));
    assert!(decision.body.contains("六十日内申请行政复议"));
    // The estimate is always labelled as one.
    let shown = site.get(&format!("/cases/{closed}"), &office.cookies).await;
    assert!(shown.body.contains("估算，非认定价值"));
}

async fn measures_are_taken_confirmed_by_the_supplier_and_lifted_in_order_through_the_web(db: Db) {
    let site = site(db).await;
    let nr_head = site.login("nr_head", DEMO_PASSWORD).await;
    let pw = site.login("pw_officer", DEMO_PASSWORD).await;
    let ps_head = site.login("ps_head", DEMO_PASSWORD).await;
    let case = demo_case(&site, CaseState::Investigating).await;
    let take = |kind: &'static str| {
        vec![
            ("csrf", nr_head.csrf.clone()),
            ("kind", kind.to_string()),
            ("basis", "越界开采，拒不停止".to_string()),
            ("items", String::new()),
        ]
    };
    let post = |path: String, fields: Vec<(&'static str, String)>, cookies: String| {
        let site = &site;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            site.post(&path, &cookies, &pairs).await
        }
    };
    // A power cut before a suspension: refused in Chinese, nothing written.
    let before = head(&site).await;
    let refused = post(
        format!("/cases/{case}/measure"),
        take("power_cut"),
        nr_head.cookies.clone(),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("须在责令停产整顿决定已送达并执行后才能采取"),
        "{}",
        refused.body
    );
    assert_eq!(head(&site).await, before);
    // The suspension, then the power cut; the mine page shows both.
    let taken = post(
        format!("/cases/{case}/measure"),
        take("suspension"),
        nr_head.cookies.clone(),
    )
    .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    let taken = post(
        format!("/cases/{case}/measure"),
        take("power_cut"),
        nr_head.cookies.clone(),
    )
    .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    let (cut, mine) = {
        let mut conn = site.app.db.conn().await.unwrap();
        let all = orewatch_storage::measures::of_case(&mut conn, orewatch_domain::CaseId(case))
            .await
            .unwrap();
        let cut = all
            .iter()
            .find(|m| m.kind == orewatch_domain::measure::MeasureKind::PowerCut)
            .unwrap()
            .clone();
        (cut.id, cut.mine_id.0)
    };
    let mine_page = site.get(&format!("/mines/{mine}"), &nr_head.cookies).await;
    assert!(mine_page.body.contains("id=\"mine-measures\""));
    assert!(mine_page.body.contains("停止供电") && mine_page.body.contains("停产整顿"));
    // The county map draws the mine in the measures' layer.
    let map = site.get("/map", &nr_head.cookies).await;
    assert!(map.body.contains("layer-measure"), "no measures layer");
    let layer = map
        .body
        .split("layer-measure")
        .nth(1)
        .unwrap()
        .split("</g>")
        .next()
        .unwrap();
    assert!(layer.contains(&format!("href=\"/mines/{mine}\"")), "{layer}");
    // The power company sees the confirmation to make; public security may not make it.
    let page = site.get(&format!("/cases/{case}"), &pw.cookies).await;
    assert!(page.body.contains(&format!("id=\"confirm-measure-{cut}\"")));
    let forbidden = post(
        format!("/measures/{cut}/confirm"),
        vec![("csrf", ps_head.csrf.clone())],
        ps_head.cookies.clone(),
    )
    .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let confirmed = post(
        format!("/measures/{cut}/confirm"),
        vec![("csrf", pw.csrf.clone())],
        pw.cookies.clone(),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.body);
    // The printed decision and the notice to the power company.
    let notice = site
        .get(&format!("/measures/{cut}/print/notice"), &pw.cookies)
        .await;
    assert_eq!(notice.status, StatusCode::OK);
    assert!(notice.body.contains("停止供电通知书") && notice.body.contains("停电〔"));
    // The suspension cannot be lifted while the power cut rests on it.
    let suspension = {
        let mut conn = site.app.db.conn().await.unwrap();
        orewatch_storage::measures::of_case(&mut conn, orewatch_domain::CaseId(case))
            .await
            .unwrap()
            .iter()
            .find(|m| m.kind == orewatch_domain::measure::MeasureKind::Suspension)
            .unwrap()
            .id
    };
    let before = head(&site).await;
    let refused = post(
        format!("/measures/{suspension}/lift"),
        vec![("csrf", nr_head.csrf.clone()), ("reason", "已整改".into())],
        nr_head.cookies.clone(),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("须先解除"), "{}", refused.body);
    assert_eq!(head(&site).await, before);
}

on_both_backends!(
    a_case_is_filed_from_a_finding_worked_printed_and_bad_input_changes_nothing,
    measures_are_taken_confirmed_by_the_supplier_and_lifted_in_order_through_the_web,
);
