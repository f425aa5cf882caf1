//! The use cases of a penalty case, from 立案 to 结案 (WORKFLOW.md §4).
//!
//! Each step: check the policy on the case → check the step against its state
//! (`CaseState::after`) and its dates and penalties (`domain::penalty`) → one audited write that
//! changes the case, appends to its history, and closes and opens the tasks of its clocks. A step sent
//! twice is refused with "already done" and changes nothing.
//!
//! The clocks, each a task with its escalation: the decision within 90 days of filing (the head); the
//! party's statement and defence, 5 working days from service; a requested hearing; the legal review;
//! and the execution of the decision (payment within 15 days).

use crate::evidence::EvidenceFile;
use crate::tasks as task_cases;
use crate::{App, AppError, Caller, Result};
use chrono::{Datelike, Duration, NaiveDate};
use orewatch_domain::field::{date, optional_money_fen, optional_text, required_text};
use orewatch_domain::inspection::{check_officers, Officer};
use orewatch_domain::penalty::{CaseState, CaseStep, Estimate, Penalty};
use orewatch_domain::policy::{Action, Listing, Resource};
use orewatch_domain::task::{end_of_day, local_date, Assignee, Level, Task, TaskKind};
use orewatch_domain::{
    AccountId, AgencyCode, AuditAction, FieldErrors, FindingId, MineId, Problem, RecordType, Role,
};
use orewatch_storage::bound::Value;
use orewatch_storage::cases::{self, NewCase, NumberColumn};
pub use orewatch_storage::cases::{Case, CaseEvent, CaseFilter, CaseFinding, CaseOfficer};
use orewatch_storage::files::{self, Attachment};
use orewatch_storage::register;
use orewatch_storage::register::Card;
use orewatch_storage::tasks::{Outcome, TaskRow};
use orewatch_storage::{agencies, date_text, findings, mines, Key, Page, WriteTx};

/// The policy's view of a case.
pub fn resource(case: &Case) -> Resource {
    Resource::Case {
        agency: case.agency.clone(),
        team: case.team_ids(),
    }
}

fn record_of(id: i64) -> (RecordType, String) {
    (RecordType::PenaltyCase, id.to_string())
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

/// The case number, notice and decision numbers of an agency: `{short}{kind}〔{year}〕{n}号`.
async fn next_number(
    tx: &mut WriteTx,
    agency: &AgencyCode,
    column: NumberColumn,
    year: i32,
) -> Result<String> {
    let record = agencies::find(tx, agency).await?.ok_or(AppError::NotFound)?;
    let short = orewatch_domain::agency::short_name(&record.name_zh);
    let kind = match column {
        NumberColumn::Case => "罚立",
        NumberColumn::Notice => "罚告",
        NumberColumn::Decision => "罚决",
    };
    let prefix = format!("{short}{kind}〔{year}〕");
    let n = cases::numbers_with_prefix(tx, column, &prefix).await? + 1;
    Ok(format!("{prefix}{n}号"))
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
pub async fn file(app: &App, caller: &Caller, input: &FileInput<'_>) -> Result<i64> {
    let agency = caller
        .agency()
        .cloned()
        .ok_or(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role))?;
    caller.require(Action::FileCase, &Resource::Agency(agency.clone()))?;
    let mut e = FieldErrors::new();
    let cause = e.take("cause", required_text(input.cause, 200));
    let mine_name = e.take("mine", required_text(input.mine, 100));
    let mut finding_ids = Vec::new();
    for raw in &input.findings {
        match raw.trim().parse::<i64>() {
            Ok(id) if !finding_ids.contains(&id) => finding_ids.push(id),
            Ok(_) => {}
            Err(_) => e.push("findings", Problem::Invalid),
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
            match findings::find(&mut tx, FindingId(*id)).await? {
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
    let case_no = next_number(&mut tx, &agency, NumberColumn::Case, today.year()).await?;
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
    let note = format!("{case_no}，决定期限至 {decide_by}");
    cases::add_event(&mut tx, id, "file", &caller.display_name, Some(&note), None).await?;
    tx.audit(
        AuditAction::CaseFile,
        RecordType::PenaltyCase,
        &Key::Int(id),
        None,
        None,
    )
    .await?;
    open_task(
        &mut tx,
        app,
        id,
        mine.id,
        &agency,
        TaskKind::CaseDecide,
        Some(Role::AgencyHead),
        decide_by,
        &format!("{case_no} {cause}"),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn open_task(
    tx: &mut WriteTx,
    app: &App,
    id: i64,
    mine_id: MineId,
    agency: &AgencyCode,
    kind: TaskKind,
    role: Option<Role>,
    due_on: NaiveDate,
    title: &str,
) -> Result<i64> {
    let title: String = title.chars().take(60).collect();
    task_cases::open(
        tx,
        app,
        Task {
            kind,
            assignee: Assignee::Agency {
                agency: agency.clone(),
                role,
            },
            agency: Some(agency.clone()),
            due_at: end_of_day(due_on),
            level: Level::Open,
        },
        record_of(id),
        Some(mine_id),
        &title,
    )
    .await
}

async fn close_task(tx: &mut WriteTx, caller: &Caller, id: i64, kind: TaskKind) -> Result<Vec<TaskRow>> {
    let record = record_of(id);
    task_cases::close_open(tx, caller, (record.0, &record.1), kind, Outcome::Done).await
}

/// Reads a case inside the write and checks the policy and, for a step, the state; returns the case
/// and the state the step leads to.
async fn prepare(
    tx: &mut WriteTx,
    caller: &Caller,
    id: i64,
    action: Action,
    step: Option<CaseStep>,
) -> Result<(Case, CaseState)> {
    let case = cases::find(tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(action, &resource(&case))?;
    let next = match step {
        Some(step) => case
            .state
            .after(step)
            .map_err(|p| AppError::invalid("state", p))?,
        None if case.state == CaseState::Closed => {
            return Err(AppError::invalid(
                "state",
                Problem::WrongState {
                    state: CaseState::Closed.label_zh().to_string(),
                    step: "修改".to_string(),
                },
            ))
        }
        None => case.state,
    };
    Ok((case, next))
}

/// Commits a case's change: its columns, an event, the audit entry.
async fn change(
    tx: &mut WriteTx,
    caller: &Caller,
    case: &Case,
    action: AuditAction,
    event: (&str, Option<&str>, Option<NaiveDate>),
    set: &[(&str, Value)],
) -> Result<()> {
    let key = Key::Int(case.id);
    let before = tx.state(RecordType::PenaltyCase, &key).await?;
    if !set.is_empty() {
        cases::update(tx, case.id, set).await?;
    }
    cases::add_event(tx, case.id, event.0, &caller.display_name, event.1, event.2).await?;
    tx.audit(action, RecordType::PenaltyCase, &key, before, None)
        .await?;
    Ok(())
}

/// Sets the estimated value from a volume (m³), the mine's mineral and the configured price table,
/// keeping the figures used. The source of the volume (a survey, a measurement) is required.
pub async fn estimate(app: &App, caller: &Caller, id: i64, volume: &str, basis: &str) -> Result<()> {
    let mut e = FieldErrors::new();
    let volume = e.take("volume", orewatch_domain::penalty::volume_m3(volume));
    let basis = e.take("basis", required_text(basis, 300));
    let mut tx = app.write(caller).await?;
    let (case, _) = prepare(&mut tx, caller, id, Action::WorkCase, None).await?;
    let (Some(volume), Some(basis)) = (volume, basis) else {
        return Err(AppError::Invalid(e));
    };
    let estimate = Estimate::compute(volume, &case.mineral_of_mine, &app.settings.cases.prices)
        .map_err(|p| AppError::invalid("volume", p))?;
    let note = format!(
        "{} m³ × {} t/m³ × {} 元/t = {} 元（{}）",
        estimate.volume_m3,
        estimate.density_t_m3,
        orewatch_domain::field::yuan_text(estimate.price_fen_t),
        orewatch_domain::field::yuan_text(estimate.value_fen),
        orewatch_domain::penalty::ESTIMATE_LABEL
    );
    let set = cases::estimate_values(&estimate, case.mineral_of_mine.trim(), &basis);
    change(
        &mut tx,
        caller,
        &case,
        AuditAction::CaseEstimate,
        ("estimate", Some(&note), None),
        &set,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks whether the mining of a case was in a planned mining area, of a protected mineral or in a
/// no-mining area, where the lower criminal threshold applies (WORKFLOW.md §5), with its basis.
pub async fn mark_restricted(
    app: &App,
    caller: &Caller,
    id: i64,
    restricted: bool,
    basis: &str,
) -> Result<()> {
    use crate::enforcement::flags::{RESTRICTED, UNRESTRICTED};
    let basis = required_text(basis, 300).map_err(|p| AppError::invalid("restricted_basis", p))?;
    let mut tx = app.write(caller).await?;
    let (case, _) = prepare(&mut tx, caller, id, Action::WorkCase, None).await?;
    if crate::enforcement::flags::restricted(&case) == restricted {
        return Err(AppError::invalid(
            "restricted",
            Problem::AlreadyDone {
                state: if restricted {
                    "适用较低标准"
                } else {
                    "适用一般标准"
                }
                .to_string(),
            },
        ));
    }
    let kind = if restricted { RESTRICTED } else { UNRESTRICTED };
    change(
        &mut tx,
        caller,
        &case,
        AuditAction::CaseEstimate,
        (kind, Some(&basis), None),
        &[],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Attaches an appraisal (鉴定/认定) document with the legal value it states. Only this sets a legal
/// value; the estimate never does.
pub async fn appraisal(
    app: &App,
    caller: &Caller,
    id: i64,
    value: &str,
    note: &str,
    files_in: &[EvidenceFile<'_>],
) -> Result<()> {
    let mut e = FieldErrors::new();
    let value = e.take("value", orewatch_domain::field::money_fen(value));
    let note = e.take("note", required_text(note, 500));
    let (Some(value), Some(note)) = (value, note) else {
        return Err(AppError::Invalid(e));
    };
    let stored = crate::evidence::store(app, files_in).await?;
    if stored.is_empty() {
        return Err(AppError::invalid("files", Problem::Required));
    }
    let mut tx = app.write(caller).await?;
    let (case, _) = prepare(&mut tx, caller, id, Action::WorkCase, None).await?;
    let key = Key::Int(id);
    let before = tx.state(RecordType::PenaltyCase, &key).await?;
    crate::evidence::attach(&mut tx, caller, RecordType::PenaltyCase, &key, &stored).await?;
    cases::update(
        &mut tx,
        case.id,
        &[
            ("appraised_fen", value.into()),
            ("appraisal_note", note.as_str().into()),
        ],
    )
    .await?;
    let text = format!("{} 元 · {note}", orewatch_domain::field::yuan_text(value));
    cases::add_event(&mut tx, id, "appraisal", &caller.display_name, Some(&text), None).await?;
    tx.audit(
        AuditAction::CaseAppraisal,
        RecordType::PenaltyCase,
        &key,
        before,
        None,
    )
    .await?;
    tx.commit().await?;
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
pub async fn notify(app: &App, caller: &Caller, id: i64, input: &NoticeInput<'_>) -> Result<()> {
    let mut e = FieldErrors::new();
    let facts = e.take("facts", required_text(input.facts, 4000));
    let evidence = e.take("evidence", required_text(input.evidence, 4000));
    let legal_basis = e.take("legal_basis", required_text(input.legal_basis, 1000));
    let proposed = penalty_of(&input.penalty, &mut e);
    let mut tx = app.write(caller).await?;
    let (case, next) = prepare(&mut tx, caller, id, Action::WorkCase, Some(CaseStep::Notify)).await?;
    let today = local_date(tx.now());
    let served_on = if input.served_on.trim().is_empty() {
        Some(today)
    } else {
        e.take(
            "served_on",
            date(input.served_on).and_then(|d| {
                if d > today || d < case.filed_on {
                    Err(Problem::Invalid)
                } else {
                    Ok(d)
                }
            }),
        )
    };
    let ends_on = served_on.and_then(|d| e.take("served_on", app.settings.cases.defence_ends_on(d)));
    if proposed.as_ref().is_some_and(Penalty::is_none) {
        e.push("kinds", Problem::NoPenalty);
    }
    let (Some(facts), Some(evidence), Some(legal_basis), Some(proposed), Some(served_on), Some(ends_on)) =
        (facts, evidence, legal_basis, proposed, served_on, ends_on)
    else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let number = next_number(&mut tx, &case.agency, NumberColumn::Notice, today.year()).await?;
    let heavy = proposed.is_heavy(app.settings.cases.heavy_fen);
    change(
        &mut tx,
        caller,
        &case,
        AuditAction::CaseNotify,
        (
            "notify",
            Some(&format!(
                "{number} · {}{}",
                proposed.describe_zh(),
                if heavy { "（告知听证权利）" } else { "" }
            )),
            Some(ends_on),
        ),
        &[
            ("state", next.as_str().into()),
            ("facts", facts.into()),
            ("evidence", evidence.into()),
            ("legal_basis", legal_basis.into()),
            ("notice_no", number.as_str().into()),
            ("served_on", date_text(served_on).into()),
            ("defence_ends_on", date_text(ends_on).into()),
            ("proposed_kinds", proposed.codes().into()),
            ("proposed_fine_fen", proposed.fine_fen.into()),
            ("proposed_gains_fen", proposed.gains_fen.into()),
            ("statement", Value::Null),
            ("waived", Value::Null),
            ("hearing_requested", Value::Null),
        ],
    )
    .await?;
    open_task(
        &mut tx,
        app,
        id,
        case.mine_id,
        &case.agency,
        TaskKind::CaseDefence,
        None,
        ends_on,
        &format!("{} 陈述申辩期届满", case.case_no),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// 陈述申辩: records what the party said (or that it said nothing), whether it waived the rest of its
/// period, and whether it asked for a hearing; the case goes to the hearing, the legal review or the
/// decision. Before the period ends only a written waiver or a hearing request lets it go on.
pub async fn record_defence(
    app: &App,
    caller: &Caller,
    id: i64,
    statement: &str,
    waived: &str,
    hearing: &str,
) -> Result<()> {
    let statement = optional_text(statement, 4000).map_err(|p| AppError::invalid("statement", p))?;
    let (waived, hearing) = (yes(waived), yes(hearing));
    let mut tx = app.write(caller).await?;
    let case = cases::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::WorkCase, &resource(&case))?;
    let rules = &app.settings.cases;
    let proposed = case.proposed.clone().unwrap_or_default();
    let review = rules.needs_review(&proposed, case.major);
    let next = case
        .state
        .after(CaseStep::Defence { hearing, review })
        .map_err(|p| AppError::invalid("state", p))?;
    if hearing && !proposed.is_heavy(rules.heavy_fen) {
        return Err(AppError::invalid("hearing", Problem::HearingNotAvailable));
    }
    let today = local_date(tx.now());
    let ends_on = case.defence_ends_on.unwrap_or(today);
    rules
        .check_defence_time(ends_on, today, waived, hearing)
        .map_err(|p| AppError::invalid("statement", p))?;
    let note = format!(
        "{}{}{}",
        statement.as_deref().unwrap_or("当事人未提出陈述申辩"),
        if waived { "（当事人书面放弃）" } else { "" },
        if hearing { "；要求听证" } else { "" }
    );
    change(
        &mut tx,
        caller,
        &case,
        AuditAction::CaseDefence,
        ("defence", Some(&note), None),
        &[
            ("state", next.as_str().into()),
            ("statement", statement.into()),
            ("waived", i64::from(waived).into()),
            ("hearing_requested", i64::from(hearing).into()),
        ],
    )
    .await?;
    close_task(&mut tx, caller, id, TaskKind::CaseDefence).await?;
    open_next_station(&mut tx, app, &case, next, today).await?;
    tx.commit().await?;
    Ok(())
}

/// Opens the task of the station a case has just reached (a hearing or a legal review).
async fn open_next_station(
    tx: &mut WriteTx,
    app: &App,
    case: &Case,
    next: CaseState,
    today: NaiveDate,
) -> Result<()> {
    let rules = &app.settings.cases;
    let (kind, days, what) = match next {
        CaseState::Hearing => (TaskKind::CaseHearing, rules.hearing_within_days, "听证"),
        CaseState::Reviewing => (TaskKind::CaseReview, rules.review_within_days, "法制审核"),
        _ => return Ok(()),
    };
    open_task(
        tx,
        app,
        case.id,
        case.mine_id,
        &case.agency,
        kind,
        None,
        today + Duration::days(days),
        &format!("{} {what}", case.case_no),
    )
    .await?;
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
    id: i64,
    held_on: &str,
    host: &str,
    record: &str,
) -> Result<()> {
    let mut e = FieldErrors::new();
    let record = e.take("record", required_text(record, 4000));
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
    let mut tx = app.write(caller).await?;
    let (case, next) = prepare(
        &mut tx,
        caller,
        id,
        Action::WorkCase,
        Some(CaseStep::Hear { review: true }),
    )
    .await?;
    let today = local_date(tx.now());
    let held_on = e.take(
        "held_on",
        date(held_on).and_then(|d| {
            if d > today || case.served_on.is_some_and(|s| d < s) {
                Err(Problem::Invalid)
            } else {
                Ok(d)
            }
        }),
    );
    let host_name = match host_id {
        Some(h) if case.team_ids().contains(&h) => {
            e.push("host", Problem::HostOnCase);
            None
        }
        Some(h) => match orewatch_storage::accounts::find(&mut tx, h)
            .await?
            .filter(|a| a.agency.as_ref() == Some(&case.agency))
        {
            Some(a) => Some(a.display_name),
            None => {
                e.push("host", Problem::NotFound);
                None
            }
        },
        None => None,
    };
    let (Some(record), Some(held_on), Some(host_id), Some(host_name)) = (record, held_on, host_id, host_name)
    else {
        return Err(AppError::Invalid(e));
    };
    change(
        &mut tx,
        caller,
        &case,
        AuditAction::CaseHearing,
        ("hearing", Some(&format!("主持人 {host_name}")), Some(held_on)),
        &[
            ("state", next.as_str().into()),
            ("hearing_on", date_text(held_on).into()),
            ("hearing_host_id", host_id.0.into()),
            ("hearing_host_label", host_name.as_str().into()),
            ("hearing_record", record.into()),
        ],
    )
    .await?;
    close_task(&mut tx, caller, id, TaskKind::CaseHearing).await?;
    open_next_station(&mut tx, app, &case, next, today).await?;
    tx.commit().await?;
    Ok(())
}

/// 法制审核: someone of the agency outside the case team passes the case to the decision, or returns it
/// for further investigation (a new notice follows).
pub async fn review(app: &App, caller: &Caller, id: i64, pass: bool, opinion: &str) -> Result<()> {
    let opinion = required_text(opinion, 2000).map_err(|p| AppError::invalid("opinion", p))?;
    let mut tx = app.write(caller).await?;
    let (case, next) = prepare(
        &mut tx,
        caller,
        id,
        Action::ReviewCase,
        Some(CaseStep::Review { pass }),
    )
    .await?;
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    change(
        &mut tx,
        caller,
        &case,
        AuditAction::CaseReview,
        (
            if pass { "review_pass" } else { "review_return" },
            Some(&opinion),
            None,
        ),
        &[
            ("state", next.as_str().into()),
            ("reviewer_id", caller.account_id().map(|a| a.0).into()),
            ("reviewer_label", caller.display_name.as_str().into()),
            ("review_opinion", opinion.as_str().into()),
            ("reviewed_at", now.into()),
        ],
    )
    .await?;
    close_task(&mut tx, caller, id, TaskKind::CaseReview).await?;
    tx.commit().await?;
    Ok(())
}

/// 决定: the head decides the penalty — never heavier than the notice proposed — or no penalty. The
/// decision is numbered and dated today; a penalty starts the execution clock, no penalty closes the
/// case. A decision after the 90 days is still recorded, and its lateness stays in the history.
pub async fn decide(app: &App, caller: &Caller, id: i64, input: &PenaltyInput<'_>) -> Result<()> {
    let mut e = FieldErrors::new();
    let penalty = penalty_of(input, &mut e);
    let mut tx = app.write(caller).await?;
    let case = cases::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::DecideCase, &resource(&case))?;
    let Some(penalty) = penalty else {
        return Err(AppError::Invalid(e));
    };
    let next = case
        .state
        .after(CaseStep::Decide {
            penalty: !penalty.is_none(),
        })
        .map_err(|p| AppError::invalid("state", p))?;
    if let Some(what) = case.proposed.as_ref().and_then(|p| penalty.heavier_than(p)) {
        return Err(AppError::invalid("kinds", Problem::HeavierThanNotice { what }));
    }
    let today = local_date(tx.now());
    let number = next_number(&mut tx, &case.agency, NumberColumn::Decision, today.year()).await?;
    let rules = &app.settings.cases;
    let late = today > case.decide_by_on;
    let payment_due = today + Duration::days(rules.payment_days);
    let mut note = format!("{number} · {}", penalty.describe_zh());
    if late {
        note.push_str(&format!("（超过 {} 的决定期限）", case.decide_by_on));
    }
    let mut set: Vec<(&str, Value)> = vec![
        ("state", next.as_str().into()),
        ("decision_no", number.as_str().into()),
        ("decided_on", date_text(today).into()),
        ("decided_by_label", caller.display_name.as_str().into()),
        ("penalty_kinds", penalty.codes().into()),
        ("fine_fen", penalty.fine_fen.into()),
        ("gains_fen", penalty.gains_fen.into()),
    ];
    if penalty.is_none() {
        set.push(("closed_on", date_text(today).into()));
        set.push(("closed_by_label", caller.display_name.as_str().into()));
    } else {
        set.push(("payment_due_on", date_text(payment_due).into()));
    }
    change(
        &mut tx,
        caller,
        &case,
        AuditAction::CaseDecide,
        ("decide", Some(&note), Some(today)),
        &set,
    )
    .await?;
    close_task(&mut tx, caller, id, TaskKind::CaseDecide).await?;
    if !penalty.is_none() {
        open_task(
            &mut tx,
            app,
            id,
            case.mine_id,
            &case.agency,
            TaskKind::CaseExecute,
            None,
            payment_due,
            &format!("{number} 执行"),
        )
        .await?;
    }
    // A fine on a case that should have been referred is 以罚代刑: flagged in the same write.
    crate::enforcement::flags::raise(&mut tx, app, id).await?;
    tx.commit().await?;
    Ok(())
}

/// 结案: the head closes an executed case with how it was carried out (and the amount paid).
pub async fn close(app: &App, caller: &Caller, id: i64, execution: &str, paid: &str) -> Result<()> {
    let mut e = FieldErrors::new();
    let execution = e.take("execution", required_text(execution, 2000));
    let paid = e.take("paid", optional_money_fen(paid));
    let mut tx = app.write(caller).await?;
    let (case, next) = prepare(&mut tx, caller, id, Action::DecideCase, Some(CaseStep::Close)).await?;
    let (Some(execution), Some(paid)) = (execution, paid) else {
        return Err(AppError::Invalid(e));
    };
    let today = local_date(tx.now());
    change(
        &mut tx,
        caller,
        &case,
        AuditAction::CaseClose,
        ("close", Some(&execution), Some(today)),
        &[
            ("state", next.as_str().into()),
            ("execution", execution.as_str().into()),
            ("paid_fen", paid.into()),
            ("closed_on", date_text(today).into()),
            ("closed_by_label", caller.display_name.as_str().into()),
        ],
    )
    .await?;
    close_task(&mut tx, caller, id, TaskKind::CaseExecute).await?;
    tx.commit().await?;
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
}

/// One case with its appraisal documents and open tasks.
pub async fn show(app: &App, caller: &Caller, id: i64) -> Result<CaseView> {
    let mut conn = app.db.conn().await?;
    let case = cases::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewCases, &resource(&case))?;
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
    })
}

/// An appraisal document and its bytes.
pub async fn appraisal_file(app: &App, caller: &Caller, attachment_id: i64) -> Result<(Attachment, Vec<u8>)> {
    let mut conn = app.db.conn().await?;
    let (found, id) =
        crate::evidence::find_attached(&mut conn, attachment_id, RecordType::PenaltyCase).await?;
    let case = cases::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewCases, &resource(&case))?;
    let bytes = crate::evidence::bytes_of(app, &found).await?;
    Ok((found, bytes))
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
    finding: Option<i64>,
    mine: Option<MineId>,
) -> Result<(
    Option<orewatch_storage::mines::Mine>,
    Vec<orewatch_storage::findings::Finding>,
)> {
    caller.require(Action::ViewCases, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let mine_id = match finding {
        Some(id) => findings::find(&mut conn, FindingId(id)).await?.map(|f| f.mine_id),
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
