//! 企业 — companies holding licences and permits.

use crate::bound::{Key, COMPANY};
use crate::{get, get_code, get_time, like_pattern, Conn, Page, Result, WriteTx};
use chrono::{DateTime, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::policy::Scope;
use orewatch_domain::{CompanyId, CreditCode};

/// A stored company.
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: CompanyId,
    pub credit_code: CreditCode,
    pub name: String,
    pub legal_rep: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A company's fields; its code has been checked by the domain.
#[derive(Debug, Clone)]
pub struct CompanyFields<'a> {
    pub credit_code: &'a CreditCode,
    pub name: &'a str,
    pub legal_rep: &'a str,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
}

const COLUMNS: &str = "company_id, credit_code, name, legal_rep, address, phone, created_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Company> {
    Ok(Company {
        id: CompanyId(get(row, "company_id")?),
        credit_code: get_code(row, "credit_code", CreditCode::parse)?,
        name: get(row, "name")?,
        legal_rep: get(row, "legal_rep")?,
        address: get(row, "address")?,
        phone: get(row, "phone")?,
        created_at: get_time(row, "created_at")?,
    })
}

impl CompanyFields<'_> {
    fn values(&self) -> Vec<(&'static str, crate::bound::Value)> {
        vec![
            ("credit_code", self.credit_code.as_str().into()),
            ("name", self.name.into()),
            ("legal_rep", self.legal_rep.into()),
            ("address", self.address.into()),
            ("phone", self.phone.into()),
        ]
    }

    /// The row of a new company, for a batch insert.
    pub fn new_record(&self, now: DateTime<Utc>) -> crate::write::NewRecord {
        let at = format_timestamp(now);
        let mut values = self.values();
        values.push(("created_at", at.clone().into()));
        values.push(("updated_at", at.into()));
        crate::write::NewRecord {
            values,
            children: Vec::new(),
        }
    }
}

pub async fn insert(tx: &mut WriteTx, c: &CompanyFields<'_>) -> Result<CompanyId> {
    let record = c.new_record(tx.now());
    let key = tx.insert(&COMPANY, &record.values).await?;
    key.id(CompanyId)
}

/// Changes a company's fields (an import that updates by credit code).
pub async fn update(tx: &mut WriteTx, id: CompanyId, c: &CompanyFields<'_>) -> Result<()> {
    let mut values = c.values();
    values.push(("updated_at", format_timestamp(tx.now()).into()));
    tx.update(&COMPANY, &Key::Int(id.0), &values).await?;
    Ok(())
}

/// Inserts many companies at once, each with its audit entry; returns their ids in order.
pub async fn insert_many(
    tx: &mut WriteTx,
    companies: &[CompanyFields<'_>],
    note: Option<&str>,
) -> Result<Vec<CompanyId>> {
    let now = tx.now();
    let records = companies.iter().map(|c| c.new_record(now)).collect();
    let keys = tx
        .insert_records(
            &COMPANY,
            records,
            orewatch_domain::AuditAction::CompanyCreate,
            note,
        )
        .await?;
    keys.iter().map(|k| k.id(CompanyId)).collect()
}

pub async fn find(conn: &mut Conn, id: CompanyId) -> Result<Option<Company>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM company WHERE company_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_credit_code(conn: &mut Conn, code: &CreditCode) -> Result<Option<Company>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM company WHERE credit_code = $1"))
        .bind(code.as_str().to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The company with exactly this name or unified social credit code.
pub async fn find_by_name_or_code(conn: &mut Conn, text: &str) -> Result<Option<CompanyId>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT company_id FROM company WHERE name = $1 OR credit_code = $1")
            .bind(text.trim())
            .fetch_optional(conn)
            .await?;
    Ok(id.map(CompanyId))
}

/// How the company list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompanyOrder {
    #[default]
    Name,
    NameDesc,
    Code,
    CodeDesc,
    Newest,
}

/// Companies inside `scope` whose name or code contains `text`.
pub async fn list(
    conn: &mut Conn,
    scope: &Scope,
    text: Option<&str>,
    order: CompanyOrder,
    limit: i64,
    offset: i64,
) -> Result<Page<Company>> {
    let (scope_sql, scope_id) = match scope {
        Scope::All => ("", None),
        Scope::Company(id) => (" AND company_id = $4", Some(id.0)),
        _ => {
            return Ok(Page {
                rows: Vec::new(),
                total: 0,
            })
        }
    };
    let pattern = text.map(like_pattern).unwrap_or_else(|| "%".into());
    let filter = format!("WHERE (name LIKE $1 ESCAPE '\\' OR credit_code LIKE $1 ESCAPE '\\'){scope_sql}");
    let order_by = match order {
        CompanyOrder::Name => "name, company_id",
        CompanyOrder::NameDesc => "name DESC, company_id DESC",
        CompanyOrder::Code => "credit_code",
        CompanyOrder::CodeDesc => "credit_code DESC",
        CompanyOrder::Newest => "company_id DESC",
    };
    let sql = format!("SELECT {COLUMNS} FROM company {filter} ORDER BY {order_by} LIMIT $2 OFFSET $3");
    let mut query = sqlx::query(&sql).bind(pattern.clone()).bind(limit).bind(offset);
    if let Some(id) = scope_id {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let count_filter = filter.replace("$4", "$2");
    let count_sql = format!("SELECT COUNT(*) FROM company {count_filter}");
    let mut count = sqlx::query_scalar(&count_sql).bind(pattern);
    if let Some(id) = scope_id {
        count = count.bind(id);
    }
    let total: i64 = count.fetch_one(&mut *conn).await?;
    Ok(Page {
        rows: rows.iter().map(from_row).collect::<Result<_>>()?,
        total,
    })
}

/// Every company's id, code and name (for resolving imports).
pub async fn all_codes(conn: &mut Conn) -> Result<Vec<(CompanyId, String, String)>> {
    let rows = sqlx::query("SELECT company_id, credit_code, name FROM company")
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                CompanyId(get(r, "company_id")?),
                get(r, "credit_code")?,
                get(r, "name")?,
            ))
        })
        .collect()
}
