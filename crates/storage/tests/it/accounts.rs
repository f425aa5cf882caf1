use super::{actor, create_account, new_row, now};
use orewatch_domain::account::AccountStatus;
use orewatch_domain::policy::Scope;
use orewatch_domain::{AgencyCode, Role};
use orewatch_storage::accounts::{self, AccountFilter, NewAccountRow};
use orewatch_storage::Db;
use orewatch_testkit::{execute_sql, on_both_backends};

async fn account_round_trips_with_all_fields(db: Db) {
    create_account(&db, "office1", now()).await;
    let mut conn = db.conn().await.unwrap();
    let found = accounts::find_by_username(&mut conn, "office1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.display_name, "韦一鸣");
    assert_eq!(found.role, Role::Office);
    assert_eq!(found.status, AccountStatus::Active);
    assert_eq!(found.created_at, now());
    assert!(!found.must_change_password);
}

async fn duplicate_username_is_a_named_conflict(db: Db) {
    create_account(&db, "dup", now()).await;
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    let err = accounts::insert(&mut tx, &new_row("dup")).await.unwrap_err();
    assert!(
        err.is_conflict_on("account_username_key", "account.username"),
        "{err:?}"
    );
}

async fn an_unknown_stored_role_is_corrupt_never_a_default(db: Db) {
    let id = create_account(&db, "mallory", now()).await;
    execute_sql(
        &db,
        &format!("UPDATE account SET role = 'root' WHERE account_id = {id}"),
    )
    .await;
    let mut conn = db.conn().await.unwrap();
    let err = accounts::find_by_username(&mut conn, "mallory")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("role"), "{err}");
}

async fn account_list_filters_by_text_and_scope(db: Db) {
    super::standard_agencies(&db).await;
    for name in ["alpha", "alpine", "beta", "al_x"] {
        create_account(&db, name, now()).await;
    }
    let ps = AgencyCode::parse("ps").unwrap();
    let mut tx = db.begin_write(actor(), now()).await.unwrap();
    let officer = NewAccountRow {
        role: Role::AgencyOfficer,
        agency: Some(&ps),
        ..new_row("alps")
    };
    let id = accounts::insert(&mut tx, &officer).await.unwrap();
    tx.audit(
        orewatch_domain::AuditAction::AccountCreate,
        orewatch_domain::RecordType::Account,
        &orewatch_storage::Key::Int(id.0),
        None,
        None,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    let filter = AccountFilter {
        text: Some("AL".into()),
        limit: 2,
        offset: 0,
        ..Default::default()
    };
    let (page, total) = accounts::list(&mut conn, &Scope::All, &filter).await.unwrap();
    assert_eq!(total, 4);
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
    let (page, _) = accounts::list(&mut conn, &Scope::All, &filter).await.unwrap();
    assert_eq!(
        page.iter().map(|a| a.username.as_str()).collect::<Vec<_>>(),
        ["al_x"]
    );
    // The scope filters like the policy decides.
    let all = AccountFilter {
        limit: 10,
        ..Default::default()
    };
    let (page, total) = accounts::list(&mut conn, &Scope::Agency(ps), &all).await.unwrap();
    assert_eq!((total, page.len()), (1, 1));
    assert_eq!(page[0].username, "alps");
    let (page, total) = accounts::list(&mut conn, &Scope::None, &all).await.unwrap();
    assert_eq!((total, page.len()), (0, 0));
}

on_both_backends!(
    account_round_trips_with_all_fields,
    duplicate_username_is_a_named_conflict,
    an_unknown_stored_role_is_corrupt_never_a_default,
    account_list_filters_by_text_and_scope,
);
