use super::create_account;
use chrono::{Duration, TimeZone, Utc};
use orewatch_storage::{stats, Db};
use orewatch_testkit::on_both_backends;

async fn dashboard_counts_changes_since_a_time_exactly(db: Db) {
    let day = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).single().unwrap();
    let times = [
        day(1, 8),
        day(20, 8),
        day(22, 9),
        day(27, 23),
        day(28, 1),
        day(28, 2),
    ];
    for (i, at) in times.into_iter().enumerate() {
        create_account(&db, &format!("user{i}"), at).await;
    }
    // A writer whose clock reading is older than the last row still lands after it in time.
    create_account(&db, "late", day(27, 0)).await;

    let mut conn = db.conn().await.unwrap();
    let now = day(28, 3);
    let counts = stats::counts(&mut conn, now, now, day(28, 0), day(21, 3))
        .await
        .unwrap();
    assert_eq!(counts.changes_today, 3, "two rows today and the late writer");
    assert_eq!(counts.changes_week, 5);
    let none = stats::counts(&mut conn, now, now, day(29, 0), day(29, 0))
        .await
        .unwrap();
    assert_eq!((none.changes_today, none.changes_week), (0, 0));
    let all = stats::counts(&mut conn, now, now, now - Duration::days(400), day(1, 8))
        .await
        .unwrap();
    assert_eq!((all.changes_today, all.changes_week), (7, 7));
}

on_both_backends!(dashboard_counts_changes_since_a_time_exactly);
