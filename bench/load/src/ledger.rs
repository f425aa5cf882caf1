//! Five years of a 50-mine county's inspections and ledger, for `bench/ledger.sh`: joint inspections
//! with their signed acts, findings in every state with their history, and open tasks spread over the
//! agencies and the years — written through the storage layer in audited transactions of a thousand
//! records (each record with its audit entry, as the use cases would leave it), because going through
//! the use cases one step at a time would take most of an hour. Then `sweep` times the deadline sweep
//! over them.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use orewatch_app::{tasks as task_cases, App, ManualClock, Settings};
use orewatch_domain::agency::{AgencyCode, AgencyKind, STANDARD_AGENCIES};
use orewatch_domain::finding::{Finding, FindingFlow, FindingSource, FindingState, Severity};
use orewatch_domain::inspection::{ActFlow, ActKind, ActState};
use orewatch_domain::task::{end_of_day, local_date, Assignee, Task, TaskKind};
use orewatch_domain::task_title::TaskTitle;
use orewatch_domain::workflow::Event;
use orewatch_domain::{AuditAction, MineId, RecordType, Role};
use orewatch_storage::acts;
use orewatch_storage::findings::{self, NewFinding};
use orewatch_storage::inspections::{self, NewInspection};
use orewatch_storage::tasks::{self, NewTask};
use orewatch_storage::workflow::Repository;
use orewatch_storage::{AuditActor, Db, Key, WriteTx};
use std::sync::Arc;
use std::time::Instant;

/// What the seed writes.
pub struct Plan {
    pub years: i64,
    pub inspections: usize,
    pub findings: usize,
    pub open_tasks: usize,
}

const CATEGORIES: [&str; 10] = [
    "out_of_bounds",
    "explosives",
    "dust",
    "overloading",
    "erosion",
    "forest",
    "reclamation",
    "tax",
    "illegal_trade",
    "mine_systems",
];

/// The `i`-th item, counting round a non-empty constant list.
#[allow(clippy::indexing_slicing)]
fn pick<T: Copy, const N: usize>(items: &[T; N], i: usize) -> T {
    items[i % N]
}

fn members() -> Vec<AgencyCode> {
    STANDARD_AGENCIES
        .iter()
        .filter(|a| a.kind == AgencyKind::Member)
        .filter_map(|a| AgencyCode::parse(a.code).ok())
        .collect()
}

async fn write(db: &Db, at: DateTime<Utc>) -> Result<WriteTx> {
    Ok(db
        .begin_write(
            AuditActor {
                account_id: None,
                label: "bench-seed".into(),
                agency: None,
            },
            at,
        )
        .await?)
}

/// Seeds the inspections, findings and tasks. `now` is the end of the five years.
pub async fn seed(db: &Db, mines: &[MineId], now: DateTime<Utc>, plan: &Plan) -> Result<()> {
    let started = Instant::now();
    let agencies = members();
    let first = agencies
        .first()
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no member agency"))?;
    let span = Duration::days(365 * plan.years);
    let begin = now - span;
    let n_mines = mines.len().max(1);
    // Joint inspections with two signed acts each, evenly over the years.
    let mut tx = write(db, begin).await?;
    for i in 0..plan.inspections {
        let at = begin
            + span * i32::try_from(i).unwrap_or(0) / i32::try_from(plan.inspections.max(1)).unwrap_or(1);
        if i % 500 == 0 && i > 0 {
            tx.commit().await?;
            tx = write(db, at).await?;
        }
        let mine = mines.get(i % n_mines).copied().unwrap_or(MineId(1));
        let lead = agencies
            .get(i % agencies.len())
            .cloned()
            .unwrap_or_else(|| first.clone());
        let other = agencies
            .get((i + 3) % agencies.len())
            .cloned()
            .unwrap_or_else(|| lead.clone());
        let pair = [lead.clone(), other];
        let id = inspections::insert_inspection(
            &mut tx,
            &NewInspection {
                plan_item_id: None,
                title: &format!("压测联合检查 {i}"),
                inspect_on: local_date(at),
                lead: &lead,
                agencies: &pair,
                mines: &[mine],
                by_label: "bench-seed",
            },
        )
        .await?;
        inspections::close_inspection(&mut tx, id).await?;
        tx.audit(
            AuditAction::InspectionCreate,
            RecordType::Inspection,
            &Key::Int(id.0),
            None,
            None,
        )
        .await?;
        for (k, agency) in pair.iter().enumerate() {
            let act = acts::insert_act(
                &mut tx,
                id,
                agency,
                mine,
                ActKind::Routine,
                &[("是否按设计开采", "plan_deviation")],
            )
            .await?;
            // Signed, as its steps would have left it.
            let mut signed = ActFlow::find(&mut tx, act)
                .await?
                .ok_or_else(|| anyhow::anyhow!("act {act} vanished"))?;
            signed.state = ActState::Signed;
            signed.doc_no = Some(format!("{}检〔压测〕{}-{k}号", agency.as_str(), i));
            signed.signed_by_label = Some("压测".into());
            signed.signed_at = Some(at);
            ActFlow::save(&mut tx, &signed).await?;
            tx.audit(
                AuditAction::ActCreate,
                RecordType::InspectionAct,
                &Key::Int(act.0),
                None,
                None,
            )
            .await?;
        }
    }
    tx.commit().await?;
    eprintln!(
        "seeded {} joint inspections in {:.1}s",
        plan.inspections,
        started.elapsed().as_secs_f64()
    );

    // Findings over the years: most of the older ones closed, the recent ones in every open state.
    let started = Instant::now();
    let mut tx = write(db, begin).await?;
    for i in 0..plan.findings {
        let found_at =
            begin + span * i32::try_from(i).unwrap_or(0) / i32::try_from(plan.findings.max(1)).unwrap_or(1);
        if i % 1000 == 0 && i > 0 {
            tx.commit().await?;
            tx = write(db, found_at).await?;
        }
        let agency = agencies
            .get(i % agencies.len())
            .cloned()
            .unwrap_or_else(|| first.clone());
        let found_on = local_date(found_at);
        let deadline = found_on + Duration::days(pick(&[30, 45, 60, 90], i));
        let id = findings::insert(
            &mut tx,
            &NewFinding {
                mine_id: mines.get((i * 7) % n_mines).copied().unwrap_or(MineId(1)),
                source: if i % 3 == 0 {
                    FindingSource::AgencyInspection
                } else {
                    FindingSource::JointInspection
                },
                source_ref: None,
                category: pick(&CATEGORIES, i),
                description: "压测问题：现场发现的问题描述",
                legal_basis: None,
                severity: pick(&[Severity::General, Severity::Serious, Severity::Major], i),
                agency: &agency,
                measures: None,
                found_on,
                deadline_on: deadline,
                recorded_by: None,
                recorded_by_label: "bench-seed",
            },
        )
        .await?;
        let record = Event::new("record").on(deadline);
        FindingFlow::add_event(&mut tx, id, &record, "bench-seed").await?;
        // Older than 120 days: closed (a tenth of them late); newer: spread over the open states.
        let age = now - found_at;
        let state = if age > Duration::days(120) {
            FindingState::Closed
        } else {
            pick(
                &[
                    FindingState::Pending,
                    FindingState::Rectifying,
                    FindingState::Applied,
                    FindingState::Reviewing,
                ],
                i,
            )
        };
        let listed = i % 97 == 0 && state != FindingState::Closed;
        if state != FindingState::Pending || listed {
            // The finding as its steps would have left it (only the columns a step saves matter).
            let mut f = seeded_finding(id, &agency, deadline, state);
            if matches!(
                state,
                FindingState::Applied | FindingState::Reviewing | FindingState::Closed
            ) {
                f.verify_due_on = Some(deadline + Duration::days(10));
                f.evidence_at = Some(found_at + Duration::days(20));
            }
            if state == FindingState::Closed {
                let late = if i % 10 == 0 { 15 } else { -3 };
                f.closed_at = Some(end_of_day(deadline) + Duration::days(late));
            }
            if listed {
                f.listed_at = Some(found_at);
                f.listed_reason = Some("压测挂牌".into());
            }
            FindingFlow::save(&mut tx, &f).await?;
        }
        tx.audit(
            AuditAction::FindingCreate,
            RecordType::Finding,
            &Key::Int(id.0),
            None,
            None,
        )
        .await?;
    }
    tx.commit().await?;
    eprintln!(
        "seeded {} findings in {:.1}s",
        plan.findings,
        started.elapsed().as_secs_f64()
    );

    // Open tasks: rectification and verification for the agencies, approvals for heads, the office's
    // extension decisions; due from five years ago to a year ahead, each at the level its due moment
    // gives it now, so the sweep finds only what a real minute would bring.
    let started = Instant::now();
    let clocks = orewatch_domain::task::Clocks::default();
    let mut tx = write(db, now).await?;
    let ahead = Duration::days(365);
    for i in 0..plan.open_tasks {
        if i % 2000 == 0 && i > 0 {
            tx.commit().await?;
            tx = write(db, now).await?;
        }
        let agency = agencies
            .get(i % agencies.len())
            .cloned()
            .unwrap_or_else(|| first.clone());
        let (kind, assignee) = match i % 100 {
            0 => (TaskKind::DecideExtension, Assignee::Office),
            1..=10 => (
                TaskKind::ApproveAct,
                Assignee::Agency {
                    agency: agency.clone(),
                    role: Some(Role::AgencyHead),
                },
            ),
            11..=30 => (
                TaskKind::Verify,
                Assignee::Agency {
                    agency: agency.clone(),
                    role: None,
                },
            ),
            _ => (
                TaskKind::Rectify,
                Assignee::Agency {
                    agency: agency.clone(),
                    role: None,
                },
            ),
        };
        // Most due in the year ahead; one in fifty overdue (2,000 late tasks, more than a county would
        // let pile up), spread over the past five years.
        let due_at = if i % 50 == 0 {
            now - span * i32::try_from(i % 1000).unwrap_or(0) / 1000 - Duration::hours(1)
        } else {
            now + ahead * i32::try_from(i % 997).unwrap_or(0) / 997 + Duration::hours(1)
        };
        let ladder = kind.ladder(&clocks);
        let level = ladder.level_at(due_at, now);
        let task = Task {
            kind,
            assignee,
            agency: Some(agency),
            due_at,
            level,
        };
        let finding = (i % plan.findings.max(1)) as i64 + 1;
        let title = TaskTitle::Finding {
            id: finding,
            text: "压测待办".into(),
        };
        let id = tasks::insert(
            &mut tx,
            &NewTask {
                task: &task,
                record: (RecordType::Finding, finding.to_string()),
                mine_id: mines.get(i % n_mines).copied(),
                title: &title,
                next_step_at: ladder.next_step_at(due_at, level),
            },
        )
        .await?;
        tx.audit(AuditAction::TaskCreate, RecordType::Task, id, None, None)
            .await?;
    }
    tx.commit().await?;
    // A closed task per closed finding would only grow the table; the open ones are what the sweep
    // and the inboxes read.
    eprintln!(
        "seeded {} open tasks in {:.1}s",
        plan.open_tasks,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Times the sweep: now (what a minute's sweep finds), and a day later (a day's reminders and
/// escalations, as after a day's outage).
pub async fn sweep(db: Db) -> Result<()> {
    let now = Utc::now();
    let clock = Arc::new(ManualClock::new(now + Duration::minutes(1)));
    let app = App::new(db.clone(), clock.clone(), Settings::default())?;
    let open: i64 = {
        let mut conn = db.conn().await?;
        tasks::open_count(&mut conn).await?
    };
    for (label, at) in [
        ("a minute on", now + Duration::minutes(1)),
        ("a day on", now + Duration::days(1)),
    ] {
        clock.set(at);
        let started = Instant::now();
        let report = task_cases::sweep(&app, "bench", Duration::minutes(3))
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        println!(
            "sweep over {open} open tasks, {label}: {:.1} ms, {} steps raised",
            started.elapsed().as_secs_f64() * 1000.0,
            report.raised.len()
        );
        task_cases::release(&app, "bench")
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    Ok(())
}

/// A seeded finding in `state`: what a step saves, the rest left at its recording.
fn seeded_finding(
    id: orewatch_domain::FindingId,
    agency: &AgencyCode,
    deadline: chrono::NaiveDate,
    state: FindingState,
) -> Finding {
    Finding {
        id,
        mine_id: MineId(0),
        mine_name: String::new(),
        township: String::new(),
        company_name: String::new(),
        source: FindingSource::JointInspection,
        source_ref: None,
        category: String::new(),
        category_zh: String::new(),
        category_en: String::new(),
        description: String::new(),
        legal_basis: None,
        severity: Severity::General,
        agency: agency.clone(),
        measures: None,
        found_on: deadline,
        original_deadline_on: deadline,
        deadline_on: deadline,
        state,
        notice_no: None,
        notice_issued_at: None,
        recorded_by: None,
        recorded_by_label: String::new(),
        recorded_at: DateTime::<Utc>::MIN_UTC,
        evidence_by: None,
        evidence_by_label: None,
        evidence_at: None,
        evidence_note: None,
        verifier_id: None,
        verifier_label: None,
        verify_due_on: None,
        verified_at: None,
        verify_opinion: None,
        closed_at: None,
        extension_on: None,
        extension_reason: None,
        listed_at: None,
        listed_reason: None,
        listed_deadline_on: None,
        events: Vec::new(),
    }
}
