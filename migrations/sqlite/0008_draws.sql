-- 双随机 (WORKFLOW.md §1.4): each mine's risk grade, which sets the share of its grade drawn, and each
-- draw with its seed, inputs and result, so that anyone can replay it.
-- Same schema in migrations/postgres/0008_draws.sql.

-- A mine's risk grade (A highest), set by the office with a reason.
CREATE TABLE risk_grade (
    mine_id        INTEGER NOT NULL CONSTRAINT risk_grade_pkey PRIMARY KEY
                       CONSTRAINT risk_grade_mine_fkey REFERENCES mine (mine_id),
    grade          TEXT NOT NULL CONSTRAINT risk_grade_grade_check CHECK (grade IN ('a', 'b', 'c', 'd')),
    reason         TEXT NULL,
    set_by_label   TEXT NOT NULL,
    set_at         TEXT NOT NULL,
    audit_seq      INTEGER NULL
);

-- A draw and the joint inspection it created. `input_json` and `result_json` are the canonical JSON of
-- domain::draw's DrawInput and DrawResult; the audit entry carries them, so a draw replays from the
-- audit log alone.
CREATE TABLE inspection_draw (
    draw_id        INTEGER NOT NULL CONSTRAINT inspection_draw_pkey PRIMARY KEY,
    inspection_id  INTEGER NOT NULL CONSTRAINT inspection_draw_inspection_key UNIQUE
                       CONSTRAINT inspection_draw_inspection_fkey REFERENCES joint_inspection (inspection_id),
    algorithm      TEXT NOT NULL,
    seed           TEXT NOT NULL,
    input_json     TEXT NOT NULL,
    result_json    TEXT NOT NULL,
    drawn_by_label TEXT NOT NULL,
    drawn_at       TEXT NOT NULL,
    audit_seq      INTEGER NULL
);
