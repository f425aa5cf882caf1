//! `orewatch boundary check [FILE|-]`: corner points checked by hand — zone, longitude/latitude of
//! every point, ellipsoidal and planar area, elevation range and problems, per part. Offline; exit 2
//! with the line number on malformed input.

use crate::survey::Format;
use anyhow::{Context, Result};
use clap::Args;
use orewatch_spatial::boundary_check::check;
use std::io::Read;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The corner-point text; `-` or nothing reads standard input.
    file: Option<PathBuf>,
    /// Gauss-Krüger zone when the eastings carry no zone prefix (鹿寨县: 37).
    #[arg(long)]
    zone: Option<u32>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: &CheckArgs) -> Result<()> {
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
    let checked = check(&text, args.zone).map_err(|e| anyhow::anyhow!("{source}：{e}"))?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&checked)?),
        Format::Text => print!("{}", checked.summary_zh()),
    }
    Ok(())
}
