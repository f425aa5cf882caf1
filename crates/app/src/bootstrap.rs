//! First-run setup: the standard agencies and the seats of the mechanism, created once.

use crate::{json, App, Caller, Result};
use orewatch_domain::agency::{AgencyKind, STANDARD_AGENCIES};
use orewatch_domain::organisation::{SeatTitle, STANDARD_DEPUTY_SEATS};
use orewatch_domain::policy::{Action, Resource};
use orewatch_storage::{agencies, audit, seats};
use serde_json::json as j;

/// Applies migrations and seeds the agencies of DOMAIN.md §1 and the standard seats when missing.
/// Safe to run at every start.
pub async fn prepare(app: &App) -> Result<()> {
    let caller = Caller::system();
    caller.require(Action::Migrate, &Resource::Installation)?;
    app.db.migrate().await?;
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    for (order, agency) in (1_i64..).zip(STANDARD_AGENCIES) {
        if agencies::insert_if_missing(&mut tx, agency, order * 10).await? {
            let mut entry = caller.audit("agency.create", "agency", agency.code);
            entry.after_json = json(j!({ "name_zh": agency.name_zh, "kind": agency.kind.as_str() }));
            audit::append(&mut tx, entry, now).await?;
        }
    }
    if seats::count(&mut tx).await? == 0 {
        let members: Vec<&str> = STANDARD_AGENCIES
            .iter()
            .filter(|a| a.kind == AgencyKind::Member)
            .map(|a| a.code)
            .collect();
        let mut plan: Vec<(SeatTitle, Option<&str>)> = vec![(SeatTitle::Commander, None)];
        plan.extend(std::iter::repeat_n(
            (SeatTitle::DeputyCommander, None),
            STANDARD_DEPUTY_SEATS,
        ));
        plan.extend(members.iter().map(|code| (SeatTitle::CommandMember, Some(*code))));
        plan.push((SeatTitle::OfficeDirector, None));
        plan.extend(members.iter().map(|code| (SeatTitle::OfficeMember, Some(*code))));
        for (order, (title, agency)) in (1_i64..).zip(plan) {
            let id = seats::insert(&mut tx, title, agency, order * 10).await?;
            let mut entry = caller.audit("seat.create", "seat", id);
            entry.after_json = json(j!({ "title": title.as_str(), "agency": agency }));
            audit::append(&mut tx, entry, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
