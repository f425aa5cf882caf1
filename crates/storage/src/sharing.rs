//! 信息共享 — items of the sharing feed and their recipients' acknowledgements.

use crate::{get, Conn, Page, Result, StorageError};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::{format_timestamp, parse_timestamp};

/// An item to post.
#[derive(Debug, Clone)]
pub struct NewShareItem<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub body: Option<&'a str>,
    pub from_agency_code: Option<&'a str>,
    pub posted_by_label: &'a str,
    pub ack_due_at: DateTime<Utc>,
    pub mine_id: Option<i64>,
    pub record_type: Option<&'a str>,
    pub record_id: Option<String>,
}

/// One recipient's acknowledgement.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    /// An agency code, or `office`.
    pub recipient: String,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
}

/// A stored item with its recipients.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareItem {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: Option<String>,
    pub from_agency_code: Option<String>,
    pub posted_by_label: String,
    pub posted_at: DateTime<Utc>,
    pub ack_due_at: DateTime<Utc>,
    pub mine_id: Option<i64>,
    pub mine_name: Option<String>,
    pub recipients: Vec<Recipient>,
}

fn time(row: &sqlx::any::AnyRow, column: &str) -> Result<DateTime<Utc>> {
    let raw: String = get(row, column)?;
    parse_timestamp(&raw).ok_or_else(|| StorageError::Corrupt(format!("share_item.{column}: {raw}")))
}

pub async fn insert(
    conn: &mut Conn,
    item: &NewShareItem<'_>,
    recipients: &[String],
    now: DateTime<Utc>,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO share_item (kind, title, body, from_agency_code, posted_by_label, posted_at, ack_due_at, \
         mine_id, record_type, record_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING share_item_id",
    )
    .bind(item.kind.to_string())
    .bind(item.title.to_string())
    .bind(item.body.map(str::to_string))
    .bind(item.from_agency_code.map(str::to_string))
    .bind(item.posted_by_label.to_string())
    .bind(format_timestamp(now))
    .bind(format_timestamp(item.ack_due_at))
    .bind(item.mine_id)
    .bind(item.record_type.map(str::to_string))
    .bind(item.record_id.clone())
    .fetch_one(&mut *conn)
    .await?;
    for r in recipients {
        sqlx::query("INSERT INTO share_recipient (share_item_id, recipient) VALUES ($1, $2)")
            .bind(id)
            .bind(r.clone())
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

/// Records an acknowledgement; 0 when the recipient is not addressed or has already acknowledged.
pub async fn acknowledge(
    conn: &mut Conn,
    item_id: i64,
    recipient: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE share_recipient SET acknowledged_at = $1, acknowledged_by = $2 \
         WHERE share_item_id = $3 AND recipient = $4 AND acknowledged_at IS NULL",
    )
    .bind(format_timestamp(at))
    .bind(by.to_string())
    .bind(item_id)
    .bind(recipient.to_string())
    .execute(conn)
    .await?
    .rows_affected())
}

/// Items, newest first: all of them, or those addressed to or posted by one agency (`office` for the
/// office); optionally only those the recipient has not acknowledged.
pub async fn list(
    conn: &mut Conn,
    party: Option<&str>,
    unacknowledged_only: bool,
    limit: i64,
    offset: i64,
) -> Result<Page<ShareItem>> {
    let filter = match (party, unacknowledged_only) {
        (None, false) => "WHERE $1 = $1".to_string(),
        (None, true) => {
            "WHERE EXISTS (SELECT 1 FROM share_recipient r WHERE r.share_item_id = i.share_item_id \
                         AND r.acknowledged_at IS NULL AND $1 = $1)"
                .to_string()
        }
        (Some(_), false) => "WHERE (i.from_agency_code = $1 OR EXISTS (SELECT 1 FROM share_recipient r \
                             WHERE r.share_item_id = i.share_item_id AND r.recipient = $1))"
            .to_string(),
        (Some(_), true) => {
            "WHERE EXISTS (SELECT 1 FROM share_recipient r WHERE r.share_item_id = i.share_item_id \
                            AND r.recipient = $1 AND r.acknowledged_at IS NULL)"
                .to_string()
        }
    };
    let party = party.unwrap_or("").to_string();
    let rows = sqlx::query(&format!(
        "SELECT i.share_item_id, i.kind, i.title, i.body, i.from_agency_code, i.posted_by_label, i.posted_at, \
         i.ack_due_at, i.mine_id, m.name AS mine_name FROM share_item i LEFT JOIN mine m ON m.mine_id = i.mine_id \
         {filter} ORDER BY i.share_item_id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(party.clone())
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM share_item i {filter}"))
        .bind(party)
        .fetch_one(&mut *conn)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = get(r, "share_item_id")?;
        let recipient_rows = sqlx::query(
            "SELECT recipient, acknowledged_at, acknowledged_by FROM share_recipient WHERE share_item_id = $1 \
             ORDER BY recipient",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let recipients = recipient_rows
            .iter()
            .map(|rr| {
                let at: Option<String> = get(rr, "acknowledged_at")?;
                Ok(Recipient {
                    recipient: get(rr, "recipient")?,
                    acknowledged_at: at.and_then(|t| parse_timestamp(&t)),
                    acknowledged_by: get(rr, "acknowledged_by")?,
                })
            })
            .collect::<Result<_>>()?;
        items.push(ShareItem {
            id,
            kind: get(r, "kind")?,
            title: get(r, "title")?,
            body: get(r, "body")?,
            from_agency_code: get(r, "from_agency_code")?,
            posted_by_label: get(r, "posted_by_label")?,
            posted_at: time(r, "posted_at")?,
            ack_due_at: time(r, "ack_due_at")?,
            mine_id: get(r, "mine_id")?,
            mine_name: get(r, "mine_name")?,
            recipients,
        });
    }
    Ok(Page { rows: items, total })
}
