//! 联合检查 — the annual plan ([`plans`]), the joint inspections and the per-agency acts inside them
//! ([`acts`]), the inspector register and the checklist templates ([`register`]), and what a site
//! photo says about itself ([`photos`]).

pub mod acts;
pub mod photos;
pub mod plans;
pub mod register;

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
