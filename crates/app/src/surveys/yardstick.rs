//! The licence a survey is measured against, from the registry: the mine's mining licence in force on
//! the survey's day, its boundary (the stored parcel), floor, top and licensed output, and the ore's
//! density from the configuration's price table (`[minerals]`, the same figure penalty estimates use). The figures are recorded with the analysis when it is queued
//! ([`Inputs`]), so a result can always be traced to the numbers it used.

use crate::Settings;
use chrono::NaiveDate;
use orewatch_domain::licence::{LicenceKind, LicenceState};
use orewatch_domain::survey::{annual_output_10kt, floor_of, Yardstick, YardstickProblem};
use orewatch_spatial::compare::Thresholds;
use orewatch_spatial::licence::{Licence as EngineLicence, LicenceFigures};
use orewatch_spatial::parcel::Parcel;
use orewatch_storage::licences::Licence;
use serde::{Deserialize, Serialize};

/// What an analysis was queued with (`survey_analysis.inputs_json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    pub licence_no: String,
    pub mineral: String,
    pub floor_m: f64,
    pub top_m: f64,
    pub annual_output_10kt: f64,
    pub density_t_m3: f64,
    pub thresholds: Thresholds,
}

/// The mine's mining licence in force on `on`: exactly one, or the reason there is none to use.
pub(crate) fn licence_in_force(licences: &[Licence], on: NaiveDate) -> Result<&Licence, YardstickProblem> {
    let in_force: Vec<&Licence> = licences
        .iter()
        .filter(|l| {
            l.kind == LicenceKind::Mining
                && l.state == LicenceState::Active
                && l.valid_from <= on
                && on <= l.valid_to
        })
        .collect();
    match in_force.as_slice() {
        [] => Err(YardstickProblem::NoActiveLicence),
        [one] => Ok(one),
        several => Err(YardstickProblem::SeveralActiveLicences {
            numbers: several
                .iter()
                .map(|l| l.licence_no.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        }),
    }
}

fn parcel_of(licence: &Licence) -> Result<Parcel, String> {
    serde_json::from_str(&licence.parcel_json)
        .map_err(|e| format!("采矿许可证 {} 的矿区范围数据无法读取：{e}", licence.licence_no))
}

/// The figures of a licence for an analysis, or why it cannot be the yardstick.
pub(crate) fn inputs(settings: &Settings, licence: &Licence) -> Result<Inputs, String> {
    let parcel = parcel_of(licence)?;
    let part_floors: Vec<Option<f64>> = parcel.parts.iter().map(|p| p.elevation_floor_m).collect();
    let floor_m =
        floor_of(&licence.licence_no, licence.elevation_floor_m, &part_floors).map_err(|e| e.to_string())?;
    let top_m = licence
        .elevation_top_m
        .into_iter()
        .chain(parcel.parts.iter().filter_map(|p| p.elevation_top_m))
        .fold(floor_m, f64::max);
    let density_t_m3 = settings
        .cases
        .prices
        .get(&licence.mineral)
        .map(|line| line.density_t_m3)
        .ok_or_else(|| {
            YardstickProblem::NoDensity {
                mineral: licence.mineral.clone(),
            }
            .to_string()
        })?;
    let (Some(scale), Some(unit)) = (licence.scale, licence.scale_unit) else {
        return Err(YardstickProblem::NoScale {
            licence_no: licence.licence_no.clone(),
        }
        .to_string());
    };
    let yardstick = Yardstick {
        floor_m,
        top_m,
        annual_output_10kt: annual_output_10kt(scale, unit, density_t_m3),
        density_t_m3,
    };
    Ok(Inputs {
        licence_no: licence.licence_no.clone(),
        mineral: licence.mineral.clone(),
        floor_m: yardstick.floor_m,
        top_m: yardstick.top_m,
        annual_output_10kt: yardstick.annual_output_10kt,
        density_t_m3: yardstick.density_t_m3,
        thresholds: settings.surveys.thresholds,
    })
}

/// The engine's licence: the stored boundary with the recorded figures.
pub(crate) fn engine_licence(
    licence: &Licence,
    mine_name: &str,
    inputs: &Inputs,
) -> Result<EngineLicence, String> {
    let parcel = parcel_of(licence)?;
    EngineLicence::from_parcel(
        &parcel,
        LicenceFigures {
            licence_no: inputs.licence_no.clone(),
            mine_name: mine_name.to_string(),
            mineral: inputs.mineral.clone(),
            method: licence.method.as_str().to_string(),
            elevation_top_m: inputs.top_m,
            elevation_floor_m: inputs.floor_m,
            annual_output_10kt: inputs.annual_output_10kt,
            density_t_m3: inputs.density_t_m3,
            valid_from: licence.valid_from.to_string(),
            valid_to: licence.valid_to.to_string(),
        },
    )
    .map_err(|e| e.to_string())
}
