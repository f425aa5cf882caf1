//! The audit log page — every change, filterable by person, agency, record and date, each shown as its
//! labelled changes — and the security log (logins, failures, waits, logouts).

use super::changes::{changes, Change, Names};
use super::{agency_options, render, Params, SelectOption};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use orewatch_app::audit_log::{self, AuditFilter};
use orewatch_app::dashboard::china_offset;
use orewatch_app::{accounts, organisation};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AccountId, RecordType};
use std::collections::HashMap;
use strum::IntoEnumIterator;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/audit", get(audit_page))
        .route("/audit/security", get(security_page))
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
    pub record_href: Option<String>,
    pub changes: Vec<Change>,
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
    empty: String,
}

/// Start of a day in China Standard Time, in UTC.
fn day_start(day: NaiveDate) -> Option<DateTime<Utc>> {
    china_offset()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Where a record is shown, when it has a page.
fn record_href(record: RecordType, id: &str) -> Option<String> {
    let path = match record {
        RecordType::Mine => "mines",
        RecordType::Permit => "permits",
        RecordType::Company => "companies",
        RecordType::Account => "accounts",
        RecordType::Licence => "licences",
        RecordType::Seat => "organisation/seats",
        _ => return None,
    };
    Some(format!("/{path}/{id}"))
}

async fn audit_page(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    query: Params,
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
    // 25 rows a page: each row carries its changes, so longer pages are hard to read.
    let mut filter = AuditFilter {
        limit: 25,
        ..Default::default()
    };
    let mut no_match = false;
    let actor = q("actor");
    if !actor.is_empty() {
        match accounts::find_by_username(&state.app, &caller, &actor).await? {
            Some(account) => filter.actor_account_id = Some(account.id),
            None => {
                problems.push(ctx.tf("audit.unknown_person", &[("name", actor.clone())]));
                no_match = true;
            }
        }
    }
    filter.actor_agency = Some(q("agency")).filter(|a| !a.is_empty());
    filter.record_type = RecordType::parse(&q("record_type")).ok();
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
    let filtered = filter.actor_account_id.is_some()
        || filter.actor_agency.is_some()
        || filter.record_type.is_some()
        || filter.record_id.is_some()
        || filter.from.is_some()
        || filter.until.is_some()
        || no_match;
    filter.before_seq = q("before").parse().ok();
    let (rows, next_before) = if no_match {
        (Vec::new(), None)
    } else {
        audit_log::list(&state.app, &caller, filter).await?
    };
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let people = audit_log::people(&state.app, &caller).await?;
    let mut agency_names: HashMap<String, String> = agencies
        .iter()
        .map(|a| (a.code.as_str().to_string(), ctx.agency_name(a).to_string()))
        .collect();
    agency_names.insert("office".into(), ctx.t("feed.office").to_string());
    let records = audit_log::record_names(&state.app, &caller).await?;
    let names = Names {
        people: &people,
        agencies: &agency_names,
        records: &records,
    };
    let agency_name = |code: &Option<String>| {
        code.as_ref()
            .map(|c| {
                agencies
                    .iter()
                    .find(|a| a.code.as_str() == c)
                    .map(|a| ctx.agency_name(a).to_string())
                    .unwrap_or_else(|| c.clone())
            })
            .unwrap_or_default()
    };
    let mut views = Vec::with_capacity(rows.len());
    for r in &rows {
        let row = &r.row;
        let before = row.before_json.clone();
        let actor = row
            .actor_account_id
            .and_then(|id| people.get(&AccountId(id)).cloned())
            .unwrap_or_else(|| row.actor_label.clone());
        views.push(AuditRowView {
            seq: row.seq,
            time: ctx.stored_time(&row.at),
            actor,
            agency: agency_name(&row.actor_agency),
            action: ctx.t(&row.action.label_key()).to_string(),
            record: format!(
                "{} {}",
                ctx.t(&format!("record_type.{}", row.record_type.as_str())),
                row.record_id
            ),
            record_href: record_href(row.record_type, &row.record_id),
            changes: changes(
                &ctx,
                &names,
                row.record_type,
                before.as_deref(),
                row.after_json.as_deref(),
            ),
            note: row.note.clone().unwrap_or_default(),
        });
    }
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
    let record_types = RecordType::iter()
        .map(|t| {
            SelectOption::new(
                t.as_str(),
                ctx.t(&format!("record_type.{}", t.as_str())),
                &q("record_type"),
            )
        })
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
        empty: ctx.empty_text(filtered).to_string(),
        ctx,
    };
    render(&page)
}

pub struct EventView {
    pub time: String,
    pub kind: String,
    pub bad: bool,
    pub person: String,
    pub client: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    ctx: Ctx,
    rows: Vec<EventView>,
    next_href: Option<String>,
    account: String,
}

async fn security_page(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    query: Params,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let account = query
        .get("account")
        .and_then(|a| a.trim().parse::<i64>().ok())
        .map(AccountId);
    let filter = orewatch_app::SecurityFilter {
        account_id: account,
        before_id: query.get("before").and_then(|b| b.parse().ok()),
        limit: 50,
        ..Default::default()
    };
    let events = orewatch_app::auth::security_log(&state.app, &caller, filter).await?;
    let people = audit_log::people(&state.app, &caller).await?;
    let next_href = (events.len() == 50).then(|| {
        let last = events.last().map(|e| e.id).unwrap_or(0);
        match account {
            Some(a) => format!("/audit/security?account={a}&before={last}"),
            None => format!("/audit/security?before={last}"),
        }
    });
    let rows = events
        .iter()
        .map(|e| EventView {
            time: ctx.time(&e.at),
            kind: ctx.t(&format!("security.{}", e.kind.as_str())).to_string(),
            bad: !matches!(
                e.kind,
                orewatch_domain::account::SecurityEventKind::Login
                    | orewatch_domain::account::SecurityEventKind::Logout
            ),
            person: e
                .account_id
                .and_then(|id| people.get(&id).cloned())
                .map(|name| format!("{name}（{}）", e.username))
                .unwrap_or_else(|| e.username.clone()),
            client: e.client.clone().unwrap_or_default(),
            detail: e.detail.clone().unwrap_or_default(),
        })
        .collect();
    render(&SecurityPage {
        rows,
        next_href,
        account: account.map(|a| a.to_string()).unwrap_or_default(),
        ctx,
    })
}
