//! 行刑衔接: a referral reported by the case team, approved by a head outside it, transferred with its
//! package, refused by the police, reconsidered, supervised, filed on the procuratorate's notice,
//! handed over and answered — every clock a task that climbs; the 应移未移 flags raised by the sweep
//! and by a fine, disposed of by the head in writing; the procuratorate's opinions answered in time.

use crate::account;
use crate::cases::{county, filing, finding_at, id_of, County};
use crate::problem;
use chrono::Duration;
use orewatch_app::enforcement::cases::{self, NoticeInput, PenaltyInput};
use orewatch_app::enforcement::referrals::{self, ReportInput, StepInput};
use orewatch_app::enforcement::{flags, opinions};
use orewatch_app::evidence::EvidenceFile;
use orewatch_app::inspections::register::{self, CardInput};
use orewatch_app::{tasks, AppError, Caller, Db};
use orewatch_domain::flag::{FlagRule, StoredGrounds};
use orewatch_domain::policy::DenyReason;
use orewatch_domain::referral::{RefState, RefStep};
use orewatch_domain::task::{Level, TaskKind};
use orewatch_domain::{Problem, RecordType, ReferralId};
use orewatch_storage::tasks::InboxPart;
use orewatch_testkit::on_both_backends;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read};

/// A case at the mine of 建筑用灰岩 (priced), filed by the head with nr_a and nr_b, its ore estimated
/// at 1,000 m³ × 2.7 t/m³ × ¥50/t = ¥135,000 — over the ¥100,000 standard.
async fn case_over_threshold(c: &County, nth: usize) -> orewatch_domain::CaseId {
    let mine = c
        .mines
        .iter()
        .filter(|(_, mineral)| mineral == "建筑用灰岩")
        .nth(nth)
        .expect("a priced mine")
        .0
        .clone();
    let finding = finding_at(c, &mine).await.to_string();
    let (a, b) = (id_of(&c.nr_a), id_of(&c.nr_b));
    let id = cases::file(&c.app, &c.nr_head, &filing(&mine, &finding, vec![&a, &b]))
        .await
        .unwrap();
    cases::estimate(&c.app, &c.nr_a, id, "1000", "无人机测量报告")
        .await
        .unwrap();
    id
}

async fn task_level(c: &County, referral: ReferralId, kind: TaskKind) -> Option<(Level, String)> {
    let view = referrals::show(&c.app, &c.office, referral).await.unwrap();
    view.open_tasks
        .iter()
        .find(|t| t.task.kind == kind)
        .map(|t| (t.task.level, t.task.due_at.format("%Y-%m-%d %H:%M").to_string()))
}

fn note(text: &str) -> StepInput<'_> {
    StepInput {
        note: text,
        ..StepInput::default()
    }
}

/// `who` takes `step` on referral `id` with a note.
async fn take(c: &County, who: &Caller, id: ReferralId, step: RefStep, text: &str) -> Result<(), AppError> {
    referrals::step(&c.app, who, id, step, &note(text)).await
}

async fn sweep(c: &County) -> usize {
    tasks::sweep(&c.app, "t", Duration::minutes(5))
        .await
        .unwrap()
        .raised_by("flags")
}

async fn state(c: &County, id: ReferralId) -> RefState {
    referrals::show(&c.app, &c.office, id)
        .await
        .unwrap()
        .referral
        .state
}

async fn a_referral_to_public_security_runs_from_report_to_result_with_every_clock(db: Db) {
    let c = county(db, false).await;
    let ps_officer = account(&c.app, "ps_o", "agency_officer", "ps").await;
    let case_id = case_over_threshold(&c, 0).await;
    let report = ReportInput {
        receiver: "ps",
        suspected: "非法采矿罪",
        report: "越界开采建筑用灰岩约 1000 立方米，估算价值 135,000 元，达到非法采矿罪立案标准",
        ..ReportInput::default()
    };
    // Only the case's agency reports; a report needs its content.
    let err = referrals::report(&c.app, &ps_officer, case_id, &report)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");
    let err = referrals::report(
        &c.app,
        &c.nr_a,
        case_id,
        &ReportInput {
            report: " ",
            ..report.clone()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    let id = referrals::report(&c.app, &c.nr_a, case_id, &report)
        .await
        .unwrap();
    // A second report while this one runs (a double submit) is refused.
    let err = referrals::report(&c.app, &c.nr_a, case_id, &report)
        .await
        .unwrap_err();
    crate::refused!(err, Problem::ReferralOpen { .. });

    // The head decides within 3 days (filed 28 November: by the end of 1 December, China time); the
    // office and leaders are told when the day passes.
    assert_eq!(
        task_level(&c, id, TaskKind::DecideReferral).await,
        Some((Level::Open, "2026-12-01 16:00".into()))
    );
    c.clock.advance(Duration::days(4));
    sweep(&c).await;
    assert_eq!(
        task_level(&c, id, TaskKind::DecideReferral).await.map(|t| t.0),
        Some(Level::Office)
    );
    // An officer does not decide; the head does, once.
    let err = take(&c, &c.nr_b, id, RefStep::Approve, "").await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    take(&c, &c.nr_head, id, RefStep::Approve, "同意移送")
        .await
        .unwrap();
    let err = take(&c, &c.nr_head, id, RefStep::Refuse, "理由")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::WrongState { .. });
    let err = take(&c, &c.nr_head, id, RefStep::Approve, "").await.unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    let view = referrals::show(&c.app, &c.office, id).await.unwrap();
    assert!(
        view.referral
            .referral_no
            .as_deref()
            .unwrap()
            .ends_with("移〔2026〕1号"),
        "{:?}",
        view.referral.referral_no
    );
    assert_eq!(task_level(&c, id, TaskKind::DecideReferral).await, None);

    // The transfer within 24 hours of the approval: approved at 08:00 UTC on 2 December, it is due at
    // 08:00 on the 3rd, and the head is told the moment it passes.
    assert_eq!(
        task_level(&c, id, TaskKind::TransferReferral).await,
        Some((Level::Open, "2026-12-03 08:00".into()))
    );
    c.clock.advance(Duration::hours(25));
    sweep(&c).await;
    assert_eq!(
        task_level(&c, id, TaskKind::TransferReferral).await.map(|t| t.0),
        Some(Level::Head)
    );
    // The five documents: the items list, and an appraisal or the reason there is none.
    let err = take(&c, &c.nr_a, id, RefStep::Transfer, "").await.unwrap_err();
    assert_eq!(
        problem(&err),
        Some(&Problem::PackageIncomplete {
            missing: "涉案物品清单、有关检验报告或者鉴定意见".into()
        })
    );
    let transfer = StepInput {
        items: "挖掘机 1 台（已查封）；灰岩矿石约 300 吨",
        no_appraisal_reason: "价值鉴定已委托，鉴定意见出具后补送",
        ..StepInput::default()
    };
    referrals::step(&c.app, &c.nr_a, id, RefStep::Transfer, &transfer)
        .await
        .unwrap();
    let view = referrals::show(&c.app, &c.office, id).await.unwrap();
    assert_eq!(view.referral.state, RefState::Transferred);
    // The package: a zip whose SHA-256 is kept, holding the five documents and an index whose hashes
    // match every file.
    let package = view
        .attachments
        .iter()
        .find(|a| a.file_name.ends_with(".zip"))
        .expect("the package");
    let (_, bytes) = referrals::file(&c.app, &c.leader, package.id).await.unwrap();
    assert_eq!(
        Some(hex::encode(Sha256::digest(&bytes))),
        view.referral.package_sha256
    );
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut sums = String::new();
    zip.by_name("SHA256SUMS")
        .unwrap()
        .read_to_string(&mut sums)
        .unwrap();
    let mut folders = std::collections::BTreeSet::new();
    for line in sums.lines() {
        let (hash, path) = line.split_once("  ").unwrap();
        let mut data = Vec::new();
        zip.by_name(path).unwrap().read_to_end(&mut data).unwrap();
        assert_eq!(hex::encode(Sha256::digest(&data)), hash, "{path}");
        folders.insert(path.split('/').next().unwrap().to_string());
    }
    assert_eq!(
        folders.into_iter().collect::<Vec<_>>(),
        vec![
            "1-涉嫌犯罪案件移送书",
            "2-涉嫌犯罪案件情况的调查报告",
            "3-涉案物品清单",
            "4-有关检验报告或者鉴定意见",
            "5-其他有关涉嫌犯罪的材料"
        ]
    );
    let mut letter = String::new();
    zip.by_name("1-涉嫌犯罪案件移送书/涉嫌犯罪案件移送书.html")
        .unwrap()
        .read_to_string(&mut letter)
        .unwrap();
    assert!(
        letter.contains("非法采矿罪") && letter.contains("移〔2026〕1号"),
        "{letter}"
    );
    // The case summary labels the estimate and writes its history in the county's time (filed at
    // 08:00 UTC = 16:00 China time on 28 November).
    let mut summary = String::new();
    zip.by_name("5-其他有关涉嫌犯罪的材料/案件基本情况.html")
        .unwrap()
        .read_to_string(&mut summary)
        .unwrap();
    assert!(summary.contains("估算，非认定价值"), "{summary}");
    assert!(summary.contains("2026-11-28 16:00"), "{summary}");
    assert!(!summary.contains("T08:00"), "{summary}");

    // Public security acknowledges in the platform — not the referring agency for it.
    let err = take(&c, &c.nr_a, id, RefStep::Acknowledge, "").await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");
    take(&c, &ps_officer, id, RefStep::Acknowledge, "已签收")
        .await
        .unwrap();
    // It decides within 3 days; it declines, with reasons.
    assert_eq!(
        task_level(&c, id, TaskKind::FileReferral).await.map(|t| t.1),
        Some("2026-12-06 16:00".into())
    );
    let err = take(&c, &ps_officer, id, RefStep::Decline, "").await.unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    take(&c, &ps_officer, id, RefStep::Decline, "价值未经鉴定，证据不足")
        .await
        .unwrap();
    // The agency has 3 days to ask for reconsideration; it asks once.
    assert!(task_level(&c, id, TaskKind::AskReferral).await.is_some());
    take(&c, &c.nr_a, id, RefStep::Reconsider, "已补充测量报告")
        .await
        .unwrap();
    assert_eq!(state(&c, id).await, RefState::Reconsidering);
    take(&c, &ps_officer, id, RefStep::Decline, "复议维持不予立案")
        .await
        .unwrap();
    let err = take(&c, &c.nr_a, id, RefStep::Reconsider, "再次复议")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AlreadyAsked { .. });
    // Then the procuratorate: the police explain within 7 days; told to file, they file within 15.
    take(&c, &c.nr_a, id, RefStep::Supervise, "建议检察院立案监督")
        .await
        .unwrap();
    assert_eq!(
        task_level(&c, id, TaskKind::ExplainReferral).await.map(|t| t.1),
        Some("2026-12-10 16:00".into())
    );
    c.clock.advance(Duration::days(9));
    sweep(&c).await;
    assert_eq!(
        task_level(&c, id, TaskKind::ExplainReferral).await.map(|t| t.0),
        Some(Level::Head)
    );
    take(&c, &ps_officer, id, RefStep::Explain, "不立案理由说明")
        .await
        .unwrap();
    take(&c, &c.nr_a, id, RefStep::Order, "检察院通知立案")
        .await
        .unwrap();
    assert_eq!(
        task_level(&c, id, TaskKind::FileReferral).await.map(|t| t.1),
        Some("2026-12-27 16:00".into())
    );
    // Filing needs the police's case number; the items follow within 3 days.
    let err = take(&c, &ps_officer, id, RefStep::File, "").await.unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    referrals::step(
        &c.app,
        &ps_officer,
        id,
        RefStep::File,
        &StepInput {
            police_case_no: "鹿公立字〔2026〕118号",
            ..StepInput::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(task_level(&c, id, TaskKind::FileReferral).await, None);
    assert!(task_level(&c, id, TaskKind::HandOverReferral).await.is_some());
    take(&c, &c.nr_a, id, RefStep::HandOver, "挖掘机及矿石已移交")
        .await
        .unwrap();
    take(&c, &ps_officer, id, RefStep::Feedback, "已移送审查起诉")
        .await
        .unwrap();
    let err = take(&c, &ps_officer, id, RefStep::Feedback, "重复")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    let view = referrals::show(&c.app, &c.office, id).await.unwrap();
    assert_eq!(view.referral.state, RefState::Concluded);
    assert!(view.open_tasks.is_empty());
    assert_eq!(
        view.referral.police_case_no.as_deref(),
        Some("鹿公立字〔2026〕118号")
    );
    // The head's late approval let the case sit unreferred past its 3 days: the sweep that climbed
    // the decision task flagged it too. Referred since, it gets no other flag, however long it waits.
    c.clock.advance(Duration::days(30));
    sweep(&c).await;
    let raised: Vec<FlagRule> = flags::list(&c.app, &c.office, Some(case_id))
        .await
        .unwrap()
        .iter()
        .map(|f| f.rule)
        .collect();
    assert_eq!(raised, vec![FlagRule::Value]);
}

async fn a_head_on_the_team_cannot_approve_and_an_outside_body_needs_a_receipt_scan(db: Db) {
    let c = county(db, false).await;
    let head2 = account(&c.app, "nr_head2", "agency_head", "nr").await;
    register::register_card(
        &c.app,
        &c.office,
        &CardInput {
            account: &id_of(&c.nr_head),
            card_no: "45000009",
            valid_until: "2030-12-31",
            recusals: "",
        },
    )
    .await
    .unwrap();
    let mine = c.mines[1].0.clone();
    let finding = finding_at(&c, &mine).await.to_string();
    let (head, a) = (id_of(&c.nr_head), id_of(&c.nr_a));
    let case_id = cases::file(&c.app, &c.nr_head, &filing(&mine, &finding, vec![&head, &a]))
        .await
        .unwrap();
    let id = referrals::report(
        &c.app,
        &c.nr_head,
        case_id,
        &ReportInput {
            receiver: "procuratorate",
            receiver_name: "鹿寨县人民检察院",
            suspected: "非法采矿罪",
            report: "当事人二年内两次因越界开采受罚后又越界开采",
            ..ReportInput::default()
        },
    )
    .await
    .unwrap();
    // The head who worked the case does not approve its referral.
    let err = take(&c, &c.nr_head, id, RefStep::Approve, "").await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::OwnCase)), "{err:?}");
    take(&c, &head2, id, RefStep::Approve, "").await.unwrap();
    referrals::step(
        &c.app,
        &c.nr_a,
        id,
        RefStep::Transfer,
        &StepInput {
            items: "无涉案物品",
            no_appraisal_reason: "以重复违法情节移送，不以价值为据",
            ..StepInput::default()
        },
    )
    .await
    .unwrap();
    // The procuratorate is outside the platform: the team records its receipt, with the scan.
    let err = take(&c, &c.nr_a, id, RefStep::Acknowledge, "已送达")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    assert_eq!(state(&c, id).await, RefState::Transferred);
    let scan = EvidenceFile {
        name: "回执.pdf",
        bytes: b"%PDF-1.4 receipt",
    };
    referrals::step(
        &c.app,
        &c.nr_a,
        id,
        RefStep::Acknowledge,
        &StepInput {
            note: "检察院案管部门签收",
            files: vec![scan],
            ..StepInput::default()
        },
    )
    .await
    .unwrap();
    let view = referrals::show(&c.app, &c.office, id).await.unwrap();
    assert_eq!(view.referral.state, RefState::Received);
    assert!(view.attachments.iter().any(|a| a.file_name == "回执.pdf"));
    // Its task is the referring agency's (no member agency answers for it).
    let task = view
        .open_tasks
        .iter()
        .find(|t| t.task.kind == TaskKind::FileReferral)
        .unwrap();
    assert!(task.task.assignee.includes(&c.nr_a.actor));
    // A refused report is not a referral; another may be reported after it.
    let other = c.mines[2].0.clone();
    let f2 = finding_at(&c, &other).await.to_string();
    let case2 = cases::file(&c.app, &c.nr_head, &filing(&other, &f2, vec![&head, &a]))
        .await
        .unwrap();
    let r2 = referrals::report(
        &c.app,
        &c.nr_a,
        case2,
        &ReportInput {
            receiver: "agency",
            receiver_agency: "ee",
            suspected: "污染环境罪",
            report: "废水直排",
            ..ReportInput::default()
        },
    )
    .await
    .unwrap();
    let err = take(&c, &head2, r2, RefStep::Refuse, " ").await.unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    take(&c, &head2, r2, RefStep::Refuse, "证据不足，继续调查")
        .await
        .unwrap();
    assert_eq!(state(&c, r2).await, RefState::Refused);
    referrals::report(
        &c.app,
        &c.nr_a,
        case2,
        &ReportInput {
            receiver: "ps",
            suspected: "非法采矿罪",
            report: "补充调查后再次报请",
            ..ReportInput::default()
        },
    )
    .await
    .unwrap();
}

async fn an_unreferred_case_over_the_threshold_is_flagged_and_a_fine_on_it_is_flagged_at_once(db: Db) {
    let c = county(db, false).await;
    let case_id = case_over_threshold(&c, 0).await;
    // Within the 3 days nothing; after them the sweep raises the flag, once. A re-estimate on the
    // third day does not restart the days allowed.
    c.clock.advance(Duration::days(3));
    cases::estimate(&c.app, &c.nr_a, case_id, "1100", "复测")
        .await
        .unwrap();
    assert_eq!(sweep(&c).await, 0);
    c.clock.advance(Duration::days(1));
    assert_eq!(sweep(&c).await, 1);
    assert_eq!(sweep(&c).await, 0);
    let list = flags::list(&c.app, &c.leader, Some(case_id)).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].rule, FlagRule::Value);
    // It says the value is an estimate, not an appraised value.
    assert!(
        matches!(&list[0].details, StoredGrounds::Facts(g) if g.value.as_ref().is_some_and(|v| !v.appraised)),
        "{:?}",
        list[0].details
    );
    // It reaches the leaders' inbox at once.
    let inbox = tasks::inbox(&c.app, &c.leader, InboxPart::All).await.unwrap();
    let flag_task = inbox
        .rows
        .iter()
        .find(|t| t.task.kind == TaskKind::DisposeFlag)
        .expect("the flag in the leaders' inbox");
    assert_eq!(flag_task.task.level, Level::Office);
    assert_eq!(flag_task.record_type, RecordType::CaseFlag);

    // A fine decided without a referral: 以罚代刑, flagged in the decision's own write.
    cases::notify(
        &c.app,
        &c.nr_a,
        case_id,
        &NoticeInput {
            facts: "越界开采",
            evidence: "测量报告",
            legal_basis: "《矿产资源法》",
            penalty: PenaltyInput {
                kinds: vec!["fine"],
                fine: "50000",
                gains: "",
            },
            served_on: "",
        },
    )
    .await
    .unwrap();
    cases::record_defence(&c.app, &c.nr_a, case_id, "无异议", "1", "")
        .await
        .unwrap();
    cases::decide(
        &c.app,
        &c.nr_head,
        case_id,
        &PenaltyInput {
            kinds: vec!["fine"],
            fine: "50000",
            gains: "",
        },
    )
    .await
    .unwrap();
    let list = flags::list(&c.app, &c.office, Some(case_id)).await.unwrap();
    assert_eq!(
        list.iter().map(|f| f.rule).collect::<Vec<_>>(),
        vec![FlagRule::Value, FlagRule::FineInstead]
    );

    // The disposition: the head of the case's agency, in writing, once.
    let flag = list[1].id;
    let err = flags::dispose(&c.app, &c.nr_a, flag, "已处置").await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    let err = flags::dispose(&c.app, &c.nr_head, flag, "  ").await.unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    flags::dispose(&c.app, &c.nr_head, flag, "经集体研究，已补充移送公安机关")
        .await
        .unwrap();
    let err = flags::dispose(&c.app, &c.nr_head, flag, "再次")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    let (shown, may) = flags::show(&c.app, &c.nr_head, flag).await.unwrap();
    assert!(may.is_empty());
    assert_eq!(
        shown.disposition.as_deref(),
        Some("经集体研究，已补充移送公安机关")
    );
    let inbox = tasks::inbox(&c.app, &c.leader, InboxPart::All).await.unwrap();
    assert_eq!(
        inbox
            .rows
            .iter()
            .filter(|t| t.task.kind == TaskKind::DisposeFlag)
            .count(),
        1,
        "the disposed flag has left the inbox, the other stays"
    );
}

async fn an_opinion_of_the_procuratorate_is_answered_by_the_head_within_two_months(db: Db) {
    let c = county(db, false).await;
    let input = opinions::OpinionInput {
        doc_no: "鹿检行意〔2026〕3号",
        from_body: "鹿寨县人民检察院",
        received_on: "2026-11-27",
        summary: "建议对某矿业公司越界开采给予行政处罚",
        mine: &c.mines[0].0,
        case: "",
    };
    let err = opinions::record(&c.app, &c.office, &input).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let err = opinions::record(
        &c.app,
        &c.nr_a,
        &opinions::OpinionInput {
            received_on: "2026-12-01",
            ..input.clone()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::DateInFuture));
    let id = opinions::record(&c.app, &c.nr_a, &input).await.unwrap();
    let err = opinions::record(&c.app, &c.nr_a, &input).await.unwrap_err();
    crate::refused!(err, Problem::DuplicateOf { .. });
    let list = opinions::list(&c.app, &c.leader, None).await.unwrap();
    assert_eq!(list[0].0.answer_by_on.to_string(), "2027-01-27");
    // Unanswered past its day: the office and the leaders are told.
    c.clock.advance(Duration::days(61));
    sweep(&c).await;
    let inbox = tasks::inbox(&c.app, &c.leader, InboxPart::All).await.unwrap();
    assert!(inbox
        .rows
        .iter()
        .any(|t| t.task.kind == TaskKind::AnswerOpinion && t.task.level == Level::Office));
    let err = opinions::answer(&c.app, &c.nr_a, id, "已立案查处")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    opinions::answer(&c.app, &c.nr_head, id, "已立案查处，罚决〔2027〕2号")
        .await
        .unwrap();
    let err = opinions::answer(&c.app, &c.nr_head, id, "重复")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    let inbox = tasks::inbox(&c.app, &c.leader, InboxPart::All).await.unwrap();
    assert!(!inbox.rows.iter().any(|t| t.task.kind == TaskKind::AnswerOpinion));
}

on_both_backends!(
    a_referral_to_public_security_runs_from_report_to_result_with_every_clock,
    a_head_on_the_team_cannot_approve_and_an_outside_body_needs_a_receipt_scan,
    an_unreferred_case_over_the_threshold_is_flagged_and_a_fine_on_it_is_flagged_at_once,
    an_opinion_of_the_procuratorate_is_answered_by_the_head_within_two_months,
);
