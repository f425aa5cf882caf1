//! Watched regions: the outlines of an earlier comparison's findings (its out-of-bounds patches, its
//! high faces), measured again by a later comparison, so a re-flight shows what changed there.
//!
//! Definitions (the same as the comparison's, restricted to the region):
//! - a cell is in the region when its centre is inside one of the region's polygons (the rule of
//!   [`crate::polygon`]; each polygon's rings are taken even-odd, so holes cut out);
//! - cut, fill and valid cells as in [`crate::compare`], summed over the region's cells;
//! - `area_m2`: all the region's cells, with values or not, so a later survey that does not cover the
//!   region shows as `valid_area_m2 < area_m2`;
//! - a later face meets the region when the centre of one of its cells is in the region. Here a face is
//!   any steep component of the later surface as [`crate::compare`] defines faces, but worked or not:
//!   a wall left standing after an earlier finding is still a wall.

use crate::crs::{CrsError, ProjectedCrs};
use crate::geotiff::GridGeometry;
use crate::outline::CellRun;
use crate::polygon::{Boundary, PolygonPart};
use crate::report::Region;
use serde::Serialize;

/// A region to measure again, as an earlier comparison outlined it.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    /// The caller's name for it (the platform uses the proposed finding's kind).
    pub key: String,
    /// The CRS of the polygons (the earlier comparison's grid).
    pub crs: ProjectedCrs,
    /// Polygons, each as rings (outer first, then holes), `[easting, northing]`.
    pub polygons: Vec<Vec<Vec<[f64; 2]>>>,
}

/// What a comparison measured in a watched region.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct WatchedRegion {
    pub key: String,
    /// The region's cells on this grid, with values or not.
    pub area_m2: f64,
    pub change: Region,
    /// The later steep faces (worked this period or not) that meet the region: how many, how many
    /// exceed the allowed height, the highest.
    pub faces_meeting: usize,
    pub faces_exceeding: usize,
    pub highest_face_m: Option<f64>,
}

/// A watched region in the grid's CRS, with its running counts.
#[derive(Debug)]
pub(crate) struct Prepared {
    key: String,
    boundary: Boundary,
    bbox: (f64, f64, f64, f64),
    pub(crate) cells: u64,
    pub(crate) count: crate::compare::RegionCount,
}

/// The regions moved into the grid's CRS; an error names the region whose CRS cannot be reconciled.
pub(crate) fn prepare(watch: &[Watch], grid_crs: &ProjectedCrs) -> Result<Vec<Prepared>, (String, CrsError)> {
    watch
        .iter()
        .map(|w| {
            let offset = w
                .crs
                .easting_offset_to(grid_crs)
                .map_err(|e| (w.key.clone(), e))?;
            let boundary = Boundary {
                parts: w
                    .polygons
                    .iter()
                    .filter_map(|rings| {
                        let mut rings = rings
                            .iter()
                            .map(|ring| ring.iter().map(|p| (p[0] + offset, p[1])).collect::<Vec<_>>());
                        let outer = rings.next()?;
                        Some(PolygonPart {
                            outer,
                            holes: rings.collect(),
                        })
                    })
                    .collect(),
            };
            let bbox = boundary.bbox();
            Ok(Prepared {
                key: w.key.clone(),
                boundary,
                bbox,
                cells: 0,
                count: Default::default(),
            })
        })
        .collect()
}

impl Prepared {
    /// The columns of `c0..c1` on the row at `y` whose centres are in the region.
    pub(crate) fn columns_at(&self, grid: &GridGeometry, y: f64, c0: usize, c1: usize) -> Vec<usize> {
        if y < self.bbox.1 || y > self.bbox.3 {
            return Vec::new();
        }
        let intervals = self.boundary.intervals_at(y);
        (c0..c1)
            .filter(|&c| {
                let x = grid.center_x(c);
                intervals.iter().any(|&(a, b)| x >= a && x < b)
            })
            .collect()
    }

    /// Whether a blob of cells has a cell centre in the region.
    fn meets(&self, grid: &GridGeometry, runs: &[CellRun]) -> bool {
        runs.iter().any(|&(row, first, last)| {
            let y = grid.center_y(row);
            if y < self.bbox.1 || y > self.bbox.3 {
                return false;
            }
            let intervals = self.boundary.intervals_at(y);
            (first..=last).any(|c| {
                let x = grid.center_x(c);
                intervals.iter().any(|&(a, b)| x >= a && x < b)
            })
        })
    }

    /// The region's figures, given the comparison's faces as (cells, height, exceeds).
    pub(crate) fn finish(
        &self,
        grid: &GridGeometry,
        region: impl Fn(&crate::compare::RegionCount) -> Region,
        faces: &[(&[CellRun], f64, bool)],
    ) -> WatchedRegion {
        let meeting: Vec<(f64, bool)> = faces
            .iter()
            .filter(|(runs, _, _)| self.meets(grid, runs))
            .map(|&(_, h, exceeds)| (h, exceeds))
            .collect();
        WatchedRegion {
            key: self.key.clone(),
            area_m2: self.cells as f64 * grid.cell_area_m2(),
            change: region(&self.count),
            faces_meeting: meeting.len(),
            faces_exceeding: meeting.iter().filter(|(_, e)| *e).count(),
            highest_face_m: meeting.iter().map(|(h, _)| *h).reduce(f64::max),
        }
    }
}
