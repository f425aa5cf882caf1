-- 整改台账 — the rectification ledger: findings with their history, the managed list of finding
-- categories, tasks (who must act on which record by when, and how far each has escalated), and the
-- sweep's lease. Same schema in migrations/postgres/0006_ledger.sql (here the lease is working state in
-- the attached `ops` file).

-- What was found, as a managed list seeded from the plan's work content (DOMAIN.md §3). Codes are kept
-- for ever (findings refer to them); a category no longer used is retired, not deleted.
CREATE TABLE finding_category (
    code       TEXT NOT NULL CONSTRAINT finding_category_pkey PRIMARY KEY,
    grp        TEXT NOT NULL CONSTRAINT finding_category_grp_check CHECK (grp IN
                   ('key_links', 'open_pit', 'underground', 'operations', 'illegal', 'other')),
    label_zh   TEXT NOT NULL,
    label_en   TEXT NOT NULL,
    sort_order INTEGER NOT NULL,
    retired    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO finding_category (code, grp, label_zh, label_en, sort_order) VALUES
    ('plan_deviation', 'key_links', '未按开发利用方案开采', 'Mining not as in the development plan', 10),
    ('reclamation', 'key_links', '地质环境恢复治理和土地复垦未落实', 'Restoration and reclamation not done', 20),
    ('safety_facilities', 'key_links', '安全设施不符合要求', 'Safety facilities deficient', 30),
    ('environmental_facilities', 'key_links', '环保设施未落实', 'Environmental facilities missing', 40),
    ('not_top_down', 'open_pit', '未自上而下分台阶开采', 'Not mining top-down in benches', 110),
    ('over_quantity', 'open_pit', '超量开采', 'Over-quantity mining', 120),
    ('out_of_bounds', 'open_pit', '越界开采', 'Out-of-bounds mining', 130),
    ('one_wall', 'open_pit', '半边山、一面墙', 'Half mountain, one wall', 140),
    ('farmland', 'open_pit', '破坏耕地', 'Farmland destroyed', 150),
    ('forest', 'open_pit', '毁坏林地', 'Forest land destroyed', 160),
    ('erosion', 'open_pit', '水土流失', 'Soil erosion', 170),
    ('dust', 'open_pit', '扬尘污染', 'Dust', 180),
    ('wastewater', 'open_pit', '废水外排', 'Wastewater discharged', 190),
    ('waste_rock', 'open_pit', '废石乱堆乱弃', 'Waste rock dumped', 200),
    ('beyond_layers', 'underground', '超层越界开采', 'Mining beyond the licensed layers or boundary', 310),
    ('method_change', 'underground', '擅自改变开拓方式', 'Development method changed without approval', 320),
    ('mine_systems', 'underground', '供电、排水、消防、通风、避险设施不符合要求', 'Power, drainage, fire, ventilation or refuge facilities deficient', 330),
    ('roof_support', 'underground', '顶板支护、安全警示不到位', 'Roof support or safety signs deficient', 340),
    ('tailings', 'underground', '矿井水、废石、尾矿处置不当', 'Mine water, waste rock or tailings mishandled', 350),
    ('explosives', 'operations', '民用爆炸物品购买、运输、流向管理不规范', 'Explosives purchase, transport or flow not controlled', 410),
    ('blasting', 'operations', '爆破作业不安全', 'Unsafe blasting', 420),
    ('overloading', 'operations', '运矿车辆超限超载', 'Overloaded ore trucks', 430),
    ('tax', 'operations', '偷逃税费', 'Taxes or fees evaded', 440),
    ('illegal_trade', 'operations', '非法收购、加工、销售矿产品', 'Illegal purchase, processing or sale of ore', 450),
    ('tailings_pond', 'operations', '违规建设尾矿库', 'Illegal tailings pond', 460),
    ('subcontracting', 'operations', '违法转包、出租矿业权', 'Mining right illegally subcontracted or leased', 470),
    ('borrowed_qualification', 'operations', '借用资质证书', 'Borrowed qualification certificates', 480),
    ('unlicensed', 'illegal', '无证开采', 'Mining without a valid licence', 510),
    ('illegal_exploration', 'illegal', '无证勘查或越界勘查', 'Exploring without a permit or outside the block', 520),
    ('exploration_as_mining', 'illegal', '以探代采', 'Mining with an exploration permit', 530),
    ('unpaid_fees', 'illegal', '未缴纳出让收益或相关费用', 'Transfer revenues or fees unpaid', 540),
    ('other', 'other', '其他', 'Other', 900);

-- A finding: one problem at one mine, the agency answering for its rectification, its deadline and
-- where it stands. `original_deadline_on` is the deadline first set; `deadline_on` the one in force
-- (after extensions); a finding listed for supervision (挂牌督办) also has the supervision deadline
-- `listed_deadline_on`, which does not make a late finding on time. The columns of each step keep who did
-- it and when; the full history is in finding_event and the audit log.
CREATE TABLE finding (
    finding_id            INTEGER NOT NULL CONSTRAINT finding_pkey PRIMARY KEY,
    mine_id               INTEGER NOT NULL CONSTRAINT finding_mine_fkey REFERENCES mine (mine_id),
    source                TEXT NOT NULL CONSTRAINT finding_source_check CHECK (source IN
                              ('joint_inspection', 'agency_inspection', 'monitoring', 'tip_off', 'other')),
    source_ref            TEXT NULL,
    category              TEXT NOT NULL CONSTRAINT finding_category_fkey REFERENCES finding_category (code),
    description           TEXT NOT NULL,
    legal_basis           TEXT NULL,
    severity              TEXT NOT NULL CONSTRAINT finding_severity_check CHECK (severity IN ('general', 'serious', 'major')),
    agency_code           TEXT NOT NULL CONSTRAINT finding_agency_fkey REFERENCES agency (agency_code),
    measures              TEXT NULL,
    found_on              TEXT NOT NULL,
    original_deadline_on  TEXT NOT NULL,
    deadline_on           TEXT NOT NULL,
    state                 TEXT NOT NULL CONSTRAINT finding_state_check CHECK (state IN
                              ('pending', 'rectifying', 'applied', 'reviewing', 'closed')),
    notice_no             TEXT NULL CONSTRAINT finding_notice_no_key UNIQUE,
    notice_issued_at      TEXT NULL,
    recorded_by           INTEGER NULL,
    recorded_by_label     TEXT NOT NULL,
    recorded_at           TEXT NOT NULL,
    evidence_by           INTEGER NULL,
    evidence_by_label     TEXT NULL,
    evidence_at           TEXT NULL,
    evidence_note         TEXT NULL,
    verifier_id           INTEGER NULL,
    verifier_label        TEXT NULL,
    verify_due_on         TEXT NULL,
    verified_at           TEXT NULL,
    verify_opinion        TEXT NULL,
    closed_at             TEXT NULL,
    extension_on          TEXT NULL,
    extension_reason      TEXT NULL,
    listed_at             TEXT NULL,
    listed_reason         TEXT NULL,
    listed_deadline_on    TEXT NULL,
    audit_seq             INTEGER NULL
);
CREATE INDEX finding_state_idx ON finding (state, deadline_on);
CREATE INDEX finding_agency_idx ON finding (agency_code, state);
CREATE INDEX finding_mine_idx ON finding (mine_id);
CREATE INDEX finding_category_idx ON finding (category);
CREATE INDEX finding_found_idx ON finding (found_on);

-- A finding's history: each step, extension request and decision, listing and delisting.
CREATE TABLE finding_event (
    finding_event_id INTEGER NOT NULL CONSTRAINT finding_event_pkey PRIMARY KEY,
    finding_id       INTEGER NOT NULL CONSTRAINT finding_event_finding_fkey REFERENCES finding (finding_id),
    kind             TEXT NOT NULL,
    at               TEXT NOT NULL,
    by_label         TEXT NOT NULL,
    note             TEXT NULL,
    on_date          TEXT NULL
);
CREATE INDEX finding_event_finding_idx ON finding_event (finding_id);

-- A task: who must act (one account; an agency, or a role within it; the office; a role of the
-- county), about which record, by when. `level` is how far it has climbed its ladder
-- (domain::task::Level); `next_step_at` is when the sweep must look at it again, NULL once it is at the
-- top or closed, so the sweep reads only what is due.
CREATE TABLE task (
    task_id              INTEGER NOT NULL CONSTRAINT task_pkey PRIMARY KEY,
    kind                 TEXT NOT NULL CONSTRAINT task_kind_check CHECK (kind IN
                             ('finding.rectify', 'finding.verify', 'finding.extension')),
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
CREATE INDEX task_sweep_idx ON task (next_step_at);
CREATE INDEX task_agency_idx ON task (agency_code, closed_at, due_at);
CREATE INDEX task_account_idx ON task (assignee_account_id, closed_at);
CREATE INDEX task_open_idx ON task (closed_at, level, due_at);
CREATE INDEX task_record_idx ON task (record_type, record_id);

-- Which `serve` process sweeps: the one holding the lease until `expires_at`. Working state.
CREATE TABLE ops.sweep_lease (
    name       TEXT NOT NULL CONSTRAINT sweep_lease_pkey PRIMARY KEY,
    holder     TEXT NULL,
    expires_at TEXT NOT NULL
);
INSERT INTO ops.sweep_lease (name, holder, expires_at) VALUES ('tasks', NULL, '1970-01-01T00:00:00.000000Z');

INSERT INTO data_version (area, version) VALUES ('ledger', 0);
