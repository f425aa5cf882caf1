//! The workflow kernel's storage side: how a workflow's records are read and saved
//! ([`Repository`]), and how many documents of a kind a prefix already numbers ([`documents_issued`]).
//!
//! A repository saves the record *after* a step as a whole (every column the step may change, in one
//! `UPDATE` inside the audited write that read it), so app never names a column and the mapping from
//! the record to its columns is written once per aggregate, beside its insert. History events are
//! appended to the aggregate's own history table.

use crate::{Conn, Result, WriteTx};
use orewatch_domain::document::DocumentKind;
use orewatch_domain::workflow::{Event, Workflow};
use std::future::Future;

/// A workflow's records in storage.
pub trait Repository: Workflow<Id: Into<crate::Key>> {
    /// The record with its history, or `None`.
    fn find(conn: &mut Conn, id: Self::Id) -> impl Future<Output = Result<Option<Self::Record>>> + Send;
    /// Writes the record as a step left it (the caller audits it).
    fn save(tx: &mut WriteTx, record: &Self::Record) -> impl Future<Output = Result<()>> + Send;
    /// Appends an event to the record's history.
    fn add_event(
        tx: &mut WriteTx,
        id: Self::Id,
        event: &Event,
        by_label: &str,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Where each kind of document keeps its number.
fn number_column(kind: DocumentKind) -> (&'static str, &'static str) {
    match kind {
        DocumentKind::RectificationOrder => ("finding", "notice_no"),
        DocumentKind::InspectionRecord => ("inspection_act", "doc_no"),
        DocumentKind::CaseFiling => ("penalty_case", "case_no"),
        DocumentKind::PenaltyNotice => ("penalty_case", "notice_no"),
        DocumentKind::PenaltyDecision => ("penalty_case", "decision_no"),
        DocumentKind::Referral => ("referral", "referral_no"),
        DocumentKind::Measure(_) => ("enforcement_measure", "doc_no"),
        DocumentKind::Minutes => ("meeting", "minutes_no"),
    }
}

/// How many documents of `kind` carry a number starting with `prefix` (an issuer's documents of one kind
/// and year).
pub async fn documents_issued(conn: &mut Conn, kind: DocumentKind, prefix: &str) -> Result<i64> {
    let (table, column) = number_column(kind);
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE $1 ESCAPE '\\'");
    Ok(sqlx::query_scalar(&sql)
        .bind(format!("{}%", crate::like_pattern(prefix).trim_matches('%')))
        .fetch_one(conn)
        .await?)
}
