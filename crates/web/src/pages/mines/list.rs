//! The mine list: search, filters (township, status, area agency, permits lapsed or due within 90
//! days), sorting by any column, pages, export, registering a mine, and the name search behind the mine
//! pickers.

use super::{mine_row, MineRowView};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::pages::labels::options;
use crate::pages::{
    agency_options, filter_query, query_value, render_form, see_other, sort_headings, xlsx, FormData,
    FormErrors, Pager, Params, SelectOption, SortHeading,
};
use crate::WebState;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use orewatch_app::registry::input::MineInput;
use orewatch_app::registry::mines::{self, Due, MineList, MineQuery, MineSort};
use orewatch_app::registry::workbook;
use orewatch_app::AppError;
use orewatch_domain::mine::{MineStatus, MiningMethod};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::FieldErrors;
use std::collections::HashMap;

const PAGE_SIZE: i64 = 25;

#[derive(Template)]
#[template(path = "mines.html")]
struct ListPage {
    ctx: Ctx,
    q: String,
    townships: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    agencies: Vec<SelectOption>,
    dues: Vec<SelectOption>,
    problems_only: bool,
    headings: Vec<SortHeading>,
    rows: Vec<MineRowView>,
    empty: String,
    pager: Pager,
    export_href: String,
    may_edit: bool,
    form: FormData,
    form_townships: Vec<SelectOption>,
    methods: Vec<SelectOption>,
    form_statuses: Vec<SelectOption>,
    form_agencies: Vec<SelectOption>,
    errors: FormErrors,
}

fn mine_query(query: &HashMap<String, String>, page: i64) -> MineQuery {
    MineQuery {
        text: query_value(query, "q"),
        township: query_value(query, "township"),
        status: query_value(query, "status").filter(|s| MineStatus::parse(s).is_ok()),
        area_agency: query_value(query, "agency"),
        due: match query.get("due").map(String::as_str) {
            Some("lapsed") => Some(Due::Lapsed),
            // `1` is the old checkbox's value.
            Some("due90" | "1") => Some(Due::Within90),
            _ => None,
        },
        problems: query.get("problems").is_some_and(|v| v == "1"),
        sort: match query.get("sort").map(String::as_str) {
            Some("name") => MineSort::Name,
            Some("status") => MineSort::Status,
            Some("licence_end") => MineSort::LicenceEnd,
            Some("permit_end") => MineSort::PermitEnd,
            _ => MineSort::Township,
        },
        descending: query.get("dir").is_some_and(|d| d == "desc"),
        limit: PAGE_SIZE,
        offset: Pager::offset(page, PAGE_SIZE),
    }
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
    let q = mine_query(query, page);
    let MineList {
        page: found,
        county,
        organisation,
    } = mines::list(&state.app, &caller, &q).await?;
    let agencies = &organisation.agencies;
    let rows = found
        .rows
        .iter()
        .map(|r| mine_row(&ctx, r, county.today))
        .collect();
    let value = |k: &str| query_value(query, k).unwrap_or_default();
    let township_options = |current: &str| {
        county
            .townships
            .iter()
            .map(|t| SelectOption::new(t.clone(), t.clone(), current))
            .collect::<Vec<_>>()
    };
    let column = |key: &str| ctx.t(key).to_string();
    let headings = sort_headings(
        "/mines",
        query,
        &[
            ("name", column("mine.name")),
            ("township", column("mine.township")),
            ("status", column("mine.status")),
            ("licence_end", column("mines.licence_to")),
            ("permit_end", column("mines.next_expiry")),
        ],
    );
    let page_view = ListPage {
        q: value("q"),
        townships: township_options(&value("township")),
        statuses: options(
            &ctx,
            &MineStatus::ALL,
            "mine_status",
            MineStatus::as_str,
            &value("status"),
        ),
        agencies: agency_options(&ctx, agencies, &value("agency")),
        dues: ["lapsed", "due90"]
            .iter()
            .map(|d| SelectOption::new(*d, ctx.t(&format!("mines.due_{d}")), &value("due")))
            .collect(),
        problems_only: q.problems,
        headings,
        empty: ctx.empty_text(q.filtered()).to_string(),
        rows,
        pager: Pager::new(&ctx, "/mines", query, page, PAGE_SIZE, found.total),
        export_href: format!("/mines/export.xlsx?{}", filter_query(query)),
        may_edit: caller.may(Action::EditRegistry, &Resource::Installation),
        form_townships: township_options(form.get("township")),
        methods: options(
            &ctx,
            &MiningMethod::ALL,
            "method",
            MiningMethod::as_str,
            form.get("method"),
        ),
        form_statuses: options(
            &ctx,
            &MineStatus::ALL,
            "mine_status",
            MineStatus::as_str,
            form.get("status"),
        ),
        form_agencies: agency_options(&ctx, agencies, form.get("area_agency")),
        errors: errors.map(|e| FormErrors::from(&ctx, e)).unwrap_or_default(),
        form,
        ctx,
    };
    render_form(&page_view, errors.is_some())
}

pub async fn list(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    query: Params,
) -> Result<Response, WebError> {
    list_screen(&state, ctx, &query, FormData::default(), None).await
}

pub async fn create(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    form: FormData,
) -> Result<Response, WebError> {
    let input = MineInput {
        name: form.get("name"),
        township: form.get("township"),
        mineral: form.get("mineral"),
        method: form.get("method"),
        status: form.get("status"),
        company: form.get("company"),
        area_agency: form.get("area_agency"),
        supervisor: form.get("supervisor"),
    };
    match mines::create(&state.app, &ctx.caller(), &input).await {
        Ok(id) => Ok(see_other(&format!("/mines/{id}?flash=registered"))),
        Err(AppError::Invalid(errors)) => {
            list_screen(&state, ctx, &HashMap::new(), form, Some(&errors)).await
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn export(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    query: Params,
) -> Result<Response, WebError> {
    let q = mine_query(&query, 1);
    let bytes = workbook::export_mines(&state.app, &ctx.caller(), &q).await?;
    Ok(xlsx("矿山清单.xlsx", bytes))
}

/// Mines whose name contains `q`, as JSON for the pickers' script: `[{"id":1,"name":"…","township":"…"}]`.
pub async fn suggest(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    query: Params,
) -> Result<Response, WebError> {
    let text = query_value(&query, "q").unwrap_or_default();
    let found = mines::search(&state.app, &ctx.caller(), &text, 12).await?;
    let items: Vec<serde_json::Value> = found
        .into_iter()
        .map(|(id, name, township)| serde_json::json!({"id": id.0, "name": name, "township": township}))
        .collect();
    Ok((
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        serde_json::Value::Array(items).to_string(),
    )
        .into_response())
}
