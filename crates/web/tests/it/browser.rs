//! A real browser: headless Chromium through WebDriver (chromedriver) against the real server.
//!
//! Skips with a notice where chromedriver is absent, unless `OREWATCH_REQUIRE_BROWSER=1` (CI), where
//! that is a failure. With `OREWATCH_SCREENSHOT_DIR` set, it saves a PNG of each page it visits.

use fantoccini::{Client, ClientBuilder, Locator};
use orewatch_app::password::HashCost;
use orewatch_app::{App, Db, Settings, SystemClock};
use orewatch_testkit::on_both_backends;
use orewatch_web::{router, WebConfig, WebState};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

pub(crate) fn browser_available() -> bool {
    let present = std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists();
    if !present {
        if std::env::var("OREWATCH_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("OREWATCH_REQUIRE_BROWSER=1 but {CHROMEDRIVER} or {CHROMIUM} is missing");
        }
        let _ = writeln!(
            std::io::stderr(),
            "\n*** Browser test SKIPPED: install Debian's chromium and chromium-driver to run it. ***\n"
        );
    }
    present
}

/// Starts the whole platform on a free loopback port, with the demo's people (each test brings the
/// registry it needs).
async fn serve(db: Db) -> SocketAddr {
    serve_app(demo_people(db).await).await
}

/// Starts the whole platform for `app` on a free loopback port.
pub(crate) async fn serve_app(app: App) -> SocketAddr {
    let state = WebState::new(
        app,
        WebConfig {
            demo_mode: true,
            ..WebConfig::default()
        },
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        orewatch_web::serve::serve(
            listener,
            router(state),
            Default::default(),
            std::future::pending(),
        )
        .await
        .unwrap();
    });
    addr
}

/// The app on `db`, bootstrapped, with the demo's people (cheap password hashing).
async fn demo_people(db: Db) -> App {
    let settings = Settings {
        password: HashCost::for_tests(),
        ..Settings::default()
    };
    let app = App::new(db, Arc::new(SystemClock), settings).unwrap();
    orewatch_app::bootstrap::prepare(&app).await.unwrap();
    orewatch_app::demo::load_people_if_empty(&app).await.unwrap();
    app
}

/// Logs in through the login page and waits for the dashboard.
async fn log_in(client: &Client, base: &str, username: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    fill(client, "username", username).await;
    fill(client, "password", orewatch_app::demo::DEMO_PASSWORD).await;
    click(client, Locator::Id("login-submit")).await;
    client
        .wait()
        .for_element(Locator::Id("stat-agencies"))
        .await
        .unwrap();
}

/// A running chromedriver, killed when dropped.
pub(crate) struct Driver {
    child: std::process::Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver { child, port };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

pub(crate) async fn open_browser(driver: &Driver) -> Client {
    let profile = orewatch_testkit::tempfile::tempdir().unwrap();
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1366,900",
    ];
    let mut options = serde_json::Map::new();
    options.insert("binary".into(), CHROMIUM.into());
    let mut all_args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    all_args.push(format!("--user-data-dir={}", profile.keep().display()));
    options.insert("args".into(), all_args.into());
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options.into());
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("connect to chromedriver")
}

pub(crate) async fn shot(client: &Client, name: &str) {
    if let Ok(dir) = std::env::var("OREWATCH_SCREENSHOT_DIR") {
        let png = client.screenshot().await.unwrap();
        let path = PathBuf::from(dir).join(format!("{name}.png"));
        std::fs::write(path, png).unwrap();
    }
}

pub(crate) async fn click(client: &Client, locator: Locator<'_>) {
    client.find(locator).await.unwrap().click().await.unwrap();
}

pub(crate) async fn fill(client: &Client, id: &str, text: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Waits (up to 5 s) until the element's text holds `needle`; the page may be navigating meanwhile.
pub(crate) async fn wait_for_text(client: &Client, css: &str, needle: &str) -> bool {
    for _ in 0..50 {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if element.text().await.is_ok_and(|t| t.contains(needle)) {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

pub(crate) async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn office_changes_the_commander_and_finds_it_in_the_audit_log(db: Db) {
    if !browser_available() {
        return;
    }
    let deputy = {
        let app = demo_people(db.clone()).await;
        orewatch_app::accounts::find_by_username(&app, &orewatch_app::Caller::system(), "deputy")
            .await
            .unwrap()
            .unwrap()
    };
    let addr = serve(db).await;
    let base = format!("http://{addr}");
    let driver = start_driver().await;
    let client = open_browser(&driver).await;

    // Log in as the office.
    client.goto(&format!("{base}/login")).await.unwrap();
    shot(&client, "01-login").await;
    fill(&client, "username", "office").await;
    fill(&client, "password", orewatch_app::demo::DEMO_PASSWORD).await;
    click(&client, Locator::Id("login-submit")).await;
    client
        .wait()
        .for_element(Locator::Id("stat-agencies"))
        .await
        .unwrap();
    assert_eq!(text_of(&client, "#stat-agencies").await, "11");
    shot(&client, "02-dashboard").await;

    // Open the organisation and the commander's seat.
    click(&client, Locator::LinkText("组织机构")).await;
    client.wait().for_element(Locator::Id("agencies")).await.unwrap();
    shot(&client, "03-organisation").await;
    assert!(text_of(&client, "#seat-1 .holder").await.contains("蒙国栋"));
    click(&client, Locator::Css("#seat-1 a")).await;
    client
        .wait()
        .for_element(Locator::Id("file-submit"))
        .await
        .unwrap();

    // File the deputy as the new commander.
    click(
        &client,
        Locator::Css(&format!("#holder option[value='{}']", deputy.id.0)),
    )
    .await;
    client
        .execute("document.getElementById('from_on').value = '2026-11-20';", vec![])
        .await
        .unwrap();
    fill(&client, "note", "县政府调整分工，浏览器测试").await;
    shot(&client, "04-seat-form").await;
    click(&client, Locator::Id("file-submit")).await;
    // The page asks for confirmation first; wait for the dialog rather than guess how long it takes.
    let mut accepted = false;
    for _ in 0..50 {
        if client.accept_alert().await.is_ok() {
            accepted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(accepted, "the filing form asks for confirmation");
    client.wait().for_element(Locator::Id("flash")).await.unwrap();
    assert!(text_of(&client, "#current-holder").await.contains("覃丽华"));
    assert!(
        text_of(&client, "#history").await.contains("蒙国栋"),
        "the previous commander stays in the history"
    );
    shot(&client, "05-seat-filed").await;

    // The change is in the audit log, filtered by record type.
    click(&client, Locator::LinkText("审计日志")).await;
    client
        .wait()
        .for_element(Locator::Id("record_type"))
        .await
        .unwrap();
    click(&client, Locator::Css("#record_type option[value='seat']")).await;
    click(&client, Locator::Id("audit-filter")).await;
    client
        .wait()
        .for_element(Locator::Css("#audit tbody tr"))
        .await
        .unwrap();
    let first_row = text_of(&client, "#audit tbody tr:first-child").await;
    shot(&client, "06-audit").await;
    assert!(first_row.contains("成员调整备案"), "{first_row}");
    assert!(
        first_row.contains("覃丽华") && first_row.contains("蒙国栋"),
        "before and after holders: {first_row}"
    );
    assert!(first_row.contains("县政府调整分工，浏览器测试"), "{first_row}");
    // People by name, not by login.
    assert!(first_row.contains("韦志明"), "{first_row}");
    assert!(
        first_row.contains("任职记录（第1行：蒙国栋） · 截止日期"),
        "{first_row}"
    );

    // English is one click away.
    click(&client, Locator::Id("lang-switch")).await;
    client
        .wait()
        .for_element(Locator::LinkText("Organisation"))
        .await
        .unwrap();
    shot(&client, "07-audit-en").await;
    client.close().await.unwrap();
}

on_both_backends!(office_changes_the_commander_and_finds_it_in_the_audit_log);

async fn office_imports_a_workbook_and_finds_a_mines_problems_from_the_map(db: Db) {
    if !browser_available() {
        return;
    }
    // People only: the registry is filled by the import below.
    demo_people(db.clone()).await;
    let today = orewatch_app::dashboard::china_today(chrono::Utc::now());
    let sample = orewatch_app::registry::sample::generate(12, 6, today);
    let bytes = orewatch_app::registry::workbook::build(
        &sample.companies,
        &sample.mines,
        &sample.licences,
        &sample.permits,
    )
    .unwrap();
    let dir = orewatch_testkit::tempfile::tempdir().unwrap();
    let file = dir.path().join("矿山台账.xlsx");
    std::fs::write(&file, bytes).unwrap();

    let addr = serve(db).await;
    let base = format!("http://{addr}");
    let driver = start_driver().await;
    let client = open_browser(&driver).await;
    log_in(&client, &base, "office").await;

    // The county's townships first: a mine can only name one on the managed list.
    client.goto(&format!("{base}/mines")).await.unwrap();
    click(&client, Locator::Id("townships-link")).await;
    for name in orewatch_app::registry::sample::TOWNSHIPS {
        client.wait().for_element(Locator::Id("township")).await.unwrap();
        fill(&client, "township", name).await;
        click(&client, Locator::Id("add-township")).await;
        assert!(
            wait_for_text(&client, "#townships", name).await,
            "{name} was added"
        );
    }
    let listed = text_of(&client, "#townships").await;
    assert!(listed.contains("拉沟乡") && listed.contains("中渡镇"), "{listed}");
    shot(&client, "10-townships").await;

    // Import the workbook.
    click(&client, Locator::LinkText("批量导入")).await;
    client
        .wait()
        .for_element(Locator::Id("import-form"))
        .await
        .unwrap();
    client
        .find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    shot(&client, "11-import-form").await;
    click(&client, Locator::Id("import-submit")).await;
    client
        .wait()
        .for_element(Locator::Id("import-done"))
        .await
        .unwrap();
    let done = text_of(&client, "#import-done").await;
    assert!(
        done.contains("矿山 12 座") && done.contains("许可证 72 件"),
        "{done}"
    );
    shot(&client, "12-imported").await;

    // Open the county map and click a licence coloured as having problems.
    click(&client, Locator::LinkText("一张图")).await;
    client
        .wait()
        .for_element(Locator::Id("county-map"))
        .await
        .unwrap();
    shot(&client, "13-map").await;
    let problems: usize = text_of(&client, "#count-problem").await.parse().unwrap();
    assert!(problems > 0);
    click(&client, Locator::Css("#county-map .layer-problem a.lic")).await;
    client
        .wait()
        .for_element(Locator::Id("permit-table"))
        .await
        .unwrap();
    shot(&client, "14-mine").await;

    // The mine page lists its permits with their expiry status and its consistency problems.
    let problems = text_of(&client, "#problems").await;
    assert!(
        client
            .find(Locator::Css("#problems ul.problems li"))
            .await
            .is_ok(),
        "a mine coloured red shows its problems: {problems}"
    );
    let permits = client
        .find_all(Locator::Css("#permit-table tbody tr"))
        .await
        .unwrap();
    assert_eq!(permits.len(), 6);
    let statuses = text_of(&client, "#permit-table tbody").await;
    let known = [
        "有效",
        "90天内到期",
        "60天内到期",
        "30天内到期",
        "已过期",
        "暂扣",
        "吊销",
    ];
    assert!(known.iter().any(|s| statuses.contains(s)), "{statuses}");
    assert!(text_of(&client, ".corners").await.contains("J1"));
    client.close().await.unwrap();
}

on_both_backends!(office_imports_a_workbook_and_finds_a_mines_problems_from_the_map);

/// Scrolls the element with this id to the top of the window (for a screenshot).
async fn scroll_to(client: &Client, id: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).scrollIntoView();",
            vec![serde_json::Value::String(id.into())],
        )
        .await
        .unwrap();
}

/// Whether the page scrolls sideways (a phone layout must not).
async fn overflows(client: &Client) -> bool {
    let value = client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    value.as_bool().unwrap_or(true)
}

/// The demo county (its boundaries from the committed fixture, 25 mines) read at desktop and phone width:
/// the map with township outlines and names, a search on it, the mine list and a mine page, none of
/// them scrolling sideways. With OREWATCH_SCREENSHOT_DIR set, each is kept as a screenshot.
async fn the_demo_county_reads_at_desktop_and_phone_width(db: Db) {
    if !browser_available() {
        return;
    }
    orewatch_app::demo::load_if_empty(&demo_people(db.clone()).await)
        .await
        .unwrap();
    let today = orewatch_app::dashboard::china_today(chrono::Utc::now());
    let sample = orewatch_app::registry::sample::generate(25, 6, today);
    let addr = serve(db).await;
    let base = format!("http://{addr}");
    let driver = start_driver().await;
    let client = open_browser(&driver).await;
    log_in(&client, &base, "office").await;
    for (width, height, label) in [(1440_u32, 900_u32, "1440"), (390, 844, "390")] {
        client.set_window_size(width, height).await.unwrap();

        client.goto(&format!("{base}/map")).await.unwrap();
        client
            .wait()
            .for_element(Locator::Id("county-map"))
            .await
            .unwrap();
        let townships = client
            .find_all(Locator::Css("#county-map path.admin.township"))
            .await
            .unwrap();
        assert_eq!(townships.len(), 9, "nine township outlines");
        let names = text_of(&client, "#county-map .place-names").await;
        for name in orewatch_app::registry::sample::TOWNSHIPS {
            assert!(names.contains(name), "{name} is labelled on the map: {names}");
        }
        assert!(
            !overflows(&client).await,
            "the map page scrolls sideways at {width} px"
        );
        scroll_to(&client, "county-map").await;
        shot(&client, &format!("map-{label}")).await;

        // Searching a township centres the map on it.
        client.goto(&format!("{base}/map?find=拉沟乡")).await.unwrap();
        client
            .wait()
            .for_element(Locator::Id("county-map"))
            .await
            .unwrap();
        let svg = client.find(Locator::Id("county-map")).await.unwrap();
        let view = svg.attr("viewBox").await.unwrap().unwrap_or_default();
        let full = format!(
            "0 0 {} {}",
            svg.attr("data-width").await.unwrap().unwrap_or_default(),
            svg.attr("data-height").await.unwrap().unwrap_or_default()
        );
        assert_ne!(view, full, "the search zoomed in");
        scroll_to(&client, "county-map").await;
        shot(&client, &format!("map-find-{label}")).await;

        client.goto(&format!("{base}/mines")).await.unwrap();
        client.wait().for_element(Locator::Id("mines")).await.unwrap();
        assert!(
            !overflows(&client).await,
            "the mine list scrolls sideways at {width} px"
        );
        shot(&client, &format!("mines-{label}")).await;

        // The mine whose licence overlaps the nature reserve: its drawing shows the reserve around it.
        let name = &sample.mines[2][0];
        let found: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
        client.goto(&format!("{base}/mines?q={found}")).await.unwrap();
        click(&client, Locator::Css("#mines tbody tr:first-child td a")).await;
        client
            .wait()
            .for_element(Locator::Css(".licence-map"))
            .await
            .unwrap();
        let around = text_of(&client, ".drawing .legend").await;
        assert!(around.contains("拉沟自然保护区"), "{around}");
        assert!(
            !overflows(&client).await,
            "the mine page scrolls sideways at {width} px"
        );
        shot(&client, &format!("mine-{label}")).await;
    }
    // A feed post names its mine by typing part of the name and picking a suggestion.
    client.set_window_size(1440, 900).await.unwrap();
    client.goto(&format!("{base}/feed")).await.unwrap();
    click(&client, Locator::Css("#new-item summary")).await;
    let township_mine = sample
        .mines
        .iter()
        .find(|m| m[1] == "拉沟乡")
        .map(|m| m[0].clone())
        .unwrap();
    fill(&client, "mine", "拉沟").await;
    let suggestion = client
        .wait()
        .for_element(Locator::Css(".picker .suggestions li"))
        .await
        .unwrap();
    assert!(wait_for_text(&client, ".picker .suggestions", &township_mine).await);
    suggestion.click().await.unwrap();
    let chosen = client
        .find(Locator::Id("mine"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(chosen.starts_with("拉沟"), "a mine was picked: {chosen}");
    shot(&client, "feed-picker-1440").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_county_reads_at_desktop_and_phone_width_sqlite() {
    let test_db = orewatch_testkit::sqlite().await;
    the_demo_county_reads_at_desktop_and_phone_width(test_db.db.clone()).await;
    test_db.finish().await;
}
