//! 会商 — consultations with their attendance and agenda (parts of the meeting's record), their
//! decisions (records of their own, each followed by a task), and the attendance counts by agency.
//!
//! No rule lives here: what may change when, and what a decision needs, are `domain::meeting`'s.

use crate::bound::{Key, Value, MEETING, MEETING_ATTENDEES, MEETING_DECISION, MEETING_ITEMS};
use crate::workflow::Repository;
use crate::{date_text, get, get_code, get_date, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::NaiveDate;
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::meeting::{DecisionFlow, MeetingFlow, MeetingKind, MeetingState, Presence};
use orewatch_domain::workflow::Event;
use orewatch_domain::{AgencyCode, CaseId, DecisionId, FindingId, MeetingId, MeetingItemId, MineId};

/// A consultation to convene.
#[derive(Debug, Clone)]
pub struct NewMeeting<'a> {
    pub kind: MeetingKind,
    pub title: &'a str,
    pub held_on: NaiveDate,
    pub place: &'a str,
    pub chair: &'a str,
    pub convened_by_label: &'a str,
}

pub use orewatch_domain::meeting::{Attendee, Decision, Item, Meeting};

/// Convenes a consultation with the agencies invited (the caller audits it); returns its id.
pub async fn insert(tx: &mut WriteTx, m: &NewMeeting<'_>, invited: &[AgencyCode]) -> Result<MeetingId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &MEETING,
            &[
                ("kind", m.kind.as_str().into()),
                ("title", m.title.into()),
                ("held_on", date_text(m.held_on).into()),
                ("place", m.place.into()),
                ("chair", m.chair.into()),
                ("state", MeetingState::Convened.as_str().into()),
                ("convened_by_label", m.convened_by_label.into()),
                ("convened_at", now.into()),
                ("minutes_no", Value::Null),
                ("minutes", Value::Null),
                ("issued_by_label", Value::Null),
                ("issued_at", Value::Null),
            ],
        )
        .await?;
    for agency in invited {
        tx.insert_child(
            &MEETING,
            &MEETING_ATTENDEES,
            &key,
            &[
                ("agency_code", agency.as_str().into()),
                ("presence", Presence::Invited.as_str().into()),
                ("person", Value::Null),
            ],
        )
        .await?;
    }
    key.id(MeetingId)
}

impl Repository for MeetingFlow {
    async fn find(conn: &mut Conn, id: MeetingId) -> Result<Option<Meeting>> {
        find(conn, id).await
    }

    /// The meeting's columns, every attendance as recorded, and the agenda items not stored yet.
    async fn save(tx: &mut WriteTx, m: &Meeting) -> Result<()> {
        let key = Key::Int(m.id.0);
        tx.update(
            &MEETING,
            &key,
            &[
                ("state", m.state.as_str().into()),
                ("minutes_no", m.minutes_no.as_deref().into()),
                ("minutes", m.minutes.as_deref().into()),
                ("issued_by_label", m.issued_by_label.as_deref().into()),
                ("issued_at", m.issued_at.map(format_timestamp).into()),
            ],
        )
        .await?;
        for a in &m.attendees {
            tx.update_child(
                &MEETING,
                &MEETING_ATTENDEES,
                &key,
                "agency_code = ?1",
                &[a.agency.as_str().into()],
                &[
                    ("presence", a.presence.as_str().into()),
                    ("person", a.person.as_deref().into()),
                ],
            )
            .await?;
        }
        for item in m.items.iter().filter(|i| i.id.is_none()) {
            tx.insert_child(
                &MEETING,
                &MEETING_ITEMS,
                &key,
                &[
                    ("title", item.title.as_str().into()),
                    ("discussion", item.discussion.as_deref().into()),
                    ("mine_id", item.mine_id.map(|m| m.0).into()),
                    ("finding_id", item.finding_id.map(|f| f.0).into()),
                    ("case_id", item.case_id.map(|c| c.0).into()),
                ],
            )
            .await?;
        }
        Ok(())
    }

    /// A consultation's record is its attendance, agenda and minutes; it keeps no history of its own.
    async fn add_event(_: &mut WriteTx, _: MeetingId, _: &Event, _: &str) -> Result<()> {
        Ok(())
    }
}

impl Repository for DecisionFlow {
    async fn find(conn: &mut Conn, id: DecisionId) -> Result<Option<Decision>> {
        find_decision(conn, id).await
    }

    async fn save(tx: &mut WriteTx, d: &Decision) -> Result<()> {
        tx.update(
            &MEETING_DECISION,
            &Key::Int(d.id.0),
            &[
                ("done_at", d.done_at.map(format_timestamp).into()),
                ("done_by_label", d.done_by_label.as_deref().into()),
                ("done_note", d.done_note.as_deref().into()),
            ],
        )
        .await?;
        Ok(())
    }

    async fn add_event(_: &mut WriteTx, _: DecisionId, _: &Event, _: &str) -> Result<()> {
        Ok(())
    }
}

/// Adds a decision (the caller audits it); returns its id.
pub async fn add_decision(
    tx: &mut WriteTx,
    meeting_id: MeetingId,
    text: &str,
    agency: &AgencyCode,
    due_on: NaiveDate,
) -> Result<DecisionId> {
    let seq: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meeting_decision WHERE meeting_id = $1")
        .bind(meeting_id.0)
        .fetch_one(&mut **tx)
        .await?;
    let key = tx
        .insert(
            &MEETING_DECISION,
            &[
                ("meeting_id", meeting_id.0.into()),
                ("seq", (seq + 1).into()),
                ("text", text.into()),
                ("agency_code", agency.as_str().into()),
                ("due_on", date_text(due_on).into()),
                ("done_at", Value::Null),
                ("done_by_label", Value::Null),
                ("done_note", Value::Null),
            ],
        )
        .await?;
    key.id(DecisionId)
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Meeting> {
    Ok(Meeting {
        id: MeetingId(get(r, "meeting_id")?),
        kind: get_code(r, "kind", MeetingKind::parse)?,
        title: get(r, "title")?,
        held_on: get_date(r, "held_on")?,
        place: get(r, "place")?,
        chair: get(r, "chair")?,
        state: get_code(r, "state", MeetingState::parse)?,
        convened_by_label: get(r, "convened_by_label")?,
        convened_at: get_time(r, "convened_at")?,
        minutes_no: get(r, "minutes_no")?,
        minutes: get(r, "minutes")?,
        issued_by_label: get(r, "issued_by_label")?,
        issued_at: get_opt_time(r, "issued_at")?,
        attendees: Vec::new(),
        items: Vec::new(),
    })
}

pub async fn find(conn: &mut Conn, id: MeetingId) -> Result<Option<Meeting>> {
    let row = sqlx::query("SELECT * FROM meeting WHERE meeting_id = $1")
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut m = from_row(&row)?;
    m.attendees = sqlx::query(
        "SELECT a.agency_code, g.name_zh, a.presence, a.person FROM meeting_attendee a \
         LEFT JOIN agency g ON g.agency_code = a.agency_code WHERE a.meeting_id = $1 \
         ORDER BY a.meeting_attendee_id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        let agency = get_code(r, "agency_code", AgencyCode::parse)?;
        Ok(Attendee {
            name_zh: get::<Option<String>>(r, "name_zh")?.unwrap_or_else(|| agency.as_str().to_string()),
            agency,
            presence: get_code(r, "presence", Presence::parse)?,
            person: get(r, "person")?,
        })
    })
    .collect::<Result<_>>()?;
    m.items = sqlx::query(
        "SELECT i.meeting_item_id, i.title, i.discussion, i.mine_id, m.name AS mine_name, i.finding_id, \
         i.case_id, k.case_no FROM meeting_item i LEFT JOIN mine m ON m.mine_id = i.mine_id \
         LEFT JOIN penalty_case k ON k.case_id = i.case_id WHERE i.meeting_id = $1 ORDER BY i.meeting_item_id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Item {
            id: Some(MeetingItemId(get(r, "meeting_item_id")?)),
            title: get(r, "title")?,
            discussion: get(r, "discussion")?,
            mine_id: get::<Option<i64>>(r, "mine_id")?.map(MineId),
            mine_name: get(r, "mine_name")?,
            finding_id: get::<Option<i64>>(r, "finding_id")?.map(FindingId),
            case_id: get::<Option<i64>>(r, "case_id")?.map(CaseId),
            case_no: get(r, "case_no")?,
        })
    })
    .collect::<Result<_>>()?;
    Ok(Some(m))
}

/// Consultations, newest first (without attendance and agenda).
pub async fn list(conn: &mut Conn, limit: i64) -> Result<Vec<Meeting>> {
    let rows = sqlx::query("SELECT * FROM meeting ORDER BY held_on DESC, meeting_id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

const DECISION_SELECT: &str = "SELECT d.*, m.title AS meeting_title, m.minutes_no \
    FROM meeting_decision d JOIN meeting m ON m.meeting_id = d.meeting_id";

fn decision_from_row(r: &sqlx::any::AnyRow) -> Result<Decision> {
    Ok(Decision {
        id: DecisionId(get(r, "decision_id")?),
        meeting_id: MeetingId(get(r, "meeting_id")?),
        meeting_title: get(r, "meeting_title")?,
        minutes_no: get(r, "minutes_no")?,
        seq: get(r, "seq")?,
        text: get(r, "text")?,
        agency: get_code(r, "agency_code", AgencyCode::parse)?,
        due_on: get_date(r, "due_on")?,
        done_at: get_opt_time(r, "done_at")?,
        done_by_label: get(r, "done_by_label")?,
        done_note: get(r, "done_note")?,
    })
}

pub async fn find_decision(conn: &mut Conn, id: DecisionId) -> Result<Option<Decision>> {
    let row = sqlx::query(&format!("{DECISION_SELECT} WHERE d.decision_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decision_from_row).transpose()
}

pub async fn decisions_of(conn: &mut Conn, meeting_id: MeetingId) -> Result<Vec<Decision>> {
    let rows = sqlx::query(&format!(
        "{DECISION_SELECT} WHERE d.meeting_id = $1 ORDER BY d.seq"
    ))
    .bind(meeting_id.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(decision_from_row).collect()
}

/// Every invitation of meetings held between two days (inclusive): the agency and how it attended.
pub async fn invitations(
    conn: &mut Conn,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(AgencyCode, Presence)>> {
    let rows = sqlx::query(
        "SELECT a.agency_code, a.presence FROM meeting_attendee a JOIN meeting m ON m.meeting_id = a.meeting_id \
         WHERE m.held_on >= $1 AND m.held_on <= $2 ORDER BY a.meeting_attendee_id",
    )
    .bind(date_text(from))
    .bind(date_text(to))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get_code(r, "agency_code", AgencyCode::parse)?,
                get_code(r, "presence", Presence::parse)?,
            ))
        })
        .collect()
}
