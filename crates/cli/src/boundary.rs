//! `orewatch boundary check [FILE|-]`: corner points checked by hand — zone, longitude/latitude of
//! every point, ellipsoidal and planar area, elevation range, declared areas compared, notes and
//! problems, per part. Offline (the configuration is read only for old-datum parameters); exit 2 with
//! the line number on malformed input.

use crate::survey::Format;
use anyhow::{Context, Result};
use clap::Args;
use orewatch_spatial::boundary_check::check_with;
use orewatch_spatial::corners::ParseOptions;
use std::io::Read;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The corner-point text; `-` or nothing reads standard input.
    file: Option<PathBuf>,
    /// Gauss-Krüger zone when the eastings carry no zone prefix (鹿寨县: 37).
    #[arg(long)]
    zone: Option<u32>,
    /// Longitudes/latitudes written as numbers are packed DDD.MMSS (degrees.minutes seconds).
    #[arg(long)]
    packed_dms: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: &CheckArgs, config: Option<&std::path::Path>) -> Result<()> {
    let options = ParseOptions {
        zone: args.zone,
        packed_dms: args.packed_dms,
        transforms: crate::config::Config::load(config)?.transforms()?,
    };
    let (text, source) = match &args.file {
        Some(path) if path.as_os_str() != "-" => (
            std::fs::read_to_string(path).with_context(|| format!("无法读取 {}", path.display()))?,
            path.display().to_string(),
        ),
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("无法读取标准输入")?;
            (text, "标准输入".to_string())
        }
    };
    let checked = check_with(&text, args.zone, &options).map_err(|e| anyhow::anyhow!("{source}：{e}"))?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&checked)?),
        Format::Text => print!("{}", checked.summary_zh()),
    }
    Ok(())
}
