-- 无人机测量 — surveys of mines, their analyses, and the job queue that runs the analyses.
-- Same schema in migrations/postgres/0014_surveys.sql.

-- A survey (DOMAIN.md §4): one DEM of a mine on one day, checked when it arrived (its layout, CRS and
-- extent are kept as read) and kept in the file store under its SHA-256. Rules are domain::survey's.
CREATE TABLE survey (
    survey_id         INTEGER NOT NULL CONSTRAINT survey_pkey PRIMARY KEY,
    mine_id           INTEGER NOT NULL CONSTRAINT survey_mine_fkey REFERENCES mine (mine_id),
    flown_on          TEXT NOT NULL,
    contractor        TEXT NOT NULL,
    method            TEXT NOT NULL CONSTRAINT survey_method_check CHECK (method IN ('uav_photogrammetry', 'lidar', 'rtk')),
    crs               TEXT NOT NULL,
    cell_x_m          REAL NOT NULL,
    cell_y_m          REAL NOT NULL,
    width             INTEGER NOT NULL,
    height            INTEGER NOT NULL,
    left_m            REAL NOT NULL,
    bottom_m          REAL NOT NULL,
    right_m           REAL NOT NULL,
    top_m             REAL NOT NULL,
    dem_name          TEXT NOT NULL,
    dem_sha256        TEXT NOT NULL,
    dem_size_bytes    INTEGER NOT NULL,
    -- 涉密: 1 or 0 (the enterprise portal shows a company its own unclassified results).
    classified        INTEGER NOT NULL CONSTRAINT survey_classified_check CHECK (classified IN (0, 1)),
    recorded_by_label TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    audit_seq         INTEGER NULL,
    CONSTRAINT survey_day_key UNIQUE (mine_id, flown_on),
    CONSTRAINT survey_file_key UNIQUE (mine_id, dem_sha256)
);

-- An analysis of a survey against the one before it and the mine's licence (`inputs_json`: the
-- licence's figures, the thresholds and the period, as used), with its result once done: the report's
-- JSON and the files the result page offers (report.json, patches.geojson, change.png) and draws
-- (the overlay of change.png) by SHA-256.
CREATE TABLE survey_analysis (
    analysis_id       INTEGER NOT NULL CONSTRAINT survey_analysis_pkey PRIMARY KEY,
    survey_id         INTEGER NOT NULL CONSTRAINT survey_analysis_survey_fkey REFERENCES survey (survey_id),
    before_survey_id  INTEGER NOT NULL CONSTRAINT survey_analysis_before_fkey REFERENCES survey (survey_id),
    licence_id        INTEGER NOT NULL CONSTRAINT survey_analysis_licence_fkey REFERENCES licence (licence_id),
    inputs_json       TEXT NOT NULL,
    state             TEXT NOT NULL CONSTRAINT survey_analysis_state_check CHECK (state IN ('pending', 'done', 'failed', 'cancelled')),
    report_json       TEXT NULL,
    report_sha256     TEXT NULL,
    patches_sha256    TEXT NULL,
    change_png_sha256 TEXT NULL,
    overlay_sha256    TEXT NULL,
    failure           TEXT NULL,
    queued_at         TEXT NOT NULL,
    finished_at       TEXT NULL,
    audit_seq         INTEGER NULL,
    CONSTRAINT survey_analysis_pair_key UNIQUE (survey_id, before_survey_id)
);
CREATE INDEX survey_analysis_before_idx ON survey_analysis (before_survey_id);

-- Machine work (DESIGN.md "Deadlines, tasks and jobs"): one row per subject, claimed by a worker for a
-- lease that its heartbeat renews; a job whose lease expired is claimed again, up to `max_attempts`
-- claims. Working state: written by operational writes, except where a use case queues, finishes,
-- cancels or retries it in the same transaction as its record. Kept in the main file (not `ops`) so
-- that queueing and finishing are atomic with the record.
CREATE TABLE job (
    job_id           INTEGER NOT NULL CONSTRAINT job_pkey PRIMARY KEY,
    kind             TEXT NOT NULL CONSTRAINT job_kind_check CHECK (kind IN ('survey_analysis')),
    subject_id       INTEGER NOT NULL,
    state            TEXT NOT NULL CONSTRAINT job_state_check CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL,
    max_attempts     INTEGER NOT NULL,
    lease_holder     TEXT NULL,
    lease_token      TEXT NULL,
    lease_until      TEXT NULL,
    heartbeat_at     TEXT NULL,
    progress         REAL NOT NULL,
    cancel_requested INTEGER NOT NULL CONSTRAINT job_cancel_check CHECK (cancel_requested IN (0, 1)),
    error            TEXT NULL,
    queued_at        TEXT NOT NULL,
    started_at       TEXT NULL,
    finished_at      TEXT NULL,
    CONSTRAINT job_subject_key UNIQUE (kind, subject_id)
);
CREATE INDEX job_claim_idx ON job (state, job_id);

INSERT INTO data_version (area, version) VALUES ('monitoring', 0);
