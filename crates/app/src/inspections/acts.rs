//! 联合检查 and 检查记录 — the office schedules a joint inspection (date, mines, agencies); each
//! agency's inspection of each mine is an *act*: its head approves it and names at least two officers
//! with valid enforcement cards, the officers fill in the checklist on site with notes and photos and
//! sign it, and each problem they found goes on the rectification ledger (WORKFLOW.md §1.1–1.2).

use super::names;
use super::photos;
use crate::ledger::findings::{self as finding_cases, FindingInput};
use crate::{App, AppError, Caller, Result};
use chrono::{Datelike, NaiveDate};
use orewatch_domain::field::{date, optional_text, required_text};
use orewatch_domain::inspection::act::check_problem_item;
pub use orewatch_domain::inspection::ActStep;
use orewatch_domain::inspection::{
    quarter_of, ActCommand, ActFlow, ActKind, ItemResult, Officer, SiteRecord, Template,
};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::workflow::Workflow;
use orewatch_domain::{
    AccountId, ActId, ActItemId, AgencyCode, AuditAction, FieldErrors, FindingId, InspectionId, MineId,
    PhotoId, PlanItemId, Problem,
};
use orewatch_storage::acts;
pub use orewatch_storage::acts::{Act, ActItem, ActOfficer, ActPhoto};
use orewatch_storage::inspections::Inspection;
use orewatch_storage::inspections::{self, NewInspection};
use orewatch_storage::mines::Mine;
use orewatch_storage::plans;
use orewatch_storage::register::{self, Card};
use orewatch_storage::{agencies, mines, WriteTx};
use std::collections::{BTreeMap, BTreeSet};

/// The policy's view of an act.
pub fn resource(act: &Act) -> Resource {
    ActFlow::resource(act)
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
    pub plan_item: Option<PlanItemId>,
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
                .map(|n| Some(PlanItemId(n)))
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
pub async fn schedule(
    app: &App,
    caller: &Caller,
    input: &ScheduleInput<'_>,
) -> Result<(InspectionId, Vec<String>)> {
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
    let id = open_inspection(&mut tx, caller, &checked, &mine_list).await?;
    open_acts(&mut tx, app, caller, id, &checked, &mine_list).await?;
    tx.commit().await?;
    Ok((id, warnings))
}

/// Writes a joint inspection (without its acts: [`open_acts`] follows, after a drawn inspection's draw
/// is written, so that each act knows it was drawn when its task is opened).
pub(super) async fn open_inspection(
    tx: &mut WriteTx,
    caller: &Caller,
    checked: &Checked,
    mine_list: &[Mine],
) -> Result<InspectionId> {
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
    tx.audit_of(AuditAction::InspectionCreate, id, None, None).await?;
    Ok(id)
}

/// Writes the acts of a joint inspection, one per agency and mine with its checklist, each with its
/// approval task for the agency head by the inspection day (a drawn act's task names neither the mine
/// nor the company: the list is secret until the day; ActFlow).
pub(super) async fn open_acts(
    tx: &mut WriteTx,
    app: &App,
    caller: &Caller,
    id: InspectionId,
    checked: &Checked,
    mine_list: &[Mine],
) -> Result<()> {
    let checklist = register::checklist(tx).await?;
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
            crate::workflow::created::<ActFlow>(tx, app, caller, act).await?;
        }
    }
    Ok(())
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

pub async fn show(app: &App, caller: &Caller, id: InspectionId) -> Result<InspectionView> {
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
    /// The steps open to the caller.
    pub open: Vec<ActStep>,
}

pub async fn show_act(app: &App, caller: &Caller, id: ActId) -> Result<ActView> {
    let mut conn = app.db.conn().await?;
    let act = acts::find_act(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewInspections, &resource(&act))?;
    require_visible(app, caller, &act)?;
    let open = crate::workflow::offered::<ActFlow>(&mut conn, app, caller, &act).await?;
    // The register is offered to the one who approves, once the act may be approved (ActFlow).
    let register = if open.contains(&ActStep::Approve) {
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
    let is_officer = act.is_officer(&caller.actor);
    Ok(ActView {
        act,
        agency_name,
        register,
        is_officer,
        open,
    })
}

/// 审批: the agency head approves the act and names its officers (account ids) from the register.
pub async fn approve(
    app: &App,
    caller: &Caller,
    id: ActId,
    kind: &str,
    officer_ids: &[&str],
) -> Result<String> {
    let mut conn = app.db.conn().await?;
    // Who may approve, and whether the act may be approved now, come before what was typed.
    let act = crate::workflow::allowed::<ActFlow>(&mut conn, app, caller, id, ActStep::Approve).await?;
    // A drawn act's officers were drawn: it keeps them.
    let drawn_officers = if act.drawn {
        let draw = orewatch_storage::draws::draw_of(&mut conn, act.inspection_id)
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
    // The officers as the register has them on the inspection day.
    let cards = register::cards(&mut conn, Some(&act.agency)).await?;
    let mut officers = Vec::new();
    for account in &chosen {
        let valid = cards
            .iter()
            .find(|c| c.account_id == *account && c.valid_on(act.inspect_on));
        let name = match valid {
            Some(c) => c.holder.clone(),
            None => orewatch_storage::accounts::find(&mut conn, *account)
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
    drop(conn);
    let stepped =
        crate::workflow::step::<ActFlow>(app, caller, id, ActCommand::Approve { kind, officers }, &[])
            .await?;
    Ok(stepped.document.unwrap_or_default())
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
    pub answers: Vec<(ActItemId, &'a str, &'a str)>,
}

/// Saves what the officers found so far (the record can be saved many times until it is signed).
pub async fn fill(app: &App, caller: &Caller, id: ActId, input: &FillInput<'_>) -> Result<()> {
    let mut e = FieldErrors::new();
    let place = e.take("place", optional_text(input.place, 200));
    let person = e.take("person_on_site", optional_text(input.person_on_site, 100));
    let started = e.take(
        "started_at",
        orewatch_domain::field::optional_time(input.started_at),
    );
    let ended = e.take("ended_at", orewatch_domain::field::optional_time(input.ended_at));
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
    let site = SiteRecord {
        place,
        person_on_site: person,
        started_at: started,
        ended_at: ended,
        summary,
        answers,
    };
    // Saved as often as needed until signed; the same form sent twice changes (and writes) nothing.
    crate::workflow::step::<ActFlow>(app, caller, id, ActCommand::Fill(site), &[]).await?;
    Ok(())
}

/// A site photo as uploaded.
#[derive(Debug, Clone)]
pub struct PhotoUpload<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// The checklist item it shows, if any.
    pub item: Option<ActItemId>,
}

/// Adds a site photo: stored under its SHA-256, with the time and position its EXIF gives (or
/// "unknown" when the EXIF is missing or broken). Returns what was read.
pub async fn add_photo(
    app: &App,
    caller: &Caller,
    id: ActId,
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
        let mut conn = app.db.conn().await?;
        crate::workflow::allowed::<ActFlow>(&mut conn, app, caller, id, ActStep::AddPhoto).await?;
    }
    let sha = app.files().put(upload.bytes).await?;
    let photo = ActPhoto {
        id: None,
        item_id: upload.item,
        sha256: sha,
        file_name: name,
        size_bytes: i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
        content_type: content_type.to_string(),
        exif: facts.exif.as_str().to_string(),
        taken_at: facts.taken_at.clone(),
        lat: facts.position.map(|p| p.0),
        lon: facts.position.map(|p| p.1),
        added_by_label: caller.display_name.clone(),
        added_at: app.now(),
    };
    crate::workflow::step::<ActFlow>(app, caller, id, ActCommand::AddPhoto(photo), &[]).await?;
    Ok(facts)
}

/// A photo's bytes, for anyone who may read the act.
pub async fn photo(
    app: &App,
    caller: &Caller,
    act_id: ActId,
    photo_id: PhotoId,
) -> Result<(ActPhoto, Vec<u8>)> {
    let mut conn = app.db.conn().await?;
    let act = acts::find_act(&mut conn, act_id)
        .await?
        .ok_or(AppError::NotFound)?;
    caller.require(Action::ViewInspections, &resource(&act))?;
    require_visible(app, caller, &act)?;
    let photo = act
        .photos
        .into_iter()
        .find(|p| p.id == Some(photo_id))
        .ok_or(AppError::NotFound)?;
    let bytes = app.files().get(&photo.sha256).await?;
    Ok((photo, bytes))
}

/// 签署: the officers sign the record off once it is complete; the joint inspection closes when its
/// last act is signed.
pub async fn sign(app: &App, caller: &Caller, id: ActId) -> Result<()> {
    let mut tx = app.write(caller).await?;
    let act = crate::workflow::step_in::<ActFlow>(&mut tx, app, caller, id, ActCommand::Sign, &[])
        .await?
        .record;
    let inspection = inspections::find_inspection(&mut tx, act.inspection_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !inspection.closed && inspection.acts_signed == inspection.acts {
        let ikey = inspection.id;
        let before = tx.state_of(ikey).await?;
        inspections::close_inspection(&mut tx, inspection.id).await?;
        tx.audit_of(AuditAction::InspectionClose, ikey, before, None)
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
    act_id: ActId,
    item_id: ActItemId,
    input: &ProblemInput<'_>,
) -> Result<FindingId> {
    let act = {
        let mut conn = app.db.conn().await?;
        crate::workflow::allowed::<ActFlow>(&mut conn, app, caller, act_id, ActStep::ToFinding).await?
    };
    let item = act
        .items
        .iter()
        .find(|i| i.id == item_id)
        .ok_or(AppError::NotFound)?;
    check_problem_item(item)?;
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
    // One write: the finding, then the item naming it. A second submit finds the item already on the
    // ledger (the act's rules refuse it) and the finding goes with the write.
    let mut tx = app.write(caller).await?;
    let finding = finding_cases::insert_valid(&mut tx, app, caller, &valid).await?;
    let command = ActCommand::ToFinding { item_id, finding };
    crate::workflow::step_in::<ActFlow>(&mut tx, app, caller, act_id, command, &[]).await?;
    tx.commit().await?;
    Ok(finding)
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
