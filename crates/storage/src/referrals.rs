//! 行刑衔接 — referrals out of penalty cases with their history, 应移未移 flags, and the procuratorate's
//! opinions coming in.
//!
//! No rule lives here: the referral's state machine and clocks are `domain::referral`'s, the flag
//! rules `domain::flag`'s; who may act is the policy's.

use crate::bound::{Key, Value, CASE_FLAG, OPINION, REFERRAL, REFERRAL_EVENTS};
use crate::{
    date_text, get, get_code, get_date, get_opt_code, get_opt_date, get_opt_time, get_time, Conn, Result,
    WriteTx,
};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::flag::FlagRule;
use orewatch_domain::referral::{Asked, Receiver, RefState};
use orewatch_domain::{AgencyCode, CaseId, MineId};

/// A referral to record (its report).
#[derive(Debug, Clone)]
pub struct NewReferral<'a> {
    pub case_id: CaseId,
    pub agency: &'a AgencyCode,
    pub receiver: Receiver,
    pub receiver_agency: Option<&'a AgencyCode>,
    pub receiver_name: &'a str,
    pub suspected: &'a str,
    pub report: &'a str,
    pub team_names: &'a str,
    pub reported_by_label: &'a str,
}

/// One event of a referral's history.
pub type RefEvent = crate::HistoryEvent;

/// A stored referral, with its case's number and mine.
#[derive(Debug, Clone, PartialEq)]
pub struct Referral {
    pub id: i64,
    pub case_id: CaseId,
    pub case_no: String,
    pub mine_id: MineId,
    pub mine_name: String,
    pub company_name: String,
    pub agency: AgencyCode,
    pub referral_no: Option<String>,
    pub receiver: Receiver,
    pub receiver_agency: Option<AgencyCode>,
    pub receiver_name: String,
    pub suspected: String,
    pub report: String,
    pub team_names: String,
    pub state: RefState,
    pub reported_by_label: String,
    pub reported_at: DateTime<Utc>,
    pub decided_by_label: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub refusal_reason: Option<String>,
    pub items: Option<String>,
    pub no_appraisal_reason: Option<String>,
    pub transferred_at: Option<DateTime<Utc>>,
    pub package_sha256: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    pub police_case_no: Option<String>,
    pub reconsider_at: Option<DateTime<Utc>>,
    pub supervise_at: Option<DateTime<Utc>>,
    pub explained_at: Option<DateTime<Utc>>,
    pub ordered_on: Option<NaiveDate>,
    pub filed_on: Option<NaiveDate>,
    pub handed_over_at: Option<DateTime<Utc>>,
    pub result: Option<String>,
    pub concluded_at: Option<DateTime<Utc>>,
    pub events: Vec<RefEvent>,
}

impl Referral {
    /// What was already asked after a refusal to file (each is asked once).
    pub fn asked(&self) -> Asked {
        Asked {
            reconsideration: self.reconsider_at.is_some(),
            supervision: self.supervise_at.is_some(),
            explanation: self.explained_at.is_some(),
            order: self.ordered_on.is_some(),
        }
    }
}

/// Records a referral report (the caller audits it); returns its id.
pub async fn insert(tx: &mut WriteTx, r: &NewReferral<'_>) -> Result<i64> {
    let now = format_timestamp(tx.now());
    let mut values: Vec<(&str, Value)> = vec![
        ("case_id", r.case_id.0.into()),
        ("agency_code", r.agency.as_str().into()),
        ("referral_no", Value::Null),
        ("receiver_kind", r.receiver.as_str().into()),
        (
            "receiver_agency",
            r.receiver_agency.map(AgencyCode::as_str).into(),
        ),
        ("receiver_name", r.receiver_name.into()),
        ("suspected", r.suspected.into()),
        ("report", r.report.into()),
        ("team_names", r.team_names.into()),
        ("state", RefState::Reported.as_str().into()),
        ("reported_by_label", r.reported_by_label.into()),
        ("reported_at", now.into()),
    ];
    for col in [
        "decided_by_label",
        "decided_at",
        "refusal_reason",
        "items",
        "no_appraisal_reason",
        "transferred_at",
        "package_sha256",
        "received_at",
        "police_case_no",
        "reconsider_at",
        "supervise_at",
        "explained_at",
        "ordered_on",
        "filed_on",
        "handed_over_at",
        "result",
        "concluded_at",
    ] {
        values.push((col, Value::Null));
    }
    let key = tx.insert(&REFERRAL, &values).await?;
    Ok(key.int().unwrap_or_default())
}

/// Changes columns of a referral (the caller has checked the step and audits it).
pub async fn update(tx: &mut WriteTx, id: i64, set: &[(&str, Value)]) -> Result<u64> {
    tx.update(&REFERRAL, &Key::Int(id), set).await
}

/// Appends to a referral's history.
pub async fn add_event(
    tx: &mut WriteTx,
    id: i64,
    kind: &str,
    by_label: &str,
    note: Option<&str>,
    on_date: Option<NaiveDate>,
) -> Result<()> {
    crate::add_history(tx, &REFERRAL, &REFERRAL_EVENTS, id, kind, by_label, note, on_date).await
}

const SELECT: &str = "SELECT r.*, k.case_no, k.mine_id, m.name AS mine_name, c.name AS company_name \
    FROM referral r JOIN penalty_case k ON k.case_id = r.case_id \
    JOIN mine m ON m.mine_id = k.mine_id JOIN company c ON c.company_id = k.company_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Referral> {
    let code = |raw: &str| AgencyCode::parse(raw);
    Ok(Referral {
        id: get(r, "referral_id")?,
        case_id: CaseId(get(r, "case_id")?),
        case_no: get(r, "case_no")?,
        mine_id: MineId(get(r, "mine_id")?),
        mine_name: get(r, "mine_name")?,
        company_name: get(r, "company_name")?,
        agency: get_code(r, "agency_code", code)?,
        referral_no: get(r, "referral_no")?,
        receiver: get_code(r, "receiver_kind", Receiver::parse)?,
        receiver_agency: get_opt_code(r, "receiver_agency", code)?,
        receiver_name: get(r, "receiver_name")?,
        suspected: get(r, "suspected")?,
        report: get(r, "report")?,
        team_names: get(r, "team_names")?,
        state: get_code(r, "state", RefState::parse)?,
        reported_by_label: get(r, "reported_by_label")?,
        reported_at: get_time(r, "reported_at")?,
        decided_by_label: get(r, "decided_by_label")?,
        decided_at: get_opt_time(r, "decided_at")?,
        refusal_reason: get(r, "refusal_reason")?,
        items: get(r, "items")?,
        no_appraisal_reason: get(r, "no_appraisal_reason")?,
        transferred_at: get_opt_time(r, "transferred_at")?,
        package_sha256: get(r, "package_sha256")?,
        received_at: get_opt_time(r, "received_at")?,
        police_case_no: get(r, "police_case_no")?,
        reconsider_at: get_opt_time(r, "reconsider_at")?,
        supervise_at: get_opt_time(r, "supervise_at")?,
        explained_at: get_opt_time(r, "explained_at")?,
        ordered_on: get_opt_date(r, "ordered_on")?,
        filed_on: get_opt_date(r, "filed_on")?,
        handed_over_at: get_opt_time(r, "handed_over_at")?,
        result: get(r, "result")?,
        concluded_at: get_opt_time(r, "concluded_at")?,
        events: Vec::new(),
    })
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Referral>> {
    let row = sqlx::query(&format!("{SELECT} WHERE r.referral_id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut referral = from_row(&row)?;
    referral.events = crate::history(conn, &REFERRAL_EVENTS, id).await?;
    Ok(Some(referral))
}

/// A case's referrals, oldest first (without their history).
pub async fn of_case(conn: &mut Conn, case_id: CaseId) -> Result<Vec<Referral>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE r.case_id = $1 ORDER BY r.referral_id"))
        .bind(case_id.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Referrals sent by or to an agency (every one for `None`), newest first.
pub async fn list(conn: &mut Conn, agency: Option<&AgencyCode>, limit: i64) -> Result<Vec<Referral>> {
    let rows = match agency {
        Some(a) => {
            sqlx::query(&format!(
                "{SELECT} WHERE r.agency_code = $1 OR r.receiver_agency = $1 ORDER BY r.referral_id DESC LIMIT $2"
            ))
            .bind(a.as_str().to_string())
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} ORDER BY r.referral_id DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// How many referrals of an agency carry a number starting with `prefix`.
pub async fn numbers_with_prefix(conn: &mut Conn, prefix: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM referral WHERE referral_no LIKE $1 ESCAPE '\\'")
            .bind(format!("{}%", crate::like_pattern(prefix).trim_matches('%')))
            .fetch_one(conn)
            .await?,
    )
}

/// A stored 应移未移 flag, with its case.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub id: i64,
    pub case_id: CaseId,
    pub case_no: String,
    pub mine_name: String,
    pub company_name: String,
    pub agency: AgencyCode,
    pub rule: FlagRule,
    pub details: String,
    pub raised_at: DateTime<Utc>,
    pub dispose_by_on: NaiveDate,
    pub disposed_by_label: Option<String>,
    pub disposed_at: Option<DateTime<Utc>>,
    pub disposition: Option<String>,
}

/// Raises a flag (the caller audits it); returns its id.
pub async fn insert_flag(
    tx: &mut WriteTx,
    case_id: CaseId,
    agency: &AgencyCode,
    rule: FlagRule,
    details: &str,
    dispose_by_on: NaiveDate,
) -> Result<i64> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &CASE_FLAG,
            &[
                ("case_id", case_id.0.into()),
                ("agency_code", agency.as_str().into()),
                ("rule", rule.as_str().into()),
                ("details", details.into()),
                ("raised_at", now.into()),
                ("dispose_by_on", date_text(dispose_by_on).into()),
                ("disposed_by_label", Value::Null),
                ("disposed_at", Value::Null),
                ("disposition", Value::Null),
            ],
        )
        .await?;
    Ok(key.int().unwrap_or_default())
}

pub async fn update_flag(tx: &mut WriteTx, id: i64, set: &[(&str, Value)]) -> Result<u64> {
    tx.update(&CASE_FLAG, &Key::Int(id), set).await
}

const FLAG_SELECT: &str = "SELECT g.*, k.case_no, m.name AS mine_name, c.name AS company_name \
    FROM case_flag g JOIN penalty_case k ON k.case_id = g.case_id \
    JOIN mine m ON m.mine_id = k.mine_id JOIN company c ON c.company_id = k.company_id";

fn flag_from_row(r: &sqlx::any::AnyRow) -> Result<Flag> {
    Ok(Flag {
        id: get(r, "flag_id")?,
        case_id: CaseId(get(r, "case_id")?),
        case_no: get(r, "case_no")?,
        mine_name: get(r, "mine_name")?,
        company_name: get(r, "company_name")?,
        agency: get_code(r, "agency_code", AgencyCode::parse)?,
        rule: get_code(r, "rule", FlagRule::parse)?,
        details: get(r, "details")?,
        raised_at: get_time(r, "raised_at")?,
        dispose_by_on: get_date(r, "dispose_by_on")?,
        disposed_by_label: get(r, "disposed_by_label")?,
        disposed_at: get_opt_time(r, "disposed_at")?,
        disposition: get(r, "disposition")?,
    })
}

pub async fn find_flag(conn: &mut Conn, id: i64) -> Result<Option<Flag>> {
    let row = sqlx::query(&format!("{FLAG_SELECT} WHERE g.flag_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(flag_from_row).transpose()
}

/// Flags: the open ones first (oldest first), then the disposed ones (newest first); of one case when
/// `case_id` is given.
pub async fn flags(conn: &mut Conn, case_id: Option<CaseId>, limit: i64) -> Result<Vec<Flag>> {
    let order = "ORDER BY CASE WHEN g.disposed_at IS NULL THEN 0 ELSE 1 END, \
                 CASE WHEN g.disposed_at IS NULL THEN g.raised_at END, g.disposed_at DESC, g.flag_id";
    let rows = match case_id {
        Some(id) => {
            sqlx::query(&format!("{FLAG_SELECT} WHERE g.case_id = $1 {order} LIMIT $2"))
                .bind(id.0)
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
        None => {
            sqlx::query(&format!("{FLAG_SELECT} {order} LIMIT $1"))
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter().map(flag_from_row).collect()
}

/// The rules already raised on a case (a flag is raised once per case and rule).
pub async fn raised_rules(conn: &mut Conn, case_id: CaseId) -> Result<Vec<FlagRule>> {
    let rows = sqlx::query("SELECT rule FROM case_flag WHERE case_id = $1")
        .bind(case_id.0)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| get_code(r, "rule", FlagRule::parse))
        .collect()
}

/// A procuratorate's opinion to record.
#[derive(Debug, Clone)]
pub struct NewOpinion<'a> {
    pub agency: &'a AgencyCode,
    pub doc_no: &'a str,
    pub from_body: &'a str,
    pub mine_id: Option<MineId>,
    pub case_id: Option<CaseId>,
    pub summary: &'a str,
    pub received_on: NaiveDate,
    pub answer_by_on: NaiveDate,
    pub recorded_by_label: &'a str,
}

/// A stored opinion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opinion {
    pub id: i64,
    pub agency: AgencyCode,
    pub doc_no: String,
    pub from_body: String,
    pub mine_id: Option<MineId>,
    pub mine_name: Option<String>,
    pub case_id: Option<CaseId>,
    pub summary: String,
    pub received_on: NaiveDate,
    pub answer_by_on: NaiveDate,
    pub recorded_by_label: String,
    pub answered_on: Option<NaiveDate>,
    pub answered_by_label: Option<String>,
    pub answer: Option<String>,
}

pub async fn insert_opinion(tx: &mut WriteTx, o: &NewOpinion<'_>) -> Result<i64> {
    let key = tx
        .insert(
            &OPINION,
            &[
                ("agency_code", o.agency.as_str().into()),
                ("doc_no", o.doc_no.into()),
                ("from_body", o.from_body.into()),
                ("mine_id", o.mine_id.map(|m| m.0).into()),
                ("case_id", o.case_id.map(|c| c.0).into()),
                ("summary", o.summary.into()),
                ("received_on", date_text(o.received_on).into()),
                ("answer_by_on", date_text(o.answer_by_on).into()),
                ("recorded_by_label", o.recorded_by_label.into()),
                ("answered_on", Value::Null),
                ("answered_by_label", Value::Null),
                ("answer", Value::Null),
            ],
        )
        .await?;
    Ok(key.int().unwrap_or_default())
}

pub async fn update_opinion(tx: &mut WriteTx, id: i64, set: &[(&str, Value)]) -> Result<u64> {
    tx.update(&OPINION, &Key::Int(id), set).await
}

const OPINION_SELECT: &str =
    "SELECT o.*, m.name AS mine_name FROM opinion o LEFT JOIN mine m ON m.mine_id = o.mine_id";

fn opinion_from_row(r: &sqlx::any::AnyRow) -> Result<Opinion> {
    Ok(Opinion {
        id: get(r, "opinion_id")?,
        agency: get_code(r, "agency_code", AgencyCode::parse)?,
        doc_no: get(r, "doc_no")?,
        from_body: get(r, "from_body")?,
        mine_id: get::<Option<i64>>(r, "mine_id")?.map(MineId),
        mine_name: get(r, "mine_name")?,
        case_id: get::<Option<i64>>(r, "case_id")?.map(CaseId),
        summary: get(r, "summary")?,
        received_on: get_date(r, "received_on")?,
        answer_by_on: get_date(r, "answer_by_on")?,
        recorded_by_label: get(r, "recorded_by_label")?,
        answered_on: get_opt_date(r, "answered_on")?,
        answered_by_label: get(r, "answered_by_label")?,
        answer: get(r, "answer")?,
    })
}

pub async fn find_opinion(conn: &mut Conn, id: i64) -> Result<Option<Opinion>> {
    let row = sqlx::query(&format!("{OPINION_SELECT} WHERE o.opinion_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(opinion_from_row).transpose()
}

pub async fn find_opinion_by_no(conn: &mut Conn, doc_no: &str) -> Result<Option<Opinion>> {
    let row = sqlx::query(&format!("{OPINION_SELECT} WHERE o.doc_no = $1"))
        .bind(doc_no.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(opinion_from_row).transpose()
}

/// Opinions of an agency (every one for `None`): unanswered first by deadline, then answered.
pub async fn opinions(conn: &mut Conn, agency: Option<&AgencyCode>, limit: i64) -> Result<Vec<Opinion>> {
    let order = "ORDER BY CASE WHEN o.answered_on IS NULL THEN 0 ELSE 1 END, o.answer_by_on, o.opinion_id";
    let rows = match agency {
        Some(a) => {
            sqlx::query(&format!(
                "{OPINION_SELECT} WHERE o.agency_code = $1 {order} LIMIT $2"
            ))
            .bind(a.as_str().to_string())
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query(&format!("{OPINION_SELECT} {order} LIMIT $1"))
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter().map(opinion_from_row).collect()
}
