//! The two kinds of write: an audited write cannot commit without its audit entries, bumps only the
//! areas it touched, and an operational write neither waits for it nor bumps anything.

use super::{actor, create_account, new_row, now};
use orewatch_domain::{AuditAction, DataArea, RecordType};
use orewatch_storage::sessions::{self, Session};
use orewatch_storage::{accounts, audit, companies, versions, Db, Key, StorageError};
use orewatch_testkit::on_both_backends;
use std::time::Duration;

async fn an_audited_write_without_an_audit_entry_cannot_commit(db: Db) {
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    accounts::insert(&mut tx, &new_row("unaudited")).await.unwrap();
    let err = tx.commit().await.unwrap_err();
    assert!(matches!(err, StorageError::Unaudited(_)), "{err:?}");
    // Nothing was written.
    let mut conn = db.conn().await.unwrap();
    assert!(accounts::find_by_username(&mut conn, "unaudited")
        .await
        .unwrap()
        .is_none());
    // A write that changes nothing and audits nothing cannot commit either.
    let tx = db.begin_write(actor(), now()).await.unwrap();
    assert!(matches!(tx.commit().await, Err(StorageError::Unaudited(_))));
}

async fn a_changed_record_left_unaudited_refuses_the_commit(db: Db) {
    let first = create_account(&db, "first", now()).await;
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    let second = accounts::insert(&mut tx, &new_row("second")).await.unwrap();
    accounts::set_password(
        &mut tx,
        orewatch_domain::AccountId(first),
        "$argon2id$other",
        true,
    )
    .await
    .unwrap();
    // Only the new account is audited; the password change of the first is not.
    tx.audit(
        AuditAction::AccountCreate,
        RecordType::Account,
        &Key::Int(second.0),
        None,
        None,
    )
    .await
    .unwrap();
    let err = tx.commit().await.unwrap_err();
    assert!(err.to_string().contains(&format!("account {first}")), "{err}");
}

async fn a_write_bumps_only_the_areas_it_touched(db: Db) {
    let mut conn = db.conn().await.unwrap();
    let before = versions::read(&mut conn).await.unwrap();
    drop(conn);
    create_account(&db, "someone", now()).await;
    let mut conn = db.conn().await.unwrap();
    let after = versions::read(&mut conn).await.unwrap();
    assert_eq!(after.get(DataArea::Accounts), before.get(DataArea::Accounts) + 1);
    assert_eq!(after.get(DataArea::Registry), before.get(DataArea::Registry));
    // An operational write (a session) bumps nothing.
    let mut op = db.begin_operational().await.unwrap();
    sessions::insert(&mut op, &session("s1")).await.unwrap();
    op.commit().await.unwrap();
    assert_eq!(versions::read(&mut conn).await.unwrap(), after);
}

fn session(id: &str) -> Session {
    Session {
        session_id: id.into(),
        account_id: orewatch_domain::AccountId(1),
        csrf_token: "t".into(),
        created_at: now(),
        last_seen_at: now(),
    }
}

async fn an_operational_write_does_not_wait_for_an_open_audited_write(db: Db) {
    create_account(&db, "holder", now()).await;
    // An audited write holds the chain's lock (and on SQLite the main file's write lock)…
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    accounts::insert(&mut tx, &new_row("importing")).await.unwrap();
    // …while a login writes its session and the security log.
    let login = async {
        let mut op = db.begin_operational().await.unwrap();
        sessions::insert(&mut op, &session("during-import"))
            .await
            .unwrap();
        orewatch_storage::security::log(
            &mut op,
            orewatch_domain::account::SecurityEventKind::Login,
            "holder",
            None,
            Some("127.0.0.1"),
            None,
            now(),
        )
        .await
        .unwrap();
        op.commit().await.unwrap();
    };
    tokio::time::timeout(Duration::from_secs(5), login)
        .await
        .expect("the login waited for the audited write");
    tx.rollback().await.unwrap();
}

async fn a_batch_insert_gives_each_record_its_entry_in_order(db: Db) {
    let parsed: Vec<orewatch_domain::CreditCode> = (0..3).map(credit_code).collect();
    let fields: Vec<companies::CompanyFields> = parsed
        .iter()
        .enumerate()
        .map(|(i, code)| companies::CompanyFields {
            credit_code: code,
            name: ["甲公司", "乙公司", "丙公司"][i],
            legal_rep: "某人",
            address: None,
            phone: None,
        })
        .collect();
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    let ids = companies::insert_many(&mut tx, &fields, Some("导入 test.xlsx"))
        .await
        .unwrap();
    assert_eq!(tx.appended(), 3);
    tx.commit().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    for (id, f) in ids.iter().zip(&fields) {
        assert_eq!(
            companies::find(&mut conn, *id).await.unwrap().unwrap().name,
            f.name
        );
    }
    let mut read = db.begin_read().await.unwrap();
    let report = audit::verify(&mut read, &[]).await.unwrap();
    assert_eq!((report.chain_break, report.findings), (None, vec![]));
    assert_eq!(report.rows_checked, 3);
}

/// A valid credit code for the `n`-th test company (GB 32100 check character computed).
fn orewatch_testkit_code(n: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let body = format!("91450223MA5K{n:05}");
    let sum: usize = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| ALPHABET.iter().position(|a| *a == b).unwrap() * w)
        .sum();
    let check = ALPHABET[(31 - sum % 31) % 31] as char;
    format!("{body}{check}")
}

pub(crate) fn credit_code(n: usize) -> orewatch_domain::CreditCode {
    orewatch_domain::CreditCode::parse(&orewatch_testkit_code(n)).unwrap()
}

on_both_backends!(
    an_audited_write_without_an_audit_entry_cannot_commit,
    a_changed_record_left_unaudited_refuses_the_commit,
    a_write_bumps_only_the_areas_it_touched,
    an_operational_write_does_not_wait_for_an_open_audited_write,
    a_batch_insert_gives_each_record_its_entry_in_order,
);

/// "database is locked" was a 500 after SQLite's busy timeout. Another process holds the write lock
/// past it: the write is refused as `Busy` (the web answers 503 "系统繁忙，请稍后重试"), never a raw error.
#[tokio::test]
async fn a_write_that_finds_the_file_locked_past_its_timeout_is_busy() {
    use sqlx::Connection;
    let test_db = orewatch_testkit::sqlite().await;
    let mut other = sqlx::SqliteConnection::connect(&test_db.url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut other).await.unwrap();
    let mut conn = test_db.db.conn().await.unwrap();
    sqlx::query("PRAGMA busy_timeout = 50")
        .execute(&mut *conn)
        .await
        .unwrap();
    let err: StorageError = sqlx::query("UPDATE audit_head SET seq = seq")
        .execute(&mut *conn)
        .await
        .unwrap_err()
        .into();
    assert!(matches!(err, StorageError::Busy), "{err:?}");
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    drop(conn);
    test_db.finish().await;
}
