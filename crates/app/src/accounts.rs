//! Managing accounts: create, list, view, change role/agency/status, reset and change passwords.

use crate::{auth, App, AppError, Caller, Result};
use orewatch_domain::account::{AccountChange, AccountStatus, NewAccount, NewAccountInput};
use orewatch_domain::policy::{Action, Listing, Resource};
use orewatch_domain::{AccountId, AgencyCode, AuditAction, FieldErrors, Password, Problem};
use orewatch_storage::accounts::{self, Account, NewAccountRow};
use orewatch_storage::seats::{self, Seat};
use orewatch_storage::{agencies, security, sessions};

pub use orewatch_storage::accounts::{Account as AccountRecord, AccountFilter};
pub use orewatch_storage::seats::Seat as SeatRecord;

pub(crate) fn resource(account: &Account) -> Resource {
    Resource::Account {
        id: account.id,
        agency: account.agency.clone(),
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

/// Creates an account. Created by the office, the person must choose a new password at first login;
/// the operator bootstrapping the first administrator sets a final one.
pub async fn create(app: &App, caller: &Caller, input: &NewAccountInput<'_>) -> Result<AccountId> {
    caller.require(Action::CreateAccount, &Resource::Installation)?;
    let new = NewAccount::parse(input).map_err(AppError::Invalid)?;
    let mut errors = FieldErrors::new();
    check_agency_exists(app, new.agency.as_ref(), &mut errors).await?;
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let must_change = caller.account_id().is_some();
    let hash = app.hasher().hash(new.password.expose())?;
    let mut tx = app.write(caller).await?;
    if accounts::find_by_username(&mut tx, new.username.as_str())
        .await?
        .is_some()
    {
        return Err(AppError::invalid("username", Problem::Duplicate));
    }
    let row = NewAccountRow {
        username: new.username.as_str(),
        display_name: new.display_name.as_str(),
        role: new.role,
        agency: new.agency.as_ref(),
        password_hash: &hash,
        must_change_password: must_change,
    };
    let id = match accounts::insert(&mut tx, &row).await {
        Ok(id) => id,
        Err(e) if e.is_conflict_on("account_username_key", "account.username") => {
            return Err(AppError::invalid("username", Problem::Duplicate));
        }
        Err(e) => return Err(e.into()),
    };
    tx.audit_of(AuditAction::AccountCreate, id, None, None).await?;
    tx.commit().await?;
    Ok(id)
}

/// A page of the accounts the caller may see (agency heads: their own agency's), each with its last
/// login and whether a client is made to wait.
pub async fn list(app: &App, caller: &Caller, mut filter: AccountFilter) -> Result<(Vec<AccountView>, i64)> {
    caller.require(Action::ListAccounts, &Resource::Installation)?;
    filter.limit = if filter.limit <= 0 {
        50
    } else {
        filter.limit.min(200)
    };
    filter.offset = filter.offset.max(0);
    let mut conn = app.db.conn().await?;
    let (found, total) = accounts::list(&mut conn, &caller.scope(Listing::Accounts), &filter).await?;
    let ids: Vec<AccountId> = found.iter().map(|a| a.id).collect();
    let names: Vec<String> = found.iter().map(|a| a.username.clone()).collect();
    let logins = security::last_logins(&mut conn, &ids).await?;
    let waiting = security::waiting_among(&mut conn, &names, app.now()).await?;
    let rows = found
        .into_iter()
        .map(|account| AccountView {
            last_login: logins.get(&account.id).copied(),
            delayed: waiting.contains(&account.username),
            seats: Vec::new(),
            account,
        })
        .collect();
    Ok((rows, total))
}

/// One account: the record, the seats it holds now, when it last logged in, and whether a client is
/// made to wait after failed passwords.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub account: Account,
    pub seats: Vec<Seat>,
    pub last_login: Option<chrono::DateTime<chrono::Utc>>,
    pub delayed: bool,
}

pub async fn get(app: &App, caller: &Caller, id: AccountId) -> Result<AccountView> {
    let mut conn = app.db.conn().await?;
    let account = accounts::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewAccount, &resource(&account))?;
    let seats = seats::current_seats_of(&mut conn, id).await?;
    let last_login = security::last_login(&mut conn, id).await?;
    drop(conn);
    let delayed = auth::is_delayed(app, &account).await?;
    Ok(AccountView {
        account,
        seats,
        last_login,
        delayed,
    })
}

/// Raw form input for changing an account.
pub use orewatch_domain::account::AccountChangeInput as AccountUpdateInput;

/// Changes another account's name, role, agency or status. Disabling ends its sessions.
pub async fn update(app: &App, caller: &Caller, id: AccountId, input: &AccountUpdateInput<'_>) -> Result<()> {
    let mut tx = app.write(caller).await?;
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
    let unchanged = before.display_name == display_name.as_str()
        && before.role == role
        && before.agency == agency
        && before.status == status;
    if unchanged {
        return Ok(());
    }
    let state_before = tx.state_of(id).await?;
    accounts::update_admin_fields(&mut tx, id, display_name.as_str(), role, agency.as_ref(), status).await?;
    if status == AccountStatus::Disabled {
        sessions::delete_for_account(&mut tx, id, None).await?;
    }
    tx.audit_of(AuditAction::AccountUpdate, id, state_before, None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a temporary password chosen by the office; the person must change it at next login.
pub async fn reset_password(app: &App, caller: &Caller, id: AccountId, new: &str, again: &str) -> Result<()> {
    let password = Password::parse_confirmed(new, again).map_err(|p| AppError::invalid("password", p))?;
    let hash = app.hasher().hash(password.expose())?;
    let mut tx = app.write(caller).await?;
    let account = accounts::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ManageAccount, &resource(&account))?;
    let before = tx.state_of(id).await?;
    accounts::set_password(&mut tx, id, &hash, true).await?;
    sessions::delete_for_account(&mut tx, id, None).await?;
    tx.audit_of(AuditAction::AccountResetPassword, id, before, None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes one's own password; other sessions of the account end, `keep_session` stays. A wrong
/// current password counts like a failed login from `client`.
pub async fn change_own_password(
    app: &App,
    caller: &Caller,
    keep_session: &str,
    client: &str,
    current: &str,
    new: &str,
    again: &str,
) -> Result<()> {
    let id = caller.account_id().ok_or(AppError::Forbidden(
        orewatch_domain::policy::DenyReason::NotLoggedIn,
    ))?;
    let mut conn = app.db.conn().await?;
    let account = accounts::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    caller.require(Action::ChangeOwnPassword, &resource(&account))?;
    let mut errors = FieldErrors::new();
    let password = errors.take("password", Password::parse_confirmed(new, again));
    if !auth::check_own_password(app, &account, current, client).await? {
        errors.push("current", Problem::WrongCurrentPassword);
    }
    if current == new && errors.is_empty() {
        errors.push("password", Problem::Unchanged);
    }
    let Some(password) = password.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let hash = app.hasher().hash(password.expose())?;
    let mut tx = app.write(caller).await?;
    let before = tx.state_of(id).await?;
    accounts::set_password(&mut tx, id, &hash, false).await?;
    sessions::delete_for_account(&mut tx, id, Some(keep_session)).await?;
    tx.audit_of(AuditAction::AccountChangePassword, id, before, None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Active accounts, for choosing a seat holder.
pub async fn active_accounts(app: &App, caller: &Caller) -> Result<Vec<Account>> {
    caller.require(Action::FilePosition, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(accounts::list_active(&mut conn).await?)
}

/// Looks an account up by username (the command line, the demo), if the caller may see it.
pub async fn find_by_username(app: &App, caller: &Caller, username: &str) -> Result<Option<Account>> {
    let mut conn = app.db.conn().await?;
    let found = accounts::find_by_username(&mut conn, &username.trim().to_ascii_lowercase()).await?;
    if let Some(account) = &found {
        caller.require(Action::ViewAccount, &resource(account))?;
    }
    Ok(found)
}

/// The caller an account acts as (tests, the demo).
pub fn caller_of(account: &Account) -> Caller {
    auth::caller_of(account)
}
