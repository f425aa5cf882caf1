//! Seats of the command centre and the office, and the terms of their holders (任职记录).

use crate::{get, Conn, Result, StorageError};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::{format_timestamp, parse_timestamp};
use orewatch_domain::organisation::SeatTitle;
use orewatch_domain::AccountId;

/// A seat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub id: i64,
    pub title: SeatTitle,
    pub agency_code: Option<String>,
    pub sort_order: i64,
}

/// One term of one seat, with the holder's names joined in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub id: i64,
    pub seat_id: i64,
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

fn date(row: &sqlx::any::AnyRow, column: &str) -> Result<Option<NaiveDate>> {
    let raw: Option<String> = get(row, column)?;
    raw.map(|text| {
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map_err(|_| StorageError::Corrupt(format!("seat_term.{column}: {text}")))
    })
    .transpose()
}

fn seat_from_row(row: &sqlx::any::AnyRow) -> Result<Seat> {
    let title: String = get(row, "title")?;
    Ok(Seat {
        id: get(row, "seat_id")?,
        title: SeatTitle::parse(&title)
            .ok_or_else(|| StorageError::Corrupt(format!("seat.title {title}")))?,
        agency_code: get(row, "agency_code")?,
        sort_order: get(row, "sort_order")?,
    })
}

fn term_from_row(row: &sqlx::any::AnyRow) -> Result<Term> {
    let filed_at: String = get(row, "filed_at")?;
    Ok(Term {
        id: get(row, "seat_term_id")?,
        seat_id: get(row, "seat_id")?,
        account_id: get::<Option<i64>>(row, "account_id")?.map(AccountId),
        holder_display_name: get(row, "display_name")?,
        holder_username: get(row, "username")?,
        from_on: date(row, "from_on")?.ok_or_else(|| StorageError::Corrupt("seat_term.from_on".into()))?,
        to_on: date(row, "to_on")?,
        filed_by_label: get(row, "filed_by_label")?,
        filed_at: parse_timestamp(&filed_at)
            .ok_or_else(|| StorageError::Corrupt(format!("seat_term.filed_at {filed_at}")))?,
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
    conn: &mut Conn,
    title: SeatTitle,
    agency_code: Option<&str>,
    sort_order: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO seat (title, body, agency_code, sort_order) VALUES ($1, $2, $3, $4) RETURNING seat_id",
    )
    .bind(title.as_str().to_string())
    .bind(title.body().as_str().to_string())
    .bind(agency_code.map(str::to_string))
    .bind(sort_order)
    .fetch_one(conn)
    .await?)
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

pub async fn find(conn: &mut Conn, seat_id: i64) -> Result<Option<Seat>> {
    let row = sqlx::query(&format!("SELECT {SEAT_COLUMNS} FROM seat WHERE seat_id = $1"))
        .bind(seat_id)
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
pub async fn current_term(conn: &mut Conn, seat_id: i64) -> Result<Option<Term>> {
    let row = sqlx::query(&format!(
        "{TERM_SELECT} WHERE t.seat_id = $1 AND t.to_on IS NULL ORDER BY t.seat_term_id DESC LIMIT 1"
    ))
    .bind(seat_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(term_from_row).transpose()
}

/// Closes a term on the day the next one begins.
pub async fn close_term(conn: &mut Conn, term_id: i64, to_on: NaiveDate) -> Result<()> {
    sqlx::query("UPDATE seat_term SET to_on = $1 WHERE seat_term_id = $2")
        .bind(to_on.to_string())
        .bind(term_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What a new term row holds.
#[derive(Debug, Clone)]
pub struct NewTerm<'a> {
    pub seat_id: i64,
    pub account_id: Option<AccountId>,
    pub from_on: NaiveDate,
    pub filed_by: Option<AccountId>,
    pub filed_by_label: &'a str,
    pub note: Option<&'a str>,
}

pub async fn insert_term(conn: &mut Conn, term: &NewTerm<'_>, now: DateTime<Utc>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO seat_term (seat_id, account_id, from_on, to_on, filed_by, filed_by_label, filed_at, note) \
         VALUES ($1, $2, $3, NULL, $4, $5, $6, $7) RETURNING seat_term_id",
    )
    .bind(term.seat_id)
    .bind(term.account_id.map(|a| a.0))
    .bind(term.from_on.to_string())
    .bind(term.filed_by.map(|a| a.0))
    .bind(term.filed_by_label.to_string())
    .bind(format_timestamp(now))
    .bind(term.note.map(str::to_string))
    .fetch_one(conn)
    .await?)
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
