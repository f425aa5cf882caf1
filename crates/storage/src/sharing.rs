//! 信息共享 — items of the sharing feed and their recipients' acknowledgements (part of the item's
//! record).

use crate::bound::{Key, Value, SHARE_ITEM, SHARE_RECIPIENTS};
use crate::{get, get_code, get_opt_code, get_opt_time, get_time, Conn, Page, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::policy::Scope;
use orewatch_domain::sharing::{Party, ShareKind};
use orewatch_domain::{MineId, RecordType, ShareItemId};

/// An item to post.
#[derive(Debug, Clone)]
pub struct NewShareItem<'a> {
    pub kind: ShareKind,
    pub title: &'a str,
    pub body: Option<&'a str>,
    pub from: Option<&'a Party>,
    pub posted_by_label: &'a str,
    pub ack_due_at: DateTime<Utc>,
    pub mine_id: Option<MineId>,
    /// The record the item is about, when the platform posted it.
    pub record: Option<(RecordType, String)>,
}

/// One recipient's acknowledgement.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub party: Party,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
}

/// A stored item with its recipients.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareItem {
    pub id: ShareItemId,
    pub kind: ShareKind,
    pub title: String,
    pub body: Option<String>,
    pub from: Option<Party>,
    pub posted_by_label: String,
    pub posted_at: DateTime<Utc>,
    pub ack_due_at: DateTime<Utc>,
    pub mine_id: Option<MineId>,
    pub mine_name: Option<String>,
    pub recipients: Vec<Recipient>,
}

/// Posts an item to `recipients` (the caller audits it); returns its id.
pub async fn insert(tx: &mut WriteTx, item: &NewShareItem<'_>, recipients: &[Party]) -> Result<ShareItemId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &SHARE_ITEM,
            &[
                ("kind", item.kind.as_str().into()),
                ("title", item.title.into()),
                ("body", item.body.into()),
                ("from_agency_code", item.from.map(Party::code).into()),
                ("posted_by_label", item.posted_by_label.into()),
                ("posted_at", now.into()),
                ("ack_due_at", format_timestamp(item.ack_due_at).into()),
                ("mine_id", item.mine_id.map(|m| m.0).into()),
                (
                    "record_type",
                    item.record.as_ref().map(|(t, _)| t.as_str()).into(),
                ),
                (
                    "record_id",
                    item.record.as_ref().map(|(_, id)| id.as_str()).into(),
                ),
            ],
        )
        .await?;
    for party in recipients {
        tx.insert_child(
            &SHARE_ITEM,
            &SHARE_RECIPIENTS,
            &key,
            &[
                ("recipient", party.code().into()),
                ("acknowledged_at", Value::Null),
                ("acknowledged_by", Value::Null),
            ],
        )
        .await?;
    }
    key.id(ShareItemId)
}

/// Records an acknowledgement; 0 when the party is not addressed or has already acknowledged.
pub async fn acknowledge(tx: &mut WriteTx, item_id: ShareItemId, party: &Party, by: &str) -> Result<u64> {
    let at = format_timestamp(tx.now());
    tx.update_child(
        &SHARE_ITEM,
        &SHARE_RECIPIENTS,
        &Key::from(item_id),
        "recipient = ?1 AND acknowledged_at IS NULL",
        &[Value::Text(party.code().to_string())],
        &[("acknowledged_at", at.into()), ("acknowledged_by", by.into())],
    )
    .await
}

const SELECT: &str =
    "SELECT i.share_item_id, i.kind, i.title, i.body, i.from_agency_code, i.posted_by_label, \
    i.posted_at, i.ack_due_at, i.mine_id, m.name AS mine_name FROM share_item i \
    LEFT JOIN mine m ON m.mine_id = i.mine_id";

fn item_from_row(r: &sqlx::any::AnyRow) -> Result<ShareItem> {
    Ok(ShareItem {
        id: ShareItemId(get(r, "share_item_id")?),
        kind: get_code(r, "kind", ShareKind::parse)?,
        title: get(r, "title")?,
        body: get(r, "body")?,
        from: get_opt_code(r, "from_agency_code", Party::parse)?,
        posted_by_label: get(r, "posted_by_label")?,
        posted_at: get_time(r, "posted_at")?,
        ack_due_at: get_time(r, "ack_due_at")?,
        mine_id: get::<Option<i64>>(r, "mine_id")?.map(MineId),
        mine_name: get(r, "mine_name")?,
        recipients: Vec::new(),
    })
}

/// Fills in the recipients of items, in one query.
async fn with_recipients(conn: &mut Conn, items: &mut [ShareItem]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (1..=items.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT share_item_id, recipient, acknowledged_at, acknowledged_by FROM share_recipient \
         WHERE share_item_id IN ({}) ORDER BY share_item_id, recipient",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for item in items.iter() {
        query = query.bind(item.id.0);
    }
    for r in query.fetch_all(&mut *conn).await? {
        let id = ShareItemId(get(&r, "share_item_id")?);
        let recipient = Recipient {
            party: get_code(&r, "recipient", Party::parse)?,
            acknowledged_at: get_opt_time(&r, "acknowledged_at")?,
            acknowledged_by: get(&r, "acknowledged_by")?,
        };
        if let Some(item) = items.iter_mut().find(|i| i.id == id) {
            item.recipients.push(recipient);
        }
    }
    Ok(())
}

pub async fn find(conn: &mut Conn, id: ShareItemId) -> Result<Option<ShareItem>> {
    let row = sqlx::query(&format!("{SELECT} WHERE i.share_item_id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut items = vec![item_from_row(&row)?];
    with_recipients(conn, &mut items).await?;
    Ok(items.pop())
}

/// Items inside `scope`, newest first; with `open_for`, only those that party has yet to acknowledge.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    open_for: Option<&Party>,
    limit: i64,
    offset: i64,
) -> Result<Page<ShareItem>> {
    let mut conditions: Vec<String> = Vec::new();
    let mut binds: Vec<Value> = Vec::new();
    match scope {
        Scope::All => {}
        Scope::Agency(code) => {
            binds.push(code.as_str().into());
            let n = binds.len();
            conditions.push(format!(
                "(i.from_agency_code = ${n} OR EXISTS (SELECT 1 FROM share_recipient r \
                 WHERE r.share_item_id = i.share_item_id AND r.recipient = ${n}))"
            ));
        }
        Scope::Company(_) | Scope::AssignedTo(_) | Scope::None => {
            return Ok(Page {
                rows: Vec::new(),
                total: 0,
            })
        }
    }
    if let Some(party) = open_for {
        binds.push(party.code().into());
        let n = binds.len();
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM share_recipient r WHERE r.share_item_id = i.share_item_id \
             AND r.recipient = ${n} AND r.acknowledged_at IS NULL)"
        ));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let n = binds.len();
    let sql = format!(
        "{SELECT} {filter} ORDER BY i.share_item_id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows = crate::bound::bind_values(sqlx::query(&sql), &binds)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
    let count_sql = format!("SELECT COUNT(*) FROM share_item i {filter}");
    let count_row = crate::bound::bind_values(sqlx::query(&count_sql), &binds)
        .fetch_one(&mut *conn)
        .await?;
    let total: i64 = sqlx::Row::try_get(&count_row, 0)?;
    let mut items = rows.iter().map(item_from_row).collect::<Result<Vec<_>>>()?;
    with_recipients(conn, &mut items).await?;
    Ok(Page { rows: items, total })
}
