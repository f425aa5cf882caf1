//! 行刑衔接 — referrals out of penalty cases, with their history.
//!
//! No rule lives here: the referral's workflow and clocks are `domain::referral`'s; who may act is the
//! policy's. The 应移未移 flags are in `flags`, the procuratorate's opinions in `opinions`.

use crate::bound::{Key, Value, REFERRAL, REFERRAL_EVENTS};
use crate::workflow::Repository;
use crate::{get, get_code, get_opt_code, get_opt_date, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::referral::{Receiver, RefState, ReferralFlow};
use orewatch_domain::workflow::Event;
use orewatch_domain::{AccountId, AgencyCode, CaseId, MineId, ReferralId};

pub use orewatch_domain::referral::Referral;

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

/// Records a referral report (the caller audits it); returns its id.
pub async fn insert(tx: &mut WriteTx, r: &NewReferral<'_>) -> Result<ReferralId> {
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
    for col in STEP_COLUMNS {
        values.push((col, Value::Null));
    }
    let key = tx.insert(&REFERRAL, &values).await?;
    key.id(ReferralId)
}

/// The columns the steps fill in, in the order [`ReferralFlow`]'s `save` writes them.
const STEP_COLUMNS: [&str; 17] = [
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
];

impl Repository for ReferralFlow {
    async fn find(conn: &mut Conn, id: ReferralId) -> Result<Option<Referral>> {
        find(conn, id).await
    }

    async fn save(tx: &mut WriteTx, r: &Referral) -> Result<()> {
        let time = |t: Option<DateTime<Utc>>| Value::from(t.map(format_timestamp));
        let text = |t: &Option<String>| Value::from(t.as_deref());
        let values: [Value; 17] = [
            text(&r.decided_by_label),
            time(r.decided_at),
            text(&r.refusal_reason),
            text(&r.items),
            text(&r.no_appraisal_reason),
            time(r.transferred_at),
            text(&r.package_sha256),
            time(r.received_at),
            text(&r.police_case_no),
            time(r.reconsider_at),
            time(r.supervise_at),
            time(r.explained_at),
            r.ordered_on.map(crate::date_text).into(),
            r.filed_on.map(crate::date_text).into(),
            time(r.handed_over_at),
            text(&r.result),
            time(r.concluded_at),
        ];
        let mut set: Vec<(&str, Value)> = vec![
            ("state", r.state.as_str().into()),
            ("referral_no", text(&r.referral_no)),
        ];
        set.extend(STEP_COLUMNS.into_iter().zip(values));
        tx.update(&REFERRAL, &Key::Int(r.id.0), &set).await?;
        Ok(())
    }

    async fn add_event(tx: &mut WriteTx, id: ReferralId, event: &Event, by_label: &str) -> Result<()> {
        crate::add_history(
            tx,
            &REFERRAL,
            &REFERRAL_EVENTS,
            id.0,
            event.kind,
            by_label,
            event.note.as_deref(),
            event.on_date,
        )
        .await
    }
}

const SELECT: &str = "SELECT r.*, k.case_no, k.mine_id, m.name AS mine_name, c.name AS company_name \
    FROM referral r JOIN penalty_case k ON k.case_id = r.case_id \
    JOIN mine m ON m.mine_id = k.mine_id JOIN company c ON c.company_id = k.company_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Referral> {
    let code = |raw: &str| AgencyCode::parse(raw);
    Ok(Referral {
        id: ReferralId(get(r, "referral_id")?),
        case_id: CaseId(get(r, "case_id")?),
        case_no: get(r, "case_no")?,
        mine_id: MineId(get(r, "mine_id")?),
        mine_name: get(r, "mine_name")?,
        company_name: get(r, "company_name")?,
        agency: get_code(r, "agency_code", code)?,
        team: Vec::new(),
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

/// Reads referrals with their cases' teams (the policy's view of each).
async fn read(conn: &mut Conn, rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<Referral>> {
    let mut out: Vec<Referral> = rows.iter().map(from_row).collect::<Result<_>>()?;
    let mut cases: Vec<CaseId> = out.iter().map(|r| r.case_id).collect();
    cases.sort();
    cases.dedup();
    let mut teams: Vec<(CaseId, AccountId)> = Vec::new();
    for chunk in cases.chunks(200) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT case_id, account_id FROM case_officer WHERE case_id IN ({}) ORDER BY case_officer_id",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(id.0);
        }
        for row in query.fetch_all(&mut *conn).await? {
            teams.push((CaseId(get(&row, "case_id")?), AccountId(get(&row, "account_id")?)));
        }
    }
    for r in &mut out {
        r.team = teams
            .iter()
            .filter(|(case, _)| *case == r.case_id)
            .map(|(_, account)| *account)
            .collect();
    }
    Ok(out)
}

/// One referral with its history.
pub async fn find(conn: &mut Conn, id: ReferralId) -> Result<Option<Referral>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE r.referral_id = $1"))
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await?;
    let Some(mut referral) = read(conn, rows).await?.pop() else {
        return Ok(None);
    };
    referral.events = crate::history(conn, &REFERRAL_EVENTS, id.0).await?;
    Ok(Some(referral))
}

/// A case's referrals, oldest first (without their history).
pub async fn of_case(conn: &mut Conn, case_id: CaseId) -> Result<Vec<Referral>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE r.case_id = $1 ORDER BY r.referral_id"))
        .bind(case_id.0)
        .fetch_all(&mut *conn)
        .await?;
    read(conn, rows).await
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
            .fetch_all(&mut *conn)
            .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} ORDER BY r.referral_id DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        }
    };
    read(conn, rows).await
}
