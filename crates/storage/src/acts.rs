//! 检查 — one agency's inspection act at one mine: its officers, checklist answers and photos (parts of
//! the act's record), the acts of an inspection, a mine or a year, and the record numbers.
//!
//! No rule lives here: which step may follow which and what a signed act needs are
//! `domain::inspection`'s, who may act the policy's.

use crate::bound::{Key, Value, ACT, ACT_ITEMS, ACT_OFFICERS, ACT_PHOTOS};
use crate::workflow::Repository;
use crate::{get, get_code, get_date, get_opt_time, get_time, Conn, Result, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::inspection::{ActFlow, ActKind, ActState, ItemResult};
use orewatch_domain::workflow::Event;
use orewatch_domain::{
    AccountId, ActId, ActItemId, ActOfficerId, AgencyCode, CompanyId, InspectionId, MineId, PhotoId,
};
use sqlx::any::AnyRow;

pub use orewatch_domain::inspection::{Act, ActItem, ActOfficer, ActPhoto};

/// A new act waiting for its head's approval, with its checklist copied in (the caller audits it).
pub async fn insert_act(
    tx: &mut WriteTx,
    inspection_id: InspectionId,
    agency: &AgencyCode,
    mine: MineId,
    kind: ActKind,
    items: &[(&str, &str)],
) -> Result<ActId> {
    let key = tx
        .insert(
            &ACT,
            &[
                ("inspection_id", inspection_id.0.into()),
                ("agency_code", agency.as_str().into()),
                ("mine_id", mine.0.into()),
                ("kind", kind.as_str().into()),
                ("state", ActState::Requested.as_str().into()),
                ("doc_no", Value::Null),
                ("approved_by", Value::Null),
                ("approved_by_label", Value::Null),
                ("approved_at", Value::Null),
                ("place", Value::Null),
                ("person_on_site", Value::Null),
                ("started_at", Value::Null),
                ("ended_at", Value::Null),
                ("summary", Value::Null),
                ("recorded_by_label", Value::Null),
                ("signed_by_label", Value::Null),
                ("signed_at", Value::Null),
            ],
        )
        .await?;
    for (seq, (text, category)) in (1_i64..).zip(items) {
        tx.insert_child(
            &ACT,
            &ACT_ITEMS,
            &key,
            &[
                ("seq", seq.into()),
                ("text", (*text).into()),
                ("category", (*category).into()),
                ("result", Value::Null),
                ("note", Value::Null),
                ("finding_id", Value::Null),
            ],
        )
        .await?;
    }
    key.id(ActId)
}

impl Repository for ActFlow {
    async fn find(conn: &mut Conn, id: ActId) -> Result<Option<Act>> {
        find_act(conn, id).await
    }

    /// The act's columns, its new officers and photos, and the answers that changed.
    async fn save(tx: &mut WriteTx, a: &Act) -> Result<()> {
        let key = Key::Int(a.id.0);
        let stored = find_act(tx, a.id)
            .await?
            .ok_or_else(|| crate::StorageError::Internal(format!("act {} vanished", a.id)))?;
        let time = |t: Option<DateTime<Utc>>| Value::from(t.map(format_timestamp));
        tx.update(
            &ACT,
            &key,
            &[
                ("kind", a.kind.as_str().into()),
                ("state", a.state.as_str().into()),
                ("doc_no", a.doc_no.as_deref().into()),
                ("approved_by", a.approved_by.map(|x| x.0).into()),
                ("approved_by_label", a.approved_by_label.as_deref().into()),
                ("approved_at", time(a.approved_at)),
                ("place", a.place.as_deref().into()),
                ("person_on_site", a.person_on_site.as_deref().into()),
                ("started_at", a.started_at.as_deref().into()),
                ("ended_at", a.ended_at.as_deref().into()),
                ("summary", a.summary.as_deref().into()),
                ("recorded_by_label", a.recorded_by_label.as_deref().into()),
                ("signed_by_label", a.signed_by_label.as_deref().into()),
                ("signed_at", time(a.signed_at)),
            ],
        )
        .await?;
        for o in a.officers.iter().filter(|o| o.id.is_none()) {
            tx.insert_child(
                &ACT,
                &ACT_OFFICERS,
                &key,
                &[
                    ("account_id", o.account_id.0.into()),
                    ("name", o.name.as_str().into()),
                    ("card_no", o.card_no.as_str().into()),
                ],
            )
            .await?;
        }
        for item in &a.items {
            if stored.items.iter().any(|s| s == item) {
                continue;
            }
            tx.update_child(
                &ACT,
                &ACT_ITEMS,
                &key,
                "act_item_id = ?1",
                &[item.id.0.into()],
                &[
                    ("result", item.result.map(ItemResult::as_str).into()),
                    ("note", item.note.as_deref().into()),
                    ("finding_id", item.finding_id.map(|f| f.0).into()),
                ],
            )
            .await?;
        }
        for p in a.photos.iter().filter(|p| p.id.is_none()) {
            tx.insert_child(
                &ACT,
                &ACT_PHOTOS,
                &key,
                &[
                    ("act_item_id", p.item_id.map(|i| i.0).into()),
                    ("sha256", p.sha256.as_str().into()),
                    ("file_name", p.file_name.as_str().into()),
                    ("size_bytes", p.size_bytes.into()),
                    ("content_type", p.content_type.as_str().into()),
                    ("exif", p.exif.as_str().into()),
                    ("taken_at", p.taken_at.as_deref().into()),
                    ("lat", p.lat.into()),
                    ("lon", p.lon.into()),
                    ("added_by_label", p.added_by_label.as_str().into()),
                    ("added_at", format_timestamp(p.added_at).into()),
                ],
            )
            .await?;
        }
        Ok(())
    }

    /// An act keeps no history of its own: its audit entries are its history.
    async fn add_event(_: &mut WriteTx, _: ActId, _: &Event, _: &str) -> Result<()> {
        Ok(())
    }
}

const ACT_SELECT: &str = "SELECT a.act_id, a.inspection_id, j.title AS inspection_title, j.inspect_on, \
    a.agency_code, a.mine_id, m.name AS mine_name, m.township, c.company_id, c.name AS company_name, \
    c.legal_rep, c.address, c.phone, a.kind, a.state, a.doc_no, a.approved_by, a.approved_by_label, \
    a.approved_at, a.place, a.person_on_site, a.started_at, a.ended_at, a.summary, a.recorded_by_label, \
    a.signed_by_label, a.signed_at, \
    (SELECT COUNT(*) FROM inspection_draw d WHERE d.inspection_id = a.inspection_id) AS drawn, \
    (SELECT COUNT(*) FROM act_item i WHERE i.act_id = a.act_id AND i.result = 'problem') AS problems \
    FROM inspection_act a \
    JOIN joint_inspection j ON j.inspection_id = a.inspection_id \
    JOIN mine m ON m.mine_id = a.mine_id JOIN company c ON c.company_id = m.company_id";

fn act_from_row(r: &AnyRow) -> Result<Act> {
    Ok(Act {
        id: ActId(get(r, "act_id")?),
        inspection_id: InspectionId(get(r, "inspection_id")?),
        inspection_title: get(r, "inspection_title")?,
        inspect_on: get_date(r, "inspect_on")?,
        agency: get_code(r, "agency_code", AgencyCode::parse)?,
        mine_id: MineId(get(r, "mine_id")?),
        mine_name: get(r, "mine_name")?,
        township: get(r, "township")?,
        company_id: CompanyId(get(r, "company_id")?),
        company_name: get(r, "company_name")?,
        legal_rep: get(r, "legal_rep")?,
        company_address: get(r, "address")?,
        company_phone: get(r, "phone")?,
        kind: get_code(r, "kind", ActKind::parse)?,
        state: get_code(r, "state", ActState::parse)?,
        doc_no: get(r, "doc_no")?,
        approved_by: get::<Option<i64>>(r, "approved_by")?.map(AccountId),
        approved_by_label: get(r, "approved_by_label")?,
        approved_at: get_opt_time(r, "approved_at")?,
        place: get(r, "place")?,
        person_on_site: get(r, "person_on_site")?,
        started_at: get(r, "started_at")?,
        ended_at: get(r, "ended_at")?,
        summary: get(r, "summary")?,
        recorded_by_label: get(r, "recorded_by_label")?,
        signed_by_label: get(r, "signed_by_label")?,
        signed_at: get_opt_time(r, "signed_at")?,
        drawn: get::<i64>(r, "drawn")? > 0,
        problems: get(r, "problems")?,
        officers: Vec::new(),
        items: Vec::new(),
        photos: Vec::new(),
    })
}

/// One act with its officers, checklist and photos.
pub async fn find_act(conn: &mut Conn, id: ActId) -> Result<Option<Act>> {
    let row = sqlx::query(&format!("{ACT_SELECT} WHERE a.act_id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut act = act_from_row(&row)?;
    for r in sqlx::query(
        "SELECT act_officer_id, account_id, name, card_no FROM act_officer WHERE act_id = $1 \
         ORDER BY act_officer_id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?
    {
        act.officers.push(ActOfficer {
            id: Some(ActOfficerId(get(&r, "act_officer_id")?)),
            account_id: AccountId(get(&r, "account_id")?),
            name: get(&r, "name")?,
            card_no: get(&r, "card_no")?,
        });
    }
    for r in sqlx::query(
        "SELECT act_item_id, seq, text, category, result, note, finding_id FROM act_item WHERE act_id = $1 ORDER BY seq",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?
    {
        act.items.push(ActItem {
            id: ActItemId(get(&r, "act_item_id")?),
            seq: get(&r, "seq")?,
            text: get(&r, "text")?,
            category: get(&r, "category")?,
            result: get::<Option<String>>(&r, "result")?
                .map(|s| ItemResult::parse(&s))
                .transpose()
                .map_err(|_| crate::StorageError::Corrupt("act_item.result".into()))?
                .flatten(),
            note: get(&r, "note")?,
            finding_id: get::<Option<i64>>(&r, "finding_id")?.map(orewatch_domain::FindingId),
        });
    }
    for r in sqlx::query(
        "SELECT act_photo_id, act_item_id, sha256, file_name, size_bytes, content_type, exif, taken_at, lat, lon, \
         added_by_label, added_at FROM act_photo WHERE act_id = $1 ORDER BY act_photo_id",
    )
    .bind(id.0)
    .fetch_all(&mut *conn)
    .await?
    {
        act.photos.push(ActPhoto {
            id: Some(PhotoId(get(&r, "act_photo_id")?)),
            item_id: get::<Option<i64>>(&r, "act_item_id")?.map(ActItemId),
            sha256: get(&r, "sha256")?,
            file_name: get(&r, "file_name")?,
            size_bytes: get(&r, "size_bytes")?,
            content_type: get(&r, "content_type")?,
            exif: get(&r, "exif")?,
            taken_at: get(&r, "taken_at")?,
            lat: get(&r, "lat")?,
            lon: get(&r, "lon")?,
            added_by_label: get(&r, "added_by_label")?,
            added_at: get_time(&r, "added_at")?,
        });
    }
    Ok(Some(act))
}

/// The acts of a joint inspection (without their children), by agency and mine.
pub async fn acts_of(conn: &mut Conn, inspection_id: InspectionId) -> Result<Vec<Act>> {
    let rows = sqlx::query(&format!(
        "{ACT_SELECT} WHERE a.inspection_id = $1 ORDER BY a.agency_code, m.name, a.act_id"
    ))
    .bind(inspection_id.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(act_from_row).collect()
}

/// The acts at a mine (without their children), newest first.
pub async fn acts_at_mine(conn: &mut Conn, mine: MineId) -> Result<Vec<Act>> {
    let rows = sqlx::query(&format!(
        "{ACT_SELECT} WHERE a.mine_id = $1 ORDER BY j.inspect_on DESC, a.act_id DESC"
    ))
    .bind(mine.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(act_from_row).collect()
}

/// One agency's acts at one mine in a year (every state): what the yearly cap counts.
pub async fn acts_in_year(conn: &mut Conn, agency: &AgencyCode, mine: MineId, year: i32) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM inspection_act a JOIN joint_inspection j ON j.inspection_id = a.inspection_id \
         WHERE a.agency_code = $1 AND a.mine_id = $2 AND j.inspect_on >= $3 AND j.inspect_on <= $4",
    )
    .bind(agency.as_str())
    .bind(mine.0)
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{year:04}-12-31"))
    .fetch_one(conn)
    .await?)
}

/// Every act of a year as (agency, mine, date, signed): the coverage view's input.
pub async fn act_coverage(conn: &mut Conn, year: i32) -> Result<Vec<(AgencyCode, MineId, NaiveDate, bool)>> {
    let rows = sqlx::query(
        "SELECT a.agency_code, a.mine_id, j.inspect_on, a.state FROM inspection_act a \
         JOIN joint_inspection j ON j.inspection_id = a.inspection_id \
         WHERE j.inspect_on >= $1 AND j.inspect_on <= $2",
    )
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{year:04}-12-31"))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get_code(r, "agency_code", AgencyCode::parse)?,
                MineId(get(r, "mine_id")?),
                get_date(r, "inspect_on")?,
                get::<String>(r, "state")? == "signed",
            ))
        })
        .collect()
}

/// The act with this record number, if any.
pub async fn act_numbered(conn: &mut Conn, doc_no: &str) -> Result<Option<ActId>> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT act_id FROM inspection_act WHERE doc_no = $1")
            .bind(doc_no)
            .fetch_optional(conn)
            .await?
            .map(ActId),
    )
}
