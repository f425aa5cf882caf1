//! The home dashboard.

use super::render;
use crate::ctx::Auth;
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orewatch_app::dashboard::{self, Dashboard};
use orewatch_domain::Role;

pub fn router() -> Router<WebState> {
    Router::new().route("/", get(home))
}

/// One line of the recent-changes list.
pub struct RecentRow {
    pub time: String,
    pub actor: String,
    pub action: String,
    pub record: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: crate::ctx::Ctx,
    greeting: String,
    d: Dashboard,
    roles: Vec<(String, i64)>,
    recent: Vec<RecentRow>,
}

async fn home(State(state): State<WebState>, Auth(ctx): Auth) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let d = dashboard::summary(&state.app, &caller).await?;
    let roles = Role::ALL
        .into_iter()
        .map(|role| {
            let count = d
                .accounts_by_role
                .iter()
                .find(|(r, _)| r == role.as_str())
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (ctx.t(role.label_key()).to_string(), count)
        })
        .collect();
    let recent = d
        .recent
        .iter()
        .map(|r| RecentRow {
            time: ctx.stored_time(&r.row.at),
            actor: r.row.actor_label.clone(),
            action: ctx.t(&r.row.action.label_key()).to_string(),
            record: format!(
                "{} {}",
                ctx.t(&format!("record_type.{}", r.row.record_type.as_str())),
                r.row.record_id
            ),
        })
        .collect();
    let greeting = ctx.tf("home.greeting", &[("name", caller.display_name.clone())]);
    render(&HomePage {
        ctx,
        greeting,
        d,
        roles,
        recent,
    })
}
