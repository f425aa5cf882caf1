//! Labels shared by the registry's pages: stored codes through the catalogue, badge colours, and the
//! sentences of consistency problems.

use super::SelectOption;
use crate::ctx::Ctx;
use orewatch_domain::consistency::{Inconsistency, MapState};
use orewatch_domain::mine::MineStatus;
use orewatch_domain::permit::PermitStatus;

/// Label of a stored code through the catalogue (`prefix.code`), or the code itself.
pub fn label(ctx: &Ctx, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    ctx.tr.find(&key).map_or_else(|| code.to_string(), str::to_string)
}

/// The CSS class of a permit status badge.
pub fn status_class(status: PermitStatus) -> &'static str {
    match status {
        PermitStatus::Valid => "ok",
        PermitStatus::Expires90 | PermitStatus::Expires60 | PermitStatus::NotYetValid => "warn",
        PermitStatus::Expires30 | PermitStatus::Expired | PermitStatus::Revoked => "bad",
        PermitStatus::Suspended => "off",
    }
}

/// The CSS class of a mine status badge.
pub fn mine_status_class(status: MineStatus) -> &'static str {
    match status {
        MineStatus::Producing => "ok",
        MineStatus::Suspended => "warn",
        MineStatus::Closed => "off",
        MineStatus::Preparing => "",
    }
}

/// A map state's label (问题 / 证照过期 / 证照临期 / 正常).
pub fn map_state(ctx: &Ctx, state: MapState) -> String {
    ctx.t(&format!("map_state.{}", state.as_str())).to_string()
}

/// One consistency problem as a sentence.
pub fn inconsistency_text(ctx: &Ctx, problem: &Inconsistency) -> String {
    let key = format!("inconsistency.{}", problem.code());
    let area = |a: f64| format!("{a:.0}");
    let args: Vec<(&str, String)> = match problem {
        Inconsistency::LicenceOverlap {
            licence,
            other,
            area_m2,
        } => vec![
            ("licence", licence.clone()),
            ("other", other.clone()),
            ("area", area(*area_m2)),
        ],
        Inconsistency::ProtectedOverlap {
            licence,
            area: name,
            area_m2,
        } => vec![
            ("licence", licence.clone()),
            ("other", name.clone()),
            ("area", area(*area_m2)),
        ],
        Inconsistency::ProducingWithExpiredLicence { licence } => vec![("licence", licence.clone())],
        Inconsistency::PermitHolderMismatch { holder, permits } => {
            vec![("holder", holder.clone()), ("count", permits.to_string())]
        }
        Inconsistency::ProducingWithoutSafetyLicence | Inconsistency::ProducingWithoutLicence => Vec::new(),
    };
    ctx.tf(&key, &args)
}

/// Select options of a closed list of codes, labelled through the catalogue.
pub fn options<T: Copy>(
    ctx: &Ctx,
    all: &[T],
    prefix: &str,
    code: impl Fn(T) -> &'static str,
    current: &str,
) -> Vec<SelectOption> {
    all.iter()
        .map(|&v| SelectOption::new(code(v), label(ctx, prefix, code(v)), current))
        .collect()
}
