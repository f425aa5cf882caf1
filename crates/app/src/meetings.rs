//! 会商 / 联席会议 — the office convenes a consultation, records who attended, the agenda (linked to
//! mines, findings and cases) and the decisions, and issues the minutes; each decision then becomes a
//! task of its owner agency, followed until the agency reports it done (WORKFLOW.md §6). Attendance is
//! counted by agency and year for the yearly assessment.

use crate::workflow;
use crate::{App, AppError, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::field::{date, optional_text, required_text};
use orewatch_domain::meeting::{
    check_decision, Attendance, DecisionCommand, DecisionFlow, Item, MeetingCommand, MeetingFlow,
    MeetingKind, Presence,
};
pub use orewatch_domain::meeting::{DecisionStep, MeetingStep};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::TaskKind;
use orewatch_domain::workflow::{DocumentKind, Issuer};
use orewatch_domain::{
    AgencyCode, CaseId, DecisionId, FieldErrors, FindingId, MeetingId, MineId, Problem, RecordType,
};
use orewatch_storage::meetings::{self, NewMeeting};
pub use orewatch_storage::meetings::{Decision, Meeting};
use orewatch_storage::tasks::TaskRow;
use orewatch_storage::{agencies, cases, findings, WriteTx};
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
pub async fn convene(app: &App, caller: &Caller, input: &ConveneInput<'_>) -> Result<MeetingId> {
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
    workflow::created::<MeetingFlow>(&mut tx, app, caller, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records how an invited agency attended (and who sat for it).
pub async fn record_attendance(
    app: &App,
    caller: &Caller,
    id: MeetingId,
    agency: &str,
    presence: &str,
    person: &str,
) -> Result<()> {
    let mut e = FieldErrors::new();
    let presence = e.take("presence", Presence::parse(presence));
    let person = e.take("person", optional_text(person, 60));
    {
        let mut conn = app.db.conn().await?;
        workflow::allowed::<MeetingFlow>(&mut conn, app, caller, id, MeetingStep::Attend).await?;
    }
    let code = AgencyCode::parse(agency.trim()).map_err(|p| AppError::invalid("agency", p))?;
    let (Some(presence), Some(person)) = (presence, person) else {
        return Err(AppError::Invalid(e));
    };
    let command = MeetingCommand::Attend {
        agency: code,
        presence,
        person,
    };
    workflow::step::<MeetingFlow>(app, caller, id, command, &[]).await?;
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

fn optional_id<T>(
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
    field: &'static str,
    e: &mut FieldErrors,
) -> Option<T> {
    match raw.trim() {
        "" => None,
        s => parse(s).or_else(|| {
            e.push(field, Problem::Invalid);
            None
        }),
    }
}

/// Adds an agenda item, linked to a mine, a finding or a case when it is about one.
pub async fn add_item(app: &App, caller: &Caller, id: MeetingId, input: &ItemInput<'_>) -> Result<()> {
    let mut e = FieldErrors::new();
    let title = e.take("item_title", required_text(input.title, 200));
    let discussion = e.take("discussion", optional_text(input.discussion, 4000));
    let mine_name = e.take("mine", optional_text(input.mine, 100));
    let finding_id = optional_id(input.finding, FindingId::parse, "finding", &mut e);
    let case_id = optional_id(input.case, CaseId::parse, "case", &mut e);
    let mut conn = app.db.conn().await?;
    workflow::allowed::<MeetingFlow>(&mut conn, app, caller, id, MeetingStep::AddItem).await?;
    let mut mine_id: Option<MineId> = None;
    if let Some(Some(name)) = &mine_name {
        match crate::registry::sharing::mine_named(&mut conn, name).await {
            Ok(m) => mine_id = Some(m),
            Err(AppError::Invalid(errors)) => e.0.extend(errors.0),
            Err(other) => return Err(other),
        }
    }
    if let Some(f) = finding_id {
        match findings::find(&mut conn, f).await? {
            Some(found) => mine_id = mine_id.or(Some(found.mine_id)),
            None => e.push("finding", Problem::NotFound),
        }
    }
    if let Some(c) = case_id {
        match cases::find(&mut conn, c).await? {
            Some(found) => mine_id = mine_id.or(Some(found.mine_id)),
            None => e.push("case", Problem::NotFound),
        }
    }
    drop(conn);
    let (Some(title), Some(discussion)) = (title, discussion) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let item = Item {
        id: None,
        title,
        discussion,
        mine_id,
        mine_name: None,
        finding_id,
        case_id,
        case_no: None,
    };
    workflow::step::<MeetingFlow>(app, caller, id, MeetingCommand::AddItem(item), &[]).await?;
    Ok(())
}

/// Adds a decision: its text, its owner agency and its deadline (domain::meeting::check_decision),
/// while the consultation is open.
pub async fn add_decision(
    app: &App,
    caller: &Caller,
    id: MeetingId,
    text: &str,
    agency: &str,
    due_on: &str,
) -> Result<DecisionId> {
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
    let meeting =
        workflow::allowed::<MeetingFlow>(&mut tx, app, caller, id, MeetingStep::AddDecision).await?;
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
    workflow::created::<DecisionFlow>(&mut tx, app, caller, decision).await?;
    tx.commit().await?;
    Ok(decision)
}

/// 印发纪要: issues the minutes — every invited agency's attendance recorded, at least one agenda item —
/// numbered 矿监纪〔year〕n号; every decision is published with them and becomes its owner's task.
pub async fn issue(app: &App, caller: &Caller, id: MeetingId, minutes: &str) -> Result<()> {
    let minutes = required_text(minutes, 20_000).map_err(|p| AppError::invalid("minutes", p))?;
    let mut tx = app.write(caller).await?;
    workflow::allowed::<MeetingFlow>(&mut tx, app, caller, id, MeetingStep::Issue).await?;
    // The number the minutes will carry: the decisions are published under it first, in this write.
    let today = orewatch_domain::task::local_date(app.now());
    let number = workflow::reserve_number(&mut tx, DocumentKind::Minutes, &Issuer::Office, today).await?;
    for d in meetings::decisions_of(&mut tx, id).await? {
        let publish = DecisionCommand::Publish {
            minutes_no: number.clone(),
        };
        workflow::step_in::<DecisionFlow>(&mut tx, app, caller, d.id, publish, &[]).await?;
    }
    let command = MeetingCommand::Issue { minutes };
    workflow::step_in::<MeetingFlow>(&mut tx, app, caller, id, command, &[]).await?;
    tx.commit().await?;
    Ok(())
}

/// The owner agency reports a decision done, with what was done.
pub async fn complete_decision(
    app: &App,
    caller: &Caller,
    decision_id: DecisionId,
    note: &str,
) -> Result<()> {
    let note = required_text(note, 2000).map_err(|p| AppError::invalid("done_note", p))?;
    let command = DecisionCommand::Complete { note };
    workflow::step::<DecisionFlow>(app, caller, decision_id, command, &[]).await?;
    Ok(())
}

/// A consultation with the steps open to the reader, and its decisions with their open tasks and
/// steps.
#[derive(Debug, Clone)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub open: Vec<MeetingStep>,
    pub decisions: Vec<DecisionView>,
}

#[derive(Debug, Clone)]
pub struct DecisionView {
    pub decision: Decision,
    pub task: Option<TaskRow>,
    pub open: Vec<DecisionStep>,
}

pub async fn show(app: &App, caller: &Caller, id: MeetingId) -> Result<MeetingView> {
    caller.require(Action::ViewMeetings, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let meeting = meetings::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let open = workflow::offered::<MeetingFlow>(&mut conn, app, caller, &meeting).await?;
    let mut decisions = Vec::new();
    for decision in meetings::decisions_of(&mut conn, id).await? {
        let task = orewatch_storage::tasks::open_for(
            &mut conn,
            RecordType::MeetingDecision,
            &decision.id.to_string(),
            Some(TaskKind::MeetingDecision),
        )
        .await?
        .into_iter()
        .next();
        let open = workflow::offered::<DecisionFlow>(&mut conn, app, caller, &decision).await?;
        decisions.push(DecisionView { decision, task, open });
    }
    Ok(MeetingView {
        meeting,
        open,
        decisions,
    })
}

/// The meeting a decision belongs to (for links from the inbox).
pub async fn meeting_of_decision(app: &App, caller: &Caller, decision_id: DecisionId) -> Result<MeetingId> {
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
