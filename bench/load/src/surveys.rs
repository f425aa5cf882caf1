//! The survey scale run (`bench/surveys.sh`): `surveys-prepare` writes three flights of generated DEMs
//! for each of N mines of a seeded registry (the demo's generator: a pit deepening inside the licence,
//! a dig outside it); `surveys-upload` uploads them through the office's form, mine by mine in date
//! order, spread over several `orewatch serve` processes, so each later flight queues one analysis job.

use crate::login;
use anyhow::{bail, Context, Result};
use orewatch_app::{App, Db, DbOptions, Settings, SystemClock};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Days before today of the three flights.
const FLIGHTS: [i64; 3] = [200, 110, 20];

pub async fn prepare(database_url: &str, mines: usize, out: &Path) -> Result<()> {
    let db = Db::connect(database_url, &DbOptions { max_connections: 4 }).await?;
    let mut settings = Settings::default();
    orewatch_app::demo::apply_demo_prices(&mut settings);
    let app = App::new(db, Arc::new(SystemClock), settings)?;
    let today = orewatch_app::dashboard::china_today(chrono::Utc::now());
    let first = today - chrono::Duration::days(FLIGHTS[0]);
    let scenes = orewatch_app::demo::surveys::scenes(&app, first, today, mines).await?;
    if scenes.len() < mines {
        bail!(
            "only {} of the registry's mines can carry surveys; seed more (--registry-mines)",
            scenes.len()
        );
    }
    std::fs::create_dir_all(out)?;
    let mut manifest = String::new();
    let mut bytes = 0u64;
    for (mine, scene) in &scenes {
        for (stage, days) in FLIGHTS.iter().enumerate() {
            let flown_on = today - chrono::Duration::days(*days);
            let path = out.join(format!("mine{}-{flown_on}.tif", mine.0));
            orewatch_spatial::dem_writer::write_dem(
                &path,
                &scene.grid(),
                &scene.crs(),
                &scene.surface(stage),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            bytes += std::fs::metadata(&path)?.len();
            manifest.push_str(&format!("{}\t{flown_on}\t{}\n", mine.0, path.display()));
        }
    }
    std::fs::write(out.join("manifest.tsv"), manifest)?;
    eprintln!(
        "surveys: {} mines × {} flights, {:.1} MB of DEMs in {}",
        scenes.len(),
        FLIGHTS.len(),
        bytes as f64 / 1e6,
        out.display()
    );
    Ok(())
}

struct Flight {
    mine: i64,
    flown_on: String,
    path: String,
}

/// The CSRF token of a logged-in client's session, from a page's form.
async fn csrf_of(client: &reqwest::Client, url: &str) -> Result<String> {
    let page = client.get(url).send().await?.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).context("the page has no form")? + marker.len();
    Ok(page
        .get(start..)
        .unwrap_or("")
        .chars()
        .take_while(|c| *c != '"')
        .collect())
}

pub async fn upload(servers: &[String], manifest: &Path, username: &str, concurrency: usize) -> Result<()> {
    let text = std::fs::read_to_string(manifest)?;
    let mut by_mine: std::collections::BTreeMap<i64, Vec<Flight>> = Default::default();
    for line in text.lines() {
        let mut cols = line.split('\t');
        let (Some(mine), Some(flown_on), Some(path)) = (cols.next(), cols.next(), cols.next()) else {
            bail!("bad manifest line {line}");
        };
        let mine: i64 = mine.parse()?;
        by_mine.entry(mine).or_default().push(Flight {
            mine,
            flown_on: flown_on.to_string(),
            path: path.to_string(),
        });
    }
    // One logged-in office session per server.
    let mut clients = Vec::new();
    for base in servers {
        let client = login(base, username).await?;
        let first = by_mine.keys().next().context("empty manifest")?;
        let csrf = csrf_of(&client, &format!("{base}/mines/{first}/surveys")).await?;
        clients.push((base.clone(), client, csrf));
    }
    let clients = Arc::new(clients);
    let queue = Arc::new(tokio::sync::Mutex::new(by_mine.into_values().collect::<Vec<_>>()));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (clients, queue) = (clients.clone(), queue.clone());
        tasks.push(tokio::spawn(async move {
            let mut sent = 0usize;
            loop {
                let Some(flights) = queue.lock().await.pop() else {
                    break;
                };
                // A mine's flights in date order; each to the next server in turn.
                for flight in flights {
                    let (base, client, csrf) = clients
                        .get((worker + sent) % clients.len())
                        .context("no server")?;
                    let bytes = tokio::fs::read(&flight.path).await?;
                    let form = reqwest::multipart::Form::new()
                        .text("csrf", csrf.clone())
                        .text("flown_on", flight.flown_on.clone())
                        .text("contractor", "基准测试测绘院")
                        .text("method", "uav_photogrammetry")
                        .part(
                            "dem",
                            reqwest::multipart::Part::bytes(bytes)
                                .file_name(format!("mine{}-{}.tif", flight.mine, flight.flown_on))
                                .mime_str("image/tiff")?,
                        );
                    let response = client
                        .post(format!("{base}/mines/{}/surveys", flight.mine))
                        .multipart(form)
                        .send()
                        .await?;
                    if response.status() != reqwest::StatusCode::SEE_OTHER {
                        let status = response.status();
                        let body = response.text().await.unwrap_or_default();
                        let reason: String = body
                            .split("field-error\">")
                            .nth(1)
                            .map(|s| s.chars().take_while(|c| *c != '<').collect())
                            .unwrap_or_default();
                        bail!("mine {} {}: {status} {reason}", flight.mine, flight.flown_on);
                    }
                    sent += 1;
                }
            }
            anyhow::Ok(sent)
        }));
    }
    let mut sent = 0;
    for task in tasks {
        sent += task.await??;
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "uploaded {sent} surveys through {} servers in {secs:.1} s ({:.1} per s)",
        servers.len(),
        sent as f64 / secs
    );
    Ok(())
}

/// Writes one DEM of about `bytes` over the demo's first survey mine (its licence and margin at a fine
/// cell size, the demo's terrain sampled there), for the upload benchmark; prints the mine's id.
pub async fn big(database_url: &str, bytes: u64, out: &Path) -> Result<()> {
    let db = Db::connect(database_url, &DbOptions { max_connections: 2 }).await?;
    let mut settings = Settings::default();
    orewatch_app::demo::apply_demo_prices(&mut settings);
    let app = App::new(db, Arc::new(SystemClock), settings)?;
    let today = orewatch_app::dashboard::china_today(chrono::Utc::now());
    let scenes =
        orewatch_app::demo::surveys::scenes(&app, today - chrono::Duration::days(190), today, 1).await?;
    let (mine, scene) = scenes.first().context("the demo has no survey mine")?;
    let coarse = scene.grid();
    let cells = (bytes / 4) as f64;
    let cell =
        ((coarse.width as f64 * coarse.cell_x_m) * (coarse.height as f64 * coarse.cell_y_m) / cells).sqrt();
    let grid = orewatch_spatial::geotiff::GridGeometry {
        width: (coarse.width as f64 * coarse.cell_x_m / cell).floor() as usize,
        height: (coarse.height as f64 * coarse.cell_y_m / cell).floor() as usize,
        left_m: coarse.left_m,
        top_m: coarse.top_m,
        cell_x_m: cell,
        cell_y_m: cell,
    };
    // The demo's last surface, taken from its coarse grid cell by cell.
    let surface = scene.surface(3);
    let mut values = Vec::with_capacity(grid.width * grid.height);
    for r in 0..grid.height {
        let cr = ((r as f64 * cell) / coarse.cell_y_m) as usize;
        for c in 0..grid.width {
            let cc = ((c as f64 * cell) / coarse.cell_x_m) as usize;
            values.push(surface.get(cr * coarse.width + cc).copied().unwrap_or(f32::NAN));
        }
    }
    orewatch_spatial::dem_writer::write_dem(out, &grid, &scene.crs(), &values)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!(
        "{}: {} × {} cells of {:.4} m, {:.2} GB",
        out.display(),
        grid.width,
        grid.height,
        cell,
        std::fs::metadata(out)?.len() as f64 / 1e9
    );
    println!("{}", mine.0);
    Ok(())
}
