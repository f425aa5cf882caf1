//! 审计链 — the canonical form of an audit row and the SHA-256 hash chain over the rows.
//!
//! Every change writes one audit row in the same transaction as the change. Row *n* stores
//! `hash_n = SHA-256(hash_{n-1} ‖ "\n" ‖ canonical_n)` with `hash_0` = 64 zeros, where `canonical_n`
//! is the row's fields as JSON in a fixed order, taken exactly as stored (before/after are stored as
//! JSON text and hashed as that text, so nothing is re-serialised). Altering any field of a row breaks
//! that row's hash; deleting or inserting a row breaks the link of the next. [`verify_chain`] finds the
//! first broken row. Storage reads and writes the rows; the rule lives here.

use crate::record::{AuditAction, RecordType};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Fixed-width UTC timestamp as stored in the database: `2026-11-28T08:15:02.123456Z`.
///
/// Fixed width makes text order equal time order on every backend.
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The stored time of a new row: `now`, or the previous row's time if the clock says earlier.
///
/// Writers take their clock reading before they wait for the chain's lock, so a later-sequenced row
/// could otherwise carry an earlier time. Keeping time non-decreasing along the chain makes "rows
/// since T" a simple subtraction of sequence numbers, and the log reads in order.
pub fn chained_timestamp(previous: Option<&str>, now: DateTime<Utc>) -> String {
    let now = format_timestamp(now);
    match previous {
        Some(previous) if previous > now.as_str() => previous.to_string(),
        _ => now,
    }
}

/// Parses a timestamp written by [`format_timestamp`].
pub fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.6fZ")
        .ok()
        .map(|naive| naive.and_utc())
}

/// One audit row's content, exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    /// Stored timestamp text (see [`format_timestamp`]).
    pub at: String,
    pub actor_account_id: Option<i64>,
    /// Username at the time, or `system` for the operator.
    pub actor_label: String,
    pub actor_agency: Option<String>,
    /// What happened; hashed as its code (`account.create`).
    #[serde(serialize_with = "action_code")]
    pub action: AuditAction,
    /// The kind of record changed; hashed as its code (`account`).
    #[serde(serialize_with = "record_code")]
    pub record_type: RecordType,
    pub record_id: String,
    /// JSON text of the record before the change (`None` for a creation).
    pub before_json: Option<String>,
    /// JSON text of the record after the change (`None` for a removal).
    pub after_json: Option<String>,
    pub note: Option<String>,
}

fn action_code<S: Serializer>(action: &AuditAction, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(action.as_str())
}

fn record_code<S: Serializer>(record: &RecordType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(record.as_str())
}

impl AuditRow {
    /// The canonical text that is hashed: the fields as JSON, in declaration order.
    pub fn canonical(&self) -> String {
        // Serialising plain strings and integers cannot fail; an empty string would only make every
        // verification fail loudly, never pass wrongly.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The hash of this row when it follows a row whose hash is `prev_hash`.
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(self.canonical().as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// An audit row with the hashes stored beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditRow {
    pub row: AuditRow,
    pub prev_hash: String,
    pub hash: String,
}

/// Why a row breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("第{seq}条审计记录的内容与其哈希不符（记录被改动）")]
    ContentAltered { seq: i64 },
    #[error("第{seq}条审计记录的前序哈希与上一条不符（记录被插入、删除或改动）")]
    LinkBroken { seq: i64 },
    #[error("审计记录序号不连续：第{expected}条之后是第{found}条（记录被删除）")]
    Gap { expected: i64, found: i64 },
    #[error("审计链末端与记录的链头不符：链头为第{head_seq}条，实际最后一条为第{last_seq}条")]
    HeadMismatch { head_seq: i64, last_seq: i64 },
}

impl ChainBreak {
    /// The sequence number of the first row that is wrong.
    pub fn seq(&self) -> i64 {
        match self {
            ChainBreak::ContentAltered { seq } | ChainBreak::LinkBroken { seq } => *seq,
            ChainBreak::Gap { expected, .. } => *expected,
            ChainBreak::HeadMismatch { last_seq, .. } => *last_seq,
        }
    }
}

/// Incremental verifier: feed rows in sequence order, then [`ChainVerifier::finish`] with the head.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev_hash: String,
    next_seq: i64,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            prev_hash: GENESIS_HASH.to_string(),
            next_seq: 1,
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the next row. Rows must arrive in ascending `seq`.
    pub fn push(&mut self, stored: &StoredAuditRow) -> Result<(), ChainBreak> {
        let seq = stored.row.seq;
        if seq != self.next_seq {
            return Err(ChainBreak::Gap {
                expected: self.next_seq,
                found: seq,
            });
        }
        if stored.prev_hash != self.prev_hash {
            return Err(ChainBreak::LinkBroken { seq });
        }
        if stored.row.chain_hash(&stored.prev_hash) != stored.hash {
            return Err(ChainBreak::ContentAltered { seq });
        }
        self.prev_hash.clone_from(&stored.hash);
        self.next_seq = seq + 1;
        self.checked += 1;
        Ok(())
    }

    /// Checks that the last row seen is the recorded head (catches rows cut off the end).
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
        let last_seq = self.next_seq - 1;
        if head_seq != last_seq || head_hash != self.prev_hash {
            return Err(ChainBreak::HeadMismatch { head_seq, last_seq });
        }
        Ok(self.checked)
    }
}

/// Verifies a whole chain held in memory; returns how many rows were checked.
pub fn verify_chain<'a>(
    rows: impl IntoIterator<Item = &'a StoredAuditRow>,
    head_seq: i64,
    head_hash: &str,
) -> Result<u64, ChainBreak> {
    let mut verifier = ChainVerifier::new();
    for row in rows {
        verifier.push(row)?;
    }
    verifier.finish(head_seq, head_hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, action: AuditAction) -> AuditRow {
        AuditRow {
            seq,
            at: format!("2026-11-28T08:00:{seq:02}.000000Z"),
            actor_account_id: Some(1),
            actor_label: "office".into(),
            actor_agency: Some("nr".into()),
            action,
            record_type: RecordType::Account,
            record_id: seq.to_string(),
            before_json: None,
            after_json: Some(format!("{{\"n\":{seq}}}")),
            note: None,
        }
    }

    fn chain(n: i64) -> Vec<StoredAuditRow> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let row = row(seq, AuditAction::AccountCreate);
                let hash = row.chain_hash(&prev);
                let stored = StoredAuditRow {
                    row,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                stored
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let rows = chain(5);
        let head = rows.last().unwrap().hash.clone();
        assert_eq!(verify_chain(&rows, 5, &head), Ok(5));
    }

    #[test]
    fn altering_a_row_is_reported_at_exactly_that_row() {
        let mut rows = chain(5);
        let head = rows.last().unwrap().hash.clone();
        rows[2].row.after_json = Some("{\"n\":999}".into());
        assert_eq!(
            verify_chain(&rows, 5, &head),
            Err(ChainBreak::ContentAltered { seq: 3 })
        );
    }

    #[test]
    fn deleting_a_middle_row_is_a_gap() {
        let mut rows = chain(5);
        let head = rows.last().unwrap().hash.clone();
        rows.remove(1);
        assert_eq!(
            verify_chain(&rows, 5, &head),
            Err(ChainBreak::Gap {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn cutting_rows_off_the_end_is_caught_by_the_head() {
        let mut rows = chain(5);
        let head = rows.last().unwrap().hash.clone();
        rows.truncate(3);
        assert_eq!(
            verify_chain(&rows, 5, &head),
            Err(ChainBreak::HeadMismatch {
                head_seq: 5,
                last_seq: 3
            })
        );
    }

    #[test]
    fn rehashing_an_altered_row_breaks_the_next_link() {
        let mut rows = chain(4);
        let head = rows.last().unwrap().hash.clone();
        rows[1].row.actor_label = "mallory".into();
        rows[1].hash = rows[1].row.chain_hash(&rows[1].prev_hash);
        assert_eq!(
            verify_chain(&rows, 4, &head),
            Err(ChainBreak::LinkBroken { seq: 3 })
        );
    }

    #[test]
    fn the_canonical_text_names_action_and_record_by_their_codes() {
        // Chains written before actions were enums hashed these exact codes; the text must not change.
        assert_eq!(
            row(1, AuditAction::AccountCreate).canonical(),
            "{\"seq\":1,\"at\":\"2026-11-28T08:00:01.000000Z\",\"actor_account_id\":1,\"actor_label\":\"office\",\
             \"actor_agency\":\"nr\",\"action\":\"account.create\",\"record_type\":\"account\",\"record_id\":\"1\",\
             \"before_json\":null,\"after_json\":\"{\\\"n\\\":1}\",\"note\":null}"
        );
    }

    #[test]
    fn chained_time_never_goes_back() {
        let at = parse_timestamp("2026-11-28T08:15:02.000000Z").unwrap();
        assert_eq!(chained_timestamp(None, at), "2026-11-28T08:15:02.000000Z");
        assert_eq!(
            chained_timestamp(Some("2026-11-28T08:15:01.000000Z"), at),
            "2026-11-28T08:15:02.000000Z"
        );
        assert_eq!(
            chained_timestamp(Some("2026-11-28T08:15:03.000000Z"), at),
            "2026-11-28T08:15:03.000000Z"
        );
    }

    #[test]
    fn timestamps_round_trip_and_sort_as_text() {
        let at = parse_timestamp("2026-11-28T08:15:02.123456Z").unwrap();
        assert_eq!(format_timestamp(at), "2026-11-28T08:15:02.123456Z");
        assert!(format_timestamp(at).as_str() < "2026-11-28T08:15:10.000000Z");
    }
}
