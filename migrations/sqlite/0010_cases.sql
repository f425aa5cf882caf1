-- 行政处罚 — penalty cases with their team, findings and history, and the tasks of their clocks.
-- Same schema in migrations/postgres/0010_cases.sql.

-- A penalty case (行政处罚案件, WORKFLOW.md §4): one agency's case against the company operating one
-- mine, from 立案 to 结案. The state machine and clocks are domain::penalty's; the columns of each step
-- keep what it recorded, and the history is in case_event and the audit log. The estimate keeps the
-- figures it was computed with (volume, density, unit price), so it can be shown and checked after the
-- price table changes; `appraised_fen` is the legal value from an attached appraisal document. Money
-- is in fen. Penalties are stored as domain::penalty::Penalty's codes ("fine,suspension") and amounts.
CREATE TABLE penalty_case (
    case_id              INTEGER NOT NULL CONSTRAINT penalty_case_pkey PRIMARY KEY,
    case_no              TEXT NOT NULL CONSTRAINT penalty_case_no_key UNIQUE,
    agency_code          TEXT NOT NULL CONSTRAINT penalty_case_agency_fkey REFERENCES agency (agency_code),
    mine_id              INTEGER NOT NULL CONSTRAINT penalty_case_mine_fkey REFERENCES mine (mine_id),
    company_id           INTEGER NOT NULL CONSTRAINT penalty_case_company_fkey REFERENCES company (company_id),
    cause                TEXT NOT NULL,
    major                INTEGER NOT NULL,
    state                TEXT NOT NULL CONSTRAINT penalty_case_state_check CHECK (state IN
                             ('investigating', 'notified', 'hearing', 'reviewing', 'deciding', 'executing', 'closed')),
    filed_on             TEXT NOT NULL,
    decide_by_on         TEXT NOT NULL,
    filed_by_label       TEXT NOT NULL,
    filed_at             TEXT NOT NULL,
    volume_m3            REAL NULL,
    mineral              TEXT NULL,
    density_t_m3         REAL NULL,
    price_fen_t          INTEGER NULL,
    estimated_fen        INTEGER NULL,
    estimate_basis       TEXT NULL,
    appraised_fen        INTEGER NULL,
    appraisal_note       TEXT NULL,
    facts                TEXT NULL,
    evidence             TEXT NULL,
    legal_basis          TEXT NULL,
    notice_no            TEXT NULL CONSTRAINT penalty_case_notice_no_key UNIQUE,
    served_on            TEXT NULL,
    defence_ends_on      TEXT NULL,
    proposed_kinds       TEXT NULL,
    proposed_fine_fen    INTEGER NULL,
    proposed_gains_fen   INTEGER NULL,
    statement            TEXT NULL,
    waived               INTEGER NULL,
    hearing_requested    INTEGER NULL,
    hearing_on           TEXT NULL,
    hearing_host_id      INTEGER NULL,
    hearing_host_label   TEXT NULL,
    hearing_record       TEXT NULL,
    reviewer_id          INTEGER NULL,
    reviewer_label       TEXT NULL,
    review_opinion       TEXT NULL,
    reviewed_at          TEXT NULL,
    decision_no          TEXT NULL CONSTRAINT penalty_case_decision_no_key UNIQUE,
    decided_on           TEXT NULL,
    decided_by_label     TEXT NULL,
    penalty_kinds        TEXT NULL,
    fine_fen             INTEGER NULL,
    gains_fen            INTEGER NULL,
    payment_due_on       TEXT NULL,
    execution            TEXT NULL,
    paid_fen             INTEGER NULL,
    closed_on            TEXT NULL,
    closed_by_label      TEXT NULL,
    audit_seq            INTEGER NULL
);
CREATE INDEX penalty_case_agency_idx ON penalty_case (agency_code, state);
CREATE INDEX penalty_case_mine_idx ON penalty_case (mine_id);
CREATE INDEX penalty_case_company_idx ON penalty_case (company_id);
CREATE INDEX penalty_case_open_idx ON penalty_case (decide_by_on) WHERE state <> 'closed';

-- The case team (≥ 2 officers with enforcement cards valid on the filing day, 行政处罚法 Art. 42), with
-- the card each held.
CREATE TABLE case_officer (
    case_officer_id INTEGER NOT NULL CONSTRAINT case_officer_pkey PRIMARY KEY,
    case_id         INTEGER NOT NULL CONSTRAINT case_officer_case_fkey REFERENCES penalty_case (case_id),
    account_id      INTEGER NOT NULL CONSTRAINT case_officer_account_fkey REFERENCES account (account_id),
    name            TEXT NOT NULL,
    card_no         TEXT NOT NULL,
    CONSTRAINT case_officer_key UNIQUE (case_id, account_id)
);

-- The findings a case is about.
CREATE TABLE case_finding (
    case_finding_id INTEGER NOT NULL CONSTRAINT case_finding_pkey PRIMARY KEY,
    case_id         INTEGER NOT NULL CONSTRAINT case_finding_case_fkey REFERENCES penalty_case (case_id),
    finding_id      INTEGER NOT NULL CONSTRAINT case_finding_finding_fkey REFERENCES finding (finding_id),
    CONSTRAINT case_finding_key UNIQUE (case_id, finding_id)
);
CREATE INDEX case_finding_finding_idx ON case_finding (finding_id);

-- A case's history.
CREATE TABLE case_event (
    case_event_id INTEGER NOT NULL CONSTRAINT case_event_pkey PRIMARY KEY,
    case_id       INTEGER NOT NULL CONSTRAINT case_event_case_fkey REFERENCES penalty_case (case_id),
    kind          TEXT NOT NULL,
    at            TEXT NOT NULL,
    by_label      TEXT NOT NULL,
    note          TEXT NULL,
    on_date       TEXT NULL
);
CREATE INDEX case_event_case_idx ON case_event (case_id);

INSERT INTO data_version (area, version) VALUES ('enforcement', 0);

-- The tasks of the case clocks. SQLite cannot change a CHECK constraint in place, so task (which no
-- table refers to) is rebuilt with its indexes, those of 0007 and 0009 included.
ALTER TABLE task RENAME TO task_old;
CREATE TABLE task (
    task_id              INTEGER NOT NULL CONSTRAINT task_pkey PRIMARY KEY,
    kind                 TEXT NOT NULL CONSTRAINT task_kind_check CHECK (kind IN
                             ('finding.rectify', 'finding.verify', 'finding.extension', 'plan.approve', 'plan.revise', 'act.approve', 'act.sign', 'case.decide', 'case.defence', 'case.hearing', 'case.review', 'case.execute')),
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
CREATE INDEX task_assignee_kind_idx ON task (assignee_kind, closed_at, due_at);
CREATE INDEX task_level_idx ON task (level, closed_at);
CREATE INDEX task_open_account_idx ON task (assignee_account_id, due_at, task_id) WHERE closed_at IS NULL;
CREATE INDEX task_open_agency_idx ON task (agency_code, due_at, task_id) WHERE closed_at IS NULL;
