-- Platform core: agencies, accounts, sessions, organisation seats and their terms, the audit chain.
-- Portable SQL only (DESIGN.md "Storage rules"): no triggers, no extensions. Times are fixed-width UTC
-- text (2026-11-28T08:15:02.123456Z), dates are ISO text, flags are 0/1 integers. The PostgreSQL
-- file of the same name holds the same schema.

CREATE TABLE agency (
    agency_code TEXT NOT NULL CONSTRAINT agency_pkey PRIMARY KEY,
    kind        TEXT NOT NULL CONSTRAINT agency_kind_check CHECK (kind IN ('member', 'coordination')),
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    duty_zh     TEXT NOT NULL,
    duty_en     TEXT NOT NULL,
    sort_order  INTEGER NOT NULL
);

CREATE TABLE account (
    account_id           INTEGER NOT NULL CONSTRAINT account_pkey PRIMARY KEY,
    username             TEXT NOT NULL CONSTRAINT account_username_key UNIQUE,
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL,
    agency_code          TEXT NULL CONSTRAINT account_agency_fkey REFERENCES agency (agency_code),
    status               TEXT NOT NULL CONSTRAINT account_status_check CHECK (status IN ('active', 'disabled')),
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    -- Consecutive failed logins and the lock they earned (domain::account::lock_after_failure).
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT NULL,
    last_login_at        TEXT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX account_agency_idx ON account (agency_code);

-- A session is identified by the SHA-256 of the cookie token, so a copy of the database cannot be
-- used to log in. Sessions are working state, not records a regulator needs: they are deleted on
-- logout and expiry.
CREATE TABLE session (
    session_id   TEXT NOT NULL CONSTRAINT session_pkey PRIMARY KEY,
    account_id   INTEGER NOT NULL CONSTRAINT session_account_fkey REFERENCES account (account_id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX session_account_idx ON session (account_id);
-- For "who is online" on the dashboard and the idle-session sweep.
CREATE INDEX session_last_seen_idx ON session (last_seen_at);

-- A seat in the command centre or the office. Per-agency seats carry their agency.
CREATE TABLE seat (
    seat_id INTEGER NOT NULL CONSTRAINT seat_pkey PRIMARY KEY,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL CONSTRAINT seat_body_check CHECK (body IN ('command', 'office')),
    agency_code TEXT NULL CONSTRAINT seat_agency_fkey REFERENCES agency (agency_code),
    sort_order  INTEGER NOT NULL
);

-- Who held a seat when. A new filing closes the open term (to_on = the day the next term began)
-- and never deletes it. account_id NULL means the seat was left vacant.
CREATE TABLE seat_term (
    seat_term_id INTEGER NOT NULL CONSTRAINT seat_term_pkey PRIMARY KEY,
    seat_id      INTEGER NOT NULL CONSTRAINT seat_term_seat_fkey REFERENCES seat (seat_id),
    account_id       INTEGER NULL CONSTRAINT seat_term_account_fkey REFERENCES account (account_id),
    from_on          TEXT NOT NULL,
    to_on            TEXT NULL,
    filed_by         INTEGER NULL CONSTRAINT seat_term_filed_by_fkey REFERENCES account (account_id),
    filed_by_label   TEXT NOT NULL,
    filed_at         TEXT NOT NULL,
    note             TEXT NULL
);
CREATE INDEX seat_term_seat_idx ON seat_term (seat_id, from_on);

-- The audit chain (domain::audit). seq is assigned by the writer holding the audit_head lock.
CREATE TABLE audit_entry (
    seq              INTEGER NOT NULL CONSTRAINT audit_entry_pkey PRIMARY KEY,
    at               TEXT NOT NULL,
    actor_account_id INTEGER NULL,
    actor_label      TEXT NOT NULL,
    actor_agency     TEXT NULL,
    action           TEXT NOT NULL,
    record_type      TEXT NOT NULL,
    record_id        TEXT NOT NULL,
    before_json      TEXT NULL,
    after_json       TEXT NULL,
    note             TEXT NULL,
    prev_hash        TEXT NOT NULL,
    hash             TEXT NOT NULL
);
CREATE INDEX audit_entry_actor_idx ON audit_entry (actor_account_id, seq);
CREATE INDEX audit_entry_agency_idx ON audit_entry (actor_agency, seq);
CREATE INDEX audit_entry_record_idx ON audit_entry (record_type, record_id, seq);
-- (at, seq): "the first row since T" is one index probe; with timestamps that never go back along
-- the chain (domain::audit::chained_timestamp) it also counts the rows since T by subtraction.
CREATE INDEX audit_entry_at_idx ON audit_entry (at, seq);

-- The head of the chain: one row. Every write transaction updates it first, which serialises
-- writers on both backends (SQLite takes its write lock, PostgreSQL a row lock) so the chain
-- never forks, and lets `audit verify` notice rows cut off the end.
CREATE TABLE audit_head (
    audit_head_id INTEGER NOT NULL CONSTRAINT audit_head_pkey PRIMARY KEY CONSTRAINT audit_head_one_row CHECK (audit_head_id = 1),
    seq           INTEGER NOT NULL,
    hash          TEXT NOT NULL
);
INSERT INTO audit_head (audit_head_id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
