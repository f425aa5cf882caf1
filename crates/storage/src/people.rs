//! People behind companies and their control links (法定代表人/实际控制人/股东).

use crate::bound::{CONTROL_LINK, PERSON};
use crate::{get, get_code, Conn, Result, WriteTx};
use orewatch_domain::audit::format_timestamp;
use orewatch_domain::company::ControlRole;
use orewatch_domain::{CompanyId, ControlLinkId, PersonId};

/// A control link with the person's and company's names.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlLink {
    pub id: ControlLinkId,
    pub company_id: CompanyId,
    pub company_name: String,
    pub person_id: PersonId,
    pub person_name: String,
    pub id_number: Option<String>,
    pub role: ControlRole,
    pub share_percent: Option<f64>,
}

/// The person with this id number, or else with this name and no id number.
pub async fn find(conn: &mut Conn, name: &str, id_number: Option<&str>) -> Result<Option<PersonId>> {
    let found: Option<i64> = match id_number {
        Some(number) => {
            sqlx::query_scalar("SELECT person_id FROM person WHERE id_number = $1")
                .bind(number.to_string())
                .fetch_optional(conn)
                .await?
        }
        None => sqlx::query_scalar(
            "SELECT person_id FROM person WHERE name = $1 AND id_number IS NULL ORDER BY person_id LIMIT 1",
        )
        .bind(name.to_string())
        .fetch_optional(conn)
        .await?,
    };
    Ok(found.map(PersonId))
}

/// Inserts a person (the caller audits it).
pub async fn insert(tx: &mut WriteTx, name: &str, id_number: Option<&str>) -> Result<PersonId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &PERSON,
            &[
                ("name", name.into()),
                ("id_number", id_number.into()),
                ("created_at", now.into()),
            ],
        )
        .await?;
    key.id(PersonId)
}

pub async fn insert_link(
    tx: &mut WriteTx,
    company_id: CompanyId,
    person_id: PersonId,
    role: ControlRole,
    share_percent: Option<f64>,
) -> Result<ControlLinkId> {
    let now = format_timestamp(tx.now());
    let key = tx
        .insert(
            &CONTROL_LINK,
            &[
                ("company_id", company_id.0.into()),
                ("person_id", person_id.0.into()),
                ("role", role.as_str().into()),
                ("share_percent", share_percent.into()),
                ("created_at", now.into()),
            ],
        )
        .await?;
    key.id(ControlLinkId)
}

const SELECT: &str = "SELECT k.control_link_id, k.company_id, c.name AS company_name, k.person_id, \
    p.name AS person_name, p.id_number, k.role, k.share_percent FROM control_link k \
    JOIN company c ON c.company_id = k.company_id JOIN person p ON p.person_id = k.person_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<ControlLink> {
    Ok(ControlLink {
        id: ControlLinkId(get(r, "control_link_id")?),
        company_id: CompanyId(get(r, "company_id")?),
        company_name: get(r, "company_name")?,
        person_id: PersonId(get(r, "person_id")?),
        person_name: get(r, "person_name")?,
        id_number: get(r, "id_number")?,
        role: get_code(r, "role", ControlRole::parse)?,
        share_percent: get(r, "share_percent")?,
    })
}

/// The people behind a company.
pub async fn of_company(conn: &mut Conn, company_id: CompanyId) -> Result<Vec<ControlLink>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE k.company_id = $1 ORDER BY k.role, p.name"
    ))
    .bind(company_id.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Every link of the given people (the companies they stand behind).
pub async fn of_people(conn: &mut Conn, person_ids: &[PersonId]) -> Result<Vec<ControlLink>> {
    let mut out = Vec::new();
    for id in person_ids {
        let rows = sqlx::query(&format!("{SELECT} WHERE k.person_id = $1 ORDER BY c.name"))
            .bind(id.0)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            out.push(from_row(r)?);
        }
    }
    Ok(out)
}

/// The ids of the people who control a company (for the credit check).
pub async fn controllers_of(conn: &mut Conn, company_id: CompanyId) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT person_id FROM control_link WHERE company_id = $1")
        .bind(company_id.0)
        .fetch_all(conn)
        .await?;
    Ok(ids.into_iter().map(PersonId).collect())
}
