//! The tamper suite: someone with write access to the database, but not to the signing key or the
//! checkpoint folder, changes it behind the application's back; `orewatch audit verify` (the binary, as
//! an operator runs it) must find and name every change. And on a live database with writers at work it
//! must find nothing.

use orewatch_app::password::HashCost;
use orewatch_app::{App, Caller, Db, Settings, SystemClock};
use orewatch_domain::audit::GENESIS_HASH;
use orewatch_storage::bound::{Kind, Link, TABLES};
use orewatch_testkit::{execute_sql, fetch_i64, fetch_text};
use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;

/// A demo database with signing configured: the key and the checkpoint folder live in `dir`, outside
/// the database.
struct Scene {
    db: Db,
    url: String,
    dir: tempfile::TempDir,
}

impl Scene {
    async fn new(db: Db, url: String) -> Scene {
        super::with_demo(&db).await;
        Scene {
            db,
            url,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn key(&self) -> PathBuf {
        self.dir.path().join("audit.key")
    }

    fn checkpoints(&self) -> PathBuf {
        self.dir.path().join("checkpoints")
    }

    fn run(&self, args: &[&str]) -> Output {
        let key = self.key();
        let checkpoints = self.checkpoints();
        super::orewatch_with(
            &self.url,
            args,
            &[
                ("OREWATCH_AUDIT_KEY_FILE", key.to_str().unwrap()),
                ("OREWATCH_CHECKPOINT_DIR", checkpoints.to_str().unwrap()),
            ],
        )
    }

    /// Signs the chain's head now.
    fn sign(&self) {
        let out = self.run(&["audit", "checkpoint"]);
        assert_eq!(out.status.code(), Some(0), "{}", super::text(&out.stderr));
    }

    /// `audit verify` against the checkpoints: (exit code, report).
    fn verify(&self) -> (Option<i32>, String) {
        let checkpoints = self.checkpoints();
        let out = self.run(&["audit", "verify", "--checkpoints", checkpoints.to_str().unwrap()]);
        (
            out.status.code(),
            super::text(&out.stdout) + &super::text(&out.stderr),
        )
    }

    async fn head(&self) -> (i64, String) {
        let seq = fetch_i64(&self.db, "SELECT seq FROM audit_head WHERE audit_head_id = 1")
            .await
            .unwrap();
        let hash = fetch_text(&self.db, "SELECT hash FROM audit_head WHERE audit_head_id = 1")
            .await
            .unwrap();
        (seq, hash)
    }

    async fn app(&self) -> App {
        let settings = Settings {
            password: HashCost::for_tests(),
            ..Settings::default()
        };
        App::new(self.db.clone(), Arc::new(SystemClock), settings).unwrap()
    }
}

fn assert_intact((code, report): (Option<i32>, String)) {
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("\nOK："), "{report}");
}

fn assert_found((code, report): &(Option<i32>, String), needle: &str) {
    assert_eq!(*code, Some(1), "{report}");
    assert!(report.contains(needle), "expected {needle:?} in:\n{report}");
    assert!(report.contains("FAILED："), "{report}");
}

cli_test!(
    truncating_the_chain_and_moving_the_head_back_is_found,
    |db: super::Db, url: String| async move {
        let scene = super::Scene::new(db, url).await;
        scene.sign();
        super::assert_intact(scene.verify());
        let (seq, _) = scene.head().await;
        let keep = seq - 5;
        let hash = super::fetch_text(
            &scene.db,
            &format!("SELECT hash FROM audit_entry WHERE seq = {keep}"),
        )
        .await
        .unwrap();
        super::execute_sql(&scene.db, &format!("DELETE FROM audit_entry WHERE seq > {keep}")).await;
        super::execute_sql(
            &scene.db,
            &format!("UPDATE audit_head SET seq = {keep}, hash = '{hash}' WHERE audit_head_id = 1"),
        )
        .await;
        let found = scene.verify();
        super::assert_found(&found, "TRUNCATED");
        super::assert_found(&found, &format!("审计链只到 seq={keep}"));
    }
);

cli_test!(
    emptying_the_log_and_resetting_the_head_is_found,
    |db: super::Db, url: String| async move {
        let scene = super::Scene::new(db, url).await;
        scene.sign();
        super::execute_sql(&scene.db, "DELETE FROM audit_entry").await;
        super::execute_sql(
            &scene.db,
            &format!(
                "UPDATE audit_head SET seq = 0, hash = '{}' WHERE audit_head_id = 1",
                super::GENESIS_HASH
            ),
        )
        .await;
        let found = scene.verify();
        super::assert_found(&found, "TRUNCATED");
        super::assert_found(&found, "审计链只到 seq=0");
    }
);

cli_test!(
    rewriting_a_row_and_hashing_the_rest_again_is_found,
    |db: super::Db, url: String| async move {
        let scene = super::Scene::new(db, url).await;
        scene.sign();
        // Row 42 now says someone else did it; every later row is hashed again so the chain links up.
        let mut conn = scene.db.conn().await.unwrap();
        let mut rows = orewatch_storage::audit::list(
            &mut conn,
            &orewatch_storage::audit::AuditFilter {
                limit: 100_000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        drop(conn);
        rows.sort_by_key(|r| r.row.seq);
        let mut prev = rows[40].hash.clone();
        for stored in rows.iter_mut().skip(41) {
            if stored.row.seq == 42 {
                stored.row.actor_label = "mallory".into();
            }
            let hash = stored.row.chain_hash(&prev);
            super::execute_sql(
                &scene.db,
                &format!(
                    "UPDATE audit_entry SET actor_label = '{}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
                    stored.row.actor_label, stored.row.seq
                ),
            )
            .await;
            prev = hash;
        }
        super::execute_sql(
            &scene.db,
            &format!("UPDATE audit_head SET hash = '{prev}' WHERE audit_head_id = 1"),
        )
        .await;
        // Without the checkpoint the chain would look whole; with it, the rewrite shows.
        let found = scene.verify();
        super::assert_found(&found, "REWRITTEN");
        assert!(
            !found.1.contains("BROKEN"),
            "the rehashed chain links up: {}",
            found.1
        );
    }
);

/// Free-text columns (no check constraint), in the order one is picked for a table's edit.
const FREE_TEXT: &[&str] = &[
    "name",
    "description",
    "display_name",
    "name_zh",
    "legal_rep",
    "mineral",
    "reason",
    "file_name",
    "note",
    "acknowledged_by",
    "title",
    "created_at",
    "card_no",
    "text",
    "summary",
    "result_json",
    "basis",
    "report",
    "details",
    "person",
    "contractor",
    "failure",
    "message_zh",
    "name",
];

/// The edit made behind the application's back in a table (or child table): the column, its new value
/// as SQL, and the condition picking the first row.
fn target(table: &str, key: &str, cols: &[orewatch_storage::bound::Col]) -> (String, String, String) {
    let which = format!("{key} = (SELECT MIN({key}) FROM {table})");
    if table == "seat" {
        // Every text column of a seat is a checked code: move it in the list instead.
        return ("sort_order".into(), "sort_order + 1".into(), which);
    }
    if table == "case_finding" {
        // Only keys: point the link at another finding.
        return (
            "finding_id".into(),
            "(SELECT MAX(finding_id) FROM finding)".into(),
            which,
        );
    }
    let col = FREE_TEXT
        .iter()
        .find(|name| cols.iter().any(|c| c.name == **name && c.kind == Kind::Text))
        .unwrap_or_else(|| panic!("{table} has no free-text column"));
    (col.to_string(), format!("COALESCE({col}, '') || '·'"), which)
}

cli_test!(
    an_edit_of_any_audited_table_is_named_by_table_id_and_field,
    |db: super::Db, url: String| async move {
        let scene = super::Scene::new(db, url).await;
        // The demo has no attachment: add one, so every child table has a row to change.
        let app = scene.app().await;
        let office = orewatch_app::accounts::caller_of(
            &orewatch_app::accounts::find_by_username(&app, &super::Caller::system(), "office")
                .await
                .unwrap()
                .unwrap(),
        );
        orewatch_app::registry::permits::attach(
            &app,
            &office,
            orewatch_domain::PermitId(1),
            "扫描件.pdf",
            b"%PDF-1.4 tamper suite",
        )
        .await
        .unwrap();
        scene.sign();
        super::assert_intact(scene.verify());
        let mut expected = Vec::new();
        for table in super::TABLES {
            let (col, value, which) = super::target(table.name, table.key.name, table.cols);
            let changed = super::execute_sql(
                &scene.db,
                &format!("UPDATE {} SET {col} = {value} WHERE {which}", table.name),
            )
            .await;
            assert!(changed > 0, "the demo has no {} row", table.name);
            expected.push((table.name, col));
            for child in table.children {
                let key = child.cols[0].name;
                let key = match child.link {
                    super::Link::Column(link) if child.name == "share_recipient" => link,
                    _ => key,
                };
                let (col, value, mut which) = super::target(child.name, key, child.cols);
                if let super::Link::Tagged { type_column, .. } = child.link {
                    // Attachments of this record type (a permit's scan, a finding's evidence).
                    which = format!(
                        "{key} = (SELECT MIN({key}) FROM {} WHERE {type_column} = '{}')",
                        child.name,
                        table.record.as_str()
                    );
                }
                let changed = super::execute_sql(
                    &scene.db,
                    &format!("UPDATE {} SET {col} = {value} WHERE {which}", child.name),
                )
                .await;
                assert!(changed > 0, "the demo has no {} row", child.name);
                expected.push((table.name, format!("{}[", child.name)));
                expected.push((table.name, format!("].{col}")));
            }
        }
        // A row deleted and a row written behind the application's back.
        super::execute_sql(&scene.db, "DELETE FROM control_link WHERE control_link_id = (SELECT MAX(control_link_id) FROM control_link)").await;
        super::execute_sql(&scene.db, "INSERT INTO township (name, sort_order, created_at) VALUES ('伪造乡', 999, '2026-11-29T00:00:00Z')").await;
        let (code, report) = scene.verify();
        assert_eq!(code, Some(1), "{report}");
        for (table, field) in &expected {
            assert!(
                report
                    .lines()
                    .any(|l| l.starts_with(&format!("  TAMPERED {table} ")) && l.contains(field.as_str())),
                "{table} · {field} is not named in:\n{report}"
            );
        }
        assert!(
            report.contains("control_link") && report.contains("记录已不存在"),
            "{report}"
        );
        assert!(report.contains("没有对应的审计记录"), "{report}");
    }
);

cli_test!(
    a_live_database_with_writers_at_work_verifies_clean,
    |db: super::Db, url: String| async move {
        let scene = super::Scene::new(db, url).await;
        let app = scene.app().await;
        let office = orewatch_app::accounts::caller_of(
            &orewatch_app::accounts::find_by_username(&app, &super::Caller::system(), "office")
                .await
                .unwrap()
                .unwrap(),
        );
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..3 {
            let (app, office, stop) = (app.clone(), office.clone(), stop.clone());
            writers.push(tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let post = orewatch_app::registry::sharing::PostInput {
                        kind: "lead",
                        title: &format!("线索 {w}-{n}"),
                        recipients: vec!["ps", "nr"],
                        ..Default::default()
                    };
                    orewatch_app::registry::sharing::post(&app, &office, &post)
                        .await
                        .unwrap();
                    n += 1;
                }
                n
            }));
        }
        // The binary verifies ten times while the writers work; never a false finding.
        for run in 0..10 {
            let out = scene.run(&["audit", "verify"]);
            let report = super::super::text(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(0),
                "run {run}: {report}{}",
                super::super::text(&out.stderr)
            );
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut written = 0;
        for w in writers {
            written += w.await.unwrap();
        }
        assert!(written >= 10, "the writers wrote only {written} items");
    }
);
