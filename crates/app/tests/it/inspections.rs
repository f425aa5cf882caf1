//! The annual plan and the joint inspections: drafting, returning, approving and versions; acts
//! approved with carded officers, filled with photos, signed, and their problems put on the ledger.

use crate::problem;
use crate::registry::import_sample;
use crate::{account, app};
use orewatch_app::inspections::acts::{self, FillInput, PhotoUpload, ProblemInput, ScheduleInput};
use orewatch_app::inspections::draws::{self, DrawRequest};
use orewatch_app::inspections::photos::ExifState;
use orewatch_app::inspections::plans::{self, ItemInput};
use orewatch_app::inspections::register::{self, CardInput};
use orewatch_app::ledger::findings;
use orewatch_app::tasks;
use orewatch_app::{App, AppError, Caller, Db};
use orewatch_domain::finding::FindingSource;
use orewatch_domain::inspection::{ActState, PlanState};
use orewatch_domain::policy::DenyReason;
use orewatch_domain::task::TaskKind;
use orewatch_domain::Problem;
use orewatch_storage::tasks::InboxPart;
use orewatch_testkit::on_both_backends;

const GPS_PHOTO: &[u8] = include_bytes!("../../../../fixtures/photos/DSCN0010.jpg");

struct County {
    app: App,
    clock: std::sync::Arc<orewatch_app::ManualClock>,
    office: Caller,
    county: Caller,
    ps_a: Caller,
    ps_b: Caller,
    ps_c: Caller,
    ps_head: Caller,
    tr_a: Caller,
    tr_b: Caller,
    tr_head: Caller,
    /// Mine ids of the sample registry.
    mines: Vec<i64>,
}

async fn county(db: Db) -> County {
    let (app, clock) = app(db).await;
    let office = account(&app, "office1", "office", "").await;
    import_sample(&app, &office, 3, 1).await;
    let mut conn = app.db.conn().await.unwrap();
    let mines = orewatch_storage::mines::all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id.0)
        .collect();
    drop(conn);
    County {
        county: account(&app, "gov1", "county_government", "").await,
        ps_a: account(&app, "ps_a", "agency_officer", "ps").await,
        ps_b: account(&app, "ps_b", "agency_officer", "ps").await,
        ps_c: account(&app, "ps_c", "agency_officer", "ps").await,
        ps_head: account(&app, "ps_head", "agency_head", "ps").await,
        tr_a: account(&app, "tr_a", "agency_officer", "tr").await,
        tr_b: account(&app, "tr_b", "agency_officer", "tr").await,
        tr_head: account(&app, "tr_head", "agency_head", "tr").await,
        mines,
        app,
        clock,
        office,
    }
}

fn id_of(c: &Caller) -> String {
    c.account_id().unwrap().0.to_string()
}

async fn card(c: &County, who: &Caller, no: &str, recusals: &str) {
    register::register_card(
        &c.app,
        &c.office,
        &CardInput {
            account: &id_of(who),
            card_no: no,
            valid_until: "2030-12-31",
            recusals,
        },
    )
    .await
    .unwrap();
}

async fn add_quarter(c: &County, plan: orewatch_domain::PlanId, quarter: &str) {
    let mines: Vec<String> = c.mines.iter().map(ToString::to_string).collect();
    plans::add_item(
        &c.app,
        &c.office,
        plan,
        &ItemInput {
            quarter,
            title: "季度联合检查",
            lead: "nr",
            agencies: vec!["ps", "em"],
            focus: vec!["open_pit", "operations"],
            mines: mines.iter().map(String::as_str).collect(),
        },
    )
    .await
    .unwrap();
}

async fn a_plan_is_drafted_returned_resubmitted_approved_and_then_changed_only_by_a_new_version(db: Db) {
    let c = county(db).await;
    let plan = plans::new_version(&c.app, &c.office, "2027", "").await.unwrap();
    // A second open version of the same year is refused.
    let err = plans::new_version(&c.app, &c.office, "2027", "")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::DuplicateOf { .. });
    for q in ["1", "2", "3"] {
        add_quarter(&c, plan, q).await;
    }
    // The fourth quarter is missing: refused, naming it.
    let err = plans::submit(&c.app, &c.office, plan).await.unwrap_err();
    match problem(&err) {
        Some(Problem::PlanGaps { gaps }) => assert!(gaps.contains("第4季度"), "{gaps}"),
        other => panic!("{other:?}"),
    }
    add_quarter(&c, plan, "四季度").await;
    // Only the county government decides; the office cannot approve its own plan.
    plans::submit(&c.app, &c.office, plan).await.unwrap();
    let err = plans::decide(&c.app, &c.office, plan, true, "")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    // A submitted plan cannot be edited, and a double submit is "already done".
    let err = plans::submit(&c.app, &c.office, plan).await.unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    let inbox = tasks::inbox(&c.app, &c.county, InboxPart::All).await.unwrap();
    assert_eq!(inbox.rows.len(), 1);
    assert_eq!(inbox.rows[0].task.kind, TaskKind::ApprovePlan);

    // Returned without comments: refused. With comments: back to the office, which revises it.
    let err = plans::decide(&c.app, &c.county, plan, false, " ")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    plans::decide(&c.app, &c.county, plan, false, "第三季度应增加林业部门")
        .await
        .unwrap();
    let view = plans::show(&c.app, &c.office, plan).await.unwrap();
    assert_eq!(view.plan.state, PlanState::Returned);
    assert_eq!(view.plan.comments.as_deref(), Some("第三季度应增加林业部门"));
    let office_inbox = tasks::inbox(&c.app, &c.office, InboxPart::All).await.unwrap();
    assert_eq!(office_inbox.rows[0].task.kind, TaskKind::RevisePlan);
    let item = view
        .plan
        .items
        .iter()
        .find(|i| i.quarter == 3)
        .unwrap()
        .id
        .unwrap();
    plans::remove_item(&c.app, &c.office, plan, item).await.unwrap();
    let mines: Vec<String> = c.mines.iter().map(ToString::to_string).collect();
    plans::add_item(
        &c.app,
        &c.office,
        plan,
        &ItemInput {
            quarter: "3",
            title: "三季度联合检查（含林地）",
            lead: "nr",
            agencies: vec!["ps", "fo"],
            focus: vec!["open_pit"],
            mines: mines.iter().map(String::as_str).collect(),
        },
    )
    .await
    .unwrap();
    plans::submit(&c.app, &c.office, plan).await.unwrap();
    assert!(tasks::inbox(&c.app, &c.office, InboxPart::All)
        .await
        .unwrap()
        .rows
        .is_empty());
    plans::decide(&c.app, &c.county, plan, true, "同意")
        .await
        .unwrap();
    let err = plans::decide(&c.app, &c.county, plan, true, "")
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });

    // Frozen: editing is refused with the way forward; a new version needs a reason.
    let err = plans::remove_item(&c.app, &c.office, plan, item)
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::PlanFrozen));
    let err = plans::new_version(&c.app, &c.office, "2027", "")
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::Required));
    let v2 = plans::new_version(&c.app, &c.office, "2027", "新增一座复产矿山")
        .await
        .unwrap();
    let view2 = plans::show(&c.app, &c.office, v2).await.unwrap();
    assert_eq!(view2.plan.version, 2);
    assert_eq!(view2.plan.items.len(), 4);
    plans::submit(&c.app, &c.office, v2).await.unwrap();
    plans::decide(&c.app, &c.county, v2, true, "").await.unwrap();
    let old = plans::show(&c.app, &c.office, plan).await.unwrap();
    assert_eq!(old.plan.state, PlanState::Superseded);
}

async fn a_joint_inspection_runs_as_two_agencies_acts_and_its_problems_go_on_the_ledger(db: Db) {
    let c = county(db).await;
    card(&c, &c.ps_a, "45020001", "").await;
    card(&c, &c.ps_b, "45020002", "").await;
    card(&c, &c.tr_a, "45020011", "").await;
    card(&c, &c.tr_b, "45020012", "").await;
    let mine = c.mines[0];
    // ps_c is linked to the mine's company and must stand aside.
    let company = {
        let mut conn = c.app.db.conn().await.unwrap();
        let m = orewatch_storage::mines::find(&mut conn, orewatch_domain::MineId(mine))
            .await
            .unwrap()
            .unwrap();
        m.company_name
    };
    card(&c, &c.ps_c, "45020003", &company).await;
    let err = register::register_card(
        &c.app,
        &c.office,
        &CardInput {
            account: &id_of(&c.ps_head),
            card_no: "45020001",
            valid_until: "2030-12-31",
            recusals: "",
        },
    )
    .await
    .unwrap_err();
    crate::refused!(err, Problem::DuplicateOf { .. });

    let mine_s = mine.to_string();
    let (inspection, warnings) = acts::schedule(
        &c.app,
        &c.office,
        &ScheduleInput {
            title: "2026年第四季度联合检查",
            inspect_on: "2026-12-02",
            kind: "special",
            lead: "ps",
            agencies: vec!["tr"],
            mines: vec![&mine_s],
            plan_item: "",
        },
    )
    .await
    .unwrap();
    assert!(warnings.is_empty());
    let view = acts::show(&c.app, &c.office, inspection).await.unwrap();
    assert_eq!(view.acts.len(), 2);
    let ps_act = view.acts.iter().find(|a| a.agency.as_str() == "ps").unwrap().id;
    let tr_act = view.acts.iter().find(|a| a.agency.as_str() == "tr").unwrap().id;
    let head_inbox = tasks::inbox(&c.app, &c.ps_head, InboxPart::All).await.unwrap();
    assert_eq!(head_inbox.rows[0].task.kind, TaskKind::ApproveAct);

    // Approval: the head only, of its own agency, with two carded officers not linked to the company —
    // the office that scheduled it is refused for its role whatever it typed.
    let err = acts::approve(&c.app, &c.office, ps_act, "special", &["not a number"])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    // `who` approves `act` as special, naming `officers`.
    let approve = |who: &Caller, act, officers: &[&Caller]| {
        let ids: Vec<String> = officers.iter().map(|o| id_of(o)).collect();
        let (app, who) = (c.app.clone(), who.clone());
        async move {
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            acts::approve(&app, &who, act, "special", &refs).await
        }
    };
    let err = approve(&c.ps_a, ps_act, &[&c.ps_a, &c.ps_b]).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    let err = approve(&c.tr_head, ps_act, &[&c.ps_a, &c.ps_b])
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");
    let err = approve(&c.ps_head, ps_act, &[&c.ps_a]).await.unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::TooFewOfficers));
    let err = approve(&c.ps_head, ps_act, &[&c.ps_a, &c.ps_head])
        .await
        .unwrap_err();
    crate::refused!(err, Problem::NoEnforcementCard { .. });
    let err = approve(&c.ps_head, ps_act, &[&c.ps_a, &c.ps_c])
        .await
        .unwrap_err();
    crate::refused!(err, Problem::OfficerRecused { .. });
    let no = approve(&c.ps_head, ps_act, &[&c.ps_a, &c.ps_b]).await.unwrap();
    assert_eq!(no, "公安检〔2026〕1号");
    let err = approve(&c.ps_head, ps_act, &[&c.ps_a, &c.ps_b])
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    approve(&c.tr_head, tr_act, &[&c.tr_a, &c.tr_b]).await.unwrap();

    // Filling: only on the day, by the named officers of the act's agency.
    let act = acts::show_act(&c.app, &c.ps_a, ps_act).await.unwrap().act;
    let early = acts::sign(&c.app, &c.ps_a, ps_act).await.unwrap_err();
    crate::refused!(early, Problem::BeforeInspectionDay { .. });
    c.clock.advance(chrono::Duration::days(4));
    let first = act.items[0].id;
    let answers: Vec<(orewatch_domain::ActItemId, &str, &str)> = act
        .items
        .iter()
        .map(|i| {
            if i.id == first {
                (i.id, "problem", "")
            } else {
                (i.id, "compliant", "")
            }
        })
        .collect();
    let site = |answers: Vec<(orewatch_domain::ActItemId, &'static str, &'static str)>| FillInput {
        place: "矿区采场及炸药库",
        person_on_site: "矿长 张三",
        started_at: "2026-12-02 09:00",
        ended_at: "2026-12-02 11:30",
        summary: "检查采场、炸药库及运输道路",
        answers,
    };
    let err = acts::fill(&c.app, &c.tr_a, ps_act, &site(answers.clone()))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");
    let err = acts::fill(&c.app, &c.ps_c, ps_act, &site(answers.clone()))
        .await
        .unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::NotOnAct));
    acts::fill(&c.app, &c.ps_a, ps_act, &site(answers.clone()))
        .await
        .unwrap();
    // A problem without a note cannot be signed.
    let err = acts::sign(&c.app, &c.ps_a, ps_act).await.unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::ProblemWithoutNote { seq: 1 }));
    let mut noted = answers.clone();
    noted[0].2 = "开采范围超出矿区范围约30米";
    acts::fill(&c.app, &c.ps_a, ps_act, &site(noted.clone()))
        .await
        .unwrap();

    // Photos: a camera's GPS photo keeps its time and position; a program is refused; a photo whose
    // EXIF is cut short is kept with its position unknown.
    let facts = acts::add_photo(
        &c.app,
        &c.ps_a,
        ps_act,
        &PhotoUpload {
            name: "采场东侧.jpg",
            bytes: GPS_PHOTO,
            item: Some(first),
        },
    )
    .await
    .unwrap();
    assert_eq!(facts.exif, ExifState::Read);
    assert_eq!(facts.taken_at.as_deref(), Some("2008-10-22 16:28:39"));
    let (lat, lon) = facts.position.unwrap();
    // ExifTool 12.57 reads 43.4674483333333, 11.8851266666639 (fixtures/photos/README.md).
    assert!((lat - 43.467_448_333_333_3).abs() < 1e-9, "{lat}");
    assert!((lon - 11.885_126_666_663_9).abs() < 1e-9, "{lon}");
    let err = acts::add_photo(
        &c.app,
        &c.ps_a,
        ps_act,
        &PhotoUpload {
            name: "photo.jpg",
            bytes: b"MZ\x90\0\x03\0\0\0",
            item: None,
        },
    )
    .await
    .unwrap_err();
    crate::refused!(err, Problem::NotAPhoto { .. });
    let cut = &GPS_PHOTO[..3000];
    let facts = acts::add_photo(
        &c.app,
        &c.ps_b,
        ps_act,
        &PhotoUpload {
            name: "cut.jpg",
            bytes: cut,
            item: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(facts.exif, ExifState::Broken);
    assert_eq!(facts.position, None);
    let photos = acts::show_act(&c.app, &c.office, ps_act)
        .await
        .unwrap()
        .act
        .photos;
    assert_eq!(photos.len(), 2);
    let (photo, bytes) = acts::photo(&c.app, &c.tr_a, ps_act, photos[0].id.unwrap())
        .await
        .unwrap();
    assert_eq!(bytes, GPS_PHOTO);
    assert_eq!(photo.exif, "read");

    acts::sign(&c.app, &c.ps_b, ps_act).await.unwrap();
    let err = acts::sign(&c.app, &c.ps_a, ps_act).await.unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    let err = acts::fill(&c.app, &c.ps_a, ps_act, &site(noted.clone()))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::WrongState { .. });
    assert!(
        !acts::show(&c.app, &c.office, inspection)
            .await
            .unwrap()
            .inspection
            .closed
    );

    // The transport act: everything compliant; its signature closes the joint inspection.
    let tr = acts::show_act(&c.app, &c.tr_a, tr_act).await.unwrap().act;
    let all_ok: Vec<(orewatch_domain::ActItemId, &str, &str)> =
        tr.items.iter().map(|i| (i.id, "compliant", "")).collect();
    let err = acts::sign(&c.app, &c.tr_a, tr_act).await.unwrap_err();
    assert_eq!(problem(&err), Some(&Problem::ItemUnanswered { seq: 1 }));
    acts::fill(&c.app, &c.tr_a, tr_act, &site(all_ok)).await.unwrap();
    acts::sign(&c.app, &c.tr_a, tr_act).await.unwrap();
    let closed = acts::show(&c.app, &c.office, inspection)
        .await
        .unwrap()
        .inspection;
    assert!(closed.closed);
    assert_eq!(closed.acts_signed, 2);

    // The problem goes on the ledger once, as a finding of the act's agency with the record's number.
    let input = ProblemInput {
        severity: "serious",
        deadline_on: "2027-01-31",
        legal_basis: "《矿产资源法》第四十条",
        measures: "停止越界开采，回填恢复",
    };
    let err = acts::to_finding(&c.app, &c.tr_a, ps_act, first, &input)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Scope)), "{err:?}");
    let finding = acts::to_finding(&c.app, &c.ps_a, ps_act, first, &input)
        .await
        .unwrap();
    let err = acts::to_finding(&c.app, &c.ps_a, ps_act, first, &input)
        .await
        .unwrap_err();
    crate::refused!(err, Problem::AlreadyDone { .. });
    let f = findings::show(&c.app, &c.office, finding).await.unwrap().finding;
    assert_eq!(f.source, FindingSource::JointInspection);
    assert_eq!(f.source_ref.as_deref(), Some("公安检〔2026〕1号"));
    assert_eq!(f.agency.as_str(), "ps");
    assert!(f.description.contains("超出矿区范围"));
    let act = acts::show_act(&c.app, &c.office, ps_act).await.unwrap().act;
    assert_eq!(act.state, ActState::Signed);
    assert_eq!(act.items[0].finding_id, Some(finding));

    let coverage = acts::coverage(&c.app, &c.office, 2026).await.unwrap();
    assert_eq!(coverage.quarters[3], (4, 0, 1, 1));
    assert!(!coverage.not_inspected.iter().any(|(id, _)| id.0 == mine));
}

fn draw_request<'a>(per_act: &'a str, ratios: [&'a str; 4]) -> DrawRequest<'a> {
    DrawRequest {
        inspection: ScheduleInput {
            title: "双随机联合抽查",
            inspect_on: "2026-12-02",
            kind: "routine",
            lead: "ps",
            agencies: vec!["tr"],
            mines: Vec::new(),
            plan_item: "",
        },
        ratios,
        per_act,
    }
}

async fn a_draw_follows_the_grades_stays_secret_until_the_day_and_replays_from_its_audit_entry(db: Db) {
    let c = county(db).await;
    let (m0, m1, m2) = (c.mines[0], c.mines[1], c.mines[2]);
    let company0 = {
        let mut conn = c.app.db.conn().await.unwrap();
        orewatch_storage::mines::find(&mut conn, orewatch_domain::MineId(m0))
            .await
            .unwrap()
            .unwrap()
            .company_name
    };
    card(&c, &c.ps_a, "45020001", "").await;
    card(&c, &c.ps_b, "45020002", "").await;
    card(&c, &c.ps_c, "45020003", &company0).await;
    card(&c, &c.tr_a, "45020011", "").await;
    card(&c, &c.tr_b, "45020012", "").await;
    let all = ["100", "100", "0", "0"];

    // Nothing is drawn from mines without a grade; grades are the office's.
    let err = draws::draw(&c.app, &c.office, &draw_request("2", all))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::MinesUngraded { .. });
    let (s0, s1, s2) = (m0.to_string(), m1.to_string(), m2.to_string());
    let grades = [
        (s0.as_str(), "a", "去年越界开采"),
        (s1.as_str(), "b", ""),
        (s2.as_str(), "d", ""),
    ];
    let err = draws::set_grades(&c.app, &c.ps_head, &grades).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
    assert_eq!(draws::set_grades(&c.app, &c.office, &grades).await.unwrap(), 3);
    // The same grades again change nothing and write nothing.
    assert_eq!(draws::set_grades(&c.app, &c.office, &grades).await.unwrap(), 0);
    let err = draws::set_grades(&c.app, &c.office, &[(s0.as_str(), "e", "")])
        .await
        .unwrap_err();
    crate::refused!(err, Problem::Invalid);

    // Bad ratios, too few inspectors (transport has two, three are asked for), nothing drawn.
    let err = draws::draw(&c.app, &c.office, &draw_request("2", ["100", "101", "0", "0"]))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::RatioOutOfRange);
    let err = draws::draw(&c.app, &c.office, &draw_request("3", all))
        .await
        .unwrap_err();
    match problem(&err) {
        Some(Problem::TooFewInspectors {
            agency,
            needed: 3,
            found: 2,
        }) => {
            assert!(!agency.is_empty() && agency != "tr", "named, not coded: {agency}")
        }
        other => panic!("{other:?}"),
    }
    let err = draws::draw(&c.app, &c.office, &draw_request("2", ["0", "0", "0", "0"]))
        .await
        .unwrap_err();
    crate::refused!(err, Problem::NothingDrawn);

    // Grades A and B at 100 %, D at 0 %: the first two mines, and at the first mine public security's
    // inspectors are never ps_c, who is linked to its company.
    let (inspection, _) = draws::draw(&c.app, &c.office, &draw_request("2", all))
        .await
        .unwrap();
    let office_view = acts::show(&c.app, &c.office, inspection).await.unwrap();
    assert!(!office_view.hidden);
    let mut drawn: Vec<i64> = office_view.inspection.mines.iter().map(|m| m.0).collect();
    drawn.sort_unstable();
    let mut expected = vec![m0, m1];
    expected.sort_unstable();
    assert_eq!(drawn, expected);
    assert_eq!(office_view.acts.len(), 4);
    let view = draws::of_inspection(&c.app, &c.office, inspection)
        .await
        .unwrap()
        .unwrap();
    assert!(view.replays);
    let ps = orewatch_domain::AgencyCode::parse("ps").unwrap();
    let at_m0 = draws::drawn_for(&view.draw.result, orewatch_domain::MineId(m0), &ps).unwrap();
    assert_eq!(
        at_m0,
        vec![c.ps_a.account_id().unwrap(), c.ps_b.account_id().unwrap()]
    );

    // The audit entry carries the seed, the inputs and the result: the draw replays from it alone.
    let mut conn = c.app.db.conn().await.unwrap();
    let entries = orewatch_storage::audit::list(
        &mut conn,
        &orewatch_storage::audit::AuditFilter {
            limit: 10_000,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    drop(conn);
    let entry = entries
        .iter()
        .find(|e| e.row.action == orewatch_domain::AuditAction::DrawCreate)
        .unwrap();
    let state: serde_json::Value = serde_json::from_str(entry.row.after_json.as_deref().unwrap()).unwrap();
    let text = |k: &str| state[k].as_str().unwrap().to_string();
    let input: orewatch_domain::draw::DrawInput = serde_json::from_str(&text("input_json")).unwrap();
    let result: orewatch_domain::draw::DrawResult = serde_json::from_str(&text("result_json")).unwrap();
    assert_eq!(text("seed"), input.seed.to_string());
    assert_eq!(orewatch_domain::draw::draw(&input).unwrap(), result);
    assert_eq!(result, view.draw.result);

    // Until the day, an agency sees that the inspection exists, but not its mines, acts or inspectors.
    let act_at_m0 = office_view
        .acts
        .iter()
        .find(|a| a.agency == ps && a.mine_id.0 == m0)
        .unwrap()
        .clone();
    let head_view = acts::show(&c.app, &c.ps_head, inspection).await.unwrap();
    assert!(head_view.hidden && head_view.acts.is_empty() && head_view.inspection.mines.is_empty());
    assert!(draws::of_inspection(&c.app, &c.ps_head, inspection)
        .await
        .unwrap()
        .is_none());
    let err = acts::show_act(&c.app, &c.ps_a, act_at_m0.id).await.unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(DenyReason::DrawListSecret)),
        "{err:?}"
    );
    let listed = acts::inspections(&c.app, &c.ps_a, 2026).await.unwrap();
    assert!(listed
        .iter()
        .find(|i| i.id == inspection)
        .unwrap()
        .mines
        .is_empty());
    assert!(acts::acts_at_mine(&c.app, &c.ps_a, orewatch_domain::MineId(m0))
        .await
        .unwrap()
        .is_empty());
    assert!(findings::of_mine(&c.app, &c.ps_a, orewatch_domain::MineId(m0))
        .await
        .unwrap()
        .acts
        .is_empty());
    let inbox = tasks::inbox(&c.app, &c.ps_head, InboxPart::All).await.unwrap();
    let approvals: Vec<_> = inbox
        .rows
        .iter()
        .filter(|r| r.task.kind == TaskKind::ApproveAct)
        .collect();
    assert_eq!(approvals.len(), 2);
    for r in &approvals {
        assert!(!r.title.mentions(&act_at_m0.mine_name), "{:?}", r.title);
        assert!(r.mine_id.is_none());
    }
    let err = acts::approve(&c.app, &c.ps_head, act_at_m0.id, "routine", &[])
        .await
        .unwrap_err();
    crate::refused!(err, Problem::DrawListSecret { .. });

    // On the day the list is open: the head approves with the drawn inspectors, and no others.
    c.clock.advance(chrono::Duration::days(4));
    assert!(!acts::show(&c.app, &c.ps_head, inspection).await.unwrap().hidden);
    assert!(draws::of_inspection(&c.app, &c.ps_a, inspection)
        .await
        .unwrap()
        .is_some());
    let err = acts::approve(
        &c.app,
        &c.ps_head,
        act_at_m0.id,
        "routine",
        &[&id_of(&c.ps_a), &id_of(&c.ps_c)],
    )
    .await
    .unwrap_err();
    crate::refused!(err, Problem::DrawnOfficersFixed);
    acts::approve(&c.app, &c.ps_head, act_at_m0.id, "routine", &[])
        .await
        .unwrap();
    let act = acts::show_act(&c.app, &c.ps_a, act_at_m0.id).await.unwrap().act;
    let mut named: Vec<_> = act.officers.iter().map(|o| o.account_id).collect();
    named.sort();
    assert_eq!(named, at_m0);
}

on_both_backends!(
    a_plan_is_drafted_returned_resubmitted_approved_and_then_changed_only_by_a_new_version,
    a_joint_inspection_runs_as_two_agencies_acts_and_its_problems_go_on_the_ledger,
    a_draw_follows_the_grades_stays_secret_until_the_day_and_replays_from_its_audit_entry,
);
