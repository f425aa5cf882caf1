//! First-run setup and upgrades: the standard agencies and the seats of the mechanism, created once;
//! records written before they were bound to the audit chain get their baseline entry, once, by the
//! upgrade that introduced the binding; the townships of the registered mines become the managed list.

use crate::{App, Caller, Result};
use orewatch_domain::agency::{AgencyCode, AgencyKind, STANDARD_AGENCIES};
use orewatch_domain::inspection::STANDARD_CHECKLIST;
use orewatch_domain::organisation::{SeatTitle, STANDARD_DEPUTY_SEATS};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AuditAction, RecordType};
use orewatch_storage::register;
use orewatch_storage::{agencies, audit, mines, seats, townships};

/// The migration that bound records to the audit chain (`0004_write_types`).
const BINDING_MIGRATION: i64 = 4;

/// Applies migrations and seeds what a new installation needs. Safe to run at every start.
pub async fn prepare(app: &App) -> Result<()> {
    let caller = Caller::system();
    caller.require(Action::Migrate, &Resource::Installation)?;
    let ran = app.db.migrate().await?;
    let mut tx = app.write(&caller).await?;
    if ran.contains(&BINDING_MIGRATION) {
        // Only this upgrade may bind rows that have no audit entry: afterwards such a row was written
        // behind the application's back, and `audit verify` must report it.
        audit::bind_unbound(&mut tx, "升级：绑定此前登记的记录").await?;
    }
    for (order, agency) in (1_i64..).zip(STANDARD_AGENCIES) {
        if let Some(key) = agencies::insert_if_missing(&mut tx, agency, order * 10).await? {
            tx.audit(AuditAction::AgencyCreate, RecordType::Agency, key, None, None)
                .await?;
        }
    }
    if seats::count(&mut tx).await? == 0 {
        let members: Vec<AgencyCode> = STANDARD_AGENCIES
            .iter()
            .filter(|a| a.kind == AgencyKind::Member)
            .filter_map(|a| AgencyCode::parse(a.code).ok())
            .collect();
        let mut plan: Vec<(SeatTitle, Option<&AgencyCode>)> = vec![(SeatTitle::Commander, None)];
        plan.extend(std::iter::repeat_n(
            (SeatTitle::DeputyCommander, None),
            STANDARD_DEPUTY_SEATS,
        ));
        plan.extend(members.iter().map(|code| (SeatTitle::CommandMember, Some(code))));
        plan.push((SeatTitle::OfficeDirector, None));
        plan.extend(members.iter().map(|code| (SeatTitle::OfficeMember, Some(code))));
        for (order, (title, agency)) in (1_i64..).zip(plan) {
            let id = seats::insert(&mut tx, title, agency, order * 10).await?;
            tx.audit_of(AuditAction::SeatCreate, id, None, None).await?;
        }
    }
    if townships::all(&mut tx).await?.is_empty() {
        let mut names: Vec<String> = mines::all(&mut tx)
            .await?
            .into_iter()
            .map(|m| m.township)
            .collect();
        names.sort();
        names.dedup();
        for (order, name) in (1_i64..).zip(names) {
            let id = townships::insert(&mut tx, &name, order * 10).await?;
            tx.audit_of(
                AuditAction::TownshipCreate,
                id,
                None,
                Some("由已登记矿山的乡镇生成".into()),
            )
            .await?;
        }
    }
    if register::checklist(&mut tx).await?.is_empty() {
        for (order, (template, text, category)) in (1_i64..).zip(STANDARD_CHECKLIST) {
            let id = register::insert_checklist_item(&mut tx, *template, order * 10, text, category).await?;
            tx.audit_of(
                AuditAction::ChecklistItemCreate,
                id,
                None,
                Some("标准检查表（DOMAIN §3）".into()),
            )
            .await?;
        }
    }
    if tx.appended() > 0 {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(())
}
