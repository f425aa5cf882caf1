//! 检察意见 — the procuratorate's opinions received by an agency, and their answers.
//!
//! No rule lives here: the answer's period is `domain::referral`'s, who answers the policy's.

use crate::bound::{Key, Value, OPINION};
use crate::workflow::Repository;
use crate::{date_text, get, get_code, get_date, get_opt_date, Conn, Result, WriteTx};
use chrono::NaiveDate;
use orewatch_domain::referral::OpinionFlow;
use orewatch_domain::workflow::Event;
use orewatch_domain::{AgencyCode, CaseId, MineId, OpinionId};

pub use orewatch_domain::referral::Opinion;

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

/// Records an opinion (the caller audits it); returns its id.
pub async fn insert(tx: &mut WriteTx, o: &NewOpinion<'_>) -> Result<OpinionId> {
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
    key.id(OpinionId)
}

impl Repository for OpinionFlow {
    async fn find(conn: &mut Conn, id: OpinionId) -> Result<Option<Opinion>> {
        find(conn, id).await
    }

    async fn save(tx: &mut WriteTx, o: &Opinion) -> Result<()> {
        tx.update(
            &OPINION,
            &Key::Int(o.id.0),
            &[
                ("answered_on", o.answered_on.map(date_text).into()),
                ("answered_by_label", o.answered_by_label.as_deref().into()),
                ("answer", o.answer.as_deref().into()),
            ],
        )
        .await?;
        Ok(())
    }

    /// An opinion keeps no history of its own: it is recorded and answered, both audited.
    async fn add_event(_: &mut WriteTx, _: OpinionId, _: &Event, _: &str) -> Result<()> {
        Ok(())
    }
}

const SELECT: &str =
    "SELECT o.*, m.name AS mine_name FROM opinion o LEFT JOIN mine m ON m.mine_id = o.mine_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Opinion> {
    Ok(Opinion {
        id: OpinionId(get(r, "opinion_id")?),
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

pub async fn find(conn: &mut Conn, id: OpinionId) -> Result<Option<Opinion>> {
    let row = sqlx::query(&format!("{SELECT} WHERE o.opinion_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_no(conn: &mut Conn, doc_no: &str) -> Result<Option<Opinion>> {
    let row = sqlx::query(&format!("{SELECT} WHERE o.doc_no = $1"))
        .bind(doc_no.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Opinions of an agency (every one for `None`): unanswered first by deadline, then answered.
pub async fn list(conn: &mut Conn, agency: Option<&AgencyCode>, limit: i64) -> Result<Vec<Opinion>> {
    let order = "ORDER BY CASE WHEN o.answered_on IS NULL THEN 0 ELSE 1 END, o.answer_by_on, o.opinion_id";
    let rows = match agency {
        Some(a) => {
            sqlx::query(&format!("{SELECT} WHERE o.agency_code = $1 {order} LIMIT $2"))
                .bind(a.as_str().to_string())
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} {order} LIMIT $1"))
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter().map(from_row).collect()
}
