//! The people behind companies (control links) and the credit list (联合惩戒名单): listing, lifting, and
//! the check that granting or renewing a licence or permit runs against the applicant and everyone who
//! controls it — inside the grant's own write transaction, so the list cannot change between the check
//! and the grant.

use super::sharing::{auto_post, AutoPost};
use crate::{App, AppError, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::company::ControlRole;
use orewatch_domain::credit::{hits, CreditFacts, CreditStatus, CreditSubject};
use orewatch_domain::field::{date, optional_text, required_text};
use orewatch_domain::policy::{Action, Listing, Resource};
use orewatch_domain::sharing::ShareKind;
use orewatch_domain::{
    AgencyCode, AuditAction, CompanyId, CreditCode, FieldErrors, PersonId, Problem, RecordType,
};
use orewatch_storage::credit::{self, CreditEntry, NewCreditEntry};
use orewatch_storage::people::{self, ControlLink};
use orewatch_storage::{companies, Conn, WriteTx};
use std::collections::HashMap;

pub use orewatch_storage::credit::CreditEntry as CreditEntryRecord;
pub use orewatch_storage::people::ControlLink as ControlLinkRecord;

fn facts(e: &CreditEntry) -> Option<CreditFacts> {
    let subject = match (e.company_id, e.person_id) {
        (Some(c), _) => CreditSubject::Company(c),
        (None, Some(p)) => CreditSubject::Person(p),
        (None, None) => return None,
    };
    Some(CreditFacts {
        id: e.id,
        subject,
        subject_name: e.subject_name.clone(),
        reason: e.reason.clone(),
        active: e.status == CreditStatus::Active,
        from_on: e.from_on,
        to_on: e.to_on,
    })
}

/// The credit list as a grant checks it: read once per transaction, asked per applicant.
pub(crate) struct CreditCheck {
    entries: Vec<CreditFacts>,
    controllers: HashMap<CompanyId, Vec<PersonId>>,
    today: NaiveDate,
}

impl CreditCheck {
    pub(crate) async fn load(conn: &mut Conn, today: NaiveDate) -> Result<Self> {
        let entries: Vec<CreditFacts> = credit::all(&mut *conn).await?.iter().filter_map(facts).collect();
        Ok(Self {
            entries,
            controllers: HashMap::new(),
            today,
        })
    }

    /// The entries in force that concern `company` or a person who controls it.
    pub(crate) async fn hits(&mut self, conn: &mut Conn, company: CompanyId) -> Result<Vec<CreditFacts>> {
        if self.entries.is_empty() {
            return Ok(Vec::new());
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = self.controllers.entry(company) {
            slot.insert(people::controllers_of(conn, company).await?);
        }
        let controllers = self
            .controllers
            .get(&company)
            .map(Vec::as_slice)
            .unwrap_or_default();
        Ok(hits(&self.entries, company, controllers, self.today)
            .into_iter()
            .cloned()
            .collect())
    }
}

/// The warning text of credit hits: "name（reason）" joined.
pub(crate) fn hit_names(found: &[CreditFacts]) -> String {
    found
        .iter()
        .map(|h| format!("{}（{}）", h.subject_name, h.reason))
        .collect::<Vec<_>>()
        .join("、")
}

/// Refuses a grant (or renewal) to a listed applicant unless a reason to go ahead is given; with a
/// reason, audits the override. Runs inside the grant's transaction.
pub(crate) async fn check_grant(
    tx: &mut WriteTx,
    check: &mut CreditCheck,
    company: CompanyId,
    override_reason: Option<&str>,
    what: &str,
) -> Result<()> {
    let found = check.hits(tx, company).await?;
    if found.is_empty() {
        return Ok(());
    }
    let reason = override_reason.map(str::trim).unwrap_or_default();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "override_reason",
            Problem::CreditListed {
                names: hit_names(&found),
            },
        ));
    }
    let reason = required_text(reason, 500).map_err(|p| AppError::invalid("override_reason", p))?;
    let after = serde_json::json!({
        "grant": what,
        "entries": found.iter().map(|h| h.id).collect::<Vec<_>>(),
    });
    tx.note(
        AuditAction::CreditOverride,
        RecordType::Company,
        company.to_string(),
        Some(after.to_string()),
        Some(reason),
    )
    .await?;
    Ok(())
}

/// Who stands behind a company, which other companies they stand behind, and what of it is listed.
#[derive(Debug, Clone)]
pub struct Behind {
    pub links: Vec<ControlLink>,
    /// Links of the same people to other companies.
    pub elsewhere: Vec<ControlLink>,
    pub listed: Vec<CreditFacts>,
}

pub async fn behind(app: &App, caller: &Caller, company_id: CompanyId) -> Result<Behind> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let links = people::of_company(&mut conn, company_id).await?;
    let ids: Vec<PersonId> = links.iter().map(|l| l.person_id).collect();
    let mut elsewhere = people::of_people(&mut conn, &ids).await?;
    elsewhere.retain(|l| l.company_id != company_id);
    let mut check = CreditCheck::load(&mut conn, crate::dashboard::china_today(app.now())).await?;
    let listed = check.hits(&mut conn, company_id).await?;
    Ok(Behind {
        links,
        elsewhere,
        listed,
    })
}

/// The person with this id number (or name, without one), added with its own audit entry if new.
async fn person(tx: &mut WriteTx, name: &str, id_number: Option<&str>) -> Result<PersonId> {
    if let Some(id) = people::find(tx, name, id_number).await? {
        return Ok(id);
    }
    let id = people::insert(tx, name, id_number).await?;
    tx.audit_of(AuditAction::PersonCreate, id, None, None).await?;
    Ok(id)
}

/// Links a person to a company (the person is found by id number, or created).
pub async fn add_control_link(
    app: &App,
    caller: &Caller,
    company_id: CompanyId,
    name: &str,
    id_number: &str,
    role: &str,
    share_percent: &str,
) -> Result<orewatch_domain::ControlLinkId> {
    caller.require(Action::EditRegistry, &Resource::Installation)?;
    let mut e = FieldErrors::new();
    let name = e.take("person_name", required_text(name, 50));
    let id_number = e.take("id_number", optional_text(id_number, 18));
    let role = e.take("role", ControlRole::parse(role));
    let share = if share_percent.trim().is_empty() {
        Some(None)
    } else {
        e.take(
            "share_percent",
            match share_percent.trim().parse::<f64>() {
                Ok(v) if (0.0..=100.0).contains(&v) => Ok(Some(v)),
                _ => Err(Problem::Invalid),
            },
        )
    };
    let (Some(name), Some(id_number), Some(role), Some(share)) = (name, id_number, role, share) else {
        return Err(AppError::Invalid(e));
    };
    let mut tx = app.write(caller).await?;
    companies::find(&mut tx, company_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = person(&mut tx, &name, id_number.as_deref()).await?;
    let id = match people::insert_link(&mut tx, company_id, person, role, share).await {
        Ok(id) => id,
        Err(err) if err.is_conflict_on("control_link_key", "control_link.company_id") => {
            return Err(AppError::invalid("person_name", Problem::Duplicate))
        }
        Err(err) => return Err(err.into()),
    };
    tx.audit_of(AuditAction::ControlLinkCreate, id, None, None)
        .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list(app: &App, caller: &Caller) -> Result<Vec<CreditEntry>> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(credit::all(&mut conn).await?)
}

/// The companies on the list today, directly or through a listed controller (the company list marks
/// them).
pub async fn listed_companies(app: &App, caller: &Caller) -> Result<std::collections::HashSet<CompanyId>> {
    if caller.scope(Listing::Registry).is_none() {
        return Err(AppError::Forbidden(orewatch_domain::policy::DenyReason::Role));
    }
    let mut conn = app.db.conn().await?;
    let today = crate::dashboard::china_today(app.now());
    Ok(credit::listed_companies(&mut conn, today)
        .await?
        .into_iter()
        .collect())
}

/// Raw input of a new entry.
#[derive(Debug, Clone, Default)]
pub struct CreditInput<'a> {
    /// `company` or `person`.
    pub subject: &'a str,
    /// For a company.
    pub credit_code: &'a str,
    /// For a person.
    pub person_name: &'a str,
    pub id_number: &'a str,
    pub reason: &'a str,
    /// The agency that listed it; agency staff may only give their own.
    pub source_agency: &'a str,
    pub from_on: &'a str,
    pub to_on: &'a str,
}

pub async fn add(
    app: &App,
    caller: &Caller,
    input: &CreditInput<'_>,
) -> Result<orewatch_domain::CreditEntryId> {
    let mut e = FieldErrors::new();
    let agency = e.take("source_agency", AgencyCode::parse(input.source_agency));
    if let Some(agency) = &agency {
        caller.require(Action::ManageCreditList, &Resource::Agency(agency.clone()))?;
    }
    let reason = e.take("reason", required_text(input.reason, 500));
    let from_on = e.take("from_on", date(input.from_on));
    let to_on = if input.to_on.trim().is_empty() {
        Some(None)
    } else {
        e.take("to_on", date(input.to_on).map(Some))
    };
    if let (Some(from), Some(Some(to))) = (from_on, to_on) {
        if to < from {
            e.push("to_on", Problem::DateOrder);
        }
    }
    let company_code =
        (input.subject == "company").then(|| e.take("credit_code", CreditCode::parse(input.credit_code)));
    let named = (input.subject == "person").then(|| {
        (
            e.take("person_name", required_text(input.person_name, 50)),
            e.take("id_number", optional_text(input.id_number, 18)),
        )
    });
    if company_code.is_none() && named.is_none() {
        e.push("subject", Problem::Invalid);
    }
    let (Some(agency), Some(reason), Some(from_on), Some(to_on)) = (agency, reason, from_on, to_on) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let mut tx = app.write(caller).await?;
    let (company_id, person_id, name) = match (company_code, named) {
        (Some(Some(code)), _) => {
            let company = companies::find_by_credit_code(&mut tx, &code)
                .await?
                .ok_or_else(|| AppError::invalid("credit_code", Problem::CompanyNotRegistered))?;
            (Some(company.id), None, company.name)
        }
        (_, Some((Some(name), Some(id_number)))) => {
            let id = person(&mut tx, &name, id_number.as_deref()).await?;
            (None, Some(id), name)
        }
        _ => return Err(AppError::Invalid(e)),
    };
    let row = NewCreditEntry {
        company_id,
        person_id,
        reason: &reason,
        source: &agency,
        from_on,
        to_on,
    };
    let id = credit::insert(&mut tx, &row).await?;
    tx.audit_of(AuditAction::CreditList, id, None, None).await?;
    let title = format!("列入联合惩戒名单：{name}（{reason}）");
    auto_post(
        &mut tx,
        app,
        caller,
        AutoPost {
            kind: ShareKind::Credit,
            title: &title,
            issuing: Some(&agency),
            mine: None,
            record: (RecordType::CreditEntry, id.to_string()),
            everyone: true,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Lifts an entry (移出名单); the source agency (or the office) gives the reason.
pub async fn lift(app: &App, caller: &Caller, id: orewatch_domain::CreditEntryId, note: &str) -> Result<()> {
    let note = required_text(note, 500).map_err(|p| AppError::invalid("note", p))?;
    let mut tx = app.write(caller).await?;
    let entry = credit::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    caller.require(
        Action::ManageCreditList,
        &Resource::CreditEntry {
            source: entry.source.clone(),
        },
    )?;
    let before = tx.state_of(id).await?;
    if credit::lift(&mut tx, id).await? == 0 {
        return Err(AppError::invalid("note", Problem::Unchanged));
    }
    tx.audit_of(AuditAction::CreditLift, id, before, Some(note.clone()))
        .await?;
    let title = format!("移出联合惩戒名单：{}（{note}）", entry.subject_name);
    auto_post(
        &mut tx,
        app,
        caller,
        AutoPost {
            kind: ShareKind::Credit,
            title: &title,
            issuing: Some(&entry.source),
            mine: None,
            record: (RecordType::CreditEntry, id.to_string()),
            everyone: true,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
