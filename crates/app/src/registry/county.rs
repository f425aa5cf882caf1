//! The county picture: every licence's parcel, the protected areas, the overlaps between them and each
//! mine's consistency problems on today's date. It is computed once per data version and day (see
//! [`crate::cache`]) and serves the county map, the county problem list and the mine pages, so all three
//! always agree.

use crate::cache::DataVersion;
use crate::{App, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::consistency::{check_mine, Inconsistency, LicenceFacts, OverlapFacts, PermitFacts};
use orewatch_domain::licence::{LicenceKind, LicenceState};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::permit::{PermitKind, PermitState, PermitStatus};
use orewatch_domain::policy::{Action, Resource};
use orewatch_spatial::parcel::Parcel;
use orewatch_storage::{audit, licences, mines, permits, protected_areas};
use std::collections::HashMap;
use std::sync::Arc;

/// How a mine is coloured on the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapState {
    /// Has consistency problems.
    Problem,
    /// A permit or licence is within 90 days of expiry (or a permit has expired).
    Expiring,
    Fine,
}

impl MapState {
    pub fn as_str(self) -> &'static str {
        match self {
            MapState::Problem => "problem",
            MapState::Expiring => "expiring",
            MapState::Fine => "fine",
        }
    }
}

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

/// The whole county on one day.
#[derive(Debug, Clone)]
pub struct County {
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
    let mut conn = app.db.conn().await?;
    let version = DataVersion(audit::head_seq(&mut conn).await?);
    if let Some(cached) = app.caches().county.get(version) {
        if cached.today == today {
            return Ok(cached);
        }
    }
    let county = Arc::new(load(&mut conn, today).await?);
    app.caches().county.put(version, county.clone());
    Ok(county)
}

async fn load(conn: &mut orewatch_storage::Conn, today: NaiveDate) -> Result<County> {
    let zone = super::input::DEFAULT_ZONE;
    let all_mines = mines::all(&mut *conn).await?;
    let shapes = licences::all_shapes(&mut *conn).await?;
    let facts = permits::all_facts(&mut *conn).await?;
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
    let mut permit_facts: HashMap<i64, Vec<PermitFacts>> = HashMap::new();
    for p in &facts {
        let (Ok(kind), Ok(state)) = (PermitKind::parse(&p.kind), PermitState::parse(&p.state)) else {
            continue;
        };
        permit_facts.entry(p.mine_id).or_default().push(PermitFacts {
            number: p.permit_no.clone(),
            kind,
            state,
            valid_to: p.valid_to,
            holder_company_id: p.holder_company_id,
            holder_name: p.holder_name.clone(),
        });
    }
    let empty_l = Vec::new();
    let empty_p = Vec::new();
    let empty_o = Vec::new();
    let mines = all_mines
        .iter()
        .map(|m| {
            let status = MineStatus::parse(&m.status).unwrap_or(MineStatus::Preparing);
            let lic = licence_facts.get(&m.id).unwrap_or(&empty_l);
            let per = permit_facts.get(&m.id).unwrap_or(&empty_p);
            let problems = check_mine(status, lic, per, overlaps.get(&m.id).unwrap_or(&empty_o), today);
            let expiring = per.iter().any(|p| {
                let s = PermitStatus::on(p.state, p.valid_to, today);
                s.expiring() || s == PermitStatus::Expired
            }) || lic
                .iter()
                .any(|l| l.state == LicenceState::Active && (l.valid_to - today).num_days() <= 90);
            let state = if !problems.is_empty() {
                MapState::Problem
            } else if expiring && status != MineStatus::Closed {
                MapState::Expiring
            } else {
                MapState::Fine
            };
            (
                m.id,
                MineStanding {
                    mine_id: m.id,
                    name: m.name.clone(),
                    township: m.township.clone(),
                    state,
                    problems,
                },
            )
        })
        .collect();
    Ok(County {
        today,
        zone,
        licences: map_licences,
        protected,
        mines,
        unreadable,
    })
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
