//! Permits of every agency: the county list (search, kind, agency, status — the "due within" filters
//! cumulative — sorting, pages, export) and one permit with the form its agency uses to renew, suspend,
//! revoke or reinstate it (a renewal of a listed holder asks for the written reason), and its
//! attachments.

use super::labels::{label, status_class};
use super::mines::show::PermitView;
use super::{
    agency_label, agency_options, filter_query, query_value, render, render_form, see_other, sort_headings,
    xlsx, FormData, FormErrors, Pager, Params, SelectOption, SortHeading,
};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::Id;
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orewatch_app::organisation;
use orewatch_app::registry::permits::{self, Order, PermitQuery, PermitRecord};
use orewatch_app::registry::workbook;
use orewatch_app::AppError;
use orewatch_domain::permit::{PermitKind, PermitListFilter, PermitState, PermitStatus};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AgencyCode, FieldErrors, PermitId};
use std::collections::HashMap;
use strum::IntoEnumIterator;

const PAGE_SIZE: i64 = 25;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/permits", get(list))
        .route("/permits/export.xlsx", get(export))
        .route("/permits/{id}", get(show).post(change))
        .route(
            "/permits/{id}/attachments",
            axum::routing::post(attach).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/attachments/{id}", get(download))
}

fn permit_query(query: &HashMap<String, String>, page: i64) -> PermitQuery {
    let descending = query.get("dir").is_some_and(|d| d == "desc");
    PermitQuery {
        text: query_value(query, "q"),
        kind: query_value(query, "kind").and_then(|k| PermitKind::parse(&k).ok()),
        agency: query_value(query, "agency").and_then(|a| AgencyCode::parse(&a).ok()),
        status: query_value(query, "status").and_then(|s| PermitListFilter::parse(&s)),
        order: match (query.get("sort").map(String::as_str), descending) {
            (Some("number"), _) => Order::Number,
            (Some("holder"), _) => Order::Holder,
            (Some("mine"), _) => Order::Mine,
            (_, true) => Order::ValidToDesc,
            _ => Order::ValidTo,
        },
        limit: PAGE_SIZE,
        offset: Pager::offset(page, PAGE_SIZE),
    }
}

pub struct PermitRow {
    pub p: PermitView,
    pub mine_id: i64,
    pub mine: String,
}

#[derive(Template)]
#[template(path = "permits.html")]
struct ListPage {
    ctx: Ctx,
    q: String,
    kinds: Vec<SelectOption>,
    agencies: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    headings: Vec<SortHeading>,
    rows: Vec<PermitRow>,
    empty: String,
    pager: Pager,
    export_href: String,
}

async fn list(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let page = Pager::requested(&query);
    let q = permit_query(&query, page);
    let (found, _) = permits::list(&state.app, &caller, &q).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let value = |k: &str| query_value(&query, k).unwrap_or_default();
    let rows = found
        .rows
        .iter()
        .map(|(p, status)| PermitRow {
            mine_id: p.mine_id.0,
            mine: p.mine_name.clone(),
            p: view(&ctx, &agencies, p, *status),
        })
        .collect();
    let headings = sort_headings(
        "/permits",
        &query,
        &[
            ("number", ctx.t("permit.number").to_string()),
            ("holder", ctx.t("permit.holder").to_string()),
            ("mine", ctx.t("permit.mine").to_string()),
            ("valid_to", ctx.t("permit.valid_to").to_string()),
        ],
    );
    let page_view = ListPage {
        q: value("q"),
        kinds: PermitKind::ALL
            .iter()
            .map(|k| SelectOption::new(k.as_str(), label(&ctx, "permit_kind", k.as_str()), &value("kind")))
            .collect(),
        agencies: agency_options(&ctx, &agencies, &value("agency")),
        statuses: PermitListFilter::iter()
            .map(|s| {
                SelectOption::new(
                    s.as_str(),
                    label(&ctx, "permit_filter", s.as_str()),
                    &value("status"),
                )
            })
            .collect(),
        headings,
        empty: ctx.empty_text(q.filtered()).to_string(),
        rows,
        pager: Pager::new(&ctx, "/permits", &query, page, PAGE_SIZE, found.total),
        export_href: format!("/permits/export.xlsx?{}", filter_query(&query)),
        ctx,
    };
    render(&page_view)
}

fn view(
    ctx: &Ctx,
    agencies: &[orewatch_app::organisation::AgencyRecord],
    p: &PermitRecord,
    status: PermitStatus,
) -> PermitView {
    PermitView {
        id: p.id.0,
        kind: label(ctx, "permit_kind", p.kind.as_str()),
        number: p.permit_no.clone(),
        agency: agency_label(ctx, agencies, Some(p.agency.as_str())),
        holder: p.holder_name.clone(),
        valid_from: p.valid_from.to_string(),
        valid_to: p.valid_to.to_string(),
        status: label(ctx, "permit_status", status.as_str()),
        status_class: status_class(status),
        status_code: status.as_str(),
    }
}

async fn export(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
    let bytes = workbook::export_permits(&state.app, &ctx.caller(), &permit_query(&query, 1)).await?;
    Ok(xlsx("许可证清单.xlsx", bytes))
}

#[derive(Template)]
#[template(path = "permit.html")]
struct ShowPage {
    ctx: Ctx,
    p: PermitView,
    mine_id: i64,
    mine: String,
    scope: String,
    may_change: bool,
    states: Vec<SelectOption>,
    valid_to: String,
    errors: FormErrors,
    attachments: Vec<(orewatch_domain::AttachmentId, String, String, String)>,
}

async fn show_screen(
    state: &WebState,
    ctx: Ctx,
    id: PermitId,
    form: Option<&FormData>,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let (permit, status) = permits::show(&state.app, &caller, id).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let attachments = permits::attachments(&state.app, &caller, id)
        .await?
        .into_iter()
        .map(|a| {
            (
                a.id,
                a.file_name,
                format!("{:.1} KB", a.size_bytes as f64 / 1024.0),
                format!("{} · {}", ctx.time(&a.uploaded_at), a.uploaded_by_label),
            )
        })
        .collect();
    let may_change = caller.may(
        Action::RecordPermit,
        &Resource::Permit {
            agency: permit.agency.clone(),
            holder: permit.holder_company_id,
        },
    );
    let current_state = form
        .map(|f| f.get("state").to_string())
        .unwrap_or_else(|| permit.state.as_str().to_string());
    let page = ShowPage {
        p: view(&ctx, &agencies, &permit, status),
        mine_id: permit.mine_id.0,
        mine: permit.mine_name.clone(),
        scope: permit.scope.clone().unwrap_or_default(),
        may_change,
        states: PermitState::ALL
            .iter()
            .map(|s| {
                SelectOption::new(
                    s.as_str(),
                    label(&ctx, "permit_state", s.as_str()),
                    &current_state,
                )
            })
            .collect(),
        valid_to: form
            .map(|f| f.get("valid_to").to_string())
            .unwrap_or_else(|| permit.valid_to.to_string()),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        attachments,
        ctx,
    };
    render_form(&page, errors.is_some())
}

async fn attach(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<PermitId>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let parts = crate::upload::read(&headers, body).await;
    let file = parts.into_iter().find(|p| p.name == "file");
    let (name, data) = file
        .map(|f| (f.file_name.unwrap_or_default(), f.data))
        .unwrap_or_default();
    match permits::attach(&state.app, &ctx.caller(), id, &name, &data).await {
        Ok(()) => Ok(see_other(&format!("/permits/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, None, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn download(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(attachment_id): Id<orewatch_domain::AttachmentId>,
) -> Result<Response, WebError> {
    let (attachment, bytes) = permits::attachment(&state.app, &ctx.caller(), attachment_id).await?;
    Ok(super::file_download(
        &attachment.file_name,
        &attachment.content_type,
        bytes,
    ))
}

async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<PermitId>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, None, None).await
}

async fn change(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<PermitId>,
    form: FormData,
) -> Result<Response, WebError> {
    match permits::change(
        &state.app,
        &ctx.caller(),
        id,
        form.get("state"),
        form.get("valid_to"),
        form.get("note"),
        form.get("override_reason"),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/permits/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, Some(&form), Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}
