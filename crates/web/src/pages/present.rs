//! Presenters shared by several pages: how a task and its assignee, an attached file, a history event,
//! a finding's ledger row, a case's list row and the kinds of inspection are shown. A page that needs one
//! of these takes it from here, never from another page.

use super::labels::label;
use super::{agency_label, FormData, SelectOption};
use crate::ctx::Ctx;
use crate::i18n::fill;
use orewatch_app::enforcement::cases::Case;
use orewatch_app::ledger::findings::{Finding, FindingFlow};
use orewatch_app::organisation::AgencyRecord;
use orewatch_app::registry::permits::Attachment;
use orewatch_app::tasks::TaskRow;
use orewatch_domain::field::yuan_text;
use orewatch_domain::finding::FindingState;
use orewatch_domain::inspection::ActKind;
use orewatch_domain::penalty::CaseFlow;
use orewatch_domain::penalty::CaseState;
use orewatch_domain::task::Assignee;
use orewatch_domain::task_title::TaskTitle;
use orewatch_domain::workflow::{event_facts, HistoryEvent};
use orewatch_domain::CaseId;
use orewatch_domain::FindingId;
use strum::IntoEnumIterator;

/// Who a task waits for, in words.
pub fn assignee_text(ctx: &Ctx, agencies: &[AgencyRecord], assignee: &Assignee) -> String {
    match assignee {
        Assignee::Account(_) => ctx.t("inbox.assignee_person").to_string(),
        Assignee::Agency { agency, role } => {
            let name = agency_label(ctx, agencies, Some(agency.as_str()));
            match role {
                Some(role) => format!("{name} · {}", ctx.t(role.label_key())),
                None => name,
            }
        }
        Assignee::Office => ctx.t("role.office").to_string(),
        Assignee::Role(role) => ctx.t(role.label_key()).to_string(),
    }
}

/// A task's title in the reader's language: its kind's words with its parameters, the codes among
/// them named by the catalogue.
pub fn task_title(ctx: &Ctx, title: &TaskTitle) -> String {
    let args: Vec<(String, String)> = title
        .args()
        .into_iter()
        .map(|(name, value)| match name.as_str() {
            "measure_kind" | "flag_rule" | "proposal_kind" => {
                let named = label(ctx, &name, &value);
                (name, named)
            }
            _ => (name, value),
        })
        .collect();
    let args: Vec<(&str, String)> = args.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    ctx.tf(&title.key(), &args)
}

/// An open task of a record, as its page lists it.
pub struct TaskLine {
    pub kind: String,
    pub who: String,
    pub due: String,
    pub level: String,
    pub late: bool,
}

/// The record's open tasks, late ones marked.
pub fn task_lines(
    ctx: &Ctx,
    agencies: &[AgencyRecord],
    tasks: &[TaskRow],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<TaskLine> {
    tasks
        .iter()
        .map(|t| TaskLine {
            kind: label(ctx, "task_kind", t.task.kind.as_str()),
            who: assignee_text(ctx, agencies, &t.task.assignee),
            due: ctx.time(&t.task.due_at),
            level: label(ctx, "task_level", t.task.level.code()),
            late: t.task.due_at <= now,
        })
        .collect()
}

/// A file attached to a record, as its page lists it.
pub struct FileRow {
    pub id: orewatch_domain::AttachmentId,
    pub name: String,
    pub size: String,
    pub by: String,
}

pub fn file_rows(ctx: &Ctx, files: &[Attachment]) -> Vec<FileRow> {
    files
        .iter()
        .map(|a| FileRow {
            id: a.id,
            name: a.file_name.clone(),
            size: format!("{:.1} KB", a.size_bytes as f64 / 1024.0),
            by: format!("{} · {}", ctx.time(&a.uploaded_at), a.uploaded_by_label),
        })
        .collect()
}

/// The CSS class of a finding's state badge: red when late, else as its state stands.
pub fn finding_state_class(state: FindingState, overdue: bool) -> &'static str {
    if overdue {
        "bad"
    } else {
        super::state_class::<FindingFlow>(state)
    }
}

/// One row of the ledger.
pub struct FindingRow {
    pub id: FindingId,
    pub mine_id: i64,
    pub mine: String,
    pub township: String,
    pub category: String,
    pub agency: String,
    pub severity: String,
    pub state: String,
    pub state_class: &'static str,
    pub deadline: String,
    pub overdue: bool,
    pub listed: bool,
}

fn category_label(ctx: &Ctx, f: &Finding) -> String {
    match ctx.lang() {
        crate::i18n::Lang::En => f.category_en.clone(),
        _ => f.category_zh.clone(),
    }
}

pub fn finding_row(
    ctx: &Ctx,
    agencies: &[AgencyRecord],
    f: &Finding,
    today: chrono::NaiveDate,
) -> FindingRow {
    let overdue = f.overdue(today);
    FindingRow {
        id: f.id,
        mine_id: f.mine_id.0,
        mine: f.mine_name.clone(),
        township: f.township.clone(),
        category: category_label(ctx, f),
        agency: agency_label(ctx, agencies, Some(f.agency.as_str())),
        severity: label(ctx, "severity", f.severity.as_str()),
        state: if overdue {
            format!(
                "{} · {}",
                label(ctx, "finding_state", f.state.as_str()),
                ctx.t("ledger.overdue")
            )
        } else {
            label(ctx, "finding_state", f.state.as_str())
        },
        state_class: finding_state_class(f.state, overdue),
        deadline: f.deadline_on.to_string(),
        overdue,
        listed: f.listed_at.is_some(),
    }
}

/// The kinds of inspection to choose from (routine unless another was typed).
pub fn kind_options(ctx: &Ctx, form: &FormData) -> Vec<SelectOption> {
    let kind = match form.get("kind") {
        "" => "routine",
        k => k,
    };
    ActKind::iter()
        .map(|k| SelectOption::new(k.as_str(), label(ctx, "act_kind", k.as_str()), kind))
        .collect()
}

/// One event of a record's history as shown.
pub struct EventRow {
    pub at: String,
    pub what: String,
    pub by: String,
    pub note: String,
    pub date: String,
}

/// A record's history as shown: each event named by the catalogue (`<prefix>.<kind>`). An event the
/// platform wrote itself keeps only its facts (a version number, a day): its words are the catalogue's,
/// with `{note}` and `{date}` filled from the event, and a fact said there is not repeated beside it;
/// an event with several facts ([`orewatch_domain::workflow::Event::facts`]) has its note put into
/// words by `<prefix>_note.<kind>`. `dated` shows the day an event concerns in a column of its own.
pub fn history(ctx: &Ctx, prefix: &str, events: &[HistoryEvent], dated: bool) -> Vec<EventRow> {
    events
        .iter()
        .map(|e| {
            let words = label(ctx, prefix, &e.kind);
            let mut note = e.note.clone().unwrap_or_default();
            let template = ctx.tr.find(&format!("{prefix}_note.{}", e.kind));
            if let (Some(template), Some(facts)) = (template, event_facts(&note)) {
                let facts: Vec<(&str, String)> = facts.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
                note = fill(template, &facts);
            }
            let date = e.on_date.map(|d| d.to_string()).unwrap_or_default();
            let (note_said, date_said) = (words.contains("{note}"), words.contains("{date}"));
            EventRow {
                at: ctx.time(&e.at),
                what: fill(&words, &[("note", note.clone()), ("date", date.clone())]),
                by: e.by_label.clone(),
                note: if note_said { String::new() } else { note },
                date: if dated && !date_said { date } else { String::new() },
            }
        })
        .collect()
}

/// The CSS class of a case's state badge: red when its decision is late, else as its state stands.
fn case_state_class(state: CaseState, late: bool) -> &'static str {
    if late {
        "bad"
    } else {
        super::state_class::<CaseFlow>(state)
    }
}

/// Whether an undecided case has passed its 90-day deadline.
fn decision_late(case: &Case, today: chrono::NaiveDate) -> bool {
    case.decided_on.is_none() && today > case.decide_by_on
}

/// One row of the list.
pub struct CaseRow {
    pub id: CaseId,
    pub case_no: String,
    pub mine_id: i64,
    pub mine: String,
    pub party: String,
    pub cause: String,
    pub agency: String,
    pub state: String,
    pub state_class: &'static str,
    pub deadline: String,
    pub late: bool,
    pub value: String,
}

/// The value a case is judged by, as shown: the appraised (legal) value, or the estimate labelled as
/// one, or nothing.
fn value_text(ctx: &Ctx, case: &Case) -> String {
    match (case.appraised_fen, &case.estimate) {
        (Some(v), _) => format!("¥{} · {}", yuan_text(v), ctx.t("case.appraised")),
        (None, Some(e)) => format!("¥{} · {}", yuan_text(e.value_fen), ctx.t("case.estimate_label")),
        (None, None) => String::new(),
    }
}

pub fn case_row(ctx: &Ctx, agencies: &[AgencyRecord], c: &Case, today: chrono::NaiveDate) -> CaseRow {
    let late = decision_late(c, today);
    CaseRow {
        id: c.id,
        case_no: c.case_no.clone(),
        mine_id: c.mine_id.0,
        mine: c.mine_name.clone(),
        party: c.company_name.clone(),
        cause: c.cause.clone(),
        agency: agency_label(ctx, agencies, Some(c.agency.as_str())),
        state: label(ctx, "case_state", c.state.as_str()),
        state_class: case_state_class(c.state, late),
        deadline: if c.decided_on.is_none() {
            c.decide_by_on.to_string()
        } else {
            String::new()
        },
        late,
        value: value_text(ctx, c),
    }
}
