//! 双随机 (WORKFLOW.md §1.4) — the office grades each mine's risk, and draws a joint inspection: the
//! mines by grade at the ratios of the day and, for each mine and agency, inspectors from the agency's
//! register, leaving out anyone linked to the company (the rule is `domain::draw`). The seed comes from
//! the operating system; the seed, inputs and result are stored and audited, so anyone who may see the
//! draw can replay it. Until the inspection day only the office sees what was drawn.

use super::acts::{self, Checked, ScheduleInput};
use super::names;
use crate::{App, AppError, Caller, Result};
use orewatch_domain::draw::{self as rule, Candidate, DrawInput, DrawResult, Inspector, Ratios, RiskGrade};
use orewatch_domain::field::optional_text;
use orewatch_domain::mine::MineStatus;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AccountId, AgencyCode, AuditAction, FieldErrors, MineId, Problem, RecordType};
use orewatch_storage::draws::{self, Draw, Grade};
use orewatch_storage::mines::Mine;
use orewatch_storage::register;
use orewatch_storage::{inspections, mines};
use rand::RngCore;
use std::collections::BTreeMap;

/// A mine with its risk grade, if graded.
#[derive(Debug, Clone)]
pub struct GradeRow {
    pub mine: Mine,
    pub grade: Option<Grade>,
}

/// Every mine that may be drawn (all but closed ones), by township and name, with its grade.
pub async fn grades(app: &App, caller: &Caller) -> Result<Vec<GradeRow>> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let mut graded: BTreeMap<MineId, Grade> = draws::grades(&mut conn)
        .await?
        .into_iter()
        .map(|g| (g.mine_id, g))
        .collect();
    let mut rows: Vec<GradeRow> = mines::all(&mut conn)
        .await?
        .into_iter()
        .filter(|m| m.status != MineStatus::Closed)
        .map(|m| GradeRow {
            grade: graded.remove(&m.id),
            mine: m,
        })
        .collect();
    rows.sort_by(|a, b| (&a.mine.township, &a.mine.name).cmp(&(&b.mine.township, &b.mine.name)));
    Ok(rows)
}

/// Sets the grades typed as (mine id, grade, reason); a blank grade leaves the mine as it is. Only what
/// changed is written and audited; returns how many mines changed.
pub async fn set_grades(app: &App, caller: &Caller, typed: &[(&str, &str, &str)]) -> Result<usize> {
    caller.require(Action::GradeMines, &Resource::Installation)?;
    let mut e = FieldErrors::new();
    let mut wanted: Vec<(MineId, RiskGrade, Option<String>)> = Vec::new();
    for (mine, grade, reason) in typed {
        if grade.trim().is_empty() {
            continue;
        }
        let mine = e.take("grades", mine.trim().parse::<i64>().map_err(|_| Problem::Invalid));
        let grade = e.take("grades", RiskGrade::parse(grade));
        let reason = e.take("grades", optional_text(reason, 200));
        if let (Some(mine), Some(grade), Some(reason)) = (mine, grade, reason) {
            wanted.push((MineId(mine), grade, reason));
        }
    }
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let mut tx = app.write(caller).await?;
    let current: BTreeMap<MineId, Grade> = draws::grades(&mut tx)
        .await?
        .into_iter()
        .map(|g| (g.mine_id, g))
        .collect();
    let mut changed = 0;
    for (mine, grade, reason) in &wanted {
        let existing = current.get(mine);
        if existing.is_some_and(|g| g.grade == *grade && g.reason == *reason) {
            continue;
        }
        if mines::find(&mut tx, *mine).await?.is_none() {
            return Err(AppError::invalid("grades", Problem::MineNotRegistered));
        }
        let before = tx.state(RecordType::RiskGrade, mine).await?;
        draws::set_grade(
            &mut tx,
            *mine,
            *grade,
            reason.as_deref(),
            &caller.display_name,
            existing.is_some(),
        )
        .await?;
        tx.audit(
            AuditAction::RiskGradeSet,
            RecordType::RiskGrade,
            mine,
            before,
            None,
        )
        .await?;
        changed += 1;
    }
    if changed == 0 {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(changed)
}

/// A draw as typed by the office: the joint inspection (its mines are drawn, so `mines` is ignored),
/// the ratios per grade A–D in percent, and the inspectors per agency and mine.
#[derive(Debug, Clone, Default)]
pub struct DrawRequest<'a> {
    pub inspection: ScheduleInput<'a>,
    pub ratios: [&'a str; 4],
    pub per_act: &'a str,
}

/// Draws a joint inspection with a seed from the operating system. Returns the inspection and the
/// yearly-cap warnings.
pub async fn draw(
    app: &App,
    caller: &Caller,
    request: &DrawRequest<'_>,
) -> Result<(orewatch_domain::InspectionId, Vec<String>)> {
    draw_seeded(app, caller, request, rand::rngs::OsRng.next_u64()).await
}

/// Draws with a given seed (the demo's draws are reproducible).
pub(crate) async fn draw_seeded(
    app: &App,
    caller: &Caller,
    request: &DrawRequest<'_>,
    seed: u64,
) -> Result<(orewatch_domain::InspectionId, Vec<String>)> {
    caller.require(Action::ScheduleInspection, &Resource::Installation)?;
    let mut e = FieldErrors::new();
    let mut conn = app.db.conn().await?;
    let checked = acts::check_typed(app, &mut conn, &request.inspection, &mut e).await?;
    let ratios = e.take("ratios", Ratios::parse(request.ratios));
    let per_act = e.take(
        "per_act",
        request
            .per_act
            .trim()
            .parse::<usize>()
            .map_err(|_| Problem::Invalid)
            .and_then(|n| {
                if n < 2 {
                    Err(Problem::TooFewOfficers)
                } else {
                    Ok(n)
                }
            }),
    );
    let all_mines = mines::all(&mut conn).await?;
    let graded: BTreeMap<MineId, RiskGrade> = draws::grades(&mut conn)
        .await?
        .into_iter()
        .map(|g| (g.mine_id, g.grade))
        .collect();
    let mut candidates = Vec::new();
    let mut ungraded = Vec::new();
    for m in all_mines.iter().filter(|m| m.status != MineStatus::Closed) {
        match graded.get(&m.id) {
            Some(grade) => candidates.push(Candidate {
                mine: m.id,
                company: m.company_id,
                grade: *grade,
            }),
            None => ungraded.push(m.name.as_str()),
        }
    }
    if !ungraded.is_empty() {
        let mut mines = ungraded.iter().take(10).copied().collect::<Vec<_>>().join("、");
        if ungraded.len() > 10 {
            mines.push_str(&format!(" 等 {} 座", ungraded.len()));
        }
        e.push("grades", Problem::MinesUngraded { mines });
    }
    let (Some(checked), Some(ratios), Some(per_act)) = (checked, ratios, per_act) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let day = checked.inspect_on;
    let mut register = Vec::new();
    for agency in &checked.agencies {
        let people = register::cards(&mut conn, Some(agency))
            .await?
            .into_iter()
            .filter(|c| c.valid_on(day))
            .map(|c| Inspector {
                account: c.account_id,
                recusals: c.recusals,
            })
            .collect();
        register.push((agency.clone(), people));
    }
    let input = DrawInput {
        seed,
        candidates,
        ratios,
        register,
        per_act,
    };
    let agency_names = names::agencies(&mut conn).await?;
    let result = rule::draw(&input).map_err(|p| match p {
        Problem::TooFewInspectors {
            agency,
            needed,
            found,
        } => {
            let agency = AgencyCode::parse(&agency)
                .map(|code| names::agency(&agency_names, &code))
                .unwrap_or(agency);
            AppError::invalid(
                "agencies",
                Problem::TooFewInspectors {
                    agency,
                    needed,
                    found,
                },
            )
        }
        other => AppError::invalid("ratios", other),
    })?;
    if result.mines.is_empty() {
        return Err(AppError::invalid("ratios", Problem::NothingDrawn));
    }
    let by_id: BTreeMap<MineId, &Mine> = all_mines.iter().map(|m| (m.id, m)).collect();
    let drawn: Vec<Mine> = result
        .mines
        .iter()
        .filter_map(|id| by_id.get(id).map(|m| (*m).clone()))
        .collect();
    let warnings = acts::cap_warnings(app, &mut conn, &checked, &drawn).await?;
    drop(conn);
    let id = write(app, caller, &checked, &drawn, &input, &result).await?;
    Ok((id, warnings))
}

async fn write(
    app: &App,
    caller: &Caller,
    checked: &Checked,
    drawn: &[Mine],
    input: &DrawInput,
    result: &DrawResult,
) -> Result<orewatch_domain::InspectionId> {
    let mut tx = app.write(caller).await?;
    let id = acts::open_inspection(&mut tx, caller, checked, drawn).await?;
    // The draw before the acts: each act is drawn from its first task on.
    let draw_id =
        draws::insert_draw(&mut tx, id, rule::ALGORITHM, input, result, &caller.display_name).await?;
    tx.audit_of(
        AuditAction::DrawCreate,
        draw_id,
        None,
        Some(format!("双随机抽取，种子 {}", input.seed)),
    )
    .await?;
    acts::open_acts(&mut tx, app, caller, id, checked, drawn).await?;
    tx.commit().await?;
    Ok(id)
}

/// The inspectors drawn for one mine and agency.
pub fn drawn_for(result: &DrawResult, mine: MineId, agency: &AgencyCode) -> Option<Vec<AccountId>> {
    result
        .officers
        .iter()
        .find(|(m, a, _)| *m == mine && a == agency)
        .map(|(_, _, people)| people.clone())
}

/// A drawn mine as the draw's page shows it.
#[derive(Debug, Clone)]
pub struct DrawnMine {
    pub mine_id: MineId,
    pub name: String,
    pub grade: Option<RiskGrade>,
    /// (agency name, the inspectors' names).
    pub officers: Vec<(String, Vec<String>)>,
}

/// A draw with names, for the joint inspection's page.
#[derive(Debug, Clone)]
pub struct DrawView {
    pub draw: Draw,
    /// Whether the stored inputs still give the stored result.
    pub replays: bool,
    /// Per grade: mines that could be drawn, the ratio, and mines drawn.
    pub by_grade: Vec<(RiskGrade, usize, u32, usize)>,
    pub mines: Vec<DrawnMine>,
}

/// The draw of a joint inspection, when it was drawn and the caller may see it.
pub async fn of_inspection(
    app: &App,
    caller: &Caller,
    inspection: orewatch_domain::InspectionId,
) -> Result<Option<DrawView>> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let Some(found) = inspections::find_inspection(&mut conn, inspection).await? else {
        return Err(AppError::NotFound);
    };
    if acts::list_hidden(app, caller, found.drawn, found.inspect_on) {
        return Ok(None);
    }
    let Some(draw) = draws::draw_of(&mut conn, inspection).await? else {
        return Ok(None);
    };
    let replays = draw.algorithm == rule::ALGORITHM && rule::replays(&draw.input, &draw.result);
    let mine_names: BTreeMap<MineId, String> = mines::all(&mut conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name))
        .collect();
    let people: BTreeMap<AccountId, String> = register::cards(&mut conn, None)
        .await?
        .into_iter()
        .map(|c| (c.account_id, c.holder))
        .collect();
    let agency_names = names::agencies(&mut conn).await?;
    let grade_of = |id: MineId| {
        draw.input
            .candidates
            .iter()
            .find(|c| c.mine == id)
            .map(|c| c.grade)
    };
    let by_grade = RiskGrade::ALL
        .into_iter()
        .map(|g| {
            let of =
                |ids: &mut dyn Iterator<Item = MineId>| ids.filter(|id| grade_of(*id) == Some(g)).count();
            (
                g,
                of(&mut draw.input.candidates.iter().map(|c| c.mine)),
                draw.input.ratios.of(g),
                of(&mut draw.result.mines.iter().copied()),
            )
        })
        .collect();
    let mines = draw
        .result
        .mines
        .iter()
        .map(|id| DrawnMine {
            mine_id: *id,
            name: names::mine(&mine_names, *id),
            grade: grade_of(*id),
            officers: draw
                .result
                .officers
                .iter()
                .filter(|(m, _, _)| m == id)
                .map(|(_, agency, accounts)| {
                    (
                        names::agency(&agency_names, agency),
                        accounts
                            .iter()
                            .map(|a| people.get(a).cloned().unwrap_or_else(|| format!("#{a}")))
                            .collect(),
                    )
                })
                .collect(),
        })
        .collect();
    Ok(Some(DrawView {
        draw,
        replays,
        by_grade,
        mines,
    }))
}
