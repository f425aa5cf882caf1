//! 许可证 — registering permits (each by its issuing agency, or the office on its behalf, checked against
//! the credit list), renewing, suspending, revoking and reinstating them (a renewal is checked like a
//! grant), the permit list and page, and attachments in the content-addressed file store.

use super::credit::{check_grant, CreditCheck};
use super::input::{check_permit, CheckedPermit, PermitInput};
use super::sharing::{auto_post, AutoPost};
use crate::{App, AppError, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::field::{date, optional_text};
use orewatch_domain::permit::{PermitKind, PermitListFilter, PermitState, PermitStatus};
use orewatch_domain::policy::{Action, Listing, Resource};
use orewatch_domain::sharing::ShareKind;
use orewatch_domain::{
    AgencyCode, AttachmentId, AuditAction, CompanyId, FieldErrors, MineId, PermitId, Problem, RecordType,
};
use orewatch_storage::files::NewAttachment;
use orewatch_storage::permits::{self, Permit, PermitFields, PermitFilter, PermitOrder};
use orewatch_storage::{mines, Page, WriteTx};

pub use orewatch_storage::files::Attachment;
pub use orewatch_storage::permits::{Permit as PermitRecord, PermitOrder as Order};

fn resource(p: &Permit) -> Resource {
    Resource::Permit {
        agency: p.agency.clone(),
        holder: p.holder_company_id,
    }
}

/// The agency that issues a kind of permit.
pub(crate) fn issuing_agency(kind: PermitKind) -> Result<AgencyCode> {
    AgencyCode::parse(kind.issuing_agency()).map_err(|_| AppError::Invariant("agency code".into()))
}

/// A permit to register, with what the form or row adds to it.
pub(crate) struct NewPermit<'a> {
    pub checked: &'a CheckedPermit,
    pub agency: AgencyCode,
    pub mine: MineId,
    pub holder: CompanyId,
    pub override_reason: Option<&'a str>,
}

fn fields<'a>(p: &'a NewPermit<'a>) -> PermitFields<'a> {
    PermitFields {
        kind: p.checked.kind,
        permit_no: &p.checked.permit_no,
        agency: &p.agency,
        holder_company_id: p.holder,
        mine_id: p.mine,
        valid_from: p.checked.valid_from,
        valid_to: p.checked.valid_to,
        scope: p.checked.scope.as_deref(),
        state: p.checked.state,
    }
}

/// Registers permits inside the caller's transaction: each holder checked against the credit list in
/// this transaction, then all inserted, each with its audit entry.
pub(crate) async fn register(
    tx: &mut WriteTx,
    credit: &mut CreditCheck,
    items: &[NewPermit<'_>],
    note: Option<&str>,
) -> Result<Vec<PermitId>> {
    for item in items {
        let what = format!("permit {} {}", item.checked.kind.as_str(), item.checked.permit_no);
        check_grant(tx, credit, item.holder, item.override_reason, &what).await?;
    }
    let rows: Vec<PermitFields> = items.iter().map(fields).collect();
    match permits::insert_many(tx, &rows, note).await {
        Ok(ids) => Ok(ids),
        Err(e) if e.is_conflict_on("permit_kind_no_key", "permit.kind") => {
            Err(AppError::invalid("permit_no", Problem::Duplicate))
        }
        Err(e) => Err(e.into()),
    }
}

/// Changes a registered permit's fields (an import updating by kind and number), checked against the
/// credit list like a grant. `false` when nothing differs.
pub(crate) async fn update(
    tx: &mut WriteTx,
    credit: &mut CreditCheck,
    current: &Permit,
    item: &NewPermit<'_>,
    note: Option<&str>,
) -> Result<bool> {
    let new = fields(item);
    let same = current.holder_company_id == new.holder_company_id
        && current.mine_id == new.mine_id
        && current.valid_from == new.valid_from
        && current.valid_to == new.valid_to
        && current.scope.as_deref() == new.scope
        && current.state == new.state;
    if same {
        return Ok(false);
    }
    let what = format!("permit {} {} (update)", current.kind.as_str(), current.permit_no);
    check_grant(tx, credit, item.holder, item.override_reason, &what).await?;
    let before = tx.state_of(current.id).await?;
    permits::update_fields(tx, current.id, &new).await?;
    tx.audit_of(
        AuditAction::PermitUpdate,
        current.id,
        before,
        note.map(str::to_string),
    )
    .await?;
    Ok(true)
}

/// Records a permit of a mine (by its issuing agency, or the office).
pub async fn create(
    app: &App,
    caller: &Caller,
    mine_id: MineId,
    input: &PermitInput<'_>,
) -> Result<PermitId> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let checked = check_permit(input).map_err(AppError::Invalid)?;
    let agency = issuing_agency(checked.kind)?;
    caller.require(Action::RecordPermit, &Resource::Agency(agency.clone()))?;
    let mut tx = app.write(caller).await?;
    let mine = mines::find(&mut tx, mine_id).await?.ok_or(AppError::NotFound)?;
    if let Some((id, _, _)) = permits::all_keys(&mut tx)
        .await?
        .into_iter()
        .find(|(_, k, no)| *k == checked.kind && *no == checked.permit_no)
    {
        return Err(AppError::invalid(
            "permit_no",
            Problem::DuplicateOf {
                existing: format!("{} {}（编号 {id}）", checked.kind.label_zh(), checked.permit_no),
            },
        ));
    }
    let holder = super::companies::by_code(&mut tx, &checked.holder, "holder").await?;
    let mut credit = CreditCheck::load(&mut tx, crate::dashboard::china_today(app.now())).await?;
    let item = NewPermit {
        checked: &checked,
        agency: agency.clone(),
        mine: mine_id,
        holder: holder.id,
        override_reason: Some(input.override_reason),
    };
    let ids = register(&mut tx, &mut credit, &[item], None).await?;
    let id = ids
        .first()
        .copied()
        .ok_or_else(|| AppError::Invariant("no id".into()))?;
    let title = format!(
        "{} {}（{}）",
        checked.kind.label_zh(),
        checked.permit_no,
        holder.name
    );
    auto_post(
        &mut tx,
        app,
        caller,
        AutoPost {
            kind: ShareKind::Approval,
            title: &title,
            issuing: Some(&agency),
            mine: Some(&mine),
            record: (RecordType::Permit, id.to_string()),
            everyone: false,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Renews (new end date), suspends, revokes or reinstates a permit. Only its issuing agency (or the
/// office) may; a renewal or reinstatement of a listed holder needs a written reason, like a grant.
pub async fn change(
    app: &App,
    caller: &Caller,
    permit_id: PermitId,
    state: &str,
    valid_to: &str,
    note: &str,
    override_reason: &str,
) -> Result<MineId> {
    let mut e = FieldErrors::new();
    let state = e.take("state", PermitState::parse(state));
    let valid_to = e.take("valid_to", date(valid_to));
    let note = e.take("note", optional_text(note, 500));
    let mut tx = app.write(caller).await?;
    let permit = permits::find(&mut tx, permit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    caller.require(Action::RecordPermit, &resource(&permit))?;
    let (Some(state), Some(valid_to), Some(note)) = (state, valid_to, note) else {
        return Err(AppError::Invalid(e));
    };
    if valid_to < permit.valid_from {
        return Err(AppError::invalid("valid_to", Problem::DateOrder));
    }
    if state == permit.state && valid_to == permit.valid_to {
        return Err(AppError::invalid("state", Problem::Unchanged));
    }
    let renews =
        state == PermitState::Active && (valid_to > permit.valid_to || permit.state != PermitState::Active);
    if renews {
        let mut credit = CreditCheck::load(&mut tx, crate::dashboard::china_today(app.now())).await?;
        let what = format!(
            "permit {} {} renewal to {valid_to}",
            permit.kind.as_str(),
            permit.permit_no
        );
        check_grant(
            &mut tx,
            &mut credit,
            permit.holder_company_id,
            Some(override_reason),
            &what,
        )
        .await?;
    }
    let before = tx.state_of(permit_id).await?;
    permits::update(&mut tx, permit_id, state, valid_to).await?;
    tx.audit_of(AuditAction::PermitUpdate, permit_id, before, note.clone())
        .await?;
    let (share_kind, what) = match state {
        PermitState::Revoked => (ShareKind::Revocation, "吊销".to_string()),
        PermitState::Suspended => (ShareKind::Revocation, "暂扣".to_string()),
        PermitState::Active => (ShareKind::Approval, format!("有效期至 {valid_to}")),
    };
    let title = format!(
        "{} {} {what}（{}）",
        permit.kind.label_zh(),
        permit.permit_no,
        permit.holder_name
    );
    let mine = mines::find(&mut tx, permit.mine_id).await?;
    auto_post(
        &mut tx,
        app,
        caller,
        AutoPost {
            kind: share_kind,
            title: &title,
            issuing: Some(&permit.agency),
            mine: mine.as_ref(),
            record: (RecordType::Permit, permit_id.to_string()),
            everyone: false,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(permit.mine_id)
}

/// One permit with its status today.
pub async fn show(app: &App, caller: &Caller, id: PermitId) -> Result<(Permit, PermitStatus)> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let today = crate::dashboard::china_today(app.now());
    let mut conn = app.db.conn().await?;
    let p = permits::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    caller.require(Action::ViewRegistry, &resource(&p))?;
    let status = PermitStatus::on(p.state, p.valid_from, p.valid_to, today);
    Ok((p, status))
}

/// What the permit list can be filtered and sorted by.
#[derive(Debug, Clone, Default)]
pub struct PermitQuery {
    pub text: Option<String>,
    pub kind: Option<PermitKind>,
    pub agency: Option<AgencyCode>,
    pub status: Option<PermitListFilter>,
    pub order: PermitOrder,
    pub limit: i64,
    pub offset: i64,
}

impl PermitQuery {
    /// Whether any filter is set.
    pub fn filtered(&self) -> bool {
        self.text.is_some() || self.kind.is_some() || self.agency.is_some() || self.status.is_some()
    }
}

pub async fn list(
    app: &App,
    caller: &Caller,
    q: &PermitQuery,
) -> Result<(Page<(Permit, PermitStatus)>, NaiveDate)> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let today = crate::dashboard::china_today(app.now());
    let bounds = q.status.map(|s| s.date_filter(today)).unwrap_or_default();
    let filter = PermitFilter {
        text: q.text.clone(),
        kind: q.kind,
        agency: q.agency.clone(),
        state: bounds.state,
        valid_from_after: bounds.valid_from_after,
        valid_from_until: bounds.valid_from_until,
        valid_to_from: bounds.valid_to_from,
        valid_to_until: bounds.valid_to_until,
        order: q.order,
        limit: q.limit,
        offset: q.offset,
    };
    let mut conn = app.db.conn().await?;
    let page = permits::list(&mut conn, &caller.scope(Listing::Registry), &filter).await?;
    let rows = page
        .rows
        .into_iter()
        .map(|p| {
            let status = PermitStatus::on(p.state, p.valid_from, p.valid_to, today);
            (p, status)
        })
        .collect();
    Ok((
        Page {
            rows,
            total: page.total,
        },
        today,
    ))
}

/// The content type of an uploaded file, from its extension.
fn content_type_of(file_name: &str) -> &'static str {
    let lower = file_name.to_ascii_lowercase();
    match lower.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("tif" | "tiff") => "image/tiff",
        Some("ofd") => "application/ofd",
        _ => "application/octet-stream",
    }
}

/// Attaches a file (a scanned certificate, an approval document) to a permit; only its agency (or the
/// office) may.
pub async fn attach(
    app: &App,
    caller: &Caller,
    permit_id: PermitId,
    file_name: &str,
    bytes: &[u8],
) -> Result<()> {
    let mut conn = app.db.conn().await?;
    let permit = permits::find(&mut conn, permit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    caller.require(Action::RecordPermit, &resource(&permit))?;
    if bytes.is_empty() {
        return Err(AppError::invalid("file", Problem::Required));
    }
    let name = orewatch_domain::field::upload_name(file_name).map_err(|p| AppError::invalid("file", p))?;
    // The file is stored before the row: a failed transaction leaves an unreferenced file, never a row
    // without its file.
    let sha = app.files().put(bytes).await?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let mut tx = app.write(caller).await?;
    let before = tx.state_of(permit_id).await?;
    orewatch_storage::files::attach_to_permit(
        &mut tx,
        permit_id,
        &NewAttachment {
            file_name: &name,
            content_type: content_type_of(&name),
            size_bytes: size,
            sha256: &sha,
            uploaded_by: &caller.display_name,
        },
    )
    .await?;
    tx.audit_of(AuditAction::PermitAttach, permit_id, before, Some(name))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn attachments(app: &App, caller: &Caller, permit_id: PermitId) -> Result<Vec<Attachment>> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(orewatch_storage::files::of_record(&mut conn, RecordType::Permit, &permit_id.to_string()).await?)
}

/// A permit's attachment and its bytes (checked against their SHA-256: a changed file is
/// [`AppError::FileAltered`]). Another record's attachment is not found here: it is read through its
/// own record's rights.
pub async fn attachment(app: &App, caller: &Caller, id: AttachmentId) -> Result<(Attachment, Vec<u8>)> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let (found, _) =
        crate::evidence::find_attached(&mut conn, id, RecordType::Permit, PermitId::parse).await?;
    let bytes = app.files().get(&found.sha256).await?;
    Ok((found, bytes))
}
