//! 应移未移 — raising a flag on a case that should have been referred and was not, and its written
//! disposition by the head of the agency that owns the case (WORKFLOW.md §5).
//!
//! The rules are `domain::flag`'s; this module gathers a case's facts (its findings' categories, its
//! values and when they were set, whether its mining was in a restricted area, the party's earlier
//! penalties for illegal mining, its referrals, its decision), raises each rule once per case, and
//! opens the head's disposition task — a task the office and the leaders see from the start. The sweep
//! runs [`scan`] with the task clocks; a decision raises 以罚代刑 at once, in its own write.

use crate::enforcement::cases::Case;
use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::required_text;
use orewatch_domain::flag::{CaseFacts, FlagFlow, FlagRules, FlagStep};
use orewatch_domain::penalty::{CaseFlow, PenaltyKind};
use orewatch_domain::policy::{Action, Resource, Service};
use orewatch_domain::task::local_date;
use orewatch_domain::workflow::Workflow;
use orewatch_domain::{CaseId, FieldErrors, FlagId};
pub use orewatch_storage::flags::Flag;
use orewatch_storage::{cases, flags, referrals, Conn, WriteTx};

/// The facts the rules need about a case.
pub async fn facts(conn: &mut Conn, rules: &FlagRules, case: &Case) -> Result<CaseFacts> {
    let categories = cases::finding_categories(conn, case.id).await?;
    let illegal: Vec<String> = rules.illegal_categories.clone();
    let prior_penalties = cases::decisions_about(conn, case.company_id, &illegal, case.id).await?;
    let referred = referrals::of_case(conn, case.id)
        .await?
        .iter()
        .any(|r| r.state.referred());
    Ok(CaseFacts {
        categories,
        appraised_fen: case.appraised_fen,
        estimated_fen: case.estimate.as_ref().map(|e| e.value_fen),
        valued_on: case.valued_on(),
        restricted: case.restricted(),
        filed_on: case.filed_on,
        prior_penalties: prior_penalties
            .into_iter()
            .filter(|d| *d <= case.filed_on)
            .collect(),
        referred,
        fine_decided: case
            .decided
            .as_ref()
            .is_some_and(|p| p.kinds.contains(&PenaltyKind::Fine)),
    })
}

/// Raises, inside a write, the flags a case carries today and has not had yet; returns how many.
pub(crate) async fn raise(tx: &mut WriteTx, app: &App, caller: &Caller, case_id: CaseId) -> Result<usize> {
    let rules = &app.settings.flags;
    let Some(case) = cases::find(tx, case_id).await? else {
        return Ok(0);
    };
    let facts = facts(tx, rules, &case).await?;
    let today = local_date(tx.now());
    let already = flags::raised_rules(tx, case_id).await?;
    let mut raised = 0;
    for rule in rules.flags(&facts, today) {
        if already.contains(&rule) {
            continue;
        }
        let grounds = rules.grounds(&facts, &case.case_no, case.decision_no.as_deref());
        let id = flags::insert(tx, case_id, &case.agency, rule, &grounds, rules.dispose_by(today)).await?;
        crate::workflow::created::<FlagFlow>(tx, app, caller, id).await?;
        raised += 1;
    }
    Ok(raised)
}

/// The scan as a rule on the sweep's clock.
pub const CLOCK_RULE: crate::tasks::ClockRule = crate::tasks::ClockRule {
    name: "flags",
    run: |app| Box::pin(scan(app)),
};

/// Who the scan writes as: the sweep, under the scan's own name.
fn scanner() -> Caller {
    Caller {
        display_name: "应移未移检查".into(),
        ..Caller::service(Service::Sweep, "flags")
    }
}

/// Looks at every case of illegal mining not referred and raises the flags now due; returns how many.
/// Run by the sweep (which holds the lease) and by tests with their clock.
pub async fn scan(app: &App) -> Result<usize> {
    let not_referred = orewatch_domain::referral::not_referred();
    let rules = &app.settings.flags;
    let ids = {
        let mut conn = app.db.conn().await?;
        cases::unreferred_about(
            &mut conn,
            &rules.illegal_categories,
            &not_referred,
            rules.threshold_fen.min(rules.restricted_threshold_fen),
            i64::try_from(rules.repeat_count).unwrap_or(i64::MAX),
        )
        .await?
    };
    let caller = scanner();
    caller.require(Action::RaiseFlags, &Resource::Installation)?;
    let mut raised = 0;
    for chunk in ids.chunks(50) {
        let mut tx = app.write(&caller).await?;
        for id in chunk {
            raised += raise(&mut tx, app, &caller, *id).await?;
        }
        if tx.appended() == 0 {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
    }
    Ok(raised)
}

/// 处置: the head of the case's agency disposes of a flag in writing (why the case was not referred,
/// or that it now is); the flag leaves the open list and its task closes.
pub async fn dispose(app: &App, caller: &Caller, id: FlagId, disposition: &str) -> Result<()> {
    let mut e = FieldErrors::new();
    let disposition = e.take("disposition", required_text(disposition, 2000));
    let mut conn = app.db.conn().await?;
    crate::workflow::allowed::<FlagFlow>(&mut conn, app, caller, id, FlagStep::Dispose).await?;
    drop(conn);
    let Some(disposition) = disposition else {
        return Err(AppError::Invalid(e));
    };
    crate::workflow::step::<FlagFlow>(app, caller, id, disposition, &[]).await?;
    Ok(())
}

/// The flags, open first; of one case when given.
pub async fn list(app: &App, caller: &Caller, case_id: Option<CaseId>) -> Result<Vec<Flag>> {
    caller.require(Action::ViewCases, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(flags::list(&mut conn, case_id, 500).await?)
}

/// One flag, with the steps the caller may take on it now.
pub async fn show(app: &App, caller: &Caller, id: FlagId) -> Result<(Flag, Vec<FlagStep>)> {
    let mut conn = app.db.conn().await?;
    let flag = flags::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let case = cases::find(&mut conn, flag.case_id)
        .await?
        .ok_or(AppError::NotFound)?;
    caller.require(Action::ViewCases, &CaseFlow::resource(&case))?;
    let open = crate::workflow::offered::<FlagFlow>(&mut conn, app, caller, &flag).await?;
    Ok((flag, open))
}
