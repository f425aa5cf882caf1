use chrono::{TimeZone, Utc};
use orewatch_domain::account::AccountStatus;
use orewatch_domain::Role;
use orewatch_storage::accounts::{self, AccountFilter, NewAccountRow};
use orewatch_storage::Db;
use orewatch_testkit::on_both_backends;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0).single().unwrap()
}

fn new_row(username: &str) -> NewAccountRow<'_> {
    NewAccountRow {
        username,
        display_name: "韦一鸣",
        role: Role::Office,
        agency_code: None,
        password_hash: "$argon2id$stub",
        must_change_password: false,
    }
}

async fn account_round_trips_with_all_fields(db: Db) {
    let mut conn = db.conn().await.unwrap();
    let id = accounts::insert(&mut conn, &new_row("office1"), now())
        .await
        .unwrap();
    let found = accounts::find_by_username(&mut conn, "office1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, id);
    assert_eq!(found.display_name, "韦一鸣");
    assert_eq!(found.role, Role::Office);
    assert_eq!(found.status, AccountStatus::Active);
    assert_eq!(found.created_at, now());
    assert!(!found.must_change_password);
}

async fn duplicate_username_is_a_named_conflict(db: Db) {
    let mut conn = db.conn().await.unwrap();
    accounts::insert(&mut conn, &new_row("dup"), now()).await.unwrap();
    let err = accounts::insert(&mut conn, &new_row("dup"), now())
        .await
        .unwrap_err();
    assert!(
        err.is_conflict_on("account_username_key", "account.username"),
        "{err:?}"
    );
}

async fn account_list_filters_by_text_and_counts_all_matches(db: Db) {
    let mut conn = db.conn().await.unwrap();
    for name in ["alpha", "alpine", "beta", "al_x"] {
        accounts::insert(&mut conn, &new_row(name), now()).await.unwrap();
    }
    let filter = AccountFilter {
        text: Some("AL".into()),
        limit: 2,
        offset: 0,
        ..Default::default()
    };
    let (page, total) = accounts::list(&mut conn, &filter).await.unwrap();
    assert_eq!(total, 3);
    assert_eq!(
        page.iter().map(|a| a.username.as_str()).collect::<Vec<_>>(),
        ["al_x", "alpha"]
    );
    // `_` is a literal, not a wildcard.
    let filter = AccountFilter {
        text: Some("l_".into()),
        limit: 10,
        offset: 0,
        ..Default::default()
    };
    let (page, _) = accounts::list(&mut conn, &filter).await.unwrap();
    assert_eq!(
        page.iter().map(|a| a.username.as_str()).collect::<Vec<_>>(),
        ["al_x"]
    );
}

on_both_backends!(
    account_round_trips_with_all_fields,
    duplicate_username_is_a_named_conflict,
    account_list_filters_by_text_and_counts_all_matches,
);
