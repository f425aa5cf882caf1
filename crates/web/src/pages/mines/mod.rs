//! Mines: the list ([`list`]: search, filters, sorting, pages, export, registering a mine, the name search
//! of the pickers) and the mine page ([`show`]: licences with their boundaries and corner points, the
//! neighbouring licences and protected areas, permits with their status, consistency problems, timeline,
//! and the forms that add to it).

pub mod list;
pub mod show;

use super::labels::{label, mine_status_class};
use crate::ctx::Ctx;
use crate::WebState;
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/mines", get(list::list).post(list::create))
        .route("/mines/export.xlsx", get(list::export))
        .route("/mines/suggest", get(list::suggest))
        .route("/mines/{id}", get(show::show))
        .route("/mines/{id}/status", post(show::set_status))
        .route("/mines/{id}/licences", post(show::add_licence))
        .route("/mines/{id}/permits", post(show::add_permit))
        .route("/licences/{id}", get(show::licence))
        .route("/licences/{id}/events", post(show::licence_event))
}

/// A mine list row: its status and next permit expiry with the badge colour for today.
pub fn mine_row(
    ctx: &Ctx,
    r: &orewatch_app::registry::county::MineEntry,
    today: chrono::NaiveDate,
) -> MineRowView {
    let m = &r.mine;
    let days = r.next_permit_expiry.map(|d| (d - today).num_days());
    MineRowView {
        id: m.id.0,
        name: m.name.clone(),
        township: m.township.clone(),
        mineral: m.mineral.clone(),
        status: label(ctx, "mine_status", m.status.as_str()),
        status_class: mine_status_class(m.status),
        company: m.company_name.clone(),
        licence_no: r.licence_no.clone().unwrap_or_default(),
        licence_valid_to: r.licence_valid_to.map(|d| d.to_string()).unwrap_or_default(),
        next_expiry: r.next_permit_expiry.map(|d| d.to_string()).unwrap_or_default(),
        expiry_class: match days {
            Some(d) if d < 0 => "bad",
            Some(d) if d <= 90 => "warn",
            _ => "",
        },
        permits: r.permit_count,
    }
}

pub struct MineRowView {
    pub id: i64,
    pub name: String,
    pub township: String,
    pub mineral: String,
    pub status: String,
    pub status_class: &'static str,
    pub company: String,
    pub licence_no: String,
    pub licence_valid_to: String,
    pub next_expiry: String,
    pub expiry_class: &'static str,
    pub permits: i64,
}
