//! Managing accounts: create, list, view, change role/agency/status, reset and change passwords.

use crate::{auth, json, App, AppError, Caller, Result};
use orewatch_domain::account::{AccountChange, AccountStatus, NewAccount, NewAccountInput};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AccountId, AgencyCode, FieldErrors, Password, Problem, Role};
use orewatch_storage::accounts::{self, Account, NewAccountRow};
use orewatch_storage::seats::{self, Seat};
use orewatch_storage::{agencies, audit, sessions};
use serde_json::json as j;

pub use orewatch_storage::accounts::{Account as AccountRecord, AccountFilter};
pub use orewatch_storage::seats::Seat as SeatRecord;

fn snapshot(account: &Account) -> serde_json::Value {
    j!({
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role.as_str(),
        "agency": account.agency_code,
        "status": account.status.as_str(),
        "must_change_password": account.must_change_password,
    })
}

fn resource(account: &Account) -> Resource {
    Resource::Account {
        id: account.id,
        agency: account
            .agency_code
            .as_deref()
            .and_then(|c| AgencyCode::parse(c).ok()),
    }
}

async fn check_agency_exists(app: &App, agency: Option<&AgencyCode>, errors: &mut FieldErrors) -> Result<()> {
    if let Some(code) = agency {
        let mut conn = app.db.conn().await?;
        if agencies::find(&mut conn, code).await?.is_none() {
            errors.push("agency", Problem::NotFound);
        }
    }
    Ok(())
}

/// Creates an account. Created by the office (or the operator), the person must choose a new password
/// at first login, except when the operator bootstraps the first administrator.
pub async fn create(app: &App, caller: &Caller, input: &NewAccountInput<'_>) -> Result<AccountId> {
    caller.require(Action::CreateAccount, &Resource::Installation)?;
    let new = NewAccount::parse(input).map_err(AppError::Invalid)?;
    let mut errors = FieldErrors::new();
    check_agency_exists(app, new.agency.as_ref(), &mut errors).await?;
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let must_change = caller.account_id.is_some();
    let hash = app.hasher().hash(new.password.expose())?;
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    if accounts::find_by_username(&mut tx, new.username.as_str())
        .await?
        .is_some()
    {
        tx.rollback().await?;
        return Err(AppError::invalid("username", Problem::Duplicate));
    }
    let row = NewAccountRow {
        username: new.username.as_str(),
        display_name: new.display_name.as_str(),
        role: new.role,
        agency_code: new.agency.as_ref().map(AgencyCode::as_str),
        password_hash: &hash,
        must_change_password: must_change,
    };
    let id = match accounts::insert(&mut tx, &row, now).await {
        Ok(id) => id,
        Err(e) if e.is_conflict_on("account_username_key", "account.username") => {
            return Err(AppError::invalid("username", Problem::Duplicate));
        }
        Err(e) => return Err(e.into()),
    };
    let created = accounts::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let mut entry = caller.audit("account.create", "account", id);
    entry.after_json = json(snapshot(&created));
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// A page of accounts. Agency heads see only their own agency's accounts.
pub async fn list(app: &App, caller: &Caller, mut filter: AccountFilter) -> Result<(Vec<Account>, i64)> {
    caller.require(Action::ListAccounts, &Resource::Installation)?;
    if caller.role == Some(Role::AgencyHead) {
        filter.agency_code = caller.agency.as_ref().map(|a| a.as_str().to_string());
    }
    filter.limit = if filter.limit <= 0 {
        50
    } else {
        filter.limit.min(200)
    };
    filter.offset = filter.offset.max(0);
    let mut conn = app.db.conn().await?;
    Ok(accounts::list(&mut conn, &filter).await?)
}

/// One account with the seats it holds now.
pub async fn get(app: &App, caller: &Caller, id: AccountId) -> Result<(Account, Vec<Seat>)> {
    let mut conn = app.db.conn().await?;
    let account = accounts::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewAccount, &resource(&account))?;
    let seats = seats::current_seats_of(&mut conn, id).await?;
    Ok((account, seats))
}

/// Raw form input for changing an account.
pub use orewatch_domain::account::AccountChangeInput as AccountUpdateInput;

/// Changes another account's name, role, agency or status. Disabling ends its sessions.
pub async fn update(app: &App, caller: &Caller, id: AccountId, input: &AccountUpdateInput<'_>) -> Result<()> {
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let before = accounts::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ManageAccount, &resource(&before))?;
    let AccountChange {
        display_name,
        role,
        agency,
        status,
    } = AccountChange::parse(input).map_err(AppError::Invalid)?;
    if let Some(code) = &agency {
        if agencies::find(&mut tx, code).await?.is_none() {
            return Err(AppError::invalid("agency", Problem::NotFound));
        }
    }
    accounts::update_admin_fields(
        &mut tx,
        id,
        display_name.as_str(),
        role,
        agency.as_ref().map(AgencyCode::as_str),
        status,
        now,
    )
    .await?;
    if status == AccountStatus::Disabled {
        sessions::delete_for_account(&mut tx, id, None).await?;
    }
    let after = accounts::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let (before_json, after_json) = (snapshot(&before), snapshot(&after));
    if before_json == after_json {
        tx.rollback().await?;
        return Ok(());
    }
    let mut entry = caller.audit("account.update", "account", id);
    entry.before_json = json(before_json);
    entry.after_json = json(after_json);
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a temporary password chosen by the office; the person must change it at next login.
pub async fn reset_password(app: &App, caller: &Caller, id: AccountId, new: &str, again: &str) -> Result<()> {
    let password = Password::parse_confirmed(new, again).map_err(|p| AppError::invalid("password", p))?;
    let hash = app.hasher().hash(password.expose())?;
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let account = accounts::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ManageAccount, &resource(&account))?;
    accounts::set_password(&mut tx, id, &hash, true, now).await?;
    sessions::delete_for_account(&mut tx, id, None).await?;
    let mut entry = caller.audit("account.reset_password", "account", id);
    entry.after_json = json(j!({ "must_change_password": true }));
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes one's own password; other sessions of the account end, `keep_session` stays.
pub async fn change_own_password(
    app: &App,
    caller: &Caller,
    keep_session: &str,
    current: &str,
    new: &str,
    again: &str,
) -> Result<()> {
    let id = caller
        .account_id
        .ok_or(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role))?;
    let now = app.now();
    let mut conn = app.db.conn().await?;
    let account = accounts::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    caller.require(Action::ChangeOwnPassword, &resource(&account))?;
    let mut errors = FieldErrors::new();
    if !app.hasher().verify(&account.password_hash, current) {
        errors.push("current", Problem::WrongCurrentPassword);
    }
    let password = errors.take("password", Password::parse_confirmed(new, again));
    if current == new && errors.is_empty() {
        errors.push("password", Problem::Unchanged);
    }
    let Some(password) = password.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let hash = app.hasher().hash(password.expose())?;
    let mut tx = app.db.begin_write().await?;
    accounts::set_password(&mut tx, id, &hash, false, now).await?;
    sessions::delete_for_account(&mut tx, id, Some(keep_session)).await?;
    let mut entry = caller.audit("account.change_password", "account", id);
    entry.after_json = json(j!({ "must_change_password": false }));
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Active accounts, for choosing a seat holder.
pub async fn active_accounts(app: &App, caller: &Caller) -> Result<Vec<Account>> {
    caller.require(Action::FilePosition, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(accounts::list_active(&mut conn).await?)
}

/// Looks an account up by username for the command line.
pub async fn find_by_username(app: &App, username: &str) -> Result<Option<Account>> {
    let mut conn = app.db.conn().await?;
    Ok(accounts::find_by_username(&mut conn, &username.trim().to_ascii_lowercase()).await?)
}

/// Used by `auth` to keep the callers' view of an account in one place.
pub fn caller_of(account: &Account) -> Caller {
    auth::caller_of(account)
}
