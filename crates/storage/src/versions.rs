//! Per-area data versions (`data_version`): bumped by every audited write in the areas it touched
//! (see [`crate::write::WriteTx::commit`]), read by the caches.

use crate::{get, Conn, Result, StorageError};
use orewatch_domain::DataArea;
use strum::IntoEnumIterator;

/// The version of every area at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Versions(pub [i64; DataArea::COUNT]);

impl Versions {
    pub fn get(&self, area: DataArea) -> i64 {
        self.0.get(area.index()).copied().unwrap_or(0)
    }
}

/// The SQL columns that read every area's version in a larger query, named `v_<area>`.
pub(crate) fn select_columns() -> String {
    DataArea::iter()
        .map(|a| {
            format!(
                "(SELECT version FROM data_version WHERE area = '{0}') AS v_{0}",
                a.as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads the `v_<area>` columns of a row selected with [`select_columns`].
pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<Versions> {
    let mut out = Versions::default();
    for area in DataArea::iter() {
        let column = format!("v_{}", area.as_str());
        let value: Option<i64> = get(row, &column)?;
        let value = value
            .ok_or_else(|| StorageError::Corrupt(format!("data_version: no row for {}", area.as_str())))?;
        if let Some(slot) = out.0.get_mut(area.index()) {
            *slot = value;
        }
    }
    Ok(out)
}

/// Every area's version now.
pub async fn read(conn: &mut Conn) -> Result<Versions> {
    let row = sqlx::query(&format!("SELECT {}", select_columns()))
        .fetch_one(conn)
        .await?;
    from_row(&row)
}
