-- 行刑衔接 — referrals out of penalty cases, the procuratorate's opinions in, 应移未移 flags, and their tasks.
-- Same schema in migrations/postgres/0012_referrals.sql.

-- A referral of a suspected crime out of a penalty case (涉嫌犯罪案件移送, WORKFLOW.md §5, State Council
-- Order 310): the team's report, the head's decision, the transfer with its five documents (the
-- exported package is kept as an attachment of the referral, with the SHA-256 of its index), and the
-- receiving body's answers. The state machine and clocks are domain::referral's; the answers' texts
-- are in referral_event. `receiver_agency` is the member agency that answers in the platform (public
-- security, another agency); an outside body (the procuratorate, the anti-gang office, the discipline
-- commission) has none, and the case team records its answers.
CREATE TABLE referral (
    referral_id          INTEGER NOT NULL CONSTRAINT referral_pkey PRIMARY KEY,
    case_id              INTEGER NOT NULL CONSTRAINT referral_case_fkey REFERENCES penalty_case (case_id),
    agency_code          TEXT NOT NULL CONSTRAINT referral_agency_fkey REFERENCES agency (agency_code),
    referral_no          TEXT NULL CONSTRAINT referral_no_key UNIQUE,
    receiver_kind        TEXT NOT NULL CONSTRAINT referral_receiver_check CHECK (receiver_kind IN
                             ('ps', 'anti_gang', 'procuratorate', 'discipline', 'agency')),
    receiver_agency      TEXT NULL CONSTRAINT referral_receiver_agency_fkey REFERENCES agency (agency_code),
    receiver_name        TEXT NOT NULL,
    suspected            TEXT NOT NULL,
    report               TEXT NOT NULL,
    team_names           TEXT NOT NULL,
    state                TEXT NOT NULL CONSTRAINT referral_state_check CHECK (state IN
                             ('reported', 'refused', 'approved', 'transferred', 'received', 'declined',
                              'reconsidering', 'supervised', 'filed', 'handed_over', 'concluded', 'dropped')),
    reported_by_label    TEXT NOT NULL,
    reported_at          TEXT NOT NULL,
    decided_by_label     TEXT NULL,
    decided_at           TEXT NULL,
    refusal_reason       TEXT NULL,
    items                TEXT NULL,
    no_appraisal_reason  TEXT NULL,
    transferred_at       TEXT NULL,
    package_sha256       TEXT NULL,
    received_at          TEXT NULL,
    police_case_no       TEXT NULL,
    reconsider_at        TEXT NULL,
    supervise_at         TEXT NULL,
    explained_at         TEXT NULL,
    ordered_on           TEXT NULL,
    filed_on             TEXT NULL,
    handed_over_at       TEXT NULL,
    result               TEXT NULL,
    concluded_at         TEXT NULL,
    audit_seq            INTEGER NULL
);
CREATE INDEX referral_case_idx ON referral (case_id);
CREATE INDEX referral_receiver_idx ON referral (receiver_agency, state);

-- A referral's history: each step with who took it and what it said (the refusal's reasons, the
-- police's decision, the result).
CREATE TABLE referral_event (
    referral_event_id INTEGER NOT NULL CONSTRAINT referral_event_pkey PRIMARY KEY,
    referral_id       INTEGER NOT NULL CONSTRAINT referral_event_referral_fkey REFERENCES referral (referral_id),
    kind              TEXT NOT NULL,
    at                TEXT NOT NULL,
    by_label          TEXT NOT NULL,
    note              TEXT NULL,
    on_date           TEXT NULL
);
CREATE INDEX referral_event_referral_idx ON referral_event (referral_id);

-- A 应移未移 flag (domain::flag): raised once per case and rule, listed and in the office's and the
-- leaders' inboxes until the owning agency's head disposes of it in writing.
CREATE TABLE case_flag (
    flag_id            INTEGER NOT NULL CONSTRAINT case_flag_pkey PRIMARY KEY,
    case_id            INTEGER NOT NULL CONSTRAINT case_flag_case_fkey REFERENCES penalty_case (case_id),
    agency_code        TEXT NOT NULL CONSTRAINT case_flag_agency_fkey REFERENCES agency (agency_code),
    rule               TEXT NOT NULL CONSTRAINT case_flag_rule_check CHECK (rule IN ('value', 'repeat', 'fine_instead')),
    details            TEXT NOT NULL,
    raised_at          TEXT NOT NULL,
    dispose_by_on      TEXT NOT NULL,
    disposed_by_label  TEXT NULL,
    disposed_at        TEXT NULL,
    disposition        TEXT NULL,
    audit_seq          INTEGER NULL,
    CONSTRAINT case_flag_key UNIQUE (case_id, rule)
);
CREATE INDEX case_flag_open_idx ON case_flag (disposed_at, raised_at);

-- A procuratorate's opinion (检察意见) received by an agency — the reverse referral, when the
-- procuratorate drops a criminal case but a penalty is due — and the agency's answer within 2 months.
CREATE TABLE opinion (
    opinion_id         INTEGER NOT NULL CONSTRAINT opinion_pkey PRIMARY KEY,
    agency_code        TEXT NOT NULL CONSTRAINT opinion_agency_fkey REFERENCES agency (agency_code),
    doc_no             TEXT NOT NULL CONSTRAINT opinion_doc_no_key UNIQUE,
    from_body          TEXT NOT NULL,
    mine_id            INTEGER NULL CONSTRAINT opinion_mine_fkey REFERENCES mine (mine_id),
    case_id            INTEGER NULL CONSTRAINT opinion_case_fkey REFERENCES penalty_case (case_id),
    summary            TEXT NOT NULL,
    received_on        TEXT NOT NULL,
    answer_by_on       TEXT NOT NULL,
    recorded_by_label  TEXT NOT NULL,
    answered_on        TEXT NULL,
    answered_by_label  TEXT NULL,
    answer             TEXT NULL,
    audit_seq          INTEGER NULL
);
CREATE INDEX opinion_agency_idx ON opinion (agency_code, answered_on);

-- The referral, opinion and flag tasks. SQLite cannot change a CHECK constraint in place, so task (which
-- no table refers to) is rebuilt with all its indexes.
ALTER TABLE task RENAME TO task_old;
CREATE TABLE task (
    task_id              INTEGER NOT NULL CONSTRAINT task_pkey PRIMARY KEY,
    kind                 TEXT NOT NULL CONSTRAINT task_kind_check CHECK (kind IN
                             ('finding.rectify', 'finding.verify', 'finding.extension', 'plan.approve', 'plan.revise', 'act.approve', 'act.sign', 'case.decide', 'case.defence', 'case.hearing', 'case.review', 'case.execute', 'measure.confirm', 'referral.decide', 'referral.transfer', 'referral.acknowledge', 'referral.file', 'referral.ask', 'referral.explain', 'referral.hand_over', 'opinion.answer', 'flag.dispose')),
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
