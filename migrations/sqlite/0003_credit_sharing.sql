-- People behind companies (control links), the joint-punishment credit list (联合惩戒名单), the
-- information-sharing feed (信息共享) with its acknowledgements, and attachments. Same schema in
-- migrations/postgres/0003_credit_sharing.sql.

CREATE TABLE person (
    person_id  INTEGER NOT NULL CONSTRAINT person_pkey PRIMARY KEY,
    name       TEXT NOT NULL,
    -- 身份证号; people are matched by it when given (two people may share a name).
    id_number  TEXT NULL CONSTRAINT person_id_number_key UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX person_name_idx ON person (name);

-- Who stands behind a company: legal representative, actual controller, shareholder.
CREATE TABLE control_link (
    control_link_id INTEGER NOT NULL CONSTRAINT control_link_pkey PRIMARY KEY,
    company_id      INTEGER NOT NULL CONSTRAINT control_link_company_fkey REFERENCES company (company_id),
    person_id       INTEGER NOT NULL CONSTRAINT control_link_person_fkey REFERENCES person (person_id),
    role            TEXT NOT NULL CONSTRAINT control_link_role_check CHECK (role IN ('legal_rep', 'controller', 'shareholder')),
    share_percent   REAL NULL,
    created_at      TEXT NOT NULL,
    CONSTRAINT control_link_key UNIQUE (company_id, person_id, role)
);
CREATE INDEX control_link_person_idx ON control_link (person_id);

-- An entry of the credit list, about a company or a person. Entries are lifted, never deleted.
CREATE TABLE credit_entry (
    credit_entry_id    INTEGER NOT NULL CONSTRAINT credit_entry_pkey PRIMARY KEY,
    company_id         INTEGER NULL CONSTRAINT credit_entry_company_fkey REFERENCES company (company_id),
    person_id          INTEGER NULL CONSTRAINT credit_entry_person_fkey REFERENCES person (person_id),
    reason             TEXT NOT NULL,
    source_agency_code TEXT NOT NULL CONSTRAINT credit_entry_agency_fkey REFERENCES agency (agency_code),
    from_on            TEXT NOT NULL,
    to_on              TEXT NULL,
    status             TEXT NOT NULL CONSTRAINT credit_entry_status_check CHECK (status IN ('active', 'lifted')),
    created_at         TEXT NOT NULL,
    CONSTRAINT credit_entry_subject_check CHECK ((company_id IS NULL) <> (person_id IS NULL))
);
CREATE INDEX credit_entry_company_idx ON credit_entry (company_id);
CREATE INDEX credit_entry_person_idx ON credit_entry (person_id);

-- An item of the sharing feed: an approval, a revocation, a case lead or a disposal result, posted by
-- an agency (or by the platform when a permit or licence changes) to the office and chosen agencies.
CREATE TABLE share_item (
    share_item_id    INTEGER NOT NULL CONSTRAINT share_item_pkey PRIMARY KEY,
    kind             TEXT NOT NULL CONSTRAINT share_item_kind_check CHECK (kind IN ('approval', 'revocation', 'lead', 'disposal')),
    title            TEXT NOT NULL,
    body             TEXT NULL,
    from_agency_code TEXT NULL,
    posted_by_label  TEXT NOT NULL,
    posted_at        TEXT NOT NULL,
    -- Recipients should acknowledge by then; later, the item is shown as overdue.
    ack_due_at       TEXT NOT NULL,
    mine_id          INTEGER NULL CONSTRAINT share_item_mine_fkey REFERENCES mine (mine_id),
    record_type      TEXT NULL,
    record_id        TEXT NULL
);
CREATE INDEX share_item_posted_idx ON share_item (posted_at);

-- One recipient of an item: an agency code, or 'office' for the supervision office.
CREATE TABLE share_recipient (
    share_item_id     INTEGER NOT NULL CONSTRAINT share_recipient_item_fkey REFERENCES share_item (share_item_id),
    recipient         TEXT NOT NULL,
    acknowledged_at   TEXT NULL,
    acknowledged_by   TEXT NULL,
    CONSTRAINT share_recipient_pkey PRIMARY KEY (share_item_id, recipient)
);
CREATE INDEX share_recipient_open_idx ON share_recipient (recipient, acknowledged_at);

-- Files attached to records (a permit's scanned certificate). The bytes live in the content-addressed
-- file store under their SHA-256; the row keeps the name it was uploaded under.
CREATE TABLE attachment (
    attachment_id     INTEGER NOT NULL CONSTRAINT attachment_pkey PRIMARY KEY,
    record_type       TEXT NOT NULL,
    record_id         TEXT NOT NULL,
    file_name         TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    size_bytes        INTEGER NOT NULL,
    sha256            TEXT NOT NULL,
    uploaded_by_label TEXT NOT NULL,
    uploaded_at       TEXT NOT NULL
);
CREATE INDEX attachment_record_idx ON attachment (record_type, record_id);
