//! 执法人员名录 and 检查表 — the inspector register (enforcement cards and the companies each holder
//! must stay away from) and the editable checklist templates.

use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{date, required_text};
use orewatch_domain::inspection::Template;
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::task::local_date;
use orewatch_domain::{
    AccountId, AuditAction, CardId, ChecklistItemId, CompanyId, FieldErrors, Problem, Role,
};
use orewatch_storage::register;
pub use orewatch_storage::register::{Card, ChecklistItem};
use orewatch_storage::{accounts, companies, findings};

/// The register: every card (the office, leaders) or one agency's.
pub async fn cards(app: &App, caller: &Caller) -> Result<Vec<Card>> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(register::cards(&mut conn, None).await?)
}

/// A card as typed.
#[derive(Debug, Clone, Default)]
pub struct CardInput<'a> {
    /// The holder's account id.
    pub account: &'a str,
    pub card_no: &'a str,
    pub valid_until: &'a str,
    /// Names (or credit codes) of companies the holder is linked to, one per line.
    pub recusals: &'a str,
}

/// Registers an officer's enforcement card.
pub async fn register_card(app: &App, caller: &Caller, input: &CardInput<'_>) -> Result<CardId> {
    let mut e = FieldErrors::new();
    let account_id = e.take(
        "account",
        input
            .account
            .trim()
            .parse::<i64>()
            .map(AccountId)
            .map_err(|_| Problem::Required),
    );
    let card_no = e.take("card_no", required_text(input.card_no, 40));
    let valid_until = e.take(
        "valid_until",
        date(input.valid_until).and_then(|d| {
            let today = local_date(app.now());
            if d < today {
                Err(Problem::DeadlineInPast {
                    today: today.to_string(),
                })
            } else {
                Ok(d)
            }
        }),
    );
    let mut conn = app.db.conn().await?;
    let mut recusals: Vec<CompanyId> = Vec::new();
    for line in input.recusals.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match companies::find_by_name_or_code(&mut conn, line).await? {
            Some(id) => recusals.push(id),
            None => e.push("recusals", Problem::CompanyNotRegistered),
        }
    }
    let holder = match account_id {
        Some(id) => accounts::find(&mut conn, id).await?,
        None => None,
    };
    if account_id.is_some() && holder.is_none() {
        e.push("account", Problem::NotFound);
    }
    drop(conn);
    let (Some(account_id), Some(card_no), Some(valid_until), Some(holder)) =
        (account_id, card_no, valid_until, holder)
    else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    caller.require(
        Action::ManageCards,
        &Resource::Account {
            id: account_id,
            agency: holder.agency.clone(),
        },
    )?;
    if !matches!(holder.role, Role::AgencyOfficer | Role::AgencyHead) {
        return Err(AppError::invalid("account", Problem::AgencyRequired));
    }
    let mut tx = app.write(caller).await?;
    let id = match register::insert_card(
        &mut tx,
        account_id,
        &card_no,
        valid_until,
        &recusals,
        &caller.display_name,
    )
    .await
    {
        Ok(id) => id,
        Err(err) if err.is_conflict_on("enforcement_card_no_key", "enforcement_card.card_no") => {
            return Err(AppError::invalid(
                "card_no",
                Problem::DuplicateOf {
                    existing: format!("执法证号 {card_no}"),
                },
            ))
        }
        Err(err) => return Err(err.into()),
    };
    tx.audit_of(AuditAction::CardRegister, id, None, None).await?;
    tx.commit().await?;
    Ok(id)
}

/// Revokes a card (lost, expired early, the holder left enforcement work).
pub async fn revoke_card(app: &App, caller: &Caller, id: CardId) -> Result<()> {
    let mut tx = app.write(caller).await?;
    let card = register::find_card(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    caller.require(
        Action::ManageCards,
        &Resource::Account {
            id: card.account_id,
            agency: card.agency.clone(),
        },
    )?;
    if card.revoked_at.is_some() {
        return Err(AppError::invalid(
            "card",
            Problem::AlreadyDone {
                state: "已注销".into(),
            },
        ));
    }
    let before = tx.state_of(id).await?;
    register::revoke_card(&mut tx, id).await?;
    tx.audit_of(AuditAction::CardRevoke, id, before, None).await?;
    tx.commit().await?;
    Ok(())
}

/// The checklist templates.
pub async fn checklist(app: &App, caller: &Caller) -> Result<Vec<ChecklistItem>> {
    caller.require(Action::ViewInspections, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(register::checklist(&mut conn).await?)
}

/// Adds an item to a template, at its end.
pub async fn add_checklist_item(
    app: &App,
    caller: &Caller,
    template: &str,
    text: &str,
    category: &str,
) -> Result<ChecklistItemId> {
    caller.require(Action::ScheduleInspection, &Resource::Installation)?;
    let mut e = FieldErrors::new();
    let template = e.take("template", Template::parse(template));
    let text = e.take("text", required_text(text, 200));
    let category = e.take("category", required_text(category, 40));
    let (Some(template), Some(text), Some(category)) = (template, text, category) else {
        return Err(AppError::Invalid(e));
    };
    let mut tx = app.write(caller).await?;
    if !findings::categories(&mut tx)
        .await?
        .iter()
        .any(|c| c.code == category)
    {
        return Err(AppError::invalid("category", Problem::CategoryNotListed));
    }
    let last = register::checklist(&mut tx)
        .await?
        .iter()
        .filter(|i| i.template == template)
        .map(|i| i.sort_order)
        .max()
        .unwrap_or(0);
    let id = register::insert_checklist_item(&mut tx, template, last + 10, &text, &category).await?;
    tx.audit_of(AuditAction::ChecklistItemCreate, id, None, None)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Rewords an item, or retires it (acts already filled keep their own copy).
pub async fn change_checklist_item(
    app: &App,
    caller: &Caller,
    id: ChecklistItemId,
    text: &str,
    retired: bool,
) -> Result<()> {
    caller.require(Action::ScheduleInspection, &Resource::Installation)?;
    let text = required_text(text, 200).map_err(|p| AppError::invalid("text", p))?;
    let mut tx = app.write(caller).await?;
    let before = tx.state_of(id).await?;
    if before.is_none() {
        return Err(AppError::NotFound);
    }
    register::change_checklist_item(&mut tx, id, &text, retired).await?;
    tx.audit_of(AuditAction::ChecklistItemUpdate, id, before, None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Who may hold a card: active agency staff (officers and heads) within the caller's reach, as
/// (account, name, agency).
pub async fn holders(
    app: &App,
    caller: &Caller,
) -> Result<Vec<(AccountId, String, Option<orewatch_domain::AgencyCode>)>> {
    let mut conn = app.db.conn().await?;
    Ok(accounts::list_active(&mut conn)
        .await?
        .into_iter()
        .filter(|a| matches!(a.role, Role::AgencyOfficer | Role::AgencyHead))
        .filter(|a| {
            caller.may(
                Action::ManageCards,
                &Resource::Account {
                    id: a.id,
                    agency: a.agency.clone(),
                },
            )
        })
        .map(|a| (a.id, a.display_name, a.agency))
        .collect())
}
