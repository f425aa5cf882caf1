//! 联合检查 — one room per part: the annual plan and its versions ([`plans`]), the joint inspections with
//! their coverage ([`joint`]), each agency's act with its printable 现场检查笔录 ([`acts`]), and the
//! inspector register and checklist templates ([`register`]). This module holds their routes and the
//! choosers they share.

mod acts;
mod joint;
mod plans;
mod register;

pub(in crate::pages) use joint::typed_inspection;

use super::labels::label;
use super::FormData;
use crate::ctx::Ctx;
use crate::error::WebError;
use crate::WebState;
use axum::Router;
use orewatch_app::organisation::AgencyRecord;

pub fn router() -> Router<WebState> {
    Router::new()
        .merge(plans::router())
        .merge(joint::router())
        .merge(acts::router())
        .merge(register::router())
}

/// The member agencies (those that inspect), for choosing.
pub(super) fn members(agencies: &[AgencyRecord]) -> Vec<AgencyRecord> {
    agencies.iter().filter(|a| a.is_member()).cloned().collect()
}

/// A checkbox of a list.
pub struct Choice {
    pub name: String,
    pub label: String,
    pub checked: bool,
}

pub(super) fn agency_choices(ctx: &Ctx, agencies: &[AgencyRecord], form: &FormData) -> Vec<Choice> {
    members(agencies)
        .iter()
        .map(|a| Choice {
            name: format!("agency_{}", a.code.as_str()),
            label: ctx.agency_name(a).to_string(),
            checked: !form.get(&format!("agency_{}", a.code.as_str())).is_empty(),
        })
        .collect()
}

pub(super) async fn mine_choices(
    state: &WebState,
    ctx: &Ctx,
    form: &FormData,
) -> Result<Vec<Choice>, WebError> {
    Ok(
        orewatch_app::inspections::acts::mine_choices(&state.app, &ctx.caller())
            .await?
            .iter()
            .map(|(id, name, township, status)| Choice {
                name: format!("mine_{}", id.0),
                label: format!(
                    "{name}（{township}，{}）",
                    label(ctx, "mine_status", status.as_str())
                ),
                checked: !form.get(&format!("mine_{}", id.0)).is_empty(),
            })
            .collect(),
    )
}
