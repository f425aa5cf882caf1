//! 企业 — registering companies, the company list (with the credit list marked) and one company.

use super::county::{county, EntryFilter, MineEntry};
use super::input::{check_company, CheckedCompany, CompanyInput};
use crate::{App, AppError, Caller, Result};
use orewatch_domain::policy::{Action, Listing, Resource};
use orewatch_domain::{AuditAction, CompanyId, CreditCode, Problem};
use orewatch_storage::companies::{self, Company, CompanyFields, CompanyOrder};
use orewatch_storage::{Conn, Page, WriteTx};
use std::collections::HashSet;

pub use orewatch_storage::companies::{Company as CompanyRecord, CompanyOrder as Order};

pub(crate) fn fields(c: &CheckedCompany) -> CompanyFields<'_> {
    CompanyFields {
        credit_code: &c.credit_code,
        name: &c.name,
        legal_rep: &c.legal_rep,
        address: c.address.as_deref(),
        phone: c.phone.as_deref(),
    }
}

/// Registers companies inside the caller's transaction, each with its audit entry (a form registers
/// one, an import many). A taken credit code is a field error.
pub(crate) async fn register(
    tx: &mut WriteTx,
    items: &[&CheckedCompany],
    note: Option<&str>,
) -> Result<Vec<CompanyId>> {
    let rows: Vec<CompanyFields> = items.iter().map(|c| fields(c)).collect();
    match companies::insert_many(tx, &rows, note).await {
        Ok(ids) => Ok(ids),
        Err(e) if e.is_conflict_on("company_credit_code_key", "company.credit_code") => {
            Err(AppError::invalid("credit_code", Problem::Duplicate))
        }
        Err(e) => Err(e.into()),
    }
}

/// Changes a registered company (an import updating by credit code); `false` when nothing differs.
pub(crate) async fn update(
    tx: &mut WriteTx,
    current: &Company,
    c: &CheckedCompany,
    note: Option<&str>,
) -> Result<bool> {
    let same = current.name == c.name
        && current.legal_rep == c.legal_rep
        && current.address == c.address
        && current.phone == c.phone;
    if same {
        return Ok(false);
    }
    let before = tx.state_of(current.id).await?;
    companies::update(tx, current.id, &fields(c)).await?;
    tx.audit_of(
        AuditAction::CompanyUpdate,
        current.id,
        before,
        note.map(str::to_string),
    )
    .await?;
    Ok(true)
}

pub async fn create(app: &App, caller: &Caller, input: &CompanyInput<'_>) -> Result<CompanyId> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let checked = check_company(input).map_err(AppError::Invalid)?;
    let mut tx = app.write(caller).await?;
    if let Some(existing) = companies::find_by_credit_code(&mut tx, &checked.credit_code).await? {
        return Err(AppError::invalid(
            "credit_code",
            Problem::DuplicateOf {
                existing: existing.name,
            },
        ));
    }
    let id = register(&mut tx, &[&checked], None).await?;
    tx.commit().await?;
    id.first()
        .copied()
        .ok_or_else(|| AppError::Invariant("no id".into()))
}

/// The company with this credit code, or a field error on `field`.
pub(crate) async fn by_code(conn: &mut Conn, code: &CreditCode, field: &'static str) -> Result<Company> {
    companies::find_by_credit_code(conn, code)
        .await?
        .ok_or_else(|| AppError::invalid(field, Problem::CompanyNotRegistered))
}

/// What the company list is filtered and sorted by.
#[derive(Debug, Clone, Default)]
pub struct CompanyQuery {
    pub text: Option<String>,
    pub order: CompanyOrder,
    pub limit: i64,
    pub offset: i64,
}

/// A page of companies, and which of them are on the credit list today.
#[derive(Debug, Clone)]
pub struct CompanyList {
    pub page: Page<Company>,
    pub listed: HashSet<CompanyId>,
}

pub async fn list(app: &App, caller: &Caller, q: &CompanyQuery) -> Result<CompanyList> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let page = companies::list(
        &mut conn,
        &caller.scope(Listing::Registry),
        q.text.as_deref(),
        q.order,
        q.limit,
        q.offset,
    )
    .await?;
    drop(conn);
    let listed = super::credit::listed_companies(app, caller).await?;
    Ok(CompanyList { page, listed })
}

/// A company with the mines it operates.
pub async fn show(app: &App, caller: &Caller, id: CompanyId) -> Result<(Company, Vec<MineEntry>)> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let county = county(app, caller).await?;
    let mut conn = app.db.conn().await?;
    let company = companies::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let filter = EntryFilter {
        company_id: Some(id),
        ..Default::default()
    };
    let rows = county.filter(&filter).cloned().collect();
    Ok((company, rows))
}
