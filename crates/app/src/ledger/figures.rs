//! A quarter's figures for the reports to the city: joint inspections held, findings by category and
//! agency, closed on time and late, open and overdue, verifications within their deadline
//! (`domain::finding::quarter_figures` decides each count).

use crate::{App, AppError, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::finding::{quarter_figures, QuarterFigures};
use orewatch_domain::inspection::quarter_of;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::Problem;
use orewatch_storage::{findings, inspections};

/// One quarter's figures.
#[derive(Debug, Clone)]
pub struct Quarter {
    pub year: i32,
    pub quarter: u8,
    /// Joint inspections held (closed) in the quarter, and scheduled in it.
    pub inspections_held: usize,
    pub inspections_scheduled: usize,
    pub figures: QuarterFigures,
    /// The day "open and overdue" is counted on: the quarter's last day, or today while it runs.
    pub as_of: NaiveDate,
}

pub async fn quarter(app: &App, caller: &Caller, year: i32, quarter: u8) -> Result<Quarter> {
    caller.require(Action::ViewLedger, &Resource::Installation)?;
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let (from, to) = orewatch_domain::inspection::quarter_bounds(year, quarter)
        .ok_or_else(|| AppError::invalid("quarter", Problem::Invalid))?;
    let today = local_date(app.now());
    let as_of = to.min(today);
    let mut conn = app.db.conn().await?;
    let facts = findings::facts_found_between(&mut conn, from, to).await?;
    let held = inspections::inspections_in(&mut conn, year).await?;
    let in_quarter: Vec<_> = held
        .iter()
        .filter(|i| quarter_of(i.inspect_on) == quarter)
        .collect();
    Ok(Quarter {
        year,
        quarter,
        inspections_held: in_quarter.iter().filter(|i| i.closed).count(),
        inspections_scheduled: in_quarter.len(),
        figures: quarter_figures(&facts, as_of),
        as_of,
    })
}
