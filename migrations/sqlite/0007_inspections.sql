-- Joint inspections (WORKFLOW.md §1.1–1.2): the annual plan and its versions, the inspector register
-- (enforcement cards, and the companies each inspector must stay away from), the editable checklist
-- templates, the joint inspections and the per-agency inspection acts inside them, each with its
-- officers, its checklist answers and its photos.
-- Same schema in migrations/postgres/0007_inspections.sql.

-- The annual joint-inspection plan, one row per version. A version is drafted and submitted by the
-- office and approved or returned by the county government; an approved version is frozen, and a change
-- is a new version (`supersedes_id`, `reason`) that needs approval again.
CREATE TABLE inspection_plan (
    plan_id            INTEGER NOT NULL CONSTRAINT inspection_plan_pkey PRIMARY KEY,
    year               INTEGER NOT NULL,
    version            INTEGER NOT NULL,
    state              TEXT NOT NULL CONSTRAINT inspection_plan_state_check CHECK (state IN
                           ('draft', 'submitted', 'returned', 'approved', 'superseded')),
    supersedes_id      INTEGER NULL CONSTRAINT inspection_plan_supersedes_fkey REFERENCES inspection_plan (plan_id),
    reason             TEXT NULL,
    comments           TEXT NULL,
    drafted_by         INTEGER NULL,
    drafted_by_label   TEXT NOT NULL,
    drafted_at         TEXT NOT NULL,
    submitted_at       TEXT NULL,
    decided_by         INTEGER NULL,
    decided_by_label   TEXT NULL,
    decided_at         TEXT NULL,
    audit_seq          INTEGER NULL,
    CONSTRAINT inspection_plan_version_key UNIQUE (year, version)
);

-- A planned joint inspection: its quarter, lead and participating agencies, focus and mines. Lists are
-- space-separated codes and ids, checked against the registry when written.
CREATE TABLE plan_item (
    plan_item_id  INTEGER NOT NULL CONSTRAINT plan_item_pkey PRIMARY KEY,
    plan_id       INTEGER NOT NULL CONSTRAINT plan_item_plan_fkey REFERENCES inspection_plan (plan_id),
    quarter       INTEGER NOT NULL CONSTRAINT plan_item_quarter_check CHECK (quarter BETWEEN 1 AND 4),
    title         TEXT NOT NULL,
    lead_agency   TEXT NOT NULL CONSTRAINT plan_item_lead_fkey REFERENCES agency (agency_code),
    agencies      TEXT NOT NULL,
    focus         TEXT NOT NULL,
    mine_ids      TEXT NOT NULL
);
CREATE INDEX plan_item_plan_idx ON plan_item (plan_id);

-- A plan's history: submitted, returned with comments, approved, revised.
CREATE TABLE plan_event (
    plan_event_id INTEGER NOT NULL CONSTRAINT plan_event_pkey PRIMARY KEY,
    plan_id       INTEGER NOT NULL CONSTRAINT plan_event_plan_fkey REFERENCES inspection_plan (plan_id),
    kind          TEXT NOT NULL,
    at            TEXT NOT NULL,
    by_label      TEXT NOT NULL,
    note          TEXT NULL
);
CREATE INDEX plan_event_plan_idx ON plan_event (plan_id);

-- The inspector register: an officer's enforcement card (执法证). Only holders of a valid card inspect.
CREATE TABLE enforcement_card (
    card_id          INTEGER NOT NULL CONSTRAINT enforcement_card_pkey PRIMARY KEY,
    account_id       INTEGER NOT NULL CONSTRAINT enforcement_card_account_fkey REFERENCES account (account_id),
    card_no          TEXT NOT NULL CONSTRAINT enforcement_card_no_key UNIQUE,
    valid_until      TEXT NOT NULL,
    recusals         TEXT NOT NULL,
    registered_by_label TEXT NOT NULL,
    registered_at    TEXT NOT NULL,
    revoked_at       TEXT NULL,
    audit_seq        INTEGER NULL
);
CREATE INDEX enforcement_card_account_idx ON enforcement_card (account_id);

-- The checklist templates, one row per item: per mine type, in order. Editable by the office; an item
-- no longer used is retired (acts keep their own copy of the items they were filled with).
CREATE TABLE checklist_item (
    checklist_item_id INTEGER NOT NULL CONSTRAINT checklist_item_pkey PRIMARY KEY,
    template          TEXT NOT NULL CONSTRAINT checklist_item_template_check CHECK (template IN
                          ('open_pit', 'underground', 'operations', 'illegal')),
    sort_order        INTEGER NOT NULL,
    text              TEXT NOT NULL,
    category          TEXT NOT NULL CONSTRAINT checklist_item_category_fkey REFERENCES finding_category (code),
    retired           INTEGER NOT NULL,
    audit_seq         INTEGER NULL
);
CREATE INDEX checklist_item_template_idx ON checklist_item (template, sort_order);

-- A joint inspection scheduled by the office: the date, the mines and the agencies taking part. It
-- inspects nothing in its own name: each agency's act inside it does.
CREATE TABLE joint_inspection (
    inspection_id     INTEGER NOT NULL CONSTRAINT joint_inspection_pkey PRIMARY KEY,
    plan_item_id      INTEGER NULL CONSTRAINT joint_inspection_plan_item_fkey REFERENCES plan_item (plan_item_id),
    title             TEXT NOT NULL,
    inspect_on        TEXT NOT NULL,
    lead_agency       TEXT NOT NULL CONSTRAINT joint_inspection_lead_fkey REFERENCES agency (agency_code),
    agencies          TEXT NOT NULL,
    mine_ids          TEXT NOT NULL,
    state             TEXT NOT NULL CONSTRAINT joint_inspection_state_check CHECK (state IN ('open', 'closed')),
    created_by_label  TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    closed_at         TEXT NULL,
    audit_seq         INTEGER NULL
);
CREATE INDEX joint_inspection_date_idx ON joint_inspection (inspect_on);

-- One agency's inspection of one mine (a 现场检查笔录), inside a joint inspection.
CREATE TABLE inspection_act (
    act_id             INTEGER NOT NULL CONSTRAINT inspection_act_pkey PRIMARY KEY,
    inspection_id      INTEGER NOT NULL CONSTRAINT inspection_act_inspection_fkey REFERENCES joint_inspection (inspection_id),
    agency_code        TEXT NOT NULL CONSTRAINT inspection_act_agency_fkey REFERENCES agency (agency_code),
    mine_id            INTEGER NOT NULL CONSTRAINT inspection_act_mine_fkey REFERENCES mine (mine_id),
    kind               TEXT NOT NULL CONSTRAINT inspection_act_kind_check CHECK (kind IN ('routine', 'special', 'case')),
    state              TEXT NOT NULL CONSTRAINT inspection_act_state_check CHECK (state IN ('requested', 'approved', 'signed')),
    doc_no             TEXT NULL CONSTRAINT inspection_act_doc_no_key UNIQUE,
    approved_by        INTEGER NULL,
    approved_by_label  TEXT NULL,
    approved_at        TEXT NULL,
    place              TEXT NULL,
    person_on_site     TEXT NULL,
    started_at         TEXT NULL,
    ended_at           TEXT NULL,
    summary            TEXT NULL,
    recorded_by_label  TEXT NULL,
    signed_by_label    TEXT NULL,
    signed_at          TEXT NULL,
    audit_seq          INTEGER NULL,
    CONSTRAINT inspection_act_one_key UNIQUE (inspection_id, agency_code, mine_id)
);
CREATE INDEX inspection_act_agency_idx ON inspection_act (agency_code, mine_id, state);
CREATE INDEX inspection_act_mine_idx ON inspection_act (mine_id);

-- The officers of an act, with their card numbers as they were on the day.
CREATE TABLE act_officer (
    act_officer_id INTEGER NOT NULL CONSTRAINT act_officer_pkey PRIMARY KEY,
    act_id         INTEGER NOT NULL CONSTRAINT act_officer_act_fkey REFERENCES inspection_act (act_id),
    account_id     INTEGER NOT NULL CONSTRAINT act_officer_account_fkey REFERENCES account (account_id),
    name           TEXT NOT NULL,
    card_no        TEXT NOT NULL
);
CREATE INDEX act_officer_act_idx ON act_officer (act_id);

-- The act's checklist: its own copy of the template's items, each answered compliant, problem or not
-- applicable, with a note, and the finding a problem became.
CREATE TABLE act_item (
    act_item_id  INTEGER NOT NULL CONSTRAINT act_item_pkey PRIMARY KEY,
    act_id       INTEGER NOT NULL CONSTRAINT act_item_act_fkey REFERENCES inspection_act (act_id),
    seq          INTEGER NOT NULL,
    text         TEXT NOT NULL,
    category     TEXT NOT NULL,
    result       TEXT NULL CONSTRAINT act_item_result_check CHECK (result IN ('compliant', 'problem', 'not_applicable')),
    note         TEXT NULL,
    finding_id   INTEGER NULL CONSTRAINT act_item_finding_fkey REFERENCES finding (finding_id)
);
CREATE INDEX act_item_act_idx ON act_item (act_id);

-- The act's photos, stored under their SHA-256 in the file store, with where and when the camera says
-- they were taken (`exif`: read, none, or broken — then the position is unknown).
CREATE TABLE act_photo (
    act_photo_id  INTEGER NOT NULL CONSTRAINT act_photo_pkey PRIMARY KEY,
    act_id        INTEGER NOT NULL CONSTRAINT act_photo_act_fkey REFERENCES inspection_act (act_id),
    act_item_id   INTEGER NULL,
    sha256        TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    exif          TEXT NOT NULL CONSTRAINT act_photo_exif_check CHECK (exif IN ('read', 'none', 'broken')),
    taken_at      TEXT NULL,
    lat           REAL NULL,
    lon           REAL NULL,
    added_by_label TEXT NOT NULL,
    added_at      TEXT NOT NULL
);
CREATE INDEX act_photo_act_idx ON act_photo (act_id);

INSERT INTO data_version (area, version) VALUES ('inspections', 0);

-- Tasks of the plan and the acts. SQLite cannot change a CHECK constraint in place, so task (which no
-- table refers to) is rebuilt with its indexes.
ALTER TABLE task RENAME TO task_old;
CREATE TABLE task (
    task_id              INTEGER NOT NULL CONSTRAINT task_pkey PRIMARY KEY,
    kind                 TEXT NOT NULL CONSTRAINT task_kind_check CHECK (kind IN
                             ('finding.rectify', 'finding.verify', 'finding.extension', 'plan.approve', 'plan.revise', 'act.approve', 'act.sign')),
    record_type          TEXT NOT NULL,
    record_id            TEXT NOT NULL,
    mine_id              INTEGER NULL CONSTRAINT task_mine_fkey REFERENCES mine (mine_id),
    title                TEXT NOT NULL,
    assignee_kind        TEXT NOT NULL CONSTRAINT task_assignee_check CHECK (assignee_kind IN
                             ('account', 'agency', 'office', 'role')),
    assignee_account_id  INTEGER NULL CONSTRAINT task_account_fkey REFERENCES account (account_id),
    assignee_role        TEXT NULL,
    agency_code          TEXT NULL CONSTRAINT task_agency_fkey REFERENCES agency (agency_code),
    due_at               TEXT NOT NULL,
    level                INTEGER NOT NULL,
    next_step_at         TEXT NULL,
    escalated_at         TEXT NULL,
    created_at           TEXT NOT NULL,
    closed_at            TEXT NULL,
    closed_by_label      TEXT NULL,
    outcome              TEXT NULL CONSTRAINT task_outcome_check CHECK (outcome IN ('done', 'cancelled', 'reassigned')),
    audit_seq            INTEGER NULL
);
INSERT INTO task SELECT * FROM task_old;
DROP TABLE task_old;
CREATE INDEX task_sweep_idx ON task (next_step_at);
CREATE INDEX task_agency_idx ON task (agency_code, closed_at, due_at);
CREATE INDEX task_account_idx ON task (assignee_account_id, closed_at);
CREATE INDEX task_open_idx ON task (closed_at, level, due_at);
CREATE INDEX task_record_idx ON task (record_type, record_id);
-- Inboxes: the office's and a county role's tasks, and what has climbed to a level, by index.
CREATE INDEX task_assignee_kind_idx ON task (assignee_kind, closed_at, due_at);
CREATE INDEX task_level_idx ON task (level, closed_at);
-- The ledger lists open findings by default: a partial index holds only those, so the list reads a
-- few hundred entries rather than the years of closed ones.
CREATE INDEX finding_open_idx ON finding (deadline_on) WHERE state <> 'closed';
