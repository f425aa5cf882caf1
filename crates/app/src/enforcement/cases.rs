//! The use cases of a penalty case, from 立案 to 结案 (WORKFLOW.md §4).
//!
//! Each step is parsed from the form into a [`CaseCommand`] and taken by the kernel
//! (`crate::workflow::step`): the policy, the case's workflow (`domain::penalty::case`: its state, its
//! dates and penalties), one audited write that saves the case, appends to its history, and closes and
//! opens the tasks of its clocks. A step sent twice is refused with "already done" and changes nothing.
//!
//! The clocks, each a task with its escalation: the decision within 90 days of filing (the head); the
//! party's statement and defence, 5 working days from service; a requested hearing; the legal review;
//! and the execution of the decision (payment within 15 days).

use crate::evidence::EvidenceFile;
use crate::workflow::Stepped;
use crate::{App, AppError, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::field::{date, optional_money_fen, optional_text, required_text};
use orewatch_domain::inspection::{check_officers, Officer};
pub use orewatch_domain::penalty::CaseStep;
use orewatch_domain::penalty::{CaseCommand, CaseFlow, Estimate, Penalty};
use orewatch_domain::policy::{Action, Listing, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::workflow::{DocumentKind, Issuer, Workflow};
use orewatch_domain::{
    AccountId, AgencyCode, AttachmentId, CaseId, FieldErrors, FindingId, MineId, Problem, RecordType, Role,
};
use orewatch_storage::cases::{self, NewCase};
pub use orewatch_storage::cases::{Case, CaseFilter, CaseFinding, CaseOfficer};
use orewatch_storage::files::{self, Attachment};
use orewatch_storage::register;
use orewatch_storage::register::Card;
use orewatch_storage::tasks::TaskRow;
use orewatch_storage::{findings, mines, Page};

/// The policy's view of a case.
pub fn resource(case: &Case) -> Resource {
    CaseFlow::resource(case)
}

fn yes(raw: &str) -> bool {
    matches!(raw.trim(), "1" | "on" | "true" | "yes")
}

/// Raw input of a new case.
#[derive(Debug, Clone, Default)]
pub struct FileInput<'a> {
    /// The mine, by its exact name.
    pub mine: &'a str,
    /// The findings the case is about (ids), all at the mine.
    pub findings: Vec<&'a str>,
    /// 案由.
    pub cause: &'a str,
    /// 重大案件: "1" when the head marks it major (it then needs a legal review).
    pub major: &'a str,
    /// The case team: account ids of officers holding a card valid today.
    pub officers: Vec<&'a str>,
}

/// The officers of the agency who may be on a case team today: holders of a card valid today.
pub async fn team_candidates(app: &App, caller: &Caller, agency: &AgencyCode) -> Result<Vec<Card>> {
    caller.require(Action::FileCase, &Resource::Agency(agency.clone()))?;
    let today = local_date(app.now());
    let mut conn = app.db.conn().await?;
    Ok(register::cards(&mut conn, Some(agency))
        .await?
        .into_iter()
        .filter(|c| c.valid_on(today))
        .collect())
}

/// 立案: files a case in the caller's agency (its head approves the filing) with a team of at least two
/// officers holding valid cards, about findings at one mine; opens the 90-day decision clock.
pub async fn file(app: &App, caller: &Caller, input: &FileInput<'_>) -> Result<CaseId> {
    let agency = caller
        .agency()
        .cloned()
        .ok_or(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role))?;
    caller.require(Action::FileCase, &Resource::Agency(agency.clone()))?;
    let mut e = FieldErrors::new();
    let cause = e.take("cause", required_text(input.cause, 200));
    let mine_name = e.take("mine", required_text(input.mine, 100));
    let mut finding_ids: Vec<FindingId> = Vec::new();
    for raw in &input.findings {
        match FindingId::parse(raw) {
            Some(id) if !finding_ids.contains(&id) => finding_ids.push(id),
            Some(_) => {}
            None => e.push("findings", Problem::Invalid),
        }
    }
    let mut officer_ids: Vec<AccountId> = Vec::new();
    for raw in &input.officers {
        match raw.trim().parse::<i64>() {
            Ok(id) if !officer_ids.contains(&AccountId(id)) => officer_ids.push(AccountId(id)),
            Ok(_) => {}
            Err(_) => e.push("officers", Problem::Invalid),
        }
    }
    let mut tx = app.write(caller).await?;
    let today = local_date(tx.now());
    let mine_id = match &mine_name {
        Some(name) => match crate::registry::sharing::mine_named(&mut tx, name).await {
            Ok(id) => Some(id),
            Err(AppError::Invalid(errors)) => {
                e.0.extend(errors.0);
                None
            }
            Err(other) => return Err(other),
        },
        None => None,
    };
    let mine = match mine_id {
        Some(id) => mines::find(&mut tx, id).await?,
        None => None,
    };
    if let Some(mine) = &mine {
        for id in &finding_ids {
            match findings::find(&mut tx, *id).await? {
                Some(f) if f.mine_id == mine.id => {}
                _ => e.push("findings", Problem::NotFound),
            }
            // A finding is pursued by one open case at a time: a second filing (a double submit, or a
            // colleague's) names the case already open.
            let open = cases::list(
                &mut tx,
                &orewatch_domain::Scope::All,
                &CaseFilter {
                    finding: Some(*id),
                    ..CaseFilter::default()
                },
                1,
                0,
            )
            .await?;
            if let Some(existing) = open.rows.first() {
                e.push(
                    "findings",
                    Problem::DuplicateOf {
                        existing: existing.case_no.clone(),
                    },
                );
            }
        }
    }
    // The team: officers of the agency with a card valid today, none linked to the company.
    let cards = register::cards(&mut tx, Some(&agency)).await?;
    let mut officers = Vec::new();
    for account in &officer_ids {
        let valid = cards
            .iter()
            .find(|c| c.account_id == *account && c.valid_on(today));
        let name = match valid {
            Some(c) => c.holder.clone(),
            None => match orewatch_storage::accounts::find(&mut tx, *account)
                .await?
                .filter(|a| a.agency.as_ref() == Some(&agency))
            {
                Some(a) => a.display_name,
                None => {
                    e.push("officers", Problem::NotFound);
                    continue;
                }
            },
        };
        officers.push(Officer {
            account: *account,
            name,
            card_no: valid.map(|c| c.card_no.clone()),
            recused: match (&mine, valid) {
                (Some(m), Some(c)) => c.recusals.contains(&m.company_id),
                _ => false,
            },
        });
    }
    if e.get("officers").is_none() {
        if let Err(p) = check_officers(&officers) {
            e.push("officers", p);
        }
    }
    let (Some(cause), Some(mine)) = (cause, mine) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let case_no = crate::workflow::reserve_number(
        &mut tx,
        DocumentKind::CaseFiling,
        &Issuer::Agency(agency.clone()),
        today,
    )
    .await?;
    let decide_by = app.settings.cases.decide_by(today);
    let team: Vec<CaseOfficer> = officers
        .iter()
        .map(|o| CaseOfficer {
            account_id: o.account,
            name: o.name.clone(),
            card_no: o.card_no.clone().unwrap_or_default(),
        })
        .collect();
    let id = cases::insert(
        &mut tx,
        &NewCase {
            case_no: &case_no,
            agency: &agency,
            mine_id: mine.id,
            company_id: mine.company_id,
            cause: &cause,
            major: yes(input.major),
            filed_on: today,
            decide_by_on: decide_by,
            filed_by_label: &caller.display_name,
        },
        &team,
        &finding_ids,
    )
    .await?;
    crate::workflow::created::<CaseFlow>(&mut tx, app, caller, id).await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes one step of a case through the kernel.
async fn take(app: &App, caller: &Caller, id: CaseId, command: CaseCommand) -> Result<Stepped<CaseFlow>> {
    crate::workflow::step::<CaseFlow>(app, caller, id, command, &[]).await
}

/// Sets the estimated value from a volume (m³), the mine's mineral and the configured price table,
/// keeping the figures used. The source of the volume (a survey, a measurement) is required.
pub async fn estimate(app: &App, caller: &Caller, id: CaseId, volume: &str, basis: &str) -> Result<()> {
    let mut e = FieldErrors::new();
    let volume = e.take("volume", orewatch_domain::penalty::volume_m3(volume));
    let basis = e.take("basis", required_text(basis, 300));
    let case = {
        let mut conn = app.db.conn().await?;
        crate::workflow::allowed::<CaseFlow>(&mut conn, app, caller, id, CaseStep::Estimate).await?
    };
    let (Some(volume), Some(basis)) = (volume, basis) else {
        return Err(AppError::Invalid(e));
    };
    let estimate = Estimate::compute(volume, &case.mineral_of_mine, &app.settings.cases.prices)
        .map_err(|p| AppError::invalid("volume", p))?;
    let command = CaseCommand::Estimate {
        estimate,
        mineral: case.mineral_of_mine.trim().to_string(),
        basis,
    };
    take(app, caller, id, command).await?;
    Ok(())
}

/// Marks whether the mining of a case was in a planned mining area, of a protected mineral or in a
/// no-mining area, where the lower criminal threshold applies (WORKFLOW.md §5), with its basis.
pub async fn mark_restricted(
    app: &App,
    caller: &Caller,
    id: CaseId,
    restricted: bool,
    basis: &str,
) -> Result<()> {
    let basis = required_text(basis, 300).map_err(|p| AppError::invalid("restricted_basis", p))?;
    take(app, caller, id, CaseCommand::MarkRestricted { restricted, basis }).await?;
    Ok(())
}

/// Attaches an appraisal (鉴定/认定) document with the legal value it states. Only this sets a legal
/// value; the estimate never does.
pub async fn appraisal(
    app: &App,
    caller: &Caller,
    id: CaseId,
    value: &str,
    note: &str,
    files_in: &[EvidenceFile<'_>],
) -> Result<()> {
    let mut e = FieldErrors::new();
    let value = e.take("value", orewatch_domain::field::money_fen(value));
    let note = e.take("note", required_text(note, 500));
    let (Some(value_fen), Some(note)) = (value, note) else {
        return Err(AppError::Invalid(e));
    };
    let stored = crate::evidence::store(app, files_in).await?;
    if stored.is_empty() {
        return Err(AppError::invalid("files", Problem::Required));
    }
    let command = CaseCommand::Appraisal { value_fen, note };
    crate::workflow::step::<CaseFlow>(app, caller, id, command, &stored).await?;
    Ok(())
}

/// Raw input of a penalty (proposed in a notice, or decided): kind codes and amounts in yuan.
#[derive(Debug, Clone, Default)]
pub struct PenaltyInput<'a> {
    pub kinds: Vec<&'a str>,
    pub fine: &'a str,
    pub gains: &'a str,
}

fn penalty_of(input: &PenaltyInput<'_>, e: &mut FieldErrors) -> Option<Penalty> {
    let fine = e.take("fine", optional_money_fen(input.fine));
    let gains = e.take("gains", optional_money_fen(input.gains));
    let (Some(fine), Some(gains)) = (fine, gains) else {
        return None;
    };
    match Penalty::parse(&input.kinds, fine, gains) {
        Ok(p) => Some(p),
        Err((field, problem)) => {
            e.push(field, problem);
            None
        }
    }
}

/// Raw input of the notice of a proposed penalty (行政处罚告知书).
#[derive(Debug, Clone, Default)]
pub struct NoticeInput<'a> {
    pub facts: &'a str,
    pub evidence: &'a str,
    pub legal_basis: &'a str,
    pub penalty: PenaltyInput<'a>,
    /// The day it was served on the party; empty is today.
    pub served_on: &'a str,
}

/// 告知: records the facts, evidence, basis and proposed penalty, numbers the notice, and starts the
/// party's period to state and defend (and to ask for a hearing when the penalty is heavy).
pub async fn notify(app: &App, caller: &Caller, id: CaseId, input: &NoticeInput<'_>) -> Result<()> {
    let mut e = FieldErrors::new();
    let facts = e.take("facts", required_text(input.facts, 4000));
    let evidence = e.take("evidence", required_text(input.evidence, 4000));
    let legal_basis = e.take("legal_basis", required_text(input.legal_basis, 1000));
    let proposed = penalty_of(&input.penalty, &mut e);
    {
        // Whether the case may be notified now, before what was typed.
        let mut conn = app.db.conn().await?;
        crate::workflow::allowed::<CaseFlow>(&mut conn, app, caller, id, CaseStep::Notify).await?;
    }
    let served_on = if input.served_on.trim().is_empty() {
        Some(local_date(app.now()))
    } else {
        e.take("served_on", date(input.served_on))
    };
    if proposed.as_ref().is_some_and(Penalty::is_none) {
        e.push("kinds", Problem::NoPenalty);
    }
    let (Some(facts), Some(evidence), Some(legal_basis), Some(proposed), Some(served_on)) =
        (facts, evidence, legal_basis, proposed, served_on)
    else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let command = CaseCommand::Notify {
        facts,
        evidence,
        legal_basis,
        proposed,
        served_on,
    };
    take(app, caller, id, command).await?;
    Ok(())
}

/// 陈述申辩: records what the party said (or that it said nothing), whether it waived the rest of its
/// period, and whether it asked for a hearing; the case goes to the hearing, the legal review or the
/// decision. Before the period ends only a written waiver or a hearing request lets it go on.
pub async fn record_defence(
    app: &App,
    caller: &Caller,
    id: CaseId,
    statement: &str,
    waived: &str,
    hearing: &str,
) -> Result<()> {
    let statement = optional_text(statement, 4000).map_err(|p| AppError::invalid("statement", p))?;
    let command = CaseCommand::Defence {
        statement,
        waived: yes(waived),
        hearing: yes(hearing),
    };
    take(app, caller, id, command).await?;
    Ok(())
}

/// The agency's staff who may host a hearing or review a case: active accounts of the agency not on
/// its team (行政处罚法 Art. 64: the host is not one of the investigators).
pub async fn outside_team(app: &App, caller: &Caller, case: &Case) -> Result<Vec<(AccountId, String)>> {
    caller.require(Action::ViewCases, &resource(case))?;
    let mut conn = app.db.conn().await?;
    let team = case.team_ids();
    Ok(orewatch_storage::accounts::list_active(&mut conn)
        .await?
        .into_iter()
        .filter(|a| a.agency.as_ref() == Some(&case.agency) && !team.contains(&a.id))
        .filter(|a| matches!(a.role, Role::AgencyOfficer | Role::AgencyHead))
        .map(|a| (a.id, a.display_name))
        .collect())
}

/// 听证: records the hearing held (the day, the host from outside the case team, the record). A case
/// heard goes to the legal review (行政处罚法 Art. 58: a decision after a hearing is reviewed).
pub async fn record_hearing(
    app: &App,
    caller: &Caller,
    id: CaseId,
    held_on: &str,
    host: &str,
    record: &str,
) -> Result<()> {
    let mut e = FieldErrors::new();
    let record = e.take("record", required_text(record, 4000));
    let held_on = e.take("held_on", date(held_on));
    let host_id = e.take(
        "host",
        host.trim().parse::<i64>().map(AccountId).map_err(|_| {
            if host.trim().is_empty() {
                Problem::Required
            } else {
                Problem::Invalid
            }
        }),
    );
    let mut conn = app.db.conn().await?;
    let case = crate::workflow::allowed::<CaseFlow>(&mut conn, app, caller, id, CaseStep::Hear).await?;
    // The host is one of the agency's people (the workflow refuses one on the case team).
    let host_name = match host_id {
        Some(h) => match orewatch_storage::accounts::find(&mut conn, h)
            .await?
            .filter(|a| a.agency.as_ref() == Some(&case.agency))
        {
            Some(a) => Some(a.display_name),
            None if case.team_ids().contains(&h) => Some(String::new()),
            None => {
                e.push("host", Problem::NotFound);
                None
            }
        },
        None => None,
    };
    drop(conn);
    let (Some(record), Some(held_on), Some(host), Some(host_name)) = (record, held_on, host_id, host_name)
    else {
        return Err(AppError::Invalid(e));
    };
    let command = CaseCommand::Hear {
        held_on,
        host,
        host_name,
        record,
    };
    take(app, caller, id, command).await?;
    Ok(())
}

/// 法制审核: someone of the agency outside the case team passes the case to the decision, or returns it
/// for further investigation (a new notice follows).
pub async fn review(app: &App, caller: &Caller, id: CaseId, pass: bool, opinion: &str) -> Result<()> {
    let opinion = required_text(opinion, 2000).map_err(|p| AppError::invalid("opinion", p))?;
    let command = if pass {
        CaseCommand::ReviewPass { opinion }
    } else {
        CaseCommand::ReviewReturn { opinion }
    };
    take(app, caller, id, command).await?;
    Ok(())
}

/// 决定: the head decides the penalty — never heavier than the notice proposed — or no penalty. The
/// decision is numbered and dated today; a penalty starts the execution clock, no penalty closes the
/// case. A decision after the 90 days is still recorded, and its lateness stays in the history.
pub async fn decide(app: &App, caller: &Caller, id: CaseId, input: &PenaltyInput<'_>) -> Result<()> {
    let mut e = FieldErrors::new();
    let penalty = penalty_of(input, &mut e);
    {
        // Who may decide comes before what was typed.
        let mut conn = app.db.conn().await?;
        let case = cases::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
        caller.require(Action::DecideCase, &resource(&case))?;
    }
    let Some(penalty) = penalty else {
        return Err(AppError::Invalid(e));
    };
    let mut tx = app.write(caller).await?;
    crate::workflow::step_in::<CaseFlow>(&mut tx, app, caller, id, CaseCommand::Decide { penalty }, &[])
        .await?;
    // A fine on a case that should have been referred is 以罚代刑: flagged in the same write.
    crate::enforcement::flags::raise(&mut tx, app, caller, id).await?;
    tx.commit().await?;
    Ok(())
}

/// 结案: the head closes an executed case with how it was carried out (and the amount paid).
pub async fn close(app: &App, caller: &Caller, id: CaseId, execution: &str, paid: &str) -> Result<()> {
    let mut e = FieldErrors::new();
    let execution = e.take("execution", required_text(execution, 2000));
    let paid = e.take("paid", optional_money_fen(paid));
    {
        let mut conn = app.db.conn().await?;
        crate::workflow::allowed::<CaseFlow>(&mut conn, app, caller, id, CaseStep::Close).await?;
    }
    let (Some(execution), Some(paid_fen)) = (execution, paid) else {
        return Err(AppError::Invalid(e));
    };
    take(app, caller, id, CaseCommand::Close { execution, paid_fen }).await?;
    Ok(())
}

/// A case as its page shows it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub case: Case,
    pub attachments: Vec<Attachment>,
    pub open_tasks: Vec<TaskRow>,
    pub today: NaiveDate,
    /// Whether the proposed penalty is heavy (a hearing right, a legal review).
    pub heavy: bool,
    /// The steps open to the reader.
    pub open: Vec<CaseStep>,
}

/// One case with its appraisal documents and open tasks.
pub async fn show(app: &App, caller: &Caller, id: CaseId) -> Result<CaseView> {
    let mut conn = app.db.conn().await?;
    let case = cases::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewCases, &resource(&case))?;
    let open = crate::workflow::offered::<CaseFlow>(&mut conn, app, caller, &case).await?;
    let attachments = files::of_record(&mut conn, RecordType::PenaltyCase, &id.to_string()).await?;
    let open_tasks =
        orewatch_storage::tasks::open_for(&mut conn, RecordType::PenaltyCase, &id.to_string(), None).await?;
    let heavy = case
        .proposed
        .as_ref()
        .is_some_and(|p| p.is_heavy(app.settings.cases.heavy_fen));
    Ok(CaseView {
        case,
        attachments,
        open_tasks,
        today: local_date(app.now()),
        heavy,
        open,
    })
}

/// An appraisal document and its bytes.
pub async fn appraisal_file(
    app: &App,
    caller: &Caller,
    attachment_id: AttachmentId,
) -> Result<(Attachment, Vec<u8>)> {
    crate::evidence::file_of::<CaseFlow>(app, attachment_id, |case| {
        caller.require(Action::ViewCases, &resource(case))
    })
    .await
}

/// The cases in the caller's scope that pass the filter.
pub async fn list(
    app: &App,
    caller: &Caller,
    filter: &CaseFilter,
    limit: i64,
    offset: i64,
) -> Result<Page<Case>> {
    caller.require(Action::ViewCases, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(cases::list(&mut conn, &caller.scope(Listing::Cases), filter, limit, offset).await?)
}

/// What the new-case form starts from: the mine of a finding, and that mine's open findings.
pub async fn filing_context(
    app: &App,
    caller: &Caller,
    finding: Option<FindingId>,
    mine: Option<MineId>,
) -> Result<(
    Option<orewatch_storage::mines::Mine>,
    Vec<orewatch_storage::findings::Finding>,
)> {
    caller.require(Action::ViewCases, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let mine_id = match finding {
        Some(id) => findings::find(&mut conn, id).await?.map(|f| f.mine_id),
        None => mine,
    };
    let Some(mine_id) = mine_id else {
        return Ok((None, Vec::new()));
    };
    let mine = mines::find(&mut conn, mine_id).await?;
    let open = findings::list(
        &mut conn,
        &orewatch_domain::Scope::All,
        &orewatch_storage::findings::LedgerFilter {
            mine: Some(mine_id),
            ..Default::default()
        },
        local_date(app.now()),
        100,
        0,
    )
    .await?;
    Ok((mine, open.rows))
}
