//! 联合检查 — the annual plan ([`plans`]), the joint inspections and the per-agency acts inside them
//! ([`acts`]), 双随机 draws ([`draws`]), the inspector register and the checklist templates ([`register`]), and what a site
//! photo says about itself ([`photos`]).

pub mod acts;
pub mod draws;
pub mod photos;
pub mod plans;
pub mod register;

/// What a plan item or a joint inspection is typed with: its agencies and its mines.
pub(crate) mod input {
    use crate::Result;
    use orewatch_domain::{AgencyCode, FieldErrors, MineId, Problem};
    use orewatch_storage::mines::Mine;
    use orewatch_storage::{agencies, mines, Conn};

    /// The lead (if it parsed) and the other agencies typed, each once, every one a member agency;
    /// problems go to the `agencies` field.
    pub async fn agencies_taking_part(
        conn: &mut Conn,
        lead: Option<&AgencyCode>,
        typed: &[&str],
        e: &mut FieldErrors,
    ) -> Result<Vec<AgencyCode>> {
        let mut list: Vec<AgencyCode> = lead.into_iter().cloned().collect();
        for raw in typed {
            match AgencyCode::parse(raw) {
                Ok(code) if !list.contains(&code) => list.push(code),
                Ok(_) => {}
                Err(p) => e.push("agencies", p),
            }
        }
        for code in &list {
            if !agencies::find(conn, code).await?.is_some_and(|a| a.is_member()) {
                e.push("agencies", Problem::NotFound);
            }
        }
        Ok(list)
    }

    /// The mines typed by id, each once, every one registered (at least one); problems go to `mines`.
    pub async fn mines_chosen(conn: &mut Conn, typed: &[&str], e: &mut FieldErrors) -> Result<Vec<Mine>> {
        let mut list: Vec<Mine> = Vec::new();
        for raw in typed {
            let found = match raw.trim().parse::<i64>() {
                Ok(id) => mines::find(conn, MineId(id)).await?,
                Err(_) => None,
            };
            match found {
                Some(m) if !list.iter().any(|x| x.id == m.id) => list.push(m),
                Some(_) => {}
                None => e.push("mines", Problem::MineNotRegistered),
            }
        }
        if typed.is_empty() {
            e.push("mines", Problem::Required);
        }
        Ok(list)
    }
}

/// Names for messages and views.
pub(crate) mod names {
    use crate::Result;
    use orewatch_domain::{AgencyCode, MineId};
    use std::collections::BTreeMap;

    pub fn mine(names: &BTreeMap<MineId, String>, id: MineId) -> String {
        names.get(&id).cloned().unwrap_or_else(|| format!("#{}", id.0))
    }

    pub async fn agencies(conn: &mut orewatch_storage::Conn) -> Result<BTreeMap<AgencyCode, String>> {
        Ok(orewatch_storage::agencies::list(conn)
            .await?
            .into_iter()
            .map(|a| (a.code, a.name_zh))
            .collect())
    }

    pub fn agency(names: &BTreeMap<AgencyCode, String>, code: &AgencyCode) -> String {
        names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.as_str().to_string())
    }
}
