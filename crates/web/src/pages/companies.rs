//! Companies (矿业权人/企业): the list with search and pages, adding one, and one company with its mines.

use super::labels::label;
use super::mines::{mine_row, MineRowView};
use super::{
    query_value, render_form, see_other, sort_headings, FormData, FormErrors, Pager, Params, SortHeading,
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
use orewatch_app::registry::companies::{self, CompanyQuery, Order};
use orewatch_app::registry::input::CompanyInput;
use orewatch_app::AppError;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{CompanyId, FieldErrors};
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
    /// On the credit list today (directly or through a listed controller).
    pub listed: bool,
}

#[derive(Template)]
#[template(path = "companies.html")]
struct ListPage {
    ctx: Ctx,
    q: String,
    export_href: String,
    rows: Vec<CompanyRow>,
    headings: Vec<SortHeading>,
    empty: String,
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
    let descending = query.get("dir").is_some_and(|d| d == "desc");
    let order = match (query.get("sort").map(String::as_str), descending) {
        (Some("code"), false) => Order::Code,
        (Some("code"), true) => Order::CodeDesc,
        (Some("newest"), _) => Order::Newest,
        (_, true) => Order::NameDesc,
        (_, false) => Order::Name,
    };
    let q = CompanyQuery {
        text: text.clone(),
        order,
        limit: PAGE_SIZE,
        offset: Pager::offset(page, PAGE_SIZE),
    };
    let list = companies::list(&state.app, &caller, &q).await?;
    let found = list.page;
    let rows: Vec<CompanyRow> = found
        .rows
        .iter()
        .map(|c| CompanyRow {
            id: c.id.0,
            credit_code: c.credit_code.as_str().to_string(),
            name: c.name.clone(),
            legal_rep: c.legal_rep.clone(),
            phone: c.phone.clone().unwrap_or_default(),
            listed: list.listed.contains(&c.id),
        })
        .collect();
    let headings = sort_headings(
        "/companies",
        query,
        &[
            ("code", ctx.t("company.credit_code").to_string()),
            ("name", ctx.t("company.name").to_string()),
        ],
    );
    let view = ListPage {
        headings,
        empty: ctx.empty_text(text.is_some()).to_string(),
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

async fn list(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
    list_screen(&state, ctx, &query, FormData::default(), None).await
}

async fn export(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
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
    match companies::create(&state.app, &ctx.caller(), &input).await {
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
        role: label(ctx, "control_role", l.role.as_str()),
        share: l.share_percent.map(|s| format!("{s}%")).unwrap_or_default(),
        company_id: l.company_id.0,
        company: l.company_name.clone(),
    }
}

async fn show(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<CompanyId>,
) -> Result<Response, WebError> {
    show_screen(&state, ctx, id, FormData::default(), None).await
}

async fn add_link(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Id(id): Id<CompanyId>,
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
    id: CompanyId,
    form: FormData,
    errors: Option<&FieldErrors>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let (company, mines) = companies::show(&state.app, &caller, id).await?;
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
            id: company.id.0,
            credit_code: company.credit_code.as_str().to_string(),
            name: company.name,
            legal_rep: company.legal_rep,
            phone: company.phone.unwrap_or_default(),
            listed: !behind.listed.is_empty(),
        },
        mines,
        ctx,
    };
    render_form(&view, errors.is_some())
}
