//! Records are bound to the audit chain: an edit made behind the application's back is found and named
//! by table, id and field.

use super::registry::seed;
use orewatch_storage::audit::{self, RecordFinding};
use orewatch_storage::Db;
use orewatch_testkit::{execute_sql, on_both_backends};

async fn findings(db: &Db) -> Vec<RecordFinding> {
    let mut tx = db.begin_read().await.unwrap();
    let report = audit::verify(&mut tx, &[]).await.unwrap();
    assert_eq!(report.chain_break, None, "the chain itself is intact");
    report.findings
}

async fn an_untouched_registry_verifies(db: Db) {
    seed(&db).await;
    assert_eq!(findings(&db).await, vec![]);
}

async fn a_permit_extended_to_2099_behind_the_application_is_named(db: Db) {
    let s = seed(&db).await;
    execute_sql(
        &db,
        &format!(
            "UPDATE permit SET valid_to = '2099-12-31' WHERE permit_id = {}",
            s.permit
        ),
    )
    .await;
    let found = findings(&db).await;
    assert_eq!(found.len(), 1, "{found:?}");
    match &found[0] {
        RecordFinding::Altered {
            table, id, fields, ..
        } => {
            assert_eq!((*table, id.as_str()), ("permit", s.permit.to_string().as_str()));
            assert_eq!(fields, &vec!["valid_to".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    assert!(found[0].to_string().contains("valid_to"));
}

async fn an_officer_promoted_to_office_behind_the_application_is_named(db: Db) {
    super::create_account(&db, "ps_officer", super::now()).await;
    execute_sql(
        &db,
        "UPDATE account SET role = 'command_leader' WHERE username = 'ps_officer'",
    )
    .await;
    let found = findings(&db).await;
    assert!(
        matches!(&found[..], [RecordFinding::Altered { table: "account", fields, .. }] if fields == &vec!["role".to_string()]),
        "{found:?}"
    );
}

async fn a_deleted_credit_entry_is_named(db: Db) {
    let s = seed(&db).await;
    execute_sql(
        &db,
        &format!("DELETE FROM credit_entry WHERE credit_entry_id = {}", s.credit),
    )
    .await;
    let found = findings(&db).await;
    assert!(
        matches!(&found[..], [RecordFinding::Deleted { id, .. }] if *id == s.credit.to_string()),
        "{found:?}"
    );
}

async fn a_row_inserted_behind_the_application_is_unbound(db: Db) {
    let s = seed(&db).await;
    execute_sql(
        &db,
        &format!(
            "INSERT INTO credit_entry (company_id, person_id, reason, source_agency_code, from_on, status, created_at) \
             VALUES ({}, NULL, 'x', 'nr', '2026-01-01', 'active', '2026-11-28T08:00:00.000000Z')",
            s.company
        ),
    )
    .await;
    let found = findings(&db).await;
    assert!(
        matches!(
            &found[..],
            [RecordFinding::Unbound {
                table: "credit_entry",
                ..
            }]
        ),
        "{found:?}"
    );
}

async fn a_row_pointed_back_at_an_older_entry_is_relinked(db: Db) {
    let s = seed(&db).await;
    // A lift then a restore of the old state with the old entry's seq would hide the lift.
    execute_sql(
        &db,
        &format!("UPDATE mine SET audit_seq = 1 WHERE mine_id = {}", s.mine),
    )
    .await;
    let found = findings(&db).await;
    assert!(
        matches!(
            &found[..],
            [RecordFinding::Relinked {
                table: "mine",
                row_seq: 1,
                ..
            }]
        ),
        "{found:?}"
    );
}

async fn a_child_row_edit_is_named_with_its_position(db: Db) {
    let s = seed(&db).await;
    execute_sql(
        &db,
        &format!(
            "UPDATE share_recipient SET acknowledged_at = '2026-11-28T09:00:00.000000Z' \
             WHERE share_item_id = {} AND recipient = 'office'",
            s.share
        ),
    )
    .await;
    let found = findings(&db).await;
    assert!(
        matches!(&found[..], [RecordFinding::Altered { table: "share_item", fields, .. }]
            if fields.iter().any(|f| f.contains("share_recipient") && f.contains("acknowledged_at"))),
        "{found:?}"
    );
}

on_both_backends!(
    an_untouched_registry_verifies,
    a_permit_extended_to_2099_behind_the_application_is_named,
    an_officer_promoted_to_office_behind_the_application_is_named,
    a_deleted_credit_entry_is_named,
    a_row_inserted_behind_the_application_is_unbound,
    a_row_pointed_back_at_an_older_entry_is_relinked,
    a_child_row_edit_is_named_with_its_position,
);
