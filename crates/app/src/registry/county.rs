//! The county picture: every mine with its licence and permit summary, every licence's parcel, the
//! protected areas, the overlaps between them and each mine's consistency problems on today's date. It
//! is computed once per data version and day (see [`crate::cache`]) and serves the county map, the
//! county problem list, the mine list and the mine pages, so they always agree — and a filtered mine
//! list is a scan of a few thousand rows in memory instead of a query.

use crate::cache::DataVersion;
use crate::{App, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::consistency::{check_mine, Inconsistency, LicenceFacts, OverlapFacts, PermitSummary};
use orewatch_domain::licence::{LicenceKind, LicenceState};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::permit::PermitKind;
use orewatch_domain::policy::{Action, Resource};
use orewatch_spatial::parcel::Parcel;
use orewatch_storage::mines::Mine;
use orewatch_storage::{audit, companies, licences, mines, permits, protected_areas};
use std::collections::HashMap;
use std::sync::Arc;

pub use orewatch_domain::consistency::MapState;

/// A licence on the map.
#[derive(Debug, Clone)]
pub struct MapLicence {
    pub licence_id: i64,
    pub licence_no: String,
    pub mine_id: i64,
    pub cancelled: bool,
    pub parcel: Parcel,
}

/// A protected area on the map.
#[derive(Debug, Clone)]
pub struct MapProtected {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub parcel: Parcel,
}

/// One mine's standing.
#[derive(Debug, Clone)]
pub struct MineStanding {
    pub mine_id: i64,
    pub name: String,
    pub township: String,
    pub state: MapState,
    pub problems: Vec<Inconsistency>,
}

/// One mine as the mine list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct MineEntry {
    pub mine: Mine,
    /// The status parsed once, so that filtering compares a byte, not a string.
    pub status: MineStatus,
    /// Index of the mine's township in [`County::townships`].
    pub township_index: usize,
    /// The mining licence with the latest end date, if any.
    pub licence_no: Option<String>,
    pub licence_valid_to: Option<NaiveDate>,
    /// Every licence number of the mine (for search).
    pub licence_numbers: Vec<String>,
    /// The earliest end date among its active permits.
    pub next_permit_expiry: Option<NaiveDate>,
    pub permit_count: i64,
}

/// The whole county on one day.
#[derive(Debug, Clone)]
pub struct County {
    /// Every mine, by township, name and id.
    pub entries: Vec<MineEntry>,
    /// The townships in use, sorted.
    pub townships: Vec<String>,
    pub today: NaiveDate,
    /// The map's zone: every parcel below is in it.
    pub zone: u32,
    pub licences: Vec<MapLicence>,
    pub protected: Vec<MapProtected>,
    /// By mine id.
    pub mines: HashMap<i64, MineStanding>,
    /// Licences whose stored parcel could not be read (a hand-edited row): shown in the problem list.
    pub unreadable: Vec<String>,
}

impl County {
    /// Mines with problems, by township and name.
    pub fn with_problems(&self) -> Vec<&MineStanding> {
        let mut list: Vec<&MineStanding> = self.mines.values().filter(|m| !m.problems.is_empty()).collect();
        list.sort_by(|a, b| (&a.township, &a.name).cmp(&(&b.township, &b.name)));
        list
    }

    /// (min easting, min northing, max easting, max northing) of everything on the map.
    pub fn extent(&self) -> Option<[f64; 4]> {
        self.licences
            .iter()
            .map(|l| l.parcel.bbox)
            .chain(self.protected.iter().map(|p| p.parcel.bbox))
            .reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])])
    }
}

/// The county picture for today, from the cache when nothing has changed.
pub async fn county(app: &App, caller: &Caller) -> Result<Arc<County>> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let today = crate::dashboard::china_today(app.now());
    if let Some(version) = caller.data_version.map(DataVersion) {
        if let Some(cached) = app.caches().county.get(version).filter(|c| c.today == today) {
            return Ok(cached);
        }
    }
    let mut conn = app.db.conn().await?;
    let version = DataVersion(audit::head_seq(&mut conn).await?);
    county_at(app, &mut conn, version).await
}

/// The county picture at a data version the caller has just read.
pub(crate) async fn county_at(
    app: &App,
    conn: &mut orewatch_storage::Conn,
    version: DataVersion,
) -> Result<Arc<County>> {
    let today = crate::dashboard::china_today(app.now());
    let fresh = |version| {
        app.caches()
            .county
            .get(version)
            .filter(|cached: &Arc<County>| cached.today == today)
    };
    if let Some(cached) = fresh(version) {
        return Ok(cached);
    }
    let _loading = app.caches().county_loading.lock().await;
    // Another request may have loaded it while this one waited.
    let version = DataVersion(audit::head_seq(&mut *conn).await?);
    if let Some(cached) = fresh(version) {
        return Ok(cached);
    }
    let county = Arc::new(load(conn, today).await?);
    app.caches().county.put(version, county.clone());
    Ok(county)
}

async fn load(conn: &mut orewatch_storage::Conn, today: NaiveDate) -> Result<County> {
    let zone = super::input::DEFAULT_ZONE;
    let all_mines = mines::all(&mut *conn).await?;
    let shapes = licences::all_shapes(&mut *conn).await?;
    let summaries = permits::summaries(&mut *conn, PermitKind::Safety.as_str()).await?;
    let holders = permits::holders(&mut *conn).await?;
    let names: HashMap<i64, String> = companies::all_codes(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, _, name)| (id, name))
        .collect();
    let areas = protected_areas::all(&mut *conn).await?;

    let mut unreadable = Vec::new();
    let mut map_licences = Vec::with_capacity(shapes.len());
    let mut licence_facts: HashMap<i64, Vec<LicenceFacts>> = HashMap::new();
    for s in &shapes {
        let state = LicenceState::parse(&s.state).unwrap_or(LicenceState::Active);
        licence_facts.entry(s.mine_id).or_default().push(LicenceFacts {
            number: s.licence_no.clone(),
            kind: LicenceKind::parse(&s.kind).unwrap_or(LicenceKind::Mining),
            state,
            valid_to: s.valid_to,
            holder_company_id: s.holder_company_id,
        });
        match serde_json::from_str::<Parcel>(&s.parcel_json) {
            Ok(parcel) => map_licences.push(MapLicence {
                licence_id: s.id,
                licence_no: s.licence_no.clone(),
                mine_id: s.mine_id,
                cancelled: state == LicenceState::Cancelled,
                parcel: parcel.in_zone(zone),
            }),
            Err(_) => unreadable.push(s.licence_no.clone()),
        }
    }
    let protected: Vec<MapProtected> = areas
        .iter()
        .filter_map(|a| {
            let parcel = serde_json::from_str::<Parcel>(&a.parcel_json).ok()?;
            Some(MapProtected {
                id: a.id,
                kind: a.kind.clone(),
                name: a.name.clone(),
                parcel: parcel.in_zone(zone),
            })
        })
        .collect();
    let overlaps = overlaps(&map_licences, &protected);

    let mut permit_summaries: HashMap<i64, (PermitSummary, i64)> = HashMap::new();
    for s in summaries {
        let entry = permit_summaries.entry(s.mine_id).or_default();
        entry.0.safety_valid_to = s.kind_valid_to;
        entry.0.next_active_valid_to = s.next_active_valid_to;
        entry.1 = s.count;
    }
    for (mine_id, company_id, count) in holders {
        let name = names.get(&company_id).cloned().unwrap_or_default();
        let entry = permit_summaries.entry(mine_id).or_default();
        entry
            .0
            .holders
            .push((company_id, name, usize::try_from(count).unwrap_or(0)));
    }
    let empty_l = Vec::new();
    let empty_p = (PermitSummary::default(), 0);
    let empty_o = Vec::new();
    let mut standings = HashMap::with_capacity(all_mines.len());
    let mut entries = Vec::with_capacity(all_mines.len());
    for m in all_mines {
        let status = MineStatus::parse(&m.status).unwrap_or(MineStatus::Preparing);
        let lic = licence_facts.get(&m.id).unwrap_or(&empty_l);
        let (per, permit_count) = permit_summaries.get(&m.id).unwrap_or(&empty_p);
        let problems = check_mine(status, lic, per, overlaps.get(&m.id).unwrap_or(&empty_o), today);
        let state = MapState::of(status, &problems, lic, per, today);
        let latest = lic
            .iter()
            .filter(|l| l.kind == LicenceKind::Mining)
            .max_by_key(|l| l.valid_to);
        entries.push(MineEntry {
            status,
            township_index: 0,
            licence_no: latest.map(|l| l.number.clone()),
            licence_valid_to: latest.map(|l| l.valid_to),
            licence_numbers: lic.iter().map(|l| l.number.clone()).collect(),
            next_permit_expiry: per.next_active_valid_to,
            permit_count: *permit_count,
            mine: m.clone(),
        });
        standings.insert(
            m.id,
            MineStanding {
                mine_id: m.id,
                name: m.name,
                township: m.township,
                state,
                problems,
            },
        );
    }
    entries.sort_by(|a, b| {
        (&a.mine.township, &a.mine.name, a.mine.id).cmp(&(&b.mine.township, &b.mine.name, b.mine.id))
    });
    let mut townships: Vec<String> = entries.iter().map(|e| e.mine.township.clone()).collect();
    townships.dedup();
    for e in &mut entries {
        e.township_index = townships.binary_search(&e.mine.township).unwrap_or(usize::MAX);
    }
    Ok(County {
        entries,
        townships,
        today,
        zone,
        licences: map_licences,
        protected,
        mines: standings,
        unreadable,
    })
}

/// What the mine list is filtered by; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter<'a> {
    /// In the mine's or the company's name or a licence number (case-insensitive).
    pub text: Option<&'a str>,
    pub township: Option<&'a str>,
    pub status: Option<&'a str>,
    pub area_agency: Option<&'a str>,
    pub company_id: Option<i64>,
    /// Only mines with an active permit ending on or before this day (expired or due).
    pub permits_due_by: Option<NaiveDate>,
}

impl County {
    /// The entries that pass the filter, in list order. An unknown township or status matches nothing.
    pub fn filter<'a>(&'a self, f: &'a EntryFilter<'a>) -> impl Iterator<Item = &'a MineEntry> + 'a {
        let needle = f.text.map(str::to_lowercase);
        // Resolved once per request; the loop compares integers.
        let township = f.township.map(|t| {
            self.townships
                .binary_search_by(|x| x.as_str().cmp(t))
                .unwrap_or(usize::MAX - 1)
        });
        let status = f.status.map(|s| MineStatus::parse(s).ok());
        self.entries.iter().filter(move |e| {
            let m = &e.mine;
            township.is_none_or(|t| e.township_index == t)
                && status.is_none_or(|s| s == Some(e.status))
                && f.area_agency
                    .is_none_or(|a| m.area_agency_code.as_deref() == Some(a))
                && f.company_id.is_none_or(|c| m.company_id == c)
                && f.permits_due_by
                    .is_none_or(|until| e.next_permit_expiry.is_some_and(|d| d <= until))
                && needle.as_deref().is_none_or(|n| {
                    m.name.to_lowercase().contains(n)
                        || m.company_name.to_lowercase().contains(n)
                        || e.licence_numbers.iter().any(|l| l.to_lowercase().contains(n))
                })
        })
    }
}

/// Overlaps of active licences with each other and with protected areas, per mine. Candidates are
/// found by sweeping bounding boxes sorted by their west edge, so only neighbours are intersected.
fn overlaps(licences: &[MapLicence], protected: &[MapProtected]) -> HashMap<i64, Vec<OverlapFacts>> {
    let mut out: HashMap<i64, Vec<OverlapFacts>> = HashMap::new();
    let mut active: Vec<&MapLicence> = licences.iter().filter(|l| !l.cancelled).collect();
    active.sort_by(|a, b| a.parcel.bbox[0].total_cmp(&b.parcel.bbox[0]));
    for (i, a) in active.iter().enumerate() {
        for b in active.iter().skip(i + 1) {
            if b.parcel.bbox[0] > a.parcel.bbox[2] {
                break;
            }
            if a.mine_id == b.mine_id || !a.parcel.bbox_meets(&b.parcel) {
                continue;
            }
            let area_m2 = a.parcel.overlap_area_m2(&b.parcel);
            if area_m2 >= 1.0 {
                for (me, other) in [(a, b), (b, a)] {
                    out.entry(me.mine_id).or_default().push(OverlapFacts {
                        licence_number: me.licence_no.clone(),
                        other: other.licence_no.clone(),
                        protected: false,
                        area_m2,
                    });
                }
            }
        }
        for p in protected {
            if !a.parcel.bbox_meets(&p.parcel) {
                continue;
            }
            let area_m2 = a.parcel.overlap_area_m2(&p.parcel);
            if area_m2 >= 1.0 {
                out.entry(a.mine_id).or_default().push(OverlapFacts {
                    licence_number: a.licence_no.clone(),
                    other: p.name.clone(),
                    protected: true,
                    area_m2,
                });
            }
        }
    }
    out
}
