//! Permits of every agency: the county list (search, kind, agency, status, pages, export) and one
//! permit with the form its agency uses to renew, suspend, revoke or reinstate it.

use super::mines::{label, status_class, PermitView};
use super::{
    agency_label, agency_options, filter_query, query_value, render, render_form, see_other, xlsx, FormData,
    FormErrors, Pager, SelectOption,
};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orewatch_app::organisation;
use orewatch_app::registry::records::{self, PermitQuery, PermitRecord};
use orewatch_app::registry::workbook;
use orewatch_app::AppError;
use orewatch_domain::permit::{PermitKind, PermitState, PermitStatus};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AgencyCode, FieldErrors};
use std::collections::HashMap;

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
    PermitQuery {
        text: query_value(query, "q"),
        kind: query_value(query, "kind").filter(|k| PermitKind::parse(k).is_ok()),
        agency: query_value(query, "agency"),
        status: query_value(query, "status").and_then(|s| PermitStatus::parse(&s)),
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
    rows: Vec<PermitRow>,
    pager: Pager,
    export_href: String,
}

async fn list(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let page = Pager::requested(&query);
    let (found, _) = records::list_permits(&state.app, &caller, &permit_query(&query, page)).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let value = |k: &str| query_value(&query, k).unwrap_or_default();
    let rows = found
        .rows
        .iter()
        .map(|(p, status)| PermitRow {
            mine_id: p.mine_id,
            mine: p.mine_name.clone(),
            p: view(&ctx, &agencies, p, *status),
        })
        .collect();
    let page_view = ListPage {
        q: value("q"),
        kinds: PermitKind::ALL
            .iter()
            .map(|k| SelectOption::new(k.as_str(), label(&ctx, "permit_kind", k.as_str()), &value("kind")))
            .collect(),
        agencies: agency_options(&ctx, &agencies, &value("agency")),
        statuses: PermitStatus::ALL
            .iter()
            .map(|s| {
                SelectOption::new(
                    s.as_str(),
                    label(&ctx, "permit_status", s.as_str()),
                    &value("status"),
                )
            })
            .collect(),
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
        id: p.id,
        kind: label(ctx, "permit_kind", &p.kind),
        number: p.permit_no.clone(),
        agency: agency_label(ctx, agencies, Some(&p.agency_code)),
        holder: p.holder_name.clone(),
        valid_from: p.valid_from.to_string(),
        valid_to: p.valid_to.to_string(),
        status: label(ctx, "permit_status", status.as_str()),
        status_class: status_class(status),
        status_code: status.as_str(),
    }
}

async fn export(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
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
    attachments: Vec<(i64, String, String, String)>,
}

async fn show_screen(
    state: &WebState,
    ctx: Ctx,
    id: i64,
    form: Option<&FormData>,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let (permit, status) = records::permit(&state.app, &caller, id).await?;
    let agencies = organisation::agencies(&state.app, &caller).await?;
    let attachments = records::permit_attachments(&state.app, &caller, id)
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
    let may_change = AgencyCode::parse(&permit.agency_code)
        .is_ok_and(|a| caller.may(Action::RecordPermit, &Resource::Agency(a)));
    let current_state = form
        .map(|f| f.get("state").to_string())
        .unwrap_or_else(|| permit.state.clone());
    let page = ShowPage {
        p: view(&ctx, &agencies, &permit, status),
        mine_id: permit.mine_id,
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
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let parts = crate::upload::read(&headers, body).await;
    let file = parts.into_iter().find(|p| p.name == "file");
    let (name, data) = file
        .map(|f| (f.file_name.unwrap_or_default(), f.data))
        .unwrap_or_default();
    match records::attach_to_permit(&state.app, &ctx.caller(), id, &name, &data).await {
        Ok(_) => Ok(see_other(&format!("/permits/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, None, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn download(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    use axum::response::IntoResponse;
    let (attachment, bytes) = records::attachment(&state.app, &ctx.caller(), id).await?;
    let encoded: String = form_urlencoded::byte_serialize(attachment.file_name.as_bytes()).collect();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, attachment.content_type.clone()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"file\"; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, None, None).await
}

async fn change(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response, WebError> {
    match records::change_permit(
        &state.app,
        &ctx.caller(),
        id,
        form.get("state"),
        form.get("valid_to"),
        form.get("note"),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/permits/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, Some(&form), Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}
