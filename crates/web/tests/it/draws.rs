//! 双随机 through the web: the grades page, the draw form with bad input, and a drawn inspection whose
//! list an agency sees only from the inspection day while the office sees it, with its replay, at once.

use crate::site::site;
use axum::http::StatusCode;
use orewatch_app::demo::DEMO_PASSWORD;
use orewatch_app::Db;
use orewatch_testkit::on_both_backends;

async fn head(site: &crate::site::Site) -> i64 {
    let mut conn = site.app.db.conn().await.unwrap();
    orewatch_storage::audit::head(&mut conn).await.unwrap().0
}

async fn a_drawn_list_is_the_offices_until_the_day_and_bad_draws_change_nothing(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    let ps_head = site.login("ps_head", DEMO_PASSWORD).await;

    // The demo's grades are listed; an agency may read them but not change them.
    let grades = site.get("/inspections/grades", &office.cookies).await;
    assert_eq!(grades.status, StatusCode::OK);
    assert!(grades.body.contains("id=\"save-grades\""));
    assert!(!grades.body.contains("未评定"), "every demo mine is graded");
    let seen = site.get("/inspections/grades", &ps_head.cookies).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains("id=\"save-grades\""));

    // Bad input: an unknown grade, a ratio over 100, one inspector per act, no title — each a Chinese
    // error, nothing written.
    let before = head(&site).await;
    let bad = site
        .post(
            "/inspections/grades",
            &office.cookies,
            &[("csrf", office.csrf.as_str()), ("grade_1", "e"), ("reason_1", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = site
        .post(
            "/inspections/grades",
            &ps_head.cookies,
            &[
                ("csrf", ps_head.csrf.as_str()),
                ("grade_1", "a"),
                ("reason_1", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let form = |ratio_b: &'static str, per_act: &'static str, title: &'static str| {
        vec![
            ("csrf", office.csrf.clone()),
            ("title", title.to_string()),
            ("inspect_on", "2026-12-15".to_string()),
            ("kind", "routine".to_string()),
            ("lead", "nr".to_string()),
            ("agency_ps", "1".to_string()),
            ("ratio_a", "100".to_string()),
            ("ratio_b", ratio_b.to_string()),
            ("ratio_c", "0".to_string()),
            ("ratio_d", "0".to_string()),
            ("per_act", per_act.to_string()),
        ]
    };
    for (fields, message) in [
        (form("101", "2", "抽查"), "抽取比例应为 0 到 100 之间的整数"),
        (form("10", "1", "抽查"), "两名"),
        (form("10", "2", ""), "必填"),
    ] {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = site.post("/inspections/draw", &office.cookies, &pairs).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(page.body.contains(message), "{message}: {}", page.body);
    }
    assert_eq!(head(&site).await, before);

    // A good draw goes to its inspection; the office sees the drawn mines and that the draw replays.
    let fields = form("10", "2", "十二月双随机抽查");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = site.post("/inspections/draw", &office.cookies, &pairs).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let at = done.location.unwrap();
    assert!(at.ends_with("?flash=drawn"), "{at}");
    let id: i64 = at
        .trim_start_matches("/inspections/")
        .trim_end_matches("?flash=drawn")
        .parse()
        .unwrap();
    let page = site.get(&at, &office.cookies).await;
    assert!(page.body.contains("已抽取并安排检查"));
    assert!(page.body.contains("id=\"draw-replays\""));
    assert!(page.body.contains("复核一致"));
    let acts = orewatch_app::inspections::acts::show(
        &site.app,
        &office_caller(&site).await,
        orewatch_domain::InspectionId(id),
    )
    .await
    .unwrap()
    .acts;
    let first = acts.iter().find(|a| a.agency.as_str() == "ps").unwrap();
    assert!(page.body.contains(&first.mine_name));

    // The head of public security sees that it exists, not where or who, until the day.
    let hidden = site.get(&format!("/inspections/{id}"), &ps_head.cookies).await;
    assert_eq!(hidden.status, StatusCode::OK);
    assert!(hidden.body.contains("抽查名单于检查当日（2026-12-15）公开"));
    assert!(!hidden.body.contains(&first.mine_name));
    assert!(!hidden.body.contains("id=\"draw-seed\""));
    let act = site.get(&format!("/acts/{}", first.id), &ps_head.cookies).await;
    assert_eq!(act.status, StatusCode::FORBIDDEN);
    assert!(
        act.body.contains("抽查名单在检查当日前仅监管办可见"),
        "{}",
        act.body
    );
    // Its approval waits in the head's inbox under a title that names neither mine nor company.
    let inbox = site.get("/", &ps_head.cookies).await;
    assert!(inbox
        .body
        .contains("审批双随机抽查：十二月双随机抽查（2026-12-15，抽查名单当日公开）"));

    // On the day it is open to the agency, with the drawn inspectors fixed on the approval form.
    site.clock
        .set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 15, 1, 0, 0).unwrap());
    // (The jump in time ended the session.)
    let ps_head = site.login("ps_head", DEMO_PASSWORD).await;
    let open = site.get(&format!("/inspections/{id}"), &ps_head.cookies).await;
    assert!(open.body.contains(&first.mine_name));
    assert!(open.body.contains("id=\"draw-seed\""));
    let act = site.get(&format!("/acts/{}", first.id), &ps_head.cookies).await;
    assert_eq!(act.status, StatusCode::OK);
    assert!(act.body.contains("id=\"drawn-officers\""));
}

async fn office_caller(site: &crate::site::Site) -> orewatch_app::Caller {
    orewatch_app::accounts::caller_of(
        &orewatch_app::accounts::find_by_username(&site.app, &orewatch_app::Caller::system(), "office")
            .await
            .unwrap()
            .unwrap(),
    )
}

on_both_backends!(a_drawn_list_is_the_offices_until_the_day_and_bad_draws_change_nothing);
