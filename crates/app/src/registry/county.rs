//! The county picture: every mine with its licence and permit summary, every licence's parcel, the
//! protected areas and administrative boundaries, the overlaps between licences and each mine's
//! consistency problems on today's date. It is computed once per registry version and day (see
//! [`crate::cache`]) and serves the county map, the county problem list, the mine list and the mine
//! pages, so they always agree — and a filtered mine list is a scan of a few thousand rows in memory
//! instead of a query.

use crate::{App, Caller, Result, Versions};
use chrono::NaiveDate;
use orewatch_domain::consistency::{check_mine, Inconsistency, LicenceFacts, OverlapFacts, PermitSummary};
use orewatch_domain::licence::{LicenceKind, LicenceState};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::permit::PermitKind;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::protected::{BoundaryKind, ProtectedKind};
use orewatch_domain::{CompanyId, LicenceId, MineId};
use orewatch_spatial::parcel::Parcel;
use orewatch_spatial::polygon::{bbox_union, Ring};
use orewatch_spatial::simplify::simplify_to_budget;
use orewatch_spatial::tiled::TiledParcel;
use orewatch_storage::mines::Mine;
use orewatch_storage::{boundaries, companies, licences, mines, permits, protected_areas, townships};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

pub use orewatch_domain::consistency::MapState;

/// A licence on the map.
#[derive(Debug, Clone)]
pub struct MapLicence {
    pub licence_id: LicenceId,
    pub licence_no: String,
    pub mine_id: MineId,
    pub cancelled: bool,
    pub parcel: Parcel,
}

/// A protected area on the map.
#[derive(Debug, Clone)]
pub struct MapProtected {
    pub id: orewatch_domain::ProtectedAreaId,
    pub kind: ProtectedKind,
    pub name: String,
    pub parcel: Parcel,
    /// A large area (more than [`TILE_ABOVE_VERTICES`] vertices) cut into tiles, for overlaps and for
    /// drawing it around a licence.
    pub tiled: Option<Arc<TiledParcel>>,
}

/// An administrative boundary on the map.
#[derive(Debug, Clone)]
pub struct MapBoundary {
    pub id: orewatch_domain::BoundaryId,
    pub kind: BoundaryKind,
    pub name: String,
    pub parcel: Parcel,
}

/// One mine's standing.
#[derive(Debug, Clone)]
pub struct MineStanding {
    pub mine_id: MineId,
    pub name: String,
    pub township: String,
    pub state: MapState,
    pub problems: Vec<Inconsistency>,
}

/// One mine as the mine list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct MineEntry {
    pub mine: Mine,
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
    /// Every mine, by township (in list order), name and id.
    pub entries: Vec<MineEntry>,
    /// The managed list of townships in its order, then any township a mine names that is not on it.
    pub townships: Vec<String>,
    pub today: NaiveDate,
    /// The map's zone: every parcel below is in it.
    pub zone: u32,
    pub licences: Vec<MapLicence>,
    pub protected: Vec<MapProtected>,
    pub boundaries: Vec<MapBoundary>,
    /// The county's extent in the map zone: configured, or the county boundary's.
    pub county_extent: Option<[f64; 4]>,
    /// By mine id.
    pub mines: HashMap<MineId, MineStanding>,
    /// Licences whose stored parcel could not be read (a hand-edited row): shown in the problem list.
    pub unreadable: Vec<String>,
    /// Protected areas and boundaries whose stored parcel could not be read: not drawn, named on the map
    /// and in the log, never left out without a word.
    pub unreadable_layers: Vec<String>,
    /// The layers simplified for the county map, computed on first use and kept with this picture
    /// (so once per data version).
    simplified: OnceLock<Simplified>,
}

/// Vertices the county map draws at most per layer (protected areas, boundaries). Past it, the layer is
/// simplified further and the map says so; areas and overlaps are always computed on full geometry.
pub const MAP_VERTEX_BUDGET: usize = 25_000;

/// One layer as the county map draws it.
#[derive(Debug, Clone, Default)]
pub struct DrawnLayer {
    /// Per feature (in the layer's order), its rings simplified for the map.
    pub rings: Vec<Vec<Ring>>,
    /// Vertices stored and vertices drawn.
    pub vertices: usize,
    pub drawn: usize,
    /// The simplification tolerance used, in metres.
    pub tolerance_m: f64,
}

impl DrawnLayer {
    /// Whether the budget, not the map's scale, set the tolerance (the map says so).
    pub fn over_budget(&self, scale_tolerance_m: f64) -> bool {
        self.tolerance_m > scale_tolerance_m
    }
}

/// The county map's simplified layers.
#[derive(Debug, Clone, Default)]
pub struct Simplified {
    pub protected: DrawnLayer,
    pub boundaries: DrawnLayer,
    /// The tolerance the map's scale asks for: a five-thousandth of the county's larger side.
    pub scale_tolerance_m: f64,
}

impl County {
    /// The protected areas and boundaries simplified for the map's scale and budget.
    pub fn simplified(&self) -> &Simplified {
        self.simplified.get_or_init(|| {
            let scale_tolerance_m = self
                .extent()
                .map_or(1.0, |e| ((e[2] - e[0]).max(e[3] - e[1]) / 5_000.0).max(1.0));
            let layer = |parcels: Vec<&Parcel>| {
                let mut rings = Vec::new();
                let mut owner = Vec::new();
                for (i, p) in parcels.iter().enumerate() {
                    for part in &p.parts {
                        for ring in std::iter::once(&part.outer).chain(part.holes.iter()) {
                            rings.push(ring.clone());
                            owner.push(i);
                        }
                    }
                }
                let vertices = rings.iter().map(Vec::len).sum();
                let (simple, tolerance_m) = simplify_to_budget(&rings, scale_tolerance_m, MAP_VERTEX_BUDGET);
                let mut out = vec![Vec::new(); parcels.len()];
                for (i, ring) in owner.into_iter().zip(simple) {
                    if let Some(feature) = out.get_mut(i) {
                        feature.push(ring);
                    }
                }
                DrawnLayer {
                    drawn: out.iter().flatten().map(Vec::len).sum(),
                    rings: out,
                    vertices,
                    tolerance_m,
                }
            };
            Simplified {
                protected: layer(self.protected.iter().map(|p| &p.parcel).collect()),
                boundaries: layer(self.boundaries.iter().map(|b| &b.parcel).collect()),
                scale_tolerance_m,
            }
        })
    }

    /// Mines with problems, by township and name.
    pub fn with_problems(&self) -> Vec<&MineStanding> {
        let mut list: Vec<&MineStanding> = self.mines.values().filter(|m| !m.problems.is_empty()).collect();
        list.sort_by(|a, b| (&a.township, &a.name).cmp(&(&b.township, &b.name)));
        list
    }

    /// (min easting, min northing, max easting, max northing) of the map: the county's extent when
    /// known (a licence far outside it, a likely typo, does not squeeze the map), else everything on it.
    pub fn extent(&self) -> Option<[f64; 4]> {
        if let Some(extent) = self.county_extent {
            return Some(extent);
        }
        self.licences
            .iter()
            .map(|l| l.parcel.bbox)
            .chain(self.protected.iter().map(|p| p.parcel.bbox))
            .chain(self.boundaries.iter().map(|b| b.parcel.bbox))
            .reduce(bbox_union)
    }

    /// How far (km) a parcel lies outside the county's extent, when it does by more than `margin_m`.
    pub fn outside_county_km(&self, parcel: &Parcel, margin_m: f64) -> Option<f64> {
        let extent = self.county_extent?;
        let b = parcel.in_zone(self.zone).bbox;
        let dx = (extent[0] - b[2]).max(b[0] - extent[2]).max(0.0);
        let dy = (extent[1] - b[3]).max(b[1] - extent[3]).max(0.0);
        let distance = dx.hypot(dy);
        (distance > margin_m).then_some(distance / 1000.0)
    }
}

/// The county picture for today, from the cache when the registry has not changed.
pub async fn county(app: &App, caller: &Caller) -> Result<Arc<County>> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let versions = app.versions(caller).await?;
    county_at(app, &versions).await
}

/// The county picture at data versions the caller has read.
pub(crate) async fn county_at(app: &App, versions: &Versions) -> Result<Arc<County>> {
    let today = crate::dashboard::china_today(app.now());
    let fresh = |versions: &Versions| {
        app.caches()
            .county
            .get(versions)
            .filter(|cached: &Arc<County>| cached.today == today)
    };
    if let Some(cached) = fresh(versions) {
        return Ok(cached);
    }
    let _loading = app.caches().county_loading.lock().await;
    let mut conn = app.db.conn().await?;
    // Another request may have loaded it while this one waited.
    let versions = orewatch_storage::versions::read(&mut conn).await?;
    if let Some(cached) = fresh(&versions) {
        return Ok(cached);
    }
    let rows = read_rows(&mut conn, today).await?;
    drop(conn);
    let (zone, extent) = (app.settings.map_zone, app.settings.county_extent);
    // Parsing every parcel, tiling large areas, the overlaps and the map's simplification take up to a
    // second or two with a 600,000-vertex layer: on a blocking thread, so the server's workers keep
    // answering other requests meanwhile (those for the picture wait for it above).
    let county = tokio::task::spawn_blocking(move || {
        let county = build(rows, today, zone, extent);
        county.simplified();
        county
    })
    .await
    .map_err(|source| crate::AppError::Thread {
        what: "the county picture",
        source,
    })?;
    let county = Arc::new(county);
    app.caches().county.put(&versions, county.clone());
    Ok(county)
}

/// What the county picture is computed from, as read.
struct Rows {
    all_mines: Vec<Mine>,
    shapes: Vec<licences::LicenceShape>,
    summaries: Vec<permits::MinePermitSummary>,
    holders: Vec<(MineId, CompanyId, i64)>,
    names: HashMap<CompanyId, String>,
    areas: Vec<protected_areas::ProtectedArea>,
    listed_townships: Vec<townships::Township>,
    boundary_rows: Vec<boundaries::Boundary>,
}

async fn read_rows(conn: &mut orewatch_storage::Conn, today: NaiveDate) -> Result<Rows> {
    Ok(Rows {
        all_mines: mines::all(&mut *conn).await?,
        shapes: licences::all_shapes(&mut *conn).await?,
        summaries: permits::summaries(&mut *conn, PermitKind::Safety, today).await?,
        holders: permits::holders(&mut *conn).await?,
        names: companies::all_codes(&mut *conn)
            .await?
            .into_iter()
            .map(|(id, _, name)| (id, name))
            .collect(),
        areas: protected_areas::all(&mut *conn).await?,
        listed_townships: townships::all(&mut *conn).await?,
        boundary_rows: boundaries::all(&mut *conn).await?,
    })
}

fn build(rows: Rows, today: NaiveDate, zone: u32, configured_extent: Option<[f64; 4]>) -> County {
    let Rows {
        all_mines,
        shapes,
        summaries,
        holders,
        names,
        areas,
        listed_townships,
        boundary_rows,
    } = rows;

    let mut unreadable = Vec::new();
    let mut map_licences = Vec::with_capacity(shapes.len());
    let mut licence_facts: HashMap<MineId, Vec<LicenceFacts>> = HashMap::new();
    for s in &shapes {
        let state = s.state;
        licence_facts.entry(s.mine_id).or_default().push(LicenceFacts {
            number: s.licence_no.clone(),
            kind: s.kind,
            state,
            valid_to: s.valid_to,
            holder_company_id: s.holder_company_id,
        });
        match stored_parcel("licence", &s.licence_no, &s.parcel_json) {
            Some(parcel) => map_licences.push(MapLicence {
                licence_id: s.id,
                licence_no: s.licence_no.clone(),
                mine_id: s.mine_id,
                cancelled: state == LicenceState::Cancelled,
                parcel: parcel.in_zone(zone),
            }),
            None => unreadable.push(s.licence_no.clone()),
        }
    }
    let mut unreadable_layers = Vec::new();
    let protected: Vec<MapProtected> = areas
        .iter()
        .filter_map(|a| {
            let Some(parcel) = stored_parcel("protected area", &a.name, &a.parcel_json) else {
                unreadable_layers.push(a.name.clone());
                return None;
            };
            let parcel = parcel.in_zone(zone);
            let vertices: usize = parcel
                .parts
                .iter()
                .map(|part| part.outer.len() + part.holes.iter().map(Vec::len).sum::<usize>())
                .sum();
            let tiled = (vertices > TILE_ABOVE_VERTICES).then(|| Arc::new(TiledParcel::new(&parcel, 2_000)));
            Some(MapProtected {
                id: a.id,
                kind: a.kind,
                name: a.name.clone(),
                parcel,
                tiled,
            })
        })
        .collect();
    let map_boundaries: Vec<MapBoundary> = boundary_rows
        .iter()
        .filter_map(|b| {
            let Some(parcel) = stored_parcel("boundary", &b.name, &b.parcel_json) else {
                unreadable_layers.push(b.name.clone());
                return None;
            };
            Some(MapBoundary {
                id: b.id,
                kind: b.kind,
                name: b.name.clone(),
                parcel: parcel.in_zone(zone),
            })
        })
        .collect();
    let county_extent = configured_extent.or_else(|| {
        map_boundaries
            .iter()
            .filter(|b| b.kind == BoundaryKind::County)
            .map(|b| b.parcel.bbox)
            .reduce(bbox_union)
    });
    let overlaps = overlaps(&map_licences, &protected);

    let mut permit_summaries: HashMap<MineId, (PermitSummary, i64)> = HashMap::new();
    for s in summaries {
        let entry = permit_summaries.entry(s.mine_id).or_default();
        entry.0.safety_valid_to = s.kind_valid_to;
        entry.0.safety_starts_on = s.kind_starts_on;
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
        let status = m.status;
        let lic = licence_facts.get(&m.id).unwrap_or(&empty_l);
        let (per, permit_count) = permit_summaries.get(&m.id).unwrap_or(&empty_p);
        let problems = check_mine(status, lic, per, overlaps.get(&m.id).unwrap_or(&empty_o), today);
        let state = MapState::of(status, &problems, lic, per, today);
        let latest = lic
            .iter()
            .filter(|l| l.kind == LicenceKind::Mining)
            .max_by_key(|l| l.valid_to);
        entries.push(MineEntry {
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
    let mut townships: Vec<String> = listed_townships.into_iter().map(|t| t.name).collect();
    let mut unlisted: Vec<String> = entries
        .iter()
        .map(|e| e.mine.township.clone())
        .filter(|t| !townships.contains(t))
        .collect();
    unlisted.sort();
    unlisted.dedup();
    townships.extend(unlisted);
    for e in &mut entries {
        e.township_index = townships
            .iter()
            .position(|t| *t == e.mine.township)
            .unwrap_or(usize::MAX);
    }
    entries.sort_by(|a, b| {
        (a.township_index, &a.mine.name, a.mine.id).cmp(&(b.township_index, &b.mine.name, b.mine.id))
    });
    County {
        entries,
        townships,
        today,
        zone,
        licences: map_licences,
        protected,
        boundaries: map_boundaries,
        county_extent,
        mines: standings,
        unreadable,
        unreadable_layers,
        simplified: OnceLock::new(),
    }
}

/// A stored parcel, or `None` (logged with what it belongs to) when the stored JSON is not one: a row
/// edited by hand or damaged. The registry's writes always store a valid parcel.
pub(crate) fn stored_parcel(what: &str, name: &str, json: &str) -> Option<Parcel> {
    match serde_json::from_str::<Parcel>(json) {
        Ok(parcel) => Some(parcel),
        Err(e) => {
            tracing::warn!("stored parcel of {what} {name} is unreadable and not drawn: {e}");
            None
        }
    }
}

/// What the mine list is filtered by; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter<'a> {
    /// In the mine's or the company's name or a licence number (case-insensitive).
    pub text: Option<&'a str>,
    pub township: Option<&'a str>,
    pub status: Option<&'a str>,
    pub area_agency: Option<&'a str>,
    pub company_id: Option<CompanyId>,
    /// Only mines whose earliest end among active permits in force falls in this range (inclusive).
    pub permits_due: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
}

impl County {
    /// The entries that pass the filter, in list order. An unknown township or status matches nothing.
    pub fn filter<'a>(&'a self, f: &'a EntryFilter<'a>) -> impl Iterator<Item = &'a MineEntry> + 'a {
        let needle = f.text.map(str::to_lowercase);
        // Resolved once per request; the loop compares integers.
        let township = f.township.map(|t| {
            self.townships
                .iter()
                .position(|x| x == t)
                .unwrap_or(usize::MAX - 1)
        });
        let status = f.status.map(|s| MineStatus::parse(s).ok());
        self.entries.iter().filter(move |e| {
            let m = &e.mine;
            township.is_none_or(|t| e.township_index == t)
                && status.is_none_or(|s| s == Some(m.status))
                && f.area_agency
                    .is_none_or(|a| m.area_agency.as_ref().map(|c| c.as_str()) == Some(a))
                && f.company_id.is_none_or(|c| m.company_id == c)
                && f.permits_due.is_none_or(|(from, until)| {
                    e.next_permit_expiry
                        .is_some_and(|d| from.is_none_or(|f| d >= f) && until.is_none_or(|u| d <= u))
                })
                && needle.as_deref().is_none_or(|n| {
                    m.name.to_lowercase().contains(n)
                        || m.company_name.to_lowercase().contains(n)
                        || e.licence_numbers.iter().any(|l| l.to_lowercase().contains(n))
                })
        })
    }
}

/// Protected areas with more vertices than this are cut into tiles for the overlap checks.
const TILE_ABOVE_VERTICES: usize = 5_000;

/// Overlaps of active licences with each other and with protected areas, per mine. Candidates are
/// found by sweeping bounding boxes sorted by their west edge, so only neighbours are intersected; a large
/// protected area is intersected tile by tile ([`TiledParcel`]), so a 600,000-vertex red line costs a
/// licence only the few tiles around it.
fn overlaps(licences: &[MapLicence], protected: &[MapProtected]) -> HashMap<MineId, Vec<OverlapFacts>> {
    let mut out: HashMap<MineId, Vec<OverlapFacts>> = HashMap::new();
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
            let area_m2 = match &p.tiled {
                Some(tiles) => tiles.overlap_area_m2(&a.parcel),
                None => a.parcel.overlap_area_m2(&p.parcel),
            };
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
