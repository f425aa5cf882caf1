//! Every page, for every demo role: the policy's answer decides the status, and pages show real data.

use crate::site::site;
use axum::http::StatusCode;
use orewatch_app::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD, DISABLED_DEMO_ACCOUNT};
use orewatch_app::Db;
use orewatch_domain::policy::{decide, Action, Resource};
use orewatch_domain::{AccountId, Actor};
use orewatch_testkit::on_both_backends;

async fn every_role_sees_exactly_the_pages_the_policy_allows(db: Db) {
    let site = site(db).await;
    for (username, _, role, agency) in DEMO_ACCOUNTS.iter().filter(|a| a.0 != DISABLED_DEMO_ACCOUNT) {
        let visitor = site.login(username, DEMO_PASSWORD).await;
        let actor = Actor::Account {
            id: AccountId(0),
            role: *role,
            agency: agency.map(|a| orewatch_domain::AgencyCode::parse(a).unwrap()),
        };
        for (path, action) in [
            ("/", Action::ViewDashboard),
            ("/organisation", Action::ViewOrganisation),
            ("/accounts", Action::ListAccounts),
            ("/audit", Action::ViewAudit),
            ("/accounts/new", Action::CreateAccount),
        ] {
            let allowed = decide(&actor, action, &Resource::Installation).is_allowed();
            let page = site.get(path, &visitor.cookies).await;
            let want = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(page.status, want, "{username} GET {path}");
        }
        assert_eq!(site.get("/me", &visitor.cookies).await.status, StatusCode::OK);
    }
}

async fn organisation_page_lists_every_agency_with_its_duty(db: Db) {
    let site = site(db).await;
    let visitor = site.login("county", DEMO_PASSWORD).await;
    let page = site.get("/organisation", &visitor.cookies).await;
    assert_eq!(page.status, StatusCode::OK);
    for agency in orewatch_domain::agency::STANDARD_AGENCIES {
        assert!(page.body.contains(agency.name_zh), "{}", agency.name_zh);
        assert!(page.body.contains(agency.duty_zh), "duty of {}", agency.code);
    }
    assert!(page.body.contains("指挥长") && page.body.contains("监管办主任"));
    assert!(page.body.contains("蒙国栋"), "the demo commander is shown");
}

async fn english_switch_translates_the_page(db: Db) {
    let site = site(db).await;
    let visitor = site.login("office", DEMO_PASSWORD).await;
    let switch = site.get("/lang/en?next=/organisation", &visitor.cookies).await;
    assert_eq!(switch.location.as_deref(), Some("/organisation"));
    let cookies = format!("{}; ow_lang=en", visitor.cookies);
    let page = site.get("/organisation", &cookies).await;
    assert!(page.body.contains("Member agencies and duties"));
    assert!(page.body.contains("Luzhai County Joint Supervision Platform"));
    assert!(page.body.contains("Public Security Bureau"));
    assert!(!page.body.contains("成员单位及职责"));
    // An outside address is never a redirect target.
    let evil = site.get("/lang/en?next=//evil.example/", &visitor.cookies).await;
    assert_eq!(evil.location.as_deref(), Some("/"));
}

async fn dashboard_counts_come_from_the_database(db: Db) {
    let site = site(db).await;
    let visitor = site.login("leader", DEMO_PASSWORD).await;
    let page = site.get("/", &visitor.cookies).await;
    assert!(
        page.body.contains("id=\"stat-agencies\">11<"),
        "11 member agencies"
    );
    // 33 demo accounts, one of them disabled.
    assert!(page.body.contains("id=\"stat-accounts\">32<"));
    assert!(page.body.contains("id=\"stat-vacant\">0<"));
}

async fn office_creates_an_account_and_the_new_user_must_change_the_password(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    let form = [
        ("csrf", office.csrf.as_str()),
        ("username", "new.ps"),
        ("display_name", "新警官"),
        ("role", "agency_officer"),
        ("agency", "ps"),
        ("password", "start2026pw"),
        ("password_again", "start2026pw"),
    ];
    let page = site.post("/accounts", &office.cookies, &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let login = site.try_login("new.ps", "start2026pw").await;
    assert_eq!(login.location.as_deref(), Some("/me/password"));
    let cookies = format!("ow_session={}", login.cookie("ow_session").unwrap());
    // Until the password is changed, every page leads to the password form.
    assert_eq!(
        site.get("/organisation", &cookies).await.location.as_deref(),
        Some("/me/password")
    );
    let form_page = site.get("/me/password", &cookies).await;
    assert!(form_page.body.contains("请先修改初始密码"));
    let csrf = form_page.csrf();
    let done = site
        .post(
            "/me/password",
            &cookies,
            &[
                ("csrf", &csrf),
                ("current", "start2026pw"),
                ("password", "mine2026pw"),
                ("password_again", "mine2026pw"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(site.get("/organisation", &cookies).await.status, StatusCode::OK);
}

async fn logout_ends_the_session(db: Db) {
    let site = site(db).await;
    let visitor = site.login("office", DEMO_PASSWORD).await;
    let page = site
        .post("/logout", &visitor.cookies, &[("csrf", &visitor.csrf)])
        .await;
    assert_eq!(page.location.as_deref(), Some("/login?flash=logged_out"));
    let again = site.get("/", &visitor.cookies).await;
    assert_eq!(again.location.as_deref(), Some("/login?next=%2F"));
}

async fn audit_page_filters_and_explains_bad_filters(db: Db) {
    let site = site(db).await;
    let visitor = site.login("leader", DEMO_PASSWORD).await;
    let page = site
        .get("/audit?actor=office&record_type=seat", &visitor.cookies)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("成员调整备案"));
    assert!(!page.body.contains("创建账户"), "only the office's seat filings");
    let page = site
        .get("/audit?from=2026-13-45&actor=nobody", &visitor.cookies)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("起始日期“2026-13-45”不是有效日期"),
        "{}",
        page.body
    );
    assert!(page.body.contains("没有用户名为“nobody”的账户"));
    assert!(page.body.contains("没有符合条件的记录"));
    // Dates are days in China Standard Time: the demo was loaded at 2026-11-28 10:00 +08:00.
    let today = site
        .get(
            "/audit?from=2026-11-28&to=2026-11-28&record_type=seat",
            &visitor.cookies,
        )
        .await;
    assert!(today.body.contains("成员调整备案"));
    let tomorrow = site.get("/audit?from=2026-11-29", &visitor.cookies).await;
    assert!(tomorrow.body.contains("没有符合条件的记录"));
}

on_both_backends!(
    audit_page_filters_and_explains_bad_filters,
    every_role_sees_exactly_the_pages_the_policy_allows,
    organisation_page_lists_every_agency_with_its_duty,
    english_switch_translates_the_page,
    dashboard_counts_come_from_the_database,
    office_creates_an_account_and_the_new_user_must_change_the_password,
    logout_ends_the_session,
);
