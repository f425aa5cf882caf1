-- 监测问题清单 — what a survey analysis found, proposed to the office, which confirms each onto the
-- ledger or dismisses it with a reason. Same schema in migrations/postgres/0015_survey_proposals.sql.

-- Mining below the licensed floor of an open pit is its own category (the seeded 'beyond_layers' is the
-- underground one).
INSERT INTO finding_category (code, grp, label_zh, label_en, sort_order) VALUES
    ('below_floor', 'open_pit', '越层开采（低于开采标高下限）', 'Mining below the licensed floor', 135);

-- A proposed finding: one finding of the engine (`kind`) in one analysis, with its evidence
-- (`evidence_json`: the two surveys with their SHA-256, the licence, the figures and, for patches and
-- faces, their outlines in the grid's CRS) and, for out-of-bounds and below-floor mining, the volume
-- that a penalty estimate uses. Once decided: the finding it became, or the reason it was dismissed.
CREATE TABLE survey_proposal (
    proposal_id      INTEGER NOT NULL CONSTRAINT survey_proposal_pkey PRIMARY KEY,
    analysis_id      INTEGER NOT NULL CONSTRAINT survey_proposal_analysis_fkey REFERENCES survey_analysis (analysis_id),
    mine_id          INTEGER NOT NULL CONSTRAINT survey_proposal_mine_fkey REFERENCES mine (mine_id),
    kind             TEXT NOT NULL CONSTRAINT survey_proposal_kind_check CHECK (kind IN
                         ('out_of_bounds', 'below_floor', 'over_quantity', 'high_face')),
    severity         TEXT NOT NULL CONSTRAINT survey_proposal_severity_check CHECK (severity IN ('high', 'medium')),
    message_zh       TEXT NOT NULL,
    evidence_json    TEXT NOT NULL,
    volume_m3        REAL NULL,
    state            TEXT NOT NULL CONSTRAINT survey_proposal_state_check CHECK (state IN
                         ('proposed', 'confirmed', 'dismissed')),
    finding_id       INTEGER NULL CONSTRAINT survey_proposal_finding_fkey REFERENCES finding (finding_id),
    dismiss_reason   TEXT NULL,
    decided_by_label TEXT NULL,
    decided_at       TEXT NULL,
    audit_seq        INTEGER NULL,
    CONSTRAINT survey_proposal_kind_key UNIQUE (analysis_id, kind),
    CONSTRAINT survey_proposal_finding_key UNIQUE (finding_id)
);
CREATE INDEX survey_proposal_mine_idx ON survey_proposal (mine_id, state);

-- A job may wait for another: a survey's analysis waits for the analysis of the survey before it, whose
-- proposed findings it measures again (a re-flight), so the result does not depend on which worker
-- was quicker.
ALTER TABLE job ADD COLUMN after_job_id INTEGER NULL CONSTRAINT job_after_fkey REFERENCES job (job_id);
