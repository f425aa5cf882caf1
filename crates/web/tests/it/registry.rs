//! Registry pages through the whole router: the demo registry (25 mines) is loaded by `site`.

use crate::site::{site, Multipart, Site};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use orewatch_app::registry::workbook;
use orewatch_testkit::on_both_backends;
use tower::ServiceExt;

async fn head(site: &Site) -> i64 {
    let mut conn = site.app.db.conn().await.unwrap();
    orewatch_storage::audit::head(&mut conn).await.unwrap().0
}

/// A multipart upload of `file` as field `file`, with the CSRF token when given.
fn upload(cookies: &str, csrf: Option<&str>, file: &[u8]) -> Request<Body> {
    let form = match csrf {
        Some(token) => Multipart::new().field("csrf", token),
        None => Multipart::new(),
    };
    form.file("file", "台账.xlsx", Some("application/octet-stream"), file)
        .post("/registry/import", cookies)
}

async fn the_registry_pages_show_the_demo_county(db: orewatch_app::Db) {
    let site = site(db).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let mines = site.get("/mines", &office.cookies).await;
    assert_eq!(mines.status, StatusCode::OK);
    assert!(mines.body.contains("共 25 条，第 1/1 页"), "{}", mines.body);
    let town = site
        .get("/mines?township=%E4%B8%AD%E6%B8%A1%E9%95%87", &office.cookies)
        .await;
    let today = orewatch_app::dashboard::china_today(chrono::Utc::now());
    let sample = orewatch_app::registry::sample::generate(25, 6, today);
    let named = |township: &str, inside: bool| {
        sample
            .mines
            .iter()
            .find(|m| (m[1] == township) == inside)
            .map(|m| m[0].clone())
            .unwrap()
    };
    assert!(
        town.body.contains(&named("中渡镇", true)) && !town.body.contains(&named("中渡镇", false)),
        "{}",
        town.body
    );
    let map = site.get("/map", &office.cookies).await;
    assert!(map.body.contains("<svg") && map.body.matches("class=\"lic").count() == 25);
    assert!(
        map.body.contains("与 拉沟自然保护区（演示） 重叠"),
        "the county problem list"
    );
    let only_problems = site.get("/map?layers=1&problem=1", &office.cookies).await;
    assert!(only_problems.body.matches("class=\"lic").count() < 25);
    let mine = site.get("/mines/2", &office.cookies).await;
    assert!(
        mine.body.contains("生产中但没有有效的安全生产许可证"),
        "mine 2's problem"
    );
    assert!(
        mine.body.contains("经度") && mine.body.contains("109."),
        "corner points in lon/lat"
    );
    let expired = site.get("/permits?status=expired", &office.cookies).await;
    assert!(expired.body.contains("badge bad\">已过期") && !expired.body.contains("badge ok\">有效"));
    let export = site
        .get(
            "/mines/export.xlsx?township=%E4%B8%AD%E6%B8%A1%E9%95%87",
            &office.cookies,
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let template = site.get("/registry/template.xlsx", &office.cookies).await;
    assert_eq!(template.status, StatusCode::OK);
    for list in [
        "/companies/export.xlsx?q=%E5%85%B4",
        "/credit/export.xlsx",
        "/permits/export.xlsx?status=expired",
    ] {
        let page = site.get(list, &office.cookies).await;
        assert_eq!(page.status, StatusCode::OK, "{list}");
        assert!(page.body.starts_with("PK"), "{list} is an .xlsx (zip) file");
    }
    // The office suspends a mine, with the reason; it shows on the page and in its timeline.
    let changed = site
        .post(
            "/mines/5/status",
            &office.cookies,
            &[
                ("csrf", office.csrf.as_str()),
                ("status", "suspended"),
                ("note", "越界开采，责令停产整顿"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let mine5 = site.get("/mines/5", &office.cookies).await;
    assert!(mine5.body.contains("停产整顿") && mine5.body.contains("越界开采，责令停产整顿"));
    let same = site
        .post(
            "/mines/5/status",
            &office.cookies,
            &[
                ("csrf", office.csrf.as_str()),
                ("status", "suspended"),
                ("note", "再次提交"),
            ],
        )
        .await;
    assert_eq!(
        same.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a double submit changes nothing"
    );
    // The credit list, and who stands behind the first company.
    let credit = site.get("/credit", &office.cookies).await;
    assert!(credit.body.contains("蒙德贵") && credit.body.contains("非法采矿被行政处罚（演示）"));
    let company = site.get("/companies/1", &office.cookies).await;
    assert!(company.body.contains("id=\"credit-listed\""), "{}", company.body);
    assert!(company.body.contains("这些人还控制") && company.body.contains("实际控制人"));
    // A permit for that company needs a reason: the form comes back with the warning and a field.
    let mine = site.get("/mines/1", &office.cookies).await;
    let code = {
        let at = mine.body.find("id=\"permit-holder\"").unwrap();
        let value = &mine.body[at..];
        let start = value.find("value=\"").unwrap() + 7;
        value[start..start + 18].to_string()
    };
    let refused = site
        .post(
            "/mines/1/permits",
            &office.cookies,
            &[
                ("csrf", office.csrf.as_str()),
                ("kind", "safety"),
                ("permit_no", "（桂）FM安许证字〔2026〕0100"),
                ("holder", code.as_str()),
                ("valid_from", "2026-01-01"),
                ("valid_to", "2029-01-01"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("联合惩戒名单中：蒙德贵"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("name=\"override_reason\""));
    let granted = site
        .post(
            "/mines/1/permits",
            &office.cookies,
            &[
                ("csrf", office.csrf.as_str()),
                ("kind", "safety"),
                ("permit_no", "（桂）FM安许证字〔2026〕0100"),
                ("holder", code.as_str()),
                ("valid_from", "2026-01-01"),
                ("valid_to", "2029-01-01"),
                ("override_reason", "县政府专题会议同意"),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    // The new permit is shared with the mine's area agency (natural resources), which acknowledges it.
    let nr = site.login("nr_officer", orewatch_app::demo::DEMO_PASSWORD).await;
    let feed = site.get("/feed?open=1", &nr.cookies).await;
    assert!(
        feed.body.contains("（桂）FM安许证字〔2026〕0100"),
        "{}",
        feed.body
    );
    let at = feed.body.find("id=\"ack-").unwrap() + 8;
    let id: String = feed.body[at..].chars().take_while(char::is_ascii_digit).collect();
    let ack = site
        .post(
            &format!("/feed/{id}/ack"),
            &nr.cookies,
            &[("csrf", nr.csrf.as_str())],
        )
        .await;
    assert_eq!(ack.status, StatusCode::SEE_OTHER);
    let after = site.get("/feed?open=1", &nr.cookies).await;
    assert!(!after.body.contains("（桂）FM安许证字〔2026〕0100"));
    let all = site.get("/feed", &office.cookies).await;
    assert!(all.body.contains("已确认"));
    // English labels come from the catalogue too.
    let en = site
        .get("/mines/2", &format!("{}; ow_lang=en", office.cookies))
        .await;
    assert!(en
        .body
        .contains("Producing without a valid safety production licence"));
}

async fn a_workbook_with_wrong_columns_is_refused_with_the_column_named(db: orewatch_app::Db) {
    let site = site(db).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let before = head(&site).await;
    // A sheet whose second heading is misspelt.
    let bytes = build_with_headings(&["统一社会信用代码", "企业名", "法定代表人"]);
    let page = site
        .send(upload(&office.cookies, Some(&office.csrf), &bytes))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("无法识别的列“企业名”"), "{}", page.body);
    assert!(page.body.contains("缺少列“企业名称”"));
    assert!(page.body.contains("未导入任何数据"));
    // Not a workbook at all.
    let page = site
        .send(upload(&office.cookies, Some(&office.csrf), b"name,code\n1,2\n"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    // In Chinese, with what to do about it (not a zip library's English).
    assert!(page.body.contains("不是 .xlsx 工作簿"), "{}", page.body);
    assert!(page.body.contains("另存为"));
    assert_eq!(head(&site).await, before);
}

fn build_with_headings(headings: &[&str]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("企业").unwrap();
    for (i, h) in headings.iter().enumerate() {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    sheet.write_string(1, 0, "91450481MACGA1K675").unwrap();
    book.save_to_buffer().unwrap()
}

async fn uploads_need_the_token_and_the_office(db: orewatch_app::Db) {
    let site = site(db).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let officer = site.login("em_officer", orewatch_app::demo::DEMO_PASSWORD).await;
    let before = head(&site).await;
    let sample = orewatch_app::registry::sample::generate(
        30,
        1,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
    );
    let bytes = workbook::build(&sample.companies[13..], &sample.mines[26..], &[], &[]).unwrap();
    let forged = site.send(upload(&office.cookies, None, &bytes)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let refused = site
        .send(upload(&officer.cookies, Some(&officer.csrf), &bytes))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("您的角色无权执行此操作"));
    assert_eq!(head(&site).await, before, "nothing imported");
    let done = site
        .send(upload(&office.cookies, Some(&office.csrf), &bytes))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("矿山 4 座"), "{}", done.body);
    // An agency officer records its own kind of permit, and is refused another agency's.
    let mine = site.get("/mines/3", &officer.cookies).await;
    assert!(mine.body.contains("value=\"safety\"") && !mine.body.contains("value=\"pollutant\""));
}

async fn a_corner_point_typo_is_shown_with_its_line_and_nothing_is_saved(db: orewatch_app::Db) {
    let site = site(db).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let before = head(&site).await;
    let page = site
        .post(
            "/mines/1/licences",
            &office.cookies,
            &[
                ("csrf", office.csrf.as_str()),
                ("kind", "mining"),
                ("licence_no", "C4502232026127139999999"),
                ("holder", "91450481MACGA1K675"),
                ("mineral", "建筑用灰岩"),
                ("method", "open_pit"),
                ("declared_area_km2", "0.04"),
                ("valid_from", "2026-01-01"),
                ("valid_to", "2031-01-01"),
                (
                    "boundary",
                    "1, 2700000, 37380000\n2, 2700000, 3738O200\n3, 2700200, 37380200",
                ),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("第2行：无法识别的拐点坐标"), "{}", page.body);
    assert!(
        page.body.contains("3738O200"),
        "the typed text is kept in the form"
    );
    let bad_code = site
        .post(
            "/companies",
            &office.cookies,
            &[
                ("csrf", office.csrf.as_str()),
                ("credit_code", "91450481MACGA1K676"),
                ("name", "测试"),
                ("legal_rep", "张三"),
            ],
        )
        .await;
    assert_eq!(bad_code.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_code.body.contains("校验位错误，按前17位应为“5”"),
        "{}",
        bad_code.body
    );
    assert_eq!(head(&site).await, before);
}

/// A multipart upload of a layer file with its kind.
fn layer_upload(cookies: &str, csrf: &str, kind: &str, file_name: &str, file: &[u8]) -> Request<Body> {
    Multipart::new()
        .field("csrf", csrf)
        .field("kind", kind)
        .file("file", file_name, Some("application/octet-stream"), file)
        .post("/map/layers", cookies)
}

async fn a_shapefile_layer_is_imported_and_one_without_prj_is_refused(db: orewatch_app::Db) {
    let site = site(db).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/layers");
    let before = head(&site).await;
    let noprj = std::fs::read(fixtures.join("reserve_noprj.zip")).unwrap();
    let refused = site
        .send(layer_upload(
            &office.cookies,
            &office.csrf,
            "protected:reserve",
            "保护区.zip",
            &noprj,
        ))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("缺少 .prj 文件"), "{}", refused.body);
    assert_eq!(head(&site).await, before);
    let zip = std::fs::read(fixtures.join("reserve_gk37.zip")).unwrap();
    let done = site
        .send(layer_upload(
            &office.cookies,
            &office.csrf,
            "protected:wetland",
            "湿地.zip",
            &zip,
        ))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/map?imported=2"));
    let map = site.get("/map?imported=2", &office.cookies).await;
    assert!(
        map.body.contains("已导入 2 个要素") && map.body.contains("湿地 · 测试湿地"),
        "{}",
        map.body
    );
}

async fn a_permit_scan_is_attached_and_downloaded_unchanged(db: orewatch_app::Db) {
    let site = site(db).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let scan: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let request = Multipart::new()
        .field("csrf", &office.csrf)
        .file("file", "安全生产许可证扫描件.pdf", Some("application/pdf"), &scan)
        .post("/permits/1/attachments", &office.cookies);
    let done = site.send(request).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = site.get("/permits/1", &office.cookies).await;
    assert!(
        page.body.contains("安全生产许可证扫描件.pdf") && page.body.contains("4.9 KB"),
        "{}",
        page.body
    );
    let at = page.body.find("href=\"/attachments/").unwrap() + 19;
    let id: String = page.body[at..].chars().take_while(char::is_ascii_digit).collect();
    let response = site
        .router
        .clone()
        .oneshot(
            Request::get(format!("/attachments/{id}"))
                .header(header::COOKIE, &office.cookies)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_TYPE], "application/pdf");
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(bytes.as_ref(), scan.as_slice());
}

on_both_backends!(
    a_permit_scan_is_attached_and_downloaded_unchanged,
    a_shapefile_layer_is_imported_and_one_without_prj_is_refused,
    the_registry_pages_show_the_demo_county,
    a_workbook_with_wrong_columns_is_refused_with_the_column_named,
    uploads_need_the_token_and_the_office,
    a_corner_point_typo_is_shown_with_its_line_and_nothing_is_saved,
);
