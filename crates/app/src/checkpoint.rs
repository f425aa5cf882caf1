//! Signed checkpoints of the audit chain, kept outside the database.
//!
//! The chain alone proves only that its rows link up: whoever can write to the database can cut rows
//! off the end and move the head back, empty it and reset the head, or change a row and hash the rest
//! again. A *checkpoint* is the chain's head (seq and hash) signed with the installation's Ed25519 key
//! and written to a folder outside the database (the same scheme as Certificate Transparency's signed
//! tree heads). `orewatch audit verify --checkpoints DIR` then proves that the chain in the database
//! still contains every checkpoint as a prefix: the row at each checkpoint's seq exists and has the
//! signed hash — so truncation, reset and rewriting up to the latest checkpoint are all detected.
//!
//! Where the key lives and what it protects (also in the README):
//! - The key is a 32-byte Ed25519 seed in a file (`audit_key_file`), created on first use with mode
//!   0600, outside the data folder. The database never holds it; a checkpoint carries only the public
//!   key, and a verifier should be given that public key (`--public-key`) from somewhere it trusts.
//! - An attacker with database access only cannot forge a checkpoint, so everything up to the latest
//!   checkpoint is safe. What they *can* hide is the tail after it — up to one checkpoint interval
//!   (default 10 minutes) of entries — and if the server signs again after such a rewrite, the rewrite
//!   becomes part of the signed history. Keep the interval short and copy checkpoints off the server
//!   (another host, write-once storage): a checkpoint that is gone cannot speak.
//! - An attacker who also holds the key file and the checkpoint folder can rewrite history; separating
//!   those from the database's host is what the checkpoints buy.

use crate::{App, AppError, Caller, Result};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::policy::{Action, Resource};
use orewatch_storage::audit;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The format name written into every checkpoint.
pub const FORMAT: &str = "orewatch.audit-checkpoint/1";

/// Where the key and the checkpoints live.
#[derive(Debug, Clone, Default)]
pub struct CheckpointSettings {
    /// The Ed25519 seed file; created (0600) when missing. `None`: no signing.
    pub key_file: Option<PathBuf>,
    /// The folder checkpoints are written to. `None`: no signing.
    pub dir: Option<PathBuf>,
}

/// A signed head of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: String,
    pub seq: i64,
    pub hash: String,
    pub signed_at: String,
    /// Hex of the Ed25519 public key that signed it.
    pub public_key: String,
    /// Hex of the signature over [`Checkpoint::message`].
    pub signature: String,
}

impl Checkpoint {
    /// The bytes that are signed.
    pub fn message(&self) -> String {
        format!("{FORMAT}\n{}\n{}\n{}", self.seq, self.hash, self.signed_at)
    }

    /// The file name of the checkpoint at `seq`.
    pub fn file_name(seq: i64) -> String {
        format!("checkpoint-{seq:012}.json")
    }

    /// Whether the signature is good and made by `key`.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        if self.format != FORMAT || self.public_key != hex::encode(key.as_bytes()) {
            return false;
        }
        let Ok(bytes) = hex::decode(&self.signature) else {
            return false;
        };
        let Ok(signature) = Signature::from_slice(&bytes) else {
            return false;
        };
        key.verify(self.message().as_bytes(), &signature).is_ok()
    }
}

/// Reads the signing key, creating it (with owner-only permissions) when the file does not exist.
pub fn load_or_create_key(path: &Path) -> Result<SigningKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_key(text.trim()).ok_or_else(|| {
            AppError::Config(format!(
                "{}：不是有效的 Ed25519 密钥（64位十六进制）",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0_u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(AppError::io(dir))?;
            }
            write_private(path, &hex::encode(seed))?;
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(AppError::io(path)(e)),
    }
}

fn parse_key(hex_text: &str) -> Option<SigningKey> {
    let bytes: [u8; 32] = hex::decode(hex_text).ok()?.try_into().ok()?;
    Some(SigningKey::from_bytes(&bytes))
}

/// Parses a public key given as hex (`--public-key`).
pub fn parse_public_key(hex_text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_text.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// A public key as hex, the way checkpoints and `--public-key` write it.
pub fn hex_key(key: &VerifyingKey) -> String {
    hex::encode(key.as_bytes())
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(AppError::io(path))?;
    file.write_all(text.as_bytes()).map_err(AppError::io(path))
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(AppError::io(path))
}

/// Signs the chain's head now and writes the checkpoint (unless one for that seq exists). Returns it,
/// or `None` when signing is not configured or the chain is empty.
pub async fn sign(app: &App, caller: &Caller) -> Result<Option<Checkpoint>> {
    caller.require(Action::SignAuditCheckpoint, &Resource::Installation)?;
    let (Some(key_file), Some(dir)) = (&app.settings.checkpoint.key_file, &app.settings.checkpoint.dir)
    else {
        return Ok(None);
    };
    let key = load_or_create_key(key_file)?;
    let mut conn = app.db.conn().await?;
    let (seq, hash) = audit::head(&mut conn).await?;
    drop(conn);
    if seq == 0 {
        return Ok(None);
    }
    let path = dir.join(Checkpoint::file_name(seq));
    if let Ok(text) = std::fs::read_to_string(&path) {
        if let Ok(existing) = serde_json::from_str::<Checkpoint>(&text) {
            return Ok(Some(existing));
        }
    }
    let mut checkpoint = Checkpoint {
        format: FORMAT.into(),
        seq,
        hash,
        signed_at: format_timestamp(app.now()),
        public_key: hex_key(&key.verifying_key()),
        signature: String::new(),
    };
    checkpoint.signature = hex::encode(key.sign(checkpoint.message().as_bytes()).to_bytes());
    std::fs::create_dir_all(dir).map_err(AppError::io(dir))?;
    let text = serde_json::to_string_pretty(&checkpoint).map_err(AppError::json("checkpoint"))?;
    // Written under a temporary name and renamed, so a crash never leaves half a checkpoint.
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        Checkpoint::file_name(seq),
        std::process::id()
    ));
    std::fs::write(&tmp, text).map_err(AppError::io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(AppError::io(&path))?;
    Ok(Some(checkpoint))
}

/// The public key of the configured signing key (for `--public-key` on another machine).
pub fn public_key(app: &App) -> Result<Option<VerifyingKey>> {
    match &app.settings.checkpoint.key_file {
        Some(path) => Ok(Some(load_or_create_key(path)?.verifying_key())),
        None => Ok(None),
    }
}

/// A checkpoint file as read: the checkpoint, or why it could not be read.
pub type CheckpointFile = (PathBuf, std::result::Result<Checkpoint, String>);

/// Reads every checkpoint file of a folder, by seq; a file that cannot be read is reported by name.
pub fn read_dir(dir: &Path) -> std::result::Result<Vec<CheckpointFile>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}：{e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !(name.starts_with("checkpoint-") && name.ends_with(".json")) {
            continue;
        }
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<Checkpoint>(&text).map_err(|e| format!("格式错误：{e}")));
        out.push((path, parsed));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
