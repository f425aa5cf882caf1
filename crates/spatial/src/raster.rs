//! Where the survey engine reads DEM block rows from: a GeoTIFF file ([`DemSource`]) or values in
//! memory ([`MemoryDem`]), behind one trait, [`BlockSource`]. The change detection of satellite images
//! reads its rasters the same way.

use crate::crs::ProjectedCrs;
use crate::geotiff::{DemReader, GridGeometry, RasterError};
use std::ops::Range;

/// A source of DEM block rows: a GeoTIFF file, or values in memory (tests, workers with their own IO).
///
/// The engine reads a window of columns at a time (a stripe): [`BlockSource::start`] chooses the
/// columns, then block rows come in order from 0.
pub trait BlockSource {
    /// What to call it in messages (a file name).
    fn name(&self) -> String;
    fn grid(&self) -> &GridGeometry;
    fn crs(&self) -> &ProjectedCrs;
    fn block_height(&self) -> usize;
    /// Whether reading a window decodes only that window (tiles); otherwise (strips) whole rows are
    /// decoded for every window, so the engine reads the full width at once.
    fn windowed(&self) -> bool;
    /// Starts reading the columns `cols` from block row 0.
    fn start(&mut self, cols: Range<usize>) -> Result<(), RasterError>;
    /// Fills `out` with block row `index` of the window (row-major, `cols.len()` values per row, nodata
    /// NaN); returns its first row and row count. Values are float32: half the memory of a block row
    /// (see [`crate::geotiff::Cell`]).
    fn read_block_row(&mut self, index: usize, out: &mut Vec<f32>) -> Result<(usize, usize), RasterError>;
}

/// A DEM file as a [`BlockSource`].
#[derive(Debug)]
pub struct DemSource {
    reader: DemReader,
    cols: Range<usize>,
}

impl DemSource {
    pub fn new(reader: DemReader) -> Self {
        let width = reader.info().grid.width;
        Self {
            reader,
            cols: 0..width,
        }
    }
}

impl BlockSource for DemSource {
    fn name(&self) -> String {
        let path = self.reader.path();
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
    fn grid(&self) -> &GridGeometry {
        &self.reader.info().grid
    }
    fn crs(&self) -> &ProjectedCrs {
        &self.reader.info().crs
    }
    fn block_height(&self) -> usize {
        self.reader.info().block_height
    }
    fn windowed(&self) -> bool {
        self.reader.info().tiled
    }
    fn start(&mut self, cols: Range<usize>) -> Result<(), RasterError> {
        self.cols = cols;
        Ok(())
    }
    fn read_block_row(&mut self, index: usize, out: &mut Vec<f32>) -> Result<(usize, usize), RasterError> {
        self.reader.read_block_window(index, self.cols.clone(), out)
    }
}

/// A DEM held in memory.
#[derive(Debug, Clone)]
pub struct MemoryDem {
    pub grid: GridGeometry,
    pub crs: ProjectedCrs,
    /// Row-major values, NaN for nodata (handed out as float32, like a DEM file's).
    pub values: Vec<f64>,
    pub block_height: usize,
    /// The window being read (set by [`BlockSource::start`]).
    pub cols: Range<usize>,
}

impl BlockSource for MemoryDem {
    fn name(&self) -> String {
        "内存中的 DEM".to_string()
    }
    fn grid(&self) -> &GridGeometry {
        &self.grid
    }
    fn crs(&self) -> &ProjectedCrs {
        &self.crs
    }
    fn block_height(&self) -> usize {
        self.block_height.max(1)
    }
    fn windowed(&self) -> bool {
        true
    }
    fn start(&mut self, cols: Range<usize>) -> Result<(), RasterError> {
        self.cols = cols;
        Ok(())
    }
    fn read_block_row(&mut self, index: usize, out: &mut Vec<f32>) -> Result<(usize, usize), RasterError> {
        let (w, h, bh) = (self.grid.width, self.grid.height, self.block_height.max(1));
        let first = (index * bh).min(h);
        let rows = bh.min(h - first);
        out.clear();
        for r in first..first + rows {
            let row = self
                .values
                .get(r * w + self.cols.start..r * w + self.cols.end)
                .unwrap_or(&[]);
            out.extend(row.iter().map(|&v| v as f32));
        }
        Ok((first, rows))
    }
}
