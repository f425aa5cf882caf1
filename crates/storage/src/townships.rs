//! 乡镇 — the managed list of the county's townships (a mine names one of them).

use crate::bound::TOWNSHIP;
use crate::{get, Conn, Result, WriteTx};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::TownshipId;

/// A township of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Township {
    pub id: TownshipId,
    pub name: String,
    pub sort_order: i64,
}

/// Adds a township (the caller audits it). A taken name is a conflict on `township_name_key`.
pub async fn insert(tx: &mut WriteTx, name: &str, sort_order: i64) -> Result<TownshipId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &TOWNSHIP,
            &[
                ("name", name.into()),
                ("sort_order", sort_order.into()),
                ("created_at", now.into()),
            ],
        )
        .await?;
    key.id(TownshipId)
}

/// Every township, in list order.
pub async fn all(conn: &mut Conn) -> Result<Vec<Township>> {
    let rows = sqlx::query("SELECT township_id, name, sort_order FROM township ORDER BY sort_order, name")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Township {
                id: TownshipId(get(r, "township_id")?),
                name: get(r, "name")?,
                sort_order: get(r, "sort_order")?,
            })
        })
        .collect()
}
