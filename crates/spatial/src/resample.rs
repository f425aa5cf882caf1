//! Bilinear resampling of one raster onto another's grid, row by row, decoding source block rows as
//! they are first needed and dropping them once passed (the survey comparison; later the change
//! detection of satellite images). An axis on which the two grids are aligned ([`aligned_offset`]) maps
//! cells by whole indices with no interpolation at all; elsewhere a sample weight of exactly zero does
//! not use its cell.

use crate::geotiff::{GridGeometry, RasterError};
use crate::raster::BlockSource;
use std::collections::VecDeque;

/// How a target coordinate samples a source axis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Sample {
    Outside,
    /// Exactly on a source cell centre.
    One(usize),
    /// Between `i` and `i + 1`, weight `t` on `i + 1`.
    Two(usize, f64),
}

/// How far, to within this fraction of a cell, two grid origins may be from a whole number of cells
/// and still be aligned (2 µm on a 2 cm grid; the rounding of an easting of 37 million metres is a few
/// nanometres, which at 0.02 m cells is 4 × 10⁻⁷ of a cell).
pub(crate) const ALIGN_TOLERANCE_CELLS: f64 = 1e-4;

/// On one axis: when a grid whose cells are `before_cell` wide and start at `before_origin` is aligned
/// with one of `after_cell` starting at `after_origin` (the same cell size, origins a whole number of
/// cells apart to within [`ALIGN_TOLERANCE_CELLS`]), the number of after cells before cell 0 lies from
/// after cell 0. For the rows, pass the negated northings of the top edges.
pub(crate) fn aligned_offset(
    before_origin: f64,
    before_cell: f64,
    after_origin: f64,
    after_cell: f64,
) -> Option<i64> {
    let shift = (before_origin - after_origin) / after_cell;
    let same_size = (before_cell / after_cell - 1.0).abs() < 1e-9;
    #[allow(clippy::cast_possible_truncation)]
    let offset = shift.round() as i64;
    (same_size && (shift - shift.round()).abs() < ALIGN_TOLERANCE_CELLS).then_some(offset)
}

/// Cell `i` of an aligned axis on the other grid's `n` cells.
pub(crate) fn aligned_sample(i: usize, offset: i64, n: usize) -> Sample {
    match usize::try_from(i64::try_from(i).unwrap_or(i64::MAX).saturating_add(offset)) {
        Ok(j) if j < n => Sample::One(j),
        _ => Sample::Outside,
    }
}

/// Where target position `f` (in source cell units, 0 = centre of cell 0) samples an axis of `n` cells.
pub(crate) fn sample_axis(f: f64, n: usize) -> Sample {
    let snapped = if (f - f.round()).abs() < 1e-9 {
        f.round()
    } else {
        f
    };
    let i0 = snapped.floor();
    let t = snapped - i0;
    if i0 < 0.0 {
        return Sample::Outside;
    }
    let i = i0 as usize;
    if t == 0.0 {
        if i < n {
            Sample::One(i)
        } else {
            Sample::Outside
        }
    } else if i + 1 < n {
        Sample::Two(i, t)
    } else {
        Sample::Outside
    }
}

/// The after survey's rows on the before grid, decoding after block rows as they are first needed and
/// dropping those no longer needed.
pub(crate) struct Resampler<'a> {
    source: &'a mut dyn BlockSource,
    width: usize,
    blocks: VecDeque<(usize, usize, Vec<f32>)>,
    /// Buffers of dropped blocks, reused (fresh pages cost more than decoding into warm ones).
    spare: Vec<Vec<f32>>,
    next_block: usize,
    columns: Vec<Sample>,
    /// Before-grid northing → after row position: f = (top − y) / cell_y − 0.5.
    top_m: f64,
    cell_y_m: f64,
    height: usize,
    /// The before grid's rows.
    before: GridGeometry,
    /// Set when the rows are aligned: after row = before row + offset.
    row_offset: Option<i64>,
}

impl<'a> Resampler<'a> {
    /// Resamples `source`, whose grid is `grid`, onto the grid `before` row by row.
    pub(crate) fn new(source: &'a mut dyn BlockSource, grid: &GridGeometry, before: &GridGeometry) -> Self {
        Resampler {
            row_offset: aligned_offset(-before.top_m, before.cell_y_m, -grid.top_m, grid.cell_y_m),
            before: before.clone(),
            width: 0,
            source,
            blocks: VecDeque::new(),
            spare: Vec::new(),
            next_block: 0,
            columns: Vec::new(),
            top_m: grid.top_m,
            cell_y_m: grid.cell_y_m,
            height: grid.height,
        }
    }

    /// Starts a stripe: `columns` are the stripe's before columns' samples of the whole after grid;
    /// only the after columns they use are read.
    pub(crate) fn restart(&mut self, columns: &[Sample]) -> Result<(), RasterError> {
        let used = columns.iter().filter_map(|s| match *s {
            Sample::Outside => None,
            Sample::One(i) => Some((i, i)),
            Sample::Two(i, _) => Some((i, i + 1)),
        });
        let (lo, hi) = used.fold((usize::MAX, 0), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
        while let Some((_, _, values)) = self.blocks.pop_front() {
            self.spare.push(values);
        }
        self.next_block = 0;
        if lo > hi {
            // The stripe lies outside the after grid: every sample is nodata.
            self.columns = vec![Sample::Outside; columns.len()];
            self.width = 0;
            return Ok(());
        }
        let shift = |i: usize| i - lo;
        self.columns = columns
            .iter()
            .map(|s| match *s {
                Sample::Outside => Sample::Outside,
                Sample::One(i) => Sample::One(shift(i)),
                Sample::Two(i, t) => Sample::Two(shift(i), t),
            })
            .collect();
        self.width = hi + 1 - lo;
        self.source.start(lo..hi + 1)
    }

    fn ensure_row(&mut self, row: usize) -> Result<(), RasterError> {
        while !self
            .blocks
            .iter()
            .any(|(first, rows, _)| row >= *first && row < first + rows)
        {
            let mut values = self.spare.pop().unwrap_or_default();
            let (first, rows) = self.source.read_block_row(self.next_block, &mut values)?;
            self.next_block += 1;
            self.blocks.push_back((first, rows, values));
        }
        Ok(())
    }

    fn row(&self, row: usize) -> Option<&[f32]> {
        self.blocks
            .iter()
            .find(|(first, rows, _)| row >= *first && row < first + rows)
            .and_then(|(first, _, values)| {
                values.get((row - first) * self.width..(row - first + 1) * self.width)
            })
    }

    /// Writes the after values at before row `row` into `out`.
    pub(crate) fn resample_row(&mut self, row: usize, out: &mut [f64]) -> Result<(), RasterError> {
        let rows = match self.row_offset {
            Some(offset) => aligned_sample(row, offset, self.height),
            None => sample_axis(
                (self.top_m - self.before.center_y(row)) / self.cell_y_m - 0.5,
                self.height,
            ),
        };
        let (r0, r1, ty) = match rows {
            _ if self.width == 0 => {
                out.iter_mut().for_each(|v| *v = f64::NAN);
                return Ok(());
            }
            Sample::Outside => {
                out.iter_mut().for_each(|v| *v = f64::NAN);
                return Ok(());
            }
            Sample::One(r) => (r, r, 0.0),
            Sample::Two(r, t) => (r, r + 1, t),
        };
        // Rows above r0 are never needed again (before rows go north to south).
        while let Some((first, rows, _)) = self.blocks.front() {
            if first + rows <= r0 {
                if let Some((_, _, values)) = self.blocks.pop_front() {
                    self.spare.push(values);
                }
            } else {
                break;
            }
        }
        self.ensure_row(r0)?;
        self.ensure_row(r1)?;
        let (Some(top), Some(bottom)) = (self.row(r0), self.row(r1)) else {
            return Ok(());
        };
        for (slot, sample) in out.iter_mut().zip(&self.columns) {
            *slot = match *sample {
                Sample::Outside => f64::NAN,
                Sample::One(c) => match (top.get(c), bottom.get(c)) {
                    (Some(&a), _) if ty == 0.0 => f64::from(a),
                    (Some(&a), Some(&b)) => {
                        let (a, b) = (f64::from(a), f64::from(b));
                        a + (b - a) * ty
                    }
                    _ => f64::NAN,
                },
                Sample::Two(c, tx) => match (top.get(c..c + 2), bottom.get(c..c + 2)) {
                    (Some(&[a, b]), Some(&[c0, d])) => {
                        let (a, b) = (f64::from(a), f64::from(b));
                        let upper = a + (b - a) * tx;
                        if ty == 0.0 {
                            upper
                        } else {
                            let (c0, d) = (f64::from(c0), f64::from(d));
                            let lower = c0 + (d - c0) * tx;
                            upper + (lower - upper) * ty
                        }
                    }
                    _ => f64::NAN,
                },
            };
        }
        Ok(())
    }
}
