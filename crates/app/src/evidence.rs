//! 证据文件 — files attached to a record as evidence (a finding's rectification photos, a case's
//! appraisal document): which files are accepted, storing them before the row that names them, and
//! finding one again for download.
//!
//! One rule for every evidence upload: at most `max_evidence_bytes`, a photo or a PDF by its content
//! (not its name), kept under the last part of the name the browser sent.

use crate::{App, AppError, Caller, Result};
use orewatch_domain::ids::RecordId;
use orewatch_domain::{AttachmentId, Problem, RecordType};
use orewatch_storage::files::{self, Attachment, NewAttachment};
use orewatch_storage::workflow::Repository;
use orewatch_storage::{Conn, WriteTx};

/// A file of evidence as uploaded.
#[derive(Debug, Clone)]
pub struct EvidenceFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// What an evidence file is, from its first bytes (not its name): a photo or a document.
pub(crate) fn evidence_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        crate::inspections::photos::photo_type(bytes)
    }
}

/// An evidence file checked and in the file store, ready to attach.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    name: String,
    content_type: &'static str,
    sha256: String,
    size_bytes: i64,
}

impl Stored {
    /// A file the platform made (a referral's package), put in the file store as it is.
    pub(crate) async fn of_bytes(
        app: &App,
        name: &str,
        content_type: &'static str,
        bytes: &[u8],
    ) -> Result<Stored> {
        Ok(Stored {
            name: name.to_string(),
            content_type,
            sha256: app.files().put(bytes).await?,
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        })
    }
}

/// Checks the files (the first refused one is the error, on the `files` field) and puts them in the
/// file store. Files are stored before the row: a failed write leaves an unreferenced file, never a row
/// without its file. Empty form entries (no file chosen) are skipped.
pub(crate) async fn store(app: &App, files_in: &[EvidenceFile<'_>]) -> Result<Vec<Stored>> {
    let mut checked = Vec::with_capacity(files_in.len());
    for file in files_in
        .iter()
        .filter(|f| !f.bytes.is_empty() || !f.name.is_empty())
    {
        if file.bytes.len() > app.settings.max_evidence_bytes {
            return Err(AppError::invalid(
                "files",
                Problem::FileTooLarge {
                    name: file.name.to_string(),
                    max_mib: app.settings.max_evidence_bytes / (1024 * 1024),
                },
            ));
        }
        let Some(content_type) = evidence_type(file.bytes) else {
            return Err(AppError::invalid(
                "files",
                Problem::NotEvidence {
                    name: file.name.to_string(),
                },
            ));
        };
        let name =
            orewatch_domain::field::upload_name(file.name).map_err(|p| AppError::invalid("files", p))?;
        checked.push((name, content_type, file.bytes));
    }
    let mut stored = Vec::with_capacity(checked.len());
    for (name, content_type, bytes) in checked {
        stored.push(Stored {
            name,
            content_type,
            sha256: app.files().put(bytes).await?,
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        });
    }
    Ok(stored)
}

/// Attaches stored files to a record inside the caller's write (the record's audit entry follows).
pub(crate) async fn attach(
    tx: &mut WriteTx,
    caller: &Caller,
    record: RecordType,
    key: impl Into<orewatch_storage::Key>,
    stored: &[Stored],
) -> Result<()> {
    let key: orewatch_storage::Key = key.into();
    for file in stored {
        files::attach(
            tx,
            record,
            &key,
            &NewAttachment {
                file_name: &file.name,
                content_type: file.content_type,
                size_bytes: file.size_bytes,
                sha256: &file.sha256,
                uploaded_by: &caller.display_name,
            },
        )
        .await?;
    }
    Ok(())
}

/// An attachment of a record of `record_type`, with the record's id (the caller checks its right to
/// the record before reading the bytes with [`bytes_of`]). Another type's attachment is not found.
pub(crate) async fn find_attached<T>(
    conn: &mut Conn,
    attachment_id: AttachmentId,
    record_type: RecordType,
    parse: fn(&str) -> Option<T>,
) -> Result<(Attachment, T)> {
    let found = files::find(conn, attachment_id)
        .await?
        .filter(|a| a.record_type == record_type)
        .ok_or(AppError::NotFound)?;
    let id = parse(&found.record_id).ok_or(AppError::NotFound)?;
    Ok((found, id))
}

/// A file attached to a workflow record and its bytes (checked against their SHA-256), for a caller
/// `may_read` lets read the record. Another record type's attachment is not found.
pub(crate) async fn file_of<W: Repository>(
    app: &App,
    attachment_id: AttachmentId,
    may_read: impl FnOnce(&W::Record) -> Result<()>,
) -> Result<(Attachment, Vec<u8>)> {
    let mut conn = app.db.conn().await?;
    let (found, id) = find_attached(&mut conn, attachment_id, W::RECORD, <W::Id as RecordId>::parse).await?;
    let record = W::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    may_read(&record)?;
    let bytes = bytes_of(app, &found).await?;
    Ok((found, bytes))
}

/// An attachment's bytes, checked against their SHA-256 by the file store.
pub(crate) async fn bytes_of(app: &App, attachment: &Attachment) -> Result<Vec<u8>> {
    Ok(app.files().get(&attachment.sha256).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_is_recognised_by_its_bytes_not_its_name() {
        assert_eq!(evidence_type(&[0xFF, 0xD8, 0xFF, 0xE1, 0, 0]), Some("image/jpeg"));
        assert_eq!(evidence_type(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(evidence_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(evidence_type(b"MZ\x90\0 an executable"), None);
        assert_eq!(evidence_type(b""), None);
    }
}
