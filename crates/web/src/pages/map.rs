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
    Router::new().route("/map", get(map))
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
}

async fn map(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    Query(query): Query<HashMap<String, String>>,
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
        ctx,
    };
    render(&page)
}
