//! `orewatch-bench-load`: the load side of `bench/platform.sh`.
//!
//! * `seed` fills a database with N bench accounts (real Argon2id hashes, through the account use case)
//!   and M audit rows (hash-chained through the storage layer, spread over the past year), so that the
//!   audit page and dashboard work on a realistically long log.
//! * `run` logs in C clients as C different accounts and has each load the dashboard, organisation and
//!   audit pages in turn for a fixed time, then prints latency percentiles and throughput per page.

mod clouds;
mod import;
mod ledger;
mod surveys;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use hdrhistogram::Histogram;
use orewatch_app::registry::{layers, sample, townships, workbook};
use orewatch_app::{accounts, bootstrap, App, Caller, Db, DbOptions, ManualClock, Settings};
use orewatch_domain::account::NewAccountInput;
use orewatch_domain::{AuditAction, RecordType};
use orewatch_storage::AuditActor;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fill a database for the benchmark.
    Seed {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 200)]
        accounts: usize,
        #[arg(long, default_value_t = 100_000)]
        audit_rows: i64,
        /// Fictional mines to register (each with one licence), imported as workbooks.
        #[arg(long, default_value_t = 0)]
        registry_mines: usize,
        /// Permits per mine.
        #[arg(long, default_value_t = 10)]
        permits_per_mine: usize,
        /// Add the demo's township list (implied by --registry-mines).
        #[arg(long)]
        townships: bool,
        /// Import one protected area with this many vertices (a large real layer, 0: none).
        #[arg(long, default_value_t = 0)]
        layer_vertices: usize,
        /// Make the accounts a mix of the office, leaders, and agency officers and heads (for inboxes).
        #[arg(long)]
        agency_staff: bool,
        /// Years of inspections and ledger to seed (0: none): `ledger_inspections` joint inspections,
        /// `ledger_findings` findings and `ledger_tasks` open tasks over them.
        #[arg(long, default_value_t = 0)]
        ledger_years: i64,
        #[arg(long, default_value_t = 2_000)]
        ledger_inspections: usize,
        #[arg(long, default_value_t = 20_000)]
        ledger_findings: usize,
        #[arg(long, default_value_t = 100_000)]
        ledger_tasks: usize,
    },
    /// Write three flights of generated DEMs for N mines of a seeded registry, and their manifest.
    SurveysPrepare {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 100)]
        mines: usize,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Upload the prepared flights through the survey form of several servers (comma-separated).
    SurveysUpload {
        #[arg(long)]
        servers: String,
        #[arg(long)]
        manifest: std::path::PathBuf,
        /// An office account of the seed.
        #[arg(long, default_value = "bench002")]
        username: String,
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
    },
    /// Write one large DEM (about `bytes`) over the demo's first survey mine; prints the mine's id.
    SurveysBig {
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 2_000_000_000)]
        bytes: u64,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Write a synthetic LAS cloud of `points` points over a square of `side` metres (EPSG:4525).
    CloudWrite {
        #[arg(long)]
        points: u64,
        #[arg(long, default_value_t = 1000.0)]
        side: f64,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Compare two DEMs on the same grid cell by cell.
    DemDiff {
        a: std::path::PathBuf,
        b: std::path::PathBuf,
    },
    /// Time the deadline sweep over a seeded database.
    Sweep {
        #[arg(long)]
        database_url: String,
    },
    /// Upload a workbook of about N records through /registry/import while clients keep logging in.
    Import {
        #[arg(long, default_value = "http://127.0.0.1:18080")]
        base: String,
        #[arg(long, default_value_t = 90_000)]
        records: usize,
        #[arg(long, default_value_t = 10)]
        permits_per_mine: usize,
        /// Clients logging in over and over during the import.
        #[arg(long, default_value_t = 5)]
        login_clients: usize,
        /// Pause of each login client between two logins.
        #[arg(long, default_value_t = 1000)]
        login_pause_ms: u64,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Drive logged-in clients against a running server.
    Run {
        #[arg(long, default_value = "http://127.0.0.1:18080")]
        base: String,
        #[arg(long, default_value_t = 50)]
        clients: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long, default_value = "")]
        label: String,
        /// Pages to cycle through (comma-separated).
        #[arg(long, default_value = "/,/organisation,/audit")]
        pages: String,
        /// Pause of each client between two requests (0: as fast as possible, a saturation test).
        #[arg(long, default_value_t = 0)]
        think_ms: u64,
        /// Of the clients, this many write instead of reading: each posts a lead to the sharing feed.
        #[arg(long, default_value_t = 0)]
        writers: usize,
        /// `{mine}` in a page path becomes a random mine id from 1 to this.
        #[arg(long, default_value_t = 1)]
        mines: i64,
    },
}

pub const BENCH_PASSWORD: &str = "bench-pass-2026";

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Seed {
            database_url,
            accounts,
            audit_rows,
            registry_mines,
            permits_per_mine,
            townships,
            layer_vertices,
            agency_staff,
            ledger_years,
            ledger_inspections,
            ledger_findings,
            ledger_tasks,
        } => {
            let plan = SeedPlan {
                accounts,
                audit_rows,
                registry_mines,
                permits_per_mine,
                townships,
                layer_vertices,
                agency_staff,
                ledger: ledger::Plan {
                    years: ledger_years,
                    inspections: ledger_inspections,
                    findings: ledger_findings,
                    open_tasks: ledger_tasks,
                },
            };
            seed(&database_url, &plan).await
        }
        Command::SurveysPrepare {
            database_url,
            mines,
            out,
        } => surveys::prepare(&database_url, mines, &out).await,
        Command::SurveysUpload {
            servers,
            manifest,
            username,
            concurrency,
        } => {
            let servers: Vec<String> = servers.split(',').map(str::to_string).collect();
            surveys::upload(&servers, &manifest, &username, concurrency).await
        }
        Command::SurveysBig {
            database_url,
            bytes,
            out,
        } => surveys::big(&database_url, bytes, &out).await,
        Command::CloudWrite { points, side, out } => clouds::write_cloud(&out, points, side),
        Command::DemDiff { a, b } => clouds::dem_diff(&a, &b),
        Command::Sweep { database_url } => {
            let db = Db::connect(&database_url, &DbOptions { max_connections: 4 }).await?;
            ledger::sweep(db).await
        }
        Command::Run {
            base,
            clients,
            seconds,
            label,
            think_ms,
            pages,
            writers,
            mines,
        } => {
            let pages: Vec<String> = pages.split(',').map(str::to_string).collect();
            let plan = RunPlan {
                clients,
                seconds,
                think_ms,
                writers,
                mines,
            };
            run(&base, &plan, &label, &pages).await
        }
        Command::Import {
            base,
            records,
            permits_per_mine,
            login_clients,
            login_pause_ms,
            label,
        } => {
            import::run(
                &base,
                records,
                permits_per_mine,
                login_clients,
                login_pause_ms,
                &label,
            )
            .await
        }
    }
}

/// What `seed` puts into the database.
struct SeedPlan {
    accounts: usize,
    audit_rows: i64,
    registry_mines: usize,
    permits_per_mine: usize,
    townships: bool,
    layer_vertices: usize,
    agency_staff: bool,
    ledger: ledger::Plan,
}

async fn seed(url: &str, plan: &SeedPlan) -> Result<()> {
    let count = plan.accounts;
    let audit_rows = plan.audit_rows;
    let db = Db::connect(url, &DbOptions { max_connections: 4 }).await?;
    // The installation and its accounts date from a year ago, so that the audit rows below can be
    // spread over the past year in order (times never go back along the chain).
    let now = chrono::Utc::now();
    let span = chrono::Duration::days(365);
    let clock = Arc::new(ManualClock::new(now - span - chrono::Duration::days(1)));
    let app = App::new(db.clone(), clock.clone(), Settings::default())?;
    bootstrap::prepare(&app).await?;
    let started = Instant::now();
    for i in 1..=count {
        let username = format!("bench{i:03}");
        // bench002 is always the office (the scripts log in as it); with agency staff, every fourth
        // account is an agency officer and every fourth a head, round the member agencies.
        const MEMBERS: [&str; 11] = ["nr", "dr", "ps", "tr", "wa", "em", "mr", "fo", "tx", "ee", "pw"];
        let member = MEMBERS.get(i / 4 % MEMBERS.len()).copied().unwrap_or("nr");
        let (role, agency) = match (plan.agency_staff, i % 4) {
            (true, 1) => ("agency_officer", member),
            (true, 3) => ("agency_head", member),
            (_, 0 | 2) => ("office", "nr"),
            _ => ("command_leader", ""),
        };
        let input = NewAccountInput {
            username: &username,
            display_name: &format!("压测用户{i:03}"),
            role,
            agency,
            password: BENCH_PASSWORD,
            password_again: BENCH_PASSWORD,
        };
        accounts::create(&app, &Caller::system(), &input)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    eprintln!(
        "seeded {count} accounts in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let step = span / i32::try_from(audit_rows.max(1)).unwrap_or(i32::MAX);
    let mut written: i64 = 0;
    // Sign-ins as the older log recorded them (entries that record no state, so they bind no record),
    // 5,000 per transaction, each transaction a later moment of the year by another person.
    while written < audit_rows {
        let actor = written / 5_000 % 200 + 1;
        let at = now - span + step * i32::try_from(written).unwrap_or(0);
        let who = AuditActor {
            account_id: Some(orewatch_domain::AccountId(actor)),
            label: format!("bench{actor:03}"),
            agency: Some(["nr", "ps", "em", "fo"][usize::try_from(actor % 4).unwrap_or(0)].into()),
        };
        let mut tx = db.begin_write(who, at).await?;
        for _ in 0..5_000.min(audit_rows - written) {
            tx.note(
                AuditAction::LegacyLogin,
                RecordType::Account,
                actor.to_string(),
                None,
                None,
            )
            .await?;
            written += 1;
        }
        tx.commit().await?;
    }
    eprintln!(
        "seeded {audit_rows} audit rows in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    // The registry is written now, not a year ago.
    clock.advance(span + chrono::Duration::days(1));
    let office = office_caller(&app).await?;
    if plan.townships || plan.registry_mines > 0 {
        for name in sample::TOWNSHIPS {
            townships::add(&app, &office, name)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
    }
    if plan.registry_mines > 0 {
        seed_registry(&app, &office, plan.registry_mines, plan.permits_per_mine).await?;
    }
    if plan.layer_vertices > 0 {
        seed_large_layer(&app, &office, plan.layer_vertices).await?;
    }
    if plan.ledger.years > 0 {
        let mut conn = db.conn().await?;
        let mines: Vec<orewatch_domain::MineId> = orewatch_storage::mines::all_names(&mut conn)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        drop(conn);
        ledger::seed(&db, &mines, app.now(), &plan.ledger).await?;
    }
    // A production database has planner statistics (autovacuum, or SQLite's optimize); a fresh bulk
    // load does not yet.
    db.analyze().await?;
    db.close().await;
    Ok(())
}

/// The seeded office account (bench002) as a caller.
async fn office_caller(app: &App) -> Result<Caller> {
    let office = accounts::find_by_username(app, &Caller::system(), "bench002")
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .context("bench002 (an office account) is seeded first: --accounts 2 at least")?;
    Ok(accounts::caller_of(&office))
}

/// One protected area with `vertices` vertices, imported as a GeoJSON layer the way a county's GIS
/// exports one: a wandering outline about 30 km across in the middle of the county (EPSG:4525).
async fn seed_large_layer(app: &App, office: &Caller, vertices: usize) -> Result<()> {
    use std::fmt::Write;
    let started = Instant::now();
    let mut ring = String::with_capacity(vertices * 30);
    ring.push('[');
    for i in 0..=vertices {
        let t = std::f64::consts::TAU * (i % vertices) as f64 / vertices as f64;
        let r = 15_000.0 + 3_000.0 * (7.0 * t).sin() + 400.0 * (97.0 * t).sin() + 40.0 * (1_013.0 * t).sin();
        let (e, n) = (37_405_000.0 + r * t.cos(), 2_720_000.0 + r * t.sin());
        if i > 0 {
            ring.push(',');
        }
        let _ = write!(ring, "[{e:.2},{n:.2}]");
    }
    ring.push(']');
    let geojson = format!(
        r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"urn:ogc:def:crs:EPSG::4525"}}}},"features":[{{"type":"Feature","properties":{{"name":"压测生态保护红线"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}]}}"#
    );
    let target = layers::LayerTarget::Protected(orewatch_domain::protected::ProtectedKind::RedLine);
    layers::import(app, office, target, "红线.geojson", geojson.as_bytes())
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    eprintln!(
        "seeded a protected area of {vertices} vertices ({:.1} MB of GeoJSON) in {:.1}s",
        geojson.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Registers `mines` fictional mines with their licences and permits, 500 mines per workbook, through
/// the same import the office uses, and a nature reserve.
async fn seed_registry(app: &App, office: &Caller, mines: usize, permits_per_mine: usize) -> Result<()> {
    let started = Instant::now();
    let office = office.clone();
    let today = orewatch_app::dashboard::china_today(chrono::Utc::now());
    let s = sample::generate(mines, permits_per_mine, today);
    // Mines 2i and 2i+1 belong to company i, so chunks of an even number of mines keep them together.
    let chunk = 500;
    for first in (0..mines).step_by(chunk) {
        let last = (first + chunk).min(mines);
        let slice = |rows: &[Vec<String>], from: usize, to: usize| {
            rows.get(from..to.min(rows.len())).unwrap_or(&[]).to_vec()
        };
        let bytes = workbook::build(
            &slice(&s.companies, first / 2, last.div_ceil(2)),
            &slice(&s.mines, first, last),
            &slice(&s.licences, first, last),
            &slice(&s.permits, first * permits_per_mine, last * permits_per_mine),
        )
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        match workbook::import(
            app,
            &office,
            &bytes,
            "bench.xlsx",
            workbook::ImportOptions::default(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        {
            workbook::ImportOutcome::Imported(_) => {}
            workbook::ImportOutcome::Refused { errors, .. } => {
                bail!("bench workbook refused: {:?}", errors.first())
            }
        }
    }
    layers::create_protected_area(
        app,
        &office,
        "reserve",
        "拉沟自然保护区（压测）",
        "",
        &s.protected_reserve,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    eprintln!(
        "seeded {mines} mines, {mines} licences, {} permits in {:.1}s",
        mines * permits_per_mine,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Logs one client in and returns its HTTP client (holding the session cookie).
async fn login(base: &str, username: &str) -> Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let form = client.get(format!("{base}/login")).send().await?.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let start = form.find(marker).context("login form has no CSRF field")? + marker.len();
    let csrf: String = form
        .get(start..)
        .unwrap_or("")
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", username),
            ("password", BENCH_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::SEE_OTHER {
        bail!("login as {username} failed: {}", response.status());
    }
    Ok(client)
}

/// How `run` drives the server.
struct RunPlan {
    clients: usize,
    seconds: u64,
    think_ms: u64,
    /// Of the clients, how many post to the sharing feed instead of reading.
    writers: usize,
    /// `{mine}` in a page path is a random mine id from 1 to this.
    mines: i64,
}

/// The CSRF token of a logged-in client's session (from a page's form).
async fn csrf_of(client: &reqwest::Client, base: &str) -> Result<String> {
    let page = client.get(format!("{base}/feed")).send().await?.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).context("the feed page has no form")? + marker.len();
    Ok(page
        .get(start..)
        .unwrap_or("")
        .chars()
        .take_while(|c| *c != '"')
        .collect())
}

/// A small deterministic generator for picking mines.
struct Pick(u64);

impl Pick {
    fn next(&mut self, n: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::try_from(n.max(1)).unwrap_or(1)) as i64 + 1
    }
}

async fn run(base: &str, plan: &RunPlan, label: &str, pages: &[String]) -> Result<()> {
    let clients = plan.clients;
    let mut logged_in = Vec::new();
    for i in 1..=clients {
        // Writers are office accounts (even numbers), which may post to the feed.
        let account = if i > clients - plan.writers.min(clients) {
            2 * (i - (clients - plan.writers))
        } else {
            i
        };
        logged_in.push(login(base, &format!("bench{account:03}")).await?);
    }
    let deadline = Instant::now() + Duration::from_secs(plan.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    // One histogram per page, then one for the writes.
    let slots = pages.len() + 1;
    for (i, client) in logged_in.into_iter().enumerate() {
        let base = base.to_string();
        let pages = pages.to_vec();
        let writer = i >= clients - plan.writers.min(clients);
        let (think_ms, mines) = (plan.think_ms, plan.mines);
        tasks.push(tokio::spawn(async move {
            let mut histograms: Vec<Histogram<u64>> = (0..slots)
                .map(|_| Histogram::new_with_bounds(1, 60_000_000, 3))
                .collect::<Result<_, _>>()?;
            let mut errors = 0_u64;
            let mut n = i;
            let mut pick = Pick(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
            let csrf = if writer {
                csrf_of(&client, &base).await?
            } else {
                String::new()
            };
            // People do not click in step: each client's pause is drawn between half and one and a
            // half times the think time (the same mean), and the first one staggers the starts.
            // Fixed pauses would keep the 50 clients in waves that arrive together.
            let t = i64::try_from(think_ms).unwrap_or(i64::MAX).max(1);
            let pause = move |pick: &mut Pick| {
                Duration::from_millis(u64::try_from(t / 2 + pick.next(t) - 1).unwrap_or(0))
            };
            if think_ms > 0 {
                tokio::time::sleep(Duration::from_millis(
                    u64::try_from(pick.next(t) - 1).unwrap_or(0),
                ))
                .await;
            }
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let (slot, ok) = if writer {
                    let title = format!("压测线索 {i}-{n}");
                    let form = [
                        ("csrf", csrf.as_str()),
                        ("kind", "lead"),
                        ("title", title.as_str()),
                        ("recipients", "ps"),
                        ("recipients", "nr"),
                    ];
                    let ok = match client.post(format!("{base}/feed")).form(&form).send().await {
                        Ok(response) => response.status() == reqwest::StatusCode::SEE_OTHER,
                        Err(_) => false,
                    };
                    (pages.len(), ok)
                } else {
                    let page = n % pages.len();
                    let path = pages.get(page).map(String::as_str).unwrap_or("/");
                    let path = path.replace("{mine}", &pick.next(mines).to_string());
                    let ok = match client.get(format!("{base}{path}")).send().await {
                        Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                        Err(_) => false,
                    };
                    (page, ok)
                };
                let micros = u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX);
                if ok {
                    if let Some(h) = histograms.get_mut(slot) {
                        h.record(micros.max(1))?;
                    }
                } else {
                    errors += 1;
                }
                n += 1;
                if think_ms > 0 {
                    tokio::time::sleep(pause(&mut pick)).await;
                }
            }
            anyhow::Ok((histograms, errors))
        }));
    }
    let mut totals: Vec<Histogram<u64>> = (0..slots)
        .map(|_| Histogram::new_with_bounds(1, 60_000_000, 3))
        .collect::<Result<_, _>>()?;
    let mut errors = 0;
    for task in tasks {
        let (histograms, task_errors) = task.await??;
        for (total, h) in totals.iter_mut().zip(histograms) {
            total.add(h)?;
        }
        errors += task_errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let pacing = if plan.think_ms > 0 {
        format!("{} ms think time", plan.think_ms)
    } else {
        "no think time".into()
    };
    let readers = clients - plan.writers.min(clients);
    println!(
        "{label}: {readers} readers + {} writers, {pacing}, {elapsed:.1} s, {errors} errors",
        plan.writers.min(clients)
    );
    println!(
        "{:<44} {:>8} {:>9} {:>9} {:>9} {:>9}",
        "page", "requests", "req/s", "p50 ms", "p99 ms", "max ms"
    );
    for (path, h) in pages
        .iter()
        .map(String::as_str)
        .chain(["POST /feed (writers)"])
        .zip(&totals)
    {
        if h.is_empty() {
            continue;
        }
        all.add(h)?;
        print_row(path, h, elapsed);
    }
    print_row("all", &all, elapsed);
    Ok(())
}

fn print_row(name: &str, h: &Histogram<u64>, elapsed: f64) {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{:<44} {:>8} {:>9.0} {:>9.2} {:>9.2} {:>9.2}",
        name,
        h.len(),
        h.len() as f64 / elapsed,
        ms(0.5),
        ms(0.99),
        h.max() as f64 / 1000.0
    );
}
