use crate::{account, app};
use orewatch_app::organisation::{self, FilingInput};
use orewatch_app::{audit_log, dashboard, demo, App, AppError, Caller, Db};
use orewatch_domain::organisation::SeatTitle;
use orewatch_domain::{AuditAction, Problem, RecordType};
use orewatch_testkit::on_both_backends;
use std::sync::Arc;

async fn bootstrap_seeds_every_agency_and_seat_once(db: Db) {
    let (app, _) = app(db).await;
    orewatch_app::bootstrap::prepare(&app).await.unwrap();
    let office = account(&app, "wei", "office", "nr").await;
    let org = organisation::view(&app, &office).await.unwrap();
    assert_eq!(org.agencies.len(), 13);
    assert_eq!(
        org.seats
            .iter()
            .filter(|s| s.seat.title == SeatTitle::CommandMember)
            .count(),
        11
    );
    assert_eq!(
        org.seats
            .iter()
            .filter(|s| s.seat.title == SeatTitle::OfficeMember)
            .count(),
        11
    );
    assert_eq!(org.seats.len(), 1 + 2 + 11 + 1 + 11);
}

async fn filing_a_new_holder_keeps_the_previous_term(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let first = account(&app, "first", "command_leader", "").await;
    let second = account(&app, "second", "command_leader", "").await;
    let org = organisation::view(&app, &office).await.unwrap();
    let seat = org
        .seats
        .iter()
        .find(|s| s.seat.title == SeatTitle::Commander)
        .unwrap()
        .seat
        .id;
    let file = |holder: String, from_on: &'static str| {
        let app = app.clone();
        let office = office.clone();
        async move {
            let input = FilingInput {
                holder: &holder,
                from_on,
                note: "调整",
            };
            organisation::file_holder(&app, &office, seat, &input).await
        }
    };
    file(first.account_id().unwrap().0.to_string(), "2024-01-01")
        .await
        .unwrap();
    file(second.account_id().unwrap().0.to_string(), "2026-03-01")
        .await
        .unwrap();
    let view = organisation::seat(&app, &office, seat).await.unwrap();
    assert_eq!(view.holder(), second.account_id());
    assert_eq!(view.history.len(), 1);
    assert_eq!(view.history[0].account_id, first.account_id());
    assert_eq!(view.history[0].to_on.unwrap().to_string(), "2026-03-01");

    // Backdating before the current term is refused, and nothing changes.
    let err = file(first.account_id().unwrap().0.to_string(), "2025-12-31")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(e) if matches!(e.get("from_on"), Some(Problem::BeforeCurrentTerm { .. })))
    );
    assert_eq!(
        organisation::seat(&app, &office, seat)
            .await
            .unwrap()
            .history
            .len(),
        1
    );

    let (rows, _) = audit_log::list(&app, &office, Default::default()).await.unwrap();
    assert_eq!(rows[0].row.action, AuditAction::SeatFile);
    assert!(rows[0]
        .row
        .before_json
        .as_deref()
        .unwrap()
        .contains(&first.account_id().unwrap().0.to_string()));
}

async fn only_the_office_files_changes(db: Db) {
    let (app, _) = app(db).await;
    let leader = account(&app, "lei", "command_leader", "").await;
    let err = organisation::file_holder(
        &app,
        &leader,
        orewatch_domain::SeatId(1),
        &FilingInput {
            holder: "",
            from_on: "2026-01-01",
            note: "",
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
}

async fn demo_data_loads_once_and_keeps_a_valid_chain(db: Db) {
    let (app, _) = app(db).await;
    assert!(demo::load_if_empty(&app).await.unwrap());
    assert!(!demo::load_if_empty(&app).await.unwrap());
    let office = orewatch_app::accounts::caller_of(
        &orewatch_app::accounts::find_by_username(&app, &Caller::system(), "office")
            .await
            .unwrap()
            .unwrap(),
    );
    let org = organisation::view(&app, &office).await.unwrap();
    assert!(
        org.seats.iter().all(|s| s.holder().is_some()),
        "every seat is held in the demo"
    );
    let verification = audit_log::verify(&app, &office, None).await.unwrap();
    assert!(verification.intact(), "{verification:?}");
    assert!(verification.report.rows_checked > 50);
}

async fn office_edits_an_agencys_duties_and_the_change_is_audited(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    organisation::update_duties(
        &app,
        &office,
        "pw",
        "负责矿山用电管理；配合停止供电。",
        "Power to mines.",
    )
    .await
    .unwrap();
    let org = organisation::view(&app, &office).await.unwrap();
    let pw = org.agencies.iter().find(|a| a.code.as_str() == "pw").unwrap();
    assert_eq!(pw.duty_en, "Power to mines.");
    let (rows, _) = audit_log::list(&app, &office, Default::default()).await.unwrap();
    assert_eq!(rows[0].row.action, AuditAction::AgencyUpdateDuties);
    assert!(rows[0]
        .row
        .before_json
        .as_deref()
        .unwrap()
        .contains("配合开展相关执法工作"));

    let err = organisation::update_duties(&app, &office, "pw", "  ", "x")
        .await
        .unwrap_err();
    assert!(matches!(&err, AppError::Invalid(e) if e.get("duty_zh") == Some(&Problem::Required)));
    let officer = account(&app, "lan", "agency_officer", "pw").await;
    let err = organisation::update_duties(&app, &officer, "pw", "改", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(_)),
        "an agency may not rewrite its own duties"
    );
    assert!(matches!(
        organisation::update_duties(&app, &office, "zz", "a", "b").await,
        Err(AppError::NotFound)
    ));
}

/// Two servers over one database: what one changes, the other shows on its next read, although both
/// keep the organisation and dashboard figures cached.
async fn a_change_made_by_another_server_is_seen_on_the_next_read(db: Db) {
    let (first, clock) = app(db.clone()).await;
    let second = App::new(db, clock, first.settings.clone()).unwrap();
    let office = account(&first, "wei", "office", "nr").await;
    let duty = |org: &organisation::Organisation| {
        org.agencies
            .iter()
            .find(|a| a.code.as_str() == "pw")
            .unwrap()
            .duty_zh
            .clone()
    };
    let before = organisation::view(&first, &office).await.unwrap();
    let accounts_before = dashboard::summary(&first, &office).await.unwrap();
    assert!(Arc::ptr_eq(
        &before,
        &organisation::view(&first, &office).await.unwrap()
    ));

    organisation::update_duties(&second, &office, "pw", "负责供电监管。", "Power.")
        .await
        .unwrap();
    let after = organisation::view(&first, &office).await.unwrap();
    assert_eq!(duty(&after), "负责供电监管。");
    assert_ne!(duty(&before), duty(&after));

    account(&second, "lan", "agency_officer", "pw").await;
    let accounts_after = dashboard::summary(&first, &office).await.unwrap();
    assert_eq!(
        accounts_after.active_accounts,
        accounts_before.active_accounts + 1
    );
    assert_eq!(accounts_after.recent[0].row.record_type, RecordType::Account);
}

on_both_backends!(
    a_change_made_by_another_server_is_seen_on_the_next_read,
    office_edits_an_agencys_duties_and_the_change_is_audited,
    bootstrap_seeds_every_agency_and_seat_once,
    filing_a_new_holder_keeps_the_previous_term,
    only_the_office_files_changes,
    demo_data_loads_once_and_keeps_a_valid_chain,
);
