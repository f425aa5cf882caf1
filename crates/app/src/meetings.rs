//! 会商 / 联席会议 — the office convenes a consultation, records who attended, the agenda (linked to
//! mines, findings and cases) and the decisions, and issues the minutes; each decision then becomes a
//! task of its owner agency, followed until the agency reports it done (WORKFLOW.md §6). Attendance is
//! counted by agency and year for the yearly assessment.

use crate::tasks as task_cases;
use crate::{App, AppError, Caller, Result};
use chrono::{Datelike, NaiveDate};
use orewatch_domain::field::{date, optional_text, required_text};
use orewatch_domain::meeting::{check_decision, Attendance, MeetingKind, MeetingState, Presence};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::{end_of_day, local_date, Assignee, Level, Task, TaskKind};
use orewatch_domain::{AgencyCode, AuditAction, FieldErrors, MineId, Problem, RecordType};
use orewatch_storage::meetings::{self, NewMeeting};
pub use orewatch_storage::meetings::{Decision, Meeting};
use orewatch_storage::tasks::{Outcome, TaskRow};
use orewatch_storage::{agencies, cases, findings, Key, WriteTx};
use std::collections::BTreeMap;

/// Raw input of a consultation to convene.
#[derive(Debug, Clone, Default)]
pub struct ConveneInput<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    /// The day it is held (YYYY-MM-DD).
    pub held_on: &'a str,
    pub place: &'a str,
    /// Who chairs it (e.g. 指挥长 / 副县长 …).
    pub chair: &'a str,
    /// The agencies invited, by code.
    pub agencies: Vec<&'a str>,
}

async fn agency_of(tx: &mut WriteTx, raw: &str, field: &'static str) -> Result<AgencyCode> {
    let code = AgencyCode::parse(raw.trim()).map_err(|p| AppError::invalid(field, p))?;
    agencies::find(tx, &code)
        .await?
        .ok_or_else(|| AppError::invalid(field, Problem::NotFound))?;
    Ok(code)
}

/// 召集: the office convenes a consultation with the agencies it invites.
pub async fn convene(app: &App, caller: &Caller, input: &ConveneInput<'_>) -> Result<i64> {
    caller.require(Action::ConveneMeeting, &Resource::Installation)?;
    let mut e = FieldErrors::new();
    let kind = e.take("kind", MeetingKind::parse(input.kind));
    let title = e.take("title", required_text(input.title, 100));
    let held_on = e.take("held_on", date(input.held_on));
    let place = e.take("place", required_text(input.place, 100));
    let chair = e.take("chair", required_text(input.chair, 60));
    let mut tx = app.write(caller).await?;
    let mut invited: Vec<AgencyCode> = Vec::new();
    for raw in &input.agencies {
        match agency_of(&mut tx, raw, "agencies").await {
            Ok(code) if !invited.contains(&code) => invited.push(code),
            Ok(_) => {}
            Err(AppError::Invalid(errors)) => e.0.extend(errors.0),
            Err(other) => return Err(other),
        }
    }
    if invited.is_empty() && e.get("agencies").is_none() {
        e.push("agencies", Problem::Required);
    }
    let (Some(kind), Some(title), Some(held_on), Some(place), Some(chair)) =
        (kind, title, held_on, place, chair)
    else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let id = meetings::insert(
        &mut tx,
        &NewMeeting {
            kind,
            title: &title,
            held_on,
            place: &place,
            chair: &chair,
            convened_by_label: &caller.display_name,
        },
        &invited,
    )
    .await?;
    tx.audit(
        AuditAction::MeetingConvene,
        RecordType::Meeting,
        &Key::Int(id),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Reads an open meeting inside a write for the office.
async fn open_meeting(tx: &mut WriteTx, caller: &Caller, id: i64) -> Result<Meeting> {
    caller.require(Action::ConveneMeeting, &Resource::Installation)?;
    let meeting = meetings::find(tx, id).await?.ok_or(AppError::NotFound)?;
    meeting
        .state
        .check_open()
        .map_err(|p| AppError::invalid("state", p))?;
    Ok(meeting)
}

async fn recorded(
    tx: &mut WriteTx,
    id: i64,
    before: Option<orewatch_storage::bound::State>,
    note: String,
) -> Result<()> {
    tx.audit(
        AuditAction::MeetingRecord,
        RecordType::Meeting,
        &Key::Int(id),
        before,
        Some(note),
    )
    .await?;
    Ok(())
}

/// Records how an invited agency attended (and who sat for it).
pub async fn record_attendance(
    app: &App,
    caller: &Caller,
    id: i64,
    agency: &str,
    presence: &str,
    person: &str,
) -> Result<()> {
    let mut e = FieldErrors::new();
    let presence = e.take("presence", Presence::parse(presence));
    let person = e.take("person", optional_text(person, 60));
    let mut tx = app.write(caller).await?;
    open_meeting(&mut tx, caller, id).await?;
    let code = agency_of(&mut tx, agency, "agency").await?;
    let (Some(presence), Some(person)) = (presence, person) else {
        return Err(AppError::Invalid(e));
    };
    let before = tx.state(RecordType::Meeting, &Key::Int(id)).await?;
    if !meetings::set_presence(&mut tx, id, &code, presence, person.as_deref()).await? {
        return Err(AppError::invalid("agency", Problem::NotFound));
    }
    recorded(
        &mut tx,
        id,
        before,
        format!("{} {}", code.as_str(), presence.as_str()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Raw input of an agenda item.
#[derive(Debug, Clone, Default)]
pub struct ItemInput<'a> {
    pub title: &'a str,
    pub discussion: &'a str,
    /// The mine, by its exact name (optional).
    pub mine: &'a str,
    /// A finding (id, optional).
    pub finding: &'a str,
    /// A case (id, optional).
    pub case: &'a str,
}

fn optional_id(raw: &str, field: &'static str, e: &mut FieldErrors) -> Option<i64> {
    match raw.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                e.push(field, Problem::Invalid);
                None
            }
        },
    }
}

/// Adds an agenda item, linked to a mine, a finding or a case when it is about one.
pub async fn add_item(app: &App, caller: &Caller, id: i64, input: &ItemInput<'_>) -> Result<()> {
    let mut e = FieldErrors::new();
    let title = e.take("item_title", required_text(input.title, 200));
    let discussion = e.take("discussion", optional_text(input.discussion, 4000));
    let mine_name = e.take("mine", optional_text(input.mine, 100));
    let finding_id = optional_id(input.finding, "finding", &mut e);
    let case_id = optional_id(input.case, "case", &mut e);
    let mut tx = app.write(caller).await?;
    open_meeting(&mut tx, caller, id).await?;
    let mut mine_id: Option<MineId> = None;
    if let Some(Some(name)) = &mine_name {
        match crate::registry::sharing::mine_named(&mut tx, name).await {
            Ok(m) => mine_id = Some(m),
            Err(AppError::Invalid(errors)) => e.0.extend(errors.0),
            Err(other) => return Err(other),
        }
    }
    if let Some(f) = finding_id {
        match findings::find(&mut tx, orewatch_domain::FindingId(f)).await? {
            Some(found) => mine_id = mine_id.or(Some(found.mine_id)),
            None => e.push("finding", Problem::NotFound),
        }
    }
    if let Some(c) = case_id {
        match cases::find(&mut tx, c).await? {
            Some(found) => mine_id = mine_id.or(Some(found.mine_id)),
            None => e.push("case", Problem::NotFound),
        }
    }
    let (Some(title), Some(discussion)) = (title, discussion) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let before = tx.state(RecordType::Meeting, &Key::Int(id)).await?;
    meetings::add_item(
        &mut tx,
        id,
        &title,
        discussion.as_deref(),
        mine_id,
        finding_id,
        case_id,
    )
    .await?;
    recorded(&mut tx, id, before, format!("议题：{title}")).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a decision: its text, its owner agency and its deadline (domain::meeting::check_decision).
pub async fn add_decision(
    app: &App,
    caller: &Caller,
    id: i64,
    text: &str,
    agency: &str,
    due_on: &str,
) -> Result<i64> {
    let mut e = FieldErrors::new();
    let text_ok = e.take("text", optional_text(text, 1000)).flatten();
    let due = e.take(
        "due_on",
        if due_on.trim().is_empty() {
            Ok(None)
        } else {
            date(due_on).map(Some)
        },
    );
    let mut tx = app.write(caller).await?;
    let meeting = open_meeting(&mut tx, caller, id).await?;
    let Some(due) = due else {
        return Err(AppError::Invalid(e));
    };
    let owner = Some(agency).filter(|a| !a.trim().is_empty());
    if let Err((field, problem)) =
        check_decision(text_ok.as_deref().unwrap_or(""), owner, due, meeting.held_on)
    {
        if e.get(field).is_none() {
            e.push(field, problem);
        }
    }
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let (Some(text), Some(due)) = (text_ok, due) else {
        return Err(AppError::Invalid(e));
    };
    let code = agency_of(&mut tx, agency, "agency").await?;
    let decision = meetings::add_decision(&mut tx, id, &text, &code, due).await?;
    tx.audit(
        AuditAction::MeetingRecord,
        RecordType::MeetingDecision,
        &Key::Int(decision),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(decision)
}

/// 印发纪要: issues the minutes — every invited agency's attendance recorded, at least one agenda item —
/// numbered `{office}纪〔year〕n号`; every decision becomes a task of its owner agency.
pub async fn issue(app: &App, caller: &Caller, id: i64, minutes: &str) -> Result<()> {
    let minutes = required_text(minutes, 20_000).map_err(|p| AppError::invalid("minutes", p))?;
    let mut tx = app.write(caller).await?;
    let meeting = open_meeting(&mut tx, caller, id).await?;
    let unrecorded: Vec<&str> = meeting
        .attendees
        .iter()
        .filter(|a| a.presence == Presence::Invited)
        .map(|a| a.agency.as_str())
        .collect();
    if !unrecorded.is_empty() {
        let mut names = Vec::new();
        for code in unrecorded {
            let code = AgencyCode::parse(code).map_err(|p| AppError::invalid("attendance", p))?;
            names.push(
                agencies::find(&mut tx, &code)
                    .await?
                    .map(|a| a.name_zh)
                    .unwrap_or_else(|| code.as_str().to_string()),
            );
        }
        return Err(AppError::invalid(
            "attendance",
            Problem::AttendanceUnrecorded {
                agencies: names.join("、"),
            },
        ));
    }
    if meeting.items.is_empty() {
        return Err(AppError::invalid("item_title", Problem::NoAgenda));
    }
    let year = local_date(tx.now()).year();
    let prefix = format!("矿监纪〔{year}〕");
    let n = meetings::numbers_with_prefix(&mut tx, &prefix).await? + 1;
    let number = format!("{prefix}{n}号");
    let key = Key::Int(id);
    let before = tx.state(RecordType::Meeting, &key).await?;
    let stamp = orewatch_domain::audit::format_timestamp(tx.now());
    meetings::update(
        &mut tx,
        id,
        &[
            ("state", MeetingState::Issued.as_str().into()),
            ("minutes_no", number.as_str().into()),
            ("minutes", minutes.as_str().into()),
            ("issued_by_label", caller.display_name.as_str().into()),
            ("issued_at", stamp.into()),
        ],
    )
    .await?;
    tx.audit(AuditAction::MeetingIssue, RecordType::Meeting, &key, before, None)
        .await?;
    for d in meetings::decisions_of(&mut tx, id).await? {
        let title: String = format!("{number} 第{}项：{}", d.seq, d.text)
            .chars()
            .take(60)
            .collect();
        task_cases::open(
            &mut tx,
            app,
            Task {
                kind: TaskKind::MeetingDecision,
                assignee: Assignee::Agency {
                    agency: d.agency.clone(),
                    role: None,
                },
                agency: Some(d.agency.clone()),
                due_at: end_of_day(d.due_on),
                level: Level::Open,
            },
            (RecordType::MeetingDecision, d.id.to_string()),
            None,
            &title,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The owner agency reports a decision done, with what was done.
pub async fn complete_decision(app: &App, caller: &Caller, decision_id: i64, note: &str) -> Result<()> {
    let note = required_text(note, 2000).map_err(|p| AppError::invalid("done_note", p))?;
    let mut tx = app.write(caller).await?;
    let d = meetings::find_decision(&mut tx, decision_id)
        .await?
        .ok_or(AppError::NotFound)?;
    caller.require(
        Action::CompleteDecision,
        &Resource::Decision {
            agency: d.agency.clone(),
        },
    )?;
    if d.minutes_no.is_none() {
        return Err(AppError::invalid(
            "done_note",
            Problem::WrongState {
                state: "纪要未印发".to_string(),
                step: "报告落实情况".to_string(),
            },
        ));
    }
    if d.done_at.is_some() {
        return Err(AppError::invalid(
            "done_note",
            Problem::AlreadyDone {
                state: "已落实".to_string(),
            },
        ));
    }
    let key = Key::Int(decision_id);
    let before = tx.state(RecordType::MeetingDecision, &key).await?;
    let stamp = orewatch_domain::audit::format_timestamp(tx.now());
    meetings::update_decision(
        &mut tx,
        decision_id,
        &[
            ("done_at", stamp.into()),
            ("done_by_label", caller.display_name.as_str().into()),
            ("done_note", note.as_str().into()),
        ],
    )
    .await?;
    tx.audit(
        AuditAction::DecisionDone,
        RecordType::MeetingDecision,
        &key,
        before,
        None,
    )
    .await?;
    task_cases::close_open(
        &mut tx,
        caller,
        (RecordType::MeetingDecision, &decision_id.to_string()),
        TaskKind::MeetingDecision,
        Outcome::Done,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A consultation with its decisions and their open tasks.
#[derive(Debug, Clone)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub decisions: Vec<(Decision, Option<TaskRow>)>,
}

pub async fn show(app: &App, caller: &Caller, id: i64) -> Result<MeetingView> {
    caller.require(Action::ViewMeetings, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let meeting = meetings::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let mut decisions = Vec::new();
    for d in meetings::decisions_of(&mut conn, id).await? {
        let task = orewatch_storage::tasks::open_for(
            &mut conn,
            RecordType::MeetingDecision,
            &d.id.to_string(),
            Some(TaskKind::MeetingDecision),
        )
        .await?
        .into_iter()
        .next();
        decisions.push((d, task));
    }
    Ok(MeetingView { meeting, decisions })
}

/// The meeting a decision belongs to (for links from the inbox).
pub async fn meeting_of_decision(app: &App, caller: &Caller, decision_id: i64) -> Result<i64> {
    caller.require(Action::ViewMeetings, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(meetings::find_decision(&mut conn, decision_id)
        .await?
        .ok_or(AppError::NotFound)?
        .meeting_id)
}

pub async fn list(app: &App, caller: &Caller) -> Result<Vec<Meeting>> {
    caller.require(Action::ViewMeetings, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(meetings::list(&mut conn, 200).await?)
}

/// Each agency's attendance at the consultations held in `year`.
pub async fn attendance(app: &App, caller: &Caller, year: i32) -> Result<BTreeMap<AgencyCode, Attendance>> {
    caller.require(Action::ViewMeetings, &Resource::Installation)?;
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(AppError::invalid("year", Problem::Invalid));
    };
    let mut conn = app.db.conn().await?;
    let mut out: BTreeMap<AgencyCode, Attendance> = BTreeMap::new();
    for (agency, presence) in meetings::invitations(&mut conn, from, to).await? {
        out.entry(agency).or_default().add(presence);
    }
    Ok(out)
}
