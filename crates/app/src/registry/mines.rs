//! 矿山 — registering mines and changing their status, the mine list (filtered and sorted in memory from
//! the county picture), one mine's whole page, and the name search of the mine pickers.

use super::county::{county, county_at, EntryFilter, MapLicence, MineEntry, MineStanding};
use super::input::{check_mine, CheckedMine, MineInput};
use crate::{App, AppError, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::audit::StoredAuditRow;
use orewatch_domain::field::required_text;
use orewatch_domain::mine::MineStatus;
use orewatch_domain::permit::PermitStatus;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AuditAction, CompanyId, FieldErrors, MineId, Problem, RecordType};
use orewatch_spatial::boundary_check::{check_with as check_boundary, BoundaryCheck};
use orewatch_storage::audit::{self, AuditFilter};
use orewatch_storage::licences::{self, Licence, LicenceEvent};
use orewatch_storage::mines::{self, Mine, MineFields};
use orewatch_storage::permits::{self, Permit};
use orewatch_storage::{townships, Conn, Page, WriteTx};
use std::sync::Arc;

pub(crate) fn fields(m: &CheckedMine, company_id: CompanyId) -> MineFields<'_> {
    MineFields {
        name: &m.name,
        township: &m.township,
        mineral: &m.mineral,
        method: m.method,
        status: m.status,
        company_id,
        area_agency: m.area_agency.as_ref(),
        supervisor: m.supervisor.as_deref(),
    }
}

/// Checks a mine's township against the managed list (a form and an import ask the same).
pub(crate) fn township_problem(township: &str, listed: &[String]) -> Option<Problem> {
    (!listed.iter().any(|t| t == township)).then(|| Problem::TownshipNotListed {
        listed: listed.join("、"),
    })
}

/// The managed townships' names, in list order.
pub(crate) async fn listed_townships(conn: &mut Conn) -> Result<Vec<String>> {
    Ok(townships::all(conn).await?.into_iter().map(|t| t.name).collect())
}

/// Registers mines inside the caller's transaction, each with its audit entry.
pub(crate) async fn register(
    tx: &mut WriteTx,
    items: &[(&CheckedMine, CompanyId)],
    note: Option<&str>,
) -> Result<Vec<MineId>> {
    let rows: Vec<MineFields> = items.iter().map(|(m, c)| fields(m, *c)).collect();
    match mines::insert_many(tx, &rows, note).await {
        Ok(ids) => Ok(ids),
        Err(e) if e.is_conflict_on("mine_name_key", "mine.name") => {
            Err(AppError::invalid("name", Problem::Duplicate))
        }
        Err(e) if e.is_conflict_on("mine_area_agency_fkey", "FOREIGN KEY") => {
            Err(AppError::invalid("area_agency", Problem::NotFound))
        }
        Err(e) => Err(e.into()),
    }
}

/// Changes a registered mine (an import updating by name); `false` when nothing differs.
pub(crate) async fn update(
    tx: &mut WriteTx,
    current: &Mine,
    m: &CheckedMine,
    company_id: CompanyId,
    note: Option<&str>,
) -> Result<bool> {
    let same = current.township == m.township
        && current.mineral == m.mineral
        && current.method == m.method
        && current.status == m.status
        && current.company_id == company_id
        && current.area_agency == m.area_agency
        && current.supervisor == m.supervisor;
    if same {
        return Ok(false);
    }
    let before = tx.state_of(current.id).await?;
    mines::update(tx, current.id, &fields(m, company_id)).await?;
    tx.audit_of(
        AuditAction::MineUpdate,
        current.id,
        before,
        note.map(str::to_string),
    )
    .await?;
    Ok(true)
}

pub async fn create(app: &App, caller: &Caller, input: &MineInput<'_>) -> Result<MineId> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let checked = check_mine(input).map_err(AppError::Invalid)?;
    let mut tx = app.write(caller).await?;
    let listed = listed_townships(&mut tx).await?;
    if let Some(problem) = township_problem(&checked.township, &listed) {
        return Err(AppError::invalid("township", problem));
    }
    if let Some((_, name)) = mines::all_names(&mut tx)
        .await?
        .into_iter()
        .find(|(_, n)| *n == checked.name)
    {
        return Err(AppError::invalid("name", Problem::DuplicateOf { existing: name }));
    }
    let company = super::companies::by_code(&mut tx, &checked.company, "company").await?;
    let ids = register(&mut tx, &[(&checked, company.id)], None).await?;
    tx.commit().await?;
    ids.first()
        .copied()
        .ok_or_else(|| AppError::Invariant("no id".into()))
}

/// Changes a mine's status (筹建/生产/停产整顿/关闭), with the reason.
pub async fn set_status(app: &App, caller: &Caller, mine_id: MineId, status: &str, note: &str) -> Result<()> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let mut e = FieldErrors::new();
    let status = e.take("status", MineStatus::parse(status));
    let note = e.take("note", required_text(note, 500));
    let (Some(status), Some(note)) = (status, note) else {
        return Err(AppError::Invalid(e));
    };
    let mut tx = app.write(caller).await?;
    let mine = mines::find(&mut tx, mine_id).await?.ok_or(AppError::NotFound)?;
    if mine.status == status {
        return Err(AppError::invalid("status", Problem::Unchanged));
    }
    let before = tx.state_of(mine_id).await?;
    mines::set_status(&mut tx, mine_id, status).await?;
    tx.audit_of(AuditAction::MineStatus, mine_id, before, Some(note))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Which mines a "due" filter of the mine list keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// An active permit has run past its end (证照过期).
    Lapsed,
    /// An active permit in force ends within 90 days (cumulative: 30 and 60 included).
    Within90,
}

/// How the mine list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MineSort {
    /// By township (in list order), then name.
    #[default]
    Township,
    Name,
    Status,
    /// Soonest mining-licence end first.
    LicenceEnd,
    /// Soonest permit end first.
    PermitEnd,
}

/// What the mine list can be filtered and sorted by (raw query values).
#[derive(Debug, Clone, Default)]
pub struct MineQuery {
    pub text: Option<String>,
    pub township: Option<String>,
    pub status: Option<String>,
    pub area_agency: Option<String>,
    pub due: Option<Due>,
    /// Only mines with a consistency problem.
    pub problems: bool,
    pub sort: MineSort,
    pub descending: bool,
    pub limit: i64,
    pub offset: i64,
}

impl MineQuery {
    /// Whether any filter is set (an empty list then says "nothing matches", not "nothing registered").
    pub fn filtered(&self) -> bool {
        self.text.is_some()
            || self.township.is_some()
            || self.status.is_some()
            || self.area_agency.is_some()
            || self.due.is_some()
            || self.problems
    }
}

/// What the mine list page shows: a page of mines, and the county picture and organisation it came
/// from (shared, not copied: the townships and agencies to filter by are in them).
#[derive(Debug, Clone)]
pub struct MineList {
    pub page: Page<MineEntry>,
    pub county: Arc<super::county::County>,
    pub organisation: Arc<crate::organisation::Organisation>,
}

/// The mine list page's data, from the versions read with the session (the county picture and the
/// organisation are cached per version, so a list costs no query when nothing changed).
pub async fn list(app: &App, caller: &Caller, q: &MineQuery) -> Result<MineList> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let versions = app.versions(caller).await?;
    let county = county_at(app, &versions).await?;
    let organisation = crate::organisation::view_at(app, &versions).await?;
    let today = county.today;
    let filter = EntryFilter {
        text: q.text.as_deref(),
        township: q.township.as_deref(),
        status: q.status.as_deref(),
        area_agency: q.area_agency.as_deref(),
        company_id: None,
        permits_due: q.due.map(|d| match d {
            Due::Lapsed => (None, today.pred_opt()),
            Due::Within90 => (Some(today), today.checked_add_signed(chrono::Duration::days(90))),
        }),
    };
    let has_problems = |e: &MineEntry| {
        county
            .mines
            .get(&e.mine.id)
            .is_some_and(|m| !m.problems.is_empty())
    };
    let mut matching: Vec<&MineEntry> = county
        .filter(&filter)
        .filter(|e| !q.problems || has_problems(e))
        .collect();
    let far = NaiveDate::MAX;
    match q.sort {
        MineSort::Township => {}
        MineSort::Name => matching.sort_by(|a, b| a.mine.name.cmp(&b.mine.name)),
        MineSort::Status => matching.sort_by_key(|e| e.mine.status as u8),
        MineSort::LicenceEnd => matching.sort_by_key(|e| e.licence_valid_to.unwrap_or(far)),
        MineSort::PermitEnd => matching.sort_by_key(|e| e.next_permit_expiry.unwrap_or(far)),
    }
    if q.descending {
        matching.reverse();
    }
    let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
    let offset = usize::try_from(q.offset.max(0)).unwrap_or(0);
    let limit = usize::try_from(q.limit.max(0)).unwrap_or(0);
    let rows = matching.into_iter().skip(offset).take(limit).cloned().collect();
    Ok(MineList {
        page: Page { rows, total },
        county,
        organisation,
    })
}

/// Mines whose name contains `text`, for a picker (at most `limit`, by name).
pub async fn search(
    app: &App,
    caller: &Caller,
    text: &str,
    limit: usize,
) -> Result<Vec<(MineId, String, String)>> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let county = county(app, caller).await?;
    let needle = text.trim().to_lowercase();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Vec<(MineId, String, String)> = county
        .entries
        .iter()
        .filter(|e| e.mine.name.to_lowercase().contains(&needle))
        .map(|e| (e.mine.id, e.mine.name.clone(), e.mine.township.clone()))
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found.truncate(limit);
    Ok(found)
}

/// The mine a licence belongs to.
pub async fn mine_of_licence(app: &App, caller: &Caller, id: orewatch_domain::LicenceId) -> Result<MineId> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(licences::find(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?
        .mine_id)
}

/// A licence on the mine page: the record, its boundary checked again for display (points in
/// longitude/latitude, per-part areas and elevation), and the declared-area mismatch.
#[derive(Debug, Clone)]
pub struct LicenceView {
    pub licence: Licence,
    pub boundary: Option<BoundaryCheck>,
    /// The stored parcel, in the map's zone (for drawing).
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
    /// The county picture it was read from (shared, not copied: a protected area may have 600,000
    /// vertices).
    pub county: Arc<super::county::County>,
    /// Other mines' licences and the protected areas near this mine's licences (drawn around them), as
    /// indices into the county's licences and protected areas.
    pub neighbours: Vec<usize>,
    pub protected: Vec<usize>,
    pub today: NaiveDate,
}

/// A mine page: from the cache while the registry has not changed (the same day), else read.
impl MineView {
    /// About how many bytes it holds (for the cache's bound): its audit entries' texts, its licences'
    /// corner points, and a few KB for the rest.
    fn weight(&self) -> usize {
        let entries: usize = self
            .timeline
            .iter()
            .map(|r| {
                r.row.before_json.as_ref().map_or(0, String::len)
                    + r.row.after_json.as_ref().map_or(0, String::len)
                    + r.row.note.as_ref().map_or(0, String::len)
                    + 400
            })
            .sum();
        let licences: usize = self
            .licences
            .iter()
            .map(|l| 2 * l.licence.boundary_text.len() + l.licence.parcel_json.len() + 1_000)
            .sum();
        entries + licences + self.permits.len() * 600 + 4_000
    }
}

pub async fn show(app: &App, caller: &Caller, id: MineId) -> Result<Arc<MineView>> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let versions = app.versions(caller).await?;
    let county = county_at(app, &versions).await?;
    let view = match app.caches().mine_views.get(&versions, &id) {
        Some(view) if view.today == county.today => view,
        _ => {
            let view = Arc::new(load_view(app, county, id).await?);
            app.caches()
                .mine_views
                .put(&versions, id, view.clone(), view.weight());
            view
        }
    };
    caller.require(
        Action::ViewRegistry,
        &Resource::Mine {
            area_agency: view.mine.area_agency.clone(),
            company: view.mine.company_id,
        },
    )?;
    Ok(view)
}

async fn load_view(app: &App, county: Arc<super::county::County>, id: MineId) -> Result<MineView> {
    let today = county.today;
    let mut conn = app.db.conn().await?;
    let mine = mines::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let stored = licences::for_mine(&mut conn, id).await?;
    let events = licences::events_for_mine(&mut conn, id).await?;
    let permit_rows = permits::for_mine(&mut conn, id).await?;
    // One query for the mine's, its licences' and its permits' entries.
    let records: Vec<(RecordType, String)> = std::iter::once((RecordType::Mine, id.to_string()))
        .chain(stored.iter().map(|l| (RecordType::Licence, l.id.to_string())))
        .chain(permit_rows.iter().map(|p| (RecordType::Permit, p.id.to_string())))
        .collect();
    let timeline = audit::list(
        &mut conn,
        &AuditFilter {
            records,
            limit: 200,
            ..Default::default()
        },
    )
    .await?;
    drop(conn);
    let own: Vec<&MapLicence> = county.licences.iter().filter(|l| l.mine_id == id).collect();
    // Within 300 m of one of its licences.
    let near = |bbox: &[f64; 4]| {
        own.iter().any(|l| {
            let b = l.parcel.bbox;
            let margin = 300.0;
            orewatch_spatial::polygon::bbox_meets(
                *bbox,
                [b[0] - margin, b[1] - margin, b[2] + margin, b[3] + margin],
            )
        })
    };
    let neighbours = county
        .licences
        .iter()
        .enumerate()
        .filter(|(_, l)| l.mine_id != id && !l.cancelled && near(&l.parcel.bbox))
        .map(|(i, _)| i)
        .collect();
    let protected = county
        .protected
        .iter()
        .enumerate()
        .filter(|(_, p)| near(&p.parcel.bbox))
        .map(|(i, _)| i)
        .collect();
    let licences = stored
        .into_iter()
        .map(|licence| {
            let zone = u32::try_from(licence.zone).ok();
            let options = app.settings.corner_options(zone.unwrap_or(app.settings.map_zone));
            let boundary = check_boundary(&licence.boundary_text, zone, &options).ok();
            let area_mismatch =
                orewatch_domain::licence::area_mismatch(licence.declared_area_m2, licence.area_m2);
            let parcel = super::county::stored_parcel("licence", &licence.licence_no, &licence.parcel_json)
                .map(|p| p.in_zone(county.zone));
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
            let status = PermitStatus::on(p.state, p.valid_from, p.valid_to, today);
            (p, status)
        })
        .collect();
    Ok(MineView {
        standing: county.mines.get(&id).cloned(),
        mine,
        licences,
        events,
        permits,
        timeline,
        neighbours,
        protected,
        today,
        county,
    })
}
