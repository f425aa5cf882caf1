//! 无人机测量 — surveys of a mine and the analyses that compare each with the one before (DOMAIN.md §4,
//! §7): how a survey was made, which dates may follow which, what an analysis needs from the licence
//! (its floor, its licensed output in tonnes) and the states of an analysis and of
//! the job that runs it.
//!
//! A survey is one DEM of a mine on one day. Each new survey of a mine that has an earlier one queues an
//! analysis of the two against the mine's active licence; the analysis is a record (audited: its inputs
//! and its result are evidence), the job that computes it is working state (its lease, heartbeat and
//! progress). What must not live here: reading DEMs (spatial), the queue's SQL (storage).

use crate::field::Problem;
use crate::licence::ScaleUnit;
use chrono::NaiveDate;
use serde::Serialize;
use strum::IntoEnumIterator;

pub mod analysis;

pub use analysis::{Analysis, AnalysisCommand, AnalysisFlow, AnalysisStep, Outcome};

/// How the surface was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum SurveyMethod {
    /// 无人机倾斜/正射摄影测量.
    UavPhotogrammetry,
    /// 激光雷达 (airborne LiDAR).
    Lidar,
    /// RTK 实测.
    Rtk,
}

impl SurveyMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyMethod::UavPhotogrammetry => "uav_photogrammetry",
            SurveyMethod::Lidar => "lidar",
            SurveyMethod::Rtk => "rtk",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        crate::mine::parse_code(raw, Self::iter(), Self::as_str)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SurveyMethod::UavPhotogrammetry => "无人机摄影测量",
            SurveyMethod::Lidar => "激光雷达",
            SurveyMethod::Rtk => "RTK 实测",
        }
    }
}

/// Checks a survey's date: not after `today`, and later than the mine's latest survey (an analysis
/// compares each survey with the one before it, so the order of dates is the order of surveys).
pub fn check_flown_on(
    flown_on: NaiveDate,
    today: NaiveDate,
    latest: Option<NaiveDate>,
) -> Result<(), Problem> {
    if flown_on > today {
        return Err(Problem::DateInFuture);
    }
    match latest {
        Some(previous) if flown_on <= previous => Err(Problem::SurveyNotAfter {
            previous: previous.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Why a licence cannot be the yardstick of an analysis. Each is shown to the office in Chinese.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum YardstickProblem {
    #[error("该矿山没有有效的采矿许可证，无法对照分析")]
    NoActiveLicence,
    #[error("该矿山有多个有效的采矿许可证（{numbers}），请先在登记簿中注销失效的证")]
    SeveralActiveLicences { numbers: String },
    #[error("采矿许可证 {licence_no} 未登记开采标高下限（许可证或拐点表中的“开采标高”），无法判断越层开采")]
    NoFloor { licence_no: String },
    #[error(
        "采矿许可证 {licence_no} 各区块的开采标高下限不同（{floors}），分区块判断越层开采尚不支持，不能给出结论"
    )]
    FloorsDiffer { licence_no: String, floors: String },
    #[error("采矿许可证 {licence_no} 未登记生产规模，无法判断超量开采")]
    NoScale { licence_no: String },
    #[error("矿种“{mineral}”未在配置 [minerals] 中登记矿石体重（density_t_m3），无法把方量换算为吨")]
    NoDensity { mineral: String },
}

/// The licence figures an analysis uses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Yardstick {
    /// 开采标高下限, m.
    pub floor_m: f64,
    /// 开采标高上限, m (the licence's, or the highest part's top; the floor when none is given).
    pub top_m: f64,
    /// Licensed output, 10⁴ t a year.
    pub annual_output_10kt: f64,
    pub density_t_m3: f64,
}

/// The licence's floor: each part's own where its corner list states one, else the licence's. One
/// floor for the whole licence, or refused: the engine checks every cell against one floor.
pub fn floor_of(
    licence_no: &str,
    licence_floor_m: Option<f64>,
    part_floors_m: &[Option<f64>],
) -> Result<f64, YardstickProblem> {
    let floors: Vec<f64> = if part_floors_m.is_empty() {
        licence_floor_m.into_iter().collect()
    } else {
        part_floors_m
            .iter()
            .map(|f| f.or(licence_floor_m))
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(|| YardstickProblem::NoFloor {
                licence_no: licence_no.to_string(),
            })?
    };
    let Some(&first) = floors.first() else {
        return Err(YardstickProblem::NoFloor {
            licence_no: licence_no.to_string(),
        });
    };
    if floors.iter().any(|&f| f != first) {
        return Err(YardstickProblem::FloorsDiffer {
            licence_no: licence_no.to_string(),
            floors: floors
                .iter()
                .map(|f| format!("{f} m"))
                .collect::<Vec<_>>()
                .join("、"),
        });
    }
    Ok(first)
}

/// The licensed output in 10⁴ t a year: the scale as licensed, or, for a scale in 10⁴ m³ a year, that
/// volume times the ore's density (the volume a survey measures is the same in-place volume).
pub fn annual_output_10kt(scale: f64, unit: ScaleUnit, density_t_m3: f64) -> f64 {
    match unit {
        ScaleUnit::WanTonnesPerYear => scale,
        ScaleUnit::WanCubicMetresPerYear => scale * density_t_m3,
    }
}

/// Where an analysis stands (the record; its job's lease and progress are working state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum AnalysisState {
    /// Queued or running.
    Pending,
    Done,
    /// The engine refused the inputs, or the job gave up; the reason is kept. It can be retried.
    Failed,
    /// Cancelled by the office. It can be retried.
    Cancelled,
}

impl AnalysisState {
    pub fn as_str(self) -> &'static str {
        match self {
            AnalysisState::Pending => "pending",
            AnalysisState::Done => "done",
            AnalysisState::Failed => "failed",
            AnalysisState::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::iter().find(|s| s.as_str() == raw)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AnalysisState::Pending => "分析中",
            AnalysisState::Done => "已完成",
            AnalysisState::Failed => "失败",
            AnalysisState::Cancelled => "已取消",
        }
    }
}

/// Where a job stands in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, strum::EnumIter)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::iter().find(|s| s.as_str() == raw)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            JobState::Queued => "排队中",
            JobState::Running => "运行中",
            JobState::Done => "已完成",
            JobState::Failed => "失败",
            JobState::Cancelled => "已取消",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed | JobState::Cancelled)
    }

    /// Whether a worker holds it now (its progress means something).
    pub fn is_running(self) -> bool {
        self == JobState::Running
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_survey_follows_the_latest_and_is_not_in_the_future() {
        let today = day("2026-11-30");
        assert_eq!(check_flown_on(day("2026-11-30"), today, None), Ok(()));
        assert_eq!(
            check_flown_on(day("2026-12-01"), today, None),
            Err(Problem::DateInFuture)
        );
        assert_eq!(
            check_flown_on(day("2026-10-02"), today, Some(day("2026-10-01"))),
            Ok(())
        );
        for same_or_earlier in ["2026-10-01", "2026-09-30"] {
            assert_eq!(
                check_flown_on(day(same_or_earlier), today, Some(day("2026-10-01"))),
                Err(Problem::SurveyNotAfter {
                    previous: "2026-10-01".into()
                })
            );
        }
    }

    #[test]
    fn the_floor_is_one_for_the_licence_or_refused() {
        assert_eq!(floor_of("C1", Some(200.0), &[]), Ok(200.0));
        assert_eq!(floor_of("C1", Some(200.0), &[None, None]), Ok(200.0));
        assert_eq!(floor_of("C1", None, &[Some(150.0), Some(150.0)]), Ok(150.0));
        assert_eq!(floor_of("C1", Some(200.0), &[Some(150.0)]), Ok(150.0));
        assert_eq!(
            floor_of("C1", None, &[Some(150.0), None]),
            Err(YardstickProblem::NoFloor {
                licence_no: "C1".into()
            })
        );
        assert_eq!(
            floor_of("C1", None, &[]),
            Err(YardstickProblem::NoFloor {
                licence_no: "C1".into()
            })
        );
        let differ = floor_of("C1", Some(200.0), &[Some(150.0), None]).unwrap_err();
        assert_eq!(
            differ.to_string(),
            "采矿许可证 C1 各区块的开采标高下限不同（150 m、200 m），分区块判断越层开采尚不支持，不能给出结论"
        );
    }

    #[test]
    fn a_scale_in_cubic_metres_is_turned_into_tonnes_by_the_density() {
        assert_eq!(annual_output_10kt(80.0, ScaleUnit::WanTonnesPerYear, 2.7), 80.0);
        assert!((annual_output_10kt(10.0, ScaleUnit::WanCubicMetresPerYear, 2.7) - 27.0).abs() < 1e-12);
    }

    #[test]
    fn states_round_trip_and_say_what_may_follow() {
        for s in AnalysisState::iter() {
            assert_eq!(AnalysisState::parse(s.as_str()), Some(s));
        }
        for s in JobState::iter() {
            assert_eq!(JobState::parse(s.as_str()), Some(s));
        }
        for m in SurveyMethod::iter() {
            assert_eq!(SurveyMethod::parse(m.as_str()), Ok(m));
        }
        assert!(JobState::Cancelled.is_finished() && !JobState::Running.is_finished());
    }
}
