//! 信息共享 — the sharing feed: items addressed to the office and agencies, who has acknowledged them
//! and when, overdue ones highlighted; posting an item; acknowledging receipt.

use super::labels::label;
use super::{agency_label, render_form, see_other, FormData, FormErrors, Pager, Params, SelectOption};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::Id;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::organisation;
use orewatch_app::registry::sharing::{self, Acknowledged, PostInput};
use orewatch_app::AppError;
use orewatch_domain::policy::{party_of, Action, Resource};
use orewatch_domain::sharing::{Party, ShareKind};
use orewatch_domain::FieldErrors;
use std::collections::HashMap;
use strum::IntoEnumIterator;

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
    pub id: orewatch_domain::ShareItemId,
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
    empty: String,
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
    let party = party_of(&caller.actor);
    let name_of = |p: &Party| match p {
        Party::Office => ctx.t("feed.office").to_string(),
        Party::Agency(code) => agency_label(&ctx, &agencies, Some(code.as_str())),
    };
    let items = found
        .rows
        .iter()
        .map(|i| {
            let overdue = i.ack_due_at < now && i.recipients.iter().any(|r| r.acknowledged_at.is_none());
            ItemView {
                id: i.id,
                kind: label(&ctx, "share_kind", i.kind.as_str()),
                title: i.title.clone(),
                body: i.body.clone().unwrap_or_default(),
                from: i.from.as_ref().map(name_of).unwrap_or_default(),
                posted: format!("{} · {}", ctx.time(&i.posted_at), i.posted_by_label),
                due: ctx.time(&i.ack_due_at),
                mine_id: i.mine_id.map(|m| m.0),
                mine: i.mine_name.clone().unwrap_or_default(),
                recipients: i
                    .recipients
                    .iter()
                    .map(|r| RecipientView {
                        name: name_of(&r.party),
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
                may_ack: party.as_ref().is_some_and(|p| {
                    i.recipients
                        .iter()
                        .any(|r| r.party == *p && r.acknowledged_at.is_none())
                }),
            }
        })
        .collect();
    let chosen: Vec<&str> = form
        .0
        .get("recipients")
        .map(|v| v.split(',').collect())
        .unwrap_or_default();
    // Everyone but the poster's own party.
    let mut recipients = Vec::new();
    if party != Some(Party::Office) {
        recipients.push(SelectOption {
            value: Party::OFFICE.into(),
            label: ctx.t("feed.office").to_string(),
            selected: chosen.contains(&Party::OFFICE),
        });
    }
    recipients.extend(
        agencies
            .iter()
            .filter(|a| a.is_member() && party != Some(Party::Agency(a.code.clone())))
            .map(|a| SelectOption {
                value: a.code.as_str().to_string(),
                label: ctx.agency_name(a).to_string(),
                selected: chosen.contains(&a.code.as_str()),
            }),
    );
    let view = FeedPage {
        items,
        pager: Pager::new(&ctx, "/feed", query, page, PAGE_SIZE, found.total),
        open_only,
        may_post: caller.may(Action::ShareInformation, &Resource::Installation),
        kinds: ShareKind::iter()
            .filter(|k| k.posted_by_hand())
            .map(|k| {
                SelectOption::new(
                    k.as_str(),
                    label(&ctx, "share_kind", k.as_str()),
                    form.get("kind"),
                )
            })
            .collect(),
        empty: ctx
            .t(if open_only {
                "feed.none_open"
            } else {
                "common.none_yet"
            })
            .to_string(),
        recipients,
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn list(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
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
    Id(id): Id<orewatch_domain::ShareItemId>,
) -> Result<Response, WebError> {
    // Not addressed to the caller's party, or no such item: the policy's 403, or 404 — never "saved".
    match sharing::acknowledge(&state.app, &ctx.caller(), id).await? {
        Acknowledged::Now => Ok(see_other("/feed?flash=acknowledged")),
        // A second click (or a colleague first) finds it acknowledged already: say so.
        Acknowledged::Already => Ok(see_other("/feed?flash=already_acknowledged")),
    }
}
