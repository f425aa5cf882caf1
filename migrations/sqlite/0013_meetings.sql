-- 会商 — consultations with their attendance, agenda and decisions, and the decisions' tasks.
-- Same schema in migrations/postgres/0013_meetings.sql.

-- A consultation (会商/联席会议, WORKFLOW.md §6) convened by the office: its kind, title, day and place,
-- its minutes once issued (印发纪要, numbered `联席会议纪要〔year〕n号`). Rules are domain::meeting's.
CREATE TABLE meeting (
    meeting_id         INTEGER NOT NULL CONSTRAINT meeting_pkey PRIMARY KEY,
    kind               TEXT NOT NULL CONSTRAINT meeting_kind_check CHECK (kind IN ('annual', 'emergency', 'special', 'assigned')),
    title              TEXT NOT NULL,
    held_on            TEXT NOT NULL,
    place              TEXT NOT NULL,
    chair              TEXT NOT NULL,
    state              TEXT NOT NULL CONSTRAINT meeting_state_check CHECK (state IN ('convened', 'issued')),
    convened_by_label  TEXT NOT NULL,
    convened_at        TEXT NOT NULL,
    minutes_no         TEXT NULL CONSTRAINT meeting_minutes_no_key UNIQUE,
    minutes            TEXT NULL,
    issued_by_label    TEXT NULL,
    issued_at          TEXT NULL,
    audit_seq          INTEGER NULL
);
CREATE INDEX meeting_held_idx ON meeting (held_on);

-- The agencies invited, each with who sat for it and how it attended (for the yearly assessment).
CREATE TABLE meeting_attendee (
    meeting_attendee_id INTEGER NOT NULL CONSTRAINT meeting_attendee_pkey PRIMARY KEY,
    meeting_id          INTEGER NOT NULL CONSTRAINT meeting_attendee_meeting_fkey REFERENCES meeting (meeting_id),
    agency_code         TEXT NOT NULL CONSTRAINT meeting_attendee_agency_fkey REFERENCES agency (agency_code),
    presence            TEXT NOT NULL CONSTRAINT meeting_attendee_presence_check CHECK (presence IN
                            ('invited', 'present', 'delegated', 'excused', 'absent')),
    person              TEXT NULL,
    CONSTRAINT meeting_attendee_key UNIQUE (meeting_id, agency_code)
);
CREATE INDEX meeting_attendee_agency_idx ON meeting_attendee (agency_code);

-- The agenda: what was discussed, linked to a mine, a finding or a case when it is about one.
CREATE TABLE meeting_item (
    meeting_item_id INTEGER NOT NULL CONSTRAINT meeting_item_pkey PRIMARY KEY,
    meeting_id      INTEGER NOT NULL CONSTRAINT meeting_item_meeting_fkey REFERENCES meeting (meeting_id),
    title           TEXT NOT NULL,
    discussion      TEXT NULL,
    mine_id         INTEGER NULL CONSTRAINT meeting_item_mine_fkey REFERENCES mine (mine_id),
    finding_id      INTEGER NULL CONSTRAINT meeting_item_finding_fkey REFERENCES finding (finding_id),
    case_id         INTEGER NULL CONSTRAINT meeting_item_case_fkey REFERENCES penalty_case (case_id)
);
CREATE INDEX meeting_item_meeting_idx ON meeting_item (meeting_id);

-- A decision of a consultation: one owner agency, a deadline, followed as a task until the owner
-- reports it done.
CREATE TABLE meeting_decision (
    decision_id     INTEGER NOT NULL CONSTRAINT meeting_decision_pkey PRIMARY KEY,
    meeting_id      INTEGER NOT NULL CONSTRAINT meeting_decision_meeting_fkey REFERENCES meeting (meeting_id),
    seq             INTEGER NOT NULL,
    text            TEXT NOT NULL,
    agency_code     TEXT NOT NULL CONSTRAINT meeting_decision_agency_fkey REFERENCES agency (agency_code),
    due_on          TEXT NOT NULL,
    done_at         TEXT NULL,
    done_by_label   TEXT NULL,
    done_note       TEXT NULL,
    audit_seq       INTEGER NULL,
    CONSTRAINT meeting_decision_key UNIQUE (meeting_id, seq)
);
CREATE INDEX meeting_decision_agency_idx ON meeting_decision (agency_code, done_at);

-- The decisions' tasks. SQLite cannot change a CHECK constraint in place, so task (which
-- no table refers to) is rebuilt with all its indexes.
ALTER TABLE task RENAME TO task_old;
CREATE TABLE task (
    task_id              INTEGER NOT NULL CONSTRAINT task_pkey PRIMARY KEY,
    kind                 TEXT NOT NULL CONSTRAINT task_kind_check CHECK (kind IN
                             ('finding.rectify', 'finding.verify', 'finding.extension', 'plan.approve', 'plan.revise', 'act.approve', 'act.sign', 'case.decide', 'case.defence', 'case.hearing', 'case.review', 'case.execute', 'measure.confirm', 'referral.decide', 'referral.transfer', 'referral.acknowledge', 'referral.file', 'referral.ask', 'referral.explain', 'referral.hand_over', 'opinion.answer', 'flag.dispose', 'meeting.decision')),
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
