use chrono::{Duration, TimeZone, Utc};
use orewatch_domain::audit::ChainBreak;
use orewatch_storage::audit::{self, AuditFilter, NewAuditEntry};
use orewatch_storage::Db;
use orewatch_testkit::{execute_sql, on_both_backends};

fn entry(actor: i64, record_id: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor_account_id: Some(actor),
        actor_label: format!("user{actor}"),
        actor_agency: Some(if actor % 2 == 0 { "nr" } else { "ps" }.into()),
        action: "account.update".into(),
        record_type: "account".into(),
        record_id: record_id.into(),
        before_json: Some("{\"status\":\"active\"}".into()),
        after_json: Some("{\"status\":\"disabled\"}".into()),
        note: None,
    }
}

async fn write_chain(db: &Db, n: i64) {
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap();
    let mut tx = db.begin_write().await.unwrap();
    for i in 1..=n {
        audit::append(&mut tx, entry(i % 4, &i.to_string()), start + Duration::hours(i))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn appended_rows_form_a_verifiable_chain(db: Db) {
    write_chain(&db, 12).await;
    let mut conn = db.conn().await.unwrap();
    assert_eq!(audit::verify(&mut conn).await.unwrap(), Ok(12));
    assert_eq!(audit::head(&mut conn).await.unwrap().0, 12);
}

async fn tampering_with_one_row_is_reported_at_that_row(db: Db) {
    write_chain(&db, 12).await;
    execute_sql(
        &db,
        "UPDATE audit_entry SET after_json = '{\"status\":\"active\"}' WHERE seq = 7",
    )
    .await;
    let mut conn = db.conn().await.unwrap();
    assert_eq!(
        audit::verify(&mut conn).await.unwrap(),
        Err(ChainBreak::ContentAltered { seq: 7 })
    );
}

async fn a_rolled_back_change_leaves_no_audit_row(db: Db) {
    write_chain(&db, 2).await;
    let mut tx = db.begin_write().await.unwrap();
    audit::append(&mut tx, entry(1, "x"), Utc::now()).await.unwrap();
    tx.rollback().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    assert_eq!(audit::verify(&mut conn).await.unwrap(), Ok(2));
}

async fn audit_list_filters_by_actor_agency_record_and_time(db: Db) {
    write_chain(&db, 20).await;
    let mut conn = db.conn().await.unwrap();
    let by_actor = AuditFilter {
        actor_account_id: Some(1),
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
        record_type: Some("account".into()),
        record_id: Some("5".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(audit::list(&mut conn, &by_record).await.unwrap().len(), 1);

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
                let mut tx = db.begin_write().await.unwrap();
                audit::append(&mut tx, entry(worker, &i.to_string()), Utc::now())
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    let mut conn = db.conn().await.unwrap();
    assert_eq!(audit::verify(&mut conn).await.unwrap(), Ok(40));
}

on_both_backends!(
    appended_rows_form_a_verifiable_chain,
    tampering_with_one_row_is_reported_at_that_row,
    a_rolled_back_change_leaves_no_audit_row,
    audit_list_filters_by_actor_agency_record_and_time,
    concurrent_writers_never_fork_the_chain,
);
