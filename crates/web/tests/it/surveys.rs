//! Drone surveys through the whole router, on the demo's surveys: the list and the result page for the
//! office and an agency officer, the result files, and the streamed upload — its CSRF token checked
//! before any file byte, wrong files refused in Chinese with nothing kept, a GDAL-shaped DEM recorded
//! and analysed by the worker.

use crate::site::{site, Multipart, Site};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use orewatch_app::surveys::worker::{self, Ran};
use orewatch_testkit::on_both_backends;

/// A streamed upload to `/mines/{mine}/surveys`: the fields in order, then the DEM (or the DEM first
/// when `file_first`; no file part when `file` is empty).
fn upload(mine: i64, cookies: &str, fields: &[(&str, &str)], file: &[u8], file_first: bool) -> Request<Body> {
    let with_fields = |form: Multipart| fields.iter().fold(form, |f, (name, value)| f.field(name, value));
    // No file at all (a form naming a chunked upload, its file input disabled).
    let with_file = |form: Multipart| {
        if file.is_empty() {
            form
        } else {
            form.file("dem", "航测DEM.tif", Some("image/tiff"), file)
        }
    };
    let form = if file_first {
        with_fields(with_file(Multipart::new()))
    } else {
        with_file(with_fields(Multipart::new()))
    };
    form.post(&format!("/mines/{mine}/surveys"), cookies)
}

async fn survey_count(site: &Site) -> i64 {
    let mut conn = site.app.db.conn().await.unwrap();
    orewatch_storage::surveys::count(&mut conn).await.unwrap()
}

/// The demo's latest DEM of `mine`, lowered by 2 m in a 20 × 20 cell block at its centre.
async fn next_flight(site: &Site, mine: i64) -> Vec<u8> {
    let mut conn = site.app.db.conn().await.unwrap();
    let latest = orewatch_storage::surveys::of_mine(&mut conn, orewatch_domain::MineId(mine))
        .await
        .unwrap()
        .remove(0);
    drop(conn);
    let orewatch_storage::files::FileBackend::Local(root) = &site.app.settings.files else {
        panic!("the test site keeps files in a folder");
    };
    let sha = &latest.dem_sha256;
    let stored = root.join(&sha[..2]).join(&sha[2..4]).join(sha);
    let mut dem = orewatch_spatial::geotiff::DemReader::open(&stored).unwrap();
    let info = dem.info().clone();
    let mut values: Vec<f32> = dem.read_all().unwrap().iter().map(|v| *v as f32).collect();
    let (w, h) = (info.grid.width, info.grid.height);
    for r in h / 2 - 10..h / 2 + 10 {
        for c in w / 2 - 10..w / 2 + 10 {
            values[r * w + c] -= 2.0;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("next.tif");
    orewatch_spatial::dem_writer::write_dem(&path, &info.grid, &info.crs, &values).unwrap();
    std::fs::read(path).unwrap()
}

async fn surveys_are_listed_shown_and_uploaded_through_the_router(db: orewatch_app::Db) {
    let site = site(db).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let list = site.get("/mines/2/surveys", &office.cookies).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("id=\"survey-form\"") && list.body.contains("id=\"survey-trend\""));
    assert!(list.body.contains("demo-mine2-"), "{}", list.body);
    let mine_page = site.get("/mines/2", &office.cookies).await;
    assert!(mine_page.body.contains("href=\"/mines/2/surveys\""));
    // The demo's analyses: mine 2's has a patch outside, a sump below the floor and a high face.
    let mut conn = site.app.db.conn().await.unwrap();
    let analyses = orewatch_storage::surveys::analyses_of_mine(&mut conn, orewatch_domain::MineId(2))
        .await
        .unwrap();
    drop(conn);
    let id = analyses[0].id;
    let page = site.get(&format!("/analyses/{id}"), &office.cookies).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "越界开采：",
        "越层开采：",
        "id=\"patch-1\"",
        "href=\"#patch-1\"",
        "/files/change.png",
        "SHA-256",
    ] {
        assert!(page.body.contains(text), "{text} missing in {}", page.body);
    }
    let png = site
        .get(&format!("/analyses/{id}/files/change.png"), &office.cookies)
        .await;
    assert_eq!(png.status, StatusCode::OK);
    assert!(png.body.contains("PNG"));
    let other = site
        .get(&format!("/analyses/{id}/files/secret.txt"), &office.cookies)
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // An agency officer reads but does not record.
    let officer = site.login("ps_officer", orewatch_app::demo::DEMO_PASSWORD).await;
    let read = site.get("/mines/2/surveys", &officer.cookies).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(!read.body.contains("id=\"survey-form\""));
    let fields = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("flown_on", "2026-11-27".to_string()),
            ("contractor", "某测绘院".to_string()),
            ("method", "lidar".to_string()),
        ]
    };
    let as_refs =
        |f: &Vec<(&'static str, String)>| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let officer_fields = as_refs(&fields(&officer.csrf));
    let officer_fields: Vec<(&str, &str)> = officer_fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let before = survey_count(&site).await;
    let dem = next_flight(&site, 2).await;
    let forbidden = site
        .send(upload(2, &officer.cookies, &officer_fields, &dem, false))
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let office_fields = as_refs(&fields(&office.csrf));
    let office_fields: Vec<(&str, &str)> = office_fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The token must come before the file; a wrong or missing one is refused before any byte is kept.
    let file_first = site
        .send(upload(2, &office.cookies, &office_fields, &dem, true))
        .await;
    assert_eq!(file_first.status, StatusCode::FORBIDDEN, "{}", file_first.body);
    let wrong: Vec<(&str, &str)> = office_fields
        .iter()
        .map(|&(k, v)| if k == "csrf" { (k, "x") } else { (k, v) })
        .collect();
    let wrong_token = site.send(upload(2, &office.cookies, &wrong, &dem, false)).await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    // Not a DEM: refused in Chinese on the form.
    let text = site
        .send(upload(2, &office.cookies, &office_fields, b"not a tiff", false))
        .await;
    assert_eq!(text.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.body.contains("不是有效的 TIFF 文件"), "{}", text.body);
    assert_eq!(survey_count(&site).await, before);
    let scratch = &site.app.settings.surveys.scratch_dir;
    let leftovers = std::fs::read_dir(scratch)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(leftovers, 0, "no staged file is left behind");

    // The next flight: recorded, its analysis queued and run.
    let recorded = site
        .send(upload(2, &office.cookies, &office_fields, &dem, false))
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let location = recorded.location.unwrap();
    assert!(location.starts_with("/analyses/") && location.ends_with("flash=survey_recorded"));
    assert_eq!(survey_count(&site).await, before + 1);
    assert!(matches!(
        worker::run_once(&site.app, "test").await.unwrap(),
        Ran::Done { .. }
    ));
    let result = site.get(&location, &office.cookies).await;
    assert!(result.body.contains("已完成"), "{}", result.body);
    // 400 cells of 4 × 4 m lowered 2 m: 12,800 m³ inside.
    assert!(result.body.contains("12,800.0 m³"), "{}", result.body);
    // A double submit of the same file is refused, naming the survey it already is.
    let again = site
        .send(upload(2, &office.cookies, &office_fields, &dem, false))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.body.contains("该文件已登记为本矿山 2026-11-27 的测量成果"),
        "{}",
        again.body
    );
}

/// The demo's latest DEM of `mine` as a LAS cloud in its CRS (EPSG:4546): four ground points in every
/// valid cell, a metre below the DEM, and a tree 6 m above every cell.
async fn next_cloud(site: &Site, mine: i64) -> Vec<u8> {
    let mut conn = site.app.db.conn().await.unwrap();
    let latest = orewatch_storage::surveys::of_mine(&mut conn, orewatch_domain::MineId(mine))
        .await
        .unwrap()
        .remove(0);
    drop(conn);
    let orewatch_storage::files::FileBackend::Local(root) = &site.app.settings.files else {
        panic!("the test site keeps files in a folder");
    };
    let sha = &latest.dem_sha256;
    let mut dem =
        orewatch_spatial::geotiff::DemReader::open(&root.join(&sha[..2]).join(&sha[2..4]).join(sha)).unwrap();
    let grid = dem.info().grid.clone();
    let values = dem.read_all().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cloud.las");
    let mut writer = orewatch_testkit::survey::las_writer(&path, (grid.left_m, grid.bottom_m()), 4546);
    let point = |x, y, z, classification| las::Point {
        x,
        y,
        z,
        classification,
        ..Default::default()
    };
    for row in 0..grid.height {
        for col in 0..grid.width {
            let z = values[row * grid.width + col];
            if z.is_nan() {
                continue;
            }
            let (x, y) = (grid.center_x(col), grid.center_y(row));
            for (dx, dy) in [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)] {
                writer
                    .write_point(point(x + dx, y + dy, z - 1.0, las::point::Classification::Ground))
                    .unwrap();
            }
            writer
                .write_point(point(x, y, z + 6.0, las::point::Classification::HighVegetation))
                .unwrap();
        }
    }
    writer.close().unwrap();
    drop(writer);
    std::fs::read(path).unwrap()
}

async fn a_point_cloud_upload_is_gridded_and_named_on_the_result_page(db: orewatch_app::Db) {
    let site = site(db).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let cloud = next_cloud(&site, 3).await;
    let fields = |cell: &'static str| {
        vec![
            ("csrf", office.csrf.as_str()),
            ("flown_on", "2026-11-27"),
            ("contractor", "某测绘院"),
            ("method", "lidar"),
            ("cell_m", cell),
        ]
    };
    let before = survey_count(&site).await;
    // Told by its content (the name says .tif): a cloud needs its cell size.
    let no_cell = site
        .send(upload(3, &office.cookies, &fields(""), &cloud, false))
        .await;
    assert_eq!(no_cell.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_cell.body.contains("此项为必填项"), "{}", no_cell.body);
    assert_eq!(survey_count(&site).await, before);
    let recorded = site
        .send(upload(3, &office.cookies, &fields("4"), &cloud, false))
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let location = recorded.location.unwrap();
    assert!(matches!(
        worker::run_once(&site.app, "test").await.unwrap(),
        Ran::Done { .. }
    ));
    let result = site.get(&location, &office.cookies).await;
    assert!(result.body.contains("已完成"), "{}", result.body);
    // The later survey is the DEM gridded from the cloud, and the page says so with the cloud's hash.
    assert!(result.body.contains("航测DEM.dem.tif"), "{}", result.body);
    assert!(result.body.contains("id=\"after-cloud\""), "{}", result.body);
    assert!(result.body.contains("使用地面点（类别 2）"), "{}", result.body);
    assert!(result.body.contains(&hex_sha(&cloud)), "{}", result.body);
    let list = site.get("/mines/3/surveys", &office.cookies).await;
    assert!(list.body.contains("由点云 航测DEM.tif"), "{}", list.body);
}

/// The demo's proposals on mine 2's analysis: the officer reads them, the office confirms one onto the
/// ledger (a refused deadline shown again with its values), dismisses one (a reason required), and the
/// finding's page names the survey; mine 1's first analysis shows its re-flight.
async fn proposals_are_confirmed_or_dismissed_on_the_result_page(db: orewatch_app::Db) {
    let site = site(db).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let officer = site.login("ps_officer", orewatch_app::demo::DEMO_PASSWORD).await;
    let mut conn = site.app.db.conn().await.unwrap();
    let analysis = orewatch_storage::surveys::analyses_of_mine(&mut conn, orewatch_domain::MineId(2))
        .await
        .unwrap()[0]
        .id;
    let listed = orewatch_storage::proposals::of_analysis(&mut conn, analysis)
        .await
        .unwrap();
    drop(conn);
    let kinds: Vec<&str> = listed.iter().map(|p| p.kind.as_str()).collect();
    assert!(
        kinds.contains(&"out_of_bounds") && kinds.contains(&"below_floor"),
        "{kinds:?}"
    );
    let (oob, floor) = (&listed[0], &listed[1]);
    let path = format!("/analyses/{analysis}");
    let read = site.get(&path, &officer.cookies).await;
    assert!(read.body.contains("id=\"proposals\"") && read.body.contains("待确认"));
    assert!(
        !read.body.contains("action=\"/proposals/"),
        "no forms for an officer"
    );
    let denied = site
        .post(
            &format!("/proposals/{}/dismiss", oob.id),
            &officer.cookies,
            &[("csrf", &officer.csrf), ("reason", "不是")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let page = site.get(&path, &office.cookies).await;
    assert!(
        page.body.contains(&format!("id=\"confirm-{}\"", oob.id)),
        "{}",
        page.body
    );
    // The mine's survey list says how many wait for the office.
    let list = site.get("/mines/2/surveys", &office.cookies).await;
    assert!(
        list.body.contains(&format!("id=\"undecided-{analysis}\"")),
        "{}",
        list.body
    );
    assert!(
        page.body.contains("无人机测量对比分析 #"),
        "the suggested description"
    );
    let confirm = |deadline: &'static str| {
        vec![
            ("csrf", office.csrf.clone()),
            ("agency", "nr".to_string()),
            ("severity", "major".to_string()),
            ("deadline_on", deadline.to_string()),
            ("description", "矿区范围外西侧挖损，越界开采".to_string()),
            ("legal_basis", "《矿产资源法》".to_string()),
        ]
    };
    let refs = |f: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { f.clone() };
    let past = refs(&confirm("2020-01-01"));
    let past: Vec<(&str, &str)> = past.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = site
        .post(&format!("/proposals/{}/confirm", oob.id), &office.cookies, &past)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .body
        .contains(&format!("id=\"proposal-{}-errors\"", oob.id)));
    assert!(
        refused.body.contains("矿区范围外西侧挖损，越界开采"),
        "the values sent are kept"
    );
    let good = refs(&confirm("2027-01-31"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = site
        .post(&format!("/proposals/{}/confirm", oob.id), &office.cookies, &good)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let twice = site
        .post(&format!("/proposals/{}/confirm", oob.id), &office.cookies, &good)
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY, "a double submit");
    assert!(
        twice.body.contains(&format!("id=\"proposal-{}-errors\"", oob.id)),
        "the double submit is told why: {}",
        twice.body
    );

    let empty = site
        .post(
            &format!("/proposals/{}/dismiss", floor.id),
            &office.cookies,
            &[("csrf", &office.csrf), ("reason", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let dismissed = site
        .post(
            &format!("/proposals/{}/dismiss", floor.id),
            &office.cookies,
            &[("csrf", &office.csrf), ("reason", "集水坑，经现场核实为排水设施")],
        )
        .await;
    assert_eq!(dismissed.status, StatusCode::SEE_OTHER);
    let page = site.get(&path, &office.cookies).await;
    assert!(page.body.contains("集水坑，经现场核实为排水设施"));
    let finding = page
        .body
        .split(&format!("id=\"proposal-{}-finding\"", oob.id))
        .next()
        .and_then(|head| head.rsplit("href=\"/findings/").next())
        .and_then(|tail| tail.split('"').next())
        .unwrap()
        .to_string();
    let shown = site.get(&format!("/findings/{finding}"), &office.cookies).await;
    assert!(shown.body.contains("id=\"monitoring\""), "{}", shown.body);
    assert!(shown.body.contains("id=\"monitoring-volume\""));
    assert!(shown.body.contains("越界开采") && shown.body.contains("SHA-256"));

    // Mine 1 was flown three times: its first analysis's patch is read by the second.
    let mut conn = site.app.db.conn().await.unwrap();
    let first = *orewatch_storage::surveys::analyses_of_mine(&mut conn, orewatch_domain::MineId(1))
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect::<Vec<_>>()
        .last()
        .unwrap();
    drop(conn);
    let earlier = site.get(&format!("/analyses/{first}"), &office.cookies).await;
    assert!(earlier.body.contains("原图斑内未继续开采"), "{}", earlier.body);

    // The printable report names the decisions and the files by hash.
    let printed = site.get(&format!("{path}/print"), &officer.cookies).await;
    assert_eq!(printed.status, StatusCode::OK);
    for needle in [
        "无人机监测比对报告",
        "id=\"report-proposals\"",
        "集水坑，经现场核实为排水设施",
        "/files/change.png",
        "打印时间",
    ] {
        assert!(
            printed.body.contains(needle),
            "{needle} missing in {}",
            printed.body
        );
    }
}

/// Starts a resumable upload of `size` bytes for mine 2 as `who`; the response as it came.
async fn start_upload(site: &Site, who: &crate::site::Visitor, size: usize) -> crate::site::Page {
    let size = size.to_string();
    site.post(
        "/mines/2/surveys/uploads",
        &who.cookies,
        &[("csrf", &who.csrf), ("name", "航测.tif"), ("size", &size)],
    )
    .await
}

/// The id of an upload as the start answered it.
fn upload_id(started: &crate::site::Page) -> String {
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let status: serde_json::Value = serde_json::from_str(&started.body).unwrap();
    status["id"].as_str().unwrap().to_string()
}

/// A chunk of upload `id` from `offset`, with the CSRF token sent (`token`, as the script sends it).
fn chunk(id: &str, who: &crate::site::Visitor, offset: usize, bytes: &[u8], token: &str) -> Request<Body> {
    Request::put(format!("/uploads/{id}?offset={offset}"))
        .header(header::COOKIE, who.cookies.clone())
        .header("x-csrf-token", token.to_string())
        .body(Body::from(bytes.to_vec()))
        .unwrap()
}

/// The latest survey of mine 2.
async fn latest_survey(site: &Site) -> orewatch_storage::surveys::Survey {
    let mut conn = site.app.db.conn().await.unwrap();
    orewatch_storage::surveys::of_mine(&mut conn, orewatch_domain::MineId(2))
        .await
        .unwrap()
        .remove(0)
}

/// A large survey file sent in resumable chunks: started by the office for a mine, chunks appended at
/// the offset the server holds (a repeated chunk answered with where to go on), then named in the form;
/// a form refused for its date keeps the upload, the corrected one records it and removes it.
async fn a_chunked_upload_resumes_and_is_recorded_by_the_form(db: orewatch_app::Db) {
    let site = site(db).await;
    let office = site.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let officer = site.login("ps_officer", orewatch_app::demo::DEMO_PASSWORD).await;
    let dem = next_flight(&site, 2).await;
    // Only who may record surveys starts one.
    let denied = start_upload(&site, &officer, dem.len()).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let id = upload_id(&start_upload(&site, &office, dem.len()).await);
    let put = |offset: usize, bytes: Vec<u8>, token: &str| chunk(&id, &office, offset, &bytes, token);
    let half = dem.len() / 2;
    let no_token = site.send(put(0, dem[..half].to_vec(), "")).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let first = site.send(put(0, dem[..half].to_vec(), &office.csrf)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    // The answer was lost and the chunk sent again: nothing appended, go on from what arrived.
    let again = site.send(put(0, dem[..half].to_vec(), &office.csrf)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body.contains(&format!("\"received\":{half}")),
        "{}",
        again.body
    );
    let other = site.get(&format!("/uploads/{id}"), &officer.cookies).await;
    assert_eq!(
        other.status,
        StatusCode::NOT_FOUND,
        "another account's upload is not found"
    );
    // The form sent before the last chunk: refused, nothing recorded.
    let before = survey_count(&site).await;
    let form = |flown_on: &str, token: &str| -> Vec<(String, String)> {
        vec![
            ("csrf".into(), token.into()),
            ("upload".into(), id.clone()),
            ("flown_on".into(), flown_on.into()),
            ("contractor".into(), "某测绘院".into()),
            ("method".into(), "lidar".into()),
        ]
    };
    let send_form = |fields: Vec<(String, String)>| {
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        upload(2, &office.cookies, &refs, b"", false)
    };
    let early = site.send(send_form(form("2026-11-27", &office.csrf))).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.body.contains("尚未上传完成"), "{}", early.body);
    let last = site.send(put(half, dem[half..].to_vec(), &office.csrf)).await;
    assert_eq!(last.status, StatusCode::OK);
    // A date in the future: refused, and the page keeps the upload for the corrected form.
    let future = site.send(send_form(form("2099-01-01", &office.csrf))).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        future.body.contains(&format!("name=\"upload\" value=\"{id}\"")),
        "{}",
        future.body
    );
    assert!(future.body.contains("id=\"upload-kept\""));
    assert_eq!(survey_count(&site).await, before);
    let recorded = site.send(send_form(form("2026-11-27", &office.csrf))).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    assert_eq!(survey_count(&site).await, before + 1);
    let gone = site.get(&format!("/uploads/{id}"), &office.cookies).await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "the upload is removed once recorded"
    );
    // The recorded file is the one sent in chunks.
    let latest = latest_survey(&site).await;
    assert_eq!(latest.dem_sha256, hex_sha(&dem));
    assert_eq!(latest.dem_name, "航测.tif");
}

/// Two servers behind one address, as a city runs them: each its own app, caches and scratch folder,
/// over one database and one file store. An upload started and half sent through the first is
/// continued, finished and named in the form through the second; the first then knows it is gone.
async fn an_upload_begun_on_one_server_is_finished_through_another(db: orewatch_app::Db) {
    let shared = tempfile::tempdir().unwrap();
    let server = |name: &'static str| {
        let root = shared.path().to_path_buf();
        move |s: &mut orewatch_app::Settings| {
            s.files = orewatch_storage::files::FileBackend::Local(root.join("files"));
            s.surveys.scratch_dir = root.join(name);
        }
    };
    let a = crate::site::site_with(db.clone(), server("scratch-a")).await;
    let b = crate::site::site_with(db, server("scratch-b")).await;
    let office = a.login("office", orewatch_app::demo::DEMO_PASSWORD).await;
    let dem = next_flight(&a, 2).await;
    let id = upload_id(&start_upload(&a, &office, dem.len()).await);
    let put = |offset: usize, bytes: &[u8]| chunk(&id, &office, offset, bytes, &office.csrf);
    let half = dem.len() / 2;
    assert_eq!(a.send(put(0, &dem[..half])).await.status, StatusCode::OK);
    // The second server knows how far the upload is, takes the rest, and refuses a repeat of the first half.
    let asked = b.get(&format!("/uploads/{id}"), &office.cookies).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert!(
        asked.body.contains(&format!("\"received\":{half}")),
        "{}",
        asked.body
    );
    assert_eq!(b.send(put(0, &dem[..half])).await.status, StatusCode::CONFLICT);
    assert_eq!(b.send(put(half, &dem[half..])).await.status, StatusCode::OK);
    let before = survey_count(&b).await;
    let fields = [
        ("csrf", office.csrf.as_str()),
        ("upload", id.as_str()),
        ("flown_on", "2026-11-27"),
        ("contractor", "某测绘院"),
        ("method", "lidar"),
    ];
    let recorded = b.send(upload(2, &office.cookies, &fields, b"", false)).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    assert_eq!(survey_count(&a).await, before + 1);
    let gone = a.get(&format!("/uploads/{id}"), &office.cookies).await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "the upload is removed for every server"
    );
    assert_eq!(latest_survey(&a).await.dem_sha256, hex_sha(&dem));
    // Neither server kept a copy in its scratch folder.
    for name in ["scratch-a", "scratch-b"] {
        let left: Vec<_> = std::fs::read_dir(shared.path().join(name).join("uploads"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{name}: {left:?}");
    }
}

fn hex_sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

on_both_backends!(
    a_point_cloud_upload_is_gridded_and_named_on_the_result_page,
    a_chunked_upload_resumes_and_is_recorded_by_the_form,
    an_upload_begun_on_one_server_is_finished_through_another,
    surveys_are_listed_shown_and_uploaded_through_the_router,
    proposals_are_confirmed_or_dismissed_on_the_result_page,
);
