//! 联合检查 and 检查记录 — the office schedules a joint inspection (date, mines, agencies); each
//! agency's inspection of each mine is an *act*: its head approves it and names at least two officers
//! with valid enforcement cards, the officers fill in the checklist on site with notes and photos and
//! sign it, and each problem they found goes on the rectification ledger (WORKFLOW.md §1.1–1.2).

use super::names;
use super::photos;
use crate::ledger::findings::{self as finding_cases, FindingInput};
use crate::tasks as task_cases;
use crate::{App, AppError, Caller, Result};
use chrono::{Datelike, NaiveDate};
use orewatch_domain::field::{date, optional_text, required_text};
use orewatch_domain::inspection::{
    check_officers, check_signable, quarter_of, record_number, ActKind, ActState, ActStep, Answer,
    ItemResult, Officer, Template,
};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::{end_of_day, local_date, Assignee, Level, Task, TaskKind};
use orewatch_domain::{AccountId, AgencyCode, AuditAction, FieldErrors, MineId, Problem, RecordType};
use orewatch_storage::acts::{self, NewPhoto};
pub use orewatch_storage::acts::{Act, ActItem, ActOfficer, ActPhoto};
use orewatch_storage::inspections::Inspection;
use orewatch_storage::inspections::{self, NewInspection};
use orewatch_storage::mines::Mine;
use orewatch_storage::plans;
use orewatch_storage::register::{self, Card};
use orewatch_storage::tasks::Outcome;
use orewatch_storage::{agencies, mines, Key, WriteTx};
use std::collections::{BTreeMap, BTreeSet};

/// The policy's view of an act.
pub fn resource(act: &Act) -> Resource {
    Resource::Act {
        agency: act.agency.clone(),
    }
}

fn record_of(id: i64) -> (RecordType, String) {
    (RecordType::InspectionAct, id.to_string())
}

/// Whether the caller may not see yet which mines and inspectors a drawn inspection on this day has
/// (the rule is `domain::draw::list_hidden`).
pub(crate) fn list_hidden(app: &App, caller: &Caller, drawn: bool, inspect_on: NaiveDate) -> bool {
    drawn
        && orewatch_domain::draw::list_hidden(
            inspect_on,
            local_date(app.now()),
            caller.may(Action::SeeDrawnList, &Resource::Installation),
        )
}

/// Refuses to show an act of a drawn inspection whose list is still secret from the caller.
fn require_visible(app: &App, caller: &Caller, act: &Act) -> Result<()> {
    if list_hidden(app, caller, act.drawn, act.inspect_on) {
        return Err(AppError::Forbidden(
            orewatch_domain::policy::DenyReason::DrawListSecret,
        ));
    }
    Ok(())
}

/// The joint inspections of a year; a drawn one's mines are left out while its list is secret.
pub async fn inspections(app: &App, caller: &Caller, year: i32) -> Result<Vec<Inspection>> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let mut all = inspections::inspections_in(&mut conn, year).await?;
    for i in &mut all {
        if list_hidden(app, caller, i.drawn, i.inspect_on) {
            i.mines.clear();
        }
    }
    Ok(all)
}

/// A joint inspection as typed by the office.
#[derive(Debug, Clone, Default)]
pub struct ScheduleInput<'a> {
    pub title: &'a str,
    pub inspect_on: &'a str,
    pub kind: &'a str,
    pub lead: &'a str,
    /// The other agencies taking part (the lead is added).
    pub agencies: Vec<&'a str>,
    /// Mine ids.
    pub mines: Vec<&'a str>,
    /// The planned joint inspection it carries out, if any (a plan item id).
    pub plan_item: &'a str,
}

/// What a joint inspection is, as checked: everything but its mines.
pub(super) struct Checked {
    pub title: String,
    pub inspect_on: NaiveDate,
    pub kind: ActKind,
    pub lead: AgencyCode,
    pub plan_item: Option<i64>,
    /// The lead first, then the other agencies taking part.
    pub agencies: Vec<AgencyCode>,
}

/// Checks what the office typed for a joint inspection, apart from its mines; problems go to `e`.
pub(super) async fn check_typed(
    app: &App,
    conn: &mut orewatch_storage::Conn,
    input: &ScheduleInput<'_>,
    e: &mut FieldErrors,
) -> Result<Option<Checked>> {
    let today = local_date(app.now());
    let title = e.take("title", required_text(input.title, 200));
    let inspect_on = e.take(
        "inspect_on",
        date(input.inspect_on).and_then(|d| {
            if d < today {
                Err(Problem::DeadlineInPast {
                    today: today.to_string(),
                })
            } else {
                Ok(d)
            }
        }),
    );
    let kind = e.take("kind", ActKind::parse(input.kind));
    let lead = e.take("lead", AgencyCode::parse(input.lead));
    let plan_item = if input.plan_item.trim().is_empty() {
        Some(None)
    } else {
        e.take(
            "plan_item",
            input
                .plan_item
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| Problem::Invalid),
        )
    };
    let agencies = super::input::agencies_taking_part(conn, lead.as_ref(), &input.agencies, e).await?;
    let (Some(title), Some(inspect_on), Some(kind), Some(lead), Some(plan_item)) =
        (title, inspect_on, kind, lead, plan_item)
    else {
        return Ok(None);
    };
    Ok(Some(Checked {
        title,
        inspect_on,
        kind,
        lead,
        plan_item,
        agencies,
    }))
}

/// The yearly-cap warnings of one more act by each agency at each mine. The cap is a warning, not a
/// refusal: the office may still need the inspection.
pub(super) async fn cap_warnings(
    app: &App,
    conn: &mut orewatch_storage::Conn,
    checked: &Checked,
    mines: &[Mine],
) -> Result<Vec<String>> {
    let agency_names = names::agencies(conn).await?;
    let mut warnings = Vec::new();
    for agency in &checked.agencies {
        for mine in mines {
            let held = acts::acts_in_year(conn, agency, mine.id, checked.inspect_on.year()).await?;
            let held = u32::try_from(held).unwrap_or(u32::MAX);
            if app.settings.inspection_cap.exceeded_by_one_more(agency, held) {
                warnings.push(format!(
                    "{}今年已检查{} {} 次，本次将超过年度上限 {} 次",
                    names::agency(&agency_names, agency),
                    mine.name,
                    held,
                    app.settings.inspection_cap.for_agency(agency)
                ));
            }
        }
    }
    Ok(warnings)
}

/// Schedules a joint inspection: one act per agency and mine, each waiting for its agency head's
/// approval by the inspection day. Returns the inspection and the yearly-cap warnings.
pub async fn schedule(app: &App, caller: &Caller, input: &ScheduleInput<'_>) -> Result<(i64, Vec<String>)> {
    caller.require(Action::ScheduleInspection, &Resource::Installation)?;
    let mut e = FieldErrors::new();
    let mut conn = app.db.conn().await?;
    let checked = check_typed(app, &mut conn, input, &mut e).await?;
    let mine_list = super::input::mines_chosen(&mut conn, &input.mines, &mut e).await?;
    let Some(checked) = checked.filter(|_| e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let warnings = cap_warnings(app, &mut conn, &checked, &mine_list).await?;
    drop(conn);
    let mut tx = app.write(caller).await?;
    let id = create(&mut tx, app, caller, &checked, &mine_list, false).await?;
    tx.commit().await?;
    Ok((id, warnings))
}

/// Writes a joint inspection and its acts, each with its approval task for the agency head by the
/// inspection day. A drawn inspection's tasks name neither the mine nor the company: the list is
/// secret until the day.
pub(super) async fn create(
    tx: &mut WriteTx,
    app: &App,
    caller: &Caller,
    checked: &Checked,
    mine_list: &[Mine],
    drawn: bool,
) -> Result<i64> {
    let checklist = register::checklist(tx).await?;
    let mine_ids: Vec<MineId> = mine_list.iter().map(|m| m.id).collect();
    let id = inspections::insert_inspection(
        tx,
        &NewInspection {
            plan_item_id: checked.plan_item,
            title: &checked.title,
            inspect_on: checked.inspect_on,
            lead: &checked.lead,
            agencies: &checked.agencies,
            mines: &mine_ids,
            by_label: &caller.display_name,
        },
    )
    .await?;
    tx.audit(
        AuditAction::InspectionCreate,
        RecordType::Inspection,
        &Key::Int(id),
        None,
        None,
    )
    .await?;
    for agency in &checked.agencies {
        for mine in mine_list {
            let templates = if mine.status == MineStatus::Closed {
                vec![Template::Illegal]
            } else {
                Template::for_method(mine.method).to_vec()
            };
            let items: Vec<(&str, &str)> = templates
                .iter()
                .flat_map(|t| {
                    checklist
                        .iter()
                        .filter(move |i| i.template == *t && !i.retired)
                        .map(|i| (i.text.as_str(), i.category.as_str()))
                })
                .collect();
            let act = acts::insert_act(tx, id, agency, mine.id, checked.kind, &items).await?;
            tx.audit(
                AuditAction::ActCreate,
                RecordType::InspectionAct,
                &Key::Int(act),
                None,
                None,
            )
            .await?;
            let (title, task_mine) = if drawn {
                (
                    format!(
                        "审批双随机抽查：{}（{}，抽查名单当日公开）",
                        checked.title, checked.inspect_on
                    ),
                    None,
                )
            } else {
                (
                    format!(
                        "审批检查：{} {}（{}）",
                        mine.name, checked.title, checked.inspect_on
                    ),
                    Some(mine.id),
                )
            };
            task_cases::open(
                tx,
                app,
                Task {
                    kind: TaskKind::ApproveAct,
                    assignee: Assignee::Agency {
                        agency: agency.clone(),
                        role: Some(orewatch_domain::Role::AgencyHead),
                    },
                    agency: Some(agency.clone()),
                    due_at: end_of_day(checked.inspect_on),
                    level: Level::Open,
                },
                record_of(act),
                task_mine,
                &title,
            )
            .await?;
        }
    }
    Ok(id)
}

/// A joint inspection with its acts.
#[derive(Debug, Clone)]
pub struct InspectionView {
    pub inspection: Inspection,
    pub acts: Vec<Act>,
    pub agency_names: BTreeMap<AgencyCode, String>,
    /// Agency and mine pairs inspected more often this year than the yearly cap allows.
    pub over_cap: Vec<String>,
    /// A drawn inspection whose list is still secret from the caller: its mines and acts are left out.
    pub hidden: bool,
}

pub async fn show(app: &App, caller: &Caller, id: i64) -> Result<InspectionView> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let mut inspection = inspections::find_inspection(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let hidden = list_hidden(app, caller, inspection.drawn, inspection.inspect_on);
    let acts = if hidden {
        inspection.mines.clear();
        Vec::new()
    } else {
        acts::acts_of(&mut conn, id).await?
    };
    let agency_names = names::agencies(&mut conn).await?;
    let mut over_cap = Vec::new();
    for act in &acts {
        let held = acts::acts_in_year(&mut conn, &act.agency, act.mine_id, act.inspect_on.year()).await?;
        let held = u32::try_from(held).unwrap_or(u32::MAX);
        if app
            .settings
            .inspection_cap
            .exceeded_by_one_more(&act.agency, held.saturating_sub(1))
        {
            over_cap.push(format!(
                "{}今年检查{} {} 次，超过年度上限 {} 次",
                names::agency(&agency_names, &act.agency),
                act.mine_name,
                held,
                app.settings.inspection_cap.for_agency(&act.agency)
            ));
        }
    }
    Ok(InspectionView {
        inspection,
        acts,
        agency_names,
        over_cap,
        hidden,
    })
}

/// An act as its page shows it.
#[derive(Debug, Clone)]
pub struct ActView {
    pub act: Act,
    pub agency_name: String,
    /// The agency's officers with a card valid on the inspection day (for the head's approval); for a
    /// drawn act, only the inspectors drawn for it.
    pub register: Vec<Card>,
    /// Whether the caller is one of the act's officers.
    pub is_officer: bool,
}

pub async fn show_act(app: &App, caller: &Caller, id: i64) -> Result<ActView> {
    let mut conn = app.db.conn().await?;
    let act = acts::find_act(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewInspections, &resource(&act))?;
    require_visible(app, caller, &act)?;
    let register = if act.state == ActState::Requested && caller.may(Action::ApproveAct, &resource(&act)) {
        let valid = register::cards(&mut conn, Some(&act.agency))
            .await?
            .into_iter()
            .filter(|c| c.valid_on(act.inspect_on));
        // A drawn act offers its drawn inspectors only.
        if act.drawn {
            let drawn = orewatch_storage::draws::draw_of(&mut conn, act.inspection_id)
                .await?
                .and_then(|d| super::draws::drawn_for(&d.result, act.mine_id, &act.agency))
                .unwrap_or_default();
            valid.filter(|c| drawn.contains(&c.account_id)).collect()
        } else {
            valid.collect()
        }
    } else {
        Vec::new()
    };
    let agency_name = agencies::find(&mut conn, &act.agency)
        .await?
        .map_or_else(|| act.agency.as_str().to_string(), |a| a.name_zh);
    let is_officer = caller
        .account_id()
        .is_some_and(|me| act.officers.iter().any(|o| o.account_id == me));
    Ok(ActView {
        act,
        agency_name,
        register,
        is_officer,
    })
}

/// Loads an act for a step, checks the policy and the step.
async fn prepare(
    tx: &mut WriteTx,
    caller: &Caller,
    id: i64,
    action: Action,
    step: ActStep,
) -> Result<(Act, ActState)> {
    let act = acts::find_act(tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(action, &resource(&act))?;
    let next = act.state.after(step).map_err(|p| AppError::invalid("state", p))?;
    if matches!(step, ActStep::Fill | ActStep::Sign)
        && !caller
            .account_id()
            .is_some_and(|me| act.officers.iter().any(|o| o.account_id == me))
    {
        return Err(AppError::invalid("officers", Problem::NotOnAct));
    }
    if matches!(step, ActStep::Fill | ActStep::Sign) && local_date(tx.now()) < act.inspect_on {
        return Err(AppError::invalid(
            "state",
            Problem::BeforeInspectionDay {
                date: act.inspect_on.to_string(),
            },
        ));
    }
    Ok((act, next))
}

/// 审批: the agency head approves the act and names its officers (account ids) from the register.
pub async fn approve(
    app: &App,
    caller: &Caller,
    id: i64,
    kind: &str,
    officer_ids: &[&str],
) -> Result<String> {
    let mut tx = app.write(caller).await?;
    // Who may approve, and whether the act is still waiting, come before what was typed.
    let (act, next) = prepare(&mut tx, caller, id, Action::ApproveAct, ActStep::Approve).await?;
    // A drawn act's officers were drawn: it opens on the day its list is published, and keeps them.
    let drawn_officers = if act.drawn {
        if local_date(tx.now()) < act.inspect_on {
            return Err(AppError::invalid(
                "state",
                Problem::DrawListSecret {
                    date: act.inspect_on.to_string(),
                },
            ));
        }
        let draw = orewatch_storage::draws::draw_of(&mut tx, act.inspection_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Some(super::draws::drawn_for(&draw.result, act.mine_id, &act.agency).ok_or(AppError::NotFound)?)
    } else {
        None
    };
    let kind = ActKind::parse(kind).map_err(|p| AppError::invalid("kind", p))?;
    let mut chosen: Vec<AccountId> = Vec::new();
    for raw in officer_ids {
        let id = raw
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid("officers", Problem::Invalid))?;
        if !chosen.contains(&AccountId(id)) {
            chosen.push(AccountId(id));
        }
    }
    if let Some(drawn) = drawn_officers {
        let same = {
            let mut typed = chosen.clone();
            typed.sort();
            typed == drawn
        };
        if !chosen.is_empty() && !same {
            return Err(AppError::invalid("officers", Problem::DrawnOfficersFixed));
        }
        chosen = drawn;
    }
    let record = record_of(id);
    task_cases::require_assigned(&mut tx, caller, (record.0, &record.1), TaskKind::ApproveAct).await?;
    let cards = register::cards(&mut tx, Some(&act.agency)).await?;
    let mut officers = Vec::new();
    for account in &chosen {
        let valid = cards
            .iter()
            .find(|c| c.account_id == *account && c.valid_on(act.inspect_on));
        let name = match valid {
            Some(c) => c.holder.clone(),
            None => orewatch_storage::accounts::find(&mut tx, *account)
                .await?
                .filter(|a| a.agency.as_ref() == Some(&act.agency))
                .map(|a| a.display_name)
                .ok_or_else(|| AppError::invalid("officers", Problem::NotFound))?,
        };
        officers.push(Officer {
            account: *account,
            name,
            card_no: valid.map(|c| c.card_no.clone()),
            recused: valid.is_some_and(|c| c.recusals.contains(&act.company_id)),
        });
    }
    check_officers(&officers).map_err(|p| AppError::invalid("officers", p))?;
    let agency = agencies::find(&mut tx, &act.agency)
        .await?
        .ok_or(AppError::NotFound)?;
    let short = orewatch_domain::agency::short_name(&agency.name_zh);
    let year = act.inspect_on.year();
    let prefix = format!("{short}检〔{year}〕");
    let n = acts::records_with_prefix(&mut tx, &prefix).await? + 1;
    let doc_no = record_number(&short, year, n);
    let key = Key::Int(id);
    let before = tx.state(RecordType::InspectionAct, &key).await?;
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    acts::update_act(
        &mut tx,
        id,
        &[
            ("state", next.as_str().into()),
            ("kind", kind.as_str().into()),
            ("doc_no", doc_no.as_str().into()),
            ("approved_by", caller.account_id().map(|a| a.0).into()),
            ("approved_by_label", caller.display_name.as_str().into()),
            ("approved_at", now.into()),
        ],
    )
    .await?;
    for o in &officers {
        acts::add_officer(
            &mut tx,
            id,
            &ActOfficer {
                account_id: o.account,
                name: o.name.clone(),
                card_no: o.card_no.clone().unwrap_or_default(),
            },
        )
        .await?;
    }
    tx.audit(
        AuditAction::ActApprove,
        RecordType::InspectionAct,
        &key,
        before,
        None,
    )
    .await?;
    task_cases::close_open(
        &mut tx,
        caller,
        (record.0, &record.1),
        TaskKind::ApproveAct,
        Outcome::Done,
    )
    .await?;
    let due = end_of_day(act.inspect_on + chrono::Duration::days(app.settings.clocks.act_sign_days));
    task_cases::open(
        &mut tx,
        app,
        Task {
            kind: TaskKind::SignAct,
            assignee: Assignee::Agency {
                agency: act.agency.clone(),
                role: None,
            },
            agency: Some(act.agency.clone()),
            due_at: due,
            level: Level::Open,
        },
        record,
        Some(act.mine_id),
        &format!("现场检查并签署：{} {}", act.mine_name, doc_no),
    )
    .await?;
    tx.commit().await?;
    Ok(doc_no)
}

/// The on-site part of a record as typed: the site details and the checklist answers.
#[derive(Debug, Clone, Default)]
pub struct FillInput<'a> {
    pub place: &'a str,
    pub person_on_site: &'a str,
    pub started_at: &'a str,
    pub ended_at: &'a str,
    pub summary: &'a str,
    /// (item id, result code, note) for each item shown.
    pub answers: Vec<(i64, &'a str, &'a str)>,
}

/// Saves what the officers found so far (the record can be saved many times until it is signed).
pub async fn fill(app: &App, caller: &Caller, id: i64, input: &FillInput<'_>) -> Result<()> {
    let mut e = FieldErrors::new();
    let place = e.take("place", optional_text(input.place, 200));
    let person = e.take("person_on_site", optional_text(input.person_on_site, 100));
    let started = e.take("started_at", optional_time(input.started_at));
    let ended = e.take("ended_at", optional_time(input.ended_at));
    let summary = e.take("summary", optional_text(input.summary, 4000));
    let mut answers = Vec::with_capacity(input.answers.len());
    for (item, result, note) in &input.answers {
        let field = "answers";
        match (ItemResult::parse(result), optional_text(note, 1000)) {
            (Ok(r), Ok(n)) => answers.push((*item, r, n)),
            (Err(p), _) | (_, Err(p)) => e.push(field, p),
        }
    }
    let (Some(place), Some(person), Some(started), Some(ended), Some(summary)) =
        (place, person, started, ended, summary)
    else {
        return Err(AppError::Invalid(e));
    };
    if let (Some(s), Some(t)) = (&started, &ended) {
        if t < s {
            e.push("ended_at", Problem::DateOrder);
        }
    }
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let mut tx = app.write(caller).await?;
    let (act, _) = prepare(&mut tx, caller, id, Action::WorkAct, ActStep::Fill).await?;
    let key = Key::Int(id);
    let before = tx.state(RecordType::InspectionAct, &key).await?;
    acts::update_act(
        &mut tx,
        id,
        &[
            ("place", place.into()),
            ("person_on_site", person.into()),
            ("started_at", started.into()),
            ("ended_at", ended.into()),
            ("summary", summary.into()),
            ("recorded_by_label", caller.display_name.as_str().into()),
        ],
    )
    .await?;
    for (item, result, note) in &answers {
        if !act.items.iter().any(|i| i.id == *item) {
            return Err(AppError::invalid("answers", Problem::NotFound));
        }
        acts::answer_item(&mut tx, id, *item, *result, note.as_deref()).await?;
    }
    let after = tx.state(RecordType::InspectionAct, &key).await?;
    if after == before {
        // Nothing changed (a double submit): no audit entry, nothing to commit.
        tx.rollback().await?;
        return Ok(());
    }
    tx.audit(
        AuditAction::ActFill,
        RecordType::InspectionAct,
        &key,
        before,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A time on the inspection day or a date and time ("2026-03-12 09:30" or "09:30"), kept as typed
/// after checking it.
fn optional_time(raw: &str) -> std::result::Result<Option<String>, Problem> {
    let raw = raw.trim().replace('T', " ");
    if raw.is_empty() {
        return Ok(None);
    }
    if chrono::NaiveDateTime::parse_from_str(&raw, "%Y-%m-%d %H:%M").is_ok()
        || chrono::NaiveTime::parse_from_str(&raw, "%H:%M").is_ok()
    {
        Ok(Some(raw))
    } else {
        Err(Problem::BadDate)
    }
}

/// A site photo as uploaded.
#[derive(Debug, Clone)]
pub struct PhotoUpload<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// The checklist item it shows, if any.
    pub item: Option<i64>,
}

/// Adds a site photo: stored under its SHA-256, with the time and position its EXIF gives (or
/// "unknown" when the EXIF is missing or broken). Returns what was read.
pub async fn add_photo(
    app: &App,
    caller: &Caller,
    id: i64,
    upload: &PhotoUpload<'_>,
) -> Result<photos::PhotoFacts> {
    if upload.bytes.is_empty() {
        return Err(AppError::invalid("photo", Problem::Required));
    }
    if upload.bytes.len() > app.settings.max_evidence_bytes {
        return Err(AppError::invalid(
            "photo",
            Problem::FileTooLarge {
                name: upload.name.to_string(),
                max_mib: app.settings.max_evidence_bytes / (1024 * 1024),
            },
        ));
    }
    let (content_type, facts) =
        photos::read(upload.name, upload.bytes).map_err(|p| AppError::invalid("photo", p))?;
    let name = orewatch_domain::field::upload_name(upload.name).map_err(|p| AppError::invalid("photo", p))?;
    {
        // Refuse before storing anything when the caller may not add to this act.
        let mut tx = app.write(caller).await?;
        prepare(&mut tx, caller, id, Action::WorkAct, ActStep::Fill).await?;
        tx.rollback().await?;
    }
    let sha = app.files().put(upload.bytes).await?;
    let mut tx = app.write(caller).await?;
    let (act, _) = prepare(&mut tx, caller, id, Action::WorkAct, ActStep::Fill).await?;
    if let Some(item) = upload.item {
        if !act.items.iter().any(|i| i.id == item) {
            return Err(AppError::invalid("item", Problem::NotFound));
        }
    }
    if act
        .photos
        .iter()
        .any(|p| p.sha256 == sha && p.item_id == upload.item)
    {
        return Err(AppError::invalid(
            "photo",
            Problem::DuplicateOf {
                existing: name.clone(),
            },
        ));
    }
    let key = Key::Int(id);
    let before = tx.state(RecordType::InspectionAct, &key).await?;
    acts::add_photo(
        &mut tx,
        id,
        &NewPhoto {
            item_id: upload.item,
            sha256: &sha,
            file_name: &name,
            size_bytes: i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
            content_type,
            exif: facts.exif.as_str(),
            taken_at: facts.taken_at.as_deref(),
            lat: facts.position.map(|p| p.0),
            lon: facts.position.map(|p| p.1),
            by_label: &caller.display_name,
        },
    )
    .await?;
    tx.audit(
        AuditAction::ActPhoto,
        RecordType::InspectionAct,
        &key,
        before,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(facts)
}

/// A photo's bytes, for anyone who may read the act.
pub async fn photo(app: &App, caller: &Caller, act_id: i64, photo_id: i64) -> Result<(ActPhoto, Vec<u8>)> {
    let mut conn = app.db.conn().await?;
    let act = acts::find_act(&mut conn, act_id)
        .await?
        .ok_or(AppError::NotFound)?;
    caller.require(Action::ViewInspections, &resource(&act))?;
    require_visible(app, caller, &act)?;
    let photo = act
        .photos
        .into_iter()
        .find(|p| p.id == photo_id)
        .ok_or(AppError::NotFound)?;
    let bytes = app.files().get(&photo.sha256).await?;
    Ok((photo, bytes))
}

/// 签署: the officers sign the record off once it is complete; the joint inspection closes when its
/// last act is signed.
pub async fn sign(app: &App, caller: &Caller, id: i64) -> Result<()> {
    let mut tx = app.write(caller).await?;
    let (act, next) = prepare(&mut tx, caller, id, Action::WorkAct, ActStep::Sign).await?;
    let answers: Vec<Answer> = act
        .items
        .iter()
        .map(|i| Answer {
            seq: i.seq,
            result: i.result,
            has_note: i.note.as_deref().is_some_and(|n| !n.trim().is_empty()),
        })
        .collect();
    let site_complete = [
        &act.place,
        &act.person_on_site,
        &act.started_at,
        &act.ended_at,
        &act.summary,
    ]
    .iter()
    .all(|f| f.as_deref().is_some_and(|v| !v.trim().is_empty()));
    check_signable(&answers, site_complete).map_err(|p| AppError::invalid("items", p))?;
    let names: Vec<&str> = act.officers.iter().map(|o| o.name.as_str()).collect();
    let key = Key::Int(id);
    let before = tx.state(RecordType::InspectionAct, &key).await?;
    let now = orewatch_domain::audit::format_timestamp(tx.now());
    acts::update_act(
        &mut tx,
        id,
        &[
            ("state", next.as_str().into()),
            ("signed_by_label", names.join("、").into()),
            ("signed_at", now.into()),
        ],
    )
    .await?;
    tx.audit(
        AuditAction::ActSign,
        RecordType::InspectionAct,
        &key,
        before,
        None,
    )
    .await?;
    let record = record_of(id);
    task_cases::close_open(
        &mut tx,
        caller,
        (record.0, &record.1),
        TaskKind::SignAct,
        Outcome::Done,
    )
    .await?;
    let inspection = inspections::find_inspection(&mut tx, act.inspection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !inspection.closed && inspection.acts_signed == inspection.acts {
        let ikey = Key::Int(inspection.id);
        let before = tx.state(RecordType::Inspection, &ikey).await?;
        inspections::close_inspection(&mut tx, inspection.id).await?;
        tx.audit(
            AuditAction::InspectionClose,
            RecordType::Inspection,
            &ikey,
            before,
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What the agency decides when a problem item goes on the ledger.
#[derive(Debug, Clone, Default)]
pub struct ProblemInput<'a> {
    pub severity: &'a str,
    pub deadline_on: &'a str,
    pub legal_basis: &'a str,
    pub measures: &'a str,
}

/// Puts a problem item of a signed act on the rectification ledger as a finding of the act's agency
/// (source: the joint inspection, reference: the record's number). Once per item.
pub async fn to_finding(
    app: &App,
    caller: &Caller,
    act_id: i64,
    item_id: i64,
    input: &ProblemInput<'_>,
) -> Result<orewatch_domain::FindingId> {
    let act = {
        let mut conn = app.db.conn().await?;
        acts::find_act(&mut conn, act_id)
            .await?
            .ok_or(AppError::NotFound)?
    };
    caller.require(Action::WorkAct, &resource(&act))?;
    let item = act
        .items
        .iter()
        .find(|i| i.id == item_id)
        .ok_or(AppError::NotFound)?;
    check_problem_item(&act, item)?;
    let description = format!("{}：{}", item.text, item.note.as_deref().unwrap_or_default());
    let found_on = act.inspect_on.to_string();
    let valid = finding_cases::validate(
        app,
        caller,
        &FindingInput {
            mine: &act.mine_name,
            source: "joint_inspection",
            source_ref: act.doc_no.as_deref().unwrap_or_default(),
            category: &item.category,
            description: &description,
            legal_basis: input.legal_basis,
            severity: input.severity,
            agency: act.agency.as_str(),
            measures: input.measures,
            found_on: &found_on,
            deadline_on: input.deadline_on,
        },
    )
    .await?;
    let mut tx = app.write(caller).await?;
    // Read again inside the write: a second submit finds the item already on the ledger.
    let act = acts::find_act(&mut tx, act_id).await?.ok_or(AppError::NotFound)?;
    let item = act
        .items
        .iter()
        .find(|i| i.id == item_id)
        .ok_or(AppError::NotFound)?;
    check_problem_item(&act, item)?;
    let finding = finding_cases::insert_valid(&mut tx, app, caller, &valid).await?;
    let key = Key::Int(act_id);
    let before = tx.state(RecordType::InspectionAct, &key).await?;
    acts::link_item_finding(&mut tx, act_id, item_id, finding).await?;
    tx.audit(
        AuditAction::ActFinding,
        RecordType::InspectionAct,
        &key,
        before,
        Some(format!("第{}项 → 整改问题 #{finding}", item.seq)),
    )
    .await?;
    tx.commit().await?;
    Ok(finding)
}

fn check_problem_item(act: &Act, item: &ActItem) -> Result<()> {
    if act.state != ActState::Signed {
        return Err(AppError::invalid(
            "state",
            Problem::WrongState {
                state: act.state.label_zh().into(),
                step: "转入整改台账".into(),
            },
        ));
    }
    if item.result != Some(ItemResult::Problem) {
        return Err(AppError::invalid("item", Problem::Invalid));
    }
    if let Some(f) = item.finding_id {
        return Err(AppError::invalid(
            "item",
            Problem::AlreadyDone {
                state: format!("已转入整改台账（#{f}）"),
            },
        ));
    }
    Ok(())
}

/// How a year's joint inspections stand against the approved plan.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub year: i32,
    /// Per quarter (1–4): joint inspections planned, scheduled, and held (closed).
    pub quarters: Vec<(u8, usize, usize, usize)>,
    /// Producing mines without a signed act this year.
    pub not_inspected: Vec<(MineId, String)>,
    /// Per agency: acts scheduled and acts signed this year.
    pub agencies: Vec<(String, usize, usize)>,
}

pub async fn coverage(app: &App, caller: &Caller, year: i32) -> Result<Coverage> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let planned: Vec<u8> = match plans::approved_plan_id(&mut conn, year).await? {
        Some(id) => plans::find_plan(&mut conn, id)
            .await?
            .map(|p| p.items.iter().map(|i| i.quarter).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let held = inspections::inspections_in(&mut conn, year).await?;
    let quarters = (1..=4)
        .map(|q| {
            let in_q = |i: &&Inspection| quarter_of(i.inspect_on) == q;
            (
                q,
                planned.iter().filter(|p| **p == q).count(),
                held.iter().filter(in_q).count(),
                held.iter().filter(in_q).filter(|i| i.closed).count(),
            )
        })
        .collect();
    let acts = acts::act_coverage(&mut conn, year).await?;
    let signed: BTreeSet<MineId> = acts.iter().filter(|a| a.3).map(|a| a.1).collect();
    let not_inspected = mines::all(&mut conn)
        .await?
        .into_iter()
        .filter(|m| m.status == MineStatus::Producing && !signed.contains(&m.id))
        .map(|m| (m.id, m.name))
        .collect();
    let agency_names = names::agencies(&mut conn).await?;
    let mut per_agency: BTreeMap<AgencyCode, (usize, usize)> = BTreeMap::new();
    for (agency, _, _, is_signed) in &acts {
        let entry = per_agency.entry(agency.clone()).or_default();
        entry.0 += 1;
        if *is_signed {
            entry.1 += 1;
        }
    }
    let agencies = agencies::list(&mut conn)
        .await?
        .into_iter()
        .filter(|a| a.is_member())
        .map(|a| {
            let (n, s) = per_agency.get(&a.code).copied().unwrap_or_default();
            (names::agency(&agency_names, &a.code), n, s)
        })
        .collect();
    Ok(Coverage {
        year,
        quarters,
        not_inspected,
        agencies,
    })
}

/// The acts at a mine the caller may see, newest first (for the mine page).
pub async fn acts_at_mine(app: &App, caller: &Caller, mine: MineId) -> Result<Vec<Act>> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let mut acts = acts::acts_at_mine(&mut conn, mine).await?;
    acts.retain(|a| !list_hidden(app, caller, a.drawn, a.inspect_on));
    Ok(acts)
}

/// The mines a plan or an inspection may name: (id, name, township, status), by name.
pub async fn mine_choices(app: &App, caller: &Caller) -> Result<Vec<(MineId, String, String, MineStatus)>> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let mut all: Vec<_> = mines::all(&mut conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name, m.township, m.status))
        .collect();
    all.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(all)
}

/// The officers of the record with this number (a finding's source), for the documents that name them.
pub async fn officers_of_record(app: &App, caller: &Caller, doc_no: &str) -> Result<Vec<ActOfficer>> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let Some(id) = acts::act_numbered(&mut conn, doc_no).await? else {
        return Ok(Vec::new());
    };
    Ok(acts::find_act(&mut conn, id)
        .await?
        .map(|a| a.officers)
        .unwrap_or_default())
}
