//! The audit log page: every change, filterable by person, agency, record and date.

use super::{agency_options, render, SelectOption};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use orewatch_app::audit_log::{self, AuditFilter, RECORD_TYPES};
use orewatch_app::dashboard::china_offset;
use orewatch_app::{accounts, organisation};
use orewatch_domain::policy::{Action, Resource};
use std::collections::HashMap;

pub fn router() -> Router<WebState> {
    Router::new().route("/audit", get(audit_page))
}

/// The filter as typed, echoed back into the form.
#[derive(Debug, Default)]
pub struct FilterForm {
    pub actor: String,
    pub record_id: String,
    pub from: String,
    pub to: String,
}

pub struct AuditRowView {
    pub seq: i64,
    pub time: String,
    pub actor: String,
    pub agency: String,
    pub action: String,
    pub record: String,
    pub before: String,
    pub after: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    f: FilterForm,
    agencies: Vec<SelectOption>,
    record_types: Vec<SelectOption>,
    rows: Vec<AuditRowView>,
    problems: Vec<String>,
    next_href: Option<String>,
}

/// Start of a day in China Standard Time, in UTC.
fn day_start(day: NaiveDate) -> Option<DateTime<Utc>> {
    china_offset()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Pretty JSON for a before/after cell.
fn pretty(json: Option<&str>) -> String {
    match json {
        None => "—".into(),
        Some(text) => serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| text.to_string()),
    }
}

async fn audit_page(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    caller.require(Action::ViewAudit, &Resource::Installation)?;
    let q = |key: &str| {
        query
            .get(key)
            .map(|v| v.trim().chars().take(64).collect::<String>())
            .unwrap_or_default()
    };
    let mut problems = Vec::new();
    // 25 rows a page: each row carries its before/after values, so longer pages are hard to read
    // (and the audit page was the costliest under load).
    let mut filter = AuditFilter {
        limit: 25,
        ..Default::default()
    };
    let mut no_match = false;
    let actor = q("actor");
    if !actor.is_empty() {
        match accounts::find_by_username(&state.app, &actor).await? {
            Some(account) => filter.actor_account_id = Some(account.id.0),
            None => {
                problems.push(ctx.tf("audit.unknown_person", &[("name", actor.clone())]));
                no_match = true;
            }
        }
    }
    filter.actor_agency = Some(q("agency")).filter(|a| !a.is_empty());
    filter.record_type = Some(q("record_type")).filter(|a| !a.is_empty());
    filter.record_id = Some(q("record_id")).filter(|a| !a.is_empty());
    for (key, is_end) in [("from", false), ("to", true)] {
        let raw = q(key);
        if raw.is_empty() {
            continue;
        }
        match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
            Ok(day) => {
                let bound = if is_end {
                    day_start(day + Duration::days(1))
                } else {
                    day_start(day)
                };
                if is_end {
                    filter.until = bound;
                } else {
                    filter.from = bound;
                }
            }
            Err(_) => problems.push(ctx.tf(
                "audit.bad_date",
                &[
                    ("field", ctx.t(&format!("audit.{key}")).to_string()),
                    ("value", raw),
                ],
            )),
        }
    }
    filter.before_seq = q("before").parse().ok();
    let (rows, next_before) = if no_match {
        (Vec::new(), None)
    } else {
        audit_log::list(&state.app, &caller, filter).await?
    };
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let agency_name = |code: &Option<String>| {
        code.as_ref()
            .map(|c| {
                agencies
                    .iter()
                    .find(|a| &a.code == c)
                    .map(|a| ctx.agency_name(a).to_string())
                    .unwrap_or_else(|| c.clone())
            })
            .unwrap_or_default()
    };
    let views = rows
        .iter()
        .map(|r| AuditRowView {
            seq: r.row.seq,
            time: ctx.stored_time(&r.row.at),
            actor: r.row.actor_label.clone(),
            agency: agency_name(&r.row.actor_agency),
            action: ctx.t(&format!("audit_action.{}", r.row.action)).to_string(),
            record: format!(
                "{} {}",
                ctx.t(&format!("record_type.{}", r.row.record_type)),
                r.row.record_id
            ),
            before: pretty(r.row.before_json.as_deref()),
            after: pretty(r.row.after_json.as_deref()),
            note: r.row.note.clone().unwrap_or_default(),
        })
        .collect();
    let next_href = next_before.map(|seq| {
        let mut params: Vec<(String, String)> = query
            .iter()
            .filter(|(k, _)| *k != "before")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        params.sort();
        params.push(("before".into(), seq.to_string()));
        format!(
            "/audit?{}",
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params)
                .finish()
        )
    });
    let record_types = RECORD_TYPES
        .iter()
        .map(|t| SelectOption::new(*t, ctx.t(&format!("record_type.{t}")), &q("record_type")))
        .collect();
    let page = AuditPage {
        f: FilterForm {
            actor,
            record_id: q("record_id"),
            from: q("from"),
            to: q("to"),
        },
        agencies: agency_options(&ctx, &agencies, &q("agency")),
        record_types,
        rows: views,
        problems,
        next_href,
        ctx,
    };
    render(&page)
}
