//! 续传 — resumable uploads of survey files over a slow or broken county link. The first-party script
//! sends a large DEM in chunks, each appended at the offset the platform already holds; after a broken
//! connection it asks how much arrived and goes on from there. The finished file is then named in the
//! survey form instead of being sent again ([`staged`]); a form refused for a wrong date keeps it.
//!
//! Nothing lives in one process: the upload's state (owner, mine, name, size, bytes received, expiry)
//! is a row of working state in the database and its bytes are parts in the file store's staging area,
//! so any `serve` process behind a load balancer can take the next chunk or the form. Only the account
//! that started an upload may continue it (the policy's `ContinueUpload`); to anyone else it does not
//! exist. Uploads left for [`KEEP_HOURS`] are removed when another starts.

use super::StagedFile;
use crate::{App, AppError, Caller, Result};
use chrono::Duration;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{MineId, Problem};
use orewatch_storage::files::StagingKey;
use orewatch_storage::uploads::{self as store, Part, Upload};

/// Files from this size go up in chunks; smaller ones with the plain form.
pub const RESUMABLE_FROM_BYTES: u64 = 16 << 20;
/// The size of a chunk the script sends (the platform accepts up to [`MAX_CHUNK_BYTES`]).
pub const CHUNK_BYTES: u64 = 8 << 20;
pub const MAX_CHUNK_BYTES: u64 = 16 << 20;
/// Hours an upload is kept for its form to be sent.
pub const KEEP_HOURS: i64 = 48;

/// An upload's state as the script reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Status {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub received: u64,
    pub chunk_bytes: u64,
}

impl Status {
    fn of(u: &Upload) -> Self {
        Status {
            id: u.id.clone(),
            name: u.name.clone(),
            size: u.size_bytes,
            received: u.received_bytes,
            chunk_bytes: CHUNK_BYTES,
        }
    }
}

/// What sending a chunk did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended<E> {
    /// Appended: the upload now holds this many bytes.
    Now(u64),
    /// The chunk was not at the end of what arrived (a retry of a chunk that did arrive, a gap, or
    /// another chunk that got there first): nothing kept; the script goes on from `received`.
    Elsewhere { received: u64 },
    /// The chunk broke off (`cause`, from the stream): what arrived of it is kept, and the upload now
    /// holds `received` bytes.
    Broken { received: u64, cause: E },
}

/// Starts an upload of `size` bytes named `name` for the mine (the caller must be allowed to record
/// its surveys; the size must be within the survey file limit).
pub async fn start(app: &App, caller: &Caller, mine_id: MineId, name: &str, size: u64) -> Result<Status> {
    super::require_record(app, caller, mine_id).await?;
    let name = orewatch_domain::field::upload_name(name).map_err(|p| AppError::invalid("dem", p))?;
    if size == 0 {
        return Err(AppError::invalid("dem", Problem::Required));
    }
    let max = app.settings.surveys.max_dem_bytes;
    if size > max {
        return Err(AppError::TooLarge { max_bytes: max });
    }
    let account_id = caller
        .account_id()
        .ok_or(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role))?;
    sweep(app).await?;
    let now = app.now();
    let upload = Upload {
        id: crate::auth::random_token(),
        account_id,
        mine_id,
        name,
        size_bytes: size,
        received_bytes: 0,
        started_at: now,
        expires_at: now + Duration::hours(KEEP_HOURS),
    };
    let mut w = app.db.begin_operational().await?;
    store::insert(&mut w, &upload).await?;
    w.commit().await?;
    Ok(Status::of(&upload))
}

/// Removes the uploads kept too long, with their staged bytes.
async fn sweep(app: &App) -> Result<()> {
    let expired = {
        let mut conn = app.db.conn().await?;
        store::expired(&mut conn, app.now()).await?
    };
    for id in expired {
        discard(app, &id).await?;
    }
    Ok(())
}

/// An upload the caller may continue; anyone else's, an expired one or a malformed id is not found.
async fn find(app: &App, caller: &Caller, id: &str) -> Result<Upload> {
    let mut conn = app.db.conn().await?;
    let upload = store::find(&mut conn, id)
        .await?
        .filter(|u| u.expires_at >= app.now())
        .ok_or(AppError::NotFound)?;
    let resource = Resource::Upload {
        started_by: upload.account_id,
    };
    caller
        .require(Action::ContinueUpload, &resource)
        .map_err(|_| AppError::NotFound)?;
    Ok(upload)
}

/// How far an upload is.
pub async fn status(app: &App, caller: &Caller, id: &str) -> Result<Status> {
    Ok(Status::of(&find(app, caller, id).await?))
}

/// Appends a chunk sent for `offset`, streamed to the staging area (never more than
/// [`MAX_CHUNK_BYTES`], nor past the declared size: such a chunk is refused whole). A chunk that breaks
/// off midway keeps what arrived, which the script's next status question reports.
pub async fn append<B, E, S>(
    app: &App,
    caller: &Caller,
    id: &str,
    offset: u64,
    mut chunk: S,
) -> Result<Appended<E>>
where
    B: AsRef<[u8]>,
    S: futures_util::Stream<Item = std::result::Result<B, E>> + Unpin,
{
    use futures_util::StreamExt;
    let upload = find(app, caller, id).await?;
    if offset != upload.received_bytes {
        return Ok(Appended::Elsewhere {
            received: upload.received_bytes,
        });
    }
    let limit = MAX_CHUNK_BYTES.min(upload.size_bytes - offset);
    let nonce = crate::auth::random_token();
    let key =
        StagingKey::new(&upload.id, offset, nonce.get(..16).unwrap_or(&nonce)).ok_or(AppError::NotFound)?;
    let mut staging = app.files().stage(&key).await?;
    let mut broken = None;
    while let Some(piece) = chunk.next().await {
        let bytes = match piece {
            Ok(bytes) => bytes,
            Err(cause) => {
                broken = Some(cause);
                break;
            }
        };
        let bytes = bytes.as_ref();
        if staging.written() + bytes.len() as u64 > limit {
            staging.abort().await;
            return Err(AppError::TooLarge { max_bytes: limit });
        }
        if let Err(e) = staging.write(bytes).await {
            // Nothing half-written is left under the part's key (or as an open multipart upload).
            staging.abort().await;
            return Err(e.into());
        }
    }
    let received = if staging.written() == 0 {
        staging.abort().await;
        offset
    } else {
        let size = staging.finish().await?;
        let part = Part {
            offset_bytes: offset,
            size_bytes: size,
            object_key: key.as_str().to_string(),
        };
        let mut w = app.db.begin_operational().await?;
        let landed = store::commit_part(&mut w, &upload.id, &part).await?;
        w.commit().await?;
        if !landed {
            app.files().remove_staged(&key).await?;
            let now = find(app, caller, id).await?.received_bytes;
            return Ok(Appended::Elsewhere { received: now });
        }
        offset + size
    };
    Ok(match broken {
        Some(cause) => Appended::Broken { received, cause },
        None => Appended::Now(received),
    })
}

/// A finished upload of the caller's for `mine_id`, joined into one file in the scratch folder and
/// hashed, as a staged survey file; `None` while bytes are missing. The file is the caller's to
/// remove once the form is answered.
pub async fn staged(app: &App, caller: &Caller, id: &str, mine_id: MineId) -> Result<Option<StagedFile>> {
    let upload = find(app, caller, id).await?;
    if upload.mine_id != mine_id {
        return Err(AppError::NotFound);
    }
    if upload.received_bytes != upload.size_bytes {
        return Ok(None);
    }
    let parts = {
        let mut conn = app.db.conn().await?;
        store::parts(&mut conn, &upload.id).await?
    };
    let keys = keys_of(&parts)?;
    let dir = app.settings.surveys.scratch_dir.join("uploads");
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(AppError::io(&dir))?;
    let path = dir.join(format!(
        "{}-{}.part",
        upload.id,
        crate::auth::random_token().get(..16).unwrap_or("0")
    ));
    let (sha256, size) = app.files().join_staged(&keys, &path).await?;
    if size != upload.size_bytes {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(AppError::Invariant(format!(
            "upload {}: {size} bytes staged, {} recorded",
            upload.id, upload.size_bytes
        )));
    }
    Ok(Some(StagedFile {
        name: upload.name,
        path,
        sha256,
        size_bytes: size,
    }))
}

/// The parts' keys in order, each checked to follow the one before.
fn keys_of(parts: &[Part]) -> Result<Vec<StagingKey>> {
    let mut next = 0;
    parts
        .iter()
        .map(|p| {
            if p.offset_bytes != next {
                return Err(AppError::Invariant(format!(
                    "upload part at {} after {next} bytes",
                    p.offset_bytes
                )));
            }
            next += p.size_bytes;
            StagingKey::parse(&p.object_key)
                .ok_or_else(|| AppError::Invariant(format!("upload part key {}", p.object_key)))
        })
        .collect()
}

/// Removes a finished upload of the caller's once its survey is recorded.
pub async fn remove(app: &App, caller: &Caller, id: &str) -> Result<()> {
    let upload = find(app, caller, id).await?;
    discard(app, &upload.id).await
}

/// Removes an upload's staged bytes, then its rows.
async fn discard(app: &App, id: &str) -> Result<()> {
    let parts = {
        let mut conn = app.db.conn().await?;
        store::parts(&mut conn, id).await?
    };
    for part in &parts {
        if let Some(key) = StagingKey::parse(&part.object_key) {
            app.files().remove_staged(&key).await?;
        }
    }
    let mut w = app.db.begin_operational().await?;
    store::delete(&mut w, id).await?;
    w.commit().await?;
    Ok(())
}
