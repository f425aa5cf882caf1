//! 行政处罚案件 — penalty cases with their team, findings and history (parts of the case's record),
//! their list and the numbers of their documents.
//!
//! No rule lives here: which step may follow which, the clocks and the penalties' meaning are
//! `domain::penalty`'s; who may act is the policy's.

use crate::bound::{Key, Value, CASE_EVENTS, CASE_FINDINGS, CASE_OFFICERS, PENALTY_CASE};
use crate::workflow::Repository;
use crate::{
    date_text, get, get_code, get_date, get_opt_date, get_opt_time, get_time, Conn, Page, Result, WriteTx,
};
use chrono::NaiveDate;
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::penalty::{CaseFlow, CaseState, Estimate, MineralPrice, Penalty};
use orewatch_domain::policy::Scope;
use orewatch_domain::workflow::Event;
use orewatch_domain::{AccountId, AgencyCode, CaseId, CompanyId, FindingId, MineId};

/// A case to file.
#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub case_no: &'a str,
    pub agency: &'a AgencyCode,
    pub mine_id: MineId,
    pub company_id: CompanyId,
    pub cause: &'a str,
    pub major: bool,
    pub filed_on: NaiveDate,
    pub decide_by_on: NaiveDate,
    pub filed_by_label: &'a str,
}

pub use orewatch_domain::penalty::{Case, CaseFinding, CaseOfficer};

/// Files a case in state 调查取证 with its team and findings (the caller audits it); returns its id.
pub async fn insert(
    tx: &mut WriteTx,
    c: &NewCase<'_>,
    team: &[CaseOfficer],
    findings: &[FindingId],
) -> Result<CaseId> {
    let now = format_timestamp(tx.now());
    let null = || Value::Null;
    let key = tx
        .insert(
            &PENALTY_CASE,
            &[
                ("case_no", c.case_no.into()),
                ("agency_code", c.agency.as_str().into()),
                ("mine_id", c.mine_id.0.into()),
                ("company_id", c.company_id.0.into()),
                ("cause", c.cause.into()),
                ("major", i64::from(c.major).into()),
                ("state", CaseState::Investigating.as_str().into()),
                ("filed_on", date_text(c.filed_on).into()),
                ("decide_by_on", date_text(c.decide_by_on).into()),
                ("filed_by_label", c.filed_by_label.into()),
                ("filed_at", now.into()),
                ("volume_m3", null()),
                ("mineral", null()),
                ("density_t_m3", null()),
                ("price_fen_t", null()),
                ("estimated_fen", null()),
                ("estimate_basis", null()),
                ("appraised_fen", null()),
                ("appraisal_note", null()),
                ("facts", null()),
                ("evidence", null()),
                ("legal_basis", null()),
                ("notice_no", null()),
                ("served_on", null()),
                ("defence_ends_on", null()),
                ("proposed_kinds", null()),
                ("proposed_fine_fen", null()),
                ("proposed_gains_fen", null()),
                ("statement", null()),
                ("waived", null()),
                ("hearing_requested", null()),
                ("hearing_on", null()),
                ("hearing_host_id", null()),
                ("hearing_host_label", null()),
                ("hearing_record", null()),
                ("reviewer_id", null()),
                ("reviewer_label", null()),
                ("review_opinion", null()),
                ("reviewed_at", null()),
                ("decision_no", null()),
                ("decided_on", null()),
                ("decided_by_label", null()),
                ("penalty_kinds", null()),
                ("fine_fen", null()),
                ("gains_fen", null()),
                ("payment_due_on", null()),
                ("execution", null()),
                ("paid_fen", null()),
                ("closed_on", null()),
                ("closed_by_label", null()),
            ],
        )
        .await?;
    for officer in team {
        tx.insert_child(
            &PENALTY_CASE,
            &CASE_OFFICERS,
            &key,
            &[
                ("account_id", officer.account_id.0.into()),
                ("name", officer.name.as_str().into()),
                ("card_no", officer.card_no.as_str().into()),
            ],
        )
        .await?;
    }
    for finding in findings {
        tx.insert_child(
            &PENALTY_CASE,
            &CASE_FINDINGS,
            &key,
            &[("finding_id", finding.0.into())],
        )
        .await?;
    }
    key.id(CaseId)
}

/// Appends an event to a case's history (a measure taken or lifted on it).
pub async fn add_event(
    tx: &mut WriteTx,
    id: CaseId,
    kind: &str,
    by_label: &str,
    note: Option<&str>,
    on_date: Option<NaiveDate>,
) -> Result<()> {
    crate::add_history(
        tx,
        &PENALTY_CASE,
        &CASE_EVENTS,
        id.0,
        kind,
        by_label,
        note,
        on_date,
    )
    .await
}

/// A penalty's three columns.
fn penalty_values(p: Option<&Penalty>) -> [Value; 3] {
    match p {
        Some(p) => [p.codes().into(), p.fine_fen.into(), p.gains_fen.into()],
        None => [Value::Null, Value::Null, Value::Null],
    }
}

impl Repository for CaseFlow {
    async fn find(conn: &mut Conn, id: CaseId) -> Result<Option<Case>> {
        find(conn, id).await
    }

    /// The case's columns (its team and findings are filed with it and do not change).
    async fn save(tx: &mut WriteTx, c: &Case) -> Result<()> {
        let date = |d: Option<NaiveDate>| Value::from(d.map(date_text));
        let flag = |b: Option<bool>| Value::from(b.map(i64::from));
        let e = c.estimate.as_ref();
        let [proposed_kinds, proposed_fine, proposed_gains] = penalty_values(c.proposed.as_ref());
        let [kinds, fine, gains] = penalty_values(c.decided.as_ref());
        tx.update(
            &PENALTY_CASE,
            &Key::Int(c.id.0),
            &[
                ("state", c.state.as_str().into()),
                ("volume_m3", e.map(|e| e.volume_m3).into()),
                ("mineral", c.estimate_mineral.as_deref().into()),
                ("density_t_m3", e.map(|e| e.density_t_m3).into()),
                ("price_fen_t", e.map(|e| e.price_fen_t).into()),
                ("estimated_fen", e.map(|e| e.value_fen).into()),
                ("estimate_basis", c.estimate_basis.as_deref().into()),
                ("appraised_fen", c.appraised_fen.into()),
                ("appraisal_note", c.appraisal_note.as_deref().into()),
                ("facts", c.facts.as_deref().into()),
                ("evidence", c.evidence.as_deref().into()),
                ("legal_basis", c.legal_basis.as_deref().into()),
                ("notice_no", c.notice_no.as_deref().into()),
                ("served_on", date(c.served_on)),
                ("defence_ends_on", date(c.defence_ends_on)),
                ("proposed_kinds", proposed_kinds),
                ("proposed_fine_fen", proposed_fine),
                ("proposed_gains_fen", proposed_gains),
                ("statement", c.statement.as_deref().into()),
                ("waived", flag(c.waived)),
                ("hearing_requested", flag(c.hearing_requested)),
                ("hearing_on", date(c.hearing_on)),
                ("hearing_host_id", c.hearing_host_id.map(|a| a.0).into()),
                ("hearing_host_label", c.hearing_host_label.as_deref().into()),
                ("hearing_record", c.hearing_record.as_deref().into()),
                ("reviewer_id", c.reviewer_id.map(|a| a.0).into()),
                ("reviewer_label", c.reviewer_label.as_deref().into()),
                ("review_opinion", c.review_opinion.as_deref().into()),
                ("reviewed_at", c.reviewed_at.map(format_timestamp).into()),
                ("decision_no", c.decision_no.as_deref().into()),
                ("decided_on", date(c.decided_on)),
                ("decided_by_label", c.decided_by_label.as_deref().into()),
                ("penalty_kinds", kinds),
                ("fine_fen", fine),
                ("gains_fen", gains),
                ("payment_due_on", date(c.payment_due_on)),
                ("execution", c.execution.as_deref().into()),
                ("paid_fen", c.paid_fen.into()),
                ("closed_on", date(c.closed_on)),
                ("closed_by_label", c.closed_by_label.as_deref().into()),
            ],
        )
        .await?;
        Ok(())
    }

    async fn add_event(tx: &mut WriteTx, id: CaseId, event: &Event, by_label: &str) -> Result<()> {
        add_event(tx, id, event.kind, by_label, event.note.as_deref(), event.on_date).await
    }
}

const SELECT: &str = "SELECT k.case_id, k.case_no, k.agency_code, k.mine_id, m.name AS mine_name, \
    m.mineral AS mine_mineral, m.township, k.company_id, c.name AS company_name, c.credit_code, c.legal_rep, \
    c.address, k.cause, k.major, k.state, k.filed_on, k.decide_by_on, k.filed_by_label, k.filed_at, \
    k.volume_m3, k.mineral, k.density_t_m3, k.price_fen_t, k.estimated_fen, k.estimate_basis, \
    k.appraised_fen, k.appraisal_note, k.facts, k.evidence, k.legal_basis, k.notice_no, k.served_on, \
    k.defence_ends_on, k.proposed_kinds, k.proposed_fine_fen, k.proposed_gains_fen, k.statement, k.waived, \
    k.hearing_requested, k.hearing_on, k.hearing_host_id, k.hearing_host_label, k.hearing_record, k.reviewer_id, \
    k.reviewer_label, k.review_opinion, k.reviewed_at, k.decision_no, k.decided_on, k.decided_by_label, \
    k.penalty_kinds, k.fine_fen, k.gains_fen, k.payment_due_on, k.execution, k.paid_fen, k.closed_on, \
    k.closed_by_label \
    FROM penalty_case k JOIN mine m ON m.mine_id = k.mine_id JOIN company c ON c.company_id = k.company_id";

fn flag(r: &sqlx::any::AnyRow, column: &str) -> Result<Option<bool>> {
    Ok(get::<Option<i64>>(r, column)?.map(|v| v != 0))
}

fn penalty(r: &sqlx::any::AnyRow, kinds: &str, fine: &str, gains: &str) -> Result<Option<Penalty>> {
    let Some(codes) = get::<Option<String>>(r, kinds)? else {
        return Ok(None);
    };
    Penalty::from_codes(&codes, get(r, fine)?, get(r, gains)?)
        .map(Some)
        .map_err(|_| crate::StorageError::Corrupt(format!("{kinds}: “{codes}”")))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Case> {
    let estimate = match (
        get::<Option<f64>>(r, "volume_m3")?,
        get::<Option<f64>>(r, "density_t_m3")?,
        get::<Option<i64>>(r, "price_fen_t")?,
    ) {
        (Some(volume_m3), Some(density_t_m3), Some(price_fen_t)) => Some(Estimate::with(
            volume_m3,
            MineralPrice {
                density_t_m3,
                price_fen_t,
            },
        )),
        _ => None,
    };
    Ok(Case {
        id: CaseId(get(r, "case_id")?),
        case_no: get(r, "case_no")?,
        agency: get_code(r, "agency_code", AgencyCode::parse)?,
        mine_id: MineId(get(r, "mine_id")?),
        mine_name: get(r, "mine_name")?,
        mineral_of_mine: get(r, "mine_mineral")?,
        township: get(r, "township")?,
        company_id: CompanyId(get(r, "company_id")?),
        company_name: get(r, "company_name")?,
        company_code: get(r, "credit_code")?,
        legal_rep: get(r, "legal_rep")?,
        company_address: get(r, "address")?,
        cause: get(r, "cause")?,
        major: get::<i64>(r, "major")? != 0,
        state: get_code(r, "state", CaseState::parse)?,
        filed_on: get_date(r, "filed_on")?,
        decide_by_on: get_date(r, "decide_by_on")?,
        filed_by_label: get(r, "filed_by_label")?,
        filed_at: get_time(r, "filed_at")?,
        estimate,
        estimate_mineral: get(r, "mineral")?,
        estimate_basis: get(r, "estimate_basis")?,
        appraised_fen: get(r, "appraised_fen")?,
        appraisal_note: get(r, "appraisal_note")?,
        facts: get(r, "facts")?,
        evidence: get(r, "evidence")?,
        legal_basis: get(r, "legal_basis")?,
        notice_no: get(r, "notice_no")?,
        served_on: get_opt_date(r, "served_on")?,
        defence_ends_on: get_opt_date(r, "defence_ends_on")?,
        proposed: penalty(r, "proposed_kinds", "proposed_fine_fen", "proposed_gains_fen")?,
        statement: get(r, "statement")?,
        waived: flag(r, "waived")?,
        hearing_requested: flag(r, "hearing_requested")?,
        hearing_on: get_opt_date(r, "hearing_on")?,
        hearing_host_id: get::<Option<i64>>(r, "hearing_host_id")?.map(AccountId),
        hearing_host_label: get(r, "hearing_host_label")?,
        hearing_record: get(r, "hearing_record")?,
        reviewer_id: get::<Option<i64>>(r, "reviewer_id")?.map(AccountId),
        reviewer_label: get(r, "reviewer_label")?,
        review_opinion: get(r, "review_opinion")?,
        reviewed_at: get_opt_time(r, "reviewed_at")?,
        decision_no: get(r, "decision_no")?,
        decided_on: get_opt_date(r, "decided_on")?,
        decided_by_label: get(r, "decided_by_label")?,
        decided: penalty(r, "penalty_kinds", "fine_fen", "gains_fen")?,
        payment_due_on: get_opt_date(r, "payment_due_on")?,
        execution: get(r, "execution")?,
        paid_fen: get(r, "paid_fen")?,
        closed_on: get_opt_date(r, "closed_on")?,
        closed_by_label: get(r, "closed_by_label")?,
        team: Vec::new(),
        findings: Vec::new(),
        events: Vec::new(),
    })
}

/// One case with its team, findings and history.
pub async fn find(conn: &mut Conn, id: CaseId) -> Result<Option<Case>> {
    let row = sqlx::query(&format!("{SELECT} WHERE k.case_id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut case = from_row(&row)?;
    case.team = sqlx::query(
        "SELECT account_id, name, card_no FROM case_officer WHERE case_id = $1 ORDER BY case_officer_id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(CaseOfficer {
            account_id: AccountId(get(r, "account_id")?),
            name: get(r, "name")?,
            card_no: get(r, "card_no")?,
        })
    })
    .collect::<Result<_>>()?;
    case.findings = sqlx::query(
        "SELECT f.finding_id, fc.label_zh, f.description FROM case_finding cf \
         JOIN finding f ON f.finding_id = cf.finding_id JOIN finding_category fc ON fc.code = f.category \
         WHERE cf.case_id = $1 ORDER BY cf.case_finding_id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(CaseFinding {
            finding_id: FindingId(get(r, "finding_id")?),
            category_zh: get(r, "label_zh")?,
            description: get(r, "description")?,
        })
    })
    .collect::<Result<_>>()?;
    case.events = crate::history(conn, &CASE_EVENTS, id.0).await?;
    Ok(Some(case))
}

/// The list's filters; empty ones do not filter.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub agency: Option<AgencyCode>,
    pub state: Option<CaseState>,
    pub mine: Option<MineId>,
    pub finding: Option<FindingId>,
    /// Also closed cases (by default only open ones).
    pub include_closed: bool,
}

/// Cases inside `scope` that pass `filter`, the nearest decision deadline first, then newest.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    filter: &CaseFilter,
    limit: i64,
    offset: i64,
) -> Result<Page<Case>> {
    let mut conditions: Vec<String> = Vec::new();
    let mut binds: Vec<Value> = Vec::new();
    let mut bind = |conditions: &mut Vec<String>, sql: &str, value: Value| {
        binds.push(value);
        conditions.push(sql.replace("$?", &format!("${}", binds.len())));
    };
    match scope {
        Scope::All => {}
        Scope::Agency(code) => bind(&mut conditions, "k.agency_code = $?", code.as_str().into()),
        Scope::Company(_) | Scope::AssignedTo(_) | Scope::None => {
            return Ok(Page {
                rows: Vec::new(),
                total: 0,
            })
        }
    }
    if let Some(agency) = &filter.agency {
        bind(&mut conditions, "k.agency_code = $?", agency.as_str().into());
    }
    if let Some(mine) = filter.mine {
        bind(&mut conditions, "k.mine_id = $?", mine.0.into());
    }
    if let Some(finding) = filter.finding {
        bind(
            &mut conditions,
            "k.case_id IN (SELECT case_id FROM case_finding WHERE finding_id = $?)",
            finding.0.into(),
        );
    }
    match filter.state {
        Some(state) => bind(&mut conditions, "k.state = $?", state.as_str().into()),
        None if !filter.include_closed => conditions.push("k.state <> 'closed'".into()),
        None => {}
    }
    let clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let count_row = crate::bound::bind_values(
        sqlx::query(&format!("SELECT COUNT(*) FROM penalty_case k{clause}")),
        &binds,
    )
    .fetch_one(&mut *conn)
    .await?;
    let total: i64 = sqlx::Row::try_get(&count_row, 0)?;
    let n = binds.len();
    // Undecided cases by their 90-day deadline first; decided ones after, newest first.
    let sql = format!(
        "{SELECT}{clause} ORDER BY CASE WHEN k.state IN ('executing', 'closed') THEN 1 ELSE 0 END, \
         CASE WHEN k.state IN ('executing', 'closed') THEN '' ELSE k.decide_by_on END, \
         k.filed_on DESC, k.case_id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows = crate::bound::bind_values(sqlx::query(&sql), &binds)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Page {
        rows: rows.iter().map(from_row).collect::<Result<_>>()?,
        total,
    })
}

/// The category codes of a case's findings.
pub async fn finding_categories(conn: &mut Conn, case_id: CaseId) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT DISTINCT f.category FROM case_finding cf JOIN finding f ON f.finding_id = cf.finding_id \
         WHERE cf.case_id = $1 ORDER BY f.category",
    )
    .bind(case_id.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| get(r, "category")).collect()
}

/// `IN ($2, $3, …)` for `n` values bound after `first - 1` others.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The decision days of a company's other cases about findings of `categories` that imposed a
/// penalty (the 应移未移 rules' earlier penalties for illegal mining).
pub async fn decisions_about(
    conn: &mut Conn,
    company_id: CompanyId,
    categories: &[String],
    except_case: CaseId,
) -> Result<Vec<NaiveDate>> {
    if categories.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT k.decided_on FROM penalty_case k WHERE k.company_id = $1 AND k.case_id <> $2 \
         AND k.decided_on IS NOT NULL AND k.penalty_kinds IS NOT NULL AND k.penalty_kinds <> '' \
         AND k.penalty_kinds <> 'none' AND EXISTS (SELECT 1 FROM case_finding cf \
         JOIN finding f ON f.finding_id = cf.finding_id WHERE cf.case_id = k.case_id \
         AND f.category IN ({})) ORDER BY k.decided_on",
        placeholders(3, categories.len())
    );
    let mut query = sqlx::query(&sql).bind(company_id.0).bind(except_case.0);
    for c in categories {
        query = query.bind(c.clone());
    }
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(|r| get_date(r, "decided_on")).collect()
}

/// The cases the 应移未移 rules look at: about findings of `categories`, with no referral in a
/// state other than `not_referred` (`domain::referral::RefState::referred` says which those are), and
/// either a value (appraised, else estimated) from `min_value_fen` or a company with `repeat_count`
/// other decided cases — the only ways a rule can apply, so the sweep reads no other case.
pub async fn unreferred_about(
    conn: &mut Conn,
    categories: &[String],
    not_referred: &[&str],
    min_value_fen: i64,
    repeat_count: i64,
) -> Result<Vec<CaseId>> {
    if categories.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT k.case_id FROM penalty_case k WHERE EXISTS (SELECT 1 FROM case_finding cf \
         JOIN finding f ON f.finding_id = cf.finding_id WHERE cf.case_id = k.case_id \
         AND f.category IN ({})) AND NOT EXISTS (SELECT 1 FROM referral r WHERE r.case_id = k.case_id \
         AND r.state NOT IN ({})) AND (COALESCE(k.appraised_fen, k.estimated_fen) >= ${} \
         OR (SELECT COUNT(*) FROM penalty_case p WHERE p.company_id = k.company_id \
         AND p.case_id <> k.case_id AND p.decided_on IS NOT NULL) >= ${}) ORDER BY k.case_id",
        placeholders(1, categories.len()),
        placeholders(1 + categories.len(), not_referred.len().max(1)),
        1 + categories.len() + not_referred.len().max(1),
        2 + categories.len() + not_referred.len().max(1),
    );
    let mut query = sqlx::query(&sql);
    for c in categories {
        query = query.bind(c.clone());
    }
    for s in not_referred {
        query = query.bind(s.to_string());
    }
    if not_referred.is_empty() {
        query = query.bind(String::new());
    }
    query = query.bind(min_value_fen).bind(repeat_count);
    let rows = query.fetch_all(conn).await?;
    rows.iter().map(|r| Ok(CaseId(get(r, "case_id")?))).collect()
}
