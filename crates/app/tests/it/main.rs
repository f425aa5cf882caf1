//! Use-case tests: every one runs on SQLite and on PostgreSQL, with a hand-set clock.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod accounts;
mod auth;
mod cases;
mod inspections;
mod ledger;
mod meetings;
mod organisation;
mod referrals;
mod registry;
mod surveys;
mod uploads;

use chrono::{TimeZone, Utc};
use orewatch_app::AppError;
use orewatch_domain::Problem;

/// The first field problem of a refused input, if it was one.
pub fn problem(err: &AppError) -> Option<&Problem> {
    match err {
        AppError::Invalid(e) => e.0.first().map(|f| &f.problem),
        _ => None,
    }
}

/// Asserts that `$err` is a refused input whose first problem matches the pattern.
#[macro_export]
macro_rules! refused {
    ($err:expr, $pattern:pat) => {
        assert!(matches!($crate::problem(&$err), Some($pattern)), "{:?}", $err)
    };
}
use orewatch_app::password::HashCost;
use orewatch_app::{App, Caller, Db, ManualClock, Settings};
use std::sync::Arc;

/// An app on `db` at 2026-11-28 08:00 UTC, bootstrapped, with cheap password hashing.
pub async fn app(db: Db) -> (App, Arc<ManualClock>) {
    app_with(db, |_| {}).await
}

/// Like [`app`], with settings changed by `change`.
pub async fn app_with(db: Db, change: impl FnOnce(&mut Settings)) -> (App, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0).single().unwrap(),
    ));
    let mut settings = Settings {
        password: HashCost::for_tests(),
        ..Settings::default()
    };
    change(&mut settings);
    let app = App::new(db, clock.clone(), settings).unwrap();
    orewatch_app::bootstrap::prepare(&app).await.unwrap();
    (app, clock)
}

/// Creates an account as the operator and returns its caller.
pub async fn account(app: &App, username: &str, role: &str, agency: &str) -> Caller {
    let input = orewatch_domain::account::NewAccountInput {
        username,
        display_name: "测试用户",
        role,
        agency,
        password: "abcd1234",
        password_again: "abcd1234",
    };
    orewatch_app::accounts::create(app, &Caller::system(), &input)
        .await
        .unwrap();
    let account = orewatch_app::accounts::find_by_username(app, &Caller::system(), username)
        .await
        .unwrap()
        .unwrap();
    orewatch_app::accounts::caller_of(&account)
}
