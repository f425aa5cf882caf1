use crate::{account, app};
use orewatch_app::accounts::{self, AccountUpdateInput};
use orewatch_app::{auth, AppError, Caller, Db};
use orewatch_domain::account::NewAccountInput;
use orewatch_domain::policy::DenyReason;
use orewatch_domain::Problem;
use orewatch_storage::accounts::AccountFilter;
use orewatch_testkit::on_both_backends;

fn input<'a>(username: &'a str, role: &'a str, agency: &'a str) -> NewAccountInput<'a> {
    NewAccountInput {
        username,
        display_name: "新同事",
        role,
        agency,
        password: "temp2026pw",
        password_again: "temp2026pw",
    }
}

async fn office_creates_an_account_that_must_change_its_password(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let id = accounts::create(&app, &office, &input("lu.ps", "agency_officer", "ps"))
        .await
        .unwrap();
    let created = accounts::get(&app, &office, id).await.unwrap().account;
    assert!(created.must_change_password);
    let logged_in = auth::login(&app, "lu.ps", "temp2026pw", "127.0.0.1")
        .await
        .unwrap();
    assert!(logged_in.caller.must_change_password);
}

async fn duplicate_username_is_refused_and_nothing_changes(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    accounts::create(&app, &office, &input("lu.ps", "agency_officer", "ps"))
        .await
        .unwrap();
    let before = accounts::list(
        &app,
        &office,
        AccountFilter {
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .1;
    let err = accounts::create(&app, &office, &input("LU.PS", "office", ""))
        .await
        .unwrap_err();
    match err {
        AppError::Invalid(errors) => assert_eq!(errors.get("username"), Some(&Problem::Duplicate)),
        other => panic!("{other:?}"),
    }
    let after = accounts::list(
        &app,
        &office,
        AccountFilter {
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .1;
    assert_eq!(before, after);
}

async fn unknown_agency_is_a_field_error(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let err = accounts::create(&app, &office, &input("x.y", "agency_officer", "zz"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(e) if e.get("agency") == Some(&Problem::NotFound)),
        "{err:?}"
    );
}

async fn agency_officer_cannot_create_accounts(db: Db) {
    let (app, _) = app(db).await;
    let officer = account(&app, "zhong", "agency_officer", "ps").await;
    let err = accounts::create(&app, &officer, &input("x.y", "office", ""))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(DenyReason::Role)), "{err:?}");
}

async fn disabling_an_account_ends_its_sessions_and_blocks_login(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let officer = account(&app, "zhong", "agency_officer", "ps").await;
    let logged_in = auth::login(&app, "zhong", "abcd1234", "127.0.0.1").await.unwrap();
    let update = AccountUpdateInput {
        display_name: "钟晓峰",
        role: "agency_officer",
        agency: "ps",
        status: "disabled",
    };
    accounts::update(&app, &office, officer.account_id().unwrap(), &update)
        .await
        .unwrap();
    assert!(auth::current(&app, &logged_in.token).await.unwrap().is_err());
    assert!(matches!(
        auth::login(&app, "zhong", "abcd1234", "127.0.0.1")
            .await
            .unwrap_err(),
        AppError::Disabled
    ));
}

async fn office_cannot_disable_itself(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let update = AccountUpdateInput {
        display_name: "韦",
        role: "office",
        agency: "nr",
        status: "disabled",
    };
    let err = accounts::update(&app, &office, office.account_id().unwrap(), &update)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden(DenyReason::OwnAccount)),
        "{err:?}"
    );
}

async fn changing_ones_password_needs_the_current_one(db: Db) {
    let (app, _) = app(db).await;
    let me = account(&app, "wei", "office", "nr").await;
    let err =
        accounts::change_own_password(&app, &me, "", "127.0.0.1", "wrong", "newpass2026", "newpass2026")
            .await
            .unwrap_err();
    assert!(matches!(&err, AppError::Invalid(e) if e.get("current") == Some(&Problem::WrongCurrentPassword)));
    accounts::change_own_password(
        &app,
        &me,
        "",
        "127.0.0.1",
        "abcd1234",
        "newpass2026",
        "newpass2026",
    )
    .await
    .unwrap();
    auth::login(&app, "wei", "newpass2026", "127.0.0.1")
        .await
        .unwrap();
    assert!(auth::login(&app, "wei", "abcd1234", "127.0.0.1").await.is_err());
}

async fn operator_bootstraps_an_administrator_without_forced_change(db: Db) {
    let (app, _) = app(db).await;
    accounts::create(&app, &Caller::system(), &input("admin", "office", ""))
        .await
        .unwrap();
    let logged_in = auth::login(&app, "admin", "temp2026pw", "127.0.0.1")
        .await
        .unwrap();
    assert!(!logged_in.caller.must_change_password);
}

on_both_backends!(
    office_creates_an_account_that_must_change_its_password,
    duplicate_username_is_refused_and_nothing_changes,
    unknown_agency_is_a_field_error,
    agency_officer_cannot_create_accounts,
    disabling_an_account_ends_its_sessions_and_blocks_login,
    office_cannot_disable_itself,
    changing_ones_password_needs_the_current_one,
    operator_bootstraps_an_administrator_without_forced_change,
);
