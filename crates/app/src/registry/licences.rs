//! 矿业权 — registering licences (checked against the county's extent and the credit list) and recording
//! their history: extension (延续, checked against the credit list like a grant), change and
//! cancellation.

use super::credit::{check_grant, CreditCheck};
use super::input::{check_licence, CheckedLicence, LicenceInput};
use super::sharing::{auto_post, AutoPost};
use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{date, optional_text};
use orewatch_domain::licence::{LicenceEventKind, LicenceState};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::sharing::ShareKind;
use orewatch_domain::{
    AgencyCode, AuditAction, CompanyId, FieldErrors, LicenceId, MineId, Problem, RecordType,
};
use orewatch_storage::licences::{self, Licence, LicenceFields};
use orewatch_storage::{mines, WriteTx};

/// A licence to register, with what the form or row adds to it.
pub(crate) struct NewLicence<'a> {
    pub checked: &'a CheckedLicence,
    pub mine: MineId,
    pub holder: CompanyId,
    /// The written reason to grant to a listed holder (forms only; a row has none and is refused).
    pub override_reason: Option<&'a str>,
}

pub(crate) fn fields<'a>(
    l: &'a CheckedLicence,
    parcel_json: &'a str,
    mine: MineId,
    holder: CompanyId,
) -> LicenceFields<'a> {
    let (top, floor) = l.parcel.elevation_range();
    LicenceFields {
        licence_no: l.licence_no.as_str(),
        kind: l.kind,
        mine_id: mine,
        holder_company_id: holder,
        mineral: &l.mineral,
        method: l.method,
        scale: l.scale.map(|(v, _)| v),
        scale_unit: l.scale.map(|(_, u)| u),
        declared_area_m2: l.declared_area_m2,
        area_m2: l.parcel.area_m2,
        planar_area_m2: l.parcel.planar_area_m2,
        valid_from: l.valid_from,
        valid_to: l.valid_to,
        boundary_text: &l.boundary_text,
        parcel_json,
        zone: i64::from(l.parcel.zone),
        elevation_top_m: top,
        elevation_floor_m: floor,
    }
}

fn parcel_json(l: &CheckedLicence) -> Result<String> {
    serde_json::to_string(&l.parcel).map_err(AppError::json("parcel"))
}

/// Registers licences inside the caller's transaction: each holder checked against the credit list
/// (in this transaction), then all inserted, each with its history entry and audit entry.
pub(crate) async fn register(
    tx: &mut WriteTx,
    credit: &mut CreditCheck,
    items: &[NewLicence<'_>],
    note: Option<&str>,
) -> Result<Vec<LicenceId>> {
    for item in items {
        let what = format!("licence {}", item.checked.licence_no.as_str());
        check_grant(tx, credit, item.holder, item.override_reason, &what).await?;
    }
    let jsons = items
        .iter()
        .map(|i| parcel_json(i.checked))
        .collect::<Result<Vec<_>>>()?;
    let rows: Vec<LicenceFields> = items
        .iter()
        .zip(&jsons)
        .map(|(i, json)| fields(i.checked, json, i.mine, i.holder))
        .collect();
    match licences::insert_many(tx, &rows, note).await {
        Ok(ids) => Ok(ids),
        Err(e) if e.is_conflict_on("licence_no_key", "licence.licence_no") => {
            Err(AppError::invalid("licence_no", Problem::Duplicate))
        }
        Err(e) => Err(e.into()),
    }
}

/// Changes a registered licence's fields (an import updating by number), checked against the credit
/// list like a grant; its state and history stay. `false` when nothing differs.
pub(crate) async fn update(
    tx: &mut WriteTx,
    credit: &mut CreditCheck,
    current: &Licence,
    item: &NewLicence<'_>,
    note: Option<&str>,
) -> Result<bool> {
    let json = parcel_json(item.checked)?;
    let new = fields(item.checked, &json, item.mine, item.holder);
    let same = current.kind == new.kind
        && current.mine_id == new.mine_id
        && current.holder_company_id == new.holder_company_id
        && current.mineral == new.mineral
        && current.method == new.method
        && current.scale == new.scale
        && current.scale_unit == new.scale_unit
        && current.declared_area_m2 == new.declared_area_m2
        && current.valid_from == new.valid_from
        && current.valid_to == new.valid_to
        && current.boundary_text == new.boundary_text;
    if same {
        return Ok(false);
    }
    let what = format!("licence {} (update)", current.licence_no);
    check_grant(tx, credit, item.holder, item.override_reason, &what).await?;
    let before = tx.state_of(current.id).await?;
    licences::update(tx, current.id, &new).await?;
    tx.audit_of(
        AuditAction::LicenceUpdate,
        current.id,
        before,
        note.map(str::to_string),
    )
    .await?;
    Ok(true)
}

/// Adds a licence to a mine. Returns its id and the declared-area mismatch, if beyond 0.5 %.
pub async fn create(
    app: &App,
    caller: &Caller,
    mine_id: MineId,
    input: &LicenceInput<'_>,
) -> Result<(LicenceId, Option<f64>)> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let checked = check_licence(input, &app.settings.corner_options(app.settings.map_zone))
        .map_err(AppError::Invalid)?;
    if !input.confirm_outside {
        let county = super::county::county(app, caller).await?;
        if let Some(km) = county.outside_county_km(&checked.parcel, super::OUTSIDE_MARGIN_M) {
            return Err(AppError::invalid(
                "boundary",
                Problem::OutsideCounty {
                    km: format!("{km:.1}"),
                },
            ));
        }
    }
    let mut tx = app.write(caller).await?;
    let mine = mines::find(&mut tx, mine_id).await?.ok_or(AppError::NotFound)?;
    if let Some(existing) = licences::all_numbers(&mut tx)
        .await?
        .into_iter()
        .find(|(_, no)| no == checked.licence_no.as_str())
    {
        return Err(AppError::invalid(
            "licence_no",
            Problem::DuplicateOf {
                existing: format!("矿业权 {}（编号 {}）", existing.1, existing.0),
            },
        ));
    }
    let holder = super::companies::by_code(&mut tx, &checked.holder, "holder").await?;
    let mut credit = CreditCheck::load(&mut tx, crate::dashboard::china_today(app.now())).await?;
    let item = NewLicence {
        checked: &checked,
        mine: mine_id,
        holder: holder.id,
        override_reason: Some(input.override_reason),
    };
    let note = input
        .confirm_outside
        .then(|| "已确认矿区位于县域范围之外".to_string());
    let ids = register(&mut tx, &mut credit, &[item], note.as_deref()).await?;
    let id = ids
        .first()
        .copied()
        .ok_or_else(|| AppError::Invariant("no id".into()))?;
    let title = format!(
        "{}：{}（{}）",
        checked.kind.label_zh(),
        checked.licence_no.as_str(),
        holder.name
    );
    let nr = AgencyCode::parse("nr").map_err(|_| AppError::Invariant("agency nr".into()))?;
    auto_post(
        &mut tx,
        app,
        caller,
        AutoPost {
            kind: ShareKind::Approval,
            title: &title,
            issuing: Some(&nr),
            mine: Some(&mine),
            record: (RecordType::Licence, id.to_string()),
            everyone: false,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, checked.area_mismatch))
}

/// Records an extension (new end date), a change or a cancellation of a licence. An extension is a
/// renewal: a listed holder needs a written reason, like a grant.
#[allow(clippy::too_many_arguments)]
pub async fn event(
    app: &App,
    caller: &Caller,
    licence_id: LicenceId,
    kind: &str,
    on_date: &str,
    valid_to: &str,
    note: &str,
    override_reason: &str,
) -> Result<MineId> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let mut e = FieldErrors::new();
    let kind = e.take("event", LicenceEventKind::parse(kind));
    let on_date = e.take("on_date", date(on_date));
    let note = e.take("note", optional_text(note, 500));
    let new_to = if kind == Some(LicenceEventKind::Extended) {
        e.take("valid_to", date(valid_to)).map(Some)
    } else {
        Some(None)
    };
    let (Some(kind), Some(on_date), Some(note), Some(new_to)) = (kind, on_date, note, new_to) else {
        return Err(AppError::Invalid(e));
    };
    if kind == LicenceEventKind::Granted {
        return Err(AppError::invalid("event", Problem::Invalid));
    }
    let mut tx = app.write(caller).await?;
    let mine = apply_event(
        &mut tx,
        app,
        caller,
        licence_id,
        kind,
        on_date,
        new_to,
        note,
        override_reason,
    )
    .await?;
    tx.commit().await?;
    Ok(mine)
}

/// Records a licence event inside the caller's write (the registry's own form, or a revocation decided
/// in a penalty case): the licence's validity and history, its audit entry and the sharing feed's post.
/// The caller has checked the policy.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_event(
    tx: &mut WriteTx,
    app: &App,
    caller: &Caller,
    licence_id: LicenceId,
    kind: LicenceEventKind,
    on_date: chrono::NaiveDate,
    new_to: Option<chrono::NaiveDate>,
    note: Option<String>,
    override_reason: &str,
) -> Result<MineId> {
    let licence = licences::find(tx, licence_id).await?.ok_or(AppError::NotFound)?;
    let valid_to = new_to.unwrap_or(licence.valid_to);
    if valid_to < licence.valid_from {
        return Err(AppError::invalid("valid_to", Problem::DateOrder));
    }
    if licence.state == LicenceState::Cancelled {
        return Err(AppError::invalid("event", Problem::Unchanged));
    }
    if kind == LicenceEventKind::Extended {
        let mut credit = CreditCheck::load(tx, crate::dashboard::china_today(app.now())).await?;
        let what = format!("licence {} extension to {valid_to}", licence.licence_no);
        check_grant(
            tx,
            &mut credit,
            licence.holder_company_id,
            Some(override_reason),
            &what,
        )
        .await?;
    }
    let state = if kind == LicenceEventKind::Cancelled {
        LicenceState::Cancelled
    } else {
        LicenceState::Active
    };
    let before = tx.state_of(licence_id).await?;
    licences::set_validity(tx, licence_id, valid_to, state).await?;
    licences::add_event(tx, licence_id, kind, on_date, note.as_deref()).await?;
    let action = match kind {
        LicenceEventKind::Extended => AuditAction::LicenceExtended,
        LicenceEventKind::Changed => AuditAction::LicenceChanged,
        _ => AuditAction::LicenceCancelled,
    };
    tx.audit_of(action, licence_id, before, note.clone()).await?;
    let title = format!(
        "{}{}：{}",
        licence.licence_no,
        kind.label_zh(),
        note.as_deref().unwrap_or("")
    );
    let mine = mines::find(tx, licence.mine_id).await?;
    let nr = AgencyCode::parse("nr").map_err(|_| AppError::Invariant("agency nr".into()))?;
    auto_post(
        tx,
        app,
        caller,
        AutoPost {
            kind: if kind == LicenceEventKind::Cancelled {
                ShareKind::Revocation
            } else {
                ShareKind::Approval
            },
            title: title.trim_end_matches('：'),
            issuing: Some(&nr),
            mine: mine.as_ref(),
            record: (RecordType::Licence, licence_id.to_string()),
            everyone: false,
        },
    )
    .await?;
    Ok(licence.mine_id)
}
