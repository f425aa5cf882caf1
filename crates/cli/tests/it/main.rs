//! The `orewatch` binary, run as an operator would, against SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod boundary;
mod survey;
mod worker_crash;

use orewatch_app::password::HashCost;
use orewatch_app::{App, Db, Settings, SystemClock};
use orewatch_testkit::execute_sql;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

/// Runs the binary in a fresh working folder; `url` is the database (ignored by offline commands).
fn orewatch(url: &str, args: &[&str], stdin: &str) -> Output {
    orewatch_in(url, args, stdin, &[])
}

/// Runs the binary with more environment (signing key, checkpoint folder).
fn orewatch_with(url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    orewatch_in(url, args, "", env)
}

fn orewatch_in(url: &str, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_orewatch"))
        .args(args)
        .current_dir(dir.path())
        .envs(env.iter().copied())
        .env("OREWATCH_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn with_demo(db: &Db) {
    let settings = Settings {
        password: HashCost::for_tests(),
        ..Settings::default()
    };
    let app = App::new(db.clone(), Arc::new(SystemClock), settings).unwrap();
    orewatch_app::bootstrap::prepare(&app).await.unwrap();
    orewatch_app::demo::load_if_empty(&app).await.unwrap();
}

/// Runs `body` with a fresh test database and the URL the binary should use for it.
macro_rules! cli_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let test_db = orewatch_testkit::sqlite().await;
                ($body)(test_db.db.clone(), test_db.url.clone()).await;
                test_db.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(test_db) = orewatch_testkit::postgres().await else {
                    return;
                };
                ($body)(test_db.db.clone(), test_db.url.clone()).await;
                test_db.finish().await;
            }
        }
    };
}

mod tamper;

cli_test!(
    audit_verify_reports_exactly_the_altered_row,
    |db: super::Db, url: String| async move {
        super::with_demo(&db).await;
        let ok = super::orewatch(&url, &["audit", "verify"], "");
        assert_eq!(ok.status.code(), Some(0), "{}", super::text(&ok.stderr));
        assert!(
            super::text(&ok.stdout).contains("\nOK："),
            "{}",
            super::text(&ok.stdout)
        );

        let changed = super::execute_sql(
            &db,
            "UPDATE audit_entry SET actor_label = 'mallory' WHERE seq = 42",
        )
        .await;
        assert_eq!(changed, 1);
        let broken = super::orewatch(&url, &["audit", "verify"], "");
        assert_eq!(broken.status.code(), Some(1));
        let out = super::text(&broken.stdout);
        assert!(out.contains("BROKEN seq=42："), "{out}");
        assert!(out.contains("第42条"), "{out}");
    }
);

cli_test!(
    user_create_bootstraps_an_administrator_who_can_log_in,
    |db: super::Db, url: String| async move {
        let made = super::orewatch(
            &url,
            &[
                "user",
                "create",
                "--username",
                "admin",
                "--name",
                "系统管理员",
                "--role",
                "office",
                "--agency",
                "nr",
            ],
            "first-admin-2026\n",
        );
        assert_eq!(made.status.code(), Some(0), "{}", super::text(&made.stderr));
        let settings = orewatch_app::Settings {
            password: orewatch_app::password::HashCost::for_tests(),
            ..Default::default()
        };
        let app = orewatch_app::App::new(
            db.clone(),
            std::sync::Arc::new(orewatch_app::SystemClock),
            settings,
        )
        .unwrap();
        let logged_in = orewatch_app::auth::login(&app, "admin", "first-admin-2026", "127.0.0.1")
            .await
            .unwrap();
        assert_eq!(logged_in.caller.role(), Some(orewatch_domain::Role::Office));

        // The same name again is refused with the reason, exit 2; so is a role without its agency.
        let again = super::orewatch(
            &url,
            &[
                "user",
                "create",
                "--username",
                "admin",
                "--name",
                "又一个",
                "--role",
                "office",
            ],
            "another-2026\n",
        );
        assert_eq!(again.status.code(), Some(2));
        let err = super::text(&again.stderr);
        assert!(err.contains("账户未创建") && err.contains("已被占用"), "{err}");
        let no_agency = super::orewatch(
            &url,
            &[
                "user",
                "create",
                "--username",
                "clerk",
                "--name",
                "经办",
                "--role",
                "agency_officer",
            ],
            "clerk-2026\n",
        );
        assert_eq!(no_agency.status.code(), Some(2));
        assert!(super::text(&no_agency.stderr).contains("该角色必须选择所属单位"));
    }
);

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let out = orewatch("mysql://localhost/x", &["migrate"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("不支持的数据库地址"),
        "{}",
        text(&out.stderr)
    );
}
