-- 点云 — a survey may arrive as a LAS/LAZ point cloud, gridded into its DEM on arrival
-- (spatial::pointcloud). The survey row keeps the DEM as before; these columns keep the cloud it was
-- made from (kept in the file store under its SHA-256) and how it was gridded (`cloud_gridding`: JSON
-- of the points read and used, ground or all, cell size and radius). NULL for a survey uploaded as a
-- DEM. Same schema in migrations/sqlite/0016_survey_clouds.sql.
ALTER TABLE survey ADD COLUMN cloud_name TEXT NULL;
ALTER TABLE survey ADD COLUMN cloud_sha256 TEXT NULL;
ALTER TABLE survey ADD COLUMN cloud_size_bytes BIGINT NULL;
ALTER TABLE survey ADD COLUMN cloud_gridding TEXT NULL;
