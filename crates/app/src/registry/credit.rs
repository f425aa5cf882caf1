//! The people behind companies (control links) and the credit list (联合惩戒名单): listing, lifting, and
//! the check that granting a licence or permit runs against the applicant and everyone who controls it.

use crate::{json, App, AppError, Caller, Result};
use chrono::NaiveDate;
use orewatch_domain::company::ControlRole;
use orewatch_domain::credit::{hits, CreditFacts, CreditSubject};
use orewatch_domain::field::{date, optional_text, required_text};
use orewatch_domain::policy::{Action, Resource};
use orewatch_domain::{AgencyCode, CreditCode, FieldErrors, Problem};
use orewatch_storage::credit::{self, CreditEntry, NewCreditEntry};
use orewatch_storage::people::{self, ControlLink};

pub use orewatch_storage::credit::CreditEntry as CreditEntryRecord;
pub use orewatch_storage::people::ControlLink as ControlLinkRecord;
use orewatch_storage::{audit, companies, Conn};
use serde_json::json as j;

/// The credit-list entries in force today that concern `company` or a person who controls it.
pub(crate) async fn credit_hits(
    conn: &mut Conn,
    company_id: i64,
    today: NaiveDate,
) -> Result<Vec<CreditFacts>> {
    let entries: Vec<CreditFacts> = credit::all(&mut *conn)
        .await?
        .into_iter()
        .map(|e| CreditFacts {
            id: e.id,
            subject: match (e.company_id, e.person_id) {
                (Some(c), _) => CreditSubject::Company(c),
                (None, Some(p)) => CreditSubject::Person(p),
                (None, None) => CreditSubject::Company(0),
            },
            subject_name: e.subject_name,
            reason: e.reason,
            active: e.status == "active",
            from_on: e.from_on,
            to_on: e.to_on,
        })
        .collect();
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let controllers: Vec<i64> = people::of_company(&mut *conn, company_id)
        .await?
        .iter()
        .map(|l| l.person_id)
        .collect();
    Ok(hits(&entries, company_id, &controllers, today)
        .into_iter()
        .cloned()
        .collect())
}

/// The warning text of credit hits: "name（reason）" joined.
pub(crate) fn hit_names(found: &[CreditFacts]) -> String {
    found
        .iter()
        .map(|h| format!("{}（{}）", h.subject_name, h.reason))
        .collect::<Vec<_>>()
        .join("、")
}

/// Refuses a grant to a listed applicant unless a reason to go ahead is given; with a reason, audits
/// the override in the caller's transaction.
pub(crate) async fn check_grant(
    conn: &mut Conn,
    caller: &Caller,
    company_id: i64,
    override_reason: &str,
    what: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let today = crate::dashboard::china_today(now);
    let found = credit_hits(&mut *conn, company_id, today).await?;
    if found.is_empty() {
        return Ok(());
    }
    let reason = override_reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "override_reason",
            Problem::CreditListed {
                names: hit_names(&found),
            },
        ));
    }
    let reason = required_text(reason, 500).map_err(|p| AppError::invalid("override_reason", p))?;
    let mut entry = caller.audit("credit.override", "company", company_id);
    entry.after_json = json(j!({
        "grant": what,
        "entries": found.iter().map(|h| h.id).collect::<Vec<_>>(),
    }));
    entry.note = Some(reason);
    audit::append(&mut *conn, entry, now).await?;
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

pub async fn behind(app: &App, caller: &Caller, company_id: i64) -> Result<Behind> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    let links = people::of_company(&mut conn, company_id).await?;
    let ids: Vec<i64> = links.iter().map(|l| l.person_id).collect();
    let mut elsewhere = people::of_people(&mut conn, &ids).await?;
    elsewhere.retain(|l| l.company_id != company_id);
    let listed = credit_hits(&mut conn, company_id, crate::dashboard::china_today(app.now())).await?;
    Ok(Behind {
        links,
        elsewhere,
        listed,
    })
}

/// Links a person to a company (the person is found by id number, or created).
pub async fn add_control_link(
    app: &App,
    caller: &Caller,
    company_id: i64,
    name: &str,
    id_number: &str,
    role: &str,
    share_percent: &str,
) -> Result<i64> {
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
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    companies::find(&mut tx, company_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = people::find_or_insert(&mut tx, &name, id_number.as_deref(), now).await?;
    let id = match people::insert_link(&mut tx, company_id, person, role.as_str(), share, now).await {
        Ok(id) => id,
        Err(err) if err.is_conflict_on("control_link_key", "control_link.company_id") => {
            return Err(AppError::invalid("person_name", Problem::Duplicate))
        }
        Err(err) => return Err(err.into()),
    };
    let mut entry = caller.audit("control_link.create", "company", company_id);
    entry.after_json =
        json(j!({"person": name, "person_id": person, "role": role.as_str(), "share_percent": share}));
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list(app: &App, caller: &Caller) -> Result<Vec<CreditEntry>> {
    caller.require(Action::ViewRegistry, &Resource::Installation)?;
    let mut conn = app.db.conn().await?;
    Ok(credit::all(&mut conn).await?)
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

pub async fn add(app: &App, caller: &Caller, input: &CreditInput<'_>) -> Result<i64> {
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
    let person = (input.subject == "person").then(|| {
        (
            e.take("person_name", required_text(input.person_name, 50)),
            e.take("id_number", optional_text(input.id_number, 18)),
        )
    });
    if company_code.is_none() && person.is_none() {
        e.push("subject", Problem::Invalid);
    }
    let (Some(agency), Some(reason), Some(from_on), Some(to_on)) = (agency, reason, from_on, to_on) else {
        return Err(AppError::Invalid(e));
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let (company_id, person_id, name) = match (company_code, person) {
        (Some(Some(code)), _) => {
            let company = companies::find_by_credit_code(&mut tx, code.as_str())
                .await?
                .ok_or_else(|| AppError::invalid("credit_code", Problem::CompanyNotRegistered))?;
            (Some(company.id), None, company.name)
        }
        (_, Some((Some(name), Some(id_number)))) => {
            let id = people::find_or_insert(&mut tx, &name, id_number.as_deref(), now).await?;
            (None, Some(id), name)
        }
        _ => return Err(AppError::Invalid(e)),
    };
    let row = NewCreditEntry {
        company_id,
        person_id,
        reason: &reason,
        source_agency_code: agency.as_str(),
        from_on,
        to_on,
    };
    let id = credit::insert(&mut tx, &row, now).await?;
    let mut entry = caller.audit("credit.list", "credit_entry", id);
    entry.after_json = json(
        j!({"subject": name, "reason": reason, "source": agency.as_str(), "from_on": from_on.to_string()}),
    );
    audit::append(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Lifts an entry (移出名单); the source agency (or the office) gives the reason.
pub async fn lift(app: &App, caller: &Caller, id: i64, note: &str) -> Result<()> {
    let note = required_text(note, 500).map_err(|p| AppError::invalid("note", p))?;
    let now = app.now();
    let mut tx = app.db.begin_write().await?;
    let entry = credit::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let agency =
        AgencyCode::parse(&entry.source_agency_code).map_err(|_| AppError::Internal("agency".into()))?;
    caller.require(Action::ManageCreditList, &Resource::Agency(agency))?;
    if credit::lift(&mut tx, id).await? == 0 {
        return Err(AppError::invalid("note", Problem::Unchanged));
    }
    let mut audit_entry = caller.audit("credit.lift", "credit_entry", id);
    audit_entry.before_json = json(j!({"status": entry.status}));
    audit_entry.after_json = json(j!({"status": "lifted"}));
    audit_entry.note = Some(note);
    audit::append(&mut tx, audit_entry, now).await?;
    tx.commit().await?;
    Ok(())
}
