//! Web tests: requests through the whole router (`oneshot`) on SQLite and PostgreSQL, the message
//! catalogue, and a real browser (headless Chromium through WebDriver).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod bad_input;
mod browser;
mod cases;
mod catalogue;
mod draws;
mod enforcement_loop;
mod inspection_loop;
mod pages;
mod referrals;
mod registry;
mod review;
mod server;
mod site;
mod survey_loop;
mod surveys;
