//! Resumable uploads of survey files over a slow or broken county link: the first-party script sends a
//! large DEM in chunks, each appended at the offset the server already holds, and after a broken
//! connection asks how much arrived and goes on from there. The finished file is then named in the
//! survey form (field `upload`) instead of being sent again; a form refused for a wrong date keeps it.
//!
//! An upload is a staged file `{id}.part` in `scratch_dir/uploads` with its description `{id}.json`
//! (who started it, for which mine, the file's name and size). Only the account that started it may
//! add to it or use it, one chunk at a time (several servers behind one address need the client sent
//! to the same server for an upload, or a shared scratch folder with file locking — not built). Uploads left unfinished for [`KEEP_HOURS`] are removed when another starts.
//! What must not live here: what a survey file must be (the app checks it when the form is sent).

use crate::error::WebError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Files from this size go up in chunks; smaller ones with the plain form.
pub const RESUMABLE_FROM_BYTES: u64 = 16 << 20;
/// The size of a chunk the script sends (the server accepts up to [`MAX_CHUNK_BYTES`]).
pub const CHUNK_BYTES: u64 = 8 << 20;
pub const MAX_CHUNK_BYTES: u64 = 16 << 20;
/// Hours an upload is kept for its form to be sent.
pub const KEEP_HOURS: i64 = 48;

/// What an upload is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub account_id: i64,
    pub mine_id: i64,
    pub name: String,
    pub size: u64,
    pub started_at: i64,
}

/// An upload's state as the script reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub received: u64,
    pub chunk_bytes: u64,
}

pub fn dir(scratch: &Path) -> PathBuf {
    scratch.join("uploads")
}

/// An upload id is 43 URL-safe characters (as the platform's tokens); anything else names nothing.
fn valid_id(id: &str) -> bool {
    (20..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn paths(scratch: &Path, id: &str) -> Result<(PathBuf, PathBuf), WebError> {
    if !valid_id(id) {
        return Err(WebError::NotFound);
    }
    let d = dir(scratch);
    Ok((d.join(format!("{id}.part")), d.join(format!("{id}.json"))))
}

fn internal(path: &Path, e: impl std::fmt::Display) -> WebError {
    WebError::Internal(format!("{}: {e}", path.display()))
}

/// Starts an upload (the caller has checked the right to record surveys of the mine and the size).
pub async fn start(scratch: &Path, meta: &Meta, now: i64) -> Result<Status, WebError> {
    let d = dir(scratch);
    tokio::fs::create_dir_all(&d).await.map_err(|e| internal(&d, e))?;
    sweep(&d, now).await;
    let id = orewatch_app::auth::random_token();
    let (part, json) = paths(scratch, &id)?;
    tokio::fs::File::create(&part)
        .await
        .map_err(|e| internal(&part, e))?;
    let text = serde_json::to_vec(meta).map_err(|e| internal(&json, e))?;
    tokio::fs::write(&json, text)
        .await
        .map_err(|e| internal(&json, e))?;
    Ok(Status {
        id,
        name: meta.name.clone(),
        size: meta.size,
        received: 0,
        chunk_bytes: CHUNK_BYTES,
    })
}

/// Removes uploads older than [`KEEP_HOURS`].
async fn sweep(d: &Path, now: i64) {
    let Ok(mut entries) = tokio::fs::read_dir(d).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            let old = match tokio::fs::read(&path)
                .await
                .ok()
                .and_then(|b| serde_json::from_slice::<Meta>(&b).ok())
            {
                Some(meta) => now - meta.started_at > KEEP_HOURS * 3600,
                None => true,
            };
            if old {
                let _ = tokio::fs::remove_file(path.with_extension("part")).await;
                let _ = tokio::fs::remove_file(&path).await;
            }
        }
    }
}

/// An upload of `account`'s, with how much has arrived; another account's is not found.
pub async fn find(scratch: &Path, id: &str, account: i64) -> Result<(Meta, u64), WebError> {
    let (part, json) = paths(scratch, id)?;
    let bytes = tokio::fs::read(&json).await.map_err(|_| WebError::NotFound)?;
    let meta: Meta = serde_json::from_slice(&bytes).map_err(|e| internal(&json, e))?;
    if meta.account_id != account {
        return Err(WebError::NotFound);
    }
    let received = tokio::fs::metadata(&part)
        .await
        .map_err(|_| WebError::NotFound)?
        .len();
    Ok((meta, received))
}

pub fn status(id: &str, meta: &Meta, received: u64) -> Status {
    Status {
        id: id.to_string(),
        name: meta.name.clone(),
        size: meta.size,
        received,
        chunk_bytes: CHUNK_BYTES,
    }
}

/// What appending a chunk did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// Appended: the upload now holds this many bytes.
    Now(u64),
    /// The chunk was not at the end of what arrived (a retry of a chunk that did arrive, or a gap):
    /// nothing written; the script goes on from `received`.
    Elsewhere { received: u64 },
}

/// The uploads a chunk is being appended to in this process.
static BUSY: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// This process's turn to append to one upload, released when dropped.
struct Busy(String);

impl Busy {
    fn take(id: &str) -> Option<Busy> {
        let mut busy = BUSY.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if busy.iter().any(|b| b == id) {
            return None;
        }
        busy.push(id.to_string());
        Some(Busy(id.to_string()))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut busy = BUSY.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        busy.retain(|b| *b != self.0);
    }
}

/// Appends a chunk sent for `offset`, streamed to the file (never more than [`MAX_CHUNK_BYTES`], nor
/// past the declared size; each piece within `idle`). A chunk broken off midway leaves what arrived,
/// which the script's next status question reports.
pub async fn append(
    scratch: &Path,
    id: &str,
    account: i64,
    offset: u64,
    body: axum::body::Body,
    idle: std::time::Duration,
) -> Result<Appended, WebError> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    // One chunk at a time per upload (two tabs, or a retry racing the answer it did not wait for):
    // a second is told where the upload stands and asks again.
    let Some(_turn) = Busy::take(id) else {
        let (_, received) = find(scratch, id, account).await?;
        return Ok(Appended::Elsewhere { received });
    };
    let (meta, received) = find(scratch, id, account).await?;
    if offset != received {
        return Ok(Appended::Elsewhere { received });
    }
    let (part, _) = paths(scratch, id)?;
    let mut out = tokio::fs::OpenOptions::new()
        .append(true)
        .open(&part)
        .await
        .map_err(|e| internal(&part, e))?;
    let mut stream = body.into_data_stream();
    let mut written = 0u64;
    loop {
        let next = match tokio::time::timeout(idle, stream.next()).await {
            Err(_) => Err(WebError::SlowBody),
            Ok(None) => break,
            Ok(Some(Err(_))) => Err(WebError::BadUpload),
            Ok(Some(Ok(bytes))) => Ok(bytes),
        };
        let bytes = match next {
            Ok(bytes) => bytes,
            Err(e) => {
                let _ = out.flush().await;
                return Err(e);
            }
        };
        written += bytes.len() as u64;
        if written > MAX_CHUNK_BYTES || received + written > meta.size {
            // Keep only what was within bounds: cut the file back to where this chunk began.
            drop(out);
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&part)
                .map_err(|e| internal(&part, e))?;
            file.set_len(received).map_err(|e| internal(&part, e))?;
            return Err(WebError::TooLarge {
                max_bytes: usize::try_from(MAX_CHUNK_BYTES.min(meta.size - received)).unwrap_or(usize::MAX),
            });
        }
        out.write_all(&bytes).await.map_err(|e| internal(&part, e))?;
    }
    out.flush().await.map_err(|e| internal(&part, e))?;
    Ok(Appended::Now(received + written))
}

/// A finished upload of `account`'s for `mine`, hashed, as a staged survey file; `None` while bytes
/// are missing (the script has not finished).
pub async fn staged(
    scratch: &Path,
    id: &str,
    account: i64,
    mine: i64,
) -> Result<Option<orewatch_app::surveys::StagedFile>, WebError> {
    use sha2::Digest;
    use tokio::io::AsyncReadExt;
    let (meta, received) = find(scratch, id, account).await?;
    if meta.mine_id != mine {
        return Err(WebError::NotFound);
    }
    if received != meta.size {
        return Ok(None);
    }
    let (part, _) = paths(scratch, id)?;
    let mut file = tokio::fs::File::open(&part)
        .await
        .map_err(|e| internal(&part, e))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).await.map_err(|e| internal(&part, e))?;
        if n == 0 {
            break;
        }
        hasher.update(buffer.get(..n).unwrap_or_default());
    }
    Ok(Some(orewatch_app::surveys::StagedFile {
        name: meta.name,
        path: part,
        sha256: hex::encode(hasher.finalize()),
        size_bytes: meta.size,
    }))
}

/// Removes an upload once its survey is recorded.
pub async fn remove(scratch: &Path, id: &str) {
    if let Ok((part, json)) = paths(scratch, id) {
        let _ = tokio::fs::remove_file(part).await;
        let _ = tokio::fs::remove_file(json).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(size: u64) -> Meta {
        Meta {
            account_id: 7,
            mine_id: 3,
            name: "航测.tif".into(),
            size,
            started_at: 1_000,
        }
    }

    #[tokio::test]
    async fn chunks_append_at_the_end_only_and_a_finished_upload_is_hashed() {
        let scratch = tempfile::tempdir().unwrap();
        let s = start(scratch.path(), &meta(10), 1_000).await.unwrap();
        let idle = std::time::Duration::from_secs(5);
        let put = |offset, bytes: &'static [u8]| {
            append(
                scratch.path(),
                &s.id,
                7,
                offset,
                axum::body::Body::from(bytes),
                idle,
            )
        };
        assert_eq!(put(0, b"0123").await.unwrap(), Appended::Now(4));
        // The same chunk again (its answer was lost): nothing written, go on from 4.
        assert_eq!(
            put(0, b"0123").await.unwrap(),
            Appended::Elsewhere { received: 4 }
        );
        assert_eq!(put(6, b"67").await.unwrap(), Appended::Elsewhere { received: 4 });
        assert!(
            staged(scratch.path(), &s.id, 7, 3).await.unwrap().is_none(),
            "not finished"
        );
        // Past the declared size: refused, and the file cut back to where the chunk began.
        assert!(matches!(
            put(4, b"456789AB").await,
            Err(WebError::TooLarge { .. })
        ));
        assert_eq!(find(scratch.path(), &s.id, 7).await.unwrap().1, 4);
        assert_eq!(put(4, b"456789").await.unwrap(), Appended::Now(10));
        // Someone else's upload, or for another mine, is not found.
        assert!(matches!(
            find(scratch.path(), &s.id, 8).await,
            Err(WebError::NotFound)
        ));
        assert!(matches!(
            staged(scratch.path(), &s.id, 7, 4).await,
            Err(WebError::NotFound)
        ));
        assert!(matches!(
            find(scratch.path(), "../../etc/passwd", 7).await,
            Err(WebError::NotFound)
        ));
        let file = staged(scratch.path(), &s.id, 7, 3).await.unwrap().unwrap();
        assert_eq!(
            file.sha256,
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"0123456789"))
        );
        assert_eq!((file.name.as_str(), file.size_bytes), ("航测.tif", 10));
        remove(scratch.path(), &s.id).await;
        assert!(!file.path.exists());
    }

    #[tokio::test]
    async fn a_chunk_racing_another_for_the_same_upload_is_told_to_ask_again() {
        let scratch = tempfile::tempdir().unwrap();
        let s = start(scratch.path(), &meta(10), 1_000).await.unwrap();
        let turn = Busy::take(&s.id).unwrap();
        let idle = std::time::Duration::from_secs(5);
        let raced = append(
            scratch.path(),
            &s.id,
            7,
            0,
            axum::body::Body::from(&b"0123"[..]),
            idle,
        )
        .await
        .unwrap();
        assert_eq!(raced, Appended::Elsewhere { received: 0 });
        drop(turn);
        let after = append(
            scratch.path(),
            &s.id,
            7,
            0,
            axum::body::Body::from(&b"0123"[..]),
            idle,
        )
        .await
        .unwrap();
        assert_eq!(after, Appended::Now(4));
    }

    #[tokio::test]
    async fn uploads_left_for_two_days_are_removed_when_another_starts() {
        let scratch = tempfile::tempdir().unwrap();
        let old = start(scratch.path(), &meta(10), 1_000).await.unwrap();
        let later = 1_000 + KEEP_HOURS * 3600 + 1;
        let new = start(
            scratch.path(),
            &Meta {
                started_at: later,
                ..meta(10)
            },
            later,
        )
        .await
        .unwrap();
        assert!(matches!(
            find(scratch.path(), &old.id, 7).await,
            Err(WebError::NotFound)
        ));
        assert!(find(scratch.path(), &new.id, 7).await.is_ok());
    }
}
