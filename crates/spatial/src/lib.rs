//! Orewatch's geospatial engine.
//!
//! This crate will hold CGCS2000 Gauss-Krüger coordinates, corner-point parsing, polygons, GeoTIFF
//! reading and survey comparison (the monitoring and registry issues build it). It depends on no other
//! Orewatch crate and knows nothing of the database or the web. It is empty until those issues land.
