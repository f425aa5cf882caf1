//! 信息共享 — the sharing feed: agencies post approvals, revocations, case leads (线索) and disposal
//! results to the office and chosen agencies; recipients acknowledge (the time is recorded); items not
//! acknowledged by the deadline (`Settings::share_ack_deadline`) are shown as overdue. Licence and permit
//! changes post themselves ([`auto_post`]).

use crate::{json, App, AppError, Caller, Result};
use chrono::{DateTime, Utc};
use orewatch_domain::field::{optional_text, required_text};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{FieldErrors, Problem, Role};
use orewatch_storage::sharing::{self, NewShareItem, ShareItem};
use orewatch_storage::{audit, mines, Conn, Page};
use serde_json::json as j;

/// The recipient code of the supervision office.
pub const OFFICE: &str = "office";
/// The kinds of item.
pub const KINDS: [&str; 4] = ["approval", "revocation", "lead", "disposal"];

/// The feed party a caller reads and acknowledges for: the office, or its own agency.
pub fn party_of(caller: &Caller) -> Option<String> {
    match caller.role {
        Some(Role::Office) => Some(OFFICE.to_string()),
        Some(Role::AgencyOfficer | Role::AgencyHead) => {
            caller.agency.as_ref().map(|a| a.as_str().to_string())
        }
        _ => None,
    }
}

/// Posts an item from the platform inside the caller's transaction (a licence or permit change): to the
/// office and to the agency answering for the mine's area, if that is not the sender.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn auto_post(
    conn: &mut Conn,
    settings: &crate::Settings,
    caller: &Caller,
    kind: &str,
    title: &str,
    from_agency: Option<&str>,
    mine_id: i64,
    record: (&str, i64),
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut recipients = vec![OFFICE.to_string()];
    if let Some(area) = mines::find(&mut *conn, mine_id)
        .await?
        .and_then(|m| m.area_agency_code)
    {
        if Some(area.as_str()) != from_agency {
            recipients.push(area);
        }
    }
    let item = NewShareItem {
        kind,
        title,
        body: None,
        from_agency_code: from_agency,
        posted_by_label: &caller.display_name,
        ack_due_at: now + settings.share_ack_deadline,
        mine_id: Some(mine_id),
        record_type: Some(record.0),
        record_id: Some(record.1.to_string()),
    };
    Ok(sharing::insert(conn, &item, &recipients, now).await?)
}

/// Raw input of a post.
#[derive(Debug, Clone, Default)]
pub struct PostInput<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// Agency codes (and `office`).
    pub recipients: Vec<&'a str>,
    /// A mine's id, or empty.
    pub mine: &'a str,
}

pub async fn post(app: &App, caller: &Caller, input: &PostInput<'_>) -> Result<i64> {
    caller.require(Action::ShareInformation, &Resource::Installation)?;
    let mut e = FieldErrors::new();
    if !KINDS.contains(&input.kind) {
        e.push("kind", Problem::Invalid);
    }
    let title = e.take("title", required_text(input.title, 200));
    let body = e.take("body", optional_text(input.body, 4000));
    let agencies: Vec<String> = orewatch_domain::agency::STANDARD_AGENCIES
        .iter()
        .map(|a| a.code.to_string())
        .collect();
    let mut recipients: Vec<String> = input
        .recipients
        .iter()
        .map(|r| r.trim().to_string())
        .filter(|r| r == OFFICE || agencies.contains(r))
        .collect();
    recipients.sort();
    recipients.dedup();
    if recipients.is_empty() {
        e.push("recipients", Problem::Required);
    }
    let mine_id = match input.mine.trim() {
        "" => Some(None),
        raw => e.take("mine", raw.parse::<i64>().map(Some).map_err(|_| Problem::Invalid)),
    };
    let (Some(title), Some(body), Some(mine_id)) = (title, body, mine_id) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    if let Some(id) = mine_id {
        mines::find(&mut tx, id)
            .await?
            .ok_or_else(|| AppError::invalid("mine", Problem::NotFound))?;
    }
    let from = party_of(caller);
    let item = NewShareItem {
        kind: input.kind,
        title: &title,
        body: body.as_deref(),
        from_agency_code: from.as_deref(),
        posted_by_label: &caller.display_name,
        ack_due_at: now + app.settings.share_ack_deadline,
        mine_id,
        record_type: None,
        record_id: None,
    };
    let id = sharing::insert(&mut tx, &item, &recipients, now).await?;
    let mut entry = caller.audit("share.post", "share_item", id);
    entry.after_json = json(j!({"kind": input.kind, "title": title, "recipients": recipients}));
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Acknowledges receipt of an item for the caller's agency (or the office).
pub async fn acknowledge(app: &App, caller: &Caller, item_id: i64) -> Result<()> {
    caller.require(Action::ShareInformation, &Resource::Installation)?;
    let party = party_of(caller).ok_or(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role))?;
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    if sharing::acknowledge(&mut tx, item_id, &party, &caller.display_name, now).await? == 0 {
        // Not addressed to this party, or acknowledged already (a double submit): nothing to do.
        return Err(AppError::invalid("item", Problem::Unchanged));
    }
    let mut entry = caller.audit("share.acknowledge", "share_item", item_id);
    entry.after_json = json(j!({"recipient": party}));
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The feed a caller sees: everything for the office, leaders and auditors; what concerns its agency for
/// agency staff.
pub async fn feed(
    app: &App,
    caller: &Caller,
    open_only: bool,
    limit: i64,
    offset: i64,
) -> Result<Page<ShareItem>> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let party = match caller.role {
        Some(Role::AgencyOfficer | Role::AgencyHead) => party_of(caller),
        Some(Role::Office) if open_only => Some(OFFICE.to_string()),
        _ => None,
    };
    let mut conn = app.db.conn().await?;
    Ok(sharing::list(&mut conn, party.as_deref(), open_only, limit, offset).await?)
}
