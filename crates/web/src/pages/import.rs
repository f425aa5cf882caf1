//! Workbook import (导入): the template download, the upload form, and the result — what was imported,
//! or every row to fix (sheet, row, column, reason) with nothing imported.

use super::{render, render_invalid, xlsx};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::WebState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orewatch_app::registry::workbook::{self, ImportCounts, ImportOptions, ImportOutcome};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::Problem;

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/registry/import",
            get(form).post(import).layer(DefaultBodyLimit::disable()),
        )
        .route("/registry/template.xlsx", get(template))
}

pub struct ErrorRow {
    pub sheet: String,
    pub row: String,
    pub column: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: Ctx,
    counts: Option<ImportCounts>,
    warnings: Vec<String>,
    errors: Vec<ErrorRow>,
    /// All problems, also those not listed.
    total: usize,
    /// Some rows refer to records that exist: offer the update by key.
    existing: bool,
    /// Some licences lie outside the county: offer the confirmation.
    outside: bool,
    options: ImportOptions,
    file_name: String,
}

fn page(ctx: Ctx) -> ImportPage {
    ImportPage {
        ctx,
        counts: None,
        warnings: Vec::new(),
        errors: Vec::new(),
        total: 0,
        existing: false,
        outside: false,
        options: ImportOptions::default(),
        file_name: String::new(),
    }
}

async fn form(Auth(ctx): Auth) -> Result<Response, WebError> {
    ctx.caller()
        .require(Action::EditRegistry, &Resource::Installation)?;
    render(&page(ctx))
}

async fn template(Auth(ctx): Auth) -> Result<Response, WebError> {
    Ok(xlsx("矿山登记导入模板.xlsx", workbook::template(&ctx.caller())?))
}

async fn import(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let parts = crate::upload::read(&headers, body).await;
    let ticked = |name: &str| parts.iter().any(|p| p.name == name && p.data == b"1");
    let options = ImportOptions {
        update_existing: ticked("update_existing"),
        confirm_outside: ticked("confirm_outside"),
    };
    let file = parts.into_iter().find(|p| p.name == "file" && !p.data.is_empty());
    let mut view = page(ctx);
    view.options = options;
    let Some(file) = file else {
        view.errors.push(ErrorRow {
            sheet: String::new(),
            row: String::new(),
            column: String::new(),
            reason: view.ctx.t("import.no_file").to_string(),
        });
        return render_invalid(&view);
    };
    let file_name: String = file.file_name.unwrap_or_default().chars().take(120).collect();
    view.file_name = file_name.clone();
    match workbook::import(&state.app, &caller, &file.data, &file_name, options).await? {
        ImportOutcome::Imported(counts) => {
            view.warnings = counts
                .area_warnings
                .iter()
                .map(|(row, number, rel)| {
                    view.ctx.tf(
                        "import.area_warning",
                        &[
                            ("row", row.to_string()),
                            ("number", number.clone()),
                            ("percent", format!("{:+.2}", rel * 100.0)),
                        ],
                    )
                })
                .collect();
            view.counts = Some(counts);
            render(&view)
        }
        ImportOutcome::Refused { errors, total } => {
            view.total = total;
            view.existing = errors
                .iter()
                .any(|e| matches!(e.problem, Problem::AlreadyRegistered { .. }));
            view.outside = errors
                .iter()
                .any(|e| matches!(e.problem, Problem::OutsideCounty { .. }));
            let reason = |p: &Problem| view.ctx.tf(p.message_key(), &p.args());
            let rows = errors
                .iter()
                .map(|e| ErrorRow {
                    sheet: e.sheet.clone(),
                    row: if e.row > 0 {
                        e.row.to_string()
                    } else {
                        String::new()
                    },
                    column: e.column.clone().unwrap_or_default(),
                    reason: reason(&e.problem),
                })
                .collect();
            view.errors = rows;
            render_invalid(&view)
        }
    }
}
