//! Storage tests: every one runs on SQLite and on PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod accounts;
mod audit;
mod binding;
mod files;
mod jobs;
mod parity;
mod registry;
mod stats;
mod writes;

use chrono::{DateTime, TimeZone, Utc};
use orewatch_domain::{AuditAction, RecordType, Role};
use orewatch_storage::accounts::NewAccountRow;
use orewatch_storage::{AuditActor, Db, Key};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0).single().unwrap()
}

pub fn actor() -> AuditActor {
    AuditActor {
        account_id: None,
        label: "system".into(),
        agency: None,
    }
}

pub fn new_row(username: &str) -> NewAccountRow<'_> {
    NewAccountRow {
        username,
        display_name: "韦一鸣",
        role: Role::Office,
        agency: None,
        password_hash: "$argon2id$stub",
        must_change_password: false,
    }
}

/// Creates an account in its own audited write at `at`; returns its id.
pub async fn create_account(db: &Db, username: &str, at: DateTime<Utc>) -> i64 {
    let mut tx = db.begin_write(actor(), at).await.unwrap();
    let id = orewatch_storage::accounts::insert(&mut tx, &new_row(username))
        .await
        .unwrap();
    tx.audit(
        AuditAction::AccountCreate,
        RecordType::Account,
        &Key::Int(id.0),
        None,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id.0
}

/// The standard agencies, as bootstrap seeds them (records refer to them).
pub async fn standard_agencies(db: &Db) {
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    for (i, agency) in orewatch_domain::agency::STANDARD_AGENCIES.iter().enumerate() {
        if let Some(key) = orewatch_storage::agencies::insert_if_missing(&mut tx, agency, i as i64)
            .await
            .unwrap()
        {
            tx.audit(AuditAction::AgencyCreate, RecordType::Agency, &key, None, None)
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();
}
