//! The file store: content-addressed files (`ab/cd/<sha256>`) in a local folder or an S3-compatible
//! bucket ([`FileBackend`]), and the `attachment` rows that name them. A file is written once under its
//! SHA-256 — atomically in both backends (a local file is written under a temporary name and renamed;
//! an S3 PUT is atomic), so a crash never leaves half a file under a real name — and checked against it
//! when read. Both backends go through `object_store`, so the layout and the checks are one code path;
//! the local layout is the one earlier releases wrote.

use crate::bound::{table_of, Key, ATTACHMENTS};
use crate::{get, get_code, get_time, Conn, Result, StorageError, WriteTx};
use chrono::{DateTime, Utc};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::{AttachmentId, PermitId, RecordType};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the files are kept.
#[derive(Debug, Clone, PartialEq)]
pub enum FileBackend {
    /// A local folder (the embedded default).
    Local(PathBuf),
    /// An S3-compatible bucket (a city or province, several servers and workers).
    S3(S3Settings),
}

/// An S3-compatible bucket.
#[derive(Clone, PartialEq)]
pub struct S3Settings {
    /// `https://s3.example.gov.cn` or `http://127.0.0.1:9000`; empty for AWS itself.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Plain HTTP to the endpoint (a server on the same network).
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Content-addressed files.
#[derive(Debug, Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    /// For messages: the folder or `s3://bucket`.
    label: String,
    /// The folder, for a local store.
    root: Option<PathBuf>,
}

/// The part size of a streamed upload (S3 needs at least 5 MiB per part but the last).
const PART_BYTES: usize = 8 << 20;

fn store_error(label: &str, e: &object_store::Error) -> StorageError {
    StorageError::File(format!("{label}: {e}"))
}

impl FileStore {
    /// Opens the backend (a local folder is created when missing). Nothing is read or written yet.
    pub fn open(backend: &FileBackend) -> Result<Self> {
        match backend {
            FileBackend::Local(root) => {
                std::fs::create_dir_all(root)
                    .map_err(|e| StorageError::File(format!("{}: {e}", root.display())))?;
                let store = object_store::local::LocalFileSystem::new_with_prefix(root)
                    .map_err(|e| store_error(&root.display().to_string(), &e))?;
                Ok(Self {
                    store: Arc::new(store),
                    label: root.display().to_string(),
                    root: Some(root.clone()),
                })
            }
            FileBackend::S3(s3) => {
                let label = format!("s3://{}", s3.bucket);
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key)
                    .with_allow_http(s3.allow_http);
                if !s3.endpoint.is_empty() {
                    // A county's own server: path-style addresses (`endpoint/bucket/key`).
                    builder = builder
                        .with_endpoint(&s3.endpoint)
                        .with_virtual_hosted_style_request(false);
                }
                let store = builder.build().map_err(|e| store_error(&label, &e))?;
                Ok(Self {
                    store: Arc::new(store),
                    label,
                    root: None,
                })
            }
        }
    }

    fn key_of(sha256: &str) -> Option<ObjectPath> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        let (a, b) = (sha256.get(..2)?, sha256.get(2..4)?);
        valid.then(|| ObjectPath::from(format!("{a}/{b}/{sha256}")))
    }

    /// Stores the bytes (once) and returns their SHA-256 in hex.
    pub async fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let key = Self::key_of(&sha).ok_or_else(|| StorageError::Corrupt(sha.clone()))?;
        match self.store.head(&key).await {
            Ok(_) => return Ok(sha),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(store_error(&self.label, &e)),
        }
        self.store
            .put(&key, PutPayload::from(bytes.to_vec()))
            .await
            .map_err(|e| store_error(&self.label, &e))?;
        Ok(sha)
    }

    /// The bytes stored under `sha256`, checked against it.
    pub async fn get(&self, sha256: &str) -> Result<Vec<u8>> {
        let key = Self::key_of(sha256).ok_or_else(|| StorageError::Corrupt(sha256.to_string()))?;
        let bytes = self
            .store
            .get(&key)
            .await
            .map_err(|e| store_error(&self.label, &e))?
            .bytes()
            .await
            .map_err(|e| store_error(&self.label, &e))?;
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(StorageError::FileAltered {
                sha256: sha256.to_string(),
            });
        }
        Ok(bytes.to_vec())
    }

    /// Stores a file from disk (a survey's DEM, several GB) under `sha256`, which the caller computed as
    /// the file arrived: streamed in parts (a multipart upload to S3; a temporary file renamed into place
    /// in a folder), hashed again on the way and aborted if the two hashes differ, so nothing is ever
    /// stored under a wrong name. Memory stays at a few parts whatever the file's size.
    pub async fn put_file(&self, path: &std::path::Path, sha256: &str) -> Result<()> {
        use tokio::io::AsyncReadExt;
        let key = Self::key_of(sha256).ok_or_else(|| StorageError::Corrupt(sha256.to_string()))?;
        match self.store.head(&key).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(store_error(&self.label, &e)),
        }
        let io = |e: std::io::Error| StorageError::File(format!("{}: {e}", path.display()));
        let mut file = tokio::fs::File::open(path).await.map_err(io)?;
        let upload = self
            .store
            .put_multipart(&key)
            .await
            .map_err(|e| store_error(&self.label, &e))?;
        let mut writer = object_store::WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let n = match file.read(&mut buffer).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(io(e));
                }
            };
            let Some(chunk) = buffer.get(..n).filter(|c| !c.is_empty()) else {
                break;
            };
            hasher.update(chunk);
            if let Err(e) = writer.wait_for_capacity(4).await {
                return Err(store_error(&self.label, &e));
            }
            writer.write(chunk);
        }
        if hex::encode(hasher.finalize()) != sha256 {
            let _ = writer.abort().await;
            return Err(StorageError::FileAltered {
                sha256: sha256.to_string(),
            });
        }
        writer.finish().await.map_err(|e| store_error(&self.label, &e))?;
        Ok(())
    }

    /// Where a stored file can be read in place: its path in a local folder (the caller checks its
    /// SHA-256 as it reads it); `None` on object storage (use [`FileStore::fetch_to`]).
    pub fn local_path(&self, sha256: &str) -> Option<PathBuf> {
        let root = self.root.as_ref()?;
        let key = Self::key_of(sha256)?;
        Some(key.parts().fold(root.clone(), |p, part| p.join(part.as_ref())))
    }

    /// Copies a stored file to `dest` as a stream, checked against its SHA-256 (the file is removed and
    /// [`StorageError::FileAltered`] returned when it does not match). Returns its size in bytes.
    pub async fn fetch_to(&self, sha256: &str, dest: &std::path::Path) -> Result<u64> {
        use futures_util::StreamExt;
        use tokio::io::AsyncWriteExt;
        let key = Self::key_of(sha256).ok_or_else(|| StorageError::Corrupt(sha256.to_string()))?;
        let io = |e: std::io::Error| StorageError::File(format!("{}: {e}", dest.display()));
        let mut stream = self
            .store
            .get(&key)
            .await
            .map_err(|e| store_error(&self.label, &e))?
            .into_stream();
        let mut out = tokio::fs::File::create(dest).await.map_err(io)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| store_error(&self.label, &e))?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            out.write_all(&chunk).await.map_err(io)?;
        }
        out.flush().await.map_err(io)?;
        drop(out);
        if hex::encode(hasher.finalize()) != sha256 {
            let _ = tokio::fs::remove_file(dest).await;
            return Err(StorageError::FileAltered {
                sha256: sha256.to_string(),
            });
        }
        Ok(size)
    }

    /// Begins a staged part under `key` (see [`staging_key`]): bytes written to it are streamed to the
    /// staging area (a multipart upload to S3; a temporary file renamed into place in a folder) and
    /// appear under the key only when [`Staging::finish`] succeeds.
    pub async fn stage(&self, key: &StagingKey) -> Result<Staging> {
        let upload = self
            .store
            .put_multipart(&key.0)
            .await
            .map_err(|e| store_error(&self.label, &e))?;
        Ok(Staging {
            writer: object_store::WriteMultipart::new_with_chunk_size(upload, PART_BYTES),
            label: self.label.clone(),
            written: 0,
        })
    }

    /// Copies staged parts, in the order given, into one file at `dest`, as a stream; returns the
    /// file's SHA-256 in hex and its size.
    pub async fn join_staged(&self, keys: &[StagingKey], dest: &std::path::Path) -> Result<(String, u64)> {
        use futures_util::StreamExt;
        use tokio::io::AsyncWriteExt;
        let io = |e: std::io::Error| StorageError::File(format!("{}: {e}", dest.display()));
        let mut out = tokio::fs::File::create(dest).await.map_err(io)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        for key in keys {
            let mut stream = self
                .store
                .get(&key.0)
                .await
                .map_err(|e| store_error(&self.label, &e))?
                .into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| store_error(&self.label, &e))?;
                hasher.update(&chunk);
                size += chunk.len() as u64;
                out.write_all(&chunk).await.map_err(io)?;
            }
        }
        out.flush().await.map_err(io)?;
        Ok((hex::encode(hasher.finalize()), size))
    }

    /// Removes a staged part (one already gone is not an error).
    pub async fn remove_staged(&self, key: &StagingKey) -> Result<()> {
        match self.store.delete(&key.0).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(store_error(&self.label, &e)),
        }
    }

    /// Replaces what is stored under `sha256` (tests that alter a file, as an intruder would).
    #[doc(hidden)]
    pub async fn overwrite_for_tests(&self, sha256: &str, bytes: &[u8]) -> Result<()> {
        let key = Self::key_of(sha256).ok_or_else(|| StorageError::Corrupt(sha256.to_string()))?;
        self.store
            .put(&key, PutPayload::from(bytes.to_vec()))
            .await
            .map_err(|e| store_error(&self.label, &e))?;
        Ok(())
    }
}

/// Where a staged part lives: `staging/<upload>/<offset>-<nonce>`, apart from the content-addressed
/// files (whose first folder is two hex digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagingKey(ObjectPath);

impl StagingKey {
    /// The key of a part of `upload` from `offset`; `nonce` tells apart two parts sent for one offset.
    /// `None` unless the upload id and nonce are URL-safe tokens.
    pub fn new(upload: &str, offset: u64, nonce: &str) -> Option<Self> {
        let token = |t: &str| {
            (1..=64).contains(&t.len())
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        (token(upload) && token(nonce))
            .then(|| Self(ObjectPath::from(format!("staging/{upload}/{offset:020}-{nonce}"))))
    }

    /// A key as stored in an `upload_part` row; `None` for anything [`StagingKey::new`] does not make.
    pub fn parse(stored: &str) -> Option<Self> {
        let rest = stored.strip_prefix("staging/")?;
        let (upload, part) = rest.split_once('/')?;
        let (offset, nonce) = part.split_once('-')?;
        let offset: u64 = offset.parse().ok()?;
        Self::new(upload, offset, nonce).filter(|k| k.as_str() == stored)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }
}

/// A staged part being written.
pub struct Staging {
    writer: object_store::WriteMultipart,
    label: String,
    written: u64,
}

impl Staging {
    /// Appends bytes (held in memory up to a few parts while they are sent on).
    pub async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.writer
            .wait_for_capacity(4)
            .await
            .map_err(|e| store_error(&self.label, &e))?;
        self.writer.write(bytes);
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// The bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Completes the part: its bytes are now under its key.
    pub async fn finish(self) -> Result<u64> {
        self.writer
            .finish()
            .await
            .map_err(|e| store_error(&self.label, &e))?;
        Ok(self.written)
    }

    /// Abandons the part: nothing appears under its key.
    pub async fn abort(self) {
        let _ = self.writer.abort().await;
    }
}

/// An attachment row.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: AttachmentId,
    pub record_type: RecordType,
    pub record_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by_label: String,
    pub uploaded_at: DateTime<Utc>,
}

/// A file to attach (already in the file store under its SHA-256).
#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub uploaded_by: &'a str,
}

/// Attaches a stored file to a permit (part of the permit's record; the caller audits the permit).
pub async fn attach_to_permit(tx: &mut WriteTx, permit: PermitId, file: &NewAttachment<'_>) -> Result<()> {
    attach(tx, RecordType::Permit, &Key::Int(permit.0), file).await
}

/// Attaches a stored file to a record whose table has attachments (a permit, a finding); the caller
/// audits the record.
pub async fn attach(
    tx: &mut WriteTx,
    record: RecordType,
    key: impl Into<Key>,
    file: &NewAttachment<'_>,
) -> Result<()> {
    let key = &key.into();
    let table = table_of(record);
    if !table.children.iter().any(|c| c.name == ATTACHMENTS.name) {
        return Err(StorageError::Internal(format!(
            "{} has no attachments",
            table.name
        )));
    }
    let at = format_timestamp(tx.now());
    tx.insert_child(
        table,
        &ATTACHMENTS,
        key,
        &[
            ("file_name", file.file_name.into()),
            ("content_type", file.content_type.into()),
            ("size_bytes", file.size_bytes.into()),
            ("sha256", file.sha256.into()),
            ("uploaded_by_label", file.uploaded_by.into()),
            ("uploaded_at", at.into()),
        ],
    )
    .await
}

const SELECT: &str =
    "SELECT attachment_id, record_type, record_id, file_name, content_type, size_bytes, sha256, \
    uploaded_by_label, uploaded_at FROM attachment";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Attachment> {
    Ok(Attachment {
        id: AttachmentId(get(r, "attachment_id")?),
        record_type: get_code(r, "record_type", RecordType::parse)?,
        record_id: get(r, "record_id")?,
        file_name: get(r, "file_name")?,
        content_type: get(r, "content_type")?,
        size_bytes: get(r, "size_bytes")?,
        sha256: get(r, "sha256")?,
        uploaded_by_label: get(r, "uploaded_by_label")?,
        uploaded_at: get_time(r, "uploaded_at")?,
    })
}

pub async fn of_record(conn: &mut Conn, record_type: RecordType, record_id: &str) -> Result<Vec<Attachment>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE record_type = $1 AND record_id = $2 ORDER BY attachment_id"
    ))
    .bind(record_type.as_str().to_string())
    .bind(record_id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn find(conn: &mut Conn, id: AttachmentId) -> Result<Option<Attachment>> {
    let row = sqlx::query(&format!("{SELECT} WHERE attachment_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}
