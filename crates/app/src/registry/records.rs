//! Registry use cases: add and list companies, mines, licences and permits; one mine's whole picture.

use super::county::{county, MineStanding};
use super::county::{EntryFilter, MineEntry};
use super::input::{
    check_company, check_licence, check_mine, check_permit, CheckedCompany, CheckedLicence, CheckedMine,
    CheckedPermit, CompanyInput, LicenceInput, MineInput, PermitInput,
};
use crate::{json, App, AppError, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::audit::StoredAuditRow;
use orewatch_domain::licence::{LicenceEventKind, LicenceState};
use orewatch_domain::permit::{PermitState, PermitStatus};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AgencyCode, FieldErrors, Problem};
use orewatch_spatial::boundary_check::{check as check_boundary, BoundaryCheck};
use orewatch_storage::audit::{self, AuditFilter};
use orewatch_storage::companies::{self, Company, NewCompany};
use orewatch_storage::licences::{self, Licence, LicenceEvent, NewLicence};
use orewatch_storage::mines::{self, Mine, NewMine};
use orewatch_storage::permits::{self, NewPermit, Permit, PermitFilter};

pub use orewatch_storage::permits::Permit as PermitRecord;
use orewatch_storage::{Conn, Page};
use serde_json::json as j;

// ---- writes shared by the forms and the workbook import (inside the caller's transaction) ----

pub(crate) async fn insert_company(
    conn: &mut Conn,
    caller: &Caller,
    c: &CheckedCompany,
    now: chrono::DateTime<chrono::Utc>,
    note: Option<&str>,
) -> Result<i64> {
    let row = NewCompany {
        credit_code: c.credit_code.as_str(),
        name: &c.name,
        legal_rep: &c.legal_rep,
        address: c.address.as_deref(),
        phone: c.phone.as_deref(),
    };
    let id = match companies::insert(&mut *conn, &row, now).await {
        Ok(id) => id,
        Err(e) if e.is_conflict_on("company_credit_code_key", "company.credit_code") => {
            return Err(AppError::invalid("credit_code", Problem::Duplicate))
        }
        Err(e) => return Err(e.into()),
    };
    let mut entry = caller.audit("company.create", "company", id);
    entry.after_json =
        json(j!({"credit_code": c.credit_code.as_str(), "name": c.name, "legal_rep": c.legal_rep}));
    entry.note = note.map(str::to_string);
    audit::append(&mut *conn, entry, now).await?;
    Ok(id)
}

pub(crate) async fn insert_mine(
    conn: &mut Conn,
    caller: &Caller,
    m: &CheckedMine,
    company_id: i64,
    now: chrono::DateTime<chrono::Utc>,
    note: Option<&str>,
) -> Result<i64> {
    let row = NewMine {
        name: &m.name,
        township: &m.township,
        mineral: &m.mineral,
        method: m.method.as_str(),
        status: m.status.as_str(),
        company_id,
        area_agency_code: m.area_agency.as_ref().map(AgencyCode::as_str),
        supervisor: m.supervisor.as_deref(),
    };
    let id = match mines::insert(&mut *conn, &row, now).await {
        Ok(id) => id,
        Err(e) if e.is_conflict_on("mine_name_key", "mine.name") => {
            return Err(AppError::invalid("name", Problem::Duplicate))
        }
        Err(e) if e.is_conflict_on("mine_area_agency_fkey", "FOREIGN KEY") => {
            return Err(AppError::invalid("area_agency", Problem::NotFound))
        }
        Err(e) => return Err(e.into()),
    };
    let mut entry = caller.audit("mine.create", "mine", id);
    entry.after_json = json(j!({
        "name": m.name, "township": m.township, "mineral": m.mineral,
        "method": m.method.as_str(), "status": m.status.as_str(), "company_id": company_id,
    }));
    entry.note = note.map(str::to_string);
    audit::append(&mut *conn, entry, now).await?;
    Ok(id)
}

pub(crate) async fn insert_licence(
    conn: &mut Conn,
    caller: &Caller,
    l: &CheckedLicence,
    mine_id: i64,
    holder_id: i64,
    now: chrono::DateTime<chrono::Utc>,
    note: Option<&str>,
) -> Result<i64> {
    let parcel_json = serde_json::to_string(&l.parcel).map_err(|e| AppError::Internal(e.to_string()))?;
    let (top, floor) = l.parcel.elevation_range();
    let row = NewLicence {
        licence_no: l.licence_no.as_str(),
        kind: l.kind.as_str(),
        mine_id,
        holder_company_id: holder_id,
        mineral: &l.mineral,
        method: l.method.as_str(),
        scale: l.scale.map(|(v, _)| v),
        scale_unit: l.scale.map(|(_, u)| u.as_str()),
        declared_area_m2: l.declared_area_m2,
        area_m2: l.parcel.area_m2,
        planar_area_m2: l.parcel.planar_area_m2,
        valid_from: l.valid_from,
        valid_to: l.valid_to,
        boundary_text: &l.boundary_text,
        parcel_json: &parcel_json,
        zone: i64::from(l.parcel.zone),
        elevation_top_m: top,
        elevation_floor_m: floor,
    };
    let id = match licences::insert(&mut *conn, &row, now).await {
        Ok(id) => id,
        Err(e) if e.is_conflict_on("licence_no_key", "licence.licence_no") => {
            return Err(AppError::invalid("licence_no", Problem::Duplicate))
        }
        Err(e) => return Err(e.into()),
    };
    licences::add_event(
        &mut *conn,
        id,
        LicenceEventKind::Granted.as_str(),
        l.valid_from,
        None,
        now,
    )
    .await?;
    let mut entry = caller.audit("licence.create", "licence", id);
    entry.after_json = json(j!({
        "licence_no": l.licence_no.as_str(), "kind": l.kind.as_str(), "mine_id": mine_id,
        "holder_company_id": holder_id, "valid_from": l.valid_from.to_string(), "valid_to": l.valid_to.to_string(),
        "area_m2": (l.parcel.area_m2 * 100.0).round() / 100.0, "declared_area_m2": l.declared_area_m2,
    }));
    entry.note = note.map(str::to_string);
    audit::append(&mut *conn, entry, now).await?;
    Ok(id)
}

pub(crate) async fn insert_permit(
    conn: &mut Conn,
    caller: &Caller,
    p: &CheckedPermit,
    mine_id: i64,
    holder_id: i64,
    now: chrono::DateTime<chrono::Utc>,
    note: Option<&str>,
) -> Result<i64> {
    let agency = p.kind.issuing_agency();
    let row = NewPermit {
        kind: p.kind.as_str(),
        permit_no: &p.permit_no,
        agency_code: agency,
        holder_company_id: holder_id,
        mine_id,
        valid_from: p.valid_from,
        valid_to: p.valid_to,
        scope: p.scope.as_deref(),
        state: p.state.as_str(),
    };
    let id = match permits::insert(&mut *conn, &row, now).await {
        Ok(id) => id,
        Err(e) if e.is_conflict_on("permit_kind_no_key", "permit.kind") => {
            return Err(AppError::invalid("permit_no", Problem::Duplicate))
        }
        Err(e) => return Err(e.into()),
    };
    let mut entry = caller.audit("permit.create", "permit", id);
    entry.actor_agency = entry.actor_agency.or_else(|| Some(agency.to_string()));
    entry.after_json = json(j!({
        "kind": p.kind.as_str(), "permit_no": p.permit_no, "agency": agency, "mine_id": mine_id,
        "holder_company_id": holder_id, "valid_from": p.valid_from.to_string(),
        "valid_to": p.valid_to.to_string(), "state": p.state.as_str(),
    }));
    entry.note = note.map(str::to_string);
    audit::append(&mut *conn, entry, now).await?;
    Ok(id)
}

/// The company with this credit code, or a field error on `field`.
async fn company_by_code(conn: &mut Conn, code: &str, field: &'static str) -> Result<Company> {
    companies::find_by_credit_code(conn, code)
        .await?
        .ok_or_else(|| AppError::invalid(field, Problem::CompanyNotRegistered))
}

fn require_edit(caller: &Caller) -> Result<()> {
    caller.require(Action::EditRegistry, &Resource::Installation)
}

fn require_view(caller: &Caller) -> Result<()> {
    caller.require(Action::ViewRegistry, &Resource::Installation)
}

// ---- companies ----

pub async fn create_company(app: &App, caller: &Caller, input: &CompanyInput<'_>) -> Result<i64> {
    require_edit(caller)?;
    let checked = check_company(input).map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let id = insert_company(&mut tx, caller, &checked, now, None).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list_companies(
    app: &App,
    caller: &Caller,
    text: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Page<Company>> {
    require_view(caller)?;
    let mut conn = app.db.conn().await?;
    Ok(companies::list(&mut conn, text, limit, offset).await?)
}

/// A company with the mines it operates.
pub async fn company(app: &App, caller: &Caller, id: i64) -> Result<(Company, Vec<MineEntry>)> {
    require_view(caller)?;
    let county = county(app, caller).await?;
    let mut conn = app.db.conn().await?;
    let company = companies::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let filter = EntryFilter {
        company_id: Some(id),
        ..Default::default()
    };
    let rows = county.filter(&filter).cloned().collect();
    Ok((company, rows))
}

// ---- mines ----

pub async fn create_mine(app: &App, caller: &Caller, input: &MineInput<'_>) -> Result<i64> {
    require_edit(caller)?;
    let checked = check_mine(input).map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let company = company_by_code(&mut tx, checked.company.as_str(), "company").await?;
    let id = insert_mine(&mut tx, caller, &checked, company.id, now, None).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a mine's status (筹建/生产/停产整顿/关闭), with the reason.
pub async fn set_mine_status(
    app: &App,
    caller: &Caller,
    mine_id: i64,
    status: &str,
    note: &str,
) -> Result<()> {
    require_edit(caller)?;
    let mut e = FieldErrors::new();
    let status = e.take("status", orewatch_domain::mine::MineStatus::parse(status));
    let note = e.take("note", orewatch_domain::field::required_text(note, 500));
    let (Some(status), Some(note)) = (status, note) else {
        return Err(AppError::Invalid(e));
    };
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let mine = mines::find(&mut tx, mine_id).await?.ok_or(AppError::NotFound)?;
    if mine.status == status.as_str() {
        return Err(AppError::invalid("status", Problem::Unchanged));
    }
    mines::set_status(&mut tx, mine_id, status.as_str(), now).await?;
    let mut entry = caller.audit("mine.status", "mine", mine_id);
    entry.before_json = json(j!({"status": mine.status}));
    entry.after_json = json(j!({"status": status.as_str()}));
    entry.note = Some(note);
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// What the mine list can be filtered by (raw query values).
#[derive(Debug, Clone, Default)]
pub struct MineQuery {
    pub text: Option<String>,
    pub township: Option<String>,
    pub status: Option<String>,
    pub area_agency: Option<String>,
    /// Only mines with a permit expired or expiring within 90 days.
    pub permits_due: bool,
    pub limit: i64,
    pub offset: i64,
}

pub async fn list_mines(app: &App, caller: &Caller, q: &MineQuery) -> Result<Page<MineEntry>> {
    Ok(mine_list(app, caller, q).await?.page)
}

/// What the mine list page shows: a page of mines, and the county picture and organisation it came
/// from (shared, not copied: the townships and agencies to filter by are in them).
#[derive(Debug, Clone)]
pub struct MineList {
    pub page: Page<MineEntry>,
    pub county: std::sync::Arc<super::county::County>,
    pub organisation: std::sync::Arc<crate::organisation::Organisation>,
}

/// The mine list page's data, from one read of the data version (the county picture and the
/// organisation are cached per version).
pub async fn mine_list(app: &App, caller: &Caller, q: &MineQuery) -> Result<MineList> {
    require_view(caller)?;
    // With the version read along with the session, both caches answer without a query.
    let cached = caller
        .data_version
        .map(crate::cache::DataVersion)
        .and_then(|version| {
            let today = crate::dashboard::china_today(app.now());
            let county = app.caches().county.get(version).filter(|c| c.today == today)?;
            let organisation = app.caches().organisation.get(version)?;
            Some((county, organisation))
        });
    let (county, organisation) = match cached {
        Some(both) => both,
        None => {
            let mut conn = app.db.conn().await?;
            let version = crate::cache::DataVersion(audit::head_seq(&mut conn).await?);
            let county = super::county::county_at(app, &mut conn, version).await?;
            let organisation = crate::organisation::view_at(app, &mut conn, version).await?;
            (county, organisation)
        }
    };
    let filter = EntryFilter {
        text: q.text.as_deref(),
        township: q.township.as_deref(),
        status: q.status.as_deref(),
        area_agency: q.area_agency.as_deref(),
        company_id: None,
        permits_due_by: q
            .permits_due
            .then(|| county.today.checked_add_signed(chrono::Duration::days(90)))
            .flatten(),
    };
    let mut total = 0_i64;
    let mut rows = Vec::new();
    let offset = usize::try_from(q.offset.max(0)).unwrap_or(0);
    let limit = usize::try_from(q.limit.max(0)).unwrap_or(0);
    for (i, entry) in county.filter(&filter).enumerate() {
        total += 1;
        if i >= offset && rows.len() < limit {
            rows.push(entry.clone());
        }
    }
    Ok(MineList {
        page: Page { rows, total },
        county,
        organisation,
    })
}

/// A licence on the mine page: the record, its boundary checked again for display (points in
/// longitude/latitude, per-part areas and elevation), and the declared-area mismatch.
#[derive(Debug, Clone)]
pub struct LicenceView {
    pub licence: Licence,
    pub boundary: Option<BoundaryCheck>,
    /// The stored parcel (for drawing).
    pub parcel: Option<orewatch_spatial::parcel::Parcel>,
    pub area_mismatch: Option<f64>,
}

/// Everything the mine page shows.
#[derive(Debug, Clone)]
pub struct MineView {
    pub mine: Mine,
    pub licences: Vec<LicenceView>,
    pub events: Vec<LicenceEvent>,
    pub permits: Vec<(Permit, PermitStatus)>,
    pub standing: Option<MineStanding>,
    pub timeline: Vec<StoredAuditRow>,
    pub today: NaiveDate,
}

pub async fn mine(app: &App, caller: &Caller, id: i64) -> Result<MineView> {
    require_view(caller)?;
    let county = county(app, caller).await?;
    let today = county.today;
    let mut conn = app.db.conn().await?;
    let mine = mines::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let stored = licences::for_mine(&mut conn, id).await?;
    let events = licences::events_for_mine(&mut conn, id).await?;
    let permit_rows = permits::for_mine(&mut conn, id).await?;
    let mut timeline = audit::list(
        &mut conn,
        &AuditFilter {
            record_type: Some("mine".into()),
            record_id: Some(id.to_string()),
            limit: 100,
            ..Default::default()
        },
    )
    .await?;
    let records = stored
        .iter()
        .map(|l| ("licence", l.id))
        .chain(permit_rows.iter().map(|p| ("permit", p.id)));
    for (record_type, record_id) in records {
        let rows = audit::list(
            &mut conn,
            &AuditFilter {
                record_type: Some(record_type.into()),
                record_id: Some(record_id.to_string()),
                limit: 50,
                ..Default::default()
            },
        )
        .await?;
        timeline.extend(rows);
    }
    timeline.sort_by_key(|r| std::cmp::Reverse(r.row.seq));
    let licences = stored
        .into_iter()
        .map(|licence| {
            let boundary = check_boundary(&licence.boundary_text, u32::try_from(licence.zone).ok()).ok();
            let area_mismatch =
                orewatch_domain::licence::area_mismatch(licence.declared_area_m2, licence.area_m2);
            let parcel = serde_json::from_str(&licence.parcel_json).ok();
            LicenceView {
                licence,
                boundary,
                parcel,
                area_mismatch,
            }
        })
        .collect();
    let permits = permit_rows
        .into_iter()
        .map(|p| {
            let state = PermitState::parse(&p.state).unwrap_or(PermitState::Active);
            let status = PermitStatus::on(state, p.valid_to, today);
            (p, status)
        })
        .collect();
    Ok(MineView {
        mine,
        licences,
        events,
        permits,
        standing: county.mines.get(&id).cloned(),
        timeline,
        today,
    })
}

// ---- licences ----

/// Adds a licence to a mine. Returns its id and the declared-area mismatch, if beyond 0.5 %.
pub async fn create_licence(
    app: &App,
    caller: &Caller,
    mine_id: i64,
    input: &LicenceInput<'_>,
) -> Result<(i64, Option<f64>)> {
    require_edit(caller)?;
    let checked = check_licence(input).map_err(AppError::Invalid)?;
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    mines::find(&mut tx, mine_id).await?.ok_or(AppError::NotFound)?;
    let holder = company_by_code(&mut tx, checked.holder.as_str(), "holder").await?;
    let what = format!("licence {}", checked.licence_no.as_str());
    super::credit::check_grant(&mut tx, caller, holder.id, input.override_reason, &what, now).await?;
    let id = insert_licence(&mut tx, caller, &checked, mine_id, holder.id, now, None).await?;
    let title = format!(
        "{}：{}（{}）",
        checked.kind.label_zh(),
        checked.licence_no.as_str(),
        holder.name
    );
    super::sharing::auto_post(
        &mut tx,
        &app.settings,
        caller,
        "approval",
        &title,
        Some("nr"),
        mine_id,
        ("licence", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((id, checked.area_mismatch))
}

/// Records an extension (new end date) or a cancellation of a licence.
pub async fn licence_event(
    app: &App,
    caller: &Caller,
    licence_id: i64,
    kind: &str,
    on_date: &str,
    valid_to: &str,
    note: &str,
) -> Result<i64> {
    require_edit(caller)?;
    let mut e = FieldErrors::new();
    let kind = e.take("event", LicenceEventKind::parse(kind));
    let on_date = e.take("on_date", orewatch_domain::field::date(on_date));
    let note = e.take("note", orewatch_domain::field::optional_text(note, 500));
    let new_to = if kind == Some(LicenceEventKind::Extended) {
        e.take("valid_to", orewatch_domain::field::date(valid_to))
            .map(Some)
    } else {
        Some(None)
    };
    let (Some(kind), Some(on_date), Some(note), Some(new_to)) = (kind, on_date, note, new_to) else {
        return Err(AppError::Invalid(e));
    };
    if kind == LicenceEventKind::Granted {
        return Err(AppError::invalid("event", Problem::Invalid));
    }
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let licence = licences::find(&mut tx, licence_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let valid_to = new_to.unwrap_or(licence.valid_to);
    if valid_to < licence.valid_from {
        return Err(AppError::invalid("valid_to", Problem::DateOrder));
    }
    let state = if kind == LicenceEventKind::Cancelled {
        LicenceState::Cancelled
    } else {
        LicenceState::Active
    };
    licences::set_validity(&mut tx, licence_id, valid_to, state.as_str(), now).await?;
    licences::add_event(&mut tx, licence_id, kind.as_str(), on_date, note.as_deref(), now).await?;
    let mut entry = caller.audit(&format!("licence.{}", kind.as_str()), "licence", licence_id);
    entry.before_json = json(j!({"valid_to": licence.valid_to.to_string(), "state": licence.state}));
    entry.after_json =
        json(j!({"valid_to": valid_to.to_string(), "state": state.as_str(), "on_date": on_date.to_string()}));
    let title = format!(
        "{}{}：{}",
        licence.licence_no,
        kind.label_zh(),
        note.as_deref().unwrap_or("")
    );
    entry.note = note;
    audit::append(&mut tx, entry, now).await?;
    let share_kind = if kind == LicenceEventKind::Cancelled {
        "revocation"
    } else {
        "approval"
    };
    super::sharing::auto_post(
        &mut tx,
        &app.settings,
        caller,
        share_kind,
        title.trim_end_matches('：'),
        Some("nr"),
        licence.mine_id,
        ("licence", licence_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(licence.mine_id)
}

// ---- permits ----

pub async fn create_permit(app: &App, caller: &Caller, mine_id: i64, input: &PermitInput<'_>) -> Result<i64> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let checked = check_permit(input).map_err(AppError::Invalid)?;
    let agency = AgencyCode::parse(checked.kind.issuing_agency())
        .map_err(|_| AppError::Internal("agency code".into()))?;
    caller.require(Action::RecordPermit, &Resource::Agency(agency))?;
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    mines::find(&mut tx, mine_id).await?.ok_or(AppError::NotFound)?;
    let holder = company_by_code(&mut tx, checked.holder.as_str(), "holder").await?;
    let what = format!("permit {} {}", checked.kind.as_str(), checked.permit_no);
    super::credit::check_grant(&mut tx, caller, holder.id, input.override_reason, &what, now).await?;
    let id = insert_permit(&mut tx, caller, &checked, mine_id, holder.id, now, None).await?;
    let title = format!(
        "{} {}（{}）",
        checked.kind.label_zh(),
        checked.permit_no,
        holder.name
    );
    super::sharing::auto_post(
        &mut tx,
        &app.settings,
        caller,
        "approval",
        &title,
        Some(checked.kind.issuing_agency()),
        mine_id,
        ("permit", id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Renews (new end date), suspends, revokes or reinstates a permit. Only its issuing agency (or the
/// office) may.
pub async fn change_permit(
    app: &App,
    caller: &Caller,
    permit_id: i64,
    state: &str,
    valid_to: &str,
    note: &str,
) -> Result<i64> {
    let mut e = FieldErrors::new();
    let state = e.take("state", PermitState::parse(state));
    let valid_to = e.take("valid_to", orewatch_domain::field::date(valid_to));
    let note = e.take("note", orewatch_domain::field::optional_text(note, 500));
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let permit = permits::find(&mut tx, permit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let agency =
        AgencyCode::parse(&permit.agency_code).map_err(|_| AppError::Internal("agency code".into()))?;
    caller.require(Action::RecordPermit, &Resource::Agency(agency))?;
    let (Some(state), Some(valid_to), Some(note)) = (state, valid_to, note) else {
        return Err(AppError::Invalid(e));
    };
    if valid_to < permit.valid_from {
        return Err(AppError::invalid("valid_to", Problem::DateOrder));
    }
    if state.as_str() == permit.state && valid_to == permit.valid_to {
        return Err(AppError::invalid("state", Problem::Unchanged));
    }
    permits::update(&mut tx, permit_id, state.as_str(), valid_to, now).await?;
    let mut entry = caller.audit("permit.update", "permit", permit_id);
    entry.before_json = json(j!({"state": permit.state, "valid_to": permit.valid_to.to_string()}));
    entry.after_json = json(j!({"state": state.as_str(), "valid_to": valid_to.to_string()}));
    let kind_zh = orewatch_domain::permit::PermitKind::parse(&permit.kind)
        .map(|k| k.label_zh())
        .unwrap_or("许可证");
    let (share_kind, what) = match state {
        PermitState::Revoked => ("revocation", "吊销".to_string()),
        PermitState::Suspended => ("revocation", "暂扣".to_string()),
        PermitState::Active => ("approval", format!("有效期至 {valid_to}")),
    };
    let title = format!("{kind_zh} {} {what}（{}）", permit.permit_no, permit.holder_name);
    entry.note = note;
    audit::append(&mut tx, entry, now).await?;
    super::sharing::auto_post(
        &mut tx,
        &app.settings,
        caller,
        share_kind,
        &title,
        Some(&permit.agency_code),
        permit.mine_id,
        ("permit", permit_id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(permit.mine_id)
}

/// One permit with its status today.
pub async fn permit(app: &App, caller: &Caller, id: i64) -> Result<(Permit, PermitStatus)> {
    require_view(caller)?;
    let today = crate::dashboard::china_today(app.now());
    let mut conn = app.db.conn().await?;
    let p = permits::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let state = PermitState::parse(&p.state).unwrap_or(PermitState::Active);
    let status = PermitStatus::on(state, p.valid_to, today);
    Ok((p, status))
}

/// What the permit list can be filtered by.
#[derive(Debug, Clone, Default)]
pub struct PermitQuery {
    pub text: Option<String>,
    pub kind: Option<String>,
    pub agency: Option<String>,
    pub status: Option<PermitStatus>,
    pub limit: i64,
    pub offset: i64,
}

pub async fn list_permits(
    app: &App,
    caller: &Caller,
    q: &PermitQuery,
) -> Result<(Page<(Permit, PermitStatus)>, NaiveDate)> {
    require_view(caller)?;
    let today = crate::dashboard::china_today(app.now());
    let (state, from, until) = match q.status {
        None => (None, None, None),
        Some(PermitStatus::Revoked) => (Some("revoked"), None, None),
        Some(PermitStatus::Suspended) => (Some("suspended"), None, None),
        Some(status) => {
            let (from, until) = status.valid_to_range(today).unwrap_or((None, None));
            (Some("active"), from, until)
        }
    };
    let filter = PermitFilter {
        text: q.text.clone(),
        kind: q.kind.clone(),
        agency_code: q.agency.clone(),
        state: state.map(str::to_string),
        valid_to_from: from,
        valid_to_until: until,
        limit: q.limit,
        offset: q.offset,
    };
    let mut conn = app.db.conn().await?;
    let page = permits::list(&mut conn, &filter).await?;
    let rows = page
        .rows
        .into_iter()
        .map(|p| {
            let state = PermitState::parse(&p.state).unwrap_or(PermitState::Active);
            let status = PermitStatus::on(state, p.valid_to, today);
            (p, status)
        })
        .collect();
    Ok((
        Page {
            rows,
            total: page.total,
        },
        today,
    ))
}

// ---- protected areas ----

/// The kinds of protected area.
pub const PROTECTED_KINDS: [&str; 5] = ["reserve", "red_line", "forest", "farmland", "wetland"];

/// Adds a protected area from corner-point text (the way announcements publish them).
pub async fn create_protected_area(
    app: &App,
    caller: &Caller,
    kind: &str,
    name: &str,
    source: &str,
    boundary: &str,
) -> Result<i64> {
    require_edit(caller)?;
    let mut e = FieldErrors::new();
    if !PROTECTED_KINDS.contains(&kind) {
        e.push("kind", Problem::Invalid);
    }
    let name = e.take("name", orewatch_domain::field::required_text(name, 100));
    let source = e.take("source", orewatch_domain::field::optional_text(source, 200));
    let parcel = e.take(
        "boundary",
        orewatch_spatial::parcel::Parcel::from_text(boundary, super::input::DEFAULT_ZONE).map_err(|err| {
            Problem::Boundary {
                message: err.to_string(),
            }
        }),
    );
    let (Some(name), Some(source), Some(parcel)) = (name, source, parcel) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let parcel_json = serde_json::to_string(&parcel).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let id = orewatch_storage::protected_areas::insert(
        &mut tx,
        kind,
        &name,
        source.as_deref(),
        &parcel_json,
        parcel.area_m2,
        now,
    )
    .await?;
    let mut entry = caller.audit("protected_area.create", "protected_area", id);
    entry.after_json = json(j!({"kind": kind, "name": name, "area_m2": parcel.area_m2.round()}));
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Imports a protected-area layer (GeoJSON, or a zipped Shapefile with its .prj) as areas of one kind,
/// all features or none. Returns how many areas were added.
pub async fn import_protected_layer(
    app: &App,
    caller: &Caller,
    kind: &str,
    file_name: &str,
    bytes: &[u8],
) -> Result<usize> {
    require_edit(caller)?;
    if !PROTECTED_KINDS.contains(&kind) {
        return Err(AppError::invalid("kind", Problem::Invalid));
    }
    let lower = file_name.to_ascii_lowercase();
    let fallback = std::path::Path::new(file_name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("图层")
        .to_string();
    let layer = |e: orewatch_spatial::layers::LayerError| {
        AppError::invalid(
            "file",
            Problem::Layer {
                message: e.to_string(),
            },
        )
    };
    let features = if lower.ends_with(".zip") {
        orewatch_spatial::layers::read_zipped_shapefile(bytes, &fallback).map_err(layer)?
    } else if lower.ends_with(".geojson") || lower.ends_with(".json") {
        let text = std::str::from_utf8(bytes).map_err(|_| {
            AppError::invalid(
                "file",
                Problem::Layer {
                    message: "不是 UTF-8 编码的文本".into(),
                },
            )
        })?;
        orewatch_spatial::layers::read_geojson(text, &fallback).map_err(layer)?
    } else {
        return Err(AppError::invalid(
            "file",
            Problem::Layer {
                message: "应为 .geojson/.json 文件或含 .shp、.dbf、.prj 的 .zip 压缩包".into(),
            },
        ));
    };
    let now = app.now();
    let source: String = file_name.chars().take(200).collect();
    let mut tx = app.db.begin_write().await?;
    for f in &features {
        let parcel_json = serde_json::to_string(&f.parcel).map_err(|e| AppError::Internal(e.to_string()))?;
        let name: String = f.name.chars().take(100).collect();
        let id = orewatch_storage::protected_areas::insert(
            &mut tx,
            kind,
            &name,
            Some(&source),
            &parcel_json,
            f.parcel.area_m2,
            now,
        )
        .await?;
        let mut entry = caller.audit("protected_area.create", "protected_area", id);
        entry.after_json =
            json(j!({"kind": kind, "name": name, "area_m2": f.parcel.area_m2.round(), "source": source}));
        audit::append(&mut tx, entry, now).await?;
    }
    tx.commit().await?;
    Ok(features.len())
}

// ---- attachments ----

pub use orewatch_storage::files::Attachment;

/// The content type of an uploaded file, from its extension.
fn content_type_of(file_name: &str) -> &'static str {
    let lower = file_name.to_ascii_lowercase();
    match lower.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("tif" | "tiff") => "image/tiff",
        Some("ofd") => "application/ofd",
        _ => "application/octet-stream",
    }
}

/// Attaches a file (a scanned certificate, an approval document) to a permit; only its agency (or the
/// office) may.
pub async fn attach_to_permit(
    app: &App,
    caller: &Caller,
    permit_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64> {
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let permit = permits::find(&mut conn, permit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let agency =
        AgencyCode::parse(&permit.agency_code).map_err(|_| AppError::Internal("agency code".into()))?;
    caller.require(Action::RecordPermit, &Resource::Agency(agency))?;
    if bytes.is_empty() {
        return Err(AppError::invalid("file", Problem::Required));
    }
    let name: String = std::path::Path::new(file_name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .chars()
        .take(120)
        .collect();
    let name = orewatch_domain::field::required_text(&name, 120).map_err(|p| AppError::invalid("file", p))?;
    // The file is stored before the row: a failed transaction leaves an unreferenced file, never a row
    // without its file.
    let sha = app.files().put(bytes)?;
    let mut tx = app.db.begin_write().await?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let id = orewatch_storage::files::insert(
        &mut tx,
        "permit",
        &permit_id.to_string(),
        &name,
        content_type_of(&name),
        size,
        &sha,
        &caller.display_name,
        now,
    )
    .await?;
    let mut entry = caller.audit("permit.attach", "permit", permit_id);
    entry.after_json = json(j!({"file_name": name, "sha256": sha, "size_bytes": size}));
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn permit_attachments(app: &App, caller: &Caller, permit_id: i64) -> Result<Vec<Attachment>> {
    require_view(caller)?;
    let mut conn = app.db.conn().await?;
    Ok(orewatch_storage::files::of_record(&mut conn, "permit", &permit_id.to_string()).await?)
}

/// An attachment and its bytes (checked against their SHA-256).
pub async fn attachment(app: &App, caller: &Caller, id: i64) -> Result<(Attachment, Vec<u8>)> {
    require_view(caller)?;
    let mut conn = app.db.conn().await?;
    let found = orewatch_storage::files::find(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = app.files().get(&found.sha256)?;
    Ok((found, bytes))
}
