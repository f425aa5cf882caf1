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
