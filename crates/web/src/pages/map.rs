//! 一张图 — the county map (every licence coloured by its mine's standing, protected areas, layers
//! switchable, pan and zoom by the first-party script) and the county's consistency problem list.

use super::mines::{inconsistency_text, label};
use super::render;
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::svg::{self, Layers, MapLabels};
use crate::WebState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orewatch_app::registry::county::{county, MapState};
use std::collections::HashMap;

pub fn router() -> Router<WebState> {
    Router::new().route("/map", get(map)).route(
        "/map/layers",
        axum::routing::post(import_layer).layer(axum::extract::DefaultBodyLimit::disable()),
    )
}

pub struct ProblemRow {
    pub mine_id: i64,
    pub name: String,
    pub township: String,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    ctx: Ctx,
    svg: String,
    layers: Vec<(&'static str, String, bool)>,
    counts: Vec<(&'static str, String, usize)>,
    problems: Vec<ProblemRow>,
    licences: usize,
    may_import: bool,
    kinds: Vec<(&'static str, String)>,
    layer_message: Option<(bool, String)>,
    refused: bool,
}

async fn map(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let message = query
        .get("imported")
        .and_then(|n| n.parse::<usize>().ok())
        .map(|n| (true, ctx.tf("map.imported", &[("n", n.to_string())])));
    screen(&state, ctx, &query, message).await
}

async fn screen(
    state: &WebState,
    ctx: Ctx,
    query: &HashMap<String, String>,
    layer_message: Option<(bool, String)>,
) -> Result<Response, WebError> {
    let county = county(&state.app, &ctx.caller()).await?;
    // Without the layer form submitted, every layer is shown.
    let chosen = query.contains_key("layers");
    let on = |key: &str| !chosen || query.get(key).is_some_and(|v| v == "1");
    let layers = Layers {
        problem: on("problem"),
        expiring: on("expiring"),
        fine: on("fine"),
        protected: on("protected"),
    };
    let state_label = |s: MapState| ctx.t(&format!("map_state.{}", s.as_str())).to_string();
    let kind_label = |k: &str| label(&ctx, "protected_kind", k);
    let labels = MapLabels {
        state: &state_label,
        protected_kind: &kind_label,
    };
    let svg = svg::county_map(&county, layers, &labels);
    let count = |s: MapState| county.mines.values().filter(|m| m.state == s).count();
    let problems = county
        .with_problems()
        .into_iter()
        .map(|m| ProblemRow {
            mine_id: m.mine_id,
            name: m.name.clone(),
            township: m.township.clone(),
            problems: m.problems.iter().map(|p| inconsistency_text(&ctx, p)).collect(),
        })
        .collect();
    let page = MapPage {
        svg,
        layers: vec![
            ("problem", state_label(MapState::Problem), layers.problem),
            ("expiring", state_label(MapState::Expiring), layers.expiring),
            ("fine", state_label(MapState::Fine), layers.fine),
            ("protected", ctx.t("map.protected").to_string(), layers.protected),
        ],
        counts: vec![
            (
                "problem",
                state_label(MapState::Problem),
                count(MapState::Problem),
            ),
            (
                "expiring",
                state_label(MapState::Expiring),
                count(MapState::Expiring),
            ),
            ("fine", state_label(MapState::Fine), count(MapState::Fine)),
        ],
        problems,
        licences: county.licences.len(),
        may_import: ctx.caller().may(
            orewatch_domain::policy::Action::EditRegistry,
            &orewatch_domain::policy::Resource::Installation,
        ),
        kinds: orewatch_app::registry::records::PROTECTED_KINDS
            .iter()
            .map(|k| (*k, label(&ctx, "protected_kind", k)))
            .collect(),
        refused: layer_message.as_ref().is_some_and(|(ok, _)| !ok),
        layer_message,
        ctx,
    };
    if page.refused {
        super::render_invalid(&page)
    } else {
        render(&page)
    }
}

async fn import_layer(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let parts = crate::upload::read(&headers, body).await;
    let kind = parts
        .iter()
        .find(|p| p.name == "kind")
        .map(|p| String::from_utf8_lossy(&p.data).into_owned())
        .unwrap_or_default();
    let file = parts.into_iter().find(|p| p.name == "file" && !p.data.is_empty());
    let Some(file) = file else {
        let message = ctx.t("import.no_file").to_string();
        return screen(&state, ctx, &HashMap::new(), Some((false, message))).await;
    };
    let name = file.file_name.unwrap_or_default();
    match orewatch_app::registry::records::import_protected_layer(
        &state.app,
        &ctx.caller(),
        &kind,
        &name,
        &file.data,
    )
    .await
    {
        Ok(n) => Ok(super::see_other(&format!("/map?imported={n}"))),
        Err(orewatch_app::AppError::Invalid(errors)) => {
            let message = errors
                .0
                .iter()
                .map(|e| ctx.tf(e.problem.message_key(), &e.problem.args()))
                .collect::<Vec<_>>()
                .join("；");
            screen(&state, ctx, &HashMap::new(), Some((false, message))).await
        }
        Err(other) => Err(other.into()),
    }
}
