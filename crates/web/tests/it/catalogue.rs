//! The message catalogue: both languages have the same keys, and every key the code uses exists.

use orewatch_domain::account::SecurityEventKind;
use orewatch_domain::company::ControlRole;
use orewatch_domain::consistency::{Inconsistency, MapState};
use orewatch_domain::licence::{LicenceEventKind, LicenceKind, LicenceState, ScaleUnit};
use orewatch_domain::mine::{MineStatus, MiningMethod};
use orewatch_domain::organisation::SeatTitle;
use orewatch_domain::permit::{PermitKind, PermitListFilter, PermitState, PermitStatus};
use orewatch_domain::policy::DenyReason;
use orewatch_domain::protected::{BoundaryKind, ProtectedKind};
use orewatch_domain::sharing::ShareKind;
use orewatch_domain::task_title::TaskTitle;
use orewatch_domain::{AuditAction, Problem, RecordType, Role};
use orewatch_storage::bound;
use orewatch_web::i18n::{flatten, Lang, EN_SOURCE, ZH_SOURCE};
use std::collections::BTreeSet;
use std::path::Path;
use strum::IntoEnumIterator;

fn keys(file: &'static str, source: &str) -> BTreeSet<String> {
    flatten(file, source).unwrap().into_keys().collect()
}

#[test]
fn chinese_and_english_have_the_same_keys() {
    let zh = keys("zh-CN.toml", ZH_SOURCE);
    let en = keys("en.toml", EN_SOURCE);
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
    );
}

/// Every `t("…")`/`tf("…"` key written literally in templates and sources.
fn literal_keys() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = BTreeSet::new();
    let mut stack = vec![root.join("templates"), root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for opener in ["t(\"", "tf(\""] {
                for (i, _) in text.match_indices(opener) {
                    let rest = &text[i + opener.len()..];
                    let key: String = rest.chars().take_while(|c| *c != '"').collect();
                    if key.contains('.') && !key.contains('{') {
                        found.insert(key);
                    }
                }
            }
        }
    }
    found
}

/// Every key built from a domain value or a stored column: each closed list is walked whole, so a new
/// variant without a label fails here.
fn built_keys() -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut add = |prefix: &str, codes: Vec<String>| {
        for code in codes {
            used.insert(format!("{prefix}.{code}"));
        }
    };
    fn codes<T>(items: impl IntoIterator<Item = T>, code: impl Fn(T) -> String) -> Vec<String> {
        items.into_iter().map(code).collect()
    }
    add("record_type", codes(RecordType::iter(), |r| r.as_str().into()));
    add("map_state", codes(MapState::iter(), |s| s.as_str().into()));
    add(
        "protected_kind",
        codes(ProtectedKind::iter(), |k| k.as_str().into()),
    );
    add(
        "boundary_kind",
        codes(BoundaryKind::iter(), |k| k.as_str().into()),
    );
    add("share_kind", codes(ShareKind::iter(), |k| k.as_str().into()));
    add(
        "permit_filter",
        codes(PermitListFilter::iter(), |k| k.as_str().into()),
    );
    add(
        "permit_status",
        codes(PermitStatus::iter(), |k| k.as_str().into()),
    );
    add("permit_kind", codes(PermitKind::ALL, |k| k.as_str().into()));
    add("permit_state", codes(PermitState::ALL, |k| k.as_str().into()));
    add(
        "security",
        codes(SecurityEventKind::iter(), |k| k.as_str().into()),
    );
    add("mine_status", codes(MineStatus::ALL, |k| k.as_str().into()));
    add("method", codes(MiningMethod::ALL, |k| k.as_str().into()));
    add("licence_kind", codes(LicenceKind::ALL, |k| k.as_str().into()));
    add(
        "licence_event",
        codes(LicenceEventKind::ALL, |k| k.as_str().into()),
    );
    add("scale_unit", codes(ScaleUnit::ALL, |k| k.as_str().into()));
    add("control_role", codes(ControlRole::ALL, |k| k.as_str().into()));
    add(
        "licence_state",
        codes([LicenceState::Active, LicenceState::Cancelled], |k| {
            k.as_str().into()
        }),
    );
    add("inconsistency", codes(Inconsistency::iter(), |i| i.code().into()));
    add("flash", codes(orewatch_web::ctx::FLASHES.iter(), |f| (*f).into()));
    add("agency_kind", codes(["member", "coordination"], Into::into));
    add("body", codes(["command", "office"], Into::into));
    add("status", codes(["active", "disabled"], Into::into));
    // Every stored column and child list, which the audit page labels.
    for table in bound::TABLES {
        add("column", codes(table.cols.iter(), |c| c.name.into()));
        add("column", vec![table.key.name.into()]);
        for child in table.children {
            add("column", vec![child.name.into()]);
            add("column", codes(child.cols.iter(), |c| c.name.into()));
        }
    }
    for role in Role::ALL {
        used.insert(role.label_key().into());
    }
    for title in SeatTitle::ALL {
        used.insert(title.label_key().into());
    }
    for reason in DenyReason::iter() {
        used.insert(reason.message_key().into());
    }
    for problem in Problem::iter() {
        used.insert(problem.message_key().into());
    }
    for action in AuditAction::iter() {
        used.insert(action.label_key());
    }
    used
}

#[test]
fn every_key_used_by_templates_and_code_exists() {
    let zh = keys("zh-CN.toml", ZH_SOURCE);
    let mut used = literal_keys();
    assert!(used.len() > 100, "the scan found too few keys: {}", used.len());
    used.extend(built_keys());
    let missing: Vec<_> = used.difference(&zh).collect();
    assert!(
        missing.is_empty(),
        "keys used but not in the catalogue: {missing:?}"
    );
}

#[test]
fn lang_codes_round_trip() {
    assert_eq!(Lang::parse(Lang::En.code()), Lang::En);
    assert_eq!(Lang::parse("zh-CN"), Lang::Zh);
    assert_eq!(Lang::parse("fr"), Lang::Zh);
}

/// One title of every kind, with the number of its kind; the match has no wildcard, so a new kind does
/// not compile until it is numbered here, and the test below fails until it has a sample.
fn title_kind(title: &TaskTitle) -> usize {
    match title {
        TaskTitle::Verbatim { .. } => 0,
        TaskTitle::Finding { .. } => 1,
        TaskTitle::PlanApprove { .. } => 2,
        TaskTitle::PlanRevise { .. } => 3,
        TaskTitle::ApproveDraw { .. } => 4,
        TaskTitle::ApproveAct { .. } => 5,
        TaskTitle::CarryOutAct { .. } => 6,
        TaskTitle::Decision { .. } => 7,
        TaskTitle::Analysis { .. } => 8,
        TaskTitle::Measure { .. } => 9,
        TaskTitle::MeasureLifted { .. } => 10,
        TaskTitle::CaseInvestigate { .. } => 11,
        TaskTitle::CaseStatement { .. } => 12,
        TaskTitle::CaseHearing { .. } => 13,
        TaskTitle::CaseReview { .. } => 14,
        TaskTitle::CaseDecide { .. } => 15,
        TaskTitle::CaseExecute { .. } => 16,
        TaskTitle::Opinion { .. } => 17,
        TaskTitle::Referral { .. } => 18,
        TaskTitle::Flag { .. } => 19,
        TaskTitle::Proposal { .. } => 20,
    }
}

fn sample_titles() -> Vec<TaskTitle> {
    let on = chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
    let s = |t: &str| t.to_string();
    vec![
        TaskTitle::Verbatim {
            text: s("越界开采专项整治会商"),
        },
        TaskTitle::Finding {
            id: 12,
            text: s("矿区范围外挖损"),
        },
        TaskTitle::PlanApprove {
            year: 2027,
            version: 1,
        },
        TaskTitle::PlanRevise {
            year: 2027,
            version: 2,
        },
        TaskTitle::ApproveDraw {
            inspection: s("十二月双随机抽查"),
            on,
        },
        TaskTitle::ApproveAct {
            mine: s("龙山石场"),
            inspection: s("二季度联合检查"),
            on,
        },
        TaskTitle::CarryOutAct {
            mine: s("龙山石场"),
            doc_no: s("鹿公检〔2026〕3号"),
        },
        TaskTitle::Decision {
            minutes_no: s("〔2026〕2号"),
            seq: 1,
            text: s("停产整顿"),
        },
        TaskTitle::Analysis { id: 4 },
        TaskTitle::Measure {
            doc_no: s("鹿自然资停〔2026〕3号"),
            measure_kind: s("stop_order"),
            mine: s("龙山石场"),
        },
        TaskTitle::MeasureLifted {
            doc_no: s("鹿自然资停〔2026〕3号"),
            measure_kind: s("stop_order"),
            mine: s("龙山石场"),
        },
        TaskTitle::CaseInvestigate {
            case_no: s("鹿自然资罚〔2026〕1号"),
            cause: s("越界开采"),
        },
        TaskTitle::CaseStatement {
            case_no: s("鹿自然资罚〔2026〕1号"),
        },
        TaskTitle::CaseHearing {
            case_no: s("鹿自然资罚〔2026〕1号"),
        },
        TaskTitle::CaseReview {
            case_no: s("鹿自然资罚〔2026〕1号"),
        },
        TaskTitle::CaseDecide {
            case_no: s("鹿自然资罚〔2026〕1号"),
            cause: s("越界开采"),
        },
        TaskTitle::CaseExecute {
            number: s("鹿自然资罚决〔2026〕1号"),
        },
        TaskTitle::Opinion {
            doc_no: s("鹿检建〔2026〕1号"),
        },
        TaskTitle::Referral {
            case_no: s("鹿自然资罚〔2026〕1号"),
            receiver: s("县公安局"),
            suspected: s("非法采矿罪"),
        },
        TaskTitle::Flag {
            case_no: s("鹿自然资罚〔2026〕1号"),
            flag_rule: s("value"),
        },
        TaskTitle::Proposal {
            proposal_kind: s("out_of_bounds"),
            message: s("矿区范围外挖损"),
        },
    ]
}

/// The `{name}`s a text fills.
fn placeholders(text: &str) -> BTreeSet<String> {
    text.split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn every_task_title_has_words_in_both_languages_naming_exactly_its_parameters() {
    let samples = sample_titles();
    let kinds: BTreeSet<usize> = samples.iter().map(title_kind).collect();
    let all = title_kind(&TaskTitle::Proposal {
        proposal_kind: String::new(),
        message: String::new(),
    });
    assert_eq!(kinds, (0..=all).collect(), "a kind of task title has no sample");
    for (file, source) in [("zh-CN.toml", ZH_SOURCE), ("en.toml", EN_SOURCE)] {
        let catalogue = flatten(file, source).unwrap();
        for title in &samples {
            let text = catalogue
                .get(&title.key())
                .unwrap_or_else(|| panic!("{file} has no {}", title.key()));
            let args: BTreeSet<String> = title.args().into_iter().map(|(name, _)| name).collect();
            assert_eq!(placeholders(text), args, "{file} {}", title.key());
            for (name, value) in title.args() {
                if ["measure_kind", "flag_rule", "proposal_kind"].contains(&name.as_str()) {
                    let key = format!("{name}.{value}");
                    assert!(catalogue.contains_key(&key), "{file} has no {key}");
                }
            }
        }
    }
}

/// A history event's words may say its note and its day, nothing else (`present::history` fills them).
#[test]
fn history_events_fill_only_their_note_and_day() {
    for (file, source) in [("zh-CN.toml", ZH_SOURCE), ("en.toml", EN_SOURCE)] {
        let catalogue = flatten(file, source).unwrap();
        let allowed: BTreeSet<String> = ["note".to_string(), "date".to_string()].into();
        for prefix in ["finding_event.", "case_event.", "plan_event.", "referral_step."] {
            for (key, text) in catalogue.iter().filter(|(k, _)| k.starts_with(prefix)) {
                assert!(placeholders(text).is_subset(&allowed), "{file} {key}: {text}");
            }
        }
        assert!(catalogue["plan_event.superseded_by"].contains("{note}"));
        // The facts a referral's report keeps (domain::referral::ReferralFlow::created) are all worded.
        let reported: BTreeSet<String> = ["receiver", "suspected", "team"].map(String::from).into();
        assert_eq!(
            placeholders(&catalogue["referral_step_note.reported"]),
            reported,
            "{file}"
        );
    }
}
