//! Decoding a DEM ahead of the analysis on its own thread.
//!
//! [`Prefetch`] wraps a [`DemReader`] as a [`BlockSource`]: a worker thread decodes the block rows in
//! order, one row ahead of the one being analysed, and hands each over when it is asked for, so the two surveys decode in parallel with each
//! other and with the analysis. Buffers travel back to the worker to be reused. Dropping the `Prefetch`
//! closes the channel and the worker stops.

use crate::compare::BlockSource;
use crate::crs::ProjectedCrs;
use crate::geotiff::{DemReader, GridGeometry, RasterError};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::Scope;

type Block = Result<(usize, usize, usize, Vec<f32>), RasterError>;

/// A DEM decoded ahead on a scoped thread.
pub struct Prefetch {
    name: String,
    grid: GridGeometry,
    crs: ProjectedCrs,
    block_height: usize,
    blocks: Receiver<Block>,
    recycle: SyncSender<Vec<f32>>,
}

impl Prefetch {
    /// Starts decoding `reader` on a thread of `scope`.
    pub fn spawn<'scope>(scope: &'scope Scope<'scope, '_>, mut reader: DemReader) -> Self {
        let name = BlockSource::name(&reader);
        let (grid, crs, block_height) = (
            reader.info().grid.clone(),
            reader.info().crs.clone(),
            reader.info().block_height,
        );
        let (send, blocks) = sync_channel::<Block>(0);
        let (recycle, spare) = sync_channel::<Vec<f32>>(1);
        scope.spawn(move || {
            for index in 0..reader.block_rows() {
                let mut values = spare.try_recv().unwrap_or_default();
                let block = reader
                    .read_block_row(index, &mut values)
                    .map(|(first, rows)| (index, first, rows, values));
                let failed = block.is_err();
                if send.send(block).is_err() || failed {
                    return;
                }
            }
        });
        Self {
            name,
            grid,
            crs,
            block_height,
            blocks,
            recycle,
        }
    }
}

impl BlockSource for Prefetch {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn grid(&self) -> &GridGeometry {
        &self.grid
    }
    fn crs(&self) -> &ProjectedCrs {
        &self.crs
    }
    fn block_height(&self) -> usize {
        self.block_height
    }
    /// Block rows must be asked for in order, as the engine does.
    fn read_block_row(&mut self, index: usize, out: &mut Vec<f32>) -> Result<(usize, usize), RasterError> {
        let unexpected = |detail: String| RasterError::Unsupported {
            path: self.name.clone().into(),
            detail,
        };
        let (got, first, rows, values) = self
            .blocks
            .recv()
            .map_err(|_| unexpected(format!("block row {index} was not decoded")))??;
        if got != index {
            return Err(unexpected(format!("block row {got} came instead of {index}")));
        }
        let old = std::mem::replace(out, values);
        let _ = self.recycle.try_send(old);
        Ok((first, rows))
    }
}
