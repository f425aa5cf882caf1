//! The workflow of an inspection act: one agency's inspection of one mine (WORKFLOW.md §1.1–1.2).
//!
//! ```text
//! 待审批 ─审批(命名执法人员)─▶ 检查中 ─(填写 · 照片)─▶ 检查中 ─签署─▶ 已签署 ─(问题列入台账)─▶ 已签署
//! ```
//!
//! The agency head approves the act by its inspection day, naming at least two officers with cards
//! valid on that day (a drawn act keeps its drawn inspectors and is approved only once its list is
//! public, on the day); the approval numbers the record (`{agency}检〔year of the inspection〕n号`). From
//! the inspection day on, the act's own officers fill in the site details and the checklist, add
//! photos, and sign once every item is answered and every problem described. Each problem item of a
//! signed act goes on the ledger once. Tasks: the head's approval (due on the day), then the
//! officers' signing (due `act_sign_days` after it).

use super::{check_officers, check_signable, ActKind, ActState, Answer, ItemResult, Officer};
use crate::account::AccountId;
use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::{ActId, ActItemId, ActOfficerId, CompanyId, FindingId, InspectionId, MineId, PhotoId};
use crate::policy::{Action, Actor, Resource};
use crate::record::{AuditAction, RecordType};
use crate::role::Role;
use crate::task::{end_of_day, Assignee, Level, Outcome, Task, TaskKind};
use crate::task_title::TaskTitle;
use crate::workflow::{
    Context, Created, DocumentKind, Issuer, Moved, Refused, Rule, Standing, Target, TaskMove, Workflow,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ActState::*;

/// An officer named on an act; `id` is `None` until stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActOfficer {
    pub id: Option<ActOfficerId>,
    pub account_id: AccountId,
    pub name: String,
    pub card_no: String,
}

/// A checklist item of an act with its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActItem {
    pub id: ActItemId,
    pub seq: i64,
    pub text: String,
    pub category: String,
    pub result: Option<ItemResult>,
    pub note: Option<String>,
    pub finding_id: Option<FindingId>,
}

/// A site photo (its file is in the file store under its SHA-256); `id` is `None` until stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ActPhoto {
    pub id: Option<PhotoId>,
    pub item_id: Option<ActItemId>,
    pub sha256: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub content_type: String,
    /// `read`, `none` or `broken`.
    pub exif: String,
    pub taken_at: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub added_by_label: String,
    pub added_at: DateTime<Utc>,
}

/// An act with what its record prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Act {
    pub id: ActId,
    pub inspection_id: InspectionId,
    pub inspection_title: String,
    pub inspect_on: NaiveDate,
    pub agency: AgencyCode,
    pub mine_id: MineId,
    pub mine_name: String,
    pub township: String,
    pub company_id: CompanyId,
    pub company_name: String,
    pub legal_rep: Option<String>,
    pub company_address: Option<String>,
    pub company_phone: Option<String>,
    pub kind: ActKind,
    pub state: ActState,
    pub doc_no: Option<String>,
    pub approved_by: Option<AccountId>,
    pub approved_by_label: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    pub person_on_site: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub summary: Option<String>,
    pub recorded_by_label: Option<String>,
    pub signed_by_label: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    /// Whether its joint inspection was drawn by 双随机.
    pub drawn: bool,
    /// How many checklist items were found a problem.
    pub problems: i64,
    pub officers: Vec<ActOfficer>,
    pub items: Vec<ActItem>,
    pub photos: Vec<ActPhoto>,
}

impl Act {
    /// Whether `actor` is one of its officers.
    pub fn is_officer(&self, actor: &Actor) -> bool {
        matches!(actor, Actor::Account { id, .. } if self.officers.iter().any(|o| o.account_id == *id))
    }

    /// The answers as the signing rule reads them.
    fn answers(&self) -> Vec<Answer> {
        self.items
            .iter()
            .map(|i| Answer {
                seq: i.seq,
                result: i.result,
                has_note: i.note.as_deref().is_some_and(|n| !n.trim().is_empty()),
            })
            .collect()
    }

    /// Whether the record's site details are all filled in.
    fn site_complete(&self) -> bool {
        [
            &self.place,
            &self.person_on_site,
            &self.started_at,
            &self.ended_at,
            &self.summary,
        ]
        .iter()
        .all(|f| f.as_deref().is_some_and(|v| !v.trim().is_empty()))
    }
}

/// A step of an act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum ActStep {
    /// 审批 — the head approves and names the officers.
    Approve,
    /// 填写 — the site details and checklist answers.
    Fill,
    /// 添加现场照片.
    AddPhoto,
    /// 签署.
    Sign,
    /// 列入整改台账 — a problem item of the signed act becomes a finding (recorded in the same write).
    ToFinding,
}

/// What was filled in on site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRecord {
    pub place: Option<String>,
    pub person_on_site: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub summary: Option<String>,
    /// (item id, result — none while unanswered, note).
    pub answers: Vec<(ActItemId, Option<ItemResult>, Option<String>)>,
}

/// An act's step with its input.
#[derive(Debug, Clone, PartialEq)]
pub enum ActCommand {
    /// The officers as read from the register on the inspection day.
    Approve {
        kind: ActKind,
        officers: Vec<Officer>,
    },
    Fill(SiteRecord),
    AddPhoto(ActPhoto),
    Sign,
    ToFinding {
        item_id: ActItemId,
        finding: FindingId,
    },
}

/// The act's workflow.
#[derive(Debug, Clone, Copy)]
pub struct ActFlow;

/// Refused for an item the act has not.
fn no_item(field: &'static str) -> Refused {
    Refused::at(field, Problem::NotFound)
}

impl Workflow for ActFlow {
    const RECORD: RecordType = RecordType::InspectionAct;
    type State = ActState;
    type Step = ActStep;
    type Id = ActId;
    type Record = Act;
    type Command = ActCommand;

    fn id(a: &Act) -> ActId {
        a.id
    }

    fn state(a: &Act) -> ActState {
        a.state
    }

    fn standing(state: ActState) -> Standing {
        match state {
            Requested => Standing::Neutral,
            Approved => Standing::Waiting,
            Signed => Standing::Settled,
        }
    }

    fn resource(a: &Act) -> Resource {
        Resource::Act {
            agency: a.agency.clone(),
        }
    }

    /// A drawn act waiting for approval names no mine: its list is secret until the day.
    fn mine(a: &Act) -> Option<MineId> {
        (!(a.drawn && a.state == Requested)).then_some(a.mine_id)
    }

    fn task_title(a: &Act) -> TaskTitle {
        match (a.state, a.drawn) {
            (Requested, true) => TaskTitle::ApproveDraw {
                inspection: a.inspection_title.clone(),
                on: a.inspect_on,
            },
            (Requested, false) => TaskTitle::ApproveAct {
                mine: a.mine_name.clone(),
                inspection: a.inspection_title.clone(),
                on: a.inspect_on,
            },
            _ => TaskTitle::CarryOutAct {
                mine: a.mine_name.clone(),
                doc_no: a.doc_no.clone().unwrap_or_default(),
            },
        }
    }

    fn issuer(a: &Act) -> Issuer {
        Issuer::Agency(a.agency.clone())
    }

    /// The record is numbered in the year of the inspection.
    fn document_date(a: &Act, _today: NaiveDate) -> NaiveDate {
        a.inspect_on
    }

    /// Scheduled: its agency's head approves it by the inspection day.
    fn created(a: &Act, _: &crate::workflow::Rules<'_>) -> Created {
        Created {
            events: Vec::new(),
            audit: AuditAction::ActCreate,
            audit_note: None,
            tasks: vec![Task {
                kind: TaskKind::ApproveAct,
                assignee: Assignee::Agency {
                    agency: a.agency.clone(),
                    role: Some(Role::AgencyHead),
                },
                agency: Some(a.agency.clone()),
                due_at: end_of_day(a.inspect_on),
                level: Level::Open,
            }],
        }
    }

    fn rule(step: ActStep) -> Rule<Self> {
        let officers = |from, to| Rule::new(from, to, Action::WorkAct);
        match step {
            ActStep::Approve => Rule::new(&[Requested], Target::To(Approved), Action::ApproveAct)
                .assigned(TaskKind::ApproveAct)
                .closes(&[TaskKind::ApproveAct])
                .opens(&[TaskKind::SignAct])
                .document(DocumentKind::InspectionRecord),
            ActStep::Fill | ActStep::AddPhoto => {
                officers(&[Approved], Target::Stay).serves(&[TaskKind::SignAct])
            }
            ActStep::Sign => officers(&[Approved], Target::To(Signed)).closes(&[TaskKind::SignAct]),
            // Any of the agency's staff puts a signed act's problem on the ledger (in the agency's name).
            ActStep::ToFinding => officers(&[Signed], Target::Stay),
        }
    }

    /// A drawn act is approved on its day (its list is secret before); what officers do on site waits
    /// for the inspection day.
    fn guard(a: &Act, step: ActStep, today: NaiveDate) -> Result<(), Refused> {
        match step {
            ActStep::Approve if a.drawn && a.state == Requested && today < a.inspect_on => {
                Err(Problem::DrawListSecret {
                    date: a.inspect_on.to_string(),
                }
                .into())
            }
            ActStep::Fill | ActStep::AddPhoto | ActStep::Sign
                if a.state == Approved && today < a.inspect_on =>
            {
                Err(Problem::BeforeInspectionDay {
                    date: a.inspect_on.to_string(),
                }
                .into())
            }
            _ => Ok(()),
        }
    }

    /// Only the officers named on the act fill it in and sign it.
    fn taken_by(a: &Act, step: ActStep, actor: &Actor) -> Result<(), Refused> {
        match step {
            ActStep::Fill | ActStep::AddPhoto | ActStep::Sign if !a.is_officer(actor) => {
                Err(Refused::at("officers", Problem::NotOnAct))
            }
            _ => Ok(()),
        }
    }

    fn step_of(command: &ActCommand) -> ActStep {
        match command {
            ActCommand::Approve { .. } => ActStep::Approve,
            ActCommand::Fill(_) => ActStep::Fill,
            ActCommand::AddPhoto(_) => ActStep::AddPhoto,
            ActCommand::Sign => ActStep::Sign,
            ActCommand::ToFinding { .. } => ActStep::ToFinding,
        }
    }

    fn apply(a: &Act, command: ActCommand, ctx: &Context<'_>) -> Result<Moved<Act>, Refused> {
        let mut next = a.clone();
        match command {
            ActCommand::Approve { kind, officers } => {
                check_officers(&officers).map_err(|p| Refused::at("officers", p))?;
                next.state = Approved;
                next.kind = kind;
                next.doc_no = ctx.document.map(str::to_string);
                next.approved_by = ctx.by.account;
                next.approved_by_label = Some(ctx.by.label.clone());
                next.approved_at = Some(ctx.now);
                next.officers = officers
                    .into_iter()
                    .map(|o| ActOfficer {
                        id: None,
                        account_id: o.account,
                        name: o.name,
                        card_no: o.card_no.unwrap_or_default(),
                    })
                    .collect();
                let sign = Task {
                    kind: TaskKind::SignAct,
                    assignee: Assignee::Agency {
                        agency: a.agency.clone(),
                        role: None,
                    },
                    agency: Some(a.agency.clone()),
                    due_at: end_of_day(a.inspect_on + Duration::days(ctx.rules.clocks.act_sign_days)),
                    level: Level::Open,
                };
                Ok(Moved::to(next, AuditAction::ActApprove)
                    .task(TaskMove::Close {
                        kind: TaskKind::ApproveAct,
                        outcome: Outcome::Done,
                    })
                    .task(TaskMove::Open(sign)))
            }
            ActCommand::Fill(site) => {
                next.place = site.place;
                next.person_on_site = site.person_on_site;
                next.started_at = site.started_at;
                next.ended_at = site.ended_at;
                next.summary = site.summary;
                next.recorded_by_label = Some(ctx.by.label.clone());
                for (item_id, result, note) in site.answers {
                    let item = next
                        .items
                        .iter_mut()
                        .find(|i| i.id == item_id)
                        .ok_or_else(|| no_item("answers"))?;
                    item.result = result;
                    item.note = note;
                }
                next.problems = i64::try_from(
                    next.items
                        .iter()
                        .filter(|i| i.result == Some(ItemResult::Problem))
                        .count(),
                )
                .unwrap_or(i64::MAX);
                Ok(Moved::to(next, AuditAction::ActFill))
            }
            ActCommand::AddPhoto(photo) => {
                if let Some(item) = photo.item_id {
                    if !a.items.iter().any(|i| i.id == item) {
                        return Err(no_item("item"));
                    }
                }
                if a.photos
                    .iter()
                    .any(|p| p.sha256 == photo.sha256 && p.item_id == photo.item_id)
                {
                    return Err(Refused::at(
                        "photo",
                        Problem::DuplicateOf {
                            existing: photo.file_name,
                        },
                    ));
                }
                next.photos.push(ActPhoto {
                    id: None,
                    added_by_label: ctx.by.label.clone(),
                    added_at: ctx.now,
                    ..photo
                });
                Ok(Moved::to(next, AuditAction::ActPhoto))
            }
            ActCommand::Sign => {
                check_signable(&a.answers(), a.site_complete()).map_err(|p| Refused::at("items", p))?;
                let names: Vec<&str> = a.officers.iter().map(|o| o.name.as_str()).collect();
                next.state = Signed;
                next.signed_by_label = Some(names.join("、"));
                next.signed_at = Some(ctx.now);
                Ok(Moved::to(next, AuditAction::ActSign).task(TaskMove::Close {
                    kind: TaskKind::SignAct,
                    outcome: Outcome::Done,
                }))
            }
            ActCommand::ToFinding { item_id, finding } => {
                let item = next
                    .items
                    .iter_mut()
                    .find(|i| i.id == item_id)
                    .ok_or_else(|| no_item("item"))?;
                check_problem_item(item)?;
                item.finding_id = Some(finding);
                let note = format!("第{}项 → 整改问题 #{finding}", item.seq);
                Ok(Moved::to(next, AuditAction::ActFinding).note(note))
            }
        }
    }

    fn state_label(state: ActState) -> &'static str {
        state.label_zh()
    }

    fn step_label(step: ActStep) -> &'static str {
        match step {
            ActStep::Approve => "审批",
            ActStep::Fill | ActStep::AddPhoto => "填写检查记录",
            ActStep::Sign => "签署",
            ActStep::ToFinding => "转入整改台账",
        }
    }
}

/// Whether an item of a signed act may go on the ledger: a problem, and not already there.
pub fn check_problem_item(item: &ActItem) -> Result<(), Refused> {
    if item.result != Some(ItemResult::Problem) {
        return Err(Refused::at("item", Problem::Invalid));
    }
    if let Some(f) = item.finding_id {
        return Err(Refused::at(
            "item",
            Problem::AlreadyDone {
                state: format!("已转入整改台账（#{f}）"),
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::testing::{explore, Exploration};
    use crate::workflow::{check, open_steps, Signer};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, d).unwrap()
    }

    fn act(drawn: bool) -> Act {
        Act {
            id: ActId(3),
            inspection_id: InspectionId(1),
            inspection_title: "二季度联合检查".into(),
            inspect_on: day(12),
            agency: AgencyCode::parse("em").unwrap(),
            mine_id: MineId(4),
            mine_name: "示例采石场".into(),
            township: "鹿寨镇".into(),
            company_id: CompanyId(2),
            company_name: "示例公司".into(),
            legal_rep: None,
            company_address: None,
            company_phone: None,
            kind: ActKind::Routine,
            state: Requested,
            doc_no: None,
            approved_by: None,
            approved_by_label: None,
            approved_at: None,
            place: None,
            person_on_site: None,
            started_at: None,
            ended_at: None,
            summary: None,
            recorded_by_label: None,
            signed_by_label: None,
            signed_at: None,
            drawn,
            problems: 0,
            officers: Vec::new(),
            items: (1..=2)
                .map(|n| ActItem {
                    id: ActItemId(n),
                    seq: n,
                    text: format!("检查项{n}"),
                    category: "safety".into(),
                    result: None,
                    note: None,
                    finding_id: None,
                })
                .collect(),
            photos: Vec::new(),
        }
    }

    fn officer(id: i64) -> Officer {
        Officer {
            account: AccountId(id),
            name: format!("干部{id}"),
            card_no: Some(format!("45{id}")),
            recused: false,
        }
    }

    fn site(result: ItemResult) -> SiteRecord {
        SiteRecord {
            place: Some("矿区".into()),
            person_on_site: Some("负责人".into()),
            started_at: Some("09:00".into()),
            ended_at: Some("11:00".into()),
            summary: Some("检查情况".into()),
            answers: vec![
                (ActItemId(1), Some(ItemResult::Compliant), None),
                (ActItemId(2), Some(result), Some("现场发现".into())),
            ],
        }
    }

    #[test]
    fn an_act_is_approved_filled_signed_and_its_problem_goes_on_the_ledger_once() {
        let by = Signer {
            account: Some(AccountId(5)),
            label: "em_head".into(),
        };
        let commands = |step: ActStep, a: &Act| match step {
            ActStep::Approve => vec![ActCommand::Approve {
                kind: ActKind::Routine,
                officers: vec![officer(5), officer(6)],
            }],
            ActStep::Fill => vec![
                ActCommand::Fill(site(ItemResult::Problem)),
                ActCommand::Fill(site(ItemResult::Compliant)),
            ],
            ActStep::AddPhoto => Vec::new(),
            // Signing needs a complete record; an incomplete one is refused (below).
            ActStep::Sign if a.site_complete() => vec![ActCommand::Sign],
            ActStep::Sign => Vec::new(),
            ActStep::ToFinding => a
                .items
                .iter()
                .filter(|i| i.result == Some(ItemResult::Problem) && i.finding_id.is_none())
                .map(|i| ActCommand::ToFinding {
                    item_id: i.id,
                    finding: FindingId(9),
                })
                .collect(),
        };
        let visited = explore(&Exploration::<ActFlow> {
            starts: vec![act(false), act(true)],
            commands: &commands,
            ctx: crate::workflow::testing::context(DateTime::UNIX_EPOCH, day(12), &by, &Actor::System),
            depth: 5,
        });
        assert!(visited > 8, "{visited}");
    }

    #[test]
    fn a_drawn_act_waits_for_its_day_and_only_its_officers_fill_it_in_from_the_day() {
        let drawn = act(true);
        assert_eq!(
            check::<ActFlow>(&drawn, ActStep::Approve, day(11)),
            Err(Problem::DrawListSecret {
                date: "2026-05-12".into()
            }
            .into())
        );
        assert!(check::<ActFlow>(&drawn, ActStep::Approve, day(12)).is_ok());
        let mut approved = act(false);
        approved.state = Approved;
        approved.officers = vec![ActOfficer {
            id: Some(ActOfficerId(1)),
            account_id: AccountId(5),
            name: "干部5".into(),
            card_no: "455".into(),
        }];
        assert!(matches!(
            check::<ActFlow>(&approved, ActStep::Fill, day(11)),
            Err(Refused {
                problem: Problem::BeforeInspectionDay { .. },
                ..
            })
        ));
        let em = |id| Actor::Account {
            id: AccountId(id),
            role: Role::AgencyOfficer,
            agency: Some(AgencyCode::parse("em").unwrap()),
        };
        assert!(open_steps::<ActFlow>(&approved, &em(5), &[], day(12)).contains(&ActStep::Fill));
        assert!(!open_steps::<ActFlow>(&approved, &em(6), &[], day(12)).contains(&ActStep::Fill));
        assert_eq!(
            ActFlow::taken_by(&approved, ActStep::Sign, &em(6)),
            Err(Refused::at("officers", Problem::NotOnAct))
        );
        // An incomplete record is not signed.
        let by = Signer {
            account: Some(AccountId(5)),
            label: "干部5".into(),
        };
        let refused = ActFlow::apply(
            &approved,
            ActCommand::Sign,
            &crate::workflow::testing::context(DateTime::UNIX_EPOCH, day(12), &by, &em(5)),
        )
        .unwrap_err();
        assert_eq!(refused, Refused::at("items", Problem::ItemUnanswered { seq: 1 }));
    }
}
