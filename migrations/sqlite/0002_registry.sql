-- Registry: companies, mines, mining/exploration licences with their boundaries and history, the
-- permits of every agency, and protected areas. Same schema in migrations/postgres/0002_registry.sql.
-- Dates are ISO text (YYYY-MM-DD), so text order is date order; areas in m²; nothing is deleted —
-- licences are cancelled and permits revoked.

CREATE TABLE company (
    company_id   INTEGER NOT NULL CONSTRAINT company_pkey PRIMARY KEY,
    -- 统一社会信用代码, checked by domain::company::CreditCode before it gets here.
    credit_code  TEXT NOT NULL CONSTRAINT company_credit_code_key UNIQUE,
    name         TEXT NOT NULL,
    legal_rep    TEXT NOT NULL,
    address      TEXT NULL,
    phone        TEXT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX company_name_idx ON company (name);

CREATE TABLE mine (
    mine_id      INTEGER NOT NULL CONSTRAINT mine_pkey PRIMARY KEY,
    -- Mine names are how spreadsheets refer to mines, so they are unique.
    name         TEXT NOT NULL CONSTRAINT mine_name_key UNIQUE,
    township     TEXT NOT NULL,
    mineral      TEXT NOT NULL,
    method       TEXT NOT NULL CONSTRAINT mine_method_check CHECK (method IN ('open_pit', 'underground')),
    status       TEXT NOT NULL CONSTRAINT mine_status_check CHECK (status IN ('preparing', 'producing', 'suspended', 'closed')),
    company_id   INTEGER NOT NULL CONSTRAINT mine_company_fkey REFERENCES company (company_id),
    -- 分片区包干: the agency answering for the mine's area, and its paired supervisor (督导员).
    area_agency_code TEXT NULL CONSTRAINT mine_area_agency_fkey REFERENCES agency (agency_code),
    supervisor   TEXT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX mine_township_idx ON mine (township, name);
CREATE INDEX mine_status_idx ON mine (status, name);
CREATE INDEX mine_company_idx ON mine (company_id);

CREATE TABLE licence (
    licence_id        INTEGER NOT NULL CONSTRAINT licence_pkey PRIMARY KEY,
    licence_no        TEXT NOT NULL CONSTRAINT licence_no_key UNIQUE,
    kind              TEXT NOT NULL CONSTRAINT licence_kind_check CHECK (kind IN ('mining', 'exploration')),
    mine_id           INTEGER NOT NULL CONSTRAINT licence_mine_fkey REFERENCES mine (mine_id),
    holder_company_id INTEGER NOT NULL CONSTRAINT licence_holder_fkey REFERENCES company (company_id),
    mineral           TEXT NOT NULL,
    method            TEXT NOT NULL,
    scale             REAL NULL,
    scale_unit        TEXT NULL,
    declared_area_m2  REAL NOT NULL,
    -- Computed from the boundary on the ellipsoid (spatial::parcel); the planar area beside it.
    area_m2           REAL NOT NULL,
    planar_area_m2    REAL NOT NULL,
    valid_from        TEXT NOT NULL,
    valid_to          TEXT NOT NULL,
    state             TEXT NOT NULL CONSTRAINT licence_state_check CHECK (state IN ('active', 'cancelled')),
    -- The corner points as entered, and the parsed parcel (JSON of spatial::parcel::Parcel).
    boundary_text     TEXT NOT NULL,
    parcel_json       TEXT NOT NULL,
    zone              INTEGER NOT NULL,
    elevation_top_m   REAL NULL,
    elevation_floor_m REAL NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX licence_mine_idx ON licence (mine_id);
CREATE INDEX licence_holder_idx ON licence (holder_company_id);

-- 新立/延续/变更/注销.
CREATE TABLE licence_event (
    licence_event_id INTEGER NOT NULL CONSTRAINT licence_event_pkey PRIMARY KEY,
    licence_id       INTEGER NOT NULL CONSTRAINT licence_event_licence_fkey REFERENCES licence (licence_id),
    kind             TEXT NOT NULL CONSTRAINT licence_event_kind_check CHECK (kind IN ('granted', 'extended', 'changed', 'cancelled')),
    on_date          TEXT NOT NULL,
    note             TEXT NULL,
    recorded_at      TEXT NOT NULL
);
CREATE INDEX licence_event_licence_idx ON licence_event (licence_id, on_date);

CREATE TABLE permit (
    permit_id         INTEGER NOT NULL CONSTRAINT permit_pkey PRIMARY KEY,
    kind              TEXT NOT NULL,
    permit_no         TEXT NOT NULL,
    -- The issuing agency (domain::permit::PermitKind::issuing_agency); the policy lets only it change
    -- the permit.
    agency_code       TEXT NOT NULL CONSTRAINT permit_agency_fkey REFERENCES agency (agency_code),
    holder_company_id INTEGER NOT NULL CONSTRAINT permit_holder_fkey REFERENCES company (company_id),
    mine_id           INTEGER NOT NULL CONSTRAINT permit_mine_fkey REFERENCES mine (mine_id),
    valid_from        TEXT NOT NULL,
    valid_to          TEXT NOT NULL,
    scope             TEXT NULL,
    state             TEXT NOT NULL CONSTRAINT permit_state_check CHECK (state IN ('active', 'revoked', 'suspended')),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CONSTRAINT permit_kind_no_key UNIQUE (kind, permit_no)
);
CREATE INDEX permit_mine_idx ON permit (mine_id, state, valid_to);
CREATE INDEX permit_valid_to_idx ON permit (state, valid_to);
-- The permit list is ordered by end date (soonest first).
CREATE INDEX permit_order_idx ON permit (valid_to, permit_id);
CREATE INDEX permit_agency_idx ON permit (agency_code, valid_to);

-- Nature reserves, ecological red lines, forest land, basic farmland, wetlands.
CREATE TABLE protected_area (
    protected_area_id INTEGER NOT NULL CONSTRAINT protected_area_pkey PRIMARY KEY,
    kind              TEXT NOT NULL CONSTRAINT protected_area_kind_check CHECK (kind IN ('reserve', 'red_line', 'forest', 'farmland', 'wetland')),
    name              TEXT NOT NULL,
    source            TEXT NULL,
    parcel_json       TEXT NOT NULL,
    area_m2           REAL NOT NULL,
    created_at        TEXT NOT NULL
);
