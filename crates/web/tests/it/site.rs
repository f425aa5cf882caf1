//! A test site: the whole router over a fresh database with demo data and a hand-set clock.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt;
use orewatch_app::password::HashCost;
use orewatch_app::{App, Db, ManualClock, Settings};
use orewatch_web::{router, WebConfig, WebState};
use std::sync::Arc;
use tower::ServiceExt;

pub struct Site {
    pub router: Router,
    pub app: App,
    pub clock: Arc<ManualClock>,
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Page {
    /// The value of the first `name="csrf"` hidden field.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("page has a CSRF field") + marker.len();
        self.body[start..].split('"').next().unwrap().to_string()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies
            .iter()
            .filter_map(|c| c.split(';').next())
            .filter_map(|c| c.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

/// A logged-in browser, as far as the server can tell.
#[derive(Clone)]
pub struct Visitor {
    pub cookies: String,
    pub csrf: String,
}

pub async fn site(db: Db) -> Site {
    site_with(db, |_| {}).await
}

/// Like [`site`], with the app's settings changed by `change` (a second server beside a first one:
/// its own app, caches and scratch folder over the same database and file store).
pub async fn site_with(db: Db, change: impl FnOnce(&mut Settings)) -> Site {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 28, 2, 0, 0).single().unwrap(),
    ));
    let mut settings = Settings {
        password: HashCost::for_tests(),
        ..Settings::default()
    };
    // As `orewatch demo` serves it: the demo's price table when none is configured.
    orewatch_app::demo::apply_demo_prices(&mut settings);
    change(&mut settings);
    let app = App::new(db, clock.clone(), settings).unwrap();
    orewatch_app::bootstrap::prepare(&app).await.unwrap();
    orewatch_app::demo::load_if_empty(&app).await.unwrap();
    let config = WebConfig {
        login_attempts_per_minute: 1000,
        ..WebConfig::default()
    };
    let router = router(WebState::new(app.clone(), config).unwrap());
    Site { router, app, clock }
}

impl Site {
    pub async fn send(&self, request: Request<Body>) -> Page {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let set_cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            location,
            set_cookies,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, cookies: &str) -> Page {
        let request = Request::get(path)
            .header(header::COOKIE, cookies)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub async fn post(&self, path: &str, cookies: &str, form: &[(&str, &str)]) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.post_raw(path, cookies, body).await
    }

    pub async fn post_raw(&self, path: &str, cookies: &str, body: String) -> Page {
        let request = Request::post(path)
            .header(header::COOKIE, cookies)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Logs in through the login form and returns the cookies and the session's CSRF token.
    pub async fn login(&self, username: &str, password: &str) -> Visitor {
        let page = self.try_login(username, password).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "login as {username} failed: {}",
            page.body
        );
        let session = page.cookie("ow_session").expect("session cookie");
        let cookies = format!("ow_session={session}");
        let home = self.get("/me", &cookies).await;
        Visitor {
            csrf: home.csrf(),
            cookies,
        }
    }

    pub async fn try_login(&self, username: &str, password: &str) -> Page {
        let form = self.get("/login", "").await;
        let token = form.cookie("ow_csrf").expect("login CSRF cookie");
        let cookies = format!("ow_csrf={token}");
        self.post(
            "/login",
            &cookies,
            &[("csrf", &token), ("username", username), ("password", password)],
        )
        .await
    }
}

/// A multipart form as a browser sends it, part by part in the order given.
#[derive(Default)]
pub struct Multipart {
    body: Vec<u8>,
}

impl Multipart {
    const BOUNDARY: &'static str = "orewatchtestboundary";

    pub fn new() -> Self {
        Self::default()
    }

    /// A text field.
    pub fn field(self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.part(&format!("form-data; name=\"{name}\""), None, value.as_ref())
    }

    /// A file, with its content type when given.
    pub fn file(self, name: &str, file_name: &str, content_type: Option<&str>, data: &[u8]) -> Self {
        let disposition = format!("form-data; name=\"{name}\"; filename=\"{file_name}\"");
        self.part(&disposition, content_type, data)
    }

    fn part(mut self, disposition: &str, content_type: Option<&str>, data: &[u8]) -> Self {
        let boundary = Self::BOUNDARY;
        let mut head = format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n");
        if let Some(t) = content_type {
            head.push_str(&format!("Content-Type: {t}\r\n"));
        }
        head.push_str("\r\n");
        self.body.extend_from_slice(head.as_bytes());
        self.body.extend_from_slice(data);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The POST of the form to `path`.
    pub fn post(mut self, path: &str, cookies: &str) -> Request<Body> {
        let boundary = Self::BOUNDARY;
        self.body
            .extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Request::post(path)
            .header(header::COOKIE, cookies)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(self.body))
            .unwrap()
    }
}
