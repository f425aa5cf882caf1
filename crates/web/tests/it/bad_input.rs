//! Bad input gets a clear Chinese message and changes nothing.

use crate::site::site;
use axum::http::StatusCode;
use chrono::Duration;
use orewatch_app::Db;
use orewatch_testkit::on_both_backends;

async fn audit_rows(site: &crate::site::Site) -> i64 {
    let mut conn = site.app.db.conn().await.unwrap();
    orewatch_storage::audit::head(&mut conn).await.unwrap().0
}

async fn wrong_password_says_so_in_chinese_and_opens_no_session(db: Db) {
    let site = site(db).await;
    let page = site.try_login("office", "not-the-password1").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("用户名或密码错误"), "{}", page.body);
    assert!(page.cookie("ow_session").is_none());
    // The username is kept in the form, the password is not.
    assert!(page.body.contains("value=\"office\""));
}

async fn five_wrong_passwords_bring_a_wait_and_unknown_names_look_the_same(db: Db) {
    let site = site(db).await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..5 {
        let page = site.try_login("office", "wrong-pass-1").await;
        known.push((
            page.status,
            page.body.contains("再错"),
            page.body.contains("后再试"),
        ));
        let page = site.try_login("no.such.name", "wrong-pass-1").await;
        unknown.push((
            page.status,
            page.body.contains("再错"),
            page.body.contains("后再试"),
        ));
    }
    // The same answers, so the page does not tell which names exist.
    assert_eq!(known, unknown);
    assert_eq!(known[0], (StatusCode::UNAUTHORIZED, false, false));
    // The last two free attempts warn.
    assert_eq!(known[3], (StatusCode::UNAUTHORIZED, true, false));
    let page = site.try_login("office", "wrong-pass-1").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("登录失败次数较多，请于"), "{}", page.body);
    // During the wait the right password is refused unchecked; after it, it works.
    let page = site.try_login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    site.clock.advance(Duration::minutes(1));
    let page = site.try_login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

async fn expired_session_sends_to_login_with_a_notice(db: Db) {
    let site = site(db).await;
    let reader = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let writer = site.login("office2", orewatch_app::demo::DEMO_PASSWORD).await;
    site.clock.advance(Duration::minutes(31));
    let page = site.get("/organisation", &reader.cookies).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login?expired=1"));
    let login = site.get("/login?expired=1", "").await;
    assert!(
        login.body.contains("会话已因长时间未操作而过期"),
        "{}",
        login.body
    );
    // A form posted with an expired session changes nothing and leads to the same notice.
    let before = audit_rows(&site).await;
    let form = [
        ("csrf", writer.csrf.as_str()),
        ("username", "late.user"),
        ("display_name", "迟到"),
    ];
    let page = site.post("/accounts", &writer.cookies, &form).await;
    assert_eq!(page.location.as_deref(), Some("/login?expired=1"));
    assert_eq!(audit_rows(&site).await, before);
}

async fn missing_or_wrong_csrf_token_is_refused_and_changes_nothing(db: Db) {
    let site = site(db).await;
    let visitor = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let before = audit_rows(&site).await;
    let form = [
        ("username", "forged"),
        ("display_name", "伪造"),
        ("role", "office"),
        ("agency", ""),
        ("password", "forged2026x"),
        ("password_again", "forged2026x"),
    ];
    let page = site.post("/accounts", &visitor.cookies, &form).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("表单已失效"), "{}", page.body);
    let mut with_wrong = form.to_vec();
    with_wrong.push(("csrf", "0123456789abcdef"));
    let page = site.post("/accounts", &visitor.cookies, &with_wrong).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(audit_rows(&site).await, before);
    assert!(
        orewatch_app::accounts::find_by_username(&site.app, &orewatch_app::Caller::system(), "forged")
            .await
            .unwrap()
            .is_none()
    );
}

async fn login_without_its_csrf_cookie_is_refused(db: Db) {
    let site = site(db).await;
    let page = site
        .post(
            "/login",
            "",
            &[("csrf", "abc"), ("username", "office"), ("password", "x")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("表单已失效"));
}

async fn forbidden_action_renders_a_chinese_403_and_changes_nothing(db: Db) {
    let site = site(db).await;
    let officer = site.login("ps_officer", orewatch_app::demo::DEMO_PASSWORD).await;
    let page = site.get("/accounts/new", &officer.cookies).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.body.contains("无权访问") && page.body.contains("您的角色无权执行此操作"),
        "{}",
        page.body
    );
    let before = audit_rows(&site).await;
    let form = [
        ("csrf", officer.csrf.as_str()),
        ("holder", ""),
        ("from_on", "2026-11-28"),
        ("note", ""),
    ];
    let page = site
        .post("/organisation/seats/1/file", &officer.cookies, &form)
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(audit_rows(&site).await, before);
    // Another agency's account is out of scope for an agency head.
    let head = site.login("tr_head", orewatch_app::demo::DEMO_PASSWORD).await;
    let office =
        orewatch_app::accounts::find_by_username(&site.app, &orewatch_app::Caller::system(), "office")
            .await
            .unwrap()
            .unwrap();
    let page = site
        .get(&format!("/accounts/{}", office.id.0), &head.cookies)
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("您只能查看或办理本单位"));
}

async fn oversized_form_is_refused_with_its_limit(db: Db) {
    let site = site(db).await;
    let visitor = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let before = audit_rows(&site).await;
    let body = format!(
        "csrf={}&username=big&display_name={}",
        visitor.csrf,
        "x".repeat(70 * 1024)
    );
    let page = site.post_raw("/accounts", &visitor.cookies, body).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("超过 64 KB"), "{}", page.body);
    assert_eq!(audit_rows(&site).await, before);
}

async fn overlong_and_malformed_fields_are_named_and_nothing_is_saved(db: Db) {
    let site = site(db).await;
    let visitor = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let before = audit_rows(&site).await;
    let long_name = "矿".repeat(40);
    let form = [
        ("csrf", visitor.csrf.as_str()),
        ("username", "Bad Name!"),
        ("display_name", long_name.as_str()),
        ("role", "agency_officer"),
        ("agency", ""),
        ("password", "short"),
        ("password_again", "short"),
    ];
    let page = site.post("/accounts", &visitor.cookies, &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "只能使用小写字母",
        "不能超过 32 个字符",
        "该角色必须选择所属单位",
        "不能少于 8 个字符",
    ] {
        assert!(page.body.contains(message), "missing {message}");
    }
    assert!(page.body.contains(&long_name), "the typed name is kept");
    assert_eq!(audit_rows(&site).await, before);
}

async fn duplicate_account_name_is_refused_in_chinese(db: Db) {
    let site = site(db).await;
    let visitor = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let before = audit_rows(&site).await;
    let form = [
        ("csrf", visitor.csrf.as_str()),
        ("username", "PS_Officer"),
        ("display_name", "重名"),
        ("role", "agency_officer"),
        ("agency", "ps"),
        ("password", "abcd12345"),
        ("password_again", "abcd12345"),
    ];
    let page = site.post("/accounts", &visitor.cookies, &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("已被占用"), "{}", page.body);
    assert_eq!(audit_rows(&site).await, before);
}

async fn double_submitted_filing_is_refused_the_second_time(db: Db) {
    let site = site(db).await;
    let visitor = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let deputy =
        orewatch_app::accounts::find_by_username(&site.app, &orewatch_app::Caller::system(), "deputy")
            .await
            .unwrap()
            .unwrap();
    let id = deputy.id.0.to_string();
    let form = [
        ("csrf", visitor.csrf.as_str()),
        ("holder", id.as_str()),
        ("from_on", "2026-11-28"),
        ("note", ""),
    ];
    let first = site
        .post("/organisation/seats/1/file", &visitor.cookies, &form)
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    let after_first = audit_rows(&site).await;
    let second = site
        .post("/organisation/seats/1/file", &visitor.cookies, &form)
        .await;
    assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(second.body.contains("与现状相同"), "{}", second.body);
    assert_eq!(audit_rows(&site).await, after_first);
}

async fn unknown_page_is_a_chinese_404(db: Db) {
    let site = site(db).await;
    let visitor = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let page = site.get("/no/such/page", &visitor.cookies).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("页面不存在"));
    let page = site.get("/accounts/999999", &visitor.cookies).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    wrong_password_says_so_in_chinese_and_opens_no_session,
    five_wrong_passwords_bring_a_wait_and_unknown_names_look_the_same,
    expired_session_sends_to_login_with_a_notice,
    missing_or_wrong_csrf_token_is_refused_and_changes_nothing,
    login_without_its_csrf_cookie_is_refused,
    forbidden_action_renders_a_chinese_403_and_changes_nothing,
    oversized_form_is_refused_with_its_limit,
    overlong_and_malformed_fields_are_named_and_nothing_is_saved,
    duplicate_account_name_is_refused_in_chinese,
    double_submitted_filing_is_refused_the_second_time,
    unknown_page_is_a_chinese_404,
);
