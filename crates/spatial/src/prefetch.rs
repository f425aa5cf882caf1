//! Decoding a DEM ahead of the analysis on its own thread.
//!
//! [`Prefetch`] wraps a [`DemSource`] as a [`BlockSource`]: a worker thread decodes the block rows of
//! the current window in order, one row ahead of the one being analysed, and hands each over when it
//! is asked for; so the two surveys decode in parallel with each other and with the analysis. Buffers
//! travel back to the worker to be reused. A new window ([`BlockSource::start`]) interrupts the
//! worker between two block rows. Dropping the `Prefetch` closes the channels and the worker stops.

use crate::crs::ProjectedCrs;
use crate::geotiff::{GridGeometry, RasterError};
use crate::raster::{BlockSource, DemSource};
use std::ops::Range;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender, TryRecvError};
use std::thread::Scope;

enum Message {
    /// The worker switched to the window of this generation.
    Started(u64),
    Block(Result<(usize, usize, usize, Vec<f32>), RasterError>),
}

/// A DEM decoded ahead on a scoped thread.
pub struct Prefetch {
    name: String,
    grid: GridGeometry,
    crs: ProjectedCrs,
    block_height: usize,
    windowed: bool,
    generation: u64,
    commands: Sender<(u64, Range<usize>)>,
    blocks: Receiver<Message>,
    recycle: SyncSender<Vec<f32>>,
}

impl Prefetch {
    /// Starts a decoding thread for `source` in `scope` (idle until [`BlockSource::start`]).
    pub fn spawn<'scope>(scope: &'scope Scope<'scope, '_>, mut source: DemSource) -> Self {
        let (name, grid, crs, block_height, windowed) = (
            source.name(),
            source.grid().clone(),
            source.crs().clone(),
            source.block_height(),
            source.windowed(),
        );
        let block_rows = grid.height.div_ceil(block_height.max(1));
        let (commands, orders) = channel::<(u64, Range<usize>)>();
        let (send, blocks) = sync_channel::<Message>(0);
        let (recycle, spare) = sync_channel::<Vec<f32>>(1);
        scope.spawn(move || {
            let mut next = orders.recv().ok();
            while let Some((generation, cols)) = next.take() {
                if send.send(Message::Started(generation)).is_err() {
                    return;
                }
                if let Err(error) = source.start(cols) {
                    let _ = send.send(Message::Block(Err(error)));
                    next = orders.recv().ok();
                    continue;
                }
                for index in 0..block_rows {
                    match orders.try_recv() {
                        Ok(order) => {
                            next = Some(order);
                            break;
                        }
                        Err(TryRecvError::Disconnected) => return,
                        Err(TryRecvError::Empty) => {}
                    }
                    let mut values = spare.try_recv().unwrap_or_default();
                    let block = source
                        .read_block_row(index, &mut values)
                        .map(|(first, rows)| (index, first, rows, values));
                    let failed = block.is_err();
                    if send.send(Message::Block(block)).is_err() {
                        return;
                    }
                    if failed {
                        break;
                    }
                }
                if next.is_none() {
                    next = orders.recv().ok();
                }
            }
        });
        Self {
            name,
            grid,
            crs,
            block_height,
            windowed,
            generation: 0,
            commands,
            blocks,
            recycle,
        }
    }

    fn lost(&self, detail: String) -> RasterError {
        RasterError::Unsupported {
            path: self.name.clone().into(),
            detail,
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
    fn windowed(&self) -> bool {
        self.windowed
    }
    fn start(&mut self, cols: Range<usize>) -> Result<(), RasterError> {
        self.generation += 1;
        self.commands
            .send((self.generation, cols))
            .map_err(|_| self.lost("the decoding thread stopped".into()))?;
        // Blocks of the previous window still in flight are dropped.
        loop {
            match self.blocks.recv() {
                Ok(Message::Started(g)) if g == self.generation => return Ok(()),
                Ok(_) => continue,
                Err(_) => return Err(self.lost("the decoding thread stopped".into())),
            }
        }
    }
    /// Block rows must be asked for in order, as the engine does.
    fn read_block_row(&mut self, index: usize, out: &mut Vec<f32>) -> Result<(usize, usize), RasterError> {
        match self.blocks.recv() {
            Ok(Message::Block(block)) => {
                let (got, first, rows, values) = block?;
                if got != index {
                    return Err(self.lost(format!("block row {got} came instead of {index}")));
                }
                let old = std::mem::replace(out, values);
                let _ = self.recycle.try_send(old);
                Ok((first, rows))
            }
            Ok(Message::Started(_)) | Err(_) => Err(self.lost(format!("block row {index} was not decoded"))),
        }
    }
}
