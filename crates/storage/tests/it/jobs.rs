//! The job queue on both engines: concurrent claims never share a job, a lease that expires is taken
//! over and the old holder can neither renew nor finish, claims run out, cancels and retries, a job
//! waits for the one it comes after.

use super::now;
use chrono::Duration;
use orewatch_domain::survey::JobState;
use orewatch_domain::{AnalysisId, JobId};
use orewatch_storage::jobs::{self, Heartbeat, Subject};
use orewatch_storage::{Db, StorageError};
use orewatch_testkit::on_both_backends;
use std::collections::BTreeSet;

/// The job of the analysis numbered `n`.
fn of(n: i64) -> Subject {
    Subject::SurveyAnalysis(AnalysisId(n))
}

async fn enqueue(db: &Db, subject: i64, max_attempts: i64) -> JobId {
    let mut op = db.begin_operational().await.unwrap();
    let id = jobs::enqueue(&mut op, of(subject), max_attempts, None, now())
        .await
        .unwrap();
    op.commit().await.unwrap();
    id
}

async fn claim(db: &Db, holder: &str, at: chrono::DateTime<chrono::Utc>) -> Option<jobs::Job> {
    let mut op = db.begin_operational().await.unwrap();
    let job = jobs::claim(
        &mut op,
        db.backend(),
        holder,
        holder,
        at,
        at + Duration::minutes(1),
    )
    .await
    .unwrap();
    op.commit().await.unwrap();
    job
}

async fn concurrent_claims_never_share_a_job(db: Db) {
    for subject in 1..=40 {
        enqueue(&db, subject, 3).await;
    }
    // A second job for the same subject is refused: a subject is queued once.
    let mut op = db.begin_operational().await.unwrap();
    let again = jobs::enqueue(&mut op, of(1), 3, None, now()).await.unwrap_err();
    assert!(matches!(again, StorageError::Conflict { .. }), "{again:?}");
    drop(op);

    let mut workers = Vec::new();
    for w in 0..4 {
        let db = db.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let holder = format!("worker-{w}");
            while let Some(job) = claim(&db, &holder, now()).await {
                assert_eq!(job.state, JobState::Running);
                assert_eq!(job.attempts, 1);
                assert_eq!(job.lease_holder.as_deref(), Some(holder.as_str()));
                mine.push(job.subject);
                tokio::task::yield_now().await;
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let distinct: BTreeSet<i64> = all
        .iter()
        .map(|s| match s {
            Subject::SurveyAnalysis(id) => id.0,
        })
        .collect();
    assert_eq!(all.len(), 40, "every job claimed once: {all:?}");
    assert_eq!(distinct.len(), 40);
    assert!(claim(&db, "late", now()).await.is_none());
}

async fn an_expired_lease_is_taken_over_and_the_old_holder_is_locked_out(db: Db) {
    let id = enqueue(&db, 7, 3).await;
    let first = claim(&db, "a", now()).await.unwrap();
    assert_eq!(first.id, id);
    // Within the lease nobody else gets it; the holder's heartbeat renews it and reports progress.
    assert!(claim(&db, "b", now() + Duration::seconds(30)).await.is_none());
    let mut op = db.begin_operational().await.unwrap();
    let at = now() + Duration::seconds(40);
    let beat = jobs::heartbeat(&mut op, id, "a", at, at + Duration::minutes(1), 0.25)
        .await
        .unwrap();
    assert_eq!(
        beat,
        Heartbeat::Held {
            cancel_requested: false
        }
    );
    let wrong = jobs::heartbeat(&mut op, id, "b", at, at + Duration::minutes(1), 0.5)
        .await
        .unwrap();
    assert_eq!(wrong, Heartbeat::Lost);
    op.commit().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    let job = jobs::find(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(job.progress, 0.25);
    drop(conn);
    // Worker a dies: its lease runs out and b claims the job again.
    assert!(
        claim(&db, "b", now() + Duration::seconds(90)).await.is_none(),
        "renewed to 1:40"
    );
    let second = claim(&db, "b", now() + Duration::minutes(2)).await.unwrap();
    assert_eq!((second.id, second.attempts), (id, 2));
    assert_eq!(second.progress, 0.0);
    // a wakes up: it can neither renew nor finish.
    let later = now() + Duration::minutes(3);
    let mut op = db.begin_operational().await.unwrap();
    assert_eq!(
        jobs::heartbeat(&mut op, id, "a", later, later + Duration::minutes(1), 0.9)
            .await
            .unwrap(),
        Heartbeat::Lost
    );
    assert!(!jobs::finish(&mut op, id, "a", JobState::Done, None, later)
        .await
        .unwrap());
    assert!(jobs::finish(&mut op, id, "b", JobState::Done, None, later)
        .await
        .unwrap());
    assert!(
        !jobs::finish(&mut op, id, "b", JobState::Done, None, later)
            .await
            .unwrap(),
        "once"
    );
    op.commit().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    let done = jobs::find(&mut conn, id).await.unwrap().unwrap();
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.finished_at, Some(later));
    assert!(claim(&db, "c", later + Duration::hours(1)).await.is_none());
}

async fn claims_run_out_and_cancels_and_retries_follow_the_job(db: Db) {
    let id = enqueue(&db, 8, 2).await;
    claim(&db, "a", now()).await.unwrap();
    claim(&db, "b", now() + Duration::minutes(2)).await.unwrap();
    // Two claims, both holders dead: no third claim; the app is told to end it.
    let late = now() + Duration::minutes(5);
    assert!(claim(&db, "c", late).await.is_none());
    let mut conn = db.conn().await.unwrap();
    let out = jobs::expired_out(&mut conn, late).await.unwrap();
    assert_eq!(out.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
    assert!(jobs::expired_out(&mut conn, now() + Duration::minutes(2))
        .await
        .unwrap()
        .is_empty());
    drop(conn);
    let mut op = db.begin_operational().await.unwrap();
    assert!(
        jobs::end_expired(&mut op, id, JobState::Failed, Some("中断"), late)
            .await
            .unwrap()
    );
    assert!(
        !jobs::end_expired(&mut op, id, JobState::Failed, Some("中断"), late)
            .await
            .unwrap()
    );
    // A failed job is queued again by a retry, its claims counted afresh.
    assert!(jobs::requeue(&mut op, of(8), late).await.unwrap());
    assert!(
        !jobs::requeue(&mut op, of(8), late).await.unwrap(),
        "already queued"
    );
    op.commit().await.unwrap();
    let job = claim(&db, "d", late).await.unwrap();
    assert_eq!((job.id, job.attempts, job.error.as_deref()), (id, 1, None));

    // Cancelling a running job asks its worker, whose heartbeat hears it.
    let mut op = db.begin_operational().await.unwrap();
    assert_eq!(
        jobs::cancel(&mut op, of(8), late).await.unwrap(),
        Some(JobState::Running)
    );
    assert_eq!(
        jobs::heartbeat(&mut op, id, "d", late, late + Duration::minutes(1), 0.5)
            .await
            .unwrap(),
        Heartbeat::Held {
            cancel_requested: true
        }
    );
    // A job asked to cancel whose worker died is not claimed again but ended.
    op.commit().await.unwrap();
    let much_later = late + Duration::minutes(10);
    assert!(claim(&db, "e", much_later).await.is_none());
    let mut conn = db.conn().await.unwrap();
    assert_eq!(jobs::expired_out(&mut conn, much_later).await.unwrap().len(), 1);
    drop(conn);
    // Cancelling a queued job ends it at once.
    let queued = enqueue(&db, 9, 3).await;
    let mut op = db.begin_operational().await.unwrap();
    assert_eq!(
        jobs::cancel(&mut op, of(9), late).await.unwrap(),
        Some(JobState::Cancelled)
    );
    assert_eq!(jobs::cancel(&mut op, of(10), late).await.unwrap(), None);
    op.commit().await.unwrap();
    let mut conn = db.conn().await.unwrap();
    let cancelled = jobs::find(&mut conn, queued).await.unwrap().unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    let counts = jobs::counts(&mut conn).await.unwrap();
    assert!(
        counts.contains(&(JobState::Cancelled, 1)) && counts.contains(&(JobState::Running, 1)),
        "{counts:?}"
    );
}

async fn a_job_waits_for_the_job_it_comes_after(db: Db) {
    let first = enqueue(&db, 1, 3).await;
    let mut op = db.begin_operational().await.unwrap();
    let second = jobs::enqueue(&mut op, of(2), 3, Some(first), now())
        .await
        .unwrap();
    op.commit().await.unwrap();
    let claimed = claim(&db, "a", now()).await.unwrap();
    assert_eq!(claimed.id, first);
    assert!(
        claim(&db, "b", now()).await.is_none(),
        "the second waits while the first runs"
    );
    let mut op = db.begin_operational().await.unwrap();
    assert!(
        jobs::finish(&mut op, first, "a", JobState::Failed, Some("x"), now())
            .await
            .unwrap()
    );
    op.commit().await.unwrap();
    // Finished either way (done, failed or cancelled): the second may run.
    assert_eq!(claim(&db, "b", now()).await.unwrap().id, second);
}

on_both_backends!(
    a_job_waits_for_the_job_it_comes_after,
    concurrent_claims_never_share_a_job,
    an_expired_lease_is_taken_over_and_the_old_holder_is_locked_out,
    claims_run_out_and_cancels_and_retries_follow_the_job,
);
