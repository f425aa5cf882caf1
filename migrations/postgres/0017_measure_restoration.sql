-- 恢复供应 — a supplier's measure (停止供电, 停止供应民用爆炸物品) once lifted waits for the supplier to
-- confirm that supply is restored. The confirmation is recorded on the measure itself (who, when),
-- not only in the audit log, so the measure's page and its workflow know it was given. NULL until then,
-- and for measures without a supplier. Same schema in migrations/sqlite/0017_measure_restoration.sql.
ALTER TABLE enforcement_measure ADD COLUMN restored_by_label TEXT NULL;
ALTER TABLE enforcement_measure ADD COLUMN restored_at TEXT NULL;
