//! Seats of the command centre and the office, and the terms of their holders (任职记录). A seat's
//! terms are part of its record: filing a new holder changes the seat's state.

use crate::bound::{Key, Value, SEAT};
use crate::{get, get_code, get_date, get_opt_code, get_opt_date, get_time, some, Conn, Result, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::organisation::SeatTitle;
use orewatch_domain::{AccountId, AgencyCode, SeatId, TermId};

/// A seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub id: SeatId,
    pub title: SeatTitle,
    pub agency: Option<AgencyCode>,
    pub sort_order: i64,
}

/// One term of one seat, with the holder's names joined in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub id: TermId,
    pub seat_id: SeatId,
    /// `None`: the seat was vacant during this term.
    pub account_id: Option<AccountId>,
    pub holder_display_name: Option<String>,
    pub holder_username: Option<String>,
    pub from_on: NaiveDate,
    /// The day the next term began; `None` for the current term.
    pub to_on: Option<NaiveDate>,
    pub filed_by_label: String,
    pub filed_at: DateTime<Utc>,
    pub note: Option<String>,
}

fn seat_from_row(row: &sqlx::any::AnyRow) -> Result<Seat> {
    Ok(Seat {
        id: SeatId(get(row, "seat_id")?),
        title: get_code(row, "title", some(SeatTitle::parse))?,
        agency: get_opt_code(row, "agency_code", AgencyCode::parse)?,
        sort_order: get(row, "sort_order")?,
    })
}

fn term_from_row(row: &sqlx::any::AnyRow) -> Result<Term> {
    Ok(Term {
        id: TermId(get(row, "seat_term_id")?),
        seat_id: SeatId(get(row, "seat_id")?),
        account_id: get::<Option<i64>>(row, "account_id")?.map(AccountId),
        holder_display_name: get(row, "display_name")?,
        holder_username: get(row, "username")?,
        from_on: get_date(row, "from_on")?,
        to_on: get_opt_date(row, "to_on")?,
        filed_by_label: get(row, "filed_by_label")?,
        filed_at: get_time(row, "filed_at")?,
        note: get(row, "note")?,
    })
}

const SEAT_COLUMNS: &str = "seat_id, title, agency_code, sort_order";
const TERM_SELECT: &str = "SELECT t.seat_term_id, t.seat_id, t.account_id, a.display_name, a.username, \
    t.from_on, t.to_on, t.filed_by_label, t.filed_at, t.note \
    FROM seat_term t LEFT JOIN account a ON a.account_id = t.account_id";

pub async fn count(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM seat")
        .fetch_one(conn)
        .await?)
}

pub async fn insert(
    tx: &mut WriteTx,
    title: SeatTitle,
    agency: Option<&AgencyCode>,
    sort_order: i64,
) -> Result<SeatId> {
    let key = tx
        .insert(
            &SEAT,
            &[
                ("title", title.as_str().into()),
                ("body", title.body().as_str().into()),
                ("agency_code", agency.map(AgencyCode::as_str).into()),
                ("sort_order", sort_order.into()),
            ],
        )
        .await?;
    key.id(SeatId)
}

/// All seats in display order.
pub async fn list(conn: &mut Conn) -> Result<Vec<Seat>> {
    let rows = sqlx::query(&format!(
        "SELECT {SEAT_COLUMNS} FROM seat ORDER BY sort_order, seat_id"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(seat_from_row).collect()
}

pub async fn find(conn: &mut Conn, seat_id: SeatId) -> Result<Option<Seat>> {
    let row = sqlx::query(&format!("SELECT {SEAT_COLUMNS} FROM seat WHERE seat_id = $1"))
        .bind(seat_id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(seat_from_row).transpose()
}

/// Every term of every seat, newest first within a seat.
pub async fn all_terms(conn: &mut Conn) -> Result<Vec<Term>> {
    let rows = sqlx::query(&format!(
        "{TERM_SELECT} ORDER BY t.seat_id, t.from_on DESC, t.seat_term_id DESC"
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(term_from_row).collect()
}

/// The open term of a seat, if any.
pub async fn current_term(conn: &mut Conn, seat_id: SeatId) -> Result<Option<Term>> {
    let row = sqlx::query(&format!(
        "{TERM_SELECT} WHERE t.seat_id = $1 AND t.to_on IS NULL ORDER BY t.seat_term_id DESC LIMIT 1"
    ))
    .bind(seat_id.0)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(term_from_row).transpose()
}

/// Closes a term on the day the next one begins.
pub async fn close_term(tx: &mut WriteTx, seat_id: SeatId, term_id: TermId, to_on: NaiveDate) -> Result<()> {
    tx.update_child(
        &SEAT,
        &crate::bound::SEAT_TERMS,
        &Key::from(seat_id),
        "seat_term_id = ?1",
        &[Value::Int(term_id.0)],
        &[("to_on", to_on.to_string().into())],
    )
    .await?;
    Ok(())
}

/// What a new term row holds.
#[derive(Debug, Clone)]
pub struct NewTerm<'a> {
    pub seat_id: SeatId,
    pub account_id: Option<AccountId>,
    pub from_on: NaiveDate,
    pub filed_by: Option<AccountId>,
    pub filed_by_label: &'a str,
    pub note: Option<&'a str>,
}

pub async fn insert_term(tx: &mut WriteTx, term: &NewTerm<'_>) -> Result<()> {
    let now = format_timestamp(tx.now());
    tx.insert_child(
        &SEAT,
        &crate::bound::SEAT_TERMS,
        &Key::from(term.seat_id),
        &[
            ("account_id", term.account_id.map(|a| a.0).into()),
            ("from_on", term.from_on.to_string().into()),
            ("to_on", Value::Null),
            ("filed_by", term.filed_by.map(|a| a.0).into()),
            ("filed_by_label", term.filed_by_label.into()),
            ("filed_at", now.into()),
            ("note", term.note.into()),
        ],
    )
    .await
}

/// Seats currently held by an account, for its account page.
pub async fn current_seats_of(conn: &mut Conn, account_id: AccountId) -> Result<Vec<Seat>> {
    let rows = sqlx::query(
        "SELECT s.seat_id, s.title, s.agency_code, s.sort_order FROM seat s \
         JOIN seat_term t ON t.seat_id = s.seat_id \
         WHERE t.account_id = $1 AND t.to_on IS NULL ORDER BY s.sort_order",
    )
    .bind(account_id.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(seat_from_row).collect()
}
