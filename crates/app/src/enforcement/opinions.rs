//! 检察意见 — the procuratorate's opinions coming in (reverse referral, WORKFLOW.md §5): when it drops a
//! criminal case but a penalty is due, it sends the agency an opinion, which the agency answers within
//! 2 months. Recorded by the agency's staff, answered by its head, each a task with escalation.

use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{date, optional_text, required_text};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::referral::opinion::OpinionStep;
use orewatch_domain::referral::OpinionFlow;
use orewatch_domain::task::local_date;
use orewatch_domain::{CaseId, FieldErrors, MineId, OpinionId, Problem};
use orewatch_storage::cases;
pub use orewatch_storage::opinions::Opinion;
use orewatch_storage::opinions::{self, NewOpinion};

/// Raw input of an opinion received.
#[derive(Debug, Clone, Default)]
pub struct OpinionInput<'a> {
    /// 文号, e.g. 某检行意〔2026〕3号.
    pub doc_no: &'a str,
    /// The procuratorate, in full.
    pub from_body: &'a str,
    /// The day it was received (YYYY-MM-DD); the 2 months run from it.
    pub received_on: &'a str,
    /// What it asks.
    pub summary: &'a str,
    /// The mine, by its exact name (optional).
    pub mine: &'a str,
    /// The agency's case it concerns, by id (optional).
    pub case: &'a str,
}

/// Whether the caller may record an opinion received by their agency.
pub fn may_record(caller: &Caller) -> bool {
    caller
        .agency()
        .is_some_and(|a| caller.may(Action::RecordOpinion, &Resource::Agency(a.clone())))
}

/// Records an opinion received by the caller's agency; its head's 2-month answer clock starts.
pub async fn record(app: &App, caller: &Caller, input: &OpinionInput<'_>) -> Result<OpinionId> {
    let agency = caller
        .agency()
        .cloned()
        .ok_or(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role))?;
    caller.require(Action::RecordOpinion, &Resource::Agency(agency.clone()))?;
    let mut e = FieldErrors::new();
    let doc_no = e.take("doc_no", required_text(input.doc_no, 60));
    let from_body = e.take("from_body", required_text(input.from_body, 100));
    let received_on = e.take("received_on", date(input.received_on));
    let summary = e.take("summary", required_text(input.summary, 2000));
    let mine_name = e.take("mine", optional_text(input.mine, 100));
    let case_id = match input.case.trim() {
        "" => None,
        raw => match CaseId::parse(raw) {
            Some(id) => Some(id),
            None => {
                e.push("case", Problem::Invalid);
                None
            }
        },
    };
    let mut tx = app.write(caller).await?;
    let today = local_date(tx.now());
    if let Some(day) = received_on {
        if day > today {
            e.push("received_on", Problem::DateInFuture);
        }
    }
    let mut mine_id: Option<MineId> = None;
    if let Some(Some(name)) = &mine_name {
        match crate::registry::sharing::mine_named(&mut tx, name).await {
            Ok(id) => mine_id = Some(id),
            Err(AppError::Invalid(errors)) => e.0.extend(errors.0),
            Err(other) => return Err(other),
        }
    }
    if let Some(id) = case_id {
        match cases::find(&mut tx, id).await? {
            Some(c) if c.agency == agency => {
                mine_id = mine_id.or(Some(c.mine_id));
            }
            _ => e.push("case", Problem::NotFound),
        }
    }
    if let Some(no) = &doc_no {
        if let Some(existing) = opinions::find_by_no(&mut tx, no).await? {
            e.push(
                "doc_no",
                Problem::DuplicateOf {
                    existing: existing.doc_no,
                },
            );
        }
    }
    let (Some(doc_no), Some(from_body), Some(received_on), Some(summary)) =
        (doc_no, from_body, received_on, summary)
    else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let answer_by = app.settings.referrals.opinion_due(received_on);
    let id = opinions::insert(
        &mut tx,
        &NewOpinion {
            agency: &agency,
            doc_no: &doc_no,
            from_body: &from_body,
            mine_id,
            case_id,
            summary: &summary,
            received_on,
            answer_by_on: answer_by,
            recorded_by_label: &caller.display_name,
        },
    )
    .await?;
    crate::workflow::created::<OpinionFlow>(&mut tx, app, caller, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// The head answers an opinion (what the agency did: a case filed, a penalty decided, or why not).
pub async fn answer(app: &App, caller: &Caller, id: OpinionId, text: &str) -> Result<()> {
    let answer = required_text(text, 2000);
    let mut conn = app.db.conn().await?;
    crate::workflow::allowed::<OpinionFlow>(&mut conn, app, caller, id, OpinionStep::Answer).await?;
    drop(conn);
    let answer = answer.map_err(|p| AppError::invalid("answer", p))?;
    crate::workflow::step::<OpinionFlow>(app, caller, id, answer, &[]).await?;
    Ok(())
}

/// Opinions (every one for those who read cases; of one agency when given), each with whether the
/// caller may answer it now.
pub async fn list(
    app: &App,
    caller: &Caller,
    agency: Option<&orewatch_domain::AgencyCode>,
) -> Result<Vec<(Opinion, bool)>> {
    caller.require(Action::ViewCases, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(opinions::list(&mut conn, agency, 500)
        .await?
        .into_iter()
        .map(|o| {
            let may = crate::workflow::may_take::<OpinionFlow>(app, caller, &o, OpinionStep::Answer);
            (o, may)
        })
        .collect())
}
