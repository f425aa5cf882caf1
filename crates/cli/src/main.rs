//! `orewatch` — the one binary: serve the platform, run the demo, migrate, manage users, verify the
//! audit chain, compare drone surveys, check corner points. The only crate that uses `anyhow`; everything it does goes through `orewatch-app`.

mod boundary;
mod config;
mod survey;
mod verify_report;

/// glibc's allocator spent a fifth of the server's time in malloc/free under load (many threads,
/// many short-lived strings); mimalloc is a drop-in replacement built for that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use config::Config;
use orewatch_app::checkpoint::{self, CheckpointSettings};
use orewatch_app::{accounts, audit_log, bootstrap, demo, App, Caller, Db, DbOptions, Settings, SystemClock};
use orewatch_domain::account::NewAccountInput;
use orewatch_domain::policy::Service;
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "orewatch",
    version,
    about = "矿产资源开发保护联合监管平台 / Orewatch joint-supervision platform"
)]
struct Cli {
    /// Configuration file (default: ./orewatch.toml if present).
    #[arg(long, global = true, env = "OREWATCH_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform (migrates the database first).
    Serve,
    /// Serve with demo data: SQLite in ./orewatch-data, demo accounts loaded when the database is empty.
    Demo,
    /// Run analysis jobs (drone surveys) from the queue until stopped. With PostgreSQL run as many as
    /// the machines allow; with SQLite `serve` runs one itself.
    Worker,
    /// Apply database migrations and seed the agencies and seats, then exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Corner points of a licence or an announcement (offline).
    Boundary {
        #[command(subcommand)]
        command: BoundaryCommand,
    },
    /// Drone surveys (offline analysis of local files).
    Survey {
        #[command(subcommand)]
        command: SurveyCommand,
    },
}

#[derive(Subcommand)]
enum BoundaryCommand {
    /// Check corner-point text: per part the zone, each point's longitude/latitude (CGCS2000), the
    /// ellipsoidal and planar area, the elevation range and any problem.
    Check(boundary::CheckArgs),
}

#[derive(Subcommand)]
enum SurveyCommand {
    /// Compare two DEM surveys of a mine against its licence: volumes, out-of-bounds, below-floor,
    /// over-quantity, high faces. Exit 0 when the analysis ran, 2 on bad input.
    Compare(survey::CompareArgs),
    /// Grid a LAS/LAZ point cloud into a DEM: the mean elevation of the points within cell × √2 of
    /// each cell's centre (PDAL writers.gdal's rule), ground points when classified. Exit 2 on bad
    /// input.
    Grid(survey::GridArgs),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from the first line of standard input.
    Create {
        #[arg(long)]
        username: String,
        /// The person's name.
        #[arg(long)]
        name: String,
        /// command_leader, office, agency_officer, agency_head, county_government, tip_handler, enterprise, auditor
        #[arg(long)]
        role: String,
        /// Agency code (nr, ps, …); required for agency staff.
        #[arg(long, default_value = "")]
        agency: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain, that every record still holds the state its last entry recorded, and —
    /// given a folder of signed checkpoints — that the chain still contains each of them. Prints what
    /// was found; exits 0 when intact, 1 when anything was.
    Verify {
        /// Folder of signed checkpoints to check the chain against.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// The public key (hex) to trust; default: the configured key file's.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Sign the chain's head now and write the checkpoint to the configured folder.
    Checkpoint,
    /// Print the public key of the configured signing key (hex), for verifiers elsewhere.
    PublicKey,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    // Offline commands on local files: no database, no runtime.
    let offline = match &cli.command {
        Command::Survey {
            command: SurveyCommand::Compare(args),
        } => Some(survey::compare(args)),
        Command::Survey {
            command: SurveyCommand::Grid(args),
        } => Some(survey::grid(args)),
        Command::Boundary {
            command: BoundaryCommand::Check(args),
        } => Some(boundary::run(args, cli.config.as_deref())),
        _ => None,
    };
    if let Some(outcome) = offline {
        return match outcome {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("错误：{error:#}");
                std::process::ExitCode::from(2)
            }
        };
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return std::process::ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("错误：{error:#}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn open(config: &Config) -> Result<App> {
    let app = connect(config).await?;
    bootstrap::prepare(&app).await.context("数据库迁移与初始化")?;
    Ok(app)
}

/// Runs analysis jobs until Ctrl-C (or SIGTERM).
async fn worker(config: &Config) -> Result<()> {
    let app = open(config).await?;
    let holder = format!(
        "{}-{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".into()),
        std::process::id()
    );
    println!("Orewatch 分析进程已启动：{holder}（{}）", app.db.backend().name());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(orewatch_app::surveys::worker::run(app, holder, stopped));
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).context("监听 SIGTERM")?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    let _ = stop.send(true);
    // The current job finishes, or keeps its lease until another worker takes it over.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), running).await;
    Ok(())
}

/// The app on the configured database, not yet migrated or seeded.
async fn connect(config: &Config) -> Result<App> {
    let url = config.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("创建数据目录 {}", config.data_dir.display()))?;
    }
    let db = Db::connect(
        &url,
        &DbOptions {
            max_connections: config.max_connections,
        },
    )
    .await
    .with_context(|| format!("连接数据库 {}", redact(&url)))?;
    let (key_file, dir) = config.checkpoints()?.unzip();
    let settings = Settings {
        session_idle: chrono::Duration::minutes(config.session_idle_minutes),
        share_ack_deadline: chrono::Duration::hours(config.share_ack_hours),
        files: config.file_backend(),
        map_zone: config.map_zone,
        county_extent: config.extent()?,
        checkpoint: CheckpointSettings { key_file, dir },
        draw_ratios: config.ratios()?,
        cases: config.case_rules()?,
        flags: config.flag_rules()?,
        datum_transforms: config.transforms()?,
        surveys: orewatch_app::surveys::SurveySettings {
            scratch_dir: config.data_dir.join("scratch"),
            lease: chrono::Duration::seconds(config.job_lease_seconds),
            heartbeat: std::time::Duration::from_millis(
                u64::try_from(config.job_lease_seconds).unwrap_or(60) * 1000 / 6,
            ),
            ..Default::default()
        },
        ..Settings::default()
    };
    Ok(App::new(db, Arc::new(SystemClock), settings)?)
}

/// Hides a password in a database URL before printing it.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

async fn run(cli: Cli) -> Result<std::process::ExitCode> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve => serve(&config, false).await?,
        Command::Demo => serve(&config, true).await?,
        Command::Worker => worker(&config).await?,
        Command::Migrate => {
            open(&config).await?;
            println!("数据库已迁移：{}", redact(&config.database_url()));
        }
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    name,
                    role,
                    agency,
                },
        } => {
            let app = open(&config).await?;
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("从标准输入读取密码")?;
            let password = password.trim_end_matches(['\r', '\n']);
            let input = NewAccountInput {
                username: &username,
                display_name: &name,
                role: &role,
                agency: &agency,
                password,
                password_again: password,
            };
            match accounts::create(&app, &Caller::system(), &input).await {
                Ok(id) => println!("已创建账户 {username}（编号 {}）", id.0),
                Err(orewatch_app::AppError::Invalid(errors)) => bail!("账户未创建：{errors}"),
                Err(other) => return Err(other.into()),
            }
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    checkpoints,
                    public_key,
                },
        } => {
            if let Some(dir) = &checkpoints {
                if !dir.is_dir() {
                    bail!("检查点目录 {} 不存在或不是目录", dir.display());
                }
            }
            let app = open(&config).await?;
            let key = match public_key {
                Some(hex) => Some(
                    checkpoint::parse_public_key(&hex)
                        .context("--public-key 应为 64 位十六进制的 Ed25519 公钥")?,
                ),
                None => None,
            };
            let outcome =
                audit_log::verify(&app, &Caller::system(), checkpoints.as_deref().map(|d| (d, key))).await?;
            print!("{}", verify_report::text(&outcome));
            if !outcome.intact() {
                return Ok(std::process::ExitCode::from(1));
            }
        }
        Command::Audit {
            command: AuditCommand::Checkpoint,
        } => {
            let app = open(&config).await?;
            if config.checkpoints()?.is_none() {
                bail!("未配置 audit_key_file 和 checkpoint_dir，无法签名检查点");
            }
            match checkpoint::sign(&app, &Caller::system()).await? {
                Some(c) => println!("已签名检查点：seq={} hash={}", c.seq, c.hash),
                None => println!("审计链为空，无需签名"),
            }
        }
        Command::Audit {
            command: AuditCommand::PublicKey,
        } => {
            let app = open(&config).await?;
            match checkpoint::public_key(&app)? {
                Some(key) => println!("{}", checkpoint::hex_key(&key)),
                None => bail!("未配置 audit_key_file"),
            }
        }
        Command::Survey { .. } | Command::Boundary { .. } => unreachable_offline()?,
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// `survey` and `boundary` are dispatched in `main` before the runtime starts.
fn unreachable_offline() -> Result<()> {
    bail!("offline commands run without the database")
}

async fn serve(config: &Config, demo_mode: bool) -> Result<()> {
    // The demo prepares a new database itself, a year back, so its history carries the times it would
    // have had; then the database is prepared as always (nothing left to do).
    let mut app = if demo_mode {
        connect(config).await?
    } else {
        open(config).await?
    };
    if demo_mode {
        demo::apply_demo_prices(&mut app.settings);
    }
    if demo_mode {
        let loaded = demo::load_if_empty(&app).await.context("载入演示数据")?;
        bootstrap::prepare(&app).await.context("数据库迁移与初始化")?;
        if loaded {
            println!("已载入演示数据。");
        }
        println!("演示账户（密码均为 {}）：", demo::DEMO_PASSWORD);
        for (username, name, role, agency) in demo::DEMO_ACCOUNTS {
            if *username == demo::DISABLED_DEMO_ACCOUNT {
                continue;
            }
            println!(
                "  {username:<12} {name}  {}{}",
                role.as_str(),
                agency.map(|a| format!(" / {a}")).unwrap_or_default()
            );
        }
    }
    let web_config = orewatch_web::WebConfig {
        county_name: config.county_name.clone(),
        county_name_en: config.county_name_en.clone(),
        secure_cookies: config.secure_cookies,
        login_attempts_per_minute: config.login_attempts_per_minute,
        demo_mode,
        trusted_proxies: config.proxies()?,
        ..Default::default()
    };
    let state = orewatch_web::WebState::new(app.clone(), web_config)?;
    let router = orewatch_web::router(state);
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .with_context(|| format!("监听地址 {} 不可用", config.bind))?;
    println!(
        "Orewatch 已启动：http://{}/  （{}）",
        listener.local_addr()?,
        app.db.backend().name()
    );
    let housekeeping = app.clone();
    tokio::spawn(async move {
        // Idle sessions, old security counters and throttles.
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            interval.tick().await;
            if let Err(error) = orewatch_app::auth::sweep(&housekeeping).await {
                tracing::warn!(%error, "sweeping sessions and counters");
            }
        }
    });
    // Deadlines: one process at a time sweeps (the lease), every minute; the lease outlives three
    // missed sweeps, so a process that dies hands over within a few minutes.
    let sweep_holder = format!(
        "{}-{}-{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "serve".into()),
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let sweeper = app.clone();
    let holder = sweep_holder.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            interval.tick().await;
            match orewatch_app::tasks::sweep(&sweeper, &holder, chrono::Duration::minutes(3)).await {
                Ok(report) if !report.raised.is_empty() => {
                    tracing::info!(
                        raised = report.raised.len(),
                        "deadline sweep raised reminders and escalations"
                    );
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(error = %error.chain(), "sweeping deadlines"),
            }
        }
    });
    // SQLite has one writer: the process that serves also runs the analyses, one at a time.
    let (stop_worker, stopped) = tokio::sync::watch::channel(false);
    let embedded_worker = (app.db.backend() == orewatch_app::Backend::Sqlite).then(|| {
        tokio::spawn(orewatch_app::surveys::worker::run(
            app.clone(),
            format!("{sweep_holder}-worker"),
            stopped,
        ))
    });
    if config.checkpoints()?.is_some() {
        let signer = app.clone();
        let every = std::time::Duration::from_secs(config.checkpoint_minutes * 60);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            loop {
                interval.tick().await;
                if let Err(error) =
                    checkpoint::sign(&signer, &Caller::service(Service::Signer, "signer")).await
                {
                    tracing::error!(%error, "signing an audit checkpoint");
                }
            }
        });
    }
    let limits = orewatch_web::serve::ServeLimits {
        header_read_timeout: std::time::Duration::from_secs(config.header_read_seconds.max(1)),
        max_connections: config.max_http_connections,
    };
    orewatch_web::serve::serve(listener, router, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("服务运行")?;
    let _ = stop_worker.send(true);
    if let Some(worker) = embedded_worker {
        // A job in progress keeps its lease and is taken over when it expires.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), worker).await;
    }
    if let Err(error) = orewatch_app::tasks::release(&app, &sweep_holder).await {
        tracing::warn!(error = %error.chain(), "releasing the deadline sweep's lease");
    }
    // A last checkpoint at shutdown.
    if config.checkpoints()?.is_some() {
        if let Err(error) = checkpoint::sign(&app, &Caller::service(Service::Signer, "signer")).await {
            tracing::error!(%error, "signing the shutdown checkpoint");
        }
    }
    Ok(())
}
