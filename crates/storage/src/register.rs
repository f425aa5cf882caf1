//! The inspector register (enforcement cards, with who may not inspect which company) and the checklist
//! templates of the inspection acts.
//!
//! No rule lives here: whether a card lets its holder inspect on a day is `domain::inspection`'s.

use crate::bound::{Key, Value, CHECKLIST_ITEM, ENFORCEMENT_CARD};
use crate::inspections::{ids, join_list};
use crate::{date_text, get, get_code, get_date, get_opt_time, Conn, Result, WriteTx};
use chrono::{DateTime, NaiveDate, Utc};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::inspection::Template;
use orewatch_domain::{AccountId, AgencyCode, CardId, ChecklistItemId, CompanyId};
use sqlx::any::AnyRow;

/// An enforcement card in the register, with its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: CardId,
    pub account_id: AccountId,
    pub holder: String,
    pub agency: Option<AgencyCode>,
    pub role: String,
    pub card_no: String,
    pub valid_until: NaiveDate,
    /// Companies the holder has declared a link to (回避).
    pub recusals: Vec<CompanyId>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether the holder's account is active.
    pub holder_active: bool,
}

pub async fn insert_card(
    tx: &mut WriteTx,
    account: AccountId,
    card_no: &str,
    valid_until: NaiveDate,
    recusals: &[CompanyId],
    by_label: &str,
) -> Result<CardId> {
    let now = format_timestamp(tx.now());
    let recusals: Vec<i64> = recusals.iter().map(|c| c.0).collect();
    let key = tx
        .insert(
            &ENFORCEMENT_CARD,
            &[
                ("account_id", account.0.into()),
                ("card_no", card_no.into()),
                ("valid_until", date_text(valid_until).into()),
                ("recusals", join_list(&recusals).into()),
                ("registered_by_label", by_label.into()),
                ("registered_at", now.into()),
                ("revoked_at", Value::Null),
            ],
        )
        .await?;
    key.id(CardId)
}

pub async fn revoke_card(tx: &mut WriteTx, id: CardId) -> Result<u64> {
    let now = format_timestamp(tx.now());
    tx.update(&ENFORCEMENT_CARD, &Key::from(id), &[("revoked_at", now.into())])
        .await
}

const CARD_SELECT: &str = "SELECT k.card_id, k.account_id, a.display_name, a.agency_code, a.role, k.card_no, \
    k.valid_until, k.recusals, k.revoked_at, a.status FROM enforcement_card k JOIN account a ON a.account_id = k.account_id";

fn card_from_row(r: &AnyRow) -> Result<Card> {
    Ok(Card {
        id: CardId(get(r, "card_id")?),
        account_id: AccountId(get(r, "account_id")?),
        holder: get(r, "display_name")?,
        agency: get::<Option<String>>(r, "agency_code")?
            .map(|c| AgencyCode::parse(&c))
            .transpose()
            .map_err(|_| crate::StorageError::Corrupt("agency code".into()))?,
        role: get(r, "role")?,
        card_no: get(r, "card_no")?,
        valid_until: get_date(r, "valid_until")?,
        recusals: ids(&get::<String>(r, "recusals")?)?
            .into_iter()
            .map(CompanyId)
            .collect(),
        revoked_at: get_opt_time(r, "revoked_at")?,
        holder_active: get::<String>(r, "status")? == "active",
    })
}

impl Card {
    /// Whether it lets its holder inspect on `day` (`domain::inspection::card_valid_on`).
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        orewatch_domain::inspection::card_valid_on(
            day,
            self.valid_until,
            self.revoked_at.is_some(),
            self.holder_active,
        )
    }
}

/// The cards of an agency's staff (or every card), revoked ones included, by holder.
pub async fn cards(conn: &mut Conn, agency: Option<&AgencyCode>) -> Result<Vec<Card>> {
    let rows = match agency {
        Some(a) => {
            sqlx::query(&format!(
                "{CARD_SELECT} WHERE a.agency_code = $1 ORDER BY a.display_name, k.card_id"
            ))
            .bind(a.as_str())
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query(&format!(
                "{CARD_SELECT} ORDER BY a.agency_code, a.display_name, k.card_id"
            ))
            .fetch_all(conn)
            .await?
        }
    };
    rows.iter().map(card_from_row).collect()
}

pub async fn find_card(conn: &mut Conn, id: CardId) -> Result<Option<Card>> {
    let row = sqlx::query(&format!("{CARD_SELECT} WHERE k.card_id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(card_from_row).transpose()
}

// ---------------------------------------------------------------------------------------------------
// Checklist templates

/// An item of a checklist template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    pub id: ChecklistItemId,
    pub template: Template,
    pub sort_order: i64,
    pub text: String,
    pub category: String,
    pub retired: bool,
}

pub async fn insert_checklist_item(
    tx: &mut WriteTx,
    template: Template,
    sort_order: i64,
    text: &str,
    category: &str,
) -> Result<ChecklistItemId> {
    let key = tx
        .insert(
            &CHECKLIST_ITEM,
            &[
                ("template", template.as_str().into()),
                ("sort_order", sort_order.into()),
                ("text", text.into()),
                ("category", category.into()),
                ("retired", 0_i64.into()),
            ],
        )
        .await?;
    key.id(ChecklistItemId)
}

pub async fn change_checklist_item(
    tx: &mut WriteTx,
    id: ChecklistItemId,
    text: &str,
    retired: bool,
) -> Result<u64> {
    tx.update(
        &CHECKLIST_ITEM,
        &Key::from(id),
        &[("text", text.into()), ("retired", i64::from(retired).into())],
    )
    .await
}

/// The items of every template, in order (retired ones too).
pub async fn checklist(conn: &mut Conn) -> Result<Vec<ChecklistItem>> {
    let rows = sqlx::query(
        "SELECT checklist_item_id, template, sort_order, text, category, retired FROM checklist_item \
         ORDER BY template, sort_order, checklist_item_id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ChecklistItem {
                id: ChecklistItemId(get(r, "checklist_item_id")?),
                template: get_code(r, "template", Template::parse)?,
                sort_order: get(r, "sort_order")?,
                text: get(r, "text")?,
                category: get(r, "category")?,
                retired: get::<i64>(r, "retired")? != 0,
            })
        })
        .collect()
}
