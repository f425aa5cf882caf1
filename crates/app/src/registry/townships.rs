//! 乡镇名录 — the managed list of the county's townships: a mine names one of them, so "鹿寨" and
//! "鹿寨镇" cannot both appear.

use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::required_text;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AuditAction, Problem};
use orewatch_storage::townships::{self, Township};

pub use orewatch_storage::townships::Township as TownshipRecord;

pub async fn list(app: &App, caller: &Caller) -> Result<Vec<Township>> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(townships::all(&mut conn).await?)
}

/// Adds a township at the end of the list.
pub async fn add(app: &App, caller: &Caller, name: &str) -> Result<orewatch_domain::TownshipId> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let name = required_text(name, 50).map_err(|p| AppError::invalid("township", p))?;
    let mut tx = app.write(caller).await?;
    let all = townships::all(&mut tx).await?;
    if let Some(same) = all.iter().find(|t| t.name == name) {
        return Err(AppError::invalid(
            "township",
            Problem::DuplicateOf {
                existing: same.name.clone(),
            },
        ));
    }
    let order = all.iter().map(|t| t.sort_order).max().unwrap_or(0) + 10;
    let id = townships::insert(&mut tx, &name, order).await?;
    tx.audit_of(AuditAction::TownshipCreate, id, None, None).await?;
    tx.commit().await?;
    Ok(id)
}
