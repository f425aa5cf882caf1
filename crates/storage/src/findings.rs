//! 整改台账 — findings with their history (part of the finding's record), the managed list of
//! categories, the ledger's filtered list and its quarterly figures.
//!
//! No rule lives here: which step may follow which, what is overdue and who may act are decided in
//! `domain::finding` and the policy; the ledger's "overdue" filter takes the county's date as a
//! parameter.

use crate::bound::{Key, Value, FINDING, FINDING_EVENTS};
use crate::workflow::Repository;
use crate::{
    date_text, get, get_code, get_date, get_opt_date, get_opt_time, get_time, Conn, Page, Result, WriteTx,
};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::finding::{FindingFlow, FindingSource, FindingState, Severity};
use orewatch_domain::policy::Scope;
use orewatch_domain::workflow::Event;
use orewatch_domain::{AccountId, AgencyCode, FindingId, MineId};

/// One category of the managed list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub group: String,
    pub label_zh: String,
    pub label_en: String,
}

/// The categories in use, in their order.
pub async fn categories(conn: &mut Conn) -> Result<Vec<Category>> {
    let rows = sqlx::query(
        "SELECT code, grp, label_zh, label_en FROM finding_category WHERE retired = 0 ORDER BY sort_order",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Category {
                code: get(r, "code")?,
                group: get(r, "grp")?,
                label_zh: get(r, "label_zh")?,
                label_en: get(r, "label_en")?,
            })
        })
        .collect()
}

/// A finding to record.
#[derive(Debug, Clone)]
pub struct NewFinding<'a> {
    pub mine_id: MineId,
    pub source: FindingSource,
    pub source_ref: Option<&'a str>,
    pub category: &'a str,
    pub description: &'a str,
    pub legal_basis: Option<&'a str>,
    pub severity: Severity,
    pub agency: &'a AgencyCode,
    pub measures: Option<&'a str>,
    pub found_on: NaiveDate,
    pub deadline_on: NaiveDate,
    pub recorded_by: Option<AccountId>,
    pub recorded_by_label: &'a str,
}

pub use orewatch_domain::finding::Finding;

/// Records a finding in state 待整改 (the caller audits it); returns its id.
pub async fn insert(tx: &mut WriteTx, f: &NewFinding<'_>) -> Result<FindingId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &FINDING,
            &[
                ("mine_id", f.mine_id.0.into()),
                ("source", f.source.as_str().into()),
                ("source_ref", f.source_ref.into()),
                ("category", f.category.into()),
                ("description", f.description.into()),
                ("legal_basis", f.legal_basis.into()),
                ("severity", f.severity.as_str().into()),
                ("agency_code", f.agency.as_str().into()),
                ("measures", f.measures.into()),
                ("found_on", date_text(f.found_on).into()),
                ("original_deadline_on", date_text(f.deadline_on).into()),
                ("deadline_on", date_text(f.deadline_on).into()),
                ("state", FindingState::Pending.as_str().into()),
                ("notice_no", Value::Null),
                ("notice_issued_at", Value::Null),
                ("recorded_by", f.recorded_by.map(|a| a.0).into()),
                ("recorded_by_label", f.recorded_by_label.into()),
                ("recorded_at", now.into()),
                ("evidence_by", Value::Null),
                ("evidence_by_label", Value::Null),
                ("evidence_at", Value::Null),
                ("evidence_note", Value::Null),
                ("verifier_id", Value::Null),
                ("verifier_label", Value::Null),
                ("verify_due_on", Value::Null),
                ("verified_at", Value::Null),
                ("verify_opinion", Value::Null),
                ("closed_at", Value::Null),
                ("extension_on", Value::Null),
                ("extension_reason", Value::Null),
                ("listed_at", Value::Null),
                ("listed_reason", Value::Null),
                ("listed_deadline_on", Value::Null),
            ],
        )
        .await?;
    key.id(FindingId)
}

/// The columns a step may change, as the finding holds them.
fn step_columns(f: &Finding) -> Vec<(&'static str, Value)> {
    let time = |t: Option<DateTime<Utc>>| Value::from(t.map(format_timestamp));
    let date = |d: Option<NaiveDate>| Value::from(d.map(date_text));
    vec![
        ("deadline_on", date_text(f.deadline_on).into()),
        ("state", f.state.as_str().into()),
        ("notice_no", f.notice_no.as_deref().into()),
        ("notice_issued_at", time(f.notice_issued_at)),
        ("evidence_by", f.evidence_by.map(|a| a.0).into()),
        ("evidence_by_label", f.evidence_by_label.as_deref().into()),
        ("evidence_at", time(f.evidence_at)),
        ("evidence_note", f.evidence_note.as_deref().into()),
        ("verifier_id", f.verifier_id.map(|a| a.0).into()),
        ("verifier_label", f.verifier_label.as_deref().into()),
        ("verify_due_on", date(f.verify_due_on)),
        ("verified_at", time(f.verified_at)),
        ("verify_opinion", f.verify_opinion.as_deref().into()),
        ("closed_at", time(f.closed_at)),
        ("extension_on", date(f.extension_on)),
        ("extension_reason", f.extension_reason.as_deref().into()),
        ("listed_at", time(f.listed_at)),
        ("listed_reason", f.listed_reason.as_deref().into()),
        ("listed_deadline_on", date(f.listed_deadline_on)),
    ]
}

impl Repository for FindingFlow {
    async fn find(conn: &mut Conn, id: FindingId) -> Result<Option<Finding>> {
        find(conn, id).await
    }

    async fn save(tx: &mut WriteTx, f: &Finding) -> Result<()> {
        tx.update(&FINDING, &Key::Int(f.id.0), &step_columns(f)).await?;
        Ok(())
    }

    async fn add_event(tx: &mut WriteTx, id: FindingId, event: &Event, by_label: &str) -> Result<()> {
        crate::add_history(
            tx,
            &FINDING,
            &FINDING_EVENTS,
            id.0,
            event.kind,
            by_label,
            event.note.as_deref(),
            event.on_date,
        )
        .await
    }
}

const SELECT: &str = "SELECT f.finding_id, f.mine_id, m.name AS mine_name, m.township, \
    c.name AS company_name, f.source, f.source_ref, f.category, fc.label_zh AS category_zh, \
    fc.label_en AS category_en, f.description, f.legal_basis, f.severity, f.agency_code, f.measures, \
    f.found_on, f.original_deadline_on, f.deadline_on, f.state, f.notice_no, f.notice_issued_at, \
    f.recorded_by, f.recorded_by_label, f.recorded_at, f.evidence_by, f.evidence_by_label, \
    f.evidence_at, f.evidence_note, f.verifier_id, f.verifier_label, f.verify_due_on, f.verified_at, \
    f.verify_opinion, f.closed_at, f.extension_on, f.extension_reason, f.listed_at, f.listed_reason, f.listed_deadline_on \
    FROM finding f JOIN mine m ON m.mine_id = f.mine_id JOIN company c ON c.company_id = m.company_id \
    JOIN finding_category fc ON fc.code = f.category";

/// The join of a finding to its mine, as the ledger's list writes it: `CROSS JOIN` with the join
/// condition among the filters (and `LEFT JOIN` to the company and category, which always exist) keeps
/// SQLite reading findings first and looking the rest up by key, rather than walking every company's
/// mines' findings (7× slower on 20,000 findings); to PostgreSQL they are the same joins.
const FINDING_MINE: &str = "FROM finding f JOIN mine m ON m.mine_id = f.mine_id";
const FINDING_MINE_LIST: &str = "FROM finding f CROSS JOIN mine m";

fn account(r: &sqlx::any::AnyRow, column: &str) -> Result<Option<AccountId>> {
    Ok(get::<Option<i64>>(r, column)?.map(AccountId))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Finding> {
    Ok(Finding {
        id: FindingId(get(r, "finding_id")?),
        mine_id: MineId(get(r, "mine_id")?),
        mine_name: get(r, "mine_name")?,
        township: get(r, "township")?,
        company_name: get(r, "company_name")?,
        source: get_code(r, "source", FindingSource::parse)?,
        source_ref: get(r, "source_ref")?,
        category: get(r, "category")?,
        category_zh: get(r, "category_zh")?,
        category_en: get(r, "category_en")?,
        description: get(r, "description")?,
        legal_basis: get(r, "legal_basis")?,
        severity: get_code(r, "severity", Severity::parse)?,
        agency: get_code(r, "agency_code", AgencyCode::parse)?,
        measures: get(r, "measures")?,
        found_on: get_date(r, "found_on")?,
        original_deadline_on: get_date(r, "original_deadline_on")?,
        deadline_on: get_date(r, "deadline_on")?,
        state: get_code(r, "state", FindingState::parse)?,
        notice_no: get(r, "notice_no")?,
        notice_issued_at: get_opt_time(r, "notice_issued_at")?,
        recorded_by: account(r, "recorded_by")?,
        recorded_by_label: get(r, "recorded_by_label")?,
        recorded_at: get_time(r, "recorded_at")?,
        evidence_by: account(r, "evidence_by")?,
        evidence_by_label: get(r, "evidence_by_label")?,
        evidence_at: get_opt_time(r, "evidence_at")?,
        evidence_note: get(r, "evidence_note")?,
        verifier_id: account(r, "verifier_id")?,
        verifier_label: get(r, "verifier_label")?,
        verify_due_on: get_opt_date(r, "verify_due_on")?,
        verified_at: get_opt_time(r, "verified_at")?,
        verify_opinion: get(r, "verify_opinion")?,
        closed_at: get_opt_time(r, "closed_at")?,
        extension_on: get_opt_date(r, "extension_on")?,
        extension_reason: get(r, "extension_reason")?,
        listed_at: get_opt_time(r, "listed_at")?,
        listed_reason: get(r, "listed_reason")?,
        listed_deadline_on: get_opt_date(r, "listed_deadline_on")?,
        events: Vec::new(),
    })
}

/// One finding with its history.
pub async fn find(conn: &mut Conn, id: FindingId) -> Result<Option<Finding>> {
    let row = sqlx::query(&format!("{SELECT} WHERE f.finding_id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut finding = from_row(&row)?;
    finding.events = crate::history(conn, &FINDING_EVENTS, id.0).await?;
    Ok(Some(finding))
}

/// Late now, as `domain::finding::is_overdue` decides it: before evidence against the rectification
/// deadline, after it against the verification deadline. `$?` is the county's date.
const OVERDUE: &str = "((f.state IN ('pending', 'rectifying') AND f.deadline_on < $?) \
    OR (f.state IN ('applied', 'reviewing') AND f.verify_due_on < $?))";

/// The mines with a finding late on `today` (the county map's 整改逾期).
pub async fn overdue_mines(conn: &mut Conn, today: NaiveDate) -> Result<Vec<MineId>> {
    let sql = format!(
        "SELECT DISTINCT f.mine_id FROM finding f WHERE {}",
        OVERDUE.replace("$?", "$1")
    );
    let ids: Vec<i64> = sqlx::query_scalar(&sql)
        .bind(date_text(today))
        .fetch_all(conn)
        .await?;
    Ok(ids.into_iter().map(MineId).collect())
}

/// The ledger's filters; empty ones do not filter.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub agency: Option<AgencyCode>,
    pub township: Option<String>,
    pub category: Option<String>,
    pub state: Option<FindingState>,
    pub source: Option<FindingSource>,
    pub mine: Option<MineId>,
    /// Open and past the deadline, counted from `today`.
    pub overdue: bool,
    pub listed: bool,
    /// Closed ones too (by default the ledger shows what is still open).
    pub include_closed: bool,
}

/// Findings inside `scope` that pass `filter`; overdue ones first, then by deadline.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &LedgerFilter,
    today: NaiveDate,
    limit: i64,
    offset: i64,
) -> Result<Page<Finding>> {
    let mut conditions: Vec<String> = Vec::new();
    let mut binds: Vec<Value> = Vec::new();
    let mut bind = |conditions: &mut Vec<String>, sql: &str, value: Value| {
        binds.push(value);
        conditions.push(sql.replace("$?", &format!("${}", binds.len())));
    };
    match scope {
        Scope::All => {}
        Scope::Agency(code) => bind(&mut conditions, "f.agency_code = $?", code.as_str().into()),
        Scope::Company(_) | Scope::AssignedTo(_) | Scope::None => {
            return Ok(Page {
                rows: Vec::new(),
                total: 0,
            })
        }
    }
    if let Some(agency) = &filter.agency {
        bind(&mut conditions, "f.agency_code = $?", agency.as_str().into());
    }
    if let Some(township) = &filter.township {
        bind(&mut conditions, "m.township = $?", township.as_str().into());
    }
    if let Some(category) = &filter.category {
        bind(&mut conditions, "f.category = $?", category.as_str().into());
    }
    if let Some(source) = filter.source {
        bind(&mut conditions, "f.source = $?", source.as_str().into());
    }
    if let Some(mine) = filter.mine {
        bind(&mut conditions, "f.mine_id = $?", mine.0.into());
    }
    match filter.state {
        Some(state) => bind(&mut conditions, "f.state = $?", state.as_str().into()),
        None if !filter.include_closed => conditions.push("f.state <> 'closed'".into()),
        None => {}
    }
    if filter.overdue {
        bind(&mut conditions, OVERDUE, date_text(today).into());
    }
    if filter.listed {
        conditions.push("f.listed_at IS NOT NULL".into());
    }
    let filters = conditions.join(" AND ");
    let and_filters = if filters.is_empty() {
        String::new()
    } else {
        format!(" AND {filters}")
    };
    let clause = format!(" WHERE m.mine_id = f.mine_id{and_filters}");
    let select = SELECT
        .replace(FINDING_MINE, FINDING_MINE_LIST)
        .replace(" JOIN company c", " LEFT JOIN company c")
        .replace(" JOIN finding_category fc", " LEFT JOIN finding_category fc");
    // Every finding has its mine: the count needs the mine only to filter by township.
    let count_sql = match (filter.township.is_some(), filters.is_empty()) {
        (true, _) => format!("SELECT COUNT(*) {FINDING_MINE_LIST}{clause}"),
        (false, true) => "SELECT COUNT(*) FROM finding f".to_string(),
        (false, false) => format!("SELECT COUNT(*) FROM finding f WHERE {filters}"),
    };
    let count_row = crate::bound::bind_values(sqlx::query(&count_sql), &binds)
        .fetch_one(&mut *conn)
        .await?;
    let total: i64 = sqlx::Row::try_get(&count_row, 0)?;
    let n = binds.len();
    // Overdue first — unless only closed findings are listed, which are never overdue: then the
    // (state, deadline) index gives the order without sorting thousands of rows.
    let rows = if filter.state == Some(FindingState::Closed) {
        let sql = format!(
            "{select}{clause} ORDER BY f.deadline_on, f.finding_id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        crate::bound::bind_values(sqlx::query(&sql), &binds)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await?
    } else {
        let sql = format!(
            "{select}{clause} ORDER BY CASE WHEN {} THEN 0 ELSE 1 END, f.deadline_on, f.finding_id \
             LIMIT ${} OFFSET ${}",
            OVERDUE.replace("$?", &format!("${}", n + 1)),
            n + 2,
            n + 3
        );
        crate::bound::bind_values(sqlx::query(&sql), &binds)
            .bind(date_text(today))
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await?
    };
    Ok(Page {
        rows: rows.iter().map(from_row).collect::<Result<_>>()?,
        total,
    })
}

/// The figures' facts of the findings recorded (found) between two days, inclusive.
pub async fn facts_found_between(
    conn: &mut Conn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<orewatch_domain::finding::FindingFacts>> {
    let rows = sqlx::query(
        "SELECT state, category, agency_code, deadline_on, evidence_at, verify_due_on, verified_at \
         FROM finding WHERE found_on >= $1 AND found_on <= $2",
    )
    .bind(date_text(from))
    .bind(date_text(to))
    .fetch_all(conn)
    .await?;
    let local = |t: Option<DateTime<Utc>>| t.map(orewatch_domain::task::local_date);
    rows.iter()
        .map(|r| {
            Ok(orewatch_domain::finding::FindingFacts {
                state: get_code(r, "state", FindingState::parse)?,
                category: get(r, "category")?,
                agency: get_code(r, "agency_code", AgencyCode::parse)?,
                deadline_on: get_date(r, "deadline_on")?,
                evidence_on: local(get_opt_time(r, "evidence_at")?),
                verify_due_on: get_opt_date(r, "verify_due_on")?,
                verified_on: local(get_opt_time(r, "verified_at")?),
            })
        })
        .collect()
}
