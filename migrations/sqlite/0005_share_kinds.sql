-- The sharing feed also carries credit-list entries (kind 'credit'). SQLite cannot change a CHECK
-- constraint in place, so share_item is rebuilt. Its child share_recipient refers to it and foreign keys
-- stay on inside a migration's transaction, so the old table is renamed away first (SQLite then points
-- share_recipient at the old name), the new table is filled, share_recipient is rebuilt to point at it,
-- and the old table, no longer referred to, is dropped. Same result as
-- migrations/postgres/0005_share_kinds.sql.
ALTER TABLE share_item RENAME TO share_item_old;
CREATE TABLE share_item (
    share_item_id    INTEGER NOT NULL CONSTRAINT share_item_pkey PRIMARY KEY,
    kind             TEXT NOT NULL CONSTRAINT share_item_kind_check CHECK (kind IN ('approval', 'revocation', 'lead', 'disposal', 'credit')),
    title            TEXT NOT NULL,
    body             TEXT NULL,
    from_agency_code TEXT NULL,
    posted_by_label  TEXT NOT NULL,
    posted_at        TEXT NOT NULL,
    ack_due_at       TEXT NOT NULL,
    mine_id          INTEGER NULL CONSTRAINT share_item_mine_fkey REFERENCES mine (mine_id),
    record_type      TEXT NULL,
    record_id        TEXT NULL,
    audit_seq        INTEGER NULL
);
INSERT INTO share_item (share_item_id, kind, title, body, from_agency_code, posted_by_label, posted_at,
    ack_due_at, mine_id, record_type, record_id, audit_seq)
SELECT share_item_id, kind, title, body, from_agency_code, posted_by_label, posted_at, ack_due_at, mine_id,
    record_type, record_id, audit_seq FROM share_item_old;
DROP INDEX share_item_posted_idx;
CREATE INDEX share_item_posted_idx ON share_item (posted_at);

CREATE TABLE share_recipient_new (
    share_item_id     INTEGER NOT NULL CONSTRAINT share_recipient_item_fkey REFERENCES share_item (share_item_id),
    recipient         TEXT NOT NULL,
    acknowledged_at   TEXT NULL,
    acknowledged_by   TEXT NULL,
    CONSTRAINT share_recipient_pkey PRIMARY KEY (share_item_id, recipient)
);
INSERT INTO share_recipient_new (share_item_id, recipient, acknowledged_at, acknowledged_by)
SELECT share_item_id, recipient, acknowledged_at, acknowledged_by FROM share_recipient;
DROP TABLE share_recipient;
ALTER TABLE share_recipient_new RENAME TO share_recipient;
CREATE INDEX share_recipient_open_idx ON share_recipient (recipient, acknowledged_at);

DROP TABLE share_item_old;
