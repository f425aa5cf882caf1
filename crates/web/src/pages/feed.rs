//! 信息共享 — the sharing feed: items addressed to the office and agencies, who has acknowledged them
//! and when, overdue ones highlighted; posting an item; acknowledging receipt.

use super::mines::label;
use super::{agency_label, render_form, see_other, FormData, FormErrors, Pager, SelectOption};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::organisation;
use orewatch_app::registry::sharing::{self, PostInput, KINDS, OFFICE};
use orewatch_app::AppError;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::FieldErrors;
use std::collections::HashMap;

const PAGE_SIZE: i64 = 20;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/feed", get(list).post(post_item))
        .route("/feed/{id}/ack", post(acknowledge))
}

pub struct RecipientView {
    pub name: String,
    pub state: String,
    pub class: &'static str,
}

pub struct ItemView {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub from: String,
    pub posted: String,
    pub due: String,
    pub mine_id: Option<i64>,
    pub mine: String,
    pub recipients: Vec<RecipientView>,
    pub overdue: bool,
    pub may_ack: bool,
}

#[derive(Template)]
#[template(path = "feed.html")]
struct FeedPage {
    ctx: Ctx,
    items: Vec<ItemView>,
    pager: Pager,
    open_only: bool,
    may_post: bool,
    kinds: Vec<SelectOption>,
    recipients: Vec<SelectOption>,
    form: FormData,
    errors: FormErrors,
}

async fn screen(
    state: &WebState,
    ctx: Ctx,
    query: &HashMap<String, String>,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let page = Pager::requested(query);
    let open_only = query.get("open").is_some_and(|v| v == "1");
    let found = sharing::feed(
        &state.app,
        &caller,
        open_only,
        PAGE_SIZE,
        Pager::offset(page, PAGE_SIZE),
    )
    .await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let now = state.app.now();
    let party = sharing::party_of(&caller);
    let name_of = |code: &str| {
        if code == OFFICE {
            ctx.t("feed.office").to_string()
        } else {
            agency_label(&ctx, &agencies, Some(code))
        }
    };
    let items = found
        .rows
        .iter()
        .map(|i| {
            let overdue = i.ack_due_at < now && i.recipients.iter().any(|r| r.acknowledged_at.is_none());
            ItemView {
                id: i.id,
                kind: label(&ctx, "share_kind", &i.kind),
                title: i.title.clone(),
                body: i.body.clone().unwrap_or_default(),
                from: i.from_agency_code.as_deref().map(name_of).unwrap_or_default(),
                posted: format!("{} · {}", ctx.time(&i.posted_at), i.posted_by_label),
                due: ctx.time(&i.ack_due_at),
                mine_id: i.mine_id,
                mine: i.mine_name.clone().unwrap_or_default(),
                recipients: i
                    .recipients
                    .iter()
                    .map(|r| RecipientView {
                        name: name_of(&r.recipient),
                        state: match (&r.acknowledged_at, &r.acknowledged_by) {
                            (Some(at), by) => format!(
                                "{} {}{}",
                                ctx.t("feed.acknowledged"),
                                ctx.time(at),
                                by.as_deref().map(|b| format!(" · {b}")).unwrap_or_default()
                            ),
                            (None, _) if i.ack_due_at < now => ctx.t("feed.overdue").to_string(),
                            (None, _) => ctx.t("feed.waiting").to_string(),
                        },
                        class: match (&r.acknowledged_at, i.ack_due_at < now) {
                            (Some(_), _) => "ok",
                            (None, true) => "bad",
                            (None, false) => "warn",
                        },
                    })
                    .collect(),
                overdue,
                may_ack: party.as_deref().is_some_and(|p| {
                    i.recipients
                        .iter()
                        .any(|r| r.recipient == p && r.acknowledged_at.is_none())
                }),
            }
        })
        .collect();
    let chosen: Vec<&str> = form
        .0
        .get("recipients")
        .map(|v| v.split(',').collect())
        .unwrap_or_default();
    let mut recipients = vec![SelectOption {
        value: OFFICE.into(),
        label: ctx.t("feed.office").to_string(),
        selected: chosen.contains(&OFFICE),
    }];
    recipients.extend(
        agencies
            .iter()
            .filter(|a| a.kind == "member")
            .map(|a| SelectOption {
                value: a.code.clone(),
                label: ctx.agency_name(a).to_string(),
                selected: chosen.contains(&a.code.as_str()),
            }),
    );
    let view = FeedPage {
        items,
        pager: Pager::new(&ctx, "/feed", query, page, PAGE_SIZE, found.total),
        open_only,
        may_post: caller.may(Action::ShareInformation, &Resource::Installation),
        kinds: KINDS
            .iter()
            .map(|k| SelectOption::new(*k, label(&ctx, "share_kind", k), form.get("kind")))
            .collect(),
        recipients,
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn list(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    screen(&state, ctx, &query, FormData::default(), None).await
}

/// The raw body again, to read the repeated `recipients` field (checkboxes).
fn recipients_of(raw: &str) -> Vec<String> {
    form_urlencoded::parse(raw.as_bytes())
        .filter(|(k, _)| k == "recipients")
        .map(|(_, v)| v.into_owned())
        .collect()
}

async fn post_item(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    body: String,
) -> Result<Response, WebError> {
    let recipients = recipients_of(&body);
    let mut form = FormData::parse(body.as_bytes());
    form.0.insert("recipients".into(), recipients.join(","));
    let input = PostInput {
        kind: form.get("kind"),
        title: form.get("title"),
        body: form.get("body"),
        recipients: recipients.iter().map(String::as_str).collect(),
        mine: form.get("mine"),
    };
    match sharing::post(&state.app, &ctx.caller(), &input).await {
        Ok(_) => Ok(see_other("/feed?flash=saved")),
        Err(AppError::Invalid(errors)) => screen(&state, ctx, &HashMap::new(), form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn acknowledge(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match sharing::acknowledge(&state.app, &ctx.caller(), id).await {
        // A second click (or a stale page) finds it acknowledged already: show the feed as it is.
        Ok(()) | Err(AppError::Invalid(_)) => Ok(see_other("/feed?flash=saved")),
        Err(other) => Err(other.into()),
    }
}
