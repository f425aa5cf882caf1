//! The job queue (DESIGN.md "Deadlines, tasks and jobs"): machine work claimed by workers.
//!
//! One row per subject (an analysis), so a job can never be queued twice; a retry queues the same row
//! again. A worker claims the oldest claimable job for a lease, with a token only it knows; its
//! heartbeat renews the lease and reports progress; a job whose lease expired — its worker died — is
//! claimed again, up to `max_attempts` claims, after which [`expired_out`] hands it to the app to be
//! recorded as failed. Every change after the claim is conditional on the token, so a worker that lost
//! its lease (a long pause, a network split) can neither renew nor finish the job: the result is
//! written once, by the worker holding the lease, in the same transaction as the job's `done`.
//!
//! The claim is the one statement that differs between the engines ([`claim`]): PostgreSQL locks the
//! chosen row with `FOR UPDATE SKIP LOCKED`, so workers claim different jobs without waiting on each
//! other; SQLite has one writer at a time, so the same statement without the locking clause is already
//! atomic. Queueing, finishing, cancelling and retrying run inside the use case's audited write (with
//! its record); claims and heartbeats are operational writes.

use crate::write::Operational;
use crate::{get, get_code, get_opt_time, get_time, some, Backend, Conn, Result, StorageError};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::survey::JobState;
use orewatch_domain::{AnalysisId, JobId};

/// What a job does, and to which record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// Compare a survey with the one before it.
    SurveyAnalysis(AnalysisId),
}

impl Subject {
    /// The job's kind, as stored.
    pub fn kind(self) -> &'static str {
        match self {
            Subject::SurveyAnalysis(_) => "survey_analysis",
        }
    }

    /// The subject's key, as stored.
    fn key(self) -> i64 {
        match self {
            Subject::SurveyAnalysis(id) => id.0,
        }
    }

    fn parse(kind: &str, key: i64) -> Option<Self> {
        match kind {
            "survey_analysis" => Some(Subject::SurveyAnalysis(AnalysisId(key))),
            _ => None,
        }
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub subject: Subject,
    pub state: JobState,
    /// How many times it was claimed.
    pub attempts: i64,
    pub max_attempts: i64,
    pub lease_holder: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// Share done, 0–1, as the last heartbeat reported.
    pub progress: f64,
    pub cancel_requested: bool,
    pub error: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Job> {
    Ok(Job {
        id: JobId(get(r, "job_id")?),
        subject: {
            let (kind, key): (String, i64) = (get(r, "kind")?, get(r, "subject_id")?);
            Subject::parse(&kind, key).ok_or_else(|| StorageError::Corrupt(format!("job kind: “{kind}”")))?
        },
        state: get_code(r, "state", some(JobState::parse))?,
        attempts: get(r, "attempts")?,
        max_attempts: get(r, "max_attempts")?,
        lease_holder: get(r, "lease_holder")?,
        lease_until: get_opt_time(r, "lease_until")?,
        heartbeat_at: get_opt_time(r, "heartbeat_at")?,
        progress: get(r, "progress")?,
        cancel_requested: get::<i64>(r, "cancel_requested")? != 0,
        error: get(r, "error")?,
        queued_at: get_time(r, "queued_at")?,
        started_at: get_opt_time(r, "started_at")?,
        finished_at: get_opt_time(r, "finished_at")?,
    })
}

/// Queues the job of a subject (in the write that creates the subject); returns its id.
pub async fn enqueue(
    tx: &mut impl Operational,
    subject: Subject,
    max_attempts: i64,
    after: Option<JobId>,
    now: DateTime<Utc>,
) -> Result<JobId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO job (kind, subject_id, state, attempts, max_attempts, progress, cancel_requested, \
         queued_at, after_job_id) VALUES ($1, $2, 'queued', 0, $3, 0.0, 0, $4, $5) RETURNING job_id",
    )
    .bind(subject.kind())
    .bind(subject.key())
    .bind(max_attempts)
    .bind(format_timestamp(now))
    .bind(after.map(|j| j.0))
    .fetch_one(&mut **tx)
    .await?;
    Ok(JobId(id))
}

/// Queues a finished (failed or cancelled) job again, with its attempts counted afresh; returns
/// whether it was finished and is queued now.
pub async fn requeue(tx: &mut impl Operational, subject: Subject, now: DateTime<Utc>) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE job SET state = 'queued', attempts = 0, lease_holder = NULL, lease_token = NULL, \
         lease_until = NULL, heartbeat_at = NULL, progress = 0.0, cancel_requested = 0, error = NULL, \
         queued_at = $1, started_at = NULL, finished_at = NULL \
         WHERE kind = $2 AND subject_id = $3 AND state IN ('failed', 'cancelled')",
    )
    .bind(format_timestamp(now))
    .bind(subject.kind())
    .bind(subject.key())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Claims the oldest claimable job for `holder` until `lease_until`, under `token`: a queued job, or a
/// running one whose lease expired before `now` and that has claims left and no cancel asked.
pub async fn claim(
    conn: &mut impl Operational,
    backend: Backend,
    holder: &str,
    token: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<Job>> {
    // The dialect seam: PostgreSQL skips rows another worker is claiming; SQLite's single writer makes
    // the statement atomic as it is.
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE job SET state = 'running', attempts = attempts + 1, lease_holder = $1, lease_token = $2, \
         lease_until = $3, heartbeat_at = $4, started_at = $4, progress = 0.0 \
         WHERE job_id = (SELECT j.job_id FROM job j WHERE (j.state = 'queued' AND NOT EXISTS \
         (SELECT 1 FROM job p WHERE p.job_id = j.after_job_id AND p.state IN ('queued', 'running'))) \
         OR (j.state = 'running' AND j.lease_until < $4 AND j.attempts < j.max_attempts \
         AND j.cancel_requested = 0) ORDER BY j.job_id LIMIT 1{lock}) RETURNING *"
    );
    let row = sqlx::query(&sql)
        .bind(holder)
        .bind(token)
        .bind(format_timestamp(lease_until))
        .bind(format_timestamp(now))
        .fetch_optional(&mut **conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// What a heartbeat found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Heartbeat {
    /// The lease is renewed; `cancel_requested` says whether the office asked to stop.
    Held { cancel_requested: bool },
    /// The lease is gone (it expired and another worker claimed the job, or the job was finished):
    /// stop without writing anything.
    Lost,
}

/// Renews the lease of a job this worker holds and records its progress.
pub async fn heartbeat(
    conn: &mut impl Operational,
    job_id: JobId,
    token: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    progress: f64,
) -> Result<Heartbeat> {
    let cancel: Option<i64> = sqlx::query_scalar(
        "UPDATE job SET heartbeat_at = $1, lease_until = $2, progress = $3 \
         WHERE job_id = $4 AND lease_token = $5 AND state = 'running' RETURNING cancel_requested",
    )
    .bind(format_timestamp(now))
    .bind(format_timestamp(lease_until))
    .bind(progress.clamp(0.0, 1.0))
    .bind(job_id.0)
    .bind(token)
    .fetch_optional(&mut **conn)
    .await?;
    Ok(match cancel {
        None => Heartbeat::Lost,
        Some(flag) => Heartbeat::Held {
            cancel_requested: flag != 0,
        },
    })
}

/// Ends a running job this worker holds as done, failed (with the reason) or cancelled; returns
/// whether it held it (if not, the caller must write nothing: its transaction is rolled back).
pub async fn finish(
    tx: &mut impl Operational,
    job_id: JobId,
    token: &str,
    state: JobState,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    if !state.is_finished() {
        return Err(StorageError::Internal(format!("finish as {}", state.as_str())));
    }
    let changed = sqlx::query(
        "UPDATE job SET state = $1, error = $2, finished_at = $3, lease_token = NULL, lease_until = NULL \
         WHERE job_id = $4 AND lease_token = $5 AND state = 'running'",
    )
    .bind(state.as_str())
    .bind(error)
    .bind(format_timestamp(now))
    .bind(job_id.0)
    .bind(token)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Running jobs whose lease expired and that will not be claimed again: out of claims, or asked to
/// cancel. The app records each as failed or cancelled with [`end_expired`].
pub async fn expired_out(conn: &mut Conn, now: DateTime<Utc>) -> Result<Vec<Job>> {
    sqlx::query(
        "SELECT * FROM job WHERE state = 'running' AND lease_until < $1 \
         AND (attempts >= max_attempts OR cancel_requested = 1) ORDER BY job_id",
    )
    .bind(format_timestamp(now))
    .fetch_all(conn)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Ends a job that [`expired_out`] found, if it still is as found; returns whether it ended it.
pub async fn end_expired(
    tx: &mut impl Operational,
    job_id: JobId,
    state: JobState,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let changed = sqlx::query(
        "UPDATE job SET state = $1, error = $2, finished_at = $3, lease_token = NULL, lease_until = NULL \
         WHERE job_id = $4 AND state = 'running' AND lease_until < $3",
    )
    .bind(state.as_str())
    .bind(error)
    .bind(format_timestamp(now))
    .bind(job_id.0)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Cancels a subject's job: a queued one at once, a running one by asking its worker (which stops at
/// its next heartbeat). Returns the job's state after the call.
pub async fn cancel(
    tx: &mut impl Operational,
    subject: Subject,
    now: DateTime<Utc>,
) -> Result<Option<JobState>> {
    sqlx::query(
        "UPDATE job SET state = 'cancelled', finished_at = $1 WHERE kind = $2 AND subject_id = $3 \
         AND state = 'queued'",
    )
    .bind(format_timestamp(now))
    .bind(subject.kind())
    .bind(subject.key())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE job SET cancel_requested = 1 WHERE kind = $1 AND subject_id = $2 AND state = 'running'",
    )
    .bind(subject.kind())
    .bind(subject.key())
    .execute(&mut **tx)
    .await?;
    Ok(of_subject(tx, subject).await?.map(|j| j.state))
}

/// The job of a subject.
pub async fn of_subject(conn: &mut Conn, subject: Subject) -> Result<Option<Job>> {
    sqlx::query("SELECT * FROM job WHERE kind = $1 AND subject_id = $2")
        .bind(subject.kind())
        .bind(subject.key())
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn find(conn: &mut Conn, id: JobId) -> Result<Option<Job>> {
    sqlx::query("SELECT * FROM job WHERE job_id = $1")
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// How many jobs are in each state (for the operator and the benchmarks).
pub async fn counts(conn: &mut Conn) -> Result<Vec<(JobState, i64)>> {
    sqlx::query("SELECT state, COUNT(*) AS n FROM job GROUP BY state ORDER BY state")
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok((get_code(r, "state", some(JobState::parse))?, get(r, "n")?)))
        .collect()
}
