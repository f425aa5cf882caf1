//! 信息共享 — the sharing feed: agencies post approvals, revocations, case leads (线索) and disposal
//! results to the office and chosen agencies; recipients acknowledge (the time is recorded); items not
//! acknowledged by the deadline (`Settings::share_ack_deadline`) are shown as overdue. Licence, permit
//! and credit-list changes post themselves ([`auto_post`]), each post with its own audit entry.
//!
//! Who posts is the poster's own party — the office when the office records a permit on an agency's
//! behalf — and a poster is never among its recipients.

use crate::{App, AppError, Caller, Result};
use orewatch_domain::field::{optional_text, required_text};
use orewatch_domain::policy::{party_of, Action, Listing, Resource};
use orewatch_domain::sharing::{Party, ShareKind};
use orewatch_domain::{AgencyCode, AuditAction, FieldErrors, MineId, Problem, RecordType};
use orewatch_storage::mines::Mine;
use orewatch_storage::sharing::{self, NewShareItem, ShareItem};
use orewatch_storage::{mines, Page, WriteTx};

/// What the platform posts about a record it changed.
pub(crate) struct AutoPost<'a> {
    pub kind: ShareKind,
    pub title: &'a str,
    /// The agency in whose name the change was made (a permit's issuing agency).
    pub issuing: Option<&'a AgencyCode>,
    pub mine: Option<&'a Mine>,
    pub record: (RecordType, String),
    /// Everyone else too (credit-list changes concern every agency).
    pub everyone: bool,
}

/// The recipients of an automatic post: the office, the issuing agency and the agency answering for the
/// mine's area (or every member agency), never the sender.
fn recipients_of(post: &AutoPost<'_>, sender: Option<&Party>) -> Vec<Party> {
    let mut out = vec![Party::Office];
    if post.everyone {
        out.extend(
            orewatch_domain::agency::STANDARD_AGENCIES
                .iter()
                .filter(|a| a.kind == orewatch_domain::agency::AgencyKind::Member)
                .filter_map(|a| AgencyCode::parse(a.code).ok())
                .map(Party::Agency),
        );
    }
    out.extend(post.issuing.cloned().map(Party::Agency));
    out.extend(post.mine.and_then(|m| m.area_agency.clone()).map(Party::Agency));
    out.sort();
    out.dedup();
    out.retain(|p| Some(p) != sender);
    out
}

/// Posts an item about a change inside the change's transaction, with its own audit entry.
pub(crate) async fn auto_post(
    tx: &mut WriteTx,
    app: &App,
    caller: &Caller,
    post: AutoPost<'_>,
) -> Result<()> {
    // The poster's own party; the operator (bootstrap, demo loading) posts in the issuing agency's name.
    let sender = party_of(&caller.actor).or_else(|| post.issuing.cloned().map(Party::Agency));
    let recipients = recipients_of(&post, sender.as_ref());
    if recipients.is_empty() {
        return Ok(());
    }
    let item = NewShareItem {
        kind: post.kind,
        title: post.title,
        body: None,
        from: sender.as_ref(),
        posted_by_label: &caller.display_name,
        ack_due_at: tx.now() + app.settings.share_ack_deadline,
        mine_id: post.mine.map(|m| m.id),
        record: Some(post.record),
    };
    let id = sharing::insert(tx, &item, &recipients).await?;
    tx.audit_of(AuditAction::SharePost, id, None, None).await?;
    Ok(())
}

/// Raw input of a post.
#[derive(Debug, Clone, Default)]
pub struct PostInput<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// Agency codes (and `office`).
    pub recipients: Vec<&'a str>,
    /// The mine it concerns, by name (typed or picked), or empty.
    pub mine: &'a str,
}

/// Posts an item by hand.
pub async fn post(app: &App, caller: &Caller, input: &PostInput<'_>) -> Result<orewatch_domain::ShareItemId> {
    caller.require(Action::ShareInformation, &Resource::Installation)?;
    let sender = party_of(&caller.actor);
    let mut e = FieldErrors::new();
    let kind = e.take(
        "kind",
        ShareKind::parse(input.kind).and_then(|k| {
            if k.posted_by_hand() {
                Ok(k)
            } else {
                Err(Problem::Invalid)
            }
        }),
    );
    let title = e.take("title", required_text(input.title, 200));
    let body = e.take("body", optional_text(input.body, 4000));
    let members: Vec<String> = orewatch_domain::agency::STANDARD_AGENCIES
        .iter()
        .map(|a| a.code.to_string())
        .collect();
    let mut recipients: Vec<Party> = input
        .recipients
        .iter()
        .filter_map(|r| Party::parse(r).ok())
        .filter(|p| match p {
            Party::Office => true,
            Party::Agency(code) => members.iter().any(|m| m == code.as_str()),
        })
        .filter(|p| Some(p) != sender.as_ref())
        .collect();
    recipients.sort();
    recipients.dedup();
    if recipients.is_empty() {
        e.push("recipients", Problem::Required);
    }
    let mine_name = e.take("mine", optional_text(input.mine, 100));
    let (Some(kind), Some(title), Some(body), Some(mine_name)) = (kind, title, body, mine_name) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let mut tx = app.write(caller).await?;
    let mine_id = match &mine_name {
        None => None,
        Some(name) => Some(mine_named(&mut tx, name).await?),
    };
    let item = NewShareItem {
        kind,
        title: &title,
        body: body.as_deref(),
        from: sender.as_ref(),
        posted_by_label: &caller.display_name,
        ack_due_at: tx.now() + app.settings.share_ack_deadline,
        mine_id,
        record: None,
    };
    let id = sharing::insert(&mut tx, &item, &recipients).await?;
    tx.audit_of(AuditAction::SharePost, id, None, None).await?;
    tx.commit().await?;
    Ok(id)
}

/// The mine of this exact name; otherwise a field error listing up to five mines whose names contain
/// what was typed (so a person without the picker's script can correct it).
pub(crate) async fn mine_named(conn: &mut orewatch_storage::Conn, typed: &str) -> Result<MineId> {
    let all = mines::all_names(conn).await?;
    if let Some((id, _)) = all.iter().find(|(_, name)| name == typed) {
        return Ok(*id);
    }
    let mut close: Vec<&str> = all
        .iter()
        .filter(|(_, name)| name.contains(typed) || typed.contains(name.as_str()))
        .map(|(_, name)| name.as_str())
        .collect();
    close.sort();
    close.truncate(5);
    Err(AppError::invalid(
        "mine",
        if close.is_empty() {
            Problem::MineNotRegistered
        } else {
            Problem::MineAmbiguous {
                candidates: close.join("、"),
            }
        },
    ))
}

fn resource(item: &ShareItem) -> Resource {
    Resource::SharedItem {
        from: item.from.clone(),
        recipients: item.recipients.iter().map(|r| r.party.clone()).collect(),
    }
}

/// Why an acknowledgement changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledged {
    /// Recorded now.
    Now,
    /// It had been acknowledged already (a second click or another colleague).
    Already,
}

/// Acknowledges receipt of an item for the caller's agency (or the office).
pub async fn acknowledge(
    app: &App,
    caller: &Caller,
    item_id: orewatch_domain::ShareItemId,
) -> Result<Acknowledged> {
    let mut tx = app.write(caller).await?;
    let item = sharing::find(&mut tx, item_id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::AcknowledgeShared, &resource(&item))?;
    let party =
        party_of(&caller.actor).ok_or(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role))?;
    let before = tx.state_of(item_id).await?;
    if sharing::acknowledge(&mut tx, item_id, &party, &caller.display_name).await? == 0 {
        tx.rollback().await?;
        return Ok(Acknowledged::Already);
    }
    tx.audit_of(AuditAction::ShareAcknowledge, item_id, before, None)
        .await?;
    tx.commit().await?;
    Ok(Acknowledged::Now)
}

/// The feed a caller sees (its scope), newest first; with `open_only`, what its party has yet to
/// acknowledge.
pub async fn feed(
    app: &App,
    caller: &Caller,
    open_only: bool,
    limit: i64,
    offset: i64,
) -> Result<Page<ShareItem>> {
    caller.require(Action::ViewSharing, &Resource::Installation)?;
    let party = party_of(&caller.actor);
    let open_for = if open_only { party.as_ref() } else { None };
    if open_only && open_for.is_none() {
        return Ok(Page {
            rows: Vec::new(),
            total: 0,
        });
    }
    let mut conn = app.db.conn().await?;
    Ok(sharing::list(
        &mut conn,
        &caller.scope(Listing::ShareFeed),
        open_for,
        limit,
        offset,
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: &str) -> AgencyCode {
        AgencyCode::parse(c).unwrap()
    }

    #[test]
    fn the_office_recording_for_an_agency_posts_as_itself_to_the_agency_never_to_itself() {
        let em = code("em");
        let post = AutoPost {
            kind: ShareKind::Approval,
            title: "x",
            issuing: Some(&em),
            mine: None,
            record: (RecordType::Permit, "1".into()),
            everyone: false,
        };
        assert_eq!(
            recipients_of(&post, Some(&Party::Office)),
            vec![Party::Agency(em.clone())]
        );
        assert_eq!(
            recipients_of(&post, Some(&Party::Agency(em.clone()))),
            vec![Party::Office]
        );
    }
}
