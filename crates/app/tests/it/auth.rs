use crate::{account, app};
use chrono::Duration;
use orewatch_app::auth::{self, NoSession};
use orewatch_app::{accounts, AppError, Caller, Db};
use orewatch_domain::account::SecurityEventKind;
use orewatch_domain::Problem;
use orewatch_storage::security::EventFilter;
use orewatch_testkit::on_both_backends;

const HOME: &str = "10.0.0.1";
const ELSEWHERE: &str = "203.0.113.9";

/// What a login answered, reduced to what the person is told.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    In,
    Wrong(u32),
    Wait(i64),
    Other(String),
}

async fn answer(app: &orewatch_app::App, username: &str, password: &str, client: &str) -> Answer {
    match auth::login(app, username, password, client).await {
        Ok(_) => Answer::In,
        Err(AppError::BadCredentials { remaining }) => Answer::Wrong(remaining),
        Err(AppError::Delayed { until }) => Answer::Wait((until - app.now()).num_seconds()),
        Err(other) => Answer::Other(format!("{other:?}")),
    }
}

async fn right_password_opens_a_session_that_resolves_to_the_account(db: Db) {
    let (app, _) = app(db).await;
    account(&app, "wei", "office", "nr").await;
    let logged_in = auth::login(&app, " WEI ", "abcd1234", HOME).await.unwrap();
    let current = auth::current(&app, &logged_in.token).await.unwrap().unwrap();
    assert_eq!(current.caller.username, "wei");
    assert_eq!(current.csrf_token, logged_in.csrf_token);
}

async fn failures_bring_a_growing_delay_for_that_client_only(db: Db) {
    let (app, clock) = app(db).await;
    account(&app, "wei", "office", "nr").await;
    for remaining in [4, 3, 2, 1] {
        assert_eq!(
            answer(&app, "wei", "wrong-pass1", HOME).await,
            Answer::Wrong(remaining)
        );
    }
    // The fifth failure costs 15 s; while it runs even the right password is refused unchecked…
    assert_eq!(answer(&app, "wei", "wrong-pass1", HOME).await, Answer::Wait(15));
    assert_eq!(answer(&app, "wei", "abcd1234", HOME).await, Answer::Wait(15));
    // …but only from that client: the account's owner elsewhere is not locked out.
    assert_eq!(answer(&app, "wei", "abcd1234", ELSEWHERE).await, Answer::In);
    // Another failure after the wait doubles it.
    clock.advance(Duration::seconds(15));
    assert_eq!(answer(&app, "wei", "wrong-pass1", HOME).await, Answer::Wait(30));
    clock.advance(Duration::seconds(30));
    // The right password after the wait works and clears the count.
    assert_eq!(answer(&app, "wei", "abcd1234", HOME).await, Answer::In);
    assert_eq!(answer(&app, "wei", "wrong-pass1", HOME).await, Answer::Wrong(4));
}

async fn a_quiet_quarter_hour_forgets_the_failures(db: Db) {
    let (app, clock) = app(db).await;
    account(&app, "wei", "office", "nr").await;
    for _ in 0..5 {
        answer(&app, "wei", "wrong-pass1", HOME).await;
    }
    // Once the wait is over and nothing went wrong for 15 minutes, one slip is one slip again — not a
    // wait twice as long.
    clock.advance(Duration::minutes(15));
    assert_eq!(answer(&app, "wei", "wrong-pass1", HOME).await, Answer::Wrong(4));
}

async fn the_office_lifts_a_delay(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let officer = account(&app, "zhong", "agency_officer", "ps").await;
    for _ in 0..5 {
        answer(&app, "zhong", "wrong-pass1", HOME).await;
    }
    let zhong = accounts::find_by_username(&app, &office, "zhong")
        .await
        .unwrap()
        .unwrap();
    assert!(auth::is_delayed(&app, &zhong).await.unwrap());
    // Not the officer's own business.
    let err = auth::unlock(&app, &officer, zhong.id).await.unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    auth::unlock(&app, &office, zhong.id).await.unwrap();
    assert!(!auth::is_delayed(&app, &zhong).await.unwrap());
    assert_eq!(answer(&app, "zhong", "abcd1234", HOME).await, Answer::In);
    let log = auth::security_log(
        &app,
        &office,
        EventFilter {
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(log
        .iter()
        .any(|e| e.kind == SecurityEventKind::Unlocked && e.username == "zhong"));
}

async fn unknown_user_gets_exactly_the_answers_of_a_real_one(db: Db) {
    let (app, _) = app(db).await;
    account(&app, "wei", "office", "nr").await;
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..6 {
        known.push(answer(&app, "wei", "wrong-pass1", HOME).await);
        unknown.push(answer(&app, "nobody", "wrong-pass1", HOME).await);
    }
    assert_eq!(known, unknown);
    assert_eq!(known.last(), Some(&Answer::Wait(15)));
}

async fn guessing_the_current_password_is_counted_like_a_login(db: Db) {
    let (app, _) = app(db).await;
    let me = account(&app, "wei", "office", "nr").await;
    for _ in 0..4 {
        let err =
            accounts::change_own_password(&app, &me, "", HOME, "guess-123", "newpass2026", "newpass2026")
                .await
                .unwrap_err();
        assert!(
            matches!(&err, AppError::Invalid(e) if e.get("current") == Some(&Problem::WrongCurrentPassword)),
            "{err:?}"
        );
    }
    let err = accounts::change_own_password(&app, &me, "", HOME, "guess-123", "newpass2026", "newpass2026")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Delayed { .. }), "{err:?}");
    // The wait holds for the right password too, and for the login form from that client.
    let err = accounts::change_own_password(&app, &me, "", HOME, "abcd1234", "newpass2026", "newpass2026")
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Delayed { .. }), "{err:?}");
    assert_eq!(answer(&app, "wei", "abcd1234", HOME).await, Answer::Wait(15));
}

async fn the_idle_timeout_is_exact_to_within_seconds(db: Db) {
    let (app, clock) = app(db).await;
    account(&app, "wei", "office", "nr").await;
    let logged_in = auth::login(&app, "wei", "abcd1234", HOME).await.unwrap();
    // Used 50 seconds after login: that use counts, so the session lives 30 minutes from it.
    clock.advance(Duration::seconds(50));
    assert!(auth::current(&app, &logged_in.token).await.unwrap().is_ok());
    clock.advance(Duration::minutes(29) + Duration::seconds(50));
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

async fn logout_ends_the_session_and_is_in_the_security_log(db: Db) {
    let (app, _) = app(db).await;
    let office = account(&app, "wei", "office", "nr").await;
    let logged_in = auth::login(&app, "wei", "abcd1234", HOME).await.unwrap();
    let current = auth::current(&app, &logged_in.token).await.unwrap().unwrap();
    auth::logout(&app, &current, HOME).await.unwrap();
    assert!(auth::current(&app, &logged_in.token).await.unwrap().is_err());
    let log = auth::security_log(
        &app,
        &office,
        EventFilter {
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let kinds: Vec<SecurityEventKind> = log.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [SecurityEventKind::Logout, SecurityEventKind::Login]);
    assert_eq!(log[0].client.as_deref(), Some(HOME));
    // Who may not read the audit log may not read this one.
    let officer = account(&app, "zhong", "agency_officer", "ps").await;
    assert!(auth::security_log(&app, &officer, EventFilter::default())
        .await
        .is_err());
    assert!(
        auth::security_log(&app, &Caller::public(), EventFilter::default())
            .await
            .is_err()
    );
}

on_both_backends!(
    right_password_opens_a_session_that_resolves_to_the_account,
    failures_bring_a_growing_delay_for_that_client_only,
    a_quiet_quarter_hour_forgets_the_failures,
    the_office_lifts_a_delay,
    unknown_user_gets_exactly_the_answers_of_a_real_one,
    guessing_the_current_password_is_counted_like_a_login,
    the_idle_timeout_is_exact_to_within_seconds,
    logout_ends_the_session_and_is_in_the_security_log,
);
