//! `orewatch-bench-survey FILE...`: decodes each DEM block row by block row with the engine's reader
//! (tiles, decompression, predictor, conversion to float32 rows with nodata as NaN) and nothing else, then
//! prints the time and the decoded output rate. This is the floor `orewatch survey compare` is
//! measured against.

use anyhow::{Context, Result};
use orewatch_spatial::geotiff::DemReader;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<()> {
    let files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        anyhow::bail!("usage: orewatch-bench-survey FILE...");
    }
    let started = Instant::now();
    let mut cells = 0usize;
    let mut checksum = 0.0f64;
    for file in &files {
        let mut reader = DemReader::open(file).with_context(|| file.display().to_string())?;
        let mut block: Vec<f32> = Vec::new();
        for index in 0..reader.block_rows() {
            reader.read_block_row(index, &mut block)?;
            cells += block.len();
            // Touch the values so the work cannot be skipped.
            checksum += block
                .iter()
                .step_by(4093)
                .filter(|v| v.is_finite())
                .map(|&v| f64::from(v))
                .sum::<f64>();
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "decode-only: {} file(s), {cells} cells, {seconds:.2} s, {:.0} MB/s of float32 output (checksum {checksum:.1})",
        files.len(),
        cells as f64 * 4.0 / seconds / 1e6
    );
    Ok(())
}
