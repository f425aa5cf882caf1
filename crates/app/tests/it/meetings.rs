//! 会商: the office convenes, records attendance, agenda and decisions (each with an owner and a
//! deadline) and issues the minutes; the decisions become tasks — one reported done by its owner, the
//! other overdue and climbing to the head and the leaders; attendance is counted for the assessment.

use crate::account;
use crate::cases::county;
use crate::problem;
use chrono::Duration;
use orewatch_app::meetings::{self, ConveneInput, ItemInput};
use orewatch_app::{tasks, AppError, Db};
use orewatch_domain::meeting::MeetingState;
use orewatch_domain::policy::DenyReason;
use orewatch_domain::task::{Level, TaskKind};
use orewatch_domain::{AgencyCode, Problem};
use orewatch_storage::tasks::InboxPart;
use orewatch_testkit::on_both_backends;

async fn a_consultation_decides_two_tasks_one_done_the_other_overdue_and_escalated(db: Db) {
    let c = county(db, false).await;
    let ps_officer = account(&c.app, "ps_o", "agency_officer", "ps").await;
    let tr_officer = account(&c.app, "tr_o", "agency_officer", "tr").await;
    let input = ConveneInput {
        kind: "special",
        title: "越界开采专项整治会商",
        held_on: "2026-11-28",
        place: "县自然资源局三楼会议室",
        chair: "副指挥长",
        agencies: vec!["nr", "ps", "pw"],
    };
    // Only the office convenes; a consultation needs its agencies.
    let err = meetings::convene(&c.app, &c.nr_head, &input).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    let err = meetings::convene(
        &c.app,
        &c.office,
        &ConveneInput {
            agencies: vec![],
            ..input.clone()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    let id = meetings::convene(&c.app, &c.office, &input).await.unwrap();

    // A decision needs an owner and a deadline not before the meeting.
    let err = meetings::add_decision(&c.app, &c.office, id, "开展联合执法", "", "2026-12-15")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::DecisionOwnerRequired));
    let err = meetings::add_decision(&c.app, &c.office, id, "开展联合执法", "ps", "2026-11-01")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::DeadlineBeforeMeeting { .. });
    let done = meetings::add_decision(
        &c.app,
        &c.office,
        id,
        "对越界开采点开展联合执法",
        "ps",
        "2026-12-15",
    )
    .await
    .unwrap();
    let late = meetings::add_decision(
        &c.app,
        &c.office,
        id,
        "对停产整顿矿山停止供电",
        "pw",
        "2026-12-05",
    )
    .await
    .unwrap();

    // The minutes wait for the attendance and an agenda item.
    let err = meetings::issue(&c.app, &c.office, id, "会议纪要正文")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AttendanceUnrecorded { .. });
    meetings::record_attendance(&c.app, &c.office, id, "nr", "present", "黎振宇")
        .await
        .unwrap();
    meetings::record_attendance(&c.app, &c.office, id, "ps", "delegated", "钟晓峰")
        .await
        .unwrap();
    meetings::record_attendance(&c.app, &c.office, id, "pw", "absent", "")
        .await
        .unwrap();
    let err = meetings::record_attendance(&c.app, &c.office, id, "tr", "present", "")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::NotFound), "not invited");
    let err = meetings::issue(&c.app, &c.office, id, "会议纪要正文")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::NoAgenda));
    let mine = c.mines[0].0.clone();
    meetings::add_item(
        &c.app,
        &c.office,
        id,
        &ItemInput {
            title: "某石场越界开采问题",
            discussion: "自然资源局通报无人机监测结果",
            mine: &mine,
            ..ItemInput::default()
        },
    )
    .await
    .unwrap();
    // Before the minutes are issued a decision is not yet a task.
    let err = meetings::complete_decision(&c.app, &ps_officer, done, "已完成")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::WrongState { .. });
    meetings::issue(
        &c.app,
        &c.office,
        id,
        "会议听取了自然资源局的通报，议定如下事项。",
    )
    .await
    .unwrap();
    let err = meetings::issue(&c.app, &c.office, id, "再次印发")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::MinutesIssued));
    let err = meetings::add_decision(&c.app, &c.office, id, "补充事项", "ps", "2026-12-30")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::MinutesIssued));
    let view = meetings::show(&c.app, &c.leader, id).await.unwrap();
    assert_eq!(view.meeting.state, MeetingState::Issued);
    assert!(view
        .meeting
        .minutes_no
        .as_deref()
        .unwrap()
        .starts_with("矿监纪〔2026〕"));
    assert_eq!(view.meeting.items[0].mine_name.as_deref(), Some(mine.as_str()));
    assert!(view.decisions.iter().all(|d| d.task.is_some()));

    // One is done by its owner (not by another agency), once.
    let err = meetings::complete_decision(&c.app, &tr_officer, done, "已完成")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");
    meetings::complete_decision(&c.app, &ps_officer, done, "12月3日开展联合执法，查扣挖掘机2台")
        .await
        .unwrap();
    let err = meetings::complete_decision(&c.app, &ps_officer, done, "重复")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });

    // The other goes overdue: the power company's head at +3 days, the office and leaders at +7.
    c.clock.advance(Duration::days(11));
    tasks::sweep(&c.app, "t", Duration::minutes(5)).await.unwrap();
    let level = |view: &meetings::MeetingView, id: orewatch_domain::DecisionId| {
        view.decisions
            .iter()
            .find(|d| d.decision.id == id)
            .and_then(|d| d.task.as_ref().map(|t| t.task.level))
    };
    let view = meetings::show(&c.app, &c.office, id).await.unwrap();
    assert_eq!(level(&view, done), None);
    assert_eq!(level(&view, late), Some(Level::Head));
    c.clock.advance(Duration::days(4));
    tasks::sweep(&c.app, "t", Duration::minutes(5)).await.unwrap();
    let inbox = tasks::inbox(&c.app, &c.leader, InboxPart::All).await.unwrap();
    assert!(inbox
        .rows
        .iter()
        .any(|t| t.task.kind == TaskKind::MeetingDecision && t.task.level == Level::Office));

    // Attendance for the yearly assessment.
    let year = meetings::attendance(&c.app, &c.leader, 2026).await.unwrap();
    let of = |code: &str| year.get(&AgencyCode::parse(code).unwrap()).copied().unwrap();
    assert_eq!((of("nr").invited, of("nr").attended), (1, 1));
    assert_eq!((of("ps").attended, of("pw").absent), (1, 1));
    assert_eq!(of("pw").rate_percent(), Some(0));
    assert!(meetings::attendance(&c.app, &c.leader, 2025)
        .await
        .unwrap()
        .is_empty());
}

on_both_backends!(a_consultation_decides_two_tasks_one_done_the_other_overdue_and_escalated);
