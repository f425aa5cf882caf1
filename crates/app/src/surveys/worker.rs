//! The worker: claims analysis jobs and runs them (DESIGN.md "Deadlines, tasks and jobs").
//!
//! [`run_once`] ends jobs whose workers died too often, claims the oldest job for a lease, fetches the
//! two DEMs (read in place from a local file store; copied to scratch, checked, from object storage),
//! runs the engine on a blocking thread while the async side renews the lease every `heartbeat` and
//! passes on a cancel, then writes the result files to the file store and, in one audited write, the
//! result with the job's `done` — only if this worker still holds the lease, so a job completes once
//! even when a worker that lost its lease wakes up. A worker killed at any point leaves either nothing
//! (the lease expires and another worker starts over) or the whole result.

use super::yardstick;
use super::Inputs;
use crate::{App, AppError, Caller, Result};
use orewatch_domain::policy::{Action, Resource, Service};
use orewatch_domain::survey::analysis::Produced;
use orewatch_domain::survey::{AnalysisCommand, AnalysisFlow, AnalysisState, JobState, Outcome};
use orewatch_domain::{AnalysisId, JobId};
use orewatch_spatial::compare::{compare_files, Analysis as EngineAnalysis, CompareError, Period};
use orewatch_storage::jobs::{self, Heartbeat, Job, Subject};
use orewatch_storage::surveys as store;
use orewatch_storage::{licences, mines, WriteTx};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// What one call of [`run_once`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Ran {
    /// No job to claim.
    Idle,
    Done {
        job: JobId,
        analysis: AnalysisId,
    },
    /// The analysis failed with this reason (shown in Chinese on its page).
    Failed {
        job: JobId,
        reason: String,
    },
    Cancelled {
        job: JobId,
    },
    /// The lease was lost to another worker: nothing was written.
    Lost {
        job: JobId,
    },
}

/// Who the worker acts as: the worker service, named by its lease holder (`worker:{holder}`) in the
/// audit log. Every run asks the policy first.
fn worker(holder: &str) -> Result<Caller> {
    let caller = Caller::service(Service::Worker, format!("worker:{holder}"));
    caller.require(Action::RunAnalysis, &Resource::Installation)?;
    Ok(caller)
}

/// The analysis a job computes.
fn analysis_of(job: &Job) -> AnalysisId {
    match job.subject {
        Subject::SurveyAnalysis(id) => id,
    }
}

/// Whether the analysis still waits for its run (the office may have ended it meanwhile).
async fn pending(tx: &mut WriteTx, id: AnalysisId) -> Result<bool> {
    Ok(store::find_analysis(tx, id)
        .await?
        .is_some_and(|a| a.state == AnalysisState::Pending))
}

/// The worker's end of an analysis, through the kernel, inside the write that ends its job.
async fn finish(
    tx: &mut WriteTx,
    app: &App,
    caller: &Caller,
    id: AnalysisId,
    outcome: Outcome,
) -> Result<()> {
    crate::workflow::step_in::<AnalysisFlow>(tx, app, caller, id, AnalysisCommand::Finish(outcome), &[])
        .await?;
    Ok(())
}

/// Records jobs that will not be claimed again — their workers died `max_attempts` times, or died
/// after a cancel was asked — as failed or cancelled, with their analyses. Returns how many it ended.
pub async fn end_abandoned(app: &App, holder: &str) -> Result<usize> {
    let caller = worker(holder)?;
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let abandoned = jobs::expired_out(&mut conn, now).await?;
    drop(conn);
    let mut ended = 0;
    for job in abandoned {
        let analysis = analysis_of(&job);
        let (job_state, outcome, reason) = if job.cancel_requested {
            (JobState::Cancelled, Outcome::Cancelled, None)
        } else {
            let reason = format!(
                "分析进程已中断 {} 次（可能是内存不足或服务器重启），已停止自动重试；请检查后重新运行",
                job.attempts
            );
            (JobState::Failed, Outcome::Failed(reason.clone()), Some(reason))
        };
        let mut tx = app.db.begin_write(caller.audit_actor(), now).await?;
        if !pending(&mut tx, analysis).await? {
            // The office ended the analysis already; the job only follows it (working state).
            tx.rollback().await?;
            let mut op = app.db.begin_operational().await?;
            let done = jobs::end_expired(&mut op, job.id, job_state, reason.as_deref(), now).await?;
            op.commit().await?;
            ended += usize::from(done);
            continue;
        }
        if !jobs::end_expired(&mut tx, job.id, job_state, reason.as_deref(), now).await? {
            tx.rollback().await?;
            continue;
        }
        finish(&mut tx, app, &caller, analysis, outcome).await?;
        tx.commit().await?;
        ended += 1;
    }
    Ok(ended)
}

/// Claims one job and runs it to its end. `holder` names this worker in leases and the audit.
pub async fn run_once(app: &App, holder: &str) -> Result<Ran> {
    worker(holder)?;
    end_abandoned(app, holder).await?;
    let settings = &app.settings.surveys;
    let token = crate::auth::random_token();
    let now = app.now();
    let mut op = app.db.begin_operational().await?;
    let claimed = jobs::claim(
        &mut op,
        app.db.backend(),
        holder,
        &token,
        now,
        now + settings.lease,
    )
    .await?;
    op.commit().await?;
    let Some(job) = claimed else {
        return Ok(Ran::Idle);
    };
    tracing::info!(
        job = job.id.0,
        analysis = analysis_of(&job).0,
        attempt = job.attempts,
        "analysis claimed"
    );
    let outcome = run_claimed(app, holder, &token, &job).await;
    match outcome {
        Ok(ran) => Ok(ran),
        // A fault of the platform (storage, the file store): the job stays claimed and is taken over
        // when its lease expires, up to its attempts.
        Err(error) => {
            tracing::warn!(job = job.id.0, error = %error.chain(), "analysis interrupted");
            Err(error)
        }
    }
}

/// The inputs' files on local disk for the engine, and what to remove afterwards.
struct LocalInputs {
    before: PathBuf,
    after: PathBuf,
    scratch: Vec<PathBuf>,
}

impl Drop for LocalInputs {
    fn drop(&mut self) {
        for path in &self.scratch {
            let _ = std::fs::remove_file(path);
        }
    }
}

async fn local_copy(app: &App, sha256: &str, name: &str, scratch: &mut Vec<PathBuf>) -> Result<PathBuf> {
    if let Some(path) = app.files().local_path(sha256) {
        return Ok(path);
    }
    let dir = &app.settings.surveys.scratch_dir;
    tokio::fs::create_dir_all(dir).await.map_err(AppError::io(dir))?;
    let path = dir.join(format!("{}-{name}", crate::auth::random_token()));
    scratch.push(path.clone());
    app.files().fetch_to(sha256, &path).await?;
    Ok(path)
}

async fn run_claimed(app: &App, holder: &str, token: &str, job: &Job) -> Result<Ran> {
    let settings = app.settings.surveys.clone();
    let mut conn = app.db.conn().await?;
    let analysis = store::find_analysis(&mut conn, analysis_of(job))
        .await?
        .ok_or_else(|| AppError::Invariant(format!("job {} names no analysis", job.id)))?;
    let after = store::find(&mut conn, analysis.survey_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = store::find(&mut conn, analysis.before_survey_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let licence = licences::find(&mut conn, analysis.licence_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mine = mines::find(&mut conn, after.mine_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // The earlier findings' outlines, measured again by this comparison (a re-flight).
    let watch = super::proposals::watches(&mut conn, before.id).await?;
    drop(conn);
    let inputs: Inputs = serde_json::from_str(&analysis.inputs_json)
        .map_err(AppError::corrupt(format!("inputs of analysis {}", analysis.id)))?;
    let engine_licence = match yardstick::engine_licence(&licence, &mine.name, &inputs) {
        Ok(l) => l,
        Err(reason) => return finish_failed(app, holder, token, job, reason).await,
    };
    let period = Period {
        start: before.flown_on,
        end: after.flown_on,
    };
    // Copies in scratch are removed when `files` is dropped, whatever happens from here on.
    let mut files = LocalInputs {
        before: PathBuf::new(),
        after: PathBuf::new(),
        scratch: Vec::new(),
    };
    for (sha, name) in [
        (&before.dem_sha256, "before.tif"),
        (&after.dem_sha256, "after.tif"),
    ] {
        let path = match local_copy(app, sha, name, &mut files.scratch).await {
            Ok(path) => path,
            // A stored survey that no longer matches its hash is evidence gone bad, not a passing
            // fault: the analysis fails at once, naming it.
            Err(AppError::FileAltered(sha)) => {
                let reason = format!(
                    "测量成果文件（SHA-256 {sha}）未通过完整性校验：文件存储中的内容与登记时不符，分析不予进行"
                );
                return finish_failed(app, holder, token, job, reason).await;
            }
            Err(other) => return Err(other),
        };
        if name == "before.tif" {
            files.before = path;
        } else {
            files.after = path;
        }
    }

    // The engine on a blocking thread; the lease renewed here.
    let progress = Arc::new(AtomicU64::new(0f64.to_bits()));
    let cancel = Arc::new(AtomicBool::new(false));
    let engine = {
        let progress = progress.clone();
        let cancel = cancel.clone();
        let (before_file, after_file) = (files.before.clone(), files.after.clone());
        let names = [before.dem_name.clone(), after.dem_name.clone()];
        let analysis_in = EngineAnalysis {
            licence: engine_licence,
            period,
            thresholds: inputs.thresholds,
            watch,
        };
        tokio::task::spawn_blocking(move || {
            let result = compare_files(
                &analysis_in,
                None,
                &before_file,
                &after_file,
                &mut |share| progress.store(share.to_bits(), Ordering::Relaxed),
                &cancel,
            );
            result.and_then(|mut report| {
                // The report names the files as they were recorded, not where this worker read them
                // (a scratch copy, or the store's hash-named file): the same analysis gives the same
                // report wherever it runs. The hashes are checked against the records below.
                for (input, name) in report.inputs.iter_mut().zip(names) {
                    input.name = name;
                }
                orewatch_spatial::outputs::render(&report)
                    .map(|rendered| (report, rendered))
                    .map_err(|e| CompareError::Io {
                        path: PathBuf::from("change.png"),
                        problem: std::io::Error::other(e.to_string()),
                    })
            })
        })
    };
    tokio::pin!(engine);
    let mut cancelled_by_office = false;
    let mut lost = false;
    let result = loop {
        tokio::select! {
            joined = &mut engine => break joined,
            () = tokio::time::sleep(settings.heartbeat) => {
                let now = app.now();
                let share = f64::from_bits(progress.load(Ordering::Relaxed));
                let mut op = app.db.begin_operational().await?;
                let beat = jobs::heartbeat(&mut op, job.id, token, now, now + settings.lease, share).await;
                op.commit().await?;
                match beat? {
                    Heartbeat::Held { cancel_requested: true } => {
                        cancelled_by_office = true;
                        cancel.store(true, Ordering::Relaxed);
                    }
                    Heartbeat::Held { cancel_requested: false } => {}
                    Heartbeat::Lost => {
                        lost = true;
                        cancel.store(true, Ordering::Relaxed);
                    }
                }
            }
        }
    };
    let result = result.map_err(|source| AppError::Thread {
        what: "analysis",
        source,
    })?;
    if lost {
        return Ok(Ran::Lost { job: job.id });
    }
    let (report, rendered) = match result {
        Ok(done) => done,
        Err(CompareError::Cancelled) if cancelled_by_office => {
            return finish_cancelled(app, holder, token, job).await;
        }
        Err(error) => return finish_failed(app, holder, token, job, error.to_string()).await,
    };
    drop(files);
    // The files the engine read must be the files recorded: evidence names them by hash.
    let read: Vec<&str> = report.inputs.iter().map(|i| i.sha256.as_str()).collect();
    if read != [before.dem_sha256.as_str(), after.dem_sha256.as_str()] {
        return finish_failed(
            app,
            holder,
            token,
            job,
            "测量成果文件与登记时的 SHA-256 不一致（文件可能已被改动），分析结果不予采用".to_string(),
        )
        .await;
    }
    let proposed = match super::proposals::build(&report, analysis.id, &before, &after) {
        Ok(proposed) => proposed,
        Err(error) => return finish_failed(app, holder, token, job, error.to_string()).await,
    };
    let store_file = |bytes: Vec<u8>| async move { app.files().put(&bytes).await };
    let report_sha = store_file(rendered.report_json.clone().into_bytes()).await?;
    let patches_sha = store_file(rendered.patches_geojson.into_bytes()).await?;
    let png_sha = store_file(rendered.change_png).await?;
    let overlay_sha = store_file(rendered.overlay_json.into_bytes()).await?;

    let caller = worker(holder)?;
    let now = app.now();
    let mut tx = app.db.begin_write(caller.audit_actor(), now).await?;
    if !pending(&mut tx, analysis.id).await? {
        // Cancelled by the office while the engine finished: the job follows the record.
        tx.rollback().await?;
        return finish_job_only(app, token, job, JobState::Cancelled).await;
    }
    if !jobs::finish(&mut tx, job.id, token, JobState::Done, None, now).await? {
        tx.rollback().await?;
        return Ok(Ran::Lost { job: job.id });
    }
    let produced = Produced {
        report_json: rendered.report_json,
        report_sha256: report_sha,
        patches_sha256: patches_sha,
        change_png_sha256: png_sha,
        overlay_sha256: overlay_sha,
        summary: report.summary_zh(),
    };
    finish(
        &mut tx,
        app,
        &caller,
        analysis.id,
        Outcome::Done(Box::new(produced)),
    )
    .await?;
    for p in proposed {
        let evidence_json =
            serde_json::to_string(&p.evidence).map_err(AppError::json("proposal evidence"))?;
        let id = orewatch_storage::proposals::insert(
            &mut tx,
            &orewatch_storage::proposals::NewProposal {
                analysis_id: analysis.id,
                mine_id: mine.id,
                kind: p.kind,
                severity: &p.severity,
                message_zh: &p.message_zh,
                evidence_json: &evidence_json,
                volume_m3: p.volume_m3,
            },
        )
        .await?;
        crate::workflow::created::<orewatch_domain::proposal::ProposalFlow>(&mut tx, app, &caller, id)
            .await?;
    }
    tx.commit().await?;
    tracing::info!(job = job.id.0, analysis = analysis.id.0, "analysis done");
    Ok(Ran::Done {
        job: job.id,
        analysis: analysis.id,
    })
}

/// Ends the job and its analysis as failed with `reason`, if this worker still holds it.
async fn finish_failed(app: &App, holder: &str, token: &str, job: &Job, reason: String) -> Result<Ran> {
    let ended = end_with(
        app,
        holder,
        token,
        job,
        JobState::Failed,
        Outcome::Failed(reason.clone()),
    )
    .await?;
    Ok(if ended {
        Ran::Failed { job: job.id, reason }
    } else {
        Ran::Lost { job: job.id }
    })
}

async fn finish_cancelled(app: &App, holder: &str, token: &str, job: &Job) -> Result<Ran> {
    let ended = end_with(app, holder, token, job, JobState::Cancelled, Outcome::Cancelled).await?;
    Ok(if ended {
        Ran::Cancelled { job: job.id }
    } else {
        Ran::Lost { job: job.id }
    })
}

async fn end_with(
    app: &App,
    holder: &str,
    token: &str,
    job: &Job,
    job_state: JobState,
    outcome: Outcome,
) -> Result<bool> {
    let caller = worker(holder)?;
    let now = app.now();
    let reason = match &outcome {
        Outcome::Failed(reason) => Some(reason.clone()),
        Outcome::Done(_) | Outcome::Cancelled => None,
    };
    let mut tx = app.db.begin_write(caller.audit_actor(), now).await?;
    if !pending(&mut tx, analysis_of(job)).await? {
        tx.rollback().await?;
        let mut op = app.db.begin_operational().await?;
        let held = jobs::finish(&mut op, job.id, token, job_state, reason.as_deref(), now).await?;
        op.commit().await?;
        return Ok(held);
    }
    if !jobs::finish(&mut tx, job.id, token, job_state, reason.as_deref(), now).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    finish(&mut tx, app, &caller, analysis_of(job), outcome).await?;
    tx.commit().await?;
    Ok(true)
}

/// Ends a job whose analysis the office already ended (working state only).
async fn finish_job_only(app: &App, token: &str, job: &Job, state: JobState) -> Result<Ran> {
    let mut op = app.db.begin_operational().await?;
    let held = jobs::finish(&mut op, job.id, token, state, None, app.now()).await?;
    op.commit().await?;
    Ok(if held {
        Ran::Cancelled { job: job.id }
    } else {
        Ran::Lost { job: job.id }
    })
}

/// Runs jobs until `stop` turns true: one at a time, polling every `poll` when idle. A failed run
/// (storage down) is logged and retried after a pause.
pub async fn run(app: App, holder: String, stop: tokio::sync::watch::Receiver<bool>) {
    let poll = app.settings.surveys.poll;
    loop {
        if *stop.borrow() {
            return;
        }
        let pause = match run_once(&app, &holder).await {
            Ok(Ran::Idle) => poll,
            Ok(ran) => {
                tracing::info!(?ran, "job finished");
                std::time::Duration::ZERO
            }
            Err(_) => poll * 5,
        };
        if !pause.is_zero() {
            let mut stop = stop.clone();
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                _ = stop.changed() => {}
            }
        }
    }
}
