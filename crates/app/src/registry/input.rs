//! Raw registry input (a form or a spreadsheet row) checked into records that are always valid.
//! Each check returns every problem at once, keyed by the form field's name; the workbook import maps
//! those names to its column headings, so a form and a spreadsheet report the same problems.

use chrono::NaiveDate;
use orewatch_domain::field::{date, optional_text, required_text};
use orewatch_domain::licence::{self, LicenceKind, LicenceNo, ScaleUnit};
use orewatch_domain::mine::MiningMethod;
use orewatch_domain::permit::{PermitKind, PermitState};
use orewatch_domain::{CreditCode, FieldErrors, Problem};
use orewatch_spatial::parcel::Parcel;

/// The default zone of the county map and of corner points whose eastings carry no zone prefix
/// (Luzhai: 37); a city or province sets `map_zone` in its configuration.
pub const DEFAULT_ZONE: u32 = 37;

pub use orewatch_domain::registry::{
    check_company, check_mine, CheckedCompany, CheckedMine, CompanyInput, MineInput,
};

#[derive(Debug, Clone, Default)]
pub struct LicenceInput<'a> {
    pub kind: &'a str,
    pub licence_no: &'a str,
    /// Credit code of the holder (矿业权人).
    pub holder: &'a str,
    pub mineral: &'a str,
    pub method: &'a str,
    pub scale: &'a str,
    pub scale_unit: &'a str,
    /// Declared area in km² as on the licence.
    pub declared_area_km2: &'a str,
    pub valid_from: &'a str,
    pub valid_to: &'a str,
    /// Corner-point text.
    pub boundary: &'a str,
    /// Why to go ahead although the holder or its controller is on the credit list (audited).
    pub override_reason: &'a str,
    /// The person confirmed a boundary far outside the county (checked against a typo).
    pub confirm_outside: bool,
}

#[derive(Debug, Clone)]
pub struct CheckedLicence {
    pub kind: LicenceKind,
    pub licence_no: LicenceNo,
    pub holder: CreditCode,
    pub mineral: String,
    pub method: MiningMethod,
    pub scale: Option<(f64, ScaleUnit)>,
    pub declared_area_m2: f64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub boundary_text: String,
    pub parcel: Parcel,
    /// `(computed − declared) / declared` when beyond 0.5 %: a warning, not a refusal.
    pub area_mismatch: Option<f64>,
}

/// Validity dates, `to` not before `from`.
fn period(e: &mut FieldErrors, from: &str, to: &str) -> Option<(NaiveDate, NaiveDate)> {
    let from = e.take("valid_from", date(from));
    let to = e.take("valid_to", date(to));
    match (from, to) {
        (Some(f), Some(t)) if t < f => {
            e.push("valid_to", Problem::DateOrder);
            None
        }
        (Some(f), Some(t)) => Some((f, t)),
        _ => None,
    }
}

/// Checks a licence; corner points without a zone prefix are taken to be in `zone`.
/// `corners` says how the corner points are read ([`crate::Settings::corner_options`]): the zone of
/// eastings written without the prefix, the configured old-datum parameters.
pub fn check_licence(
    i: &LicenceInput<'_>,
    corners: &orewatch_spatial::corners::ParseOptions,
) -> Result<CheckedLicence, FieldErrors> {
    let zone = corners.zone.unwrap_or(DEFAULT_ZONE);
    let mut e = FieldErrors::new();
    let kind = e.take("kind", LicenceKind::parse(i.kind));
    let licence_no = kind.and_then(|k| e.take("licence_no", LicenceNo::parse(i.licence_no, k)));
    let holder = e.take("holder", CreditCode::parse(i.holder));
    let mineral = e.take("mineral", required_text(i.mineral, 50));
    let method = e.take("method", MiningMethod::parse(i.method));
    let scale = match (i.scale.trim(), i.scale_unit.trim()) {
        ("", "") => Some(None),
        (value, unit) => {
            let v = e.take("scale", licence::positive_number(value));
            let u = e.take("scale_unit", ScaleUnit::parse(unit));
            v.zip(u).map(Some)
        }
    };
    let declared = e.take(
        "declared_area_km2",
        licence::declared_area_m2(i.declared_area_km2),
    );
    let dates = period(&mut e, i.valid_from, i.valid_to);
    let boundary_text = i.boundary.trim().to_string();
    let parcel = if let Err(p) = orewatch_domain::field::no_control_characters(&boundary_text) {
        e.push("boundary", p);
        None
    } else if boundary_text.is_empty() {
        e.push("boundary", Problem::Required);
        None
    } else {
        e.take(
            "boundary",
            Parcel::from_text_with(&boundary_text, zone, corners).map_err(|err| Problem::Boundary {
                message: err.to_string(),
            }),
        )
    };
    match (
        kind, licence_no, holder, mineral, method, scale, declared, dates, parcel,
    ) {
        (
            Some(kind),
            Some(licence_no),
            Some(holder),
            Some(mineral),
            Some(method),
            Some(scale),
            Some(declared),
            Some((valid_from, valid_to)),
            Some(parcel),
        ) if e.is_empty() => {
            let area_mismatch = licence::area_mismatch(declared, parcel.area_m2);
            Ok(CheckedLicence {
                kind,
                licence_no,
                holder,
                mineral,
                method,
                scale,
                declared_area_m2: declared,
                valid_from,
                valid_to,
                boundary_text,
                parcel,
                area_mismatch,
            })
        }
        _ => Err(e),
    }
}

#[derive(Debug, Clone, Default)]
pub struct PermitInput<'a> {
    pub kind: &'a str,
    pub permit_no: &'a str,
    /// Credit code of the holder.
    pub holder: &'a str,
    pub valid_from: &'a str,
    pub valid_to: &'a str,
    pub scope: &'a str,
    /// Empty means active.
    pub state: &'a str,
    /// Why to go ahead although the holder or its controller is on the credit list (audited).
    pub override_reason: &'a str,
}

#[derive(Debug, Clone)]
pub struct CheckedPermit {
    pub kind: PermitKind,
    pub permit_no: String,
    pub holder: CreditCode,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub scope: Option<String>,
    pub state: PermitState,
}

pub fn check_permit(i: &PermitInput<'_>) -> Result<CheckedPermit, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = e.take("kind", PermitKind::parse(i.kind));
    let permit_no = kind.and_then(|k| e.take("permit_no", k.check_number(i.permit_no)));
    let holder = e.take("holder", CreditCode::parse(i.holder));
    let dates = period(&mut e, i.valid_from, i.valid_to);
    let scope = e.take("scope", optional_text(i.scope, 500));
    let state = if i.state.trim().is_empty() {
        Some(PermitState::Active)
    } else {
        e.take("state", PermitState::parse(i.state))
    };
    match (kind, permit_no, holder, dates, scope, state) {
        (
            Some(kind),
            Some(permit_no),
            Some(holder),
            Some((valid_from, valid_to)),
            Some(scope),
            Some(state),
        ) if e.is_empty() => Ok(CheckedPermit {
            kind,
            permit_no,
            holder,
            valid_from,
            valid_to,
            scope,
            state,
        }),
        _ => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corners() -> orewatch_spatial::corners::ParseOptions {
        orewatch_spatial::corners::ParseOptions {
            zone: Some(DEFAULT_ZONE),
            ..Default::default()
        }
    }

    #[test]
    fn a_licence_whose_declared_area_is_off_gets_a_warning_not_a_refusal() {
        let checked = check_licence(&LicenceInput {
            kind: "采矿权",
            licence_no: "C4502232010127130096532",
            holder: "91450481MACGA1K675",
            mineral: "建筑用灰岩",
            method: "露天",
            scale: "30",
            scale_unit: "万吨/年",
            declared_area_km2: "0.0110",
            valid_from: "2021-01-01",
            valid_to: "2031-01-01",
            boundary: "1,2712000,37500000\n2,2712000,37500100\n3,2712100,37500100\n4,2712100,37500000\n+310m至+180m",
            override_reason: "",
            confirm_outside: false,
        }, &corners())
        .unwrap();
        assert!(checked.area_mismatch.is_some_and(|r| r < -0.09));
        assert_eq!(checked.parcel.zone, 37);
    }

    /// The registry's area check and the corner-point check call the same difference rounding.
    #[test]
    fn the_two_area_tolerances_are_one_figure() {
        assert_eq!(
            orewatch_domain::licence::AREA_TOLERANCE,
            orewatch_spatial::boundary_check::DECLARED_AREA_TOLERANCE
        );
    }

    #[test]
    fn a_licence_with_a_malformed_corner_point_names_the_line() {
        let e = check_licence(
            &LicenceInput {
                kind: "mining",
                boundary: "1,2712000,37500000\n2,2712000,3750o100\n3,2712100,37500100",
                ..Default::default()
            },
            &corners(),
        )
        .unwrap_err();
        let boundary = e.get("boundary").map(ToString::to_string).unwrap_or_default();
        assert!(boundary.contains("第2行"), "{boundary}");
    }

    #[test]
    fn a_permit_ending_before_it_starts_is_refused() {
        let e = check_permit(&PermitInput {
            kind: "安全生产许可证",
            permit_no: "（桂）FM安许证字〔2024〕0001",
            holder: "91450481MACGA1K675",
            valid_from: "2026-01-01",
            valid_to: "2025-01-01",
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.get("valid_to"), Some(&Problem::DateOrder));
    }
}
