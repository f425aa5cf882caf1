-- The two kinds of write (DESIGN.md "Storage rules"), records bound to the audit chain, per-area data
-- versions, managed townships and administrative boundaries. Same schema in
-- migrations/postgres/0004_write_types.sql, except that SQLite keeps working state in a second file,
-- attached to every connection as `ops`, so that a login never waits for the main file's write lock.

-- Working state leaves the main file. Sessions are not records; everyone logs in again after the upgrade.
DROP TABLE session;
CREATE TABLE ops.session (
    session_id   TEXT NOT NULL CONSTRAINT session_pkey PRIMARY KEY,
    account_id   INTEGER NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX ops.session_account_idx ON session (account_id);
CREATE INDEX ops.session_last_seen_idx ON session (last_seen_at);

-- The security log: logins, failures, delays and logouts. Append-only; visible to auditors beside the
-- audit log, but not a change of any record.
CREATE TABLE ops.security_event (
    security_event_id INTEGER NOT NULL CONSTRAINT security_event_pkey PRIMARY KEY,
    at                TEXT NOT NULL,
    kind              TEXT NOT NULL CONSTRAINT security_event_kind_check CHECK (kind IN
                          ('login', 'login_failed', 'login_delayed', 'logout', 'password_failed', 'unlocked')),
    -- As typed (lower-cased), also for names that do not exist.
    username          TEXT NOT NULL,
    account_id        INTEGER NULL,
    client            TEXT NULL,
    detail            TEXT NULL
);
CREATE INDEX ops.security_event_at_idx ON security_event (at);
CREATE INDEX ops.security_event_account_idx ON security_event (account_id, at);

-- Failed password attempts per username and client address (domain::account::LoginDelay). Keyed by the
-- name as typed, so an unknown name is answered exactly like a real one.
CREATE TABLE ops.login_throttle (
    username        TEXT NOT NULL,
    client          TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    blocked_until   TEXT NULL,
    CONSTRAINT login_throttle_pkey PRIMARY KEY (username, client)
);

-- Fixed-window request counters (login attempts per client address), shared by every server process.
CREATE TABLE ops.rate_counter (
    bucket       TEXT NOT NULL CONSTRAINT rate_counter_pkey PRIMARY KEY,
    window_start TEXT NOT NULL,
    hits         INTEGER NOT NULL
);

-- Login state was working state kept on the account row; it now lives in login_throttle and the
-- security log, so an account row changes only through audited writes.
ALTER TABLE account DROP COLUMN failed_logins;
ALTER TABLE account DROP COLUMN locked_until;
ALTER TABLE account DROP COLUMN last_login_at;

-- Each record's row names the audit entry holding its current state (storage::bound). NULL only for
-- rows written behind the application's back; the upgrade itself binds the rows that exist now.
ALTER TABLE agency ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE account ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE seat ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE company ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE person ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE control_link ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE mine ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE licence ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE permit ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE protected_area ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE credit_entry ADD COLUMN audit_seq INTEGER NULL;
ALTER TABLE share_item ADD COLUMN audit_seq INTEGER NULL;

-- The townships of the county, a managed list (mines name one of them).
CREATE TABLE township (
    township_id INTEGER NOT NULL CONSTRAINT township_pkey PRIMARY KEY,
    name        TEXT NOT NULL CONSTRAINT township_name_key UNIQUE,
    sort_order  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    audit_seq   INTEGER NULL
);

-- Administrative boundaries drawn on the county map: the county's outline and its townships'.
CREATE TABLE boundary (
    boundary_id INTEGER NOT NULL CONSTRAINT boundary_pkey PRIMARY KEY,
    kind        TEXT NOT NULL CONSTRAINT boundary_kind_check CHECK (kind IN ('county', 'township')),
    name        TEXT NOT NULL,
    source      TEXT NULL,
    parcel_json TEXT NOT NULL,
    area_m2     REAL NOT NULL,
    created_at  TEXT NOT NULL,
    audit_seq   INTEGER NULL
);

-- One version per area of data, bumped by every audited write that touches the area, so read caches
-- know what changed (a login or an acknowledgement no longer recomputes the county picture).
CREATE TABLE data_version (
    area    TEXT NOT NULL CONSTRAINT data_version_pkey PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO data_version (area, version) VALUES
    ('organisation', 0), ('accounts', 0), ('registry', 0), ('credit', 0), ('sharing', 0);
