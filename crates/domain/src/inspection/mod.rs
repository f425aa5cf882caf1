//! 联合检查 — the annual joint-inspection plan and the per-agency inspection acts (WORKFLOW.md §1.1–1.2).
//!
//! A plan version is drafted by the office, submitted to the county government, and approved or
//! returned; an approved version is frozen, and a change is a new version with a reason. A coordination
//! body may not inspect in its own name, so a joint inspection is a bundle of *acts*: one agency's
//! inspection of one mine, approved by that agency's head with at least two officers holding valid
//! enforcement cards, filled in on site against a checklist, and signed off by the officers.
//!
//! Pure rules only: states, the completeness of a plan, the officers of an act, the answers a signed
//! checklist needs, the yearly cap, the numbers of the printed records, and the seed checklists.

pub mod act;
pub mod plan;

pub use act::{Act, ActCommand, ActFlow, ActItem, ActOfficer, ActPhoto, ActStep, SiteRecord};
pub use plan::{Plan, PlanCommand, PlanFlow, PlanItem, PlanStep};

use crate::account::AccountId;
use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::MineId;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeSet;

/// Where a plan version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum PlanState {
    /// 起草中 — being drafted by the office.
    Draft,
    /// 待审批 — with the county government.
    Submitted,
    /// 已退回 — returned with comments; the office revises it and submits again.
    Returned,
    /// 已批准 — approved and frozen.
    Approved,
    /// 已被替代 — an approved version replaced by a later approved version.
    Superseded,
}

impl PlanState {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanState::Draft => "draft",
            PlanState::Submitted => "submitted",
            PlanState::Returned => "returned",
            PlanState::Approved => "approved",
            PlanState::Superseded => "superseded",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PlanState::Draft => "起草中",
            PlanState::Submitted => "待审批",
            PlanState::Returned => "已退回",
            PlanState::Approved => "已批准",
            PlanState::Superseded => "已被新版本替代",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        use strum::IntoEnumIterator;
        Self::iter().find(|s| s.as_str() == raw).ok_or(Problem::Invalid)
    }
}

/// The first and last day of a quarter.
pub fn quarter_bounds(year: i32, quarter: u8) -> Option<(NaiveDate, NaiveDate)> {
    let first_month = u32::from(quarter.checked_sub(1)?) * 3 + 1;
    let from = NaiveDate::from_ymd_opt(year, first_month, 1)?;
    let to = if quarter == 4 {
        NaiveDate::from_ymd_opt(year, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(year, first_month + 3, 1)?.pred_opt()?
    };
    Some((from, to))
}

/// The quarter of a date (1–4).
pub fn quarter_of(date: NaiveDate) -> u8 {
    use chrono::Datelike;
    match date.month() {
        1..=3 => 1,
        4..=6 => 2,
        7..=9 => 3,
        _ => 4,
    }
}

/// A quarter as written in a form ("1" … "4", or "一季度" … "四季度").
pub fn parse_quarter(raw: &str) -> Result<u8, Problem> {
    match raw.trim() {
        "1" | "一季度" | "第一季度" => Ok(1),
        "2" | "二季度" | "第二季度" => Ok(2),
        "3" | "三季度" | "第三季度" => Ok(3),
        "4" | "四季度" | "第四季度" => Ok(4),
        "" => Err(Problem::Required),
        _ => Err(Problem::Invalid),
    }
}

/// One planned joint inspection, as the completeness rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedInspection {
    pub quarter: u8,
    pub mines: Vec<MineId>,
}

/// What a plan still lacks before it can be submitted: quarters without a joint inspection (the plan
/// asks for at least one a quarter) and producing mines inspected in no quarter (every one at least
/// once a year).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanGaps {
    pub quarters: Vec<u8>,
    pub mines: Vec<MineId>,
}

impl PlanGaps {
    pub fn is_empty(&self) -> bool {
        self.quarters.is_empty() && self.mines.is_empty()
    }
}

/// The gaps of a plan against the mines producing when it is submitted.
pub fn plan_gaps(items: &[PlannedInspection], producing: &[MineId]) -> PlanGaps {
    let quarters: BTreeSet<u8> = items.iter().map(|i| i.quarter).collect();
    let covered: BTreeSet<MineId> = items.iter().flat_map(|i| i.mines.iter().copied()).collect();
    PlanGaps {
        quarters: (1..=4).filter(|q| !quarters.contains(q)).collect(),
        mines: producing
            .iter()
            .copied()
            .filter(|m| !covered.contains(m))
            .collect(),
    }
}

/// The kind of an inspection (国办发〔2024〕54号: routine, special, case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum ActKind {
    /// 日常检查
    Routine,
    /// 专项检查
    Special,
    /// 个案检查
    Case,
}

impl ActKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActKind::Routine => "routine",
            ActKind::Special => "special",
            ActKind::Case => "case",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ActKind::Routine => "日常检查",
            ActKind::Special => "专项检查",
            ActKind::Case => "个案检查",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        use strum::IntoEnumIterator;
        crate::mine::parse_code(raw, Self::iter(), Self::as_str)
    }
}

/// Where an inspection act stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum ActState {
    /// 待审批 — waiting for the agency head's approval.
    Requested,
    /// 已批准 — approved, with its officers; being filled in on site.
    Approved,
    /// 已签署 — signed off by the officers; the record is final.
    Signed,
}

impl ActState {
    pub fn as_str(self) -> &'static str {
        match self {
            ActState::Requested => "requested",
            ActState::Approved => "approved",
            ActState::Signed => "signed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ActState::Requested => "待审批",
            ActState::Approved => "检查中",
            ActState::Signed => "已签署",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        use strum::IntoEnumIterator;
        Self::iter().find(|s| s.as_str() == raw).ok_or(Problem::Invalid)
    }
}

/// An officer named on an act, from the inspector register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Officer {
    pub account: AccountId,
    pub name: String,
    /// The enforcement card valid on the inspection date, if the officer holds one.
    pub card_no: Option<String>,
    /// Whether the officer has declared a link to the inspected mine's company (回避).
    pub recused: bool,
}

/// Whether an enforcement card lets its holder inspect on `day`: not revoked, valid through the day,
/// and held by an active account (someone who has left cannot be named, nor drawn).
pub fn card_valid_on(day: NaiveDate, valid_until: NaiveDate, revoked: bool, holder_active: bool) -> bool {
    !revoked && holder_active && valid_until >= day
}

/// At least two distinct officers, each with a valid enforcement card and none linked to the company
/// (WORKFLOW.md §1.1: staff without a card may not inspect).
pub fn check_officers(officers: &[Officer]) -> Result<(), Problem> {
    if let Some(o) = officers.iter().find(|o| o.card_no.is_none()) {
        return Err(Problem::NoEnforcementCard { name: o.name.clone() });
    }
    if let Some(o) = officers.iter().find(|o| o.recused) {
        return Err(Problem::OfficerRecused { name: o.name.clone() });
    }
    let distinct: BTreeSet<AccountId> = officers.iter().map(|o| o.account).collect();
    if distinct.len() < 2 {
        return Err(Problem::TooFewOfficers);
    }
    Ok(())
}

/// How a checklist item was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum ItemResult {
    /// 符合
    Compliant,
    /// 存在问题
    Problem,
    /// 不适用
    NotApplicable,
}

impl ItemResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemResult::Compliant => "compliant",
            ItemResult::Problem => "problem",
            ItemResult::NotApplicable => "not_applicable",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ItemResult::Compliant => "符合",
            ItemResult::Problem => "存在问题",
            ItemResult::NotApplicable => "不适用",
        }
    }

    /// An empty answer is "not yet answered" (`None`).
    pub fn parse(raw: &str) -> Result<Option<Self>, Problem> {
        use strum::IntoEnumIterator;
        if raw.trim().is_empty() {
            return Ok(None);
        }
        Self::iter()
            .find(|r| r.as_str() == raw.trim())
            .map(Some)
            .ok_or(Problem::Invalid)
    }
}

/// One checklist answer, as the signing rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The item's number on the act (1-based).
    pub seq: i64,
    pub result: Option<ItemResult>,
    pub has_note: bool,
}

/// An act is signed only when every item is answered, every problem says what was found, and the
/// on-site details of the record (WORKFLOW.md §1.2) are filled in.
pub fn check_signable(answers: &[Answer], site_complete: bool) -> Result<(), Problem> {
    if let Some(a) = answers.iter().find(|a| a.result.is_none()) {
        return Err(Problem::ItemUnanswered { seq: a.seq });
    }
    if let Some(a) = answers
        .iter()
        .find(|a| a.result == Some(ItemResult::Problem) && !a.has_note)
    {
        return Err(Problem::ProblemWithoutNote { seq: a.seq });
    }
    if !site_complete {
        return Err(Problem::SiteDetailsMissing);
    }
    Ok(())
}

/// The checklist templates (editable; seeded from DOMAIN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum Template {
    /// 露天矿山
    OpenPit,
    /// 地下矿山
    Underground,
    /// 生产经营（爆破、运输、税费、收购）
    Operations,
    /// 非法采矿
    Illegal,
}

impl Template {
    pub fn as_str(self) -> &'static str {
        match self {
            Template::OpenPit => "open_pit",
            Template::Underground => "underground",
            Template::Operations => "operations",
            Template::Illegal => "illegal",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Template::OpenPit => "露天矿山",
            Template::Underground => "地下矿山",
            Template::Operations => "生产经营",
            Template::Illegal => "非法采矿",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        use strum::IntoEnumIterator;
        crate::mine::find_code(raw, Self::iter(), Self::as_str)
    }

    /// The templates an act on a licensed mine is filled with: its method's, then operations.
    pub fn for_method(method: crate::mine::MiningMethod) -> [Template; 2] {
        match method {
            crate::mine::MiningMethod::OpenPit => [Template::OpenPit, Template::Operations],
            crate::mine::MiningMethod::Underground => [Template::Underground, Template::Operations],
        }
    }
}

/// The seed checklists: (template, the check, the finding category a problem with it goes under).
pub const STANDARD_CHECKLIST: &[(Template, &str, &str)] = &[
    (
        Template::OpenPit,
        "是否按开发利用方案和设计开采",
        "plan_deviation",
    ),
    (
        Template::OpenPit,
        "是否自上而下分台阶（分层）开采",
        "not_top_down",
    ),
    (
        Template::OpenPit,
        "开采范围是否在采矿许可证划定的矿区范围内",
        "out_of_bounds",
    ),
    (Template::OpenPit, "年开采量是否超过核定生产规模", "over_quantity"),
    (Template::OpenPit, "是否形成“半边山、一面墙”高陡边坡", "one_wall"),
    (Template::OpenPit, "是否占用、破坏耕地", "farmland"),
    (Template::OpenPit, "是否毁坏林地", "forest"),
    (Template::OpenPit, "水土保持措施是否落实", "erosion"),
    (Template::OpenPit, "扬尘防治措施是否落实", "dust"),
    (Template::OpenPit, "废水是否处理后达标排放", "wastewater"),
    (Template::OpenPit, "废石是否按设计堆放", "waste_rock"),
    (
        Template::OpenPit,
        "地质环境恢复治理和土地复垦是否落实",
        "reclamation",
    ),
    (Template::OpenPit, "安全设施是否符合设计要求", "safety_facilities"),
    (
        Template::OpenPit,
        "环保设施是否按环评要求建成并运行",
        "environmental_facilities",
    ),
    (
        Template::Underground,
        "是否按开发利用方案和设计开采",
        "plan_deviation",
    ),
    (
        Template::Underground,
        "是否在批准的开采标高和矿区范围内开采（超层越界）",
        "beyond_layers",
    ),
    (Template::Underground, "是否擅自改变开拓方式", "method_change"),
    (
        Template::Underground,
        "供电、排水、消防、通风、避险设施是否符合要求",
        "mine_systems",
    ),
    (
        Template::Underground,
        "顶板支护、安全警示标志是否到位",
        "roof_support",
    ),
    (
        Template::Underground,
        "矿井水、废石、尾矿处置是否规范",
        "tailings",
    ),
    (
        Template::Underground,
        "地质环境恢复治理和土地复垦是否落实",
        "reclamation",
    ),
    (
        Template::Underground,
        "环保设施是否按环评要求建成并运行",
        "environmental_facilities",
    ),
    (
        Template::Operations,
        "民用爆炸物品购买、运输、储存和流向是否规范",
        "explosives",
    ),
    (Template::Operations, "爆破作业是否符合安全规程", "blasting"),
    (Template::Operations, "运矿车辆是否超限超载", "overloading"),
    (Template::Operations, "资源税、出让收益等税费是否足额缴纳", "tax"),
    (
        Template::Operations,
        "是否非法收购、加工、销售矿产品",
        "illegal_trade",
    ),
    (Template::Operations, "是否违规建设尾矿库", "tailings_pond"),
    (Template::Operations, "是否违法转包、出租矿业权", "subcontracting"),
    (Template::Operations, "是否借用资质证书", "borrowed_qualification"),
    (Template::Illegal, "是否无证或持过期证照开采", "unlicensed"),
    (Template::Illegal, "是否无证勘查或越界勘查", "illegal_exploration"),
    (Template::Illegal, "是否以探代采", "exploration_as_mining"),
    (Template::Illegal, "出让收益及相关费用是否缴纳", "unpaid_fees"),
];

/// The yearly cap on inspections of one mine by one agency (WORKFLOW.md §1.1), configurable per agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionCap {
    pub default_per_year: u32,
    pub per_agency: Vec<(AgencyCode, u32)>,
}

impl Default for InspectionCap {
    fn default() -> Self {
        Self {
            default_per_year: 4,
            per_agency: Vec::new(),
        }
    }
}

impl InspectionCap {
    pub fn for_agency(&self, agency: &AgencyCode) -> u32 {
        self.per_agency
            .iter()
            .find(|(a, _)| a == agency)
            .map_or(self.default_per_year, |(_, cap)| *cap)
    }

    /// Whether one more act of `agency` at a mine it already inspected `this_year` times exceeds the cap.
    pub fn exceeded_by_one_more(&self, agency: &AgencyCode, this_year: u32) -> bool {
        this_year.saturating_add(1) > self.for_agency(agency)
    }
}

/// The number of an on-site inspection record: "{agency short name}检〔{year}〕{n}号".
pub fn record_number(agency_short: &str, year: i32, n: i64) -> String {
    format!("{agency_short}检〔{year}〕{n}号")
}

#[cfg(test)]
mod tests {
    #[test]
    fn quarters_run_from_their_first_to_their_last_day() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert_eq!(quarter_bounds(2026, 1), d("2026-01-01").zip(d("2026-03-31")));
        assert_eq!(quarter_bounds(2024, 1).map(|b| b.1), d("2024-03-31"));
        assert_eq!(quarter_bounds(2026, 2), d("2026-04-01").zip(d("2026-06-30")));
        assert_eq!(quarter_bounds(2026, 4), d("2026-10-01").zip(d("2026-12-31")));
        assert_eq!(quarter_bounds(2026, 0), None);
        assert_eq!(quarter_bounds(2026, 5), None);
    }

    use super::*;

    #[test]
    fn a_card_is_valid_through_its_last_day_unless_revoked_or_its_holder_left() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert!(card_valid_on(day, day, false, true));
        assert!(!card_valid_on(day, day.pred_opt().unwrap(), false, true));
        assert!(!card_valid_on(day, day, true, true));
        assert!(!card_valid_on(day, day, false, false));
    }
    use strum::IntoEnumIterator;

    fn officer(id: i64, card: Option<&str>) -> Officer {
        Officer {
            account: AccountId(id),
            name: format!("干部{id}"),
            card_no: card.map(str::to_string),
            recused: false,
        }
    }

    #[test]
    fn a_plan_lacks_the_quarters_without_an_inspection_and_the_producing_mines_in_none() {
        let items = [
            PlannedInspection {
                quarter: 1,
                mines: vec![MineId(1), MineId(2)],
            },
            PlannedInspection {
                quarter: 3,
                mines: vec![MineId(2)],
            },
        ];
        let gaps = plan_gaps(&items, &[MineId(1), MineId(2), MineId(5)]);
        assert_eq!(gaps.quarters, vec![2, 4]);
        assert_eq!(gaps.mines, vec![MineId(5)]);
        assert!(!gaps.is_empty());
        let full = [1, 2, 3, 4].map(|q| PlannedInspection {
            quarter: q,
            mines: vec![MineId(1), MineId(5)],
        });
        assert!(plan_gaps(&full, &[MineId(1), MineId(5)]).is_empty());
    }

    #[test]
    fn quarters_come_from_dates_and_forms() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(quarter_of(d("2026-03-31")), 1);
        assert_eq!(quarter_of(d("2026-04-01")), 2);
        assert_eq!(quarter_of(d("2026-09-30")), 3);
        assert_eq!(quarter_of(d("2026-12-31")), 4);
        assert_eq!(parse_quarter("三季度"), Ok(3));
        assert_eq!(parse_quarter(" 4 "), Ok(4));
        assert_eq!(parse_quarter("5"), Err(Problem::Invalid));
        assert_eq!(parse_quarter(""), Err(Problem::Required));
    }

    #[test]
    fn an_act_needs_two_distinct_officers_with_cards_and_none_linked_to_the_company() {
        assert_eq!(
            check_officers(&[officer(1, Some("45001"))]),
            Err(Problem::TooFewOfficers)
        );
        assert_eq!(
            check_officers(&[officer(1, Some("45001")), officer(1, Some("45001"))]),
            Err(Problem::TooFewOfficers)
        );
        assert_eq!(
            check_officers(&[officer(1, Some("45001")), officer(2, None)]),
            Err(Problem::NoEnforcementCard {
                name: "干部2".into()
            })
        );
        let mut linked = officer(3, Some("45003"));
        linked.recused = true;
        assert_eq!(
            check_officers(&[officer(1, Some("45001")), linked]),
            Err(Problem::OfficerRecused {
                name: "干部3".into()
            })
        );
        assert_eq!(
            check_officers(&[officer(1, Some("45001")), officer(2, Some("45002"))]),
            Ok(())
        );
    }

    #[test]
    fn an_act_is_signed_only_with_every_item_answered_and_every_problem_described() {
        let answer = |seq, result, has_note| Answer {
            seq,
            result,
            has_note,
        };
        let unanswered = [
            answer(1, Some(ItemResult::Compliant), false),
            answer(2, None, false),
        ];
        assert_eq!(
            check_signable(&unanswered, true),
            Err(Problem::ItemUnanswered { seq: 2 })
        );
        let silent = [answer(1, Some(ItemResult::Problem), false)];
        assert_eq!(
            check_signable(&silent, true),
            Err(Problem::ProblemWithoutNote { seq: 1 })
        );
        let done = [
            answer(1, Some(ItemResult::Problem), true),
            answer(2, Some(ItemResult::NotApplicable), false),
        ];
        assert_eq!(check_signable(&done, false), Err(Problem::SiteDetailsMissing));
        assert_eq!(check_signable(&done, true), Ok(()));
    }

    #[test]
    fn the_yearly_cap_is_per_agency_with_a_default() {
        let ps = AgencyCode::parse("ps").unwrap();
        let em = AgencyCode::parse("em").unwrap();
        let cap = InspectionCap {
            default_per_year: 2,
            per_agency: vec![(em.clone(), 1)],
        };
        assert!(!cap.exceeded_by_one_more(&ps, 1));
        assert!(cap.exceeded_by_one_more(&ps, 2));
        assert!(cap.exceeded_by_one_more(&em, 1));
        assert!(!cap.exceeded_by_one_more(&em, 0));
    }

    #[test]
    fn every_seed_item_belongs_to_a_template_and_codes_round_trip() {
        for t in Template::iter() {
            assert_eq!(Template::parse(t.as_str()), Ok(t));
            assert!(STANDARD_CHECKLIST.iter().any(|(tt, _, _)| *tt == t));
        }
        for r in ItemResult::iter() {
            assert_eq!(ItemResult::parse(r.as_str()), Ok(Some(r)));
        }
        assert_eq!(ItemResult::parse(""), Ok(None));
        for s in PlanState::iter() {
            assert_eq!(PlanState::parse(s.as_str()), Ok(s));
        }
        for s in ActState::iter() {
            assert_eq!(ActState::parse(s.as_str()), Ok(s));
        }
        for k in ActKind::iter() {
            assert_eq!(ActKind::parse(k.as_str()), Ok(k));
        }
        assert_eq!(record_number("公安", 2026, 7), "公安检〔2026〕7号");
    }
}
