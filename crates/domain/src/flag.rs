//! 应移未移 — the rules that flag a penalty case which should have been referred as a suspected crime
//! and was not (WORKFLOW.md §5: 刑法 Art. 343 and 402, 法释〔2016〕25号, the procuratorate's filing
//! standard for failure to refer).
//!
//! A case of illegal mining meets the criminal standard when the value of the ore (the appraised,
//! legal value when there is one, otherwise the estimate) reaches the threshold — lower in planned
//! mining areas, for protected minerals and in no-mining areas — or when the party was penalised for
//! illegal mining twice within two years before. Mining outside the licence counts as mining without
//! one, so both categories are illegal mining. Such a case is flagged when it has not been referred
//! some days after it met the standard, and at once when a fine is decided on it instead (以罚代刑).
//!
//! A raised flag waits for the written disposition of the head of the case's agency ([`FlagFlow`]).

//! What must not live here: where the facts come from (the app gathers them), who disposes (policy).

use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::{CaseId, FlagId, MineId};
use crate::policy::{Action, Resource};
use crate::record::{AuditAction, RecordType};
use crate::role::Role;
use crate::task::{end_of_day, Assignee, Level, Outcome, Task, TaskKind};
use crate::task_title::TaskTitle;
use crate::workflow::{
    Context, Created, Issuer, Moved, Refused, Rule, Rules, Standing, Target, TaskMove, Workflow,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator;

/// Why a case is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum FlagRule {
    /// The value reaches the threshold and the case was not referred within the days allowed.
    Value,
    /// The party was penalised twice for illegal mining within two years, mined illegally again, and
    /// the case was not referred within the days allowed.
    Repeat,
    /// A fine was decided on a case that meets the standard and was not referred (以罚代刑).
    FineInstead,
}

impl FlagRule {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagRule::Value => "value",
            FlagRule::Repeat => "repeat",
            FlagRule::FineInstead => "fine_instead",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::find_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FlagRule::Value => "涉案价值达到刑事立案标准而未移送",
            FlagRule::Repeat => "二年内两次因非法采矿受罚后又非法采矿而未移送",
            FlagRule::FineInstead => "以罚代刑：达到移送标准的案件作出罚款决定而未移送",
        }
    }
}

/// The configurable rules, with WORKFLOW.md §5's defaults (Guangxi's own figures are unverified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRules {
    /// 数额较大 for illegal mining (default ¥100,000).
    pub threshold_fen: i64,
    /// … in planned mining areas, for protected minerals and in no-mining areas (default ¥50,000).
    pub restricted_threshold_fen: i64,
    /// Flag a case that meets the standard and is not referred this many days later (default 3: the
    /// head's time to decide a referral under Order 310).
    pub after_days: i64,
    /// Finding categories that are illegal mining: unlicensed, and out-of-bounds which counts as
    /// unlicensed (法释〔2016〕25号 Art. 2).
    pub illegal_categories: Vec<String>,
    /// Penalties for illegal mining that make the next one a crime whatever its value …
    pub repeat_count: usize,
    /// … within this many years before.
    pub repeat_years: u32,
    /// The owning agency's head disposes of a flag within this many days.
    pub dispose_days: i64,
}

impl Default for FlagRules {
    fn default() -> Self {
        Self {
            threshold_fen: 10_000_000,
            restricted_threshold_fen: 5_000_000,
            after_days: 3,
            illegal_categories: vec!["unlicensed".to_string(), "out_of_bounds".to_string()],
            repeat_count: 2,
            repeat_years: 2,
            dispose_days: 5,
        }
    }
}

/// What the rules need to know about a case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseFacts {
    /// The categories of the case's findings.
    pub categories: Vec<String>,
    /// The appraised (legal) value, when there is one.
    pub appraised_fen: Option<i64>,
    /// The estimated value, when there is one.
    pub estimated_fen: Option<i64>,
    /// The day the case was first valued (estimate or appraisal); a later revaluation does not restart
    /// the days allowed.
    pub valued_on: Option<NaiveDate>,
    /// In a planned mining area, a protected mineral or a no-mining area (the lower threshold).
    pub restricted: bool,
    /// The day the case was filed.
    pub filed_on: NaiveDate,
    /// The days the same party's earlier illegal-mining penalties were decided.
    pub prior_penalties: Vec<NaiveDate>,
    /// Whether a referral of the case was approved (or went further).
    pub referred: bool,
    /// Whether a fine was decided on the case.
    pub fine_decided: bool,
}

impl FlagRules {
    fn illegal(&self, facts: &CaseFacts) -> bool {
        facts
            .categories
            .iter()
            .any(|c| self.illegal_categories.iter().any(|i| i == c))
    }

    /// The value the rules compare: the appraisal's when there is one — it replaces the estimate,
    /// lower or higher.
    pub fn value_fen(facts: &CaseFacts) -> Option<i64> {
        facts.appraised_fen.or(facts.estimated_fen)
    }

    pub fn threshold(&self, restricted: bool) -> i64 {
        if restricted {
            self.restricted_threshold_fen
        } else {
            self.threshold_fen
        }
    }

    /// Whether the value reaches the criminal standard.
    pub fn value_reaches(&self, facts: &CaseFacts) -> bool {
        self.illegal(facts) && Self::value_fen(facts).is_some_and(|v| v >= self.threshold(facts.restricted))
    }

    /// Whether the party is a repeat offender: `repeat_count` earlier illegal-mining penalties decided
    /// within `repeat_years` before this case was filed.
    pub fn repeat(&self, facts: &CaseFacts) -> bool {
        let since = facts
            .filed_on
            .checked_sub_months(chrono::Months::new(12 * self.repeat_years))
            .unwrap_or(facts.filed_on);
        self.illegal(facts)
            && facts
                .prior_penalties
                .iter()
                .filter(|d| **d >= since && **d <= facts.filed_on)
                .count()
                >= self.repeat_count
    }

    /// Whether the case meets the standard for referral at all.
    pub fn should_refer(&self, facts: &CaseFacts) -> bool {
        self.value_reaches(facts) || self.repeat(facts)
    }

    /// The flags a case carries on `today`.
    pub fn flags(&self, facts: &CaseFacts, today: NaiveDate) -> Vec<FlagRule> {
        if facts.referred {
            return Vec::new();
        }
        let late = |since: NaiveDate| today > since + Duration::days(self.after_days);
        let mut out = Vec::new();
        if self.value_reaches(facts) && late(facts.valued_on.unwrap_or(facts.filed_on)) {
            out.push(FlagRule::Value);
        }
        if self.repeat(facts) && late(facts.filed_on) {
            out.push(FlagRule::Repeat);
        }
        if facts.fine_decided && self.should_refer(facts) {
            out.push(FlagRule::FineInstead);
        }
        out
    }

    /// The last day to dispose of a flag raised on `raised_on`.
    pub fn dispose_by(&self, raised_on: NaiveDate) -> NaiveDate {
        raised_on + Duration::days(self.dispose_days)
    }

    /// What a flag of `rule` says about its case, as facts: the catalogue words them
    /// (`flag_grounds.<rule>`), so each reader reads them in their own language.
    pub fn grounds(&self, facts: &CaseFacts, case_no: &str, decision_no: Option<&str>) -> Grounds {
        Grounds {
            case_no: case_no.to_string(),
            out_of_bounds: facts.categories.iter().any(|c| c == "out_of_bounds"),
            value: Self::value_fen(facts).map(|value_fen| Valued {
                value_fen,
                appraised: facts.appraised_fen.is_some(),
                threshold_fen: self.threshold(facts.restricted),
                restricted: facts.restricted,
            }),
            after_days: self.after_days,
            prior_penalties: facts.prior_penalties.clone(),
            decision_no: decision_no.map(str::to_string),
        }
    }
}

/// Why a flag was raised: the facts its words are made of. Stored as JSON in the flag's `details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grounds {
    pub case_no: String,
    /// Out-of-bounds mining, which counts as unlicensed mining (法释〔2016〕25号 Art. 2).
    pub out_of_bounds: bool,
    /// The case's value against its threshold, once valued.
    pub value: Option<Valued>,
    /// The days allowed before a case that meets the standard is flagged.
    pub after_days: i64,
    /// The days the party's earlier illegal-mining penalties were decided.
    pub prior_penalties: Vec<NaiveDate>,
    /// The fine decision made instead of a referral.
    pub decision_no: Option<String>,
}

/// A case's value against the criminal standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Valued {
    pub value_fen: i64,
    /// Appraised (鉴定/认定), or only estimated.
    pub appraised: bool,
    pub threshold_fen: i64,
    /// The lower threshold of planned mining areas, protected minerals and no-mining areas.
    pub restricted: bool,
}

/// A flag's grounds as stored: facts, or — for a flag raised before grounds were facts — the words
/// written then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredGrounds {
    Facts(Grounds),
    Words(String),
}

impl StoredGrounds {
    pub fn encode(&self) -> Result<String, serde_json::Error> {
        match self {
            StoredGrounds::Facts(g) => serde_json::to_string(g),
            StoredGrounds::Words(text) => Ok(text.clone()),
        }
    }

    pub fn decode(stored: &str) -> StoredGrounds {
        match serde_json::from_str(stored) {
            Ok(grounds) if stored.starts_with('{') => StoredGrounds::Facts(grounds),
            _ => StoredGrounds::Words(stored.to_string()),
        }
    }
}

/// A raised flag, with its case.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub id: FlagId,
    pub case_id: CaseId,
    pub case_no: String,
    pub mine_id: MineId,
    pub mine_name: String,
    pub company_name: String,
    pub agency: AgencyCode,
    pub rule: FlagRule,
    pub details: StoredGrounds,
    pub raised_at: DateTime<Utc>,
    pub dispose_by_on: NaiveDate,
    pub disposed_by_label: Option<String>,
    pub disposed_at: Option<DateTime<Utc>>,
    pub disposition: Option<String>,
}

impl Flag {
    /// Whether it still waits for its disposition.
    pub fn open(&self) -> bool {
        self.disposed_at.is_none()
    }

    /// Whether it waits past its day.
    pub fn late(&self, today: NaiveDate) -> bool {
        self.open() && today > self.dispose_by_on
    }
}

/// Where a flag stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum FlagState {
    /// 待处置.
    Open,
    /// 已处置.
    Disposed,
}

impl FlagState {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagState::Open => "open",
            FlagState::Disposed => "disposed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FlagState::Open => "待处置",
            FlagState::Disposed => "已处置",
        }
    }
}

/// The one step of a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::EnumIter)]
pub enum FlagStep {
    /// 处置 — why the case was not referred, or that it now is.
    Dispose,
}

/// A flag's workflow: raised with the head's task, disposed of once in writing.
#[derive(Debug, Clone, Copy)]
pub struct FlagFlow;

impl Workflow for FlagFlow {
    const RECORD: RecordType = RecordType::CaseFlag;
    type State = FlagState;
    type Step = FlagStep;
    type Id = FlagId;
    type Record = Flag;
    /// The disposition.
    type Command = String;

    fn id(f: &Flag) -> FlagId {
        f.id
    }

    fn state(f: &Flag) -> FlagState {
        if f.open() {
            FlagState::Open
        } else {
            FlagState::Disposed
        }
    }

    fn standing(state: FlagState) -> Standing {
        match state {
            FlagState::Open => Standing::Adverse,
            FlagState::Disposed => Standing::Settled,
        }
    }

    /// The flag is its case's agency's.
    fn resource(f: &Flag) -> Resource {
        Resource::Agency(f.agency.clone())
    }

    fn mine(f: &Flag) -> Option<MineId> {
        Some(f.mine_id)
    }

    fn task_title(f: &Flag) -> TaskTitle {
        TaskTitle::Flag {
            case_no: f.case_no.clone(),
            flag_rule: f.rule.as_str().to_string(),
        }
    }

    fn issuer(f: &Flag) -> Issuer {
        Issuer::Agency(f.agency.clone())
    }

    /// Raised: a task the office and the leaders see from the start, as every task.
    fn created(f: &Flag, _: &Rules<'_>) -> Created {
        Created {
            events: Vec::new(),
            audit: AuditAction::FlagRaise,
            audit_note: None,
            tasks: vec![Task {
                kind: TaskKind::DisposeFlag,
                assignee: Assignee::Agency {
                    agency: f.agency.clone(),
                    role: Some(Role::AgencyHead),
                },
                agency: Some(f.agency.clone()),
                due_at: end_of_day(f.dispose_by_on),
                level: Level::Open,
            }],
        }
    }

    fn rule(step: FlagStep) -> Rule<Self> {
        match step {
            FlagStep::Dispose => Rule::new(
                &[FlagState::Open],
                Target::To(FlagState::Disposed),
                Action::DisposeFlag,
            )
            .closes(&[TaskKind::DisposeFlag]),
        }
    }

    fn step_of(_: &String) -> FlagStep {
        FlagStep::Dispose
    }

    fn apply(f: &Flag, disposition: String, ctx: &Context<'_>) -> Result<Moved<Flag>, Refused> {
        let next = Flag {
            disposed_by_label: Some(ctx.by.label.clone()),
            disposed_at: Some(ctx.now),
            disposition: Some(disposition),
            ..f.clone()
        };
        Ok(Moved::to(next, AuditAction::FlagDispose).task(TaskMove::Close {
            kind: TaskKind::DisposeFlag,
            outcome: Outcome::Done,
        }))
    }

    fn state_label(state: FlagState) -> &'static str {
        state.label_zh()
    }

    fn step_label(_: FlagStep) -> &'static str {
        "处置"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn case(category: &str, estimated: Option<i64>) -> CaseFacts {
        CaseFacts {
            categories: vec![category.to_string()],
            estimated_fen: estimated,
            valued_on: Some(d("2026-05-04")),
            filed_on: d("2026-05-01"),
            ..CaseFacts::default()
        }
    }

    #[test]
    fn a_flags_grounds_are_the_facts_its_words_need_and_are_stored_whole() {
        let r = FlagRules::default();
        let mut f = case("out_of_bounds", Some(21_756_000));
        f.restricted = true;
        let g = r.grounds(&f, "鹿自然资罚立〔2026〕1号", None);
        assert!(g.out_of_bounds);
        assert_eq!(
            g.value,
            Some(Valued {
                value_fen: 21_756_000,
                appraised: false,
                threshold_fen: 5_000_000,
                restricted: true,
            })
        );
        assert_eq!(g.after_days, 3);
        // An appraisal replaces the estimate; a case of another category is not out of bounds.
        let appraised = CaseFacts {
            appraised_fen: Some(9_000_000),
            ..case("unlicensed", Some(21_756_000))
        };
        let g2 = r.grounds(&appraised, "X", Some("罚决〔2026〕2号"));
        assert!(!g2.out_of_bounds);
        assert_eq!(
            g2.value.as_ref().map(|v| (v.value_fen, v.appraised)),
            Some((9_000_000, true))
        );
        let stored = StoredGrounds::Facts(g2.clone());
        assert_eq!(StoredGrounds::decode(&stored.encode().unwrap()), stored);
        // Words written before grounds were facts are read as written.
        let words = "鹿自然资罚立〔2026〕1号 估算价值（估算，非认定价值） 217,560.00 元";
        assert_eq!(StoredGrounds::decode(words), StoredGrounds::Words(words.into()));
        assert_eq!(
            StoredGrounds::decode("{不是事实}"),
            StoredGrounds::Words("{不是事实}".into())
        );
    }

    #[test]
    fn a_value_over_the_threshold_is_flagged_once_its_days_have_passed() {
        let r = FlagRules::default();
        let f = case("out_of_bounds", Some(10_000_000));
        assert_eq!(r.flags(&f, d("2026-05-07")), vec![]);
        assert_eq!(r.flags(&f, d("2026-05-08")), vec![FlagRule::Value]);
        // Just under the threshold: nothing; in a restricted area the lower threshold applies.
        let under = case("out_of_bounds", Some(9_999_999));
        assert_eq!(r.flags(&under, d("2026-06-01")), vec![]);
        let restricted = CaseFacts {
            restricted: true,
            estimated_fen: Some(5_000_000),
            ..under
        };
        assert_eq!(r.flags(&restricted, d("2026-06-01")), vec![FlagRule::Value]);
        // A referral clears every flag.
        let referred = CaseFacts { referred: true, ..f };
        assert_eq!(r.flags(&referred, d("2026-06-01")), vec![]);
    }

    #[test]
    fn out_of_bounds_counts_as_unlicensed_and_other_problems_do_not() {
        let r = FlagRules::default();
        assert!(r.value_reaches(&case("unlicensed", Some(20_000_000))));
        assert!(r.value_reaches(&case("out_of_bounds", Some(20_000_000))));
        assert!(!r.value_reaches(&case("dust", Some(20_000_000))));
    }

    #[test]
    fn the_appraised_value_replaces_the_estimate() {
        let r = FlagRules::default();
        let f = CaseFacts {
            appraised_fen: Some(8_000_000),
            ..case("unlicensed", Some(12_000_000))
        };
        assert!(!r.value_reaches(&f));
        let f = CaseFacts {
            appraised_fen: Some(12_000_000),
            ..case("unlicensed", Some(8_000_000))
        };
        assert!(r.value_reaches(&f));
    }

    #[test]
    fn two_penalties_within_two_years_make_the_next_one_a_repeat() {
        let r = FlagRules::default();
        let mut f = case("unlicensed", Some(100));
        f.prior_penalties = vec![d("2024-05-01"), d("2025-09-01")];
        assert!(r.repeat(&f));
        assert_eq!(r.flags(&f, d("2026-05-04")), vec![]);
        assert_eq!(r.flags(&f, d("2026-05-05")), vec![FlagRule::Repeat]);
        // One of them more than two years before the filing: not a repeat.
        f.prior_penalties = vec![d("2024-04-30"), d("2025-09-01")];
        assert!(!r.repeat(&f));
    }

    #[test]
    fn a_fine_on_a_case_that_should_be_referred_is_flagged_at_once() {
        let r = FlagRules::default();
        let f = CaseFacts {
            fine_decided: true,
            ..case("out_of_bounds", Some(15_000_000))
        };
        assert_eq!(r.flags(&f, d("2026-05-05")), vec![FlagRule::FineInstead]);
        let small = CaseFacts {
            fine_decided: true,
            ..case("out_of_bounds", Some(1_000_000))
        };
        assert_eq!(r.flags(&small, d("2026-09-05")), vec![]);
        assert_eq!(r.dispose_by(d("2026-05-05")), d("2026-05-10"));
        for rule in FlagRule::iter() {
            assert_eq!(FlagRule::parse(rule.as_str()), Ok(rule));
        }
    }

    #[test]
    fn a_flag_is_disposed_of_once_and_its_task_closes() {
        use crate::workflow::testing::{explore, Exploration};
        use crate::workflow::{check, Signer};
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 5, 8, 2, 0, 0).unwrap();
        let flag = Flag {
            id: FlagId(1),
            case_id: CaseId(1),
            case_no: "罚立〔2026〕1号".into(),
            mine_id: MineId(1),
            mine_name: "示例采石场".into(),
            company_name: "示例公司".into(),
            agency: AgencyCode::parse("nr").unwrap(),
            rule: FlagRule::Value,
            details: StoredGrounds::Words("……".into()),
            raised_at: at,
            dispose_by_on: d("2026-05-13"),
            disposed_by_label: None,
            disposed_at: None,
            disposition: None,
        };
        let by = Signer {
            account: None,
            label: "局长".into(),
        };
        let actor = crate::Actor::System;
        let commands = |_: FlagStep, _: &Flag| vec!["已补充移送".to_string()];
        let visited = explore(&Exploration::<FlagFlow> {
            starts: vec![flag.clone()],
            commands: &commands,
            ctx: crate::workflow::testing::context(at, d("2026-05-08"), &by, &actor),
            depth: 2,
        });
        assert_eq!(visited, 2);
        let disposed = Flag {
            disposed_at: Some(at),
            ..flag
        };
        assert_eq!(
            check::<FlagFlow>(&disposed, FlagStep::Dispose, d("2026-05-08")),
            Err(Problem::AlreadyDone {
                state: "已处置".into()
            }
            .into())
        );
    }
}
