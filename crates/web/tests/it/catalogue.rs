//! The message catalogue: both languages have the same keys, and every key the code uses exists.

use orewatch_domain::organisation::SeatTitle;
use orewatch_domain::policy::DenyReason;
use orewatch_domain::{Problem, Role};
use orewatch_web::i18n::{flatten, Lang, EN_SOURCE, ZH_SOURCE};
use std::collections::BTreeSet;
use std::path::Path;

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

#[test]
fn every_key_used_by_templates_and_code_exists() {
    let zh = keys("zh-CN.toml", ZH_SOURCE);
    let mut used = literal_keys();
    assert!(used.len() > 100, "the scan found too few keys: {}", used.len());
    // Keys built from domain values.
    for role in Role::ALL {
        used.insert(role.label_key().into());
    }
    for title in SeatTitle::ALL {
        used.insert(title.label_key().into());
    }
    for reason in [DenyReason::Role, DenyReason::Scope, DenyReason::OwnAccount] {
        used.insert(reason.message_key().into());
    }
    let problems = [
        Problem::Required,
        Problem::TooLong { max: 1 },
        Problem::TooShort { min: 1 },
        Problem::BadUsername,
        Problem::WeakPassword,
        Problem::PasswordMismatch,
        Problem::WrongCurrentPassword,
        Problem::Duplicate,
        Problem::NotFound,
        Problem::Invalid,
        Problem::BadDate,
        Problem::BeforeCurrentTerm { since: String::new() },
        Problem::Unchanged,
        Problem::AgencyRequired,
        Problem::AgencyNotAllowed,
    ];
    for problem in problems {
        used.insert(problem.message_key().into());
    }
    for kind in ["member", "coordination"] {
        used.insert(format!("agency_kind.{kind}"));
    }
    for body in ["command", "office"] {
        used.insert(format!("body.{body}"));
    }
    for status in ["active", "disabled"] {
        used.insert(format!("status.{status}"));
    }
    for record in orewatch_app::audit_log::RECORD_TYPES {
        used.insert(format!("record_type.{record}"));
    }
    for flash in orewatch_web::ctx::FLASHES {
        used.insert(format!("flash.{flash}"));
    }
    for field in [
        "username",
        "password",
        "password_again",
        "display_name",
        "role",
        "agency",
        "status",
        "holder",
        "from_on",
        "note",
        "duty_zh",
        "duty_en",
        "current",
    ] {
        used.insert(format!("field.{field}"));
    }
    for action in [
        "login",
        "login.failed",
        "logout",
        "account.create",
        "account.update",
        "account.reset_password",
        "account.change_password",
        "seat.create",
        "seat.file",
        "agency.create",
        "agency.update_duties",
    ] {
        used.insert(format!("audit_action.{action}"));
    }
    let missing: Vec<_> = used.difference(&zh).collect();
    assert!(
        missing.is_empty(),
        "keys used but not in the catalogue: {missing:?}"
    );
}

#[test]
fn every_audit_action_the_app_writes_has_a_label() {
    // The app's sources name each action once, in `caller.audit("…"`.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
    let zh = keys("zh-CN.toml", ZH_SOURCE);
    let mut count = 0;
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let text = std::fs::read_to_string(path).unwrap();
        for (i, _) in text.match_indices(".audit(\"") {
            let action: String = text[i + 8..].chars().take_while(|c| *c != '"').collect();
            count += 1;
            assert!(
                zh.contains(&format!("audit_action.{action}")),
                "no label for audit action {action}"
            );
        }
    }
    assert!(count >= 10, "found only {count} audit actions");
}

#[test]
fn lang_codes_round_trip() {
    assert_eq!(Lang::parse(Lang::En.code()), Lang::En);
    assert_eq!(Lang::parse("zh-CN"), Lang::Zh);
    assert_eq!(Lang::parse("fr"), Lang::Zh);
}
