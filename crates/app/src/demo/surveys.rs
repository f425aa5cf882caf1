//! The demo's drone surveys: for three open-pit mines, DEMs generated over their licence areas (gentle
//! terrain; a pit deepening inside the boundary by about the licensed output; a dig just outside it;
//! for one mine a sump below the floor) and flown 90 days apart, three or two times, recorded through
//! the same use case as an upload and analysed by the worker before the demo opens. The rasters are
//! invented; the analysis is the real one.

use crate::surveys::{self, worker, StagedFile, SurveyInput};
use crate::{App, AppError, Caller, Result};
use chrono::{Duration, NaiveDate};
use orewatch_domain::licence::{LicenceKind, LicenceState};
use orewatch_domain::mine::MiningMethod;
use orewatch_domain::survey::annual_output_10kt;
use orewatch_spatial::crs::ProjectedCrs;
use orewatch_spatial::dem_writer::write_dem;
use orewatch_spatial::geotiff::GridGeometry;
use orewatch_spatial::parcel::Parcel;
use orewatch_spatial::polygon::ring_contains;
use orewatch_storage::{licences, mines};
use sha2::{Digest, Sha256};

/// Cell size of the generated DEMs, m.
const CELL_M: f64 = 4.0;
/// Margin around the licence, m.
const MARGIN_M: f64 = 120.0;

/// One mine's scene: the licence's ring and floor, and how much the pit deepens between flights
/// (public for the survey benchmark, which generates many).
pub struct Scene {
    ring: Vec<(f64, f64)>,
    zone: u32,
    floor_m: f64,
    /// The volume taken inside the licence between two flights 90 days apart, m³.
    period_m3: f64,
    with_sump: bool,
}

impl Scene {
    /// The CRS of the generated DEMs: the licence's zone, without the zone prefix.
    pub fn crs(&self) -> ProjectedCrs {
        ProjectedCrs::gauss_kruger_3deg(self.zone, false)
    }

    pub fn grid(&self) -> GridGeometry {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in &self.ring {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let left = ((x0 - MARGIN_M) / CELL_M).floor() * CELL_M;
        let top = ((y1 + MARGIN_M) / CELL_M).ceil() * CELL_M;
        let right = ((x1 + MARGIN_M) / CELL_M).ceil() * CELL_M;
        let bottom = ((y0 - MARGIN_M) / CELL_M).floor() * CELL_M;
        GridGeometry {
            width: ((right - left) / CELL_M).round() as usize,
            height: ((top - bottom) / CELL_M).round() as usize,
            left_m: left,
            top_m: top,
            cell_x_m: CELL_M,
            cell_y_m: CELL_M,
        }
    }

    /// The surface at `stage` (0: first flight): terrain 20 m above the floor; a pit inside the
    /// licence deepening by `period_m3` each period (volume on whole cells, so close to it); from stage 1 a 3 m dig 40 m square west of the
    /// licence, never deepened again; for one mine a sump 3 m below the floor.
    pub fn surface(&self, stage: usize) -> Vec<f32> {
        let grid = self.grid();
        let n = self.ring.len() as f64;
        let cx = self.ring.iter().map(|p| p.0).sum::<f64>() / n;
        let cy = self.ring.iter().map(|p| p.1).sum::<f64>() / n;
        let reach = self
            .ring
            .iter()
            .map(|p| ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt())
            .fold(f64::MAX, f64::min);
        // About 3 m a period (well above the 0.5 m a change must reach to count), on a disc sized to
        // the volume; a larger licensed output than the licence area holds deepens it instead.
        let radius = (self.period_m3 / (std::f64::consts::PI * 3.0))
            .sqrt()
            .min(reach * 0.6);
        let depth_per_period = self.period_m3 / (std::f64::consts::PI * radius * radius);
        let west = self.ring.iter().map(|p| p.0).fold(f64::MAX, f64::min);
        let mut values = Vec::with_capacity(grid.width * grid.height);
        for r in 0..grid.height {
            let y = grid.center_y(r);
            for c in 0..grid.width {
                let x = grid.center_x(c);
                let mut z = self.floor_m + 20.0 + 3.0 * (x / 37.0).sin() * (y / 53.0).cos();
                let inside = ring_contains(&self.ring, x, y);
                if inside && ((x - cx).powi(2) + (y - cy).powi(2)).sqrt() < radius {
                    z -= depth_per_period * stage as f64;
                }
                if self.with_sump && inside && stage > 0 && (x - cx).abs() < 12.0 && (y - cy).abs() < 12.0 {
                    z = z.min(self.floor_m - 3.0);
                }
                if stage > 0 && !inside && (x - (west - 60.0)).abs() < 20.0 && (y - cy).abs() < 20.0 {
                    z -= 3.0;
                }
                values.push(z as f32);
            }
        }
        values
    }
}

/// Up to `limit` mines whose licence can carry generated surveys flown from `first_flight` to
/// `today`: a mining licence in force all that time, open pit, one part with a floor, a licensed output
/// and a configured density. The n-th takes 0.8, 1.4 or 0.6 of its licensed output a period (in turn),
/// and every third from the second has a sump below the floor.
pub async fn scenes(
    app: &App,
    first_flight: NaiveDate,
    today: NaiveDate,
    limit: usize,
) -> Result<Vec<(orewatch_domain::MineId, Scene)>> {
    let mut conn = app.db.conn().await?;
    let mut all = mines::all_names(&mut conn).await?;
    all.sort();
    let mut chosen = Vec::new();
    for (mine, _) in all {
        if chosen.len() == limit {
            break;
        }
        let stored = licences::for_mine(&mut conn, mine).await?;
        let Some(licence) = stored.iter().find(|l| {
            l.kind == LicenceKind::Mining
                && l.state == LicenceState::Active
                && l.method == MiningMethod::OpenPit
                && l.valid_from <= first_flight
                && l.valid_to >= today
                && app.settings.cases.prices.get(&l.mineral).is_some()
        }) else {
            continue;
        };
        let Ok(parcel) = serde_json::from_str::<Parcel>(&licence.parcel_json) else {
            continue;
        };
        let [part] = parcel.parts.as_slice() else {
            continue;
        };
        let (Some(floor_m), Some(scale), Some(unit), Some(price)) = (
            part.elevation_floor_m.or(licence.elevation_floor_m),
            licence.scale,
            licence.scale_unit,
            app.settings.cases.prices.get(&licence.mineral),
        ) else {
            continue;
        };
        // A quarter of the licensed yearly volume, times: within the licence, over it, well within.
        let yearly_m3 = annual_output_10kt(scale, unit, price.density_t_m3) * 1e4 / price.density_t_m3;
        let share = [0.8, 1.4, 0.6].get(chosen.len() % 3).copied().unwrap_or(1.0);
        chosen.push((
            mine,
            Scene {
                ring: part.outer.clone(),
                zone: parcel.zone,
                floor_m,
                period_m3: yearly_m3 * 90.0 / 365.0 * share,
                with_sump: chosen.len() % 3 == 1,
            },
        ));
    }
    Ok(chosen)
}

/// Loads the demo surveys into an installation that has none, and runs their analyses.
pub(super) async fn load_if_empty(app: &App, office: &Caller, today: NaiveDate) -> Result<()> {
    let mut conn = app.db.conn().await?;
    if orewatch_storage::surveys::count(&mut conn).await? > 0 {
        return Ok(());
    }
    drop(conn);
    let chosen = scenes(app, today - Duration::days(190), today, 3).await?;
    // A folder of this load's own: installations (and tests) sharing a scratch folder never see each
    // other's half-written files.
    let dir = app
        .settings
        .surveys
        .scratch_dir
        .join(format!("demo-{}", crate::auth::random_token()));
    std::fs::create_dir_all(&dir).map_err(AppError::io(&dir))?;
    for (k, (mine, scene)) in chosen.iter().enumerate() {
        let flights: &[i64] = if k == 0 { &[190, 100, 10] } else { &[190, 100] };
        let crs = scene.crs();
        for (stage, days_ago) in flights.iter().enumerate() {
            let flown_on = today - Duration::days(*days_ago);
            let name = format!("demo-mine{}-{flown_on}.tif", mine.0);
            let path = dir.join(&name);
            write_dem(&path, &scene.grid(), &crs, &scene.surface(stage)).map_err(|e| AppError::Document {
                what: "演示 DEM",
                source: Box::new(e),
            })?;
            let bytes = std::fs::read(&path).map_err(AppError::io(&path))?;
            let staged = StagedFile {
                name,
                path: path.clone(),
                sha256: hex::encode(Sha256::digest(&bytes)),
                size_bytes: bytes.len() as u64,
            };
            let flown = flown_on.to_string();
            let input = SurveyInput {
                flown_on: &flown,
                contractor: "广西某测绘有限公司（演示）",
                method: "uav_photogrammetry",
                classified: false,
                cell_m: "",
            };
            let recorded = surveys::record(app, office, *mine, &input, &staged).await;
            let _ = std::fs::remove_file(&path);
            recorded?;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    while !matches!(worker::run_once(app, "demo").await?, worker::Ran::Idle) {}
    Ok(())
}
