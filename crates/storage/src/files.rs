//! The file store: content-addressed files on the local disk (`<root>/ab/cd/<sha256>`), and the
//! `attachment` rows that name them. A file is written once under its SHA-256 (to a temporary name,
//! then renamed, so a crash never leaves half a file under a real name) and checked against it when read.

use crate::bound::{table_of, Key, ATTACHMENTS};
use crate::{get, get_code, get_time, Conn, Result, StorageError, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::{PermitId, RecordType};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A folder of content-addressed files.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit());
        let (a, b) = (sha256.get(..2)?, sha256.get(2..4)?);
        valid.then(|| self.root.join(a).join(b).join(sha256))
    }

    /// Stores the bytes (once) and returns their SHA-256 in hex.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self
            .path_of(&sha)
            .ok_or_else(|| StorageError::Corrupt(sha.clone()))?;
        if path.exists() {
            return Ok(sha);
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| StorageError::File(format!("{}: {e}", dir.display())))?;
        let tmp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(|e| StorageError::File(format!("{}: {e}", tmp.display())))?;
        std::fs::rename(&tmp, &path).map_err(|e| StorageError::File(format!("{}: {e}", path.display())))?;
        Ok(sha)
    }

    /// The bytes stored under `sha256`, checked against it.
    pub fn get(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self
            .path_of(sha256)
            .ok_or_else(|| StorageError::Corrupt(sha256.to_string()))?;
        let bytes =
            std::fs::read(&path).map_err(|e| StorageError::File(format!("{}: {e}", path.display())))?;
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(StorageError::FileAltered {
                sha256: sha256.to_string(),
            });
        }
        Ok(bytes)
    }
}

/// An attachment row.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: i64,
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
pub async fn attach(tx: &mut WriteTx, record: RecordType, key: &Key, file: &NewAttachment<'_>) -> Result<()> {
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
        id: get(r, "attachment_id")?,
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

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Attachment>> {
    let row = sqlx::query(&format!("{SELECT} WHERE attachment_id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_stored_once_under_its_hash_and_a_changed_file_is_caught() {
        let dir = std::env::temp_dir().join(format!("orewatch-files-test-{}", std::process::id()));
        let store = FileStore::new(&dir);
        let sha = store.put(b"scan of a permit").unwrap();
        assert_eq!(store.put(b"scan of a permit").unwrap(), sha);
        assert_eq!(store.get(&sha).unwrap(), b"scan of a permit");
        let path = store.path_of(&sha).unwrap();
        std::fs::write(&path, b"tampered").unwrap();
        assert!(matches!(store.get(&sha), Err(StorageError::FileAltered { .. })));
        assert!(store.path_of("../../etc/passwd").is_none());
        let _ = std::fs::remove_dir_all(dir);
    }
}
