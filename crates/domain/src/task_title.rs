//! A task's title: what the inbox says a task is about, stored as a kind and its parameters and put
//! into words by the reader's catalogue (`task_title.<kind>`), so the English inbox is English.
//!
//! Each workflow names its tasks' title ([`crate::workflow::Workflow::task_title`]); storage keeps it
//! as JSON ([`TaskTitle::encode`]) and reads it back with [`TaskTitle::decode`]. A title stored before
//! titles were codes is plain Chinese text: it is read as [`TaskTitle::Verbatim`], shown as written.
//!
//! Parameters are the record's own words (a mine's name, a case number, a cause the officer typed) and
//! codes the catalogue names (`measure_kind.<code>`, `flag_rule.<code>`, `proposal_kind.<code>`).
//! Free text is cut to [`TEXT_CHARS`] characters, as an inbox line must stay a line.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How many characters of free text (a cause, a decision, a description) a title carries.
pub const TEXT_CHARS: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum TaskTitle {
    /// Text as it was stored (before titles were codes), or a title the user gave (a meeting's).
    Verbatim {
        text: String,
    },
    /// A finding: its number and the start of its description.
    Finding {
        id: i64,
        text: String,
    },
    /// 审批 a year's plan.
    PlanApprove {
        year: i32,
        version: i64,
    },
    /// 按审批意见修改 a returned plan.
    PlanRevise {
        year: i32,
        version: i64,
    },
    /// 审批 a 双随机 inspection: the mine is not named before the day.
    ApproveDraw {
        inspection: String,
        on: NaiveDate,
    },
    /// 审批 an inspection of a named mine.
    ApproveAct {
        mine: String,
        inspection: String,
        on: NaiveDate,
    },
    /// 现场检查并签署 an approved inspection.
    CarryOutAct {
        mine: String,
        doc_no: String,
    },
    /// A consultation decision: the minutes' number, the item and its words.
    Decision {
        minutes_no: String,
        seq: i64,
        text: String,
    },
    /// A survey comparison the office reviews.
    Analysis {
        id: i64,
    },
    /// An enforcement measure in force.
    Measure {
        doc_no: String,
        measure_kind: String,
        mine: String,
    },
    /// The lifting of an enforcement measure.
    MeasureLifted {
        doc_no: String,
        measure_kind: String,
        mine: String,
    },
    /// A penalty case, by what is awaited at its station.
    CaseInvestigate {
        case_no: String,
        cause: String,
    },
    CaseStatement {
        case_no: String,
    },
    CaseHearing {
        case_no: String,
    },
    CaseReview {
        case_no: String,
    },
    CaseDecide {
        case_no: String,
        cause: String,
    },
    CaseExecute {
        number: String,
    },
    /// 答复检察意见.
    Opinion {
        doc_no: String,
    },
    /// A referral of a case to the receiving body.
    Referral {
        case_no: String,
        receiver: String,
        suspected: String,
    },
    /// 应移未移: a case that should have been referred, by the rule it met.
    Flag {
        case_no: String,
        flag_rule: String,
    },
    /// A survey's proposed finding: its kind and the engine's message.
    Proposal {
        proposal_kind: String,
        message: String,
    },
}

impl TaskTitle {
    /// The stored form.
    pub fn encode(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }

    /// The stored form read back; text that is not a stored title is a title stored as words.
    pub fn decode(stored: &str) -> TaskTitle {
        if stored.starts_with('{') {
            if let Ok(title) = serde_json::from_str(stored) {
                return title;
            }
        }
        TaskTitle::Verbatim {
            text: stored.to_string(),
        }
    }

    /// The catalogue key of its words (`task_title.<kind>`).
    pub fn key(&self) -> String {
        let kind: &'static str = self.into();
        format!("task_title.{kind}")
    }

    /// Its parameters by name, as the catalogue's `{name}` fills them; codes are named by the catalogue
    /// (`measure_kind` → `measure_kind.<code>`), which the renderer looks up.
    pub fn args(&self) -> Vec<(String, String)> {
        // Plain data always serialises; were it not to, the words would show their placeholders.
        let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(self) else {
            return Vec::new();
        };
        fields
            .into_iter()
            .filter(|(name, _)| name.as_str() != "kind")
            .map(|(name, value)| {
                let text = match value {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (name, text)
            })
            .collect()
    }

    /// Whether any of its parameters holds `text` (a mine's name that must stay secret until the day).
    pub fn mentions(&self, text: &str) -> bool {
        self.args().iter().any(|(_, value)| value.contains(text))
    }
}

/// The first [`TEXT_CHARS`] characters of free text.
pub fn short(text: &str) -> String {
    text.chars().take(TEXT_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_round_trips_through_its_stored_form() {
        let titles = [
            TaskTitle::PlanApprove {
                year: 2027,
                version: 2,
            },
            TaskTitle::ApproveDraw {
                inspection: "十二月双随机抽查".into(),
                on: NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
            },
            TaskTitle::MeasureLifted {
                doc_no: "鹿自然资停〔2026〕3号".into(),
                measure_kind: "stop_order".into(),
                mine: "{\"kind\":\"x\"}".into(),
            },
        ];
        for title in titles {
            assert_eq!(TaskTitle::decode(&title.encode().unwrap()), title);
            // The catalogue key is the stored kind.
            let stored: serde_json::Value = serde_json::from_str(&title.encode().unwrap()).unwrap();
            assert_eq!(
                title.key(),
                format!("task_title.{}", stored["kind"].as_str().unwrap())
            );
        }
    }

    #[test]
    fn words_stored_before_titles_were_codes_are_read_as_written() {
        for stored in ["#12 越界开采", "{会商} 第一次", "{\"kind\":\"no_such_kind\"}", ""] {
            assert_eq!(
                TaskTitle::decode(stored),
                TaskTitle::Verbatim {
                    text: stored.to_string()
                }
            );
        }
    }

    #[test]
    fn the_key_and_parameters_name_what_the_catalogue_fills() {
        let title = TaskTitle::ApproveAct {
            mine: "龙山石场".into(),
            inspection: "二季度联合检查".into(),
            on: NaiveDate::from_ymd_opt(2026, 5, 6).unwrap(),
        };
        assert_eq!(title.key(), "task_title.approve_act");
        let args = title.args();
        assert!(args.contains(&("mine".into(), "龙山石场".into())));
        assert!(args.contains(&("on".into(), "2026-05-06".into())));
        assert!(title.mentions("龙山"));
        assert!(!title.mentions("虎山"));
        let plan = TaskTitle::PlanApprove {
            year: 2027,
            version: 2,
        };
        assert!(plan.args().contains(&("year".into(), "2027".into())));
    }

    #[test]
    fn free_text_is_cut_to_a_line() {
        let long = "越".repeat(100);
        assert_eq!(short(&long).chars().count(), TEXT_CHARS);
        assert_eq!(short("短"), "短");
    }
}
