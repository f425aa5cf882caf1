//! Companies (矿业权人/企业): the list with search and pages, adding one, and one company with its mines.

use super::mines::{label, mine_row, MineRowView};
use super::{query_value, render_form, see_other, FormData, FormErrors, Pager};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orewatch_app::registry::input::CompanyInput;
use orewatch_app::registry::records;
use orewatch_app::AppError;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::FieldErrors;
use std::collections::HashMap;

const PAGE_SIZE: i64 = 25;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/companies", get(list).post(create))
        .route("/companies/export.xlsx", get(export))
        .route("/companies/{id}", get(show))
        .route("/companies/{id}/links", axum::routing::post(add_link))
}

pub struct CompanyRow {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub legal_rep: String,
    pub phone: String,
}

#[derive(Template)]
#[template(path = "companies.html")]
struct ListPage {
    ctx: Ctx,
    q: String,
    export_href: String,
    rows: Vec<CompanyRow>,
    pager: Pager,
    may_edit: bool,
    form: FormData,
    errors: FormErrors,
}

async fn list_screen(
    state: &WebState,
    ctx: Ctx,
    query: &HashMap<String, String>,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let page = Pager::requested(query);
    let text = query_value(query, "q");
    let found = records::list_companies(
        &state.app,
        &caller,
        text.as_deref(),
        PAGE_SIZE,
        Pager::offset(page, PAGE_SIZE),
    )
    .await?;
    let rows = found
        .rows
        .iter()
        .map(|c| CompanyRow {
            id: c.id,
            credit_code: c.credit_code.clone(),
            name: c.name.clone(),
            legal_rep: c.legal_rep.clone(),
            phone: c.phone.clone().unwrap_or_default(),
        })
        .collect();
    let view = ListPage {
        export_href: format!("/companies/export.xlsx?{}", super::filter_query(query)),
        q: text.unwrap_or_default(),
        rows,
        pager: Pager::new(&ctx, "/companies", query, page, PAGE_SIZE, found.total),
        may_edit: caller.may(Action::EditRegistry, &Resource::Installation),
        form,
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        ctx,
    };
    render_form(&view, errors.is_some())
}

async fn list(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    list_screen(&state, ctx, &query, FormData::default(), None).await
}

async fn export(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let text = query_value(&query, "q");
    let bytes =
        orewatch_app::registry::workbook::export_companies(&state.app, &ctx.caller(), text.as_deref())
            .await?;
    Ok(super::xlsx("企业清单.xlsx", bytes))
}

async fn create(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let input = CompanyInput {
        credit_code: form.get("credit_code"),
        name: form.get("name"),
        legal_rep: form.get("legal_rep"),
        address: form.get("address"),
        phone: form.get("phone"),
    };
    match records::create_company(&state.app, &ctx.caller(), &input).await {
        Ok(id) => Ok(see_other(&format!("/companies/{id}?flash=registered"))),
        Err(AppError::Invalid(errors)) => {
            list_screen(&state, ctx, &HashMap::new(), form, Some(&errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

pub struct LinkRow {
    pub person: String,
    pub role: String,
    pub share: String,
    pub company_id: i64,
    pub company: String,
}

#[derive(Template)]
#[template(path = "company.html")]
struct ShowPage {
    ctx: Ctx,
    c: CompanyRow,
    address: String,
    mines: Vec<MineRowView>,
    links: Vec<LinkRow>,
    elsewhere: Vec<LinkRow>,
    listed: Vec<String>,
    may_edit: bool,
    roles: Vec<super::SelectOption>,
    form: FormData,
    errors: FormErrors,
}

fn link_row(ctx: &Ctx, l: &orewatch_app::registry::credit::ControlLinkRecord) -> LinkRow {
    LinkRow {
        person: l.person_name.clone(),
        role: label(ctx, "control_role", &l.role),
        share: l.share_percent.map(|s| format!("{s}%")).unwrap_or_default(),
        company_id: l.company_id,
        company: l.company_name.clone(),
    }
}

async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, FormData::default(), None).await
}

async fn add_link(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response, WebError> {
    match orewatch_app::registry::credit::add_control_link(
        &state.app,
        &ctx.caller(),
        id,
        form.get("person_name"),
        form.get("id_number"),
        form.get("role"),
        form.get("share_percent"),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/companies/{id}?flash=saved"))),
        Err(AppError::Invalid(errors)) => show_screen(&state, ctx, id, form, Some(&errors)).await,
        Err(other) => Err(other.into()),
    }
}

async fn show_screen(
    state: &WebState,
    ctx: Ctx,
    id: i64,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let (company, mines) = records::company(&state.app, &caller, id).await?;
    let behind = orewatch_app::registry::credit::behind(&state.app, &caller, id).await?;
    let today = orewatch_app::dashboard::china_today(state.app.now());
    let mines = mines.iter().map(|r| mine_row(&ctx, r, today)).collect();
    let view = ShowPage {
        links: behind.links.iter().map(|l| link_row(&ctx, l)).collect(),
        elsewhere: behind.elsewhere.iter().map(|l| link_row(&ctx, l)).collect(),
        listed: behind
            .listed
            .iter()
            .map(|h| format!("{}（{}）", h.subject_name, h.reason))
            .collect(),
        may_edit: caller.may(Action::EditRegistry, &Resource::Installation),
        roles: orewatch_domain::company::ControlRole::ALL
            .iter()
            .map(|r| {
                super::SelectOption::new(
                    r.as_str(),
                    label(&ctx, "control_role", r.as_str()),
                    form.get("role"),
                )
            })
            .collect(),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        address: company.address.clone().unwrap_or_default(),
        c: CompanyRow {
            id: company.id,
            credit_code: company.credit_code,
            name: company.name,
            legal_rep: company.legal_rep,
            phone: company.phone.unwrap_or_default(),
        },
        mines,
        ctx,
    };
    render_form(&view, errors.is_some())
}
