//! 应移未移 — the flags raised on penalty cases that should have been referred, and their disposition.
//!
//! No rule lives here: when a flag is raised is `domain::flag`'s, who disposes of it the policy's.

use crate::bound::{Key, Value, CASE_FLAG};
use crate::workflow::Repository;
use crate::{date_text, get, get_code, get_date, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::NaiveDate;
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::flag::{FlagFlow, FlagRule, Grounds, StoredGrounds};
use orewatch_domain::workflow::Event;
use orewatch_domain::{AgencyCode, CaseId, FlagId, MineId};

pub use orewatch_domain::flag::Flag;

/// Raises a flag (the caller audits it); returns its id.
pub async fn insert(
    tx: &mut WriteTx,
    case_id: CaseId,
    agency: &AgencyCode,
    rule: FlagRule,
    grounds: &Grounds,
    dispose_by_on: NaiveDate,
) -> Result<FlagId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &CASE_FLAG,
            &[
                ("case_id", case_id.0.into()),
                ("agency_code", agency.as_str().into()),
                ("rule", rule.as_str().into()),
                (
                    "details",
                    crate::encoded("flag grounds", StoredGrounds::Facts(grounds.clone()).encode())?.into(),
                ),
                ("raised_at", now.into()),
                ("dispose_by_on", date_text(dispose_by_on).into()),
                ("disposed_by_label", Value::Null),
                ("disposed_at", Value::Null),
                ("disposition", Value::Null),
            ],
        )
        .await?;
    key.id(FlagId)
}

impl Repository for FlagFlow {
    async fn find(conn: &mut Conn, id: FlagId) -> Result<Option<Flag>> {
        find(conn, id).await
    }

    async fn save(tx: &mut WriteTx, f: &Flag) -> Result<()> {
        tx.update(
            &CASE_FLAG,
            &Key::Int(f.id.0),
            &[
                ("disposed_by_label", f.disposed_by_label.as_deref().into()),
                ("disposed_at", f.disposed_at.map(format_timestamp).into()),
                ("disposition", f.disposition.as_deref().into()),
            ],
        )
        .await?;
        Ok(())
    }

    /// A flag keeps no history of its own: it is raised and disposed of, both audited.
    async fn add_event(_: &mut WriteTx, _: FlagId, _: &Event, _: &str) -> Result<()> {
        Ok(())
    }
}

const SELECT: &str = "SELECT g.*, k.case_no, k.mine_id, m.name AS mine_name, c.name AS company_name \
    FROM case_flag g JOIN penalty_case k ON k.case_id = g.case_id \
    JOIN mine m ON m.mine_id = k.mine_id JOIN company c ON c.company_id = k.company_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Flag> {
    Ok(Flag {
        id: FlagId(get(r, "flag_id")?),
        case_id: CaseId(get(r, "case_id")?),
        case_no: get(r, "case_no")?,
        mine_id: MineId(get(r, "mine_id")?),
        mine_name: get(r, "mine_name")?,
        company_name: get(r, "company_name")?,
        agency: get_code(r, "agency_code", AgencyCode::parse)?,
        rule: get_code(r, "rule", FlagRule::parse)?,
        details: StoredGrounds::decode(&get::<String>(r, "details")?),
        raised_at: get_time(r, "raised_at")?,
        dispose_by_on: get_date(r, "dispose_by_on")?,
        disposed_by_label: get(r, "disposed_by_label")?,
        disposed_at: get_opt_time(r, "disposed_at")?,
        disposition: get(r, "disposition")?,
    })
}

pub async fn find(conn: &mut Conn, id: FlagId) -> Result<Option<Flag>> {
    let row = sqlx::query(&format!("{SELECT} WHERE g.flag_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Flags: the open ones first (oldest first), then the disposed ones (newest first); of one case when
/// `case_id` is given.
pub async fn list(conn: &mut Conn, case_id: Option<CaseId>, limit: i64) -> Result<Vec<Flag>> {
    let order = "ORDER BY CASE WHEN g.disposed_at IS NULL THEN 0 ELSE 1 END, \
                 CASE WHEN g.disposed_at IS NULL THEN g.raised_at END, g.disposed_at DESC, g.flag_id";
    let rows = match case_id {
        Some(id) => {
            sqlx::query(&format!("{SELECT} WHERE g.case_id = $1 {order} LIMIT $2"))
                .bind(id.0)
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} {order} LIMIT $1"))
                .bind(limit)
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter().map(from_row).collect()
}

/// The rules already raised on a case (a flag is raised once per case and rule).
pub async fn raised_rules(conn: &mut Conn, case_id: CaseId) -> Result<Vec<FlagRule>> {
    let rows = sqlx::query("SELECT rule FROM case_flag WHERE case_id = $1")
        .bind(case_id.0)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| get_code(r, "rule", FlagRule::parse))
        .collect()
}
