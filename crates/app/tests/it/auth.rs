use crate::{account, app};
use chrono::Duration;
use orewatch_app::auth::{self, NoSession};
use orewatch_app::Db;
use orewatch_app::{audit_log, AppError};
use orewatch_testkit::on_both_backends;

async fn right_password_opens_a_session_that_resolves_to_the_account(db: Db) {
    let (app, _) = app(db).await;
    account(&app, "wei", "office", "nr").await;
    let logged_in = auth::login(&app, " WEI ", "abcd1234").await.unwrap();
    let current = auth::current(&app, &logged_in.token).await.unwrap().unwrap();
    assert_eq!(current.caller.username, "wei");
    assert_eq!(current.csrf_token, logged_in.csrf_token);
}

async fn wrong_password_counts_down_then_locks_the_account(db: Db) {
    let (app, clock) = app(db).await;
    account(&app, "wei", "office", "nr").await;
    for remaining in (1..=4).rev() {
        let err = auth::login(&app, "wei", "wrong-pass1").await.unwrap_err();
        assert!(
            matches!(err, AppError::BadCredentials { remaining: Some(r) } if r == remaining),
            "{err:?}"
        );
    }
    let err = auth::login(&app, "wei", "wrong-pass1").await.unwrap_err();
    assert!(matches!(err, AppError::Locked { .. }), "{err:?}");
    // While locked even the right password is refused…
    let err = auth::login(&app, "wei", "abcd1234").await.unwrap_err();
    assert!(matches!(err, AppError::Locked { .. }), "{err:?}");
    // …and after the lock the right password works and clears the count.
    clock.advance(Duration::minutes(2));
    auth::login(&app, "wei", "abcd1234").await.unwrap();
}

async fn unknown_user_gets_the_same_answer_as_a_wrong_password(db: Db) {
    let (app, _) = app(db).await;
    let err = auth::login(&app, "nobody", "abcd1234").await.unwrap_err();
    assert!(
        matches!(err, AppError::BadCredentials { remaining: None }),
        "{err:?}"
    );
}

async fn idle_session_expires_and_is_removed(db: Db) {
    let (app, clock) = app(db).await;
    account(&app, "wei", "office", "nr").await;
    let logged_in = auth::login(&app, "wei", "abcd1234").await.unwrap();
    clock.advance(Duration::minutes(29));
    assert!(auth::current(&app, &logged_in.token).await.unwrap().is_ok());
    // Using it at minute 29 restarted the idle time.
    clock.advance(Duration::minutes(29));
    assert!(auth::current(&app, &logged_in.token).await.unwrap().is_ok());
    clock.advance(Duration::minutes(30));
    assert_eq!(
        auth::current(&app, &logged_in.token).await.unwrap().unwrap_err(),
        NoSession::Expired
    );
    assert_eq!(
        auth::current(&app, &logged_in.token).await.unwrap().unwrap_err(),
        NoSession::Unknown
    );
}

async fn logout_ends_the_session_and_is_audited(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let logged_in = auth::login(&app, "wei", "abcd1234").await.unwrap();
    let current = auth::current(&app, &logged_in.token).await.unwrap().unwrap();
    auth::logout(&app, &current).await.unwrap();
    assert!(auth::current(&app, &logged_in.token).await.unwrap().is_err());
    let (rows, _) = audit_log::list(&app, &office, Default::default()).await.unwrap();
    assert_eq!(rows[0].row.action, "logout");
    assert_eq!(rows[1].row.action, "login");
}

on_both_backends!(
    right_password_opens_a_session_that_resolves_to_the_account,
    wrong_password_counts_down_then_locks_the_account,
    unknown_user_gets_the_same_answer_as_a_wrong_password,
    idle_session_expires_and_is_removed,
    logout_ends_the_session_and_is_audited,
);
