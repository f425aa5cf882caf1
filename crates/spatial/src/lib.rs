//! Orewatch's geospatial engine.
//!
//! - [`tmerc`]: the transverse Mercator projection on CGCS2000 (Krüger n-series).
//! - [`crs`]: which projection a grid or licence is in, and reconciling prefix conventions.
//! - [`corners`]: corner-point text of a mining right → parts, rings, elevation ranges.
//! - [`polygon`]: boundaries, inside tests by scanline, areas, self-intersection.
//! - [`boundary_check`]: a corner-point list checked by hand (zones, lon/lat, ellipsoidal area, problems).
//! - [`layers`]: protected-area layers from GeoJSON or a zipped Shapefile with its .prj.
//! - [`parcel`]: a licence boundary as the registry stores it; overlap areas between licences.
//! - [`simplify`]: rings simplified to a vertex budget and clipped to a frame, for drawing only.
//! - [`geotiff`]: reading DEMs block row by block row.
//! - [`slope`], [`patches`], [`outline`]: Horn slope; streaming 8-connected labelling; cell outlines.
//! - [`licence`], [`compare`], [`report`]: the survey comparison — licence in, two DEMs in, report out,
//!   with a progress callback and cancellation, so the CLI and a worker call the same function.
//!   [`prefetch`] decodes each survey on its own thread; [`render`] and [`outputs`] write the change
//!   map, GeoJSON and HTML report.
//!
//! [`pointcloud`] grids a LAS/LAZ point cloud into a DEM by PDAL's `writers.gdal` mean rule, streaming;
//! [`wkt`] reads the CRS of its WKT record.
//!
//! [`watch`] measures an earlier comparison's findings again in a later one (a re-flight).
//!
//! It depends on no other Orewatch crate and knows nothing of the database or the web; errors are
//! typed with Chinese messages (and an English form) that name the line or file at fault.

pub mod boundary_check;
pub mod compare;
pub mod corners;
pub mod crs;
pub mod dem_writer;
pub mod geotiff;
pub mod layers;
pub mod licence;
pub mod outline;
pub mod outputs;
pub mod parcel;
pub mod patches;
pub mod pointcloud;
pub mod polygon;
pub mod prefetch;
pub mod raster;
pub mod render;
pub mod report;
pub mod resample;
pub mod simplify;
pub mod slope;
pub mod tiled;
pub mod tmerc;
pub mod watch;
pub mod wkt;
