//! What an audit entry changed, as a person reads it: each changed field with its label, codes through
//! the catalogue, people and agencies by name, times in local time, a child row named by whom it is
//! about ("任职记录（第2行：覃丽华）· 起始日期"), and the columns that say nothing to a reader left out.

use crate::ctx::Ctx;
use orewatch_domain::{AccountId, CompanyId, MineId, RecordType};
use serde_json::Value as J;
use std::collections::HashMap;

/// One changed field of an entry: its label, the value before and after.
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// Names the changes refer to by id or code.
pub struct Names<'a> {
    pub people: &'a HashMap<AccountId, String>,
    /// Agency code → name, and `office` → 监管办.
    pub agencies: &'a HashMap<String, String>,
    pub records: &'a orewatch_app::audit_log::RecordNames,
}

/// Columns that say nothing to a reader: bookkeeping times (the entry has its own), a child row's own
/// number, an id whose name is in a neighbouring column, the stored geometry (its corner points are
/// shown instead).
const QUIET: &[&str] = &[
    "created_at",
    "updated_at",
    "filed_at",
    "posted_at",
    "uploaded_at",
    "recorded_at",
    "seat_term_id",
    "licence_event_id",
    "attachment_id",
    "control_link_id",
    "filed_by",
    "parcel_json",
];

/// Columns whose value is never shown, only that it changed.
const SECRET: &[&str] = &["password_hash"];

/// Columns that hold an account id.
const PEOPLE: &[&str] = &["account_id", "acknowledged_by"];

/// Columns that hold an agency code (or `office`).
const AGENCIES: &[&str] = &[
    "agency_code",
    "area_agency_code",
    "from_agency_code",
    "source_agency_code",
    "recipient",
];

/// The catalogue section of a column that holds a code, by record (the same name means different
/// lists in different records).
fn code_list(record: RecordType, column: &str) -> Option<&'static str> {
    use RecordType as R;
    Some(match (record, column) {
        (R::Account, "role") => "role",
        (R::Account, "status") => "status",
        (R::Agency, "kind") => "agency_kind",
        (R::Seat, "title") => "seat",
        (R::Seat, "body") => "body",
        (R::Mine, "status") => "mine_status",
        (R::Mine | R::Licence, "method") => "method",
        (R::Licence, "kind") => "licence_kind",
        (R::Licence, "state") => "licence_state",
        (R::Licence, "scale_unit") => "scale_unit",
        (R::Permit, "kind") => "permit_kind",
        (R::Permit, "state") => "permit_state",
        (R::ShareItem, "kind") => "share_kind",
        (R::ProtectedArea, "kind") => "protected_kind",
        (R::Boundary, "kind") => "boundary_kind",
        (R::CreditEntry, "status") => "credit",
        (R::ControlLink, "role") => "control_role",
        (_, "must_change_password") => "yes_no",
        _ => return None,
    })
}

/// The code list of a child row's column.
fn child_code_list(child: &str, column: &str) -> Option<&'static str> {
    match (child, column) {
        ("licence_event", "kind") => Some("licence_event"),
        _ => None,
    }
}

struct Reader<'a> {
    ctx: &'a Ctx,
    names: &'a Names<'a>,
    record: RecordType,
    /// The record's columns in its table's order.
    order: Vec<&'static str>,
}

impl Reader<'_> {
    /// A field's label: the record's own (`column_of.<record>.<name>`), else `column.<name>`.
    fn label(&self, child: Option<(&str, usize, String)>, column: &str) -> String {
        let own = if child.is_none() {
            self.ctx
                .tr
                .find(&format!("column_of.{}.{column}", self.record.as_str()))
        } else {
            None
        };
        let name = own
            .or_else(|| self.ctx.tr.find(&format!("column.{column}")))
            .unwrap_or(column)
            .to_string();
        match child {
            None => name,
            Some((list, n, about)) => {
                let list = self.ctx.tr.find(&format!("column.{list}")).unwrap_or(list);
                let row = if about.is_empty() {
                    self.ctx.tf("audit.row_n", &[("n", n.to_string())])
                } else {
                    self.ctx
                        .tf("audit.row_of", &[("n", n.to_string()), ("about", about)])
                };
                format!("{list}{row} · {name}")
            }
        }
    }

    /// A value as a person reads it.
    fn shown(&self, child: Option<&str>, column: &str, value: Option<&J>) -> String {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return "—".into();
        };
        if PEOPLE.contains(&column) {
            if let Some(name) = value
                .as_i64()
                .and_then(|id| self.names.people.get(&AccountId(id)))
            {
                return name.clone();
            }
        }
        if AGENCIES.contains(&column) {
            if let Some(name) = value.as_str().and_then(|c| self.names.agencies.get(c)) {
                return name.clone();
            }
        }
        if column == "mine_id" {
            if let Some(name) = value
                .as_i64()
                .and_then(|id| self.names.records.mines.get(&MineId(id)))
            {
                return name.clone();
            }
        }
        if matches!(column, "company_id" | "holder_company_id") {
            if let Some(name) = value
                .as_i64()
                .and_then(|id| self.names.records.companies.get(&CompanyId(id)))
            {
                return name.clone();
            }
        }
        let list = match child {
            Some(child) => child_code_list(child, column),
            None => code_list(self.record, column),
        };
        if let Some(list) = list {
            let code = match value {
                J::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let Some(label) = self.ctx.tr.find(&format!("{list}.{code}")) {
                return label.to_string();
            }
        }
        match value {
            J::String(s) if s.starts_with("sha256:") => self.ctx.tf(
                "audit.digest",
                &[("digest", s.get(7..15).unwrap_or("").to_string())],
            ),
            J::String(s) if orewatch_domain::audit::parse_timestamp(s).is_some() => self.ctx.stored_time(s),
            J::String(s) => s.chars().take(200).collect(),
            J::Number(n) if n.is_f64() => n.as_f64().map_or_else(|| n.to_string(), |f| format!("{f:.2}")),
            J::Array(items) => self.ctx.tf("audit.rows", &[("n", items.len().to_string())]),
            other => other.to_string(),
        }
    }

    /// Whom a child row is about, for its label, and the column that said so.
    fn about(&self, row: Option<&J>) -> (String, &'static str) {
        let Some(J::Object(row)) = row else {
            return (String::new(), "");
        };
        if let Some(name) = row
            .get("account_id")
            .and_then(J::as_i64)
            .and_then(|id| self.names.people.get(&AccountId(id)))
        {
            return (name.clone(), "account_id");
        }
        if let Some(name) = row
            .get("recipient")
            .and_then(J::as_str)
            .and_then(|c| self.names.agencies.get(c))
        {
            return (name.clone(), "recipient");
        }
        match row.get("file_name").and_then(J::as_str) {
            Some(name) => (name.to_string(), "file_name"),
            None => (String::new(), ""),
        }
    }

    /// The changed fields of one object (the record, or one child row); `creation` leaves out what the
    /// new object left empty.
    fn object(
        &self,
        child: Option<(&str, usize, String)>,
        before: Option<&J>,
        after: Option<&J>,
        creation: bool,
        // A new child row's column its label already names (接收方（第1行：县公安局）).
        told: &str,
        out: &mut Vec<Change>,
    ) {
        let empty = serde_json::Map::new();
        let a = match before {
            Some(J::Object(a)) => a,
            _ => &empty,
        };
        let b = match after {
            Some(J::Object(b)) => b,
            _ => &empty,
        };
        // The record's columns in its table's order, then any it does not list.
        let mut keys: Vec<&String> = b.keys().collect();
        keys.extend(a.keys().filter(|k| !b.contains_key(*k)));
        let position = |k: &String| self.order.iter().position(|c| c == k).unwrap_or(usize::MAX);
        keys.sort_by_key(|k| position(k));
        for key in keys {
            if QUIET.contains(&key.as_str()) || (creation && child.is_some() && key == told) {
                continue;
            }
            let (old, new) = (a.get(key), b.get(key));
            if let (None, Some(J::Array(_))) | (Some(J::Array(_)), _) = (old, new) {
                if child.is_none() {
                    self.rows(key, old, new, out);
                    continue;
                }
            }
            if old == new || (creation && new.is_none_or(J::is_null)) {
                continue;
            }
            let name = child.as_ref().map(|(list, _, _)| *list);
            let secret = SECRET.contains(&key.as_str());
            out.push(Change {
                field: self.label(child.clone(), key),
                before: if creation || secret {
                    String::new()
                } else {
                    self.shown(name, key, old)
                },
                after: if secret {
                    self.ctx.t("audit.secret_changed").to_string()
                } else {
                    self.shown(name, key, new)
                },
            });
        }
    }

    /// The changed rows of a child list, matched by position.
    fn rows(&self, list: &str, before: Option<&J>, after: Option<&J>, out: &mut Vec<Change>) {
        let none = Vec::new();
        let a = before.and_then(J::as_array).unwrap_or(&none);
        let b = after.and_then(J::as_array).unwrap_or(&none);
        for i in 0..a.len().max(b.len()) {
            let (old, new) = (a.get(i), b.get(i));
            if old == new {
                continue;
            }
            let (about, told) = self.about(new.or(old));
            let before = out.len();
            self.object(
                Some((list, i + 1, about.clone())),
                old,
                new,
                old.is_none(),
                told,
                out,
            );
            // A new row that says nothing but whom it is about (a recipient): one line naming it.
            if old.is_none() && out.len() == before && !about.is_empty() {
                let list_label = self.ctx.tr.find(&format!("column.{list}")).unwrap_or(list);
                out.push(Change {
                    field: format!(
                        "{list_label}{}",
                        self.ctx.tf("audit.row_n", &[("n", (i + 1).to_string())])
                    ),
                    before: String::new(),
                    after: about,
                });
            }
        }
    }
}

/// What an entry changed, field by field (a creation lists what it recorded).
pub fn changes(
    ctx: &Ctx,
    names: &Names<'_>,
    record: RecordType,
    before: Option<&str>,
    after: Option<&str>,
) -> Vec<Change> {
    let parse = |t: Option<&str>| t.and_then(|t| serde_json::from_str::<J>(t).ok());
    let (a, b) = (parse(before), parse(after));
    let mut out = Vec::new();
    if b.is_some() {
        let reader = Reader {
            ctx,
            names,
            record,
            order: orewatch_app::audit_log::column_order(record),
        };
        reader.object(None, a.as_ref(), b.as_ref(), a.is_none(), "", &mut out);
    }
    out
}
