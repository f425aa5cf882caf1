//! The security review's findings and the new users' defects, each as the request that showed it: every
//! one of these failed before its fix.

use crate::site::{site, Multipart, Site};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use orewatch_app::demo::DEMO_PASSWORD;
use orewatch_app::Db;
use orewatch_testkit::on_both_backends;

async fn head(site: &Site) -> i64 {
    let mut conn = site.app.db.conn().await.unwrap();
    orewatch_storage::audit::head(&mut conn).await.unwrap().0
}

fn multipart(path: &str, cookies: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Request<Body> {
    let mut form = Multipart::new();
    for (name, file_name, data) in parts {
        form = match file_name {
            Some(f) => form.file(name, f, None, data),
            None => form.field(name, data),
        };
    }
    form.post(path, cookies)
}

/// 10.8: `next=/%09/evil.example` became `Location: /\t/evil.example`, which browsers read as
/// `//evil.example`.
async fn only_a_plain_path_of_this_site_is_returned_to(db: Db) {
    let site = site(db).await;
    for next in [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "/%0d%0aSet-Cookie:x=1",
        "javascript:alert(1)",
    ] {
        let page = site.get(&format!("/lang/en?next={next}"), "").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(page.location.as_deref(), Some("/"), "/lang with next={next}");
    }
    let good = site.get("/lang/en?next=/mines%3Ftownship%3D1", "").await;
    assert_eq!(good.location.as_deref(), Some("/mines?township=1"));
    // The login form's `next` alike.
    let form = site.get("/login", "").await;
    let token = form.cookie("ow_csrf").unwrap();
    let page = site
        .post(
            "/login",
            &format!("ow_csrf={token}"),
            &[
                ("csrf", &token),
                ("username", "office"),
                ("password", DEMO_PASSWORD),
                ("next", "/\t/evil.example"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/"));
}

/// 10.13: a NUL in a search parameter was a 500 on PostgreSQL and was stored on SQLite.
async fn a_control_character_in_a_search_or_form_is_a_field_error_on_both_backends(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    for path in [
        "/mines?q=%00",
        "/mines?township=%E9%B9%BF%00",
        "/mines/suggest?q=a%00",
        "/mines/export.xlsx?q=%00",
        "/permits?q=%00",
        "/companies?q=%00",
        "/accounts?q=%00",
        "/audit?actor=%00",
        "/audit?record_id=1%00",
        "/map?find=%00",
        "/feed?view=%00",
        "/credit?q=%00",
    ] {
        let page = site.get(path, &office.cookies).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            page.body
        );
        assert!(page.body.contains("控制字符"), "{path}: {}", page.body);
    }
    let before = head(&site).await;
    for (path, field) in [("/mines", "name"), ("/feed", "title"), ("/companies", "name")] {
        let page = site
            .post(
                path,
                &office.cookies,
                &[("csrf", office.csrf.as_str()), (field, "鹿寨\u{0}石场")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(page.body.contains("控制字符"), "{path}: {}", page.body);
    }
    assert_eq!(head(&site).await, before);
}

/// 9.C: a GET of an address that only takes a form's POST (a reload after a refused form, the language
/// switch on it) was the browser's bare "HTTP ERROR 405".
async fn a_get_of_a_form_address_goes_back_to_its_page(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    for (path, page) in [
        ("/mines/5/status", "/mines/5"),
        ("/mines/5/permits", "/mines/5"),
        ("/feed/3/ack", "/feed"),
        ("/accounts/2/unlock", "/accounts/2"),
        ("/organisation/seats/1/file", "/organisation/seats/1"),
        ("/logout", "/login"),
    ] {
        let answer = site.get(path, &office.cookies).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(answer.location.as_deref(), Some(page), "{path}");
    }
}

/// 10.15: a non-numeric id was English `text/plain`.
async fn a_non_numeric_id_is_the_chinese_404(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    for path in [
        "/mines/abc",
        "/mines/0",
        "/permits/1x",
        "/accounts/%20",
        "/companies/-1",
        "/attachments/x",
    ] {
        let page = site.get(path, &office.cookies).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.body.contains("页面不存在"), "{path}: {}", page.body);
    }
    let page = site
        .post(
            "/feed/abc/ack",
            &office.cookies,
            &[("csrf", office.csrf.as_str())],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

/// 10.15: acknowledging a feed item that is not yours, or does not exist, answered "saved".
async fn acknowledging_what_is_not_yours_is_refused(db: Db) {
    let site = site(db).await;
    // The demo's disposal result goes to the office, market regulation and natural resources; the
    // transport officer is not among them.
    let feed = orewatch_app::registry::sharing::feed(
        &site.app,
        &orewatch_app::accounts::caller_of(
            &orewatch_app::accounts::find_by_username(&site.app, &orewatch_app::Caller::system(), "office")
                .await
                .unwrap()
                .unwrap(),
        ),
        false,
        50,
        0,
    )
    .await
    .unwrap();
    let item = feed
        .rows
        .iter()
        .find(|i| i.kind == orewatch_domain::sharing::ShareKind::Disposal)
        .unwrap();
    let nr = site.login("nr_officer", DEMO_PASSWORD).await;
    let mr = site.login("mr_officer", DEMO_PASSWORD).await;
    let outsider = site.login("tr_officer", DEMO_PASSWORD).await;
    let path = format!("/feed/{}/ack", item.id);
    let refused = site
        .post(&path, &outsider.cookies, &[("csrf", outsider.csrf.as_str())])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("无权") || refused.body.contains("只能"),
        "{}",
        refused.body
    );
    let missing = site
        .post("/feed/999999/ack", &nr.cookies, &[("csrf", nr.csrf.as_str())])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let done = site.post(&path, &mr.cookies, &[("csrf", mr.csrf.as_str())]).await;
    assert_eq!(done.location.as_deref(), Some("/feed?flash=acknowledged"));
    let again = site.post(&path, &mr.cookies, &[("csrf", mr.csrf.as_str())]).await;
    assert_eq!(
        again.location.as_deref(),
        Some("/feed?flash=already_acknowledged")
    );
    let page = site.get("/feed?flash=already_acknowledged", &mr.cookies).await;
    assert!(page.body.contains("此前已确认"), "{}", page.body);
}

/// 10.15: a truncated upload answered "表单已过期".
async fn a_truncated_upload_says_it_is_incomplete(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    let boundary = "cutboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"台账.xlsx\"\r\n\r\nPK\u{3}\u{4}partial",
        office.csrf
    );
    let request = Request::post("/registry/import")
        .header(header::COOKIE, &office.cookies)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let page = site.send(request).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.body.contains("上传的内容不完整"), "{}", page.body);
    assert!(!page.body.contains("表单已过期"));
}

/// 10.15: a tampered attachment was a generic 500.
async fn a_tampered_attachment_is_refused_with_its_integrity_named(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    // Content of its own, so no other test shares the stored file.
    let scan = format!(
        "%PDF-1.4 扫描件 {} {:?}",
        std::process::id(),
        std::time::SystemTime::now()
    )
    .into_bytes();
    let csrf = office.csrf.clone();
    let done = site
        .send(multipart(
            "/permits/1/attachments",
            &office.cookies,
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("扫描件.pdf"), &scan),
            ],
        ))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = site.get("/permits/1", &office.cookies).await;
    let at = page.body.rfind("href=\"/attachments/").unwrap() + 19;
    let id: String = page.body[at..].chars().take_while(char::is_ascii_digit).collect();
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(&scan));
    let orewatch_storage::files::FileBackend::Local(dir) = &site.app.settings.files else {
        panic!("the test site keeps its files in a folder");
    };
    let stored = dir.join(&sha[..2]).join(&sha[2..4]).join(&sha);
    std::fs::write(&stored, b"%PDF-1.4 altered").unwrap();
    let page = site.get(&format!("/attachments/{id}"), &office.cookies).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(
        page.body.contains("文件已被改动") && page.body.contains(&sha[..16]),
        "{}",
        page.body
    );
}

/// 10.15: a self-crossing protected-area polygon was accepted.
/// A protected area or a licence whose stored boundary was damaged (a row edited by hand) is not drawn,
/// and the map and the mine page say which, instead of leaving it out without a word.
async fn a_damaged_boundary_is_named_on_the_map_and_the_mine_page(db: Db) {
    let site = site(db.clone()).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    for sql in [
        "UPDATE protected_area SET parcel_json = 'not json' WHERE name = '拉沟自然保护区（演示）'",
        "UPDATE licence SET parcel_json = '{}' WHERE mine_id = 2",
        "UPDATE data_version SET version = version + 1 WHERE area = 'registry'",
    ] {
        assert!(orewatch_testkit::execute_sql(&db, sql).await >= 1, "{sql}");
    }
    let map = site.get("/map", &office.cookies).await;
    assert_eq!(map.status, StatusCode::OK);
    assert!(map.body.contains("id=\"unreadable-layers\""), "{}", map.body);
    assert!(map.body.contains("拉沟自然保护区（演示）"));
    assert!(map.body.contains("id=\"unreadable\""));
    let mine = site.get("/mines/2", &office.cookies).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("矿区范围数据无法读取"), "{}", mine.body);
}

async fn a_self_crossing_layer_polygon_is_refused(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    let bow_tie = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"蝴蝶结"},
        "geometry":{"type":"Polygon","coordinates":[[[109.70,24.50],[109.71,24.51],[109.71,24.50],[109.70,24.51],[109.70,24.50]]]}}]}"#;
    let before = head(&site).await;
    let csrf = office.csrf.clone();
    let page = site
        .send(multipart(
            "/map/layers",
            &office.cookies,
            &[
                ("csrf", None, csrf.as_bytes()),
                ("kind", None, b"protected:reserve"),
                ("file", Some("保护区.geojson"), bow_tie.as_bytes()),
            ],
        ))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("自相交"), "{}", page.body);
    assert_eq!(head(&site).await, before);
}

/// 9.B12: an empty list said "没有符合条件的记录" when nothing had been filtered.
async fn an_empty_list_says_whether_a_filter_emptied_it(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    let filtered = site
        .get("/mines?q=%E4%B8%8D%E5%AD%98%E5%9C%A8", &office.cookies)
        .await;
    assert!(filtered.body.contains("没有符合条件的记录"), "{}", filtered.body);
    // The security log of an account with no events: nothing yet, not "no match".
    let page = site
        .get(
            "/feed?view=open",
            &site.login("tr_officer", DEMO_PASSWORD).await.cookies,
        )
        .await;
    assert!(!page.body.contains("没有符合条件的记录"), "{}", page.body);
}

/// 9.B12: lists sort by a column, both ways.
async fn the_mine_list_sorts_by_a_column_both_ways(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    let names = |body: &str| -> Vec<String> {
        body.split("<td><a href=\"/mines/")
            .skip(1)
            .map(|s| {
                s.split('>')
                    .nth(1)
                    .unwrap()
                    .split('<')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let up = names(&site.get("/mines?sort=name&size=100", &office.cookies).await.body);
    let down = names(
        &site
            .get("/mines?sort=name&dir=desc&size=100", &office.cookies)
            .await
            .body,
    );
    assert!(up.len() > 5);
    let mut sorted = up.clone();
    sorted.sort();
    assert_eq!(up, sorted);
    let mut reversed = down.clone();
    reversed.reverse();
    assert_eq!(up, reversed);
}

/// 10.6: one 600,000-vertex layer made every `/map` 6.8 MB. A layer past the map's vertex budget is
/// drawn simplified, the map says so, and the page stays light; the overlaps still use the full outline.
async fn a_huge_layer_is_drawn_simplified_and_the_map_says_so(db: Db) {
    let site = site(db).await;
    let office = site.login("office", DEMO_PASSWORD).await;
    // A saw-toothed outline whose every vertex matters at the map's scale (teeth of ±200 m), so
    // simplifying to the scale alone leaves it far past the budget.
    let n = 100_000;
    let ring: Vec<String> = (0..=n)
        .map(|i| {
            let t = std::f64::consts::TAU * f64::from(i % n) / f64::from(n);
            let r = 0.08 + if i % 2 == 0 { 0.002 } else { -0.002 };
            format!("[{:.7},{:.7}]", 109.9 + r * t.cos(), 24.5 + r * t.sin())
        })
        .collect();
    let geojson = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"name":"红线"}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}]}}"#,
        ring.join(",")
    );
    let csrf = office.csrf.clone();
    let done = site
        .send(multipart(
            "/map/layers",
            &office.cookies,
            &[
                ("csrf", None, csrf.as_bytes()),
                ("kind", None, b"protected:red_line"),
                ("file", Some("红线.geojson"), geojson.as_bytes()),
            ],
        ))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let map = site.get("/map", &office.cookies).await;
    let note = map
        .body
        .find("budget-note")
        .map(|i| &map.body[i..i + 400])
        .unwrap_or("none");
    assert!(
        map.body.contains("超过地图每层 25000 个顶点的上限"),
        "the map names the simplification: {note}"
    );
    assert!(
        map.body.len() < 450_000,
        "the map page is {} bytes",
        map.body.len()
    );
}

/// 9.A1: a caller without a session was treated as the system operator. Now it may do nothing: every
/// page sends it to the login page, every form is refused, and nothing is written.
async fn a_request_without_a_session_may_do_nothing(db: Db) {
    let site = site(db).await;
    let before = head(&site).await;
    for path in [
        "/",
        "/map",
        "/mines",
        "/mines/1",
        "/mines/suggest?q=a",
        "/mines/export.xlsx",
        "/permits",
        "/permits/1",
        "/companies",
        "/companies/1",
        "/credit",
        "/feed",
        "/organisation",
        "/accounts",
        "/accounts/1",
        "/audit",
        "/audit/security",
        "/townships",
        "/registry/import",
        "/registry/template.xlsx",
        "/attachments/1",
        "/me",
    ] {
        let page = site.get(path, "").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            page.location.as_deref().is_some_and(|l| l.starts_with("/login")),
            "{path}: {:?}",
            page.location
        );
    }
    for path in [
        "/mines",
        "/mines/1/status",
        "/mines/1/permits",
        "/feed",
        "/feed/1/ack",
        "/companies",
        "/credit",
        "/accounts",
        "/accounts/2/unlock",
        "/townships",
        "/organisation/seats/1/file",
        "/me/password",
    ] {
        let page = site
            .post(path, "", &[("name", "x"), ("township", "伪造乡")])
            .await;
        assert!(
            page.status == StatusCode::FORBIDDEN
                || page.location.as_deref().is_some_and(|l| l.starts_with("/login")),
            "{path}: {}",
            page.status
        );
    }
    assert_eq!(head(&site).await, before);
}

on_both_backends!(
    a_damaged_boundary_is_named_on_the_map_and_the_mine_page,
    a_request_without_a_session_may_do_nothing,
    a_huge_layer_is_drawn_simplified_and_the_map_says_so,
    only_a_plain_path_of_this_site_is_returned_to,
    a_control_character_in_a_search_or_form_is_a_field_error_on_both_backends,
    a_get_of_a_form_address_goes_back_to_its_page,
    a_non_numeric_id_is_the_chinese_404,
    acknowledging_what_is_not_yours_is_refused,
    a_truncated_upload_says_it_is_incomplete,
    a_tampered_attachment_is_refused_with_its_integrity_named,
    a_self_crossing_layer_polygon_is_refused,
    an_empty_list_says_whether_a_filter_emptied_it,
    the_mine_list_sorts_by_a_column_both_ways,
);
