//! 行政处罚案件 — penalty cases: their states, the steps between them, the penalties they carry, their
//! legal clocks and the estimated value of ore taken (WORKFLOW.md §4 and §5).
//!
//! A case runs 立案（调查取证）→ 告知 → [听证] → [法制审核] → 决定 → 执行 → 结案. Which optional stations it
//! passes is decided here: a hearing when the proposed penalty is heavy and the party asks for one
//! (自然资源行政处罚办法 Art. 34, 行政处罚法 Art. 63), a legal review when the penalty is heavy or the case
//! is marked major (行政处罚法 Art. 58). [`CaseState::after`] is the state machine; [`Penalty`] says what
//! a notice proposed or a decision imposed, whether it is heavy, and whether a decision is heavier than
//! its notice (Art. 45: the defence may not make the penalty heavier); [`CaseRules`] holds the clocks
//! and thresholds; [`Estimate`] is volume × density × unit price, always an estimate.
//!
//! What must not live here: who may take a step (the policy), the tasks' storage, the documents' layout.

pub mod case;

pub use case::{Case, CaseCommand, CaseFinding, CaseFlow, CaseOfficer, CaseStep};

use crate::calendar::WorkCalendar;
use crate::field::Problem;
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use strum::IntoEnumIterator;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum CaseState {
    /// 调查取证 — filed (立案) and being investigated.
    Investigating,
    /// 已告知 — the notice of the proposed penalty is served; the party may state and defend.
    Notified,
    /// 听证 — the party asked for a hearing.
    Hearing,
    /// 法制审核 — the legal review of a heavy or major penalty.
    Reviewing,
    /// 待决定 — waiting for the head's decision.
    Deciding,
    /// 执行中 — decided; the penalty is being carried out.
    Executing,
    /// 已结案.
    Closed,
}

impl CaseState {
    /// Every state, in the order of the procedure.
    pub const ALL: [CaseState; 7] = [
        CaseState::Investigating,
        CaseState::Notified,
        CaseState::Hearing,
        CaseState::Reviewing,
        CaseState::Deciding,
        CaseState::Executing,
        CaseState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Investigating => "investigating",
            CaseState::Notified => "notified",
            CaseState::Hearing => "hearing",
            CaseState::Reviewing => "reviewing",
            CaseState::Deciding => "deciding",
            CaseState::Executing => "executing",
            CaseState::Closed => "closed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::find_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CaseState::Investigating => "调查取证",
            CaseState::Notified => "已告知",
            CaseState::Hearing => "听证",
            CaseState::Reviewing => "法制审核",
            CaseState::Deciding => "待决定",
            CaseState::Executing => "执行中",
            CaseState::Closed => "已结案",
        }
    }

    /// Whether the 90-day decision clock still runs (no decision yet).
    pub fn before_decision(self) -> bool {
        self < CaseState::Executing
    }
}

/// A kind of administrative penalty in a mining case (矿产资源法, 行政处罚法 Art. 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, strum::EnumIter)]
pub enum PenaltyKind {
    /// 警告.
    Warning,
    /// 罚款.
    Fine,
    /// 没收违法所得.
    ConfiscateGains,
    /// 没收违法采出的矿产品.
    ConfiscateOre,
    /// 责令停产停业.
    Suspension,
    /// 吊销许可证.
    Revocation,
}

impl PenaltyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PenaltyKind::Warning => "warning",
            PenaltyKind::Fine => "fine",
            PenaltyKind::ConfiscateGains => "confiscate_gains",
            PenaltyKind::ConfiscateOre => "confiscate_ore",
            PenaltyKind::Suspension => "suspension",
            PenaltyKind::Revocation => "revocation",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::find_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PenaltyKind::Warning => "警告",
            PenaltyKind::Fine => "罚款",
            PenaltyKind::ConfiscateGains => "没收违法所得",
            PenaltyKind::ConfiscateOre => "没收违法采出的矿产品",
            PenaltyKind::Suspension => "责令停产停业",
            PenaltyKind::Revocation => "吊销采矿许可证",
        }
    }
}

/// The code that stands for "no penalty" (不予行政处罚) in a form's list of kinds.
pub const NO_PENALTY: &str = "none";

/// What a notice proposes or a decision imposes. No kinds at all is 不予行政处罚.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Penalty {
    pub kinds: BTreeSet<PenaltyKind>,
    pub fine_fen: Option<i64>,
    pub gains_fen: Option<i64>,
}

impl Penalty {
    /// Reads a form's kinds (codes, `none` alone for no penalty) and amounts (already in fen). Each
    /// problem is named with its field: `kinds`, `fine`, `gains`.
    pub fn parse(
        codes: &[&str],
        fine_fen: Option<i64>,
        gains_fen: Option<i64>,
    ) -> Result<Penalty, (&'static str, Problem)> {
        let codes: Vec<&str> = codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).collect();
        if codes.is_empty() {
            return Err(("kinds", Problem::NoPenalty));
        }
        if codes.contains(&NO_PENALTY) {
            if codes.len() > 1 || fine_fen.is_some() || gains_fen.is_some() {
                return Err(("kinds", Problem::NoneWithOthers));
            }
            return Ok(Penalty::default());
        }
        let kinds = codes
            .iter()
            .map(|c| PenaltyKind::parse(c))
            .collect::<Result<BTreeSet<_>, _>>()
            .map_err(|p| ("kinds", p))?;
        let has = |k| kinds.contains(&k);
        match (has(PenaltyKind::Fine), fine_fen) {
            (true, None) | (true, Some(0)) => return Err(("fine", Problem::FineMissing)),
            (false, Some(_)) => return Err(("fine", Problem::FineWithoutKind)),
            _ => {}
        }
        match (has(PenaltyKind::ConfiscateGains), gains_fen) {
            (true, None) | (true, Some(0)) => return Err(("gains", Problem::GainsMissing)),
            (false, Some(_)) => return Err(("gains", Problem::FineWithoutKind)),
            _ => {}
        }
        Ok(Penalty {
            kinds,
            fine_fen,
            gains_fen,
        })
    }

    /// 不予行政处罚.
    pub fn is_none(&self) -> bool {
        self.kinds.is_empty()
    }

    /// Heavy enough to give the party a right to a hearing: suspension, revocation, or a fine or
    /// confiscation of `heavy_fen` or more (较大数额, set by each province).
    pub fn is_heavy(&self, heavy_fen: i64) -> bool {
        self.kinds.contains(&PenaltyKind::Suspension)
            || self.kinds.contains(&PenaltyKind::Revocation)
            || self.fine_fen.is_some_and(|f| f >= heavy_fen)
            || self.gains_fen.is_some_and(|g| g >= heavy_fen)
    }

    /// How this decision is heavier than `notice` proposed, or `None` when it is not.
    pub fn heavier_than(&self, notice: &Penalty) -> Option<String> {
        // A warning is the lightest penalty: one given instead of something the notice proposed is
        // lighter, one added on top is heavier.
        let dropped_some = notice.kinds.difference(&self.kinds).next().is_some();
        let mut what: Vec<String> = self
            .kinds
            .difference(&notice.kinds)
            .filter(|k| **k != PenaltyKind::Warning || !dropped_some)
            .map(|k| format!("增加了{}", k.label_zh()))
            .collect();
        if let (Some(now), Some(then)) = (self.fine_fen, notice.fine_fen) {
            if now > then {
                what.push(format!(
                    "罚款 {} 元高于告知的 {} 元",
                    crate::field::yuan_text(now),
                    crate::field::yuan_text(then)
                ));
            }
        }
        if let (Some(now), Some(then)) = (self.gains_fen, notice.gains_fen) {
            if now > then {
                what.push(format!(
                    "没收违法所得 {} 元高于告知的 {} 元",
                    crate::field::yuan_text(now),
                    crate::field::yuan_text(then)
                ));
            }
        }
        (!what.is_empty()).then(|| what.join("；"))
    }

    /// The kinds as stored: codes joined by commas, in order.
    pub fn codes(&self) -> String {
        self.kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads stored codes back; an unknown code is an error.
    pub fn from_codes(
        codes: &str,
        fine_fen: Option<i64>,
        gains_fen: Option<i64>,
    ) -> Result<Penalty, Problem> {
        let kinds = codes
            .split(',')
            .filter(|c| !c.is_empty())
            .map(PenaltyKind::parse)
            .collect::<Result<BTreeSet<_>, _>>()?;
        Ok(Penalty {
            kinds,
            fine_fen,
            gains_fen,
        })
    }

    /// The penalty as a decision writes it: "罚款人民币 12,000.00 元；责令停产停业".
    pub fn describe_zh(&self) -> String {
        if self.is_none() {
            return "不予行政处罚".to_string();
        }
        self.kinds
            .iter()
            .map(|k| match (k, self.fine_fen, self.gains_fen) {
                (PenaltyKind::Fine, Some(f), _) => format!("罚款人民币 {} 元", crate::field::yuan_text(f)),
                (PenaltyKind::ConfiscateGains, _, Some(g)) => {
                    format!("没收违法所得人民币 {} 元", crate::field::yuan_text(g))
                }
                (k, _, _) => k.label_zh().to_string(),
            })
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// The clocks and thresholds of penalty cases, with the law's figures and the defaults of the local
/// ones (WORKFLOW.md §4–5; local ones are configuration).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRules {
    /// 行政处罚法 Art. 60: decide within 90 (calendar) days of filing.
    pub decide_within_days: i64,
    /// 自然资源行政处罚办法 Art. 33–34: 5 working days to state and defend, and to ask for a hearing.
    pub defence_working_days: u32,
    /// Hold a requested hearing within this many days [local].
    pub hearing_within_days: i64,
    /// Finish a legal review within this many days [local].
    pub review_within_days: i64,
    /// 行政处罚法 Art. 67: pay a fine within 15 days of receiving the decision.
    pub payment_days: i64,
    /// 较大数额: a fine or confiscation from this amount is heavy (hearing right, legal review)
    /// [local; default ¥100,000].
    pub heavy_fen: i64,
    /// The working-day calendar the short periods are counted in.
    pub calendar: WorkCalendar,
    /// Ore density and unit price by mineral, for the estimated value.
    pub prices: PriceTable,
}

impl Default for CaseRules {
    fn default() -> Self {
        Self {
            decide_within_days: 90,
            defence_working_days: 5,
            hearing_within_days: 20,
            review_within_days: 10,
            payment_days: 15,
            heavy_fen: 10_000_000,
            calendar: WorkCalendar::builtin(),
            prices: PriceTable::default(),
        }
    }
}

impl CaseRules {
    /// The last day to decide a case filed on `filed_on`.
    pub fn decide_by(&self, filed_on: NaiveDate) -> NaiveDate {
        filed_on + Duration::days(self.decide_within_days)
    }

    /// The last day of the party's period to state, defend and ask for a hearing, counted in working
    /// days from the day after the notice was served.
    pub fn defence_ends_on(&self, served_on: NaiveDate) -> Result<NaiveDate, Problem> {
        self.calendar
            .add_working_days(served_on, self.defence_working_days)
    }

    /// Whether the case must pass a legal review before the decision.
    pub fn needs_review(&self, proposed: &Penalty, major: bool) -> bool {
        major || proposed.is_heavy(self.heavy_fen)
    }

    /// Whether the defence may be recorded on `today`: after the period, or earlier only when the party
    /// waived it in writing or asked for a hearing (which starts the next station at once).
    pub fn check_defence_time(
        &self,
        ends_on: NaiveDate,
        today: NaiveDate,
        waived: bool,
        hearing: bool,
    ) -> Result<(), Problem> {
        if today > ends_on || waived || hearing {
            Ok(())
        } else {
            Err(Problem::DefencePeriodRunning {
                date: ends_on.to_string(),
            })
        }
    }
}

/// One mineral's line of the price table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MineralPrice {
    /// Bulk density of the ore in place, t/m³.
    pub density_t_m3: f64,
    /// Unit price, fen per tonne.
    pub price_fen_t: i64,
}

/// Density and unit price by mineral name, exactly as the registry writes the mineral.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceTable(pub BTreeMap<String, MineralPrice>);

impl PriceTable {
    pub fn get(&self, mineral: &str) -> Option<MineralPrice> {
        self.0.get(mineral.trim()).copied()
    }
}

/// An estimated value of ore taken: volume × density × unit price. Never a legal value: it is printed
/// with "估算，非认定价值", and a legal value comes only from an appraisal (WORKFLOW.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub volume_m3: f64,
    pub density_t_m3: f64,
    pub price_fen_t: i64,
    pub value_fen: i64,
}

/// The label every estimated value carries.
pub const ESTIMATE_LABEL: &str = "估算，非认定价值";

impl Estimate {
    /// Computes the estimate with `mineral`'s line of the table; a mineral without one is refused.
    pub fn compute(volume_m3: f64, mineral: &str, table: &PriceTable) -> Result<Estimate, Problem> {
        if !(volume_m3.is_finite() && volume_m3 > 0.0 && volume_m3 <= 1e10) {
            return Err(Problem::BadVolume);
        }
        let price = table.get(mineral).ok_or_else(|| Problem::MineralNotPriced {
            mineral: mineral.trim().to_string(),
        })?;
        Ok(Estimate::with(volume_m3, price))
    }

    /// The estimate from stored figures (the ones used when it was made, whatever the table says now).
    pub fn with(volume_m3: f64, price: MineralPrice) -> Estimate {
        let value = volume_m3 * price.density_t_m3 * price.price_fen_t as f64;
        Estimate {
            volume_m3,
            density_t_m3: price.density_t_m3,
            price_fen_t: price.price_fen_t,
            // An estimate of at most 1e10 m³ × a few t/m³ × a price in fen stays far inside i64.
            value_fen: value.round() as i64,
        }
    }

    pub fn tonnes(&self) -> f64 {
        self.volume_m3 * self.density_t_m3
    }
}

/// Parses a volume typed in m³ (a decimal number, greater than zero).
pub fn volume_m3(raw: &str) -> Result<f64, Problem> {
    let raw = raw.trim().replace([',', '，'], "");
    if raw.is_empty() {
        return Err(Problem::Required);
    }
    if !raw.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(Problem::BadVolume);
    }
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1e10 => Ok(v),
        _ => Err(Problem::BadVolume),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn penalty(codes: &[&str], fine: Option<i64>, gains: Option<i64>) -> Penalty {
        Penalty::parse(codes, fine, gains).unwrap()
    }

    #[test]
    fn a_penalty_form_is_read_with_its_amounts_or_refused_by_field() {
        assert!(penalty(&["none"], None, None).is_none());
        assert_eq!(
            Penalty::parse(&["none", "fine"], Some(1), None),
            Err(("kinds", Problem::NoneWithOthers))
        );
        assert_eq!(
            Penalty::parse(&[], None, None),
            Err(("kinds", Problem::NoPenalty))
        );
        assert_eq!(
            Penalty::parse(&["fine"], None, None),
            Err(("fine", Problem::FineMissing))
        );
        assert_eq!(
            Penalty::parse(&["warning"], Some(100), None),
            Err(("fine", Problem::FineWithoutKind))
        );
        assert_eq!(
            Penalty::parse(&["confiscate_gains"], None, None),
            Err(("gains", Problem::GainsMissing))
        );
        assert_eq!(
            Penalty::parse(&["jail"], None, None),
            Err(("kinds", Problem::Invalid))
        );
        let p = penalty(&["suspension", "fine"], Some(1_200_000), None);
        assert_eq!(p.codes(), "fine,suspension");
        assert_eq!(Penalty::from_codes(&p.codes(), p.fine_fen, None), Ok(p.clone()));
        assert_eq!(p.describe_zh(), "罚款人民币 12,000.00 元；责令停产停业");
    }

    #[test]
    fn suspension_revocation_and_large_amounts_are_heavy() {
        let heavy = CaseRules::default().heavy_fen;
        assert!(penalty(&["suspension"], None, None).is_heavy(heavy));
        assert!(penalty(&["revocation"], None, None).is_heavy(heavy));
        assert!(penalty(&["fine"], Some(10_000_000), None).is_heavy(heavy));
        assert!(!penalty(&["fine"], Some(9_999_999), None).is_heavy(heavy));
        assert!(penalty(&["confiscate_gains"], None, Some(10_000_000)).is_heavy(heavy));
        assert!(!penalty(&["warning"], None, None).is_heavy(heavy));
        let rules = CaseRules::default();
        assert!(rules.needs_review(&penalty(&["warning"], None, None), true));
        assert!(!rules.needs_review(&penalty(&["warning"], None, None), false));
    }

    #[test]
    fn a_decision_may_be_lighter_than_its_notice_but_never_heavier() {
        let notice = penalty(&["fine", "confiscate_ore"], Some(5_000_000), None);
        assert_eq!(
            penalty(&["fine"], Some(4_000_000), None).heavier_than(&notice),
            None
        );
        assert_eq!(
            penalty(&["fine"], Some(6_000_000), None).heavier_than(&notice),
            Some("罚款 60,000.00 元高于告知的 50,000.00 元".into())
        );
        assert_eq!(
            penalty(&["fine", "suspension"], Some(5_000_000), None).heavier_than(&notice),
            Some("增加了责令停产停业".into())
        );
        // A warning instead of a fine is lighter; a warning added to nothing is not.
        assert_eq!(penalty(&["warning"], None, None).heavier_than(&notice), None);
        assert!(penalty(&["warning"], None, None)
            .heavier_than(&Penalty::default())
            .is_some());
        assert_eq!(
            penalty(&["fine", "confiscate_ore", "warning"], Some(5_000_000), None).heavier_than(&notice),
            Some("增加了警告".into())
        );
    }

    #[test]
    fn the_decision_is_due_ninety_calendar_days_after_filing_and_the_defence_five_working_days_after_service()
    {
        let rules = CaseRules::default();
        assert_eq!(rules.decide_by(day("2026-09-01")), day("2026-11-30"));
        // Served Friday 25 September 2026: 28, 29, 30 September, then the National Day holidays are
        // not counted, then 8 and 9 October.
        assert_eq!(rules.defence_ends_on(day("2026-09-25")), Ok(day("2026-10-09")));
        let ends = day("2026-12-04");
        assert_eq!(
            rules.check_defence_time(ends, day("2026-12-04"), false, false),
            Err(Problem::DefencePeriodRunning {
                date: "2026-12-04".into()
            })
        );
        assert_eq!(
            rules.check_defence_time(ends, day("2026-12-05"), false, false),
            Ok(())
        );
        assert_eq!(
            rules.check_defence_time(ends, day("2026-12-01"), true, false),
            Ok(())
        );
        assert_eq!(
            rules.check_defence_time(ends, day("2026-12-01"), false, true),
            Ok(())
        );
    }

    #[test]
    fn the_estimate_is_volume_times_density_times_price_and_refuses_an_unpriced_mineral() {
        let mut table = PriceTable::default();
        table.0.insert(
            "建筑用花岗岩".into(),
            MineralPrice {
                density_t_m3: 2.65,
                price_fen_t: 4_500,
            },
        );
        let e = Estimate::compute(1_000.0, " 建筑用花岗岩", &table).unwrap();
        // 1,000 m³ × 2.65 t/m³ = 2,650 t × ¥45 = ¥119,250.
        assert_eq!(e.value_fen, 11_925_000);
        assert!((e.tonnes() - 2_650.0).abs() < 1e-9);
        assert_eq!(
            Estimate::compute(1.0, "金矿", &table),
            Err(Problem::MineralNotPriced {
                mineral: "金矿".into()
            })
        );
        assert_eq!(
            Estimate::compute(0.0, "建筑用花岗岩", &table),
            Err(Problem::BadVolume)
        );
        assert_eq!(
            Estimate::compute(f64::NAN, "建筑用花岗岩", &table),
            Err(Problem::BadVolume)
        );
        assert_eq!(volume_m3("1,250.5"), Ok(1250.5));
        assert_eq!(volume_m3("-3"), Err(Problem::BadVolume));
        assert_eq!(volume_m3("1e3"), Err(Problem::BadVolume));
        assert_eq!(volume_m3(""), Err(Problem::Required));
    }
}
