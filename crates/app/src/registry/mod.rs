//! 登记台账 — the registry: companies, mines, licences with boundaries, every agency's permits,
//! protected areas; the county picture (map, overlaps, consistency problems); workbook import/export.
//!
//! - [`input`]: raw form or spreadsheet values checked into valid records (shared by both).
//! - [`records`]: the use cases that add, change, list and show them.
//! - [`county`]: the county picture, cached per data version and day.
//! - [`workbook`]: .xlsx templates, all-or-nothing import with a row-by-row error list, export.

pub mod county;
pub mod credit;
pub mod input;
pub mod records;
pub mod sample;
pub mod sharing;
pub mod workbook;

/// A licence boundary as stored (re-exported for the pages that draw it).
pub use orewatch_spatial::parcel::Parcel;
