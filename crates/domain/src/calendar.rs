//! 工作日 — the working-day calendar that the short legal periods are counted in.
//!
//! 行政处罚法 (2021) Art. 85: the periods of "二日", "三日", "五日" and "七日" in that law are working days,
//! not counting statutory holidays. Which days are holidays, and which weekend days are worked instead
//! (调休上班), the State Council publishes year by year (国务院办公厅关于…年部分节假日安排的通知), usually in
//! November for the next year. So a [`WorkCalendar`] knows the years it has been given and no others: a
//! period that runs into an unknown year is refused ([`Problem::HolidaysUnknown`]), never counted as if
//! that year had no holidays — a deadline computed a week early is how a party loses the right to be
//! heard.
//!
//! 2026 is built in, from 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, published by Xinhua).
//! Further years come from configuration (`[holidays]` in `orewatch.toml`).
//!
//! What must not live here: reading the configuration, the clock.

use crate::field::Problem;
use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};

/// One year's published arrangement: the days off that fall on weekdays' places, and the weekend days
/// worked instead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearArrangement {
    /// 放假 — every day of the holidays (weekend days among them change nothing).
    pub off: BTreeSet<NaiveDate>,
    /// 调休上班 — weekend days that are working days.
    pub work: BTreeSet<NaiveDate>,
}

/// The years whose arrangement is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    years: BTreeMap<i32, YearArrangement>,
}

fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, day)
}

/// Every day from `from` to `to`, inclusive.
fn span(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Vec<NaiveDate> {
    let (Some(from), Some(to)) = (from, to) else {
        return Vec::new();
    };
    from.iter_days().take_while(|day| *day <= to).collect()
}

impl WorkCalendar {
    /// A calendar that knows no year (every period is refused): for configuration to fill.
    pub fn empty() -> Self {
        Self {
            years: BTreeMap::new(),
        }
    }

    /// The built-in calendar: 2026 as the State Council arranged it.
    pub fn builtin() -> Self {
        let off = [
            span(d(2026, 1, 1), d(2026, 1, 3)),
            span(d(2026, 2, 15), d(2026, 2, 23)),
            span(d(2026, 4, 4), d(2026, 4, 6)),
            span(d(2026, 5, 1), d(2026, 5, 5)),
            span(d(2026, 6, 19), d(2026, 6, 21)),
            span(d(2026, 9, 25), d(2026, 9, 27)),
            span(d(2026, 10, 1), d(2026, 10, 7)),
        ]
        .concat();
        let work = [
            d(2026, 1, 4),
            d(2026, 2, 14),
            d(2026, 2, 28),
            d(2026, 5, 9),
            d(2026, 9, 20),
            d(2026, 10, 10),
        ];
        let mut calendar = Self::empty();
        calendar.years.insert(
            2026,
            YearArrangement {
                off: off.into_iter().collect(),
                work: work.into_iter().flatten().collect(),
            },
        );
        calendar
    }

    /// Adds (or replaces) a year's arrangement; every date must lie in that year.
    pub fn set_year(&mut self, year: i32, arrangement: YearArrangement) -> Result<(), Problem> {
        if let Some(stray) = arrangement
            .off
            .iter()
            .chain(arrangement.work.iter())
            .find(|day| day.year() != year)
        {
            return Err(Problem::HolidayOutsideYear {
                year,
                date: stray.to_string(),
            });
        }
        self.years.insert(year, arrangement);
        Ok(())
    }

    /// The years known, in order.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Whether `day` is a working day, or the year it lies in is not known.
    pub fn is_working_day(&self, day: NaiveDate) -> Result<bool, Problem> {
        let year = self
            .years
            .get(&day.year())
            .ok_or(Problem::HolidaysUnknown { year: day.year() })?;
        if year.work.contains(&day) {
            return Ok(true);
        }
        if year.off.contains(&day) {
            return Ok(false);
        }
        Ok(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
    }

    /// The last day of a period of `n` working days that starts the day after `from` (the day of the
    /// event itself is not counted): the party served on a Friday with five working days has until the
    /// next Friday, holidays and make-up days as arranged.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, Problem> {
        let mut day = from;
        let mut counted = 0;
        while counted < n {
            day = day.succ_opt().ok_or(Problem::Invalid)?;
            if self.is_working_day(day)? {
                counted += 1;
            }
        }
        Ok(day)
    }
}

impl Default for WorkCalendar {
    fn default() -> Self {
        Self::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn five_working_days_from_a_friday_end_the_next_friday() {
        let cal = WorkCalendar::builtin();
        assert_eq!(cal.add_working_days(day("2026-11-27"), 5), Ok(day("2026-12-04")));
        // The day of service is not counted even when it is a working day.
        assert_eq!(cal.add_working_days(day("2026-11-30"), 1), Ok(day("2026-12-01")));
    }

    #[test]
    fn the_national_day_week_is_skipped_and_its_make_up_saturday_counts() {
        let cal = WorkCalendar::builtin();
        // Served Wednesday 30 September: 1–7 October off, Thursday 8 and Friday 9 work, Saturday 10
        // October is a make-up working day, then Monday 12 and Tuesday 13.
        assert_eq!(cal.is_working_day(day("2026-10-10")), Ok(true));
        assert_eq!(cal.is_working_day(day("2026-10-05")), Ok(false));
        assert_eq!(cal.add_working_days(day("2026-09-30"), 5), Ok(day("2026-10-13")));
        // The Spring Festival: served Friday 13 February; Saturday 14 is worked, 15–23 are off.
        assert_eq!(cal.add_working_days(day("2026-02-13"), 2), Ok(day("2026-02-24")));
    }

    #[test]
    fn a_period_running_into_an_unknown_year_is_refused_not_guessed() {
        let cal = WorkCalendar::builtin();
        assert_eq!(
            cal.add_working_days(day("2026-12-28"), 5),
            Err(Problem::HolidaysUnknown { year: 2027 })
        );
        assert_eq!(
            WorkCalendar::empty().is_working_day(day("2026-06-01")),
            Err(Problem::HolidaysUnknown { year: 2026 })
        );
    }

    #[test]
    fn a_configured_year_is_used_and_its_dates_must_lie_in_it() {
        let mut cal = WorkCalendar::builtin();
        let mut y2027 = YearArrangement::default();
        y2027.off.insert(day("2027-01-01"));
        cal.set_year(2027, y2027.clone()).unwrap();
        // Monday 28 December 2026 + 5: 29, 30, 31 December, (1 January off), 4 and 5 January.
        assert_eq!(cal.add_working_days(day("2026-12-28"), 5), Ok(day("2027-01-05")));
        y2027.work.insert(day("2026-12-27"));
        assert_eq!(
            cal.set_year(2027, y2027),
            Err(Problem::HolidayOutsideYear {
                year: 2027,
                date: "2026-12-27".into()
            })
        );
        assert_eq!(cal.years(), vec![2026, 2027]);
    }
}
