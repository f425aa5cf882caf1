//! 双随机 — the random draw of mines and inspectors (国办发〔2015〕58号, WORKFLOW.md §1.4), as a pure
//! function of its inputs and a seed, so that anyone holding the audited seed and inputs can replay
//! it and get the same result.
//!
//! Mines are drawn per risk grade at a configurable ratio (rounded up, so a grade with mines always
//! yields one); for each drawn mine and agency, inspectors are drawn from the agency's register,
//! leaving out anyone who declared a link to the mine's company. The generator is ChaCha8 seeded from
//! a 64-bit seed, and a bounded number is taken by rejection (no modulo bias) — both written out here
//! and pinned by a known-answer test, so a library upgrade cannot silently change a past draw.

use crate::account::AccountId;
use crate::agency::AgencyCode;
use crate::field::Problem;
use crate::ids::{CompanyId, MineId};
use chrono::NaiveDate;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The name of this algorithm, stored with every draw.
pub const ALGORITHM: &str = "chacha8-rejection-v1";

/// A mine's risk grade (A highest).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, strum::EnumIter,
)]
pub enum RiskGrade {
    A,
    B,
    C,
    D,
}

impl RiskGrade {
    pub const ALL: [RiskGrade; 4] = [RiskGrade::A, RiskGrade::B, RiskGrade::C, RiskGrade::D];

    /// The grade's letter as printed.
    pub fn letter(self) -> &'static str {
        match self {
            RiskGrade::A => "A",
            RiskGrade::B => "B",
            RiskGrade::C => "C",
            RiskGrade::D => "D",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RiskGrade::A => "a",
            RiskGrade::B => "b",
            RiskGrade::C => "c",
            RiskGrade::D => "d",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        use strum::IntoEnumIterator;
        Self::iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(raw.trim()))
            .ok_or(Problem::Invalid)
    }
}

/// The share of each grade's mines drawn, in percent (Qijiang's A 100 %, B 70 %, C 50 % by default;
/// D 30 %), configurable per county.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratios {
    pub a: u32,
    pub b: u32,
    pub c: u32,
    pub d: u32,
}

impl Default for Ratios {
    fn default() -> Self {
        Self {
            a: 100,
            b: 70,
            c: 50,
            d: 30,
        }
    }
}

impl Ratios {
    /// Ratios as typed, each a whole percentage from 0 to 100, in the order A, B, C, D.
    pub fn parse(raw: [&str; 4]) -> Result<Self, Problem> {
        let mut values = [0_u32; 4];
        for (value, text) in values.iter_mut().zip(raw) {
            *value = text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|v| *v <= 100)
                .ok_or(Problem::RatioOutOfRange)?;
        }
        let [a, b, c, d] = values;
        Ok(Self { a, b, c, d })
    }

    pub fn of(&self, grade: RiskGrade) -> u32 {
        match grade {
            RiskGrade::A => self.a,
            RiskGrade::B => self.b,
            RiskGrade::C => self.c,
            RiskGrade::D => self.d,
        }
        .min(100)
    }
}

/// A mine that may be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub mine: MineId,
    pub company: CompanyId,
    pub grade: RiskGrade,
}

/// An inspector of an agency's register, with the companies they must stay away from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspector {
    pub account: AccountId,
    pub recusals: Vec<CompanyId>,
}

/// Everything a draw depends on (stored with it for replay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawInput {
    pub seed: u64,
    pub candidates: Vec<Candidate>,
    pub ratios: Ratios,
    /// Each taking agency with its register.
    pub register: Vec<(AgencyCode, Vec<Inspector>)>,
    /// Inspectors per agency and mine (at least two may inspect).
    pub per_act: usize,
}

/// What was drawn: the mines, and for each mine and agency its inspectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawResult {
    pub mines: Vec<MineId>,
    pub officers: Vec<(MineId, AgencyCode, Vec<AccountId>)>,
}

/// Whether a drawn list (its mines and inspectors) is hidden from a viewer: until the inspection day
/// only those who may see it earlier (the office) do, so that nobody can warn a company (WORKFLOW.md
/// §1.4). From the day on it is open to everyone who may read inspections.
pub fn list_hidden(inspect_on: NaiveDate, today: NaiveDate, may_see_before: bool) -> bool {
    !may_see_before && today < inspect_on
}

/// Replays a stored draw: whether its inputs still give its result.
pub fn replays(input: &DrawInput, result: &DrawResult) -> bool {
    draw(input).as_ref() == Ok(result)
}

/// A number in `0..n` from the generator, by rejection: values above the largest multiple of `n`
/// below 2⁶⁴ are drawn again, so every outcome is equally likely.
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    let span = 1_u128 << 64;
    let limit = span - span % u128::from(n);
    loop {
        let x = rng.next_u64();
        if u128::from(x) < limit {
            return x % n;
        }
    }
}

/// `k` items of `items`, chosen by the first `k` steps of a Fisher–Yates shuffle, in the order drawn.
fn choose<T: Clone>(rng: &mut ChaCha8Rng, items: &[T], k: usize) -> Vec<T> {
    let mut pool: Vec<T> = items.to_vec();
    let k = k.min(pool.len());
    for i in 0..k {
        let remaining = u64::try_from(pool.len() - i).unwrap_or(u64::MAX);
        let j = i + usize::try_from(below(rng, remaining)).unwrap_or(0);
        pool.swap(i, j);
    }
    pool.truncate(k);
    pool
}

/// Draws. The inputs are put in a canonical order first (grades A to D, mines by id, agencies by code,
/// inspectors by account), so the result depends on what is drawn from, never on how it was listed.
pub fn draw(input: &DrawInput) -> Result<DrawResult, Problem> {
    use strum::IntoEnumIterator;
    let mut rng = ChaCha8Rng::seed_from_u64(input.seed);
    let mut mines: Vec<&Candidate> = Vec::new();
    for grade in RiskGrade::iter() {
        let mut of_grade: Vec<&Candidate> = input.candidates.iter().filter(|c| c.grade == grade).collect();
        of_grade.sort_by_key(|c| c.mine);
        of_grade.dedup_by_key(|c| c.mine);
        let k = (of_grade.len() * input.ratios.of(grade) as usize).div_ceil(100);
        mines.extend(choose(&mut rng, &of_grade, k));
    }
    mines.sort_by_key(|c| c.mine);
    let mut register: Vec<(AgencyCode, Vec<Inspector>)> = input.register.clone();
    register.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, people) in &mut register {
        people.sort_by_key(|p| p.account);
        people.dedup_by_key(|p| p.account);
    }
    let mut officers = Vec::with_capacity(mines.len() * register.len());
    for mine in &mines {
        for (agency, people) in &register {
            let eligible: Vec<AccountId> = people
                .iter()
                .filter(|p| !p.recusals.contains(&mine.company))
                .map(|p| p.account)
                .collect();
            if eligible.len() < input.per_act.max(2) {
                return Err(Problem::TooFewInspectors {
                    agency: agency.as_str().to_string(),
                    needed: input.per_act.max(2),
                    found: eligible.len(),
                });
            }
            let mut drawn = choose(&mut rng, &eligible, input.per_act.max(2));
            drawn.sort();
            officers.push((mine.mine, agency.clone(), drawn));
        }
    }
    Ok(DrawResult {
        mines: mines.iter().map(|c| c.mine).collect(),
        officers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> AgencyCode {
        AgencyCode::parse(c).unwrap()
    }

    fn county(seed: u64) -> DrawInput {
        let grades = [RiskGrade::A, RiskGrade::B, RiskGrade::B, RiskGrade::C];
        let candidates = (1..=20)
            .map(|i| Candidate {
                mine: MineId(i),
                company: CompanyId(100 + i),
                grade: grades[usize::try_from(i).unwrap() % 4],
            })
            .collect();
        let people = |from: i64| {
            (from..from + 4)
                .map(|a| Inspector {
                    account: AccountId(a),
                    recusals: if a == from {
                        vec![CompanyId(101)]
                    } else {
                        Vec::new()
                    },
                })
                .collect()
        };
        DrawInput {
            seed,
            candidates,
            ratios: Ratios::default(),
            register: vec![(code("ps"), people(10)), (code("em"), people(20))],
            per_act: 2,
        }
    }

    #[test]
    fn the_same_seed_and_inputs_draw_the_same_whatever_order_they_are_listed_in() {
        let first = draw(&county(7)).unwrap();
        let mut shuffled = county(7);
        shuffled.candidates.reverse();
        shuffled.register.reverse();
        shuffled.register[0].1.reverse();
        assert_eq!(draw(&shuffled).unwrap(), first);
        assert_ne!(draw(&county(8)).unwrap(), first);
    }

    #[test]
    fn each_grade_is_drawn_at_its_ratio_rounded_up() {
        let input = county(1);
        let result = draw(&input).unwrap();
        let drawn = |g: RiskGrade| {
            input
                .candidates
                .iter()
                .filter(|c| c.grade == g && result.mines.contains(&c.mine))
                .count()
        };
        // 20 mines: grade A 5 (100 %), B 10 (70 %), C 5 (50 % → 3).
        assert_eq!(drawn(RiskGrade::A), 5);
        assert_eq!(drawn(RiskGrade::B), 7);
        assert_eq!(drawn(RiskGrade::C), 3);
        assert_eq!(result.officers.len(), result.mines.len() * 2);
    }

    #[test]
    fn an_inspector_linked_to_the_company_is_never_drawn_for_its_mine() {
        for seed in 0..200 {
            let result = draw(&county(seed)).unwrap();
            for (mine, agency, people) in &result.officers {
                assert_eq!(people.len(), 2);
                if *mine == MineId(1) {
                    let linked = if agency.as_str() == "ps" { 10 } else { 20 };
                    assert!(!people.contains(&AccountId(linked)), "seed {seed}");
                }
            }
        }
    }

    #[test]
    fn too_few_eligible_inspectors_is_refused_with_the_agency_named() {
        // Mine 4 is of grade A, drawn at 100 %: public security has two people, one linked to it.
        let mut input = county(3);
        input.register[0].1.truncate(2);
        input.register[0].1[0].recusals = vec![CompanyId(104)];
        let err = draw(&input).unwrap_err();
        assert_eq!(
            err,
            Problem::TooFewInspectors {
                agency: "ps".into(),
                needed: 2,
                found: 1
            }
        );
    }

    #[test]
    fn a_bounded_number_is_uniform_and_the_generator_is_pinned() {
        let mut rng = ChaCha8Rng::seed_from_u64(2026);
        let mut counts = [0_u32; 6];
        for _ in 0..60_000 {
            counts[usize::try_from(below(&mut rng, 6)).unwrap()] += 1;
        }
        assert!(counts.iter().all(|c| (9_500..10_500).contains(c)), "{counts:?}");
        // A known answer: if the generator or the algorithm changes, past draws would no longer
        // replay, and this fails.
        let result = draw(&county(42)).unwrap();
        assert_eq!(result.mines, KNOWN_MINES.map(MineId).to_vec());
    }

    #[test]
    fn a_stored_draw_replays_from_its_json_and_a_changed_result_does_not() {
        let input = county(11);
        let result = draw(&input).unwrap();
        let input_back: DrawInput = serde_json::from_str(&serde_json::to_string(&input).unwrap()).unwrap();
        let result_back: DrawResult = serde_json::from_str(&serde_json::to_string(&result).unwrap()).unwrap();
        assert!(replays(&input_back, &result_back));
        let mut forged = result_back;
        forged.mines.pop();
        assert!(!replays(&input_back, &forged));
    }

    #[test]
    fn the_list_is_hidden_before_the_day_from_everyone_but_the_office() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let before = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        assert!(list_hidden(day, before, false));
        assert!(!list_hidden(day, before, true));
        assert!(!list_hidden(day, day, false));
    }

    #[test]
    fn ratios_are_whole_percentages() {
        assert_eq!(
            Ratios::parse(["100", " 70", "50", "30"]).unwrap(),
            Ratios::default()
        );
        for bad in ["101", "-1", "50.5", ""] {
            assert_eq!(
                Ratios::parse(["100", bad, "50", "30"]),
                Err(Problem::RatioOutOfRange)
            );
        }
    }

    const KNOWN_MINES: [i64; 15] = [4, 5, 6, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
}
