//! 许可证 — the permits of every agency, per mine, with their attachments (part of the permit's record).

use crate::bound::{Key, Value, PERMIT};
use crate::write::NewRecord;
use crate::{date_text, get, get_code, get_date, get_opt_date, like_pattern, Conn, Page, Result, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::permit::{PermitKind, PermitState};
use orewatch_domain::policy::Scope;
use orewatch_domain::{AgencyCode, CompanyId, MineId, PermitId};

/// A stored permit with its holder's and mine's names.
#[derive(Debug, Clone, PartialEq)]
pub struct Permit {
    pub id: PermitId,
    pub kind: PermitKind,
    pub permit_no: String,
    pub agency: AgencyCode,
    pub holder_company_id: CompanyId,
    pub holder_name: String,
    pub mine_id: MineId,
    pub mine_name: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub scope: Option<String>,
    pub state: PermitState,
}

/// A permit's fields (validated by the use case).
#[derive(Debug, Clone)]
pub struct PermitFields<'a> {
    pub kind: PermitKind,
    pub permit_no: &'a str,
    pub agency: &'a AgencyCode,
    pub holder_company_id: CompanyId,
    pub mine_id: MineId,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub scope: Option<&'a str>,
    pub state: PermitState,
}

impl PermitFields<'_> {
    fn values(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("kind", self.kind.as_str().into()),
            ("permit_no", self.permit_no.into()),
            ("agency_code", self.agency.as_str().into()),
            ("holder_company_id", self.holder_company_id.0.into()),
            ("mine_id", self.mine_id.0.into()),
            ("valid_from", date_text(self.valid_from).into()),
            ("valid_to", date_text(self.valid_to).into()),
            ("scope", self.scope.into()),
            ("state", self.state.as_str().into()),
        ]
    }

    pub fn new_record(&self, now: DateTime<Utc>) -> NewRecord {
        let at = format_timestamp(now);
        let mut values = self.values();
        values.push(("created_at", at.clone().into()));
        values.push(("updated_at", at.into()));
        NewRecord {
            values,
            children: vec![Vec::new()],
        }
    }
}

/// Filters of the permit list.
#[derive(Debug, Clone, Default)]
pub struct PermitFilter {
    /// In the number, the holder's or the mine's name.
    pub text: Option<String>,
    pub kind: Option<PermitKind>,
    pub agency: Option<AgencyCode>,
    /// A state, with a `valid_from`/`valid_to` range (inclusive) for the date-derived statuses
    /// (domain::permit::PermitStatus::date_filter).
    pub state: Option<PermitState>,
    pub valid_from_after: Option<NaiveDate>,
    pub valid_from_until: Option<NaiveDate>,
    pub valid_to_from: Option<NaiveDate>,
    pub valid_to_until: Option<NaiveDate>,
    pub order: PermitOrder,
    pub limit: i64,
    pub offset: i64,
}

/// How the permit list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PermitOrder {
    /// Soonest end first.
    #[default]
    ValidTo,
    ValidToDesc,
    Number,
    Holder,
    Mine,
}

const SELECT: &str = "SELECT p.permit_id, p.kind, p.permit_no, p.agency_code, p.holder_company_id, \
    c.name AS holder_name, p.mine_id, m.name AS mine_name, p.valid_from, p.valid_to, p.scope, p.state \
    FROM permit p JOIN company c ON c.company_id = p.holder_company_id JOIN mine m ON m.mine_id = p.mine_id";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Permit> {
    Ok(Permit {
        id: PermitId(get(row, "permit_id")?),
        kind: get_code(row, "kind", PermitKind::parse)?,
        permit_no: get(row, "permit_no")?,
        agency: get_code(row, "agency_code", AgencyCode::parse)?,
        holder_company_id: CompanyId(get(row, "holder_company_id")?),
        holder_name: get(row, "holder_name")?,
        mine_id: MineId(get(row, "mine_id")?),
        mine_name: get(row, "mine_name")?,
        valid_from: get_date(row, "valid_from")?,
        valid_to: get_date(row, "valid_to")?,
        scope: get(row, "scope")?,
        state: get_code(row, "state", PermitState::parse)?,
    })
}

pub async fn insert(tx: &mut WriteTx, p: &PermitFields<'_>) -> Result<PermitId> {
    let record = p.new_record(tx.now());
    let key = tx.insert(&PERMIT, &record.values).await?;
    key.id(PermitId)
}

/// Inserts many permits at once, each with its audit entry; ids in order.
pub async fn insert_many(
    tx: &mut WriteTx,
    permits: &[PermitFields<'_>],
    note: Option<&str>,
) -> Result<Vec<PermitId>> {
    let now = tx.now();
    let records = permits.iter().map(|p| p.new_record(now)).collect();
    let keys = tx
        .insert_records(&PERMIT, records, orewatch_domain::AuditAction::PermitCreate, note)
        .await?;
    keys.iter().map(|k| k.id(PermitId)).collect()
}

/// Changes every field of a permit (an import that updates by kind and number).
pub async fn update_fields(tx: &mut WriteTx, id: PermitId, p: &PermitFields<'_>) -> Result<()> {
    let mut values = p.values();
    values.push(("updated_at", format_timestamp(tx.now()).into()));
    tx.update(&PERMIT, &Key::Int(id.0), &values).await?;
    Ok(())
}

pub async fn find(conn: &mut Conn, id: PermitId) -> Result<Option<Permit>> {
    let row = sqlx::query(&format!("{SELECT} WHERE p.permit_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Changes a permit's state (revoke, suspend, reinstate) or validity (renewal).
pub async fn update(tx: &mut WriteTx, id: PermitId, state: PermitState, valid_to: NaiveDate) -> Result<u64> {
    let now = format_timestamp(tx.now());
    tx.update(
        &PERMIT,
        &Key::Int(id.0),
        &[
            ("state", state.as_str().into()),
            ("valid_to", date_text(valid_to).into()),
            ("updated_at", now.into()),
        ],
    )
    .await
}

/// Every (kind, number) pair with its id (for checking an import for duplicates in one read).
pub async fn all_keys(conn: &mut Conn) -> Result<Vec<(PermitId, PermitKind, String)>> {
    let rows = sqlx::query("SELECT permit_id, kind, permit_no FROM permit")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                PermitId(get(r, "permit_id")?),
                get_code(r, "kind", PermitKind::parse)?,
                get(r, "permit_no")?,
            ))
        })
        .collect()
}

/// A mine's permits by kind and expiry.
pub async fn for_mine(conn: &mut Conn, mine_id: MineId) -> Result<Vec<Permit>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE p.mine_id = $1 ORDER BY p.kind, p.valid_to DESC, p.permit_id"
    ))
    .bind(mine_id.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Per mine: the latest end date among active permits of one kind in force on `today` (started), the
/// earliest end date among all active started permits, and how many permits it has. One row per mine
/// with permits (a GROUP BY, so a county's tens of thousands of permits never cross the wire).
#[derive(Debug, Clone, PartialEq)]
pub struct MinePermitSummary {
    pub mine_id: MineId,
    pub kind_valid_to: Option<NaiveDate>,
    /// The earliest start among the kind's active permits that have not started yet.
    pub kind_starts_on: Option<NaiveDate>,
    pub next_active_valid_to: Option<NaiveDate>,
    pub count: i64,
}

pub async fn summaries(
    conn: &mut Conn,
    kind: PermitKind,
    today: NaiveDate,
) -> Result<Vec<MinePermitSummary>> {
    let rows = sqlx::query(
        "SELECT mine_id, \
         MAX(CASE WHEN kind = $1 AND state = 'active' AND valid_from <= $2 THEN valid_to END) AS kind_valid_to, \
         MIN(CASE WHEN kind = $1 AND state = 'active' AND valid_from > $2 THEN valid_from END) AS kind_starts_on, \
         MIN(CASE WHEN state = 'active' AND valid_from <= $2 THEN valid_to END) AS next_active_valid_to, \
         COUNT(*) AS permit_count FROM permit GROUP BY mine_id",
    )
    .bind(kind.as_str().to_string())
    .bind(date_text(today))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MinePermitSummary {
                mine_id: MineId(get(r, "mine_id")?),
                kind_valid_to: get_opt_date(r, "kind_valid_to")?,
                kind_starts_on: get_opt_date(r, "kind_starts_on")?,
                next_active_valid_to: get_opt_date(r, "next_active_valid_to")?,
                count: get(r, "permit_count")?,
            })
        })
        .collect()
}

/// Per mine and holder, how many permits (other than revoked ones) the holder has: (mine, company,
/// count).
pub async fn holders(conn: &mut Conn) -> Result<Vec<(MineId, CompanyId, i64)>> {
    let rows = sqlx::query(
        "SELECT mine_id, holder_company_id, COUNT(*) AS permit_count FROM permit \
         WHERE state <> 'revoked' GROUP BY mine_id, holder_company_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                MineId(get(r, "mine_id")?),
                CompanyId(get(r, "holder_company_id")?),
                get(r, "permit_count")?,
            ))
        })
        .collect()
}

/// A page of the permits inside `scope` that pass the filter.
pub async fn list(conn: &mut Conn, scope: &Scope, f: &PermitFilter) -> Result<Page<Permit>> {
    let mut clauses: Vec<String> = Vec::new();
    let mut binds: Vec<Value> = Vec::new();
    let mut add = |sql: &str, value: Value, binds: &mut Vec<Value>| {
        binds.push(value);
        clauses.push(sql.replace('?', &format!("${}", binds.len())));
    };
    match scope {
        Scope::All => {}
        Scope::Agency(code) => add("p.agency_code = ?", code.as_str().into(), &mut binds),
        Scope::Company(id) => add("p.holder_company_id = ?", id.0.into(), &mut binds),
        Scope::AssignedTo(_) | Scope::None => {
            return Ok(Page {
                rows: Vec::new(),
                total: 0,
            })
        }
    }
    if let Some(text) = &f.text {
        add(
            "(p.permit_no LIKE ? ESCAPE '\\' OR c.name LIKE ? ESCAPE '\\' OR m.name LIKE ? ESCAPE '\\')",
            like_pattern(text).into(),
            &mut binds,
        );
    }
    if let Some(kind) = f.kind {
        add("p.kind = ?", kind.as_str().into(), &mut binds);
    }
    if let Some(agency) = &f.agency {
        add("p.agency_code = ?", agency.as_str().into(), &mut binds);
    }
    if let Some(state) = f.state {
        add("p.state = ?", state.as_str().into(), &mut binds);
    }
    if let Some(d) = f.valid_from_after {
        add("p.valid_from > ?", date_text(d).into(), &mut binds);
    }
    if let Some(d) = f.valid_from_until {
        add("p.valid_from <= ?", date_text(d).into(), &mut binds);
    }
    if let Some(from) = f.valid_to_from {
        add("p.valid_to >= ?", date_text(from).into(), &mut binds);
    }
    if let Some(until) = f.valid_to_until {
        add("p.valid_to <= ?", date_text(until).into(), &mut binds);
    }
    let filter = if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    };
    let order = match f.order {
        PermitOrder::ValidTo => "p.valid_to, p.permit_id",
        PermitOrder::ValidToDesc => "p.valid_to DESC, p.permit_id DESC",
        PermitOrder::Number => "p.permit_no, p.permit_id",
        PermitOrder::Holder => "c.name, p.permit_id",
        PermitOrder::Mine => "m.name, p.permit_id",
    };
    let n = binds.len();
    let sql = format!(
        "{SELECT} {filter} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows = crate::bound::bind_values(sqlx::query(&sql), &binds)
        .bind(f.limit)
        .bind(f.offset)
        .fetch_all(&mut *conn)
        .await?;
    // The names are needed only to search them.
    let count_sql = if f.text.is_some() {
        format!(
            "SELECT COUNT(*) FROM permit p JOIN company c ON c.company_id = p.holder_company_id \
             JOIN mine m ON m.mine_id = p.mine_id {filter}"
        )
    } else {
        format!("SELECT COUNT(*) FROM permit p {filter}")
    };
    let count_row = crate::bound::bind_values(sqlx::query(&count_sql), &binds)
        .fetch_one(&mut *conn)
        .await?;
    let total: i64 = sqlx::Row::try_get(&count_row, 0)?;
    Ok(Page {
        rows: rows.iter().map(from_row).collect::<Result<_>>()?,
        total,
    })
}
