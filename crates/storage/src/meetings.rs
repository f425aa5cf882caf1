//! 会商 — consultations with their attendance and agenda (parts of the meeting's record), their
//! decisions (records of their own, each followed by a task), and the attendance counts by agency.
//!
//! No rule lives here: what may change when, and what a decision needs, are `domain::meeting`'s.

use crate::bound::{Key, Value, MEETING, MEETING_ATTENDEES, MEETING_DECISION, MEETING_ITEMS};
use crate::{date_text, get, get_code, get_date, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::meeting::{MeetingKind, MeetingState, Presence};
use orewatch_domain::{AgencyCode, MineId};

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

/// An invited agency and how it attended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub agency: AgencyCode,
    pub presence: Presence,
    pub person: Option<String>,
}

/// An agenda item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub title: String,
    pub discussion: Option<String>,
    pub mine_id: Option<MineId>,
    pub mine_name: Option<String>,
    pub finding_id: Option<i64>,
    pub case_id: Option<i64>,
    pub case_no: Option<String>,
}

/// A stored consultation.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    pub id: i64,
    pub kind: MeetingKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub place: String,
    pub chair: String,
    pub state: MeetingState,
    pub convened_by_label: String,
    pub convened_at: DateTime<Utc>,
    pub minutes_no: Option<String>,
    pub minutes: Option<String>,
    pub issued_by_label: Option<String>,
    pub issued_at: Option<DateTime<Utc>>,
    pub attendees: Vec<Attendee>,
    pub items: Vec<Item>,
}

/// A stored decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub meeting_id: i64,
    pub meeting_title: String,
    pub minutes_no: Option<String>,
    pub seq: i64,
    pub text: String,
    pub agency: AgencyCode,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by_label: Option<String>,
    pub done_note: Option<String>,
}

pub async fn insert(tx: &mut WriteTx, m: &NewMeeting<'_>, invited: &[AgencyCode]) -> Result<i64> {
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
    Ok(key.int().unwrap_or_default())
}

pub async fn update(tx: &mut WriteTx, id: i64, set: &[(&str, Value)]) -> Result<u64> {
    tx.update(&MEETING, &Key::Int(id), set).await
}

/// Records how an invited agency attended; returns whether it was invited.
pub async fn set_presence(
    tx: &mut WriteTx,
    id: i64,
    agency: &AgencyCode,
    presence: Presence,
    person: Option<&str>,
) -> Result<bool> {
    let changed = tx
        .update_child(
            &MEETING,
            &MEETING_ATTENDEES,
            &Key::Int(id),
            "agency_code = ?1",
            &[agency.as_str().into()],
            &[("presence", presence.as_str().into()), ("person", person.into())],
        )
        .await?;
    Ok(changed > 0)
}

/// Adds an agenda item.
pub async fn add_item(
    tx: &mut WriteTx,
    id: i64,
    title: &str,
    discussion: Option<&str>,
    mine_id: Option<MineId>,
    finding_id: Option<i64>,
    case_id: Option<i64>,
) -> Result<()> {
    tx.insert_child(
        &MEETING,
        &MEETING_ITEMS,
        &Key::Int(id),
        &[
            ("title", title.into()),
            ("discussion", discussion.into()),
            ("mine_id", mine_id.map(|m| m.0).into()),
            ("finding_id", finding_id.into()),
            ("case_id", case_id.into()),
        ],
    )
    .await
}

/// Adds a decision (the caller audits it); returns its id.
pub async fn add_decision(
    tx: &mut WriteTx,
    meeting_id: i64,
    text: &str,
    agency: &AgencyCode,
    due_on: NaiveDate,
) -> Result<i64> {
    let seq: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meeting_decision WHERE meeting_id = $1")
        .bind(meeting_id)
        .fetch_one(&mut **tx)
        .await?;
    let key = tx
        .insert(
            &MEETING_DECISION,
            &[
                ("meeting_id", meeting_id.into()),
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
    Ok(key.int().unwrap_or_default())
}

pub async fn update_decision(tx: &mut WriteTx, id: i64, set: &[(&str, Value)]) -> Result<u64> {
    tx.update(&MEETING_DECISION, &Key::Int(id), set).await
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Meeting> {
    Ok(Meeting {
        id: get(r, "meeting_id")?,
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

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Meeting>> {
    let row = sqlx::query("SELECT * FROM meeting WHERE meeting_id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut m = from_row(&row)?;
    m.attendees = sqlx::query(
        "SELECT agency_code, presence, person FROM meeting_attendee WHERE meeting_id = $1 \
         ORDER BY meeting_attendee_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Attendee {
            agency: get_code(r, "agency_code", AgencyCode::parse)?,
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
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Item {
            id: get(r, "meeting_item_id")?,
            title: get(r, "title")?,
            discussion: get(r, "discussion")?,
            mine_id: get::<Option<i64>>(r, "mine_id")?.map(MineId),
            mine_name: get(r, "mine_name")?,
            finding_id: get(r, "finding_id")?,
            case_id: get(r, "case_id")?,
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

/// How many minutes carry a number starting with `prefix`.
pub async fn numbers_with_prefix(conn: &mut Conn, prefix: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM meeting WHERE minutes_no LIKE $1 ESCAPE '\\'")
            .bind(format!("{}%", crate::like_pattern(prefix).trim_matches('%')))
            .fetch_one(conn)
            .await?,
    )
}

const DECISION_SELECT: &str = "SELECT d.*, m.title AS meeting_title, m.minutes_no \
    FROM meeting_decision d JOIN meeting m ON m.meeting_id = d.meeting_id";

fn decision_from_row(r: &sqlx::any::AnyRow) -> Result<Decision> {
    Ok(Decision {
        id: get(r, "decision_id")?,
        meeting_id: get(r, "meeting_id")?,
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

pub async fn find_decision(conn: &mut Conn, id: i64) -> Result<Option<Decision>> {
    let row = sqlx::query(&format!("{DECISION_SELECT} WHERE d.decision_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decision_from_row).transpose()
}

pub async fn decisions_of(conn: &mut Conn, meeting_id: i64) -> Result<Vec<Decision>> {
    let rows = sqlx::query(&format!(
        "{DECISION_SELECT} WHERE d.meeting_id = $1 ORDER BY d.seq"
    ))
    .bind(meeting_id)
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
