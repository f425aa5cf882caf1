use super::{actor, create_account, now};
use chrono::{Duration, TimeZone, Utc};
use orewatch_domain::audit::ChainBreak;
use orewatch_domain::RecordType;
use orewatch_storage::audit::{self, AuditFilter};
use orewatch_storage::{AuditActor, Db};
use orewatch_testkit::{execute_sql, on_both_backends};

/// `n` accounts, each created by its own write an hour after the previous, alternating actors.
async fn write_chain(db: &Db, n: i64) {
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap();
    for i in 1..=n {
        let who = AuditActor {
            account_id: Some(orewatch_domain::AccountId(i % 4)),
            label: format!("user{}", i % 4),
            agency: Some(if i % 2 == 0 { "nr" } else { "ps" }.into()),
        };
        let mut tx = db.begin_write(who, start + Duration::hours(i)).await.unwrap();
        let id = orewatch_storage::accounts::insert(&mut tx, &super::new_row(&format!("user{i:03}")))
            .await
            .unwrap();
        tx.audit(
            orewatch_domain::AuditAction::AccountCreate,
            RecordType::Account,
            &orewatch_storage::Key::Int(id.0),
            None,
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

async fn verify(db: &Db) -> audit::VerifyReport {
    let mut tx = db.begin_read().await.unwrap();
    audit::verify(&mut tx, &[]).await.unwrap()
}

async fn appended_rows_form_a_verifiable_chain(db: Db) {
    write_chain(&db, 12).await;
    let report = verify(&db).await;
    assert_eq!(report.chain_break, None);
    assert_eq!(report.rows_checked, 12);
    assert_eq!(report.findings, vec![]);
    assert_eq!(report.records_checked, 12);
    let mut conn = db.conn().await.unwrap();
    assert_eq!(audit::head(&mut conn).await.unwrap().0, 12);
}

async fn tampering_with_one_row_is_reported_at_that_row(db: Db) {
    write_chain(&db, 12).await;
    execute_sql(&db, "UPDATE audit_entry SET note = 'x' WHERE seq = 7").await;
    assert_eq!(
        verify(&db).await.chain_break,
        Some(ChainBreak::ContentAltered { seq: 7 })
    );
}

async fn a_rolled_back_change_leaves_no_audit_row(db: Db) {
    write_chain(&db, 2).await;
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    let id = orewatch_storage::accounts::insert(&mut tx, &super::new_row("ghost"))
        .await
        .unwrap();
    tx.audit(
        orewatch_domain::AuditAction::AccountCreate,
        RecordType::Account,
        &orewatch_storage::Key::Int(id.0),
        None,
        None,
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    let report = verify(&db).await;
    assert_eq!((report.rows_checked, report.chain_break), (2, None));
}

async fn audit_list_filters_by_actor_agency_record_and_time(db: Db) {
    write_chain(&db, 20).await;
    let mut conn = db.conn().await.unwrap();
    let by_actor = AuditFilter {
        actor_account_id: Some(orewatch_domain::AccountId(1)),
        limit: 100,
        ..Default::default()
    };
    let rows = audit::list(&mut conn, &by_actor).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.row.seq).collect::<Vec<_>>(),
        [17, 13, 9, 5, 1]
    );
    let by_agency = AuditFilter {
        actor_agency: Some("nr".into()),
        limit: 3,
        ..Default::default()
    };
    let rows = audit::list(&mut conn, &by_agency).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.row.seq).collect::<Vec<_>>(), [20, 18, 16]);
    let next = AuditFilter {
        before_seq: Some(16),
        ..by_agency
    };
    let rows = audit::list(&mut conn, &next).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.row.seq).collect::<Vec<_>>(), [14, 12, 10]);
    let by_record = AuditFilter {
        record_type: Some(RecordType::Account),
        record_id: Some("5".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(audit::list(&mut conn, &by_record).await.unwrap().len(), 1);
    // Several records in one query (a mine page's timeline).
    let several = AuditFilter {
        records: vec![
            (RecordType::Account, "2".into()),
            (RecordType::Account, "9".into()),
            (RecordType::Mine, "2".into()),
        ],
        limit: 10,
        ..Default::default()
    };
    let rows = audit::list(&mut conn, &several).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.row.seq).collect::<Vec<_>>(), [9, 2]);
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap();
    let window = AuditFilter {
        from: Some(start + Duration::hours(3)),
        until: Some(start + Duration::hours(6)),
        limit: 10,
        ..Default::default()
    };
    let rows = audit::list(&mut conn, &window).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.row.seq).collect::<Vec<_>>(), [5, 4, 3]);
}

async fn concurrent_writers_never_fork_the_chain(db: Db) {
    let mut handles = Vec::new();
    for worker in 0..4 {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..10 {
                create_account(&db, &format!("w{worker}n{i}"), Utc::now()).await;
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    let report = verify(&db).await;
    assert_eq!((report.rows_checked, report.chain_break), (40, None));
    assert_eq!(report.findings, vec![]);
}

async fn a_missing_head_row_is_a_clear_error(db: Db) {
    write_chain(&db, 2).await;
    execute_sql(&db, "DELETE FROM audit_head").await;
    let mut tx = db.begin_read().await.unwrap();
    let err = audit::verify(&mut tx, &[]).await.unwrap_err();
    assert!(err.to_string().contains("audit_head"), "{err}");
    let err = db.begin_write(actor(), now()).await.err().unwrap();
    assert!(err.to_string().contains("audit_head"), "{err}");
}

on_both_backends!(
    appended_rows_form_a_verifiable_chain,
    tampering_with_one_row_is_reported_at_that_row,
    a_rolled_back_change_leaves_no_audit_row,
    audit_list_filters_by_actor_agency_record_and_time,
    concurrent_writers_never_fork_the_chain,
    a_missing_head_row_is_a_clear_error,
);
