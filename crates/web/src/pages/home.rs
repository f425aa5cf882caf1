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
use orewatch_app::organisation;
use orewatch_app::tasks;
use orewatch_app::tasks::{InboxCounts, InboxPart};
use orewatch_domain::{RecordType, Role};

/// One task of the inbox.
pub struct InboxRow {
    pub href: String,
    pub kind: String,
    pub title: String,
    pub mine: String,
    pub who: String,
    pub due: String,
    pub level: String,
    pub level_class: &'static str,
    pub late: bool,
}

/// One tab of the inbox.
pub struct InboxTab {
    pub href: &'static str,
    pub label: String,
    pub count: i64,
    pub active: bool,
    pub urgent: bool,
}

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
    tabs: Vec<InboxTab>,
    inbox: Vec<InboxRow>,
    inbox_empty: String,
}

fn tabs(ctx: &crate::ctx::Ctx, counts: &InboxCounts, part: InboxPart) -> Vec<InboxTab> {
    [
        ("/", InboxPart::All, "inbox.all", counts.all, false),
        ("/?inbox=mine", InboxPart::Mine, "inbox.mine", counts.mine, false),
        (
            "/?inbox=overdue",
            InboxPart::Overdue,
            "inbox.overdue",
            counts.overdue,
            true,
        ),
        (
            "/?inbox=week",
            InboxPart::DueThisWeek,
            "inbox.week",
            counts.this_week,
            false,
        ),
    ]
    .into_iter()
    .map(|(href, p, key, count, urgent)| InboxTab {
        href,
        label: ctx.t(key).to_string(),
        count,
        active: p == part,
        urgent: urgent && count > 0,
    })
    .collect()
}

async fn home(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    query: super::Params,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let part = match query.get("inbox").map(String::as_str) {
        Some("mine") => InboxPart::Mine,
        Some("overdue") => InboxPart::Overdue,
        Some("week") => InboxPart::DueThisWeek,
        _ => InboxPart::All,
    };
    let inbox = tasks::inbox(&state.app, &caller, part).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let inbox_rows = inbox
        .rows
        .iter()
        .map(|r| InboxRow {
            href: match r.record_type {
                RecordType::Finding => format!("/findings/{}", r.record_id),
                RecordType::Plan => format!("/plans/{}", r.record_id),
                RecordType::InspectionAct => format!("/acts/{}", r.record_id),
                RecordType::Inspection => format!("/inspections/{}", r.record_id),
                RecordType::PenaltyCase => format!("/cases/{}", r.record_id),
                RecordType::Measure => format!("/measures/{}", r.record_id),
                RecordType::Referral => format!("/referrals/{}", r.record_id),
                RecordType::CaseFlag => format!("/flags/{}", r.record_id),
                RecordType::Opinion => "/opinions".to_string(),
                RecordType::MeetingDecision => format!("/decisions/{}", r.record_id),
                RecordType::Meeting => format!("/meetings/{}", r.record_id),
                _ => "/".to_string(),
            },
            kind: super::labels::label(&ctx, "task_kind", r.task.kind.as_str()),
            title: super::present::task_title(&ctx, &r.title),
            mine: r.mine_name.clone().unwrap_or_default(),
            who: super::present::assignee_text(&ctx, &agencies, &r.task.assignee),
            due: ctx.time(&r.task.due_at),
            level: super::labels::label(&ctx, "task_level", r.task.level.code()),
            level_class: match r.task.level {
                orewatch_domain::task::Level::Open => "",
                orewatch_domain::task::Level::Reminded => "warn",
                _ => "bad",
            },
            late: r.task.due_at <= inbox.now,
        })
        .collect();
    let tabs = tabs(&ctx, &inbox.counts, part);
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
        inbox_empty: ctx.t("inbox.empty").to_string(),
        ctx,
        greeting,
        d,
        roles,
        recent,
        tabs,
        inbox: inbox_rows,
    })
}
