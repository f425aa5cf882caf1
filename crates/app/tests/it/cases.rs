//! Penalty cases: filed by the head with a carded team, estimated, notified, defended, heard,
//! reviewed from outside the team, decided no heavier than notified, executed and closed — each clock
//! a task that climbs, each wrong step refused with nothing changed.

use crate::problem;
use crate::registry::import_sample;
use crate::{account, app_with};
use chrono::Duration;
use orewatch_app::enforcement::cases::{self, FileInput, NoticeInput, PenaltyInput};
use orewatch_app::inspections::register::{self, CardInput};
use orewatch_app::ledger::findings::{self, FindingInput};
use orewatch_app::{tasks, App, AppError, Caller, Db};
use orewatch_domain::penalty::{CaseState, MineralPrice};
use orewatch_domain::policy::DenyReason;
use orewatch_domain::task::{Level, TaskKind};
use orewatch_domain::Problem;
use orewatch_storage::tasks::InboxPart;
use orewatch_testkit::on_both_backends;

pub(crate) fn id_of(c: &Caller) -> String {
    c.account_id().unwrap().0.to_string()
}

pub(crate) struct County {
    pub(crate) app: App,
    pub(crate) clock: std::sync::Arc<orewatch_app::ManualClock>,
    pub(crate) office: Caller,
    pub(crate) leader: Caller,
    pub(crate) nr_a: Caller,
    pub(crate) nr_b: Caller,
    pub(crate) nr_c: Caller,
    pub(crate) nr_head: Caller,
    pub(crate) mines: Vec<(String, String)>,
}

/// A county whose price table has 建筑用灰岩, and whose calendar knows 2027 when `with_2027` (a test
/// arrangement: only New Year's Day off).
pub(crate) async fn county(db: Db, with_2027: bool) -> County {
    let (app, clock) = app_with(db, |s| {
        if with_2027 {
            let mut y = orewatch_domain::calendar::YearArrangement::default();
            y.off.insert("2027-01-01".parse().unwrap());
            s.cases.calendar.set_year(2027, y).unwrap();
        }
        // 建筑用灰岩 is priced; the other sample minerals are not.
        s.cases.prices.0.insert(
            "建筑用灰岩".into(),
            MineralPrice {
                density_t_m3: 2.7,
                price_fen_t: 5_000,
            },
        );
    })
    .await;
    let office = account(&app, "office1", "office", "").await;
    import_sample(&app, &office, 3, 1).await;
    let mut conn = app.db.conn().await.unwrap();
    let mines = orewatch_storage::mines::all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|m| (m.name.clone(), m.mineral.clone()))
        .collect();
    drop(conn);
    let c = County {
        leader: account(&app, "leader1", "command_leader", "").await,
        nr_a: account(&app, "nr_a", "agency_officer", "nr").await,
        nr_b: account(&app, "nr_b", "agency_officer", "nr").await,
        nr_c: account(&app, "nr_c", "agency_officer", "nr").await,
        nr_head: account(&app, "nr_head", "agency_head", "nr").await,
        mines,
        app,
        clock,
        office,
    };
    for (who, no) in [(&c.nr_a, "45000001"), (&c.nr_b, "45000002")] {
        register::register_card(
            &c.app,
            &c.office,
            &CardInput {
                account: &id_of(who),
                card_no: no,
                valid_until: "2030-12-31",
                recusals: "",
            },
        )
        .await
        .unwrap();
    }
    c
}

pub(crate) async fn finding_at(c: &County, mine: &str) -> orewatch_domain::FindingId {
    findings::record(
        &c.app,
        &c.office,
        &FindingInput {
            mine,
            source: "monitoring",
            category: "out_of_bounds",
            description: "无人机监测发现越出矿区范围开采",
            severity: "major",
            agency: "nr",
            deadline_on: "2026-12-31",
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

pub(crate) fn filing<'a>(mine: &'a str, finding: &'a str, officers: Vec<&'a str>) -> FileInput<'a> {
    FileInput {
        mine,
        findings: vec![finding],
        cause: "越界开采",
        major: "",
        officers,
    }
}

async fn open_task_level(c: &County, id: orewatch_domain::CaseId, kind: TaskKind) -> Option<Level> {
    let view = cases::show(&c.app, &c.office, id).await.unwrap();
    view.open_tasks
        .iter()
        .find(|t| t.task.kind == kind)
        .map(|t| t.task.level)
}

/// The level of the case's open task of `kind` once `days` more days have passed and the sweep ran.
async fn level_after(c: &County, days: i64, id: orewatch_domain::CaseId, kind: TaskKind) -> Option<Level> {
    c.clock.advance(Duration::days(days));
    tasks::sweep(&c.app, "t", Duration::minutes(5)).await.unwrap();
    open_task_level(c, id, kind).await
}

async fn a_case_runs_from_filing_through_hearing_and_review_to_a_decision_no_heavier_than_its_notice(db: Db) {
    let c = county(db, false).await;
    let (mine, mineral) = c.mines[0].clone();
    let finding = finding_at(&c, &mine).await.to_string();
    let (a, b, cc) = (id_of(&c.nr_a), id_of(&c.nr_b), id_of(&c.nr_c));

    // Only the head files; the team needs two officers with valid cards.
    let err = cases::file(&c.app, &c.nr_a, &filing(&mine, &finding, vec![&a, &b]))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    let err = cases::file(&c.app, &c.nr_head, &filing(&mine, &finding, vec![&a]))
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::TooFewOfficers));
    let err = cases::file(&c.app, &c.nr_head, &filing(&mine, &finding, vec![&a, &cc]))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::NoEnforcementCard { .. });
    let id = cases::file(&c.app, &c.nr_head, &filing(&mine, &finding, vec![&a, &b]))
        .await
        .unwrap();
    // The same finding filed again (a double submit) names the open case.
    let err = cases::file(&c.app, &c.nr_head, &filing(&mine, &finding, vec![&a, &b]))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::DuplicateOf { .. });
    let case = cases::show(&c.app, &c.nr_a, id).await.unwrap().case;
    assert_eq!(case.state, CaseState::Investigating);
    assert_eq!(case.decide_by_on.to_string(), "2027-02-26");
    assert_eq!(case.team.len(), 2);
    assert_eq!(case.findings.len(), 1);
    assert!(case.case_no.ends_with("罚立〔2026〕1号"), "{}", case.case_no);
    assert_eq!(
        open_task_level(&c, id, TaskKind::CaseDecide).await,
        Some(Level::Open)
    );

    // The estimate: from the mine's mineral in the price table, never a legal value.
    let err = cases::estimate(&c.app, &c.nr_a, id, "1e3", "无人机测量")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::BadVolume));
    if mineral == "建筑用灰岩" {
        cases::estimate(&c.app, &c.nr_a, id, "1,000", "2026年第四季度无人机测量报告")
            .await
            .unwrap();
        let case = cases::show(&c.app, &c.nr_a, id).await.unwrap().case;
        // 1,000 m³ × 2.7 t/m³ × ¥50/t = ¥135,000.
        assert_eq!(case.estimate.unwrap().value_fen, 13_500_000);
        assert_eq!(case.appraised_fen, None);
    } else {
        let err = cases::estimate(&c.app, &c.nr_a, id, "1000", "测量")
            .await
            .unwrap_err();
        crate::refused!(err, Problem::MineralNotPriced { .. });
    }

    // 告知 on Saturday 28 November: five working days end on Friday 4 December.
    let notice = NoticeInput {
        facts: "该公司越出采矿许可证载明的矿区范围开采",
        evidence: "现场检查笔录、无人机测量报告",
        legal_basis: "《矿产资源法》",
        penalty: PenaltyInput {
            kinds: vec!["fine", "confiscate_ore"],
            fine: "150000",
            gains: "",
        },
        served_on: "",
    };
    cases::notify(&c.app, &c.nr_a, id, &notice).await.unwrap();
    let err = cases::notify(&c.app, &c.nr_a, id, &notice).await.unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    let view = cases::show(&c.app, &c.nr_a, id).await.unwrap();
    assert!(view.heavy);
    assert_eq!(view.case.defence_ends_on.unwrap().to_string(), "2026-12-04");
    assert_eq!(
        open_task_level(&c, id, TaskKind::CaseDefence).await,
        Some(Level::Open)
    );

    // While the period runs, the defence is recorded only after a waiver or a hearing request.
    let err = cases::record_defence(&c.app, &c.nr_a, id, "", "", "")
        .await
        .unwrap_err();
    assert_eq!(
        problem(&err),
        Some(&Problem::DefencePeriodRunning {
            date: "2026-12-04".into()
        })
    );
    cases::record_defence(&c.app, &c.nr_a, id, "当事人认为越界面积有误", "", "1")
        .await
        .unwrap();
    assert_eq!(
        cases::show(&c.app, &c.nr_a, id).await.unwrap().case.state,
        CaseState::Hearing
    );
    assert_eq!(open_task_level(&c, id, TaskKind::CaseDefence).await, None);

    // The host is not an investigator.
    let err = cases::record_hearing(&c.app, &c.nr_b, id, "2026-11-28", &a, "听证笔录")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::HostOnCase));
    cases::record_hearing(&c.app, &c.nr_b, id, "2026-11-28", &cc, "听证笔录")
        .await
        .unwrap();

    // The legal review: not by the team.
    let err = cases::review(&c.app, &c.nr_a, id, true, "同意")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::OwnCase)), "{err:?}");
    cases::review(&c.app, &c.nr_c, id, true, "事实清楚，证据确凿，适用依据正确")
        .await
        .unwrap();

    // The decision: the head only, never heavier than the notice.
    let decision = |fine: &'static str, kinds: Vec<&'static str>| PenaltyInput {
        kinds,
        fine,
        gains: "",
    };
    let err = cases::decide(&c.app, &c.nr_a, id, &decision("100000", vec!["fine"]))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    let err = cases::decide(&c.app, &c.nr_head, id, &decision("200000", vec!["fine"]))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::HeavierThanNotice { .. });
    let err = cases::decide(
        &c.app,
        &c.nr_head,
        id,
        &decision("100000", vec!["fine", "suspension"]),
    )
    .await
    .unwrap_err();
    crate::refused!(err, Problem::HeavierThanNotice { .. });
    cases::decide(
        &c.app,
        &c.nr_head,
        id,
        &decision("100000", vec!["fine", "confiscate_ore"]),
    )
    .await
    .unwrap();
    let err = cases::decide(&c.app, &c.nr_head, id, &decision("100000", vec!["fine"]))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    let case = cases::show(&c.app, &c.nr_a, id).await.unwrap().case;
    assert_eq!(case.state, CaseState::Executing);
    assert!(case.decision_no.as_deref().unwrap().ends_with("罚决〔2026〕1号"));
    assert_eq!(case.payment_due_on.unwrap().to_string(), "2026-12-13");
    assert_eq!(open_task_level(&c, id, TaskKind::CaseDecide).await, None);

    // The execution clock climbs when the payment is late: the head at +3 days, the office at +7.
    // Due at the end of 13 December (China time); on 18 December it has reached the head.
    assert_eq!(
        level_after(&c, 20, id, TaskKind::CaseExecute).await,
        Some(Level::Head)
    );
    assert_eq!(
        level_after(&c, 3, id, TaskKind::CaseExecute).await,
        Some(Level::Office)
    );

    // 结案 by the head; nothing is decided after that.
    let err = cases::close(&c.app, &c.nr_head, id, "", "").await.unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    cases::close(&c.app, &c.nr_head, id, "罚款已缴清，矿产品已没收", "100000")
        .await
        .unwrap();
    let err = cases::decide(&c.app, &c.nr_head, id, &decision("100000", vec!["fine"]))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::WrongState { .. });
    let case = cases::show(&c.app, &c.office, id).await.unwrap().case;
    assert_eq!(case.state, CaseState::Closed);
    assert_eq!(case.paid_fen, Some(10_000_000));
    assert_eq!(open_task_level(&c, id, TaskKind::CaseExecute).await, None);

    let verification = orewatch_app::audit_log::verify(&c.app, &c.office, None)
        .await
        .unwrap();
    assert!(verification.intact(), "{:?}", verification.report);
}

async fn the_ninety_day_clock_reminds_the_head_ten_days_before_and_reaches_the_leaders_when_it_passes(
    db: Db,
) {
    let c = county(db, true).await;
    let (mine, _) = c.mines[1].clone();
    let finding = finding_at(&c, &mine).await.to_string();
    let (a, b) = (id_of(&c.nr_a), id_of(&c.nr_b));
    let id = cases::file(&c.app, &c.nr_head, &filing(&mine, &finding, vec![&a, &b]))
        .await
        .unwrap();
    let in_inbox = |who: Caller| {
        let app = c.app.clone();
        async move {
            tasks::inbox(&app, &who, InboxPart::All)
                .await
                .unwrap()
                .rows
                .iter()
                .any(|r| r.task.kind == TaskKind::CaseDecide && r.record_id == id.to_string())
        }
    };
    assert!(in_inbox(c.nr_head.clone()).await);
    // The decision is the head's: the officers are not given it.
    assert!(!in_inbox(c.nr_a.clone()).await);
    assert!(!in_inbox(c.leader.clone()).await);

    // Filed 28 November, due at the end of 26 February 2027: reminded from 17 February (China time).
    assert_eq!(
        level_after(&c, 80, id, TaskKind::CaseDecide).await,
        Some(Level::Open)
    );
    assert_eq!(
        level_after(&c, 1, id, TaskKind::CaseDecide).await,
        Some(Level::Reminded)
    );
    assert!(!in_inbox(c.leader.clone()).await);
    // The moment the 90 days pass, the office and the leaders see it.
    assert_eq!(
        level_after(&c, 10, id, TaskKind::CaseDecide).await,
        Some(Level::Office)
    );
    assert!(in_inbox(c.leader.clone()).await && in_inbox(c.office.clone()).await);

    // A late decision is still recorded — and its lateness stays in the history. No penalty closes
    // the case at once.
    cases::notify(
        &c.app,
        &c.nr_a,
        id,
        &NoticeInput {
            facts: "事实",
            evidence: "证据",
            legal_basis: "依据",
            penalty: PenaltyInput {
                kinds: vec!["warning"],
                fine: "",
                gains: "",
            },
            served_on: "",
        },
    )
    .await
    .unwrap();
    cases::record_defence(&c.app, &c.nr_a, id, "", "1", "")
        .await
        .unwrap();
    // A warning is not heavy: no hearing right, no review, straight to the decision.
    let case = cases::show(&c.app, &c.nr_a, id).await.unwrap().case;
    assert_eq!(case.state, CaseState::Deciding);
    cases::decide(
        &c.app,
        &c.nr_head,
        id,
        &PenaltyInput {
            kinds: vec!["none"],
            fine: "",
            gains: "",
        },
    )
    .await
    .unwrap();
    let case = cases::show(&c.app, &c.nr_a, id).await.unwrap().case;
    assert_eq!(case.state, CaseState::Closed);
    let decided = case.events.iter().find(|e| e.kind == "decide").unwrap();
    assert!(
        decided
            .note
            .as_deref()
            .unwrap()
            .contains("超过 2027-02-26 的决定期限"),
        "{decided:?}"
    );
    assert!(!in_inbox(c.leader.clone()).await);
}

async fn a_hearing_is_refused_for_a_light_penalty_and_a_heard_period_outside_the_calendar_is_refused(db: Db) {
    let c = county(db, false).await;
    let (mine, _) = c.mines[2].clone();
    let finding = finding_at(&c, &mine).await.to_string();
    let (a, b) = (id_of(&c.nr_a), id_of(&c.nr_b));
    let id = cases::file(&c.app, &c.nr_head, &filing(&mine, &finding, vec![&a, &b]))
        .await
        .unwrap();
    // A notice served when the period runs into a year whose holidays are not configured.
    c.clock.advance(Duration::days(30));
    let light = NoticeInput {
        facts: "事实",
        evidence: "证据",
        legal_basis: "依据",
        penalty: PenaltyInput {
            kinds: vec!["fine"],
            fine: "5000",
            gains: "",
        },
        served_on: "",
    };
    let err = cases::notify(&c.app, &c.nr_a, id, &light).await.unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::HolidaysUnknown { year: 2027 }));
    assert_eq!(
        cases::show(&c.app, &c.nr_a, id).await.unwrap().case.state,
        CaseState::Investigating
    );
    // Served on a day inside the known year, it goes.
    let served = NoticeInput {
        served_on: "2026-12-21",
        ..light.clone()
    };
    cases::notify(&c.app, &c.nr_a, id, &served).await.unwrap();
    let err = cases::record_defence(&c.app, &c.nr_a, id, "", "", "1")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::HearingNotAvailable));
    // Another agency reads the case but does not work it.
    let ps = account(&c.app, "ps_a", "agency_officer", "ps").await;
    assert!(cases::show(&c.app, &ps, id).await.is_ok());
    let err = cases::record_defence(&c.app, &ps, id, "", "1", "")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");
}

async fn the_ladder_suspends_the_mine_stops_power_through_the_power_company_and_lifts_in_order(db: Db) {
    use orewatch_app::enforcement::measures::{self, TakeInput};
    use orewatch_domain::measure::MeasureState;
    use orewatch_domain::mine::MineStatus;
    let c = county(db, false).await;
    let (mine, _) = c.mines[0].clone();
    let finding = finding_at(&c, &mine).await.to_string();
    let (a, b) = (id_of(&c.nr_a), id_of(&c.nr_b));
    let id = cases::file(&c.app, &c.nr_head, &filing(&mine, &finding, vec![&a, &b]))
        .await
        .unwrap();
    let pw = account(&c.app, "pw_a", "agency_officer", "pw").await;
    let mine_status = || {
        let app = c.app.clone();
        let name = mine.clone();
        async move {
            let mut conn = app.db.conn().await.unwrap();
            orewatch_storage::mines::all(&mut conn)
                .await
                .unwrap()
                .into_iter()
                .find(|m| m.name == name)
                .unwrap()
                .status
        }
    };
    let status_before = mine_status().await;
    let take = |kind: &'static str, items: &'static str, emergency: &'static str| TakeInput {
        kind,
        basis: "越界开采，拒不停止",
        items,
        emergency,
    };
    // Power before a suspension: refused, and nothing written.
    let err = measures::take(&c.app, &c.nr_head, id, &take("power_cut", "", ""))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::NeedsSuspension { .. });
    // Only the head takes a measure.
    let err = measures::take(&c.app, &c.nr_a, id, &take("suspension", "", ""))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    let err = measures::take(&c.app, &c.nr_head, id, &take("seal", "", ""))
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::ItemsRequired));
    let err = measures::take(&c.app, &c.nr_head, id, &take("revocation", "", ""))
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::RevocationNotDecided));

    // The suspension: the mine's status follows.
    let suspension = measures::take(&c.app, &c.nr_head, id, &take("suspension", "", ""))
        .await
        .unwrap();
    assert_eq!(mine_status().await, MineStatus::Suspended);
    let err = measures::take(&c.app, &c.nr_head, id, &take("suspension", "", ""))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::MeasureInForce { .. });

    // The power cut: a written notice to the power company, in force 24 hours later once it confirms.
    let cut = measures::take(&c.app, &c.nr_head, id, &take("power_cut", "", ""))
        .await
        .unwrap();
    let m = measures::show(&c.app, &pw, cut).await.unwrap();
    assert_eq!(m.state, MeasureState::Pending);
    assert_eq!(m.effective_at, c.app.now() + Duration::hours(24));
    assert!(m.doc_no.contains("停电〔2026〕1号"), "{}", m.doc_no);
    let inbox = tasks::inbox(&c.app, &pw, InboxPart::All).await.unwrap();
    assert!(inbox.rows.iter().any(|r| r.task.kind == TaskKind::ConfirmMeasure));
    // Unconfirmed, it climbs to the power company's head a day after it was due.
    let pw_head = account(&c.app, "pw_head", "agency_head", "pw").await;
    let level_for = |who: Caller| {
        let app = c.app.clone();
        async move {
            tasks::inbox(&app, &who, InboxPart::All)
                .await
                .unwrap()
                .rows
                .iter()
                .find(|r| r.task.kind == TaskKind::ConfirmMeasure)
                .map(|r| r.task.level)
        }
    };
    assert_eq!(level_for(pw.clone()).await, Some(Level::Open));
    c.clock.advance(Duration::hours(49));
    tasks::sweep(&c.app, "t", Duration::minutes(5)).await.unwrap();
    assert_eq!(level_for(pw_head.clone()).await, Some(Level::Head));
    assert_eq!(level_for(c.office.clone()).await, None);
    let err = measures::confirm(&c.app, &c.nr_a, cut).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");
    measures::confirm(&c.app, &pw, cut).await.unwrap();
    assert_eq!(
        measures::show(&c.app, &pw, cut).await.unwrap().state,
        MeasureState::InForce
    );
    let err = measures::confirm(&c.app, &pw, cut).await.unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });

    // Lifting goes in order: the power cut before the suspension it rests on.
    let err = measures::lift(&c.app, &c.nr_head, suspension, "已整改")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::LiftDependentsFirst { .. });
    let err = measures::lift(&c.app, &c.nr_head, cut, "").await.unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    measures::lift(&c.app, &c.nr_head, cut, "已停止越界开采并回填")
        .await
        .unwrap();
    // The power company confirms the restoration.
    measures::confirm(&c.app, &pw, cut).await.unwrap();
    let err = measures::lift(&c.app, &c.nr_head, cut, "再次解除")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::MeasureNotInForce));
    measures::lift(&c.app, &c.nr_head, suspension, "整改验收合格")
        .await
        .unwrap();
    assert_eq!(mine_status().await, status_before);

    let verification = orewatch_app::audit_log::verify(&c.app, &c.office, None)
        .await
        .unwrap();
    assert!(verification.intact(), "{:?}", verification.report);
}

async fn a_revocation_decided_in_a_case_cancels_the_licence_through_the_registry_and_is_never_lifted(db: Db) {
    use orewatch_app::enforcement::measures::{self, TakeInput};
    use orewatch_domain::licence::LicenceState;
    let c = county(db, false).await;
    let (mine, _) = c.mines[1].clone();
    let finding = finding_at(&c, &mine).await.to_string();
    let (a, b) = (id_of(&c.nr_a), id_of(&c.nr_b));
    let id = cases::file(&c.app, &c.nr_head, &filing(&mine, &finding, vec![&a, &b]))
        .await
        .unwrap();
    let notice = NoticeInput {
        facts: "越界开采，情节严重",
        evidence: "测量报告",
        legal_basis: "《矿产资源法》",
        penalty: PenaltyInput {
            kinds: vec!["revocation"],
            fine: "",
            gains: "",
        },
        served_on: "",
    };
    cases::notify(&c.app, &c.nr_a, id, &notice).await.unwrap();
    c.clock.advance(Duration::days(8));
    cases::record_defence(&c.app, &c.nr_a, id, "", "", "")
        .await
        .unwrap();
    cases::review(&c.app, &c.nr_c, id, true, "同意").await.unwrap();
    cases::decide(
        &c.app,
        &c.nr_head,
        id,
        &PenaltyInput {
            kinds: vec!["revocation"],
            fine: "",
            gains: "",
        },
    )
    .await
    .unwrap();
    let revoke = TakeInput {
        kind: "revocation",
        basis: "依据处罚决定吊销采矿许可证",
        items: "",
        emergency: "",
    };
    let m = measures::take(&c.app, &c.nr_head, id, &revoke).await.unwrap();
    let licences = {
        let mut conn = c.app.db.conn().await.unwrap();
        let mine_id = orewatch_storage::mines::all(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.name == mine)
            .unwrap()
            .id;
        orewatch_storage::licences::for_mine(&mut conn, mine_id)
            .await
            .unwrap()
    };
    assert!(!licences.is_empty());
    assert!(licences.iter().all(|l| l.state == LicenceState::Cancelled));
    let err = measures::lift(&c.app, &c.nr_head, m, "企业申请")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::NotLiftable));
    let verification = orewatch_app::audit_log::verify(&c.app, &c.office, None)
        .await
        .unwrap();
    assert!(verification.intact(), "{:?}", verification.report);
}

on_both_backends!(
    a_revocation_decided_in_a_case_cancels_the_licence_through_the_registry_and_is_never_lifted,
    the_ladder_suspends_the_mine_stops_power_through_the_power_company_and_lifts_in_order,
    a_case_runs_from_filing_through_hearing_and_review_to_a_decision_no_heavier_than_its_notice,
    the_ninety_day_clock_reminds_the_head_ten_days_before_and_reaches_the_leaders_when_it_passes,
    a_hearing_is_refused_for_a_light_penalty_and_a_heard_period_outside_the_calendar_is_refused,
);
