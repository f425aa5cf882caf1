//! 一张图 — the county map (every licence coloured by its mine's standing, protected areas, township
//! boundaries with their names, layers switchable, search, pan and zoom by the first-party script) and
//! the county's consistency problem list.

use super::labels::{inconsistency_text, label, map_state};
use super::{render_form, Params};
use crate::ctx::{Auth, Ctx};
use crate::error::WebError;
use crate::svg::{self, Layers, MapLabels};
use crate::WebState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orewatch_app::registry::county::{county, County, EntryFilter, MapState, MAP_VERTEX_BUDGET};
use orewatch_app::registry::layers::{self, LayerTarget};
use orewatch_app::AppError;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::protected::{BoundaryKind, ProtectedKind};
use orewatch_domain::MineId;
use orewatch_spatial::polygon::bbox_union;
use strum::IntoEnumIterator;

pub fn router() -> Router<WebState> {
    Router::new().route("/map", get(map)).route(
        "/map/layers",
        post(import_layer).layer(axum::extract::DefaultBodyLimit::disable()),
    )
}

/// Mines with problems listed under the map; the rest are one click away in the mine list.
const PROBLEMS_LISTED: usize = 100;

pub struct ProblemRow {
    pub mine_id: MineId,
    pub name: String,
    pub township: String,
    pub problems: Vec<String>,
}

/// One search result: a link that centres the map on it.
pub struct Found {
    pub href: String,
    pub text: String,
    pub chosen: bool,
}

/// The layer switches, each with its code, label and whether it is shown.
pub struct LayerSwitch {
    pub code: &'static str,
    pub text: String,
    pub shown: bool,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    ctx: Ctx,
    svg: String,
    layers: Vec<LayerSwitch>,
    counts: Vec<(&'static str, String, usize)>,
    problems: Vec<ProblemRow>,
    /// Mines with problems in all; the page lists the first [`PROBLEMS_LISTED`].
    problem_total: usize,
    unreadable: Vec<String>,
    unreadable_layers: Vec<String>,
    licences: usize,
    may_import: bool,
    /// Layer import targets: value, label.
    kinds: Vec<(String, String)>,
    layer_message: Option<(bool, String)>,
    /// Notes on layers drawn simplified past their vertex budget.
    budget_notes: Vec<String>,
    find: String,
    found: Vec<Found>,
    /// The search found nothing.
    nothing_found: bool,
    /// Query parameters that keep the current search when the layer form is submitted.
    keep: Vec<(&'static str, String)>,
    refused: bool,
}

async fn map(State(state): State<WebState>, Auth(ctx): Auth, query: Params) -> Result<Response, WebError> {
    let message = query
        .get("imported")
        .and_then(|n| n.parse::<usize>().ok())
        .map(|n| (true, ctx.tf("map.imported", &[("n", n.to_string())])));
    screen(&state, ctx, &query, message).await
}

/// What the map is centred on.
enum Focus {
    Mine(MineId),
    Boundary(orewatch_domain::BoundaryId),
}

impl Focus {
    fn href(&self, find: &str) -> String {
        let (key, id) = match self {
            Focus::Mine(id) => ("mine", id.0),
            Focus::Boundary(id) => ("boundary", id.0),
        };
        let find: String = form_urlencoded::byte_serialize(find.as_bytes()).collect();
        format!("/map?find={find}&{key}={id}")
    }

    /// The rectangle (map metres) of what is focused, if it is on the map.
    fn bbox(&self, county: &County) -> Option<[f64; 4]> {
        match self {
            Focus::Mine(id) => county
                .licences
                .iter()
                .filter(|l| l.mine_id == *id)
                .map(|l| l.parcel.bbox)
                .reduce(bbox_union),
            Focus::Boundary(id) => county
                .boundaries
                .iter()
                .find(|b| b.id == *id)
                .map(|b| b.parcel.bbox),
        }
    }
}

/// Townships and county boundaries whose name holds the text, then mines whose name, company or licence
/// number does (the mine list's search), at most 20.
fn search(county: &County, text: &str) -> Vec<(Focus, String)> {
    let needle = text.to_lowercase();
    let mut out: Vec<(Focus, String)> = county
        .boundaries
        .iter()
        .filter(|b| b.name.to_lowercase().contains(&needle))
        .map(|b| (Focus::Boundary(b.id), b.name.clone()))
        .collect();
    let filter = EntryFilter {
        text: Some(text),
        ..Default::default()
    };
    out.extend(county.filter(&filter).map(|e| {
        let licence = e
            .licence_no
            .as_deref()
            .map(|n| format!(" · {n}"))
            .unwrap_or_default();
        (
            Focus::Mine(e.mine.id),
            format!("{}（{}）{licence}", e.mine.name, e.mine.township),
        )
    }));
    out.truncate(20);
    out
}

async fn screen(
    state: &WebState,
    ctx: Ctx,
    query: &Params,
    layer_message: Option<(bool, String)>,
) -> Result<Response, WebError> {
    let county = county(&state.app, &ctx.caller()).await?;
    let caller = ctx.caller();
    let ledgered = svg::Ledgered {
        overdue: if caller.may(Action::ViewLedger, &Resource::Installation) {
            orewatch_app::ledger::findings::overdue_mines(&state.app, &caller).await?
        } else {
            Default::default()
        },
        measures: if caller.may(Action::ViewCases, &Resource::Installation) {
            orewatch_app::enforcement::measures::binding_mines(&state.app, &caller).await?
        } else {
            Default::default()
        },
    };
    let state_of = |m: &orewatch_app::registry::county::MineStanding| ledgered.state_of(m.state, m.mine_id);
    // Without the layer form submitted, every layer is shown.
    let chosen = query.contains_key("layers");
    let on = |key: &str| !chosen || query.get(key).is_some_and(|v| v == "1");
    let layers = Layers {
        measure: on("measure"),
        overdue: on("overdue"),
        problem: on("problem"),
        lapsed: on("lapsed"),
        expiring: on("expiring"),
        fine: on("fine"),
        protected: on("protected"),
        boundaries: on("boundaries"),
    };

    let find = query
        .get("find")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let picked = query
        .get("mine")
        .and_then(|v| MineId::parse(v))
        .map(Focus::Mine)
        .or_else(|| {
            query
                .get("boundary")
                .and_then(|v| orewatch_domain::BoundaryId::parse(v))
                .map(Focus::Boundary)
        });
    let results = if find.is_empty() {
        Vec::new()
    } else {
        search(&county, &find)
    };
    let nothing_found = !find.is_empty() && results.is_empty();
    // A single result is shown at once; several are listed to choose from.
    let only = match results.as_slice() {
        [(Focus::Mine(id), _)] => Some(Focus::Mine(*id)),
        [(Focus::Boundary(id), _)] => Some(Focus::Boundary(*id)),
        _ => None,
    };
    let focus = picked.or(only);
    let focus_box = focus.as_ref().and_then(|f| f.bbox(&county));
    let found = results
        .iter()
        .map(|(f, text)| Found {
            href: f.href(&find),
            text: text.clone(),
            chosen: focus.as_ref().is_some_and(|c| c.href(&find) == f.href(&find)),
        })
        .collect();
    let mut keep = Vec::new();
    if !find.is_empty() {
        keep.push(("find", find.clone()));
    }
    match &focus {
        Some(Focus::Mine(id)) => keep.push(("mine", id.to_string())),
        Some(Focus::Boundary(id)) => keep.push(("boundary", id.to_string())),
        None => {}
    }

    let state_label = |s: MapState| map_state(&ctx, s);
    let kind_label = |k: ProtectedKind| label(&ctx, "protected_kind", k.as_str());
    let boundary_label = |k: BoundaryKind| label(&ctx, "boundary_kind", k.as_str());
    let labels = MapLabels {
        state: &state_label,
        protected_kind: &kind_label,
        boundary_kind: &boundary_label,
    };
    let svg = svg::county_map(&county, &ledgered, layers, &labels, focus_box);

    let simplified = county.simplified();
    let budget_notes = [
        (&simplified.protected, ctx.t("map.protected")),
        (&simplified.boundaries, ctx.t("map.boundaries")),
    ]
    .into_iter()
    .filter(|(layer, _)| layer.over_budget(simplified.scale_tolerance_m))
    .map(|(layer, name)| {
        ctx.tf(
            "map.simplified",
            &[
                ("layer", name.to_string()),
                ("vertices", layer.vertices.to_string()),
                ("budget", MAP_VERTEX_BUDGET.to_string()),
                ("drawn", layer.drawn.to_string()),
                ("metres", format!("{:.0}", layer.tolerance_m)),
            ],
        )
    })
    .collect();

    let count = |s: MapState| county.mines.values().filter(|m| state_of(m) == s).count();
    let with_problems = county.with_problems();
    let problem_total = with_problems.len();
    let problems = with_problems
        .into_iter()
        .take(PROBLEMS_LISTED)
        .map(|m| ProblemRow {
            mine_id: m.mine_id,
            name: m.name.clone(),
            township: m.township.clone(),
            problems: m.problems.iter().map(|p| inconsistency_text(&ctx, p)).collect(),
        })
        .collect();
    let switch = |code, text: String, shown| LayerSwitch { code, text, shown };
    let kinds = ProtectedKind::iter()
        .map(|k| (format!("protected:{}", k.as_str()), kind_label(k)))
        .chain(BoundaryKind::iter().map(|k| (format!("boundary:{}", k.as_str()), boundary_label(k))))
        .collect();
    let page = MapPage {
        svg,
        layers: vec![
            switch("measure", state_label(MapState::Measure), layers.measure),
            switch("overdue", state_label(MapState::Overdue), layers.overdue),
            switch("problem", state_label(MapState::Problem), layers.problem),
            switch("lapsed", state_label(MapState::Lapsed), layers.lapsed),
            switch("expiring", state_label(MapState::Expiring), layers.expiring),
            switch("fine", state_label(MapState::Fine), layers.fine),
            switch("protected", ctx.t("map.protected").to_string(), layers.protected),
            switch(
                "boundaries",
                ctx.t("map.boundaries").to_string(),
                layers.boundaries,
            ),
        ],
        counts: [
            MapState::Measure,
            MapState::Overdue,
            MapState::Problem,
            MapState::Lapsed,
            MapState::Expiring,
            MapState::Fine,
        ]
        .into_iter()
        .map(|s| (s.as_str(), state_label(s), count(s)))
        .collect(),
        problems,
        problem_total,
        unreadable: county.unreadable.clone(),
        unreadable_layers: county.unreadable_layers.clone(),
        licences: county.licences.len(),
        may_import: ctx.caller().may(Action::EditRegistry, &Resource::Installation),
        kinds,
        refused: layer_message.as_ref().is_some_and(|(ok, _)| !ok),
        layer_message,
        budget_notes,
        find,
        found,
        nothing_found,
        keep,
        ctx,
    };
    render_form(&page, page.refused)
}

/// The import target of the layer form's `kind` ("protected:reserve", "boundary:township").
fn target(raw: &str) -> Option<LayerTarget> {
    let (group, kind) = raw.split_once(':')?;
    match group {
        "protected" => ProtectedKind::parse(kind).ok().map(LayerTarget::Protected),
        "boundary" => BoundaryKind::parse(kind).ok().map(LayerTarget::Boundary),
        _ => None,
    }
}

async fn import_layer(
    State(state): State<WebState>,
    Auth(ctx): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    ctx.caller()
        .require(Action::EditRegistry, &Resource::Installation)?;
    let parts = crate::upload::read(&headers, body).await;
    let kind = crate::upload::text(&parts, "kind");
    let refuse = |ctx: Ctx, message: String| async {
        screen(&state, ctx, &Params::default(), Some((false, message))).await
    };
    let Some(target) = target(&kind) else {
        let message = ctx.t("map.no_kind").to_string();
        return refuse(ctx, message).await;
    };
    let Some(file) = parts.into_iter().find(|p| p.name == "file" && !p.data.is_empty()) else {
        let message = ctx.t("import.no_file").to_string();
        return refuse(ctx, message).await;
    };
    let name = file.file_name.unwrap_or_default();
    match layers::import(&state.app, &ctx.caller(), target, &name, &file.data).await {
        Ok(n) => Ok(super::see_other(&format!("/map?imported={n}"))),
        Err(AppError::Invalid(errors)) => {
            let message = errors
                .0
                .iter()
                .map(|e| ctx.tf(e.problem.message_key(), &e.problem.args()))
                .collect::<Vec<_>>()
                .join("；");
            refuse(ctx, message).await
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_form_names_its_target() {
        assert_eq!(
            target("protected:reserve"),
            Some(LayerTarget::Protected(ProtectedKind::Reserve))
        );
        assert_eq!(
            target("boundary:township"),
            Some(LayerTarget::Boundary(BoundaryKind::Township))
        );
        assert_eq!(target("boundary:reserve"), None);
        assert_eq!(target("reserve"), None);
    }
}
