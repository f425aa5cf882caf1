//! 登记台账 — the registry: companies, mines, licences with boundaries, every agency's permits,
//! protected areas and administrative boundaries; the county picture (map, overlaps, consistency
//! problems); workbook import/export. One module per aggregate, mirroring `orewatch-storage`:
//!
//! - [`input`]: raw form or spreadsheet values checked into valid records (shared by both).
//! - [`companies`], [`mines`], [`licences`], [`permits`]: the use cases of each aggregate. Each has one
//!   `register` function inside the caller's transaction that a form calls for one record and an import
//!   for thousands (batched), so both run the same checks — the credit list included.
//! - [`layers`], [`townships`]: the map's layers and the managed township list.
//! - [`credit`], [`sharing`]: the credit list and the sharing feed.
//! - [`county`]: the county picture, cached per registry version and day.
//! - [`workbook`]: .xlsx templates, all-or-nothing import with a row-by-row error list, export.
//! - [`limits`]: what an upload may unpack to.
//! - [`sample`]: the fictional county of the demo, the tests and the benchmarks.

pub mod companies;
pub mod county;
pub mod credit;
pub mod input;
pub mod layers;
pub mod licences;
pub mod limits;
pub mod mines;
pub mod permits;
pub mod sample;
pub mod sharing;
pub mod townships;
pub mod workbook;

/// A licence boundary as stored (re-exported for the pages that draw it).
pub use orewatch_spatial::parcel::Parcel;

/// How far outside the county's extent a licence may lie before it is questioned (a boundary on the
/// county line is normal; one kilometres away is a likely typo).
pub const OUTSIDE_MARGIN_M: f64 = 2_000.0;
