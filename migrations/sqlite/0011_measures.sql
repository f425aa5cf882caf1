-- 强制措施 — enforcement measures on penalty cases, and the supplier's confirmation task.
-- Same schema in migrations/postgres/0011_measures.sql.

-- An enforcement measure on a penalty case (WORKFLOW.md §3): the rung of the ladder, the agency that
-- took it, the supplier that carries it out (the power company for a power cut, public security for
-- explosives), its document, when it takes effect (a power cut 24 hours after notice unless an
-- emergency), the supplier's confirmation, and its lifting. A suspension keeps the mine's status before
-- it, to restore when it is lifted. Rules are domain::measure's.
CREATE TABLE enforcement_measure (
    measure_id          INTEGER NOT NULL CONSTRAINT enforcement_measure_pkey PRIMARY KEY,
    case_id             INTEGER NOT NULL CONSTRAINT enforcement_measure_case_fkey REFERENCES penalty_case (case_id),
    mine_id             INTEGER NOT NULL CONSTRAINT enforcement_measure_mine_fkey REFERENCES mine (mine_id),
    kind                TEXT NOT NULL CONSTRAINT enforcement_measure_kind_check CHECK (kind IN
                            ('stop_order', 'suspension', 'power_cut', 'explosives_stop', 'seal', 'revocation')),
    agency_code         TEXT NOT NULL CONSTRAINT enforcement_measure_agency_fkey REFERENCES agency (agency_code),
    supplier_code       TEXT NULL CONSTRAINT enforcement_measure_supplier_fkey REFERENCES agency (agency_code),
    doc_no              TEXT NOT NULL CONSTRAINT enforcement_measure_doc_no_key UNIQUE,
    basis               TEXT NOT NULL,
    items               TEXT NULL,
    emergency           INTEGER NOT NULL,
    state               TEXT NOT NULL CONSTRAINT enforcement_measure_state_check CHECK (state IN ('pending', 'in_force', 'lifted')),
    taken_by_label      TEXT NOT NULL,
    taken_at            TEXT NOT NULL,
    effective_at        TEXT NOT NULL,
    confirmed_by_label  TEXT NULL,
    confirmed_at        TEXT NULL,
    mine_status_before  TEXT NULL,
    lifted_by_label     TEXT NULL,
    lifted_at           TEXT NULL,
    lift_reason         TEXT NULL,
    audit_seq           INTEGER NULL
);
CREATE INDEX enforcement_measure_case_idx ON enforcement_measure (case_id);
CREATE INDEX enforcement_measure_mine_idx ON enforcement_measure (mine_id, state);

-- The supplier's confirmation task. SQLite cannot change a CHECK constraint in place, so task (which
-- no table refers to) is rebuilt with all its indexes.
ALTER TABLE task RENAME TO task_old;
CREATE TABLE task (
    task_id              INTEGER NOT NULL CONSTRAINT task_pkey PRIMARY KEY,
    kind                 TEXT NOT NULL CONSTRAINT task_kind_check CHECK (kind IN
                             ('finding.rectify', 'finding.verify', 'finding.extension', 'plan.approve', 'plan.revise', 'act.approve', 'act.sign', 'case.decide', 'case.defence', 'case.hearing', 'case.review', 'case.execute', 'measure.confirm')),
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
