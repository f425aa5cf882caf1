//! The rectification ledger and its clocks: every step, every refusal, and the sweep moved by the
//! test clock.

use crate::problem;
use crate::registry::import_sample;
use crate::{account, app};
use chrono::{Datelike, Duration};
use orewatch_app::ledger::findings::{self, EvidenceFile, FindingInput};
use orewatch_app::tasks::{self, Notice, Notifier};
use orewatch_app::{App, AppError, Caller, Db, ManualClock};
use orewatch_domain::finding::FindingState;
use orewatch_domain::policy::DenyReason;
use orewatch_domain::task::{Level, TaskKind};
use orewatch_domain::{FindingId, Problem};
use orewatch_storage::findings::LedgerFilter;
use orewatch_storage::tasks::InboxPart;
use orewatch_testkit::{fetch_i64, on_both_backends};
use std::sync::{Arc, Mutex};

/// A JPEG's first bytes are enough for the evidence check.
const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1];

struct County {
    app: App,
    clock: Arc<ManualClock>,
    office: Caller,
    leader: Caller,
    officer: Caller,
    officer2: Caller,
    head: Caller,
    tr_officer: Caller,
    mine: String,
}

async fn county(db: Db) -> County {
    let (app, clock) = app(db).await;
    let office = account(&app, "office1", "office", "").await;
    let s = import_sample(&app, &office, 3, 1).await;
    County {
        leader: account(&app, "leader1", "command_leader", "").await,
        officer: account(&app, "ps_a", "agency_officer", "ps").await,
        officer2: account(&app, "ps_b", "agency_officer", "ps").await,
        head: account(&app, "ps_head", "agency_head", "ps").await,
        tr_officer: account(&app, "tr_a", "agency_officer", "tr").await,
        mine: s.mines[0][0].clone(),
        app,
        clock,
        office,
    }
}

/// Records a finding for public security on the first mine, due `days` from the test's today
/// (2026-11-28).
async fn record(c: &County, days: i64) -> FindingId {
    let deadline = (crate::registry::today() + Duration::days(days)).to_string();
    findings::record(
        &c.app,
        &c.office,
        &FindingInput {
            mine: &c.mine,
            source: "joint_inspection",
            category: "explosives",
            description: "炸药库台账与实际库存不符",
            severity: "serious",
            agency: "ps",
            measures: "重新盘点，建立出入库双人签字制度",
            deadline_on: &deadline,
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn state(c: &County, id: FindingId) -> FindingState {
    findings::show(&c.app, &c.office, id).await.unwrap().finding.state
}

async fn head_seq(app: &App) -> i64 {
    let mut conn = app.db.conn().await.unwrap();
    orewatch_storage::audit::head(&mut conn).await.unwrap().0
}

/// How many findings the ledger lists to `who` under `filter`.
async fn ledger_total(c: &County, who: &Caller, filter: LedgerFilter) -> i64 {
    findings::ledger(&c.app, who, &filter, 50, 0).await.unwrap().total
}

async fn inbox_ids(c: &County, who: &Caller) -> Vec<(TaskKind, Level)> {
    tasks::inbox(&c.app, who, InboxPart::All)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.task.kind, r.task.level))
        .collect()
}

async fn a_finding_goes_from_recorded_to_verified_and_closed(db: Db) {
    let c = county(db).await;
    let id = record(&c, 30).await;
    assert_eq!(state(&c, id).await, FindingState::Pending);
    // The agency's inbox holds the rectification task; the office's does not.
    assert_eq!(
        inbox_ids(&c, &c.officer).await,
        vec![(TaskKind::Rectify, Level::Open)]
    );
    assert!(inbox_ids(&c, &c.office).await.is_empty());

    let number = findings::issue_notice(&c.app, &c.officer, id).await.unwrap();
    assert_eq!(number, "公安责改〔2026〕1号");
    assert_eq!(state(&c, id).await, FindingState::Rectifying);

    findings::apply_for_closure(
        &c.app,
        &c.officer,
        id,
        "已重新盘点，建立双人签字制度",
        &[EvidenceFile {
            name: "台账.jpg",
            bytes: JPEG,
        }],
    )
    .await
    .unwrap();
    let view = findings::show(&c.app, &c.office, id).await.unwrap();
    assert_eq!(view.finding.state, FindingState::Applied);
    assert_eq!(view.attachments.len(), 1);
    assert_eq!(view.finding.verify_due_on.unwrap().to_string(), "2026-12-08");
    assert_eq!(
        inbox_ids(&c, &c.officer2).await,
        vec![(TaskKind::Verify, Level::Open)]
    );

    // The person who recorded the evidence may not verify it.
    let err = findings::start_review(&c.app, &c.officer, id).await.unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(DenyReason::OwnEvidence)),
        "{err:?}"
    );
    // Another agency may not either.
    let err = findings::start_review(&c.app, &c.tr_officer, id)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");

    findings::start_review(&c.app, &c.officer2, id).await.unwrap();
    // The verification is now the verifier's own.
    assert!(inbox_ids(&c, &c.officer).await.is_empty());
    assert_eq!(
        inbox_ids(&c, &c.officer2).await,
        vec![(TaskKind::Verify, Level::Open)]
    );
    // A colleague may not conclude the verifier's review.
    let err = findings::conclude_review(&c.app, &c.head, id, true, "合格")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::NoLongerAssigned), "{err:?}");

    findings::conclude_review(&c.app, &c.officer2, id, true, "现场核查，台账与库存一致")
        .await
        .unwrap();
    let view = findings::show(&c.app, &c.office, id).await.unwrap();
    assert_eq!(view.finding.state, FindingState::Closed);
    assert!(view.open_tasks.is_empty());
    let kinds: Vec<&str> = view.finding.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["record", "notice", "evidence", "review_start", "pass"]);
    assert!(inbox_ids(&c, &c.officer2).await.is_empty());

    let verification = orewatch_app::audit_log::verify(&c.app, &c.office, None)
        .await
        .unwrap();
    assert!(verification.intact(), "{:?}", verification.report);
}

async fn a_returned_rectification_goes_back_to_the_agency_with_the_reasons(db: Db) {
    let c = county(db).await;
    let id = record(&c, 30).await;
    findings::issue_notice(&c.app, &c.officer, id).await.unwrap();
    findings::apply_for_closure(&c.app, &c.officer, id, "已整改", &[])
        .await
        .unwrap();
    findings::start_review(&c.app, &c.head, id).await.unwrap();
    let err = findings::conclude_review(&c.app, &c.head, id, false, " ")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    findings::conclude_review(&c.app, &c.head, id, false, "双人签字制度未落实")
        .await
        .unwrap();
    let view = findings::show(&c.app, &c.office, id).await.unwrap();
    assert_eq!(view.finding.state, FindingState::Rectifying);
    assert_eq!(view.finding.verify_opinion.as_deref(), Some("双人签字制度未落实"));
    assert_eq!(
        inbox_ids(&c, &c.officer).await,
        vec![(TaskKind::Rectify, Level::Open)]
    );
    // It may apply again, and this time the officer who recorded the first evidence... is still
    // the recorder: another person verifies.
    findings::apply_for_closure(&c.app, &c.officer2, id, "制度已落实", &[])
        .await
        .unwrap();
    let err = findings::start_review(&c.app, &c.officer2, id).await.unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(DenyReason::OwnEvidence)),
        "{err:?}"
    );
    findings::start_review(&c.app, &c.officer, id).await.unwrap();
}

async fn wrong_steps_bad_dates_and_double_submits_change_nothing(db: Db) {
    let c = county(db).await;
    // A deadline in the past.
    let err = findings::record(
        &c.app,
        &c.office,
        &FindingInput {
            mine: &c.mine,
            source: "joint_inspection",
            category: "explosives",
            description: "x",
            severity: "general",
            agency: "ps",
            deadline_on: "2026-11-27",
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        problem(&err),
        Some(&Problem::DeadlineInPast {
            today: "2026-11-28".into()
        })
    );
    // An unknown category, mine and agency are each named.
    let err = findings::record(
        &c.app,
        &c.office,
        &FindingInput {
            mine: "不存在的矿",
            source: "joint_inspection",
            category: "made_up",
            description: "x",
            severity: "general",
            agency: "ps",
            deadline_on: "2026-12-27",
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    let AppError::Invalid(fields) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fields.get("category"), Some(&Problem::CategoryNotListed));
    assert!(fields.get("mine").is_some());
    // An agency records only in its own name.
    let err = findings::record(
        &c.app,
        &c.tr_officer,
        &FindingInput {
            mine: &c.mine,
            source: "agency_inspection",
            category: "explosives",
            description: "x",
            severity: "general",
            agency: "ps",
            deadline_on: "2026-12-27",
            ..Default::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");

    let id = record(&c, 30).await;
    // Closing without verification.
    let before = head_seq(&c.app).await;
    let err = findings::apply_for_closure(&c.app, &c.officer, id, "已整改", &[])
        .await
        .unwrap_err();
    crate::refused!(err, Problem::WrongState { .. });
    findings::issue_notice(&c.app, &c.officer, id).await.unwrap();
    let err = findings::conclude_review(&c.app, &c.officer2, id, true, "合格")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::WrongState { .. });
    // The office coordinates; it does not rectify in an agency's name.
    let err = findings::apply_for_closure(&c.app, &c.office, id, "已整改", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    // A file that is not a photo or a document.
    let err = findings::apply_for_closure(
        &c.app,
        &c.officer,
        id,
        "已整改",
        &[EvidenceFile {
            name: "整改.exe",
            bytes: b"MZ\x90\0",
        }],
    )
    .await
    .unwrap_err();
    crate::refused!(err, Problem::NotEvidence { .. });
    // Sent twice: the second says it is done and changes nothing.
    findings::apply_for_closure(&c.app, &c.officer, id, "已整改", &[])
        .await
        .unwrap();
    let seq = head_seq(&c.app).await;
    let err = findings::apply_for_closure(&c.app, &c.officer, id, "已整改", &[])
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    assert_eq!(head_seq(&c.app).await, seq);
    assert!(seq > before);
}

async fn an_overdue_finding_climbs_to_the_head_at_three_days_and_the_office_at_seven(db: Db) {
    let c = county(db).await;
    let id = record(&c, 2).await; // due 2026-11-30
    findings::issue_notice(&c.app, &c.officer, id).await.unwrap();
    let sweep = |holder: &'static str| {
        let app = c.app.clone();
        async move { tasks::sweep(&app, holder, Duration::minutes(5)).await.unwrap() }
    };
    assert!(sweep("a").await.raised.is_empty());
    let levels = |raised: Vec<Notice>| raised.into_iter().map(|n| n.level).collect::<Vec<_>>();

    // 2026-11-30 00:00 in the county: the deadline day.
    c.clock.advance(Duration::hours(40));
    assert_eq!(levels(sweep("a").await.raised), vec![Level::Reminded]);
    assert!(sweep("a").await.raised.is_empty(), "a step is raised once");
    assert_eq!(
        inbox_ids(&c, &c.officer).await,
        vec![(TaskKind::Rectify, Level::Reminded)]
    );
    assert!(inbox_ids(&c, &c.office).await.is_empty());

    // Overdue by three days (12-04 00:00): the head.
    c.clock.advance(Duration::days(4));
    assert_eq!(levels(sweep("a").await.raised), vec![Level::Head]);
    assert_eq!(
        inbox_ids(&c, &c.head).await,
        vec![(TaskKind::Rectify, Level::Head)]
    );
    assert!(inbox_ids(&c, &c.leader).await.is_empty());
    let overdue = LedgerFilter {
        overdue: true,
        ..Default::default()
    };
    assert_eq!(ledger_total(&c, &c.office, overdue).await, 1);

    // By seven (12-08 00:00): the office and the leaders.
    c.clock.advance(Duration::days(4));
    assert_eq!(levels(sweep("a").await.raised), vec![Level::Office]);
    assert_eq!(
        inbox_ids(&c, &c.office).await,
        vec![(TaskKind::Rectify, Level::Office)]
    );
    assert_eq!(
        inbox_ids(&c, &c.leader).await,
        vec![(TaskKind::Rectify, Level::Office)]
    );
    let counts = tasks::counts(&c.app, &c.office).await.unwrap();
    assert_eq!((counts.all, counts.overdue), (1, 1));

    // The office lists it for supervision with a new deadline: the task follows it, and goes back to
    // the agency alone until that deadline climbs again.
    let err = findings::list_for_supervision(&c.app, &c.office, id, "2026-12-01", "逾期未整改")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::DeadlineInPast { .. });
    findings::list_for_supervision(&c.app, &c.office, id, "2026-12-31", "逾期未整改，挂牌督办")
        .await
        .unwrap();
    let view = findings::show(&c.app, &c.office, id).await.unwrap();
    assert!(
        view.finding.listed_at.is_some() && view.overdue,
        "still late against its own deadline"
    );
    assert!(inbox_ids(&c, &c.office).await.is_empty());
    let listed = LedgerFilter {
        listed: true,
        ..Default::default()
    };
    assert_eq!(ledger_total(&c, &c.leader, listed).await, 1);
    findings::delist(&c.app, &c.office, id, "督办期限调整")
        .await
        .unwrap();
    let kinds: Vec<String> = findings::show(&c.app, &c.office, id)
        .await
        .unwrap()
        .finding
        .events
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["record", "notice", "list", "delist"]);
    // Each step is one audit entry of the task.
    let escalations = fetch_i64(
        &c.app.db,
        "SELECT COUNT(*) FROM audit_entry WHERE action = 'task.escalate' AND note IN ('reminded', 'head', 'office')",
    )
    .await;
    assert_eq!(escalations, Some(3));
}

async fn an_extension_is_asked_before_the_deadline_and_decided_by_the_office(db: Db) {
    let c = county(db).await;
    let id = record(&c, 2).await;
    findings::issue_notice(&c.app, &c.officer, id).await.unwrap();
    let err = findings::request_extension(&c.app, &c.officer, id, "2026-11-29", "设备未到")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::ExtensionNotLater { .. });
    findings::request_extension(&c.app, &c.officer, id, "2026-12-20", "设备未到")
        .await
        .unwrap();
    let err = findings::request_extension(&c.app, &c.officer, id, "2026-12-21", "设备未到")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::ExtensionPending));
    assert_eq!(
        inbox_ids(&c, &c.office).await,
        vec![(TaskKind::DecideExtension, Level::Open)]
    );
    let err = findings::decide_extension(&c.app, &c.head, id, true, "")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    findings::decide_extension(&c.app, &c.office, id, true, "同意")
        .await
        .unwrap();
    let view = findings::show(&c.app, &c.office, id).await.unwrap();
    assert_eq!(view.finding.deadline_on.to_string(), "2026-12-20");
    assert_eq!(view.finding.original_deadline_on.to_string(), "2026-11-30");
    assert!(inbox_ids(&c, &c.office).await.is_empty());
    // The moved deadline: nothing is raised on the old one.
    c.clock.advance(Duration::days(5));
    assert!(tasks::sweep(&c.app, "a", Duration::minutes(5))
        .await
        .unwrap()
        .raised
        .is_empty());
    // Too late to ask once the deadline has passed.
    c.clock.advance(Duration::days(30));
    let err = findings::request_extension(&c.app, &c.officer, id, "2027-02-01", "再延")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::ExtensionTooLate { .. });
}

async fn a_verifier_who_left_the_agency_can_no_longer_conclude(db: Db) {
    let c = county(db).await;
    let id = record(&c, 30).await;
    findings::issue_notice(&c.app, &c.officer, id).await.unwrap();
    findings::apply_for_closure(&c.app, &c.officer, id, "已整改", &[])
        .await
        .unwrap();
    findings::start_review(&c.app, &c.officer2, id).await.unwrap();
    // The verifier moves to the transport bureau.
    let moved = orewatch_app::accounts::find_by_username(&c.app, &c.office, "ps_b")
        .await
        .unwrap()
        .unwrap();
    orewatch_app::accounts::update(
        &c.app,
        &c.office,
        moved.id,
        &orewatch_app::accounts::AccountUpdateInput {
            display_name: "测试用户",
            role: "agency_officer",
            agency: "tr",
            status: "active",
        },
    )
    .await
    .unwrap();
    let now_tr = orewatch_app::accounts::caller_of(
        &orewatch_app::accounts::find_by_username(&c.app, &c.office, "ps_b")
            .await
            .unwrap()
            .unwrap(),
    );
    let err = findings::conclude_review(&c.app, &now_tr, id, true, "合格")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");
    assert_eq!(state(&c, id).await, FindingState::Reviewing);
}

/// Records what the sweep hands to the notifier.
#[derive(Default)]
struct Recording(Mutex<Vec<Notice>>);

impl Notifier for Recording {
    fn deliver(&self, notices: &[Notice]) {
        self.0.lock().unwrap().extend_from_slice(notices);
    }
}

async fn two_app_instances_sweeping_together_raise_each_step_once(db: Db) {
    let c = county(db.clone()).await;
    for days in [1, 2, 3, 4, 5] {
        record(&c, days).await;
    }
    // A second process on the same database, with its own clock at the same time.
    let recording_a = Arc::new(Recording::default());
    let recording_b = Arc::new(Recording::default());
    let a = c.app.clone().with_notifier(recording_a.clone());
    let (b, clock_b) = app(db).await;
    let b = b.with_notifier(recording_b.clone());
    for step in 0..14 {
        c.clock.advance(Duration::days(1));
        clock_b.advance(Duration::days(1));
        // The first holder's lease runs out half-way, so the second takes over.
        let lease = if step < 6 {
            Duration::days(1)
        } else {
            Duration::minutes(5)
        };
        let (ra, rb) = tokio::join!(
            tasks::sweep(&a, "serve-a", lease),
            tasks::sweep(&b, "serve-b", lease)
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert!(
            !(ra.held && rb.held) || step >= 6,
            "step {step}: both held the lease"
        );
    }
    let delivered: usize = recording_a.0.lock().unwrap().len() + recording_b.0.lock().unwrap().len();
    // Five tasks, three steps each.
    assert_eq!(delivered, 15);
    let escalations = fetch_i64(
        &c.app.db,
        "SELECT COUNT(*) FROM audit_entry WHERE action = 'task.escalate' AND note IN ('reminded', 'head', 'office')",
    )
    .await;
    assert_eq!(escalations, Some(15));
}

async fn the_demo_year_holds_findings_in_every_state_some_overdue_escalated_and_listed(db: Db) {
    let (app, _) = app(db).await;
    assert!(orewatch_app::demo::load_if_empty(&app).await.unwrap());
    let office = orewatch_app::accounts::caller_of(
        &orewatch_app::accounts::find_by_username(&app, &Caller::system(), "office")
            .await
            .unwrap()
            .unwrap(),
    );
    let all = |filter: LedgerFilter| {
        let app = app.clone();
        let office = office.clone();
        async move { findings::ledger(&app, &office, &filter, 1_000, 0).await.unwrap() }
    };
    let every = all(LedgerFilter {
        include_closed: true,
        ..Default::default()
    })
    .await;
    // 60 findings of the quarterly inspections' problem lists, one problem item of each of the four
    // joint inspections put on the ledger from its signed record, and the seven findings of drone
    // monitoring that the penalty cases are about.
    assert_eq!(every.total, 71);
    assert!(every.rows.iter().all(|f| f
        .source_ref
        .as_deref()
        .is_some_and(|r| r.contains("联合检查") || r.contains("检〔") || r.contains("监测"))));
    // A penalty case in every state; the one past its 90 days has reached the leaders.
    let cases = orewatch_app::enforcement::cases::list(
        &app,
        &office,
        &orewatch_app::enforcement::cases::CaseFilter {
            include_closed: true,
            ..Default::default()
        },
        100,
        0,
    )
    .await
    .unwrap();
    for state in orewatch_domain::penalty::CaseState::ALL {
        assert!(
            cases.rows.iter().any(|c| c.state == state),
            "no demo case is {state:?}"
        );
    }
    let leader = orewatch_app::accounts::caller_of(
        &orewatch_app::accounts::find_by_username(&app, &Caller::system(), "leader")
            .await
            .unwrap()
            .unwrap(),
    );
    // The ladder: a suspension and a power cut the power company confirmed bind one mine, whose status
    // followed; an order to stop was lifted when its case closed; equipment is sealed at another.
    let mut conn = app.db.conn().await.unwrap();
    let binding = orewatch_storage::measures::binding_by_mine(&mut conn)
        .await
        .unwrap();
    let mines_now = orewatch_storage::mines::all(&mut conn).await.unwrap();
    drop(conn);
    use orewatch_domain::measure::MeasureKind;
    let cut = binding
        .iter()
        .find(|(_, k)| *k == MeasureKind::PowerCut)
        .expect("a power cut in force");
    assert!(binding.contains(&(cut.0, MeasureKind::Suspension)));
    assert!(binding.iter().any(|(_, k)| *k == MeasureKind::Seal));
    assert!(!binding.iter().any(|(_, k)| *k == MeasureKind::StopOrder));
    assert_eq!(
        mines_now.iter().find(|m| m.id == cut.0).unwrap().status,
        orewatch_domain::mine::MineStatus::Suspended
    );
    let leader_inbox = tasks::inbox(&app, &leader, InboxPart::All).await.unwrap();
    assert!(leader_inbox
        .rows
        .iter()
        .any(|r| r.task.kind == orewatch_domain::task::TaskKind::CaseDecide));
    // 行刑衔接: a referral concluded, one in reconsideration, one awaiting the head; the case never
    // referred is flagged and its flag is in the leaders' inbox; the late referral's flags disposed of.
    use orewatch_domain::referral::RefState;
    let referrals = orewatch_app::enforcement::referrals::list(&app, &office, None)
        .await
        .unwrap();
    for state in [RefState::Concluded, RefState::Reconsidering, RefState::Reported] {
        assert!(
            referrals.iter().any(|r| r.state == state),
            "no demo referral is {state:?}"
        );
    }
    let flags = orewatch_app::enforcement::flags::list(&app, &leader, None)
        .await
        .unwrap();
    assert!(flags.iter().any(|f| f.disposed_at.is_none()));
    assert!(flags.iter().any(|f| f.disposition.is_some()));
    assert!(leader_inbox
        .rows
        .iter()
        .any(|r| r.task.kind == orewatch_domain::task::TaskKind::DisposeFlag));
    let opinions = orewatch_app::enforcement::opinions::list(&app, &office, None)
        .await
        .unwrap();
    assert!(
        opinions.iter().any(|(o, _)| o.answered_on.is_some())
            && opinions.iter().any(|(o, _)| o.answered_on.is_none())
    );
    // Two consultations, their minutes issued; of their decisions some done, one long overdue with the
    // leaders; the absent agency shows in the year's attendance.
    let meetings = orewatch_app::meetings::list(&app, &office).await.unwrap();
    assert_eq!(meetings.len(), 2);
    assert!(meetings
        .iter()
        .all(|m| m.state == orewatch_domain::meeting::MeetingState::Issued));
    assert!(leader_inbox
        .rows
        .iter()
        .any(|r| r.task.kind == orewatch_domain::task::TaskKind::MeetingDecision));
    let plans = orewatch_app::inspections::plans::plans(&app, &office)
        .await
        .unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].state, orewatch_domain::inspection::PlanState::Approved);
    let plan = orewatch_app::inspections::plans::show(&app, &office, plans[0].id)
        .await
        .unwrap();
    assert!(plan.plan.events.iter().any(|e| e.kind == "return"));
    assert!(plan.missing_quarters.is_empty() && plan.missing_mines.is_empty());
    let today = orewatch_domain::task::local_date(app.now());
    let mut held = 0;
    let mut drawn = Vec::new();
    for year in [today.year() - 1, today.year()] {
        for i in orewatch_app::inspections::acts::inspections(&app, &office, year)
            .await
            .unwrap()
        {
            if i.drawn {
                drawn.push(i);
                continue;
            }
            assert!(i.closed, "{} is not closed", i.title);
            assert_eq!(i.acts, i64::try_from(i.mines.len() * i.agencies.len()).unwrap());
            assert!(i.agencies.len() >= 3);
            held += 1;
        }
    }
    assert_eq!(held, 4);
    // 双随机: a summer draw held and signed, and one for next week whose list only the office sees;
    // both replay from their stored seed and inputs.
    drawn.sort_by_key(|i| i.inspect_on);
    assert_eq!(drawn.len(), 2, "{drawn:?}");
    assert!(drawn[0].closed && drawn[0].inspect_on < today);
    assert!(!drawn[1].closed && drawn[1].inspect_on > today && !drawn[1].mines.is_empty());
    let ps_officer = orewatch_app::accounts::caller_of(
        &orewatch_app::accounts::find_by_username(&app, &Caller::system(), "ps_officer")
            .await
            .unwrap()
            .unwrap(),
    );
    for i in &drawn {
        let view = orewatch_app::inspections::draws::of_inspection(&app, &office, i.id)
            .await
            .unwrap()
            .unwrap();
        assert!(view.replays);
        let seen = orewatch_app::inspections::acts::show(&app, &ps_officer, i.id)
            .await
            .unwrap();
        assert_eq!(seen.hidden, i.inspect_on > today);
    }
    // The demo's site photos carry the time and place of their inspection, inside the county.
    let photos: Vec<(Option<f64>, Option<f64>)> = {
        let mut conn = app.db.conn().await.unwrap();
        let mut out = Vec::new();
        for id in 1..=6 {
            if let Some(act) = orewatch_storage::acts::find_act(&mut conn, orewatch_domain::ActId(id))
                .await
                .unwrap()
            {
                out.extend(act.photos.iter().map(|p| (p.lat, p.lon)));
            }
        }
        out
    };
    assert!(!photos.is_empty());
    for (lat, lon) in photos {
        let (lat, lon) = (lat.unwrap(), lon.unwrap());
        assert!(
            (24.0..25.0).contains(&lat) && (109.0..111.0).contains(&lon),
            "{lat}, {lon}"
        );
    }
    // Three quarters of the plan's year are held (one with a random draw besides); its fourth
    // quarter's mines are still to come.
    let coverage = orewatch_app::inspections::acts::coverage(&app, &office, today.year())
        .await
        .unwrap();
    assert!(
        coverage.quarters.iter().take(3).all(|q| q.1 == 1 && q.3 >= 1),
        "{:?}",
        coverage.quarters
    );
    for state in FindingState::ALL {
        let n = every.rows.iter().filter(|f| f.state == state).count();
        assert!(n > 0, "no demo finding is {state:?}");
    }
    assert!(
        all(LedgerFilter {
            overdue: true,
            ..Default::default()
        })
        .await
        .total
            >= 3
    );
    assert!(
        all(LedgerFilter {
            listed: true,
            ..Default::default()
        })
        .await
        .total
            >= 1
    );
    let inbox = tasks::inbox(&app, &office, InboxPart::All).await.unwrap();
    assert!(
        inbox.rows.iter().any(|r| r.task.level == Level::Office),
        "nothing escalated to the office"
    );
    let verification = orewatch_app::audit_log::verify(&app, &office, None)
        .await
        .unwrap();
    assert!(verification.intact(), "{:?}", verification.report);
}

/// The navigation's counts: when an account's minute turns and nothing changed, the last minute's
/// counts are served at once and the new ones counted in the background; a change is counted at once.
async fn inbox_counts_follow_the_clock_within_a_minute_and_changes_at_once(db: Db) {
    let c = county(db).await;
    record(&c, 1).await;
    let due = orewatch_domain::task::end_of_day(crate::registry::today() + Duration::days(1));
    c.clock.set(due - Duration::seconds(30));
    let before = tasks::counts(&c.app, &c.officer).await.unwrap();
    assert_eq!((before.all, before.overdue), (1, 0));
    // A minute on the task is overdue; the page gets last minute's counts without waiting …
    c.clock.advance(Duration::seconds(60));
    let stale = tasks::counts(&c.app, &c.officer).await.unwrap();
    assert_eq!((stale.all, stale.overdue), (1, 0));
    // … and shortly after, the new count.
    let mut fresh = stale;
    for _ in 0..200 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        fresh = tasks::counts(&c.app, &c.officer).await.unwrap();
        if fresh.overdue == 1 {
            break;
        }
    }
    assert_eq!((fresh.all, fresh.overdue), (1, 1));
    // A new finding is counted on the next page, not a minute later.
    record(&c, 10).await;
    let changed = tasks::counts(&c.app, &c.officer).await.unwrap();
    assert_eq!(changed.all, 2);
}

on_both_backends!(
    inbox_counts_follow_the_clock_within_a_minute_and_changes_at_once,
    the_demo_year_holds_findings_in_every_state_some_overdue_escalated_and_listed,
    a_finding_goes_from_recorded_to_verified_and_closed,
    a_returned_rectification_goes_back_to_the_agency_with_the_reasons,
    wrong_steps_bad_dates_and_double_submits_change_nothing,
    an_overdue_finding_climbs_to_the_head_at_three_days_and_the_office_at_seven,
    an_extension_is_asked_before_the_deadline_and_decided_by_the_office,
    a_verifier_who_left_the_agency_can_no_longer_conclude,
    two_app_instances_sweeping_together_raise_each_step_once,
);
