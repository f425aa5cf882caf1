//! `import`: one large workbook uploaded through `/registry/import` as the office would, while other
//! clients keep logging in. Prints the import's wall time and the logins' latency: the targets
//! are 90,000 records in under 10 s, and logins that keep succeeding with p99 under 1 s.

use crate::login;
use anyhow::{bail, Context, Result};
use hdrhistogram::Histogram;
use orewatch_app::registry::{sample, workbook};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub async fn run(
    base: &str,
    records: usize,
    permits_per_mine: usize,
    login_clients: usize,
    pause_ms: u64,
    label: &str,
) -> Result<()> {
    // A mine brings a licence, its permits and half a company.
    let per_mine = 2.0 + permits_per_mine as f64 + 0.5;
    let mines = (records as f64 / per_mine).round() as usize;
    let today = orewatch_app::dashboard::china_today(chrono::Utc::now());
    let s = sample::generate(mines, permits_per_mine, today);
    let total = s.companies.len() + s.mines.len() + s.licences.len() + s.permits.len();
    let bytes = workbook::build(&s.companies, &s.mines, &s.licences, &s.permits)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    eprintln!("workbook: {total} records, {:.1} MB", bytes.len() as f64 / 1e6);

    let office = login(base, "bench002").await?;
    let page = office
        .get(format!("{base}/registry/import"))
        .send()
        .await?
        .text()
        .await?;
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).context("the import page has no form")? + marker.len();
    let csrf: String = page
        .get(start..)
        .unwrap_or("")
        .chars()
        .take_while(|c| *c != '"')
        .collect();

    // Logins all through the import (odd bench accounts, command leaders).
    let importing = Arc::new(AtomicBool::new(true));
    let mut tasks = Vec::new();
    for c in 0..login_clients {
        let (base, importing) = (base.to_string(), importing.clone());
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
            let mut failed = 0_u64;
            let username = format!("bench{:03}", 2 * c + 1);
            while importing.load(Ordering::Relaxed) {
                let t0 = Instant::now();
                match login(&base, &username).await {
                    Ok(_) => h.record(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX).max(1))?,
                    _ => failed += 1,
                }
                if pause_ms > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(pause_ms)).await;
                }
            }
            anyhow::Ok((h, failed))
        }));
    }
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(bytes)
            .file_name("bench.xlsx")
            .mime_str("application/octet-stream")?,
    );
    let t0 = Instant::now();
    let response = office
        .post(format!("{base}/registry/import"))
        .multipart(form)
        .send()
        .await?;
    let status = response.status();
    let body = response.text().await?;
    let took = t0.elapsed().as_secs_f64();
    importing.store(false, Ordering::Relaxed);
    let mut logins = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let mut failed = 0;
    for task in tasks {
        let (h, f) = task.await??;
        logins.add(h)?;
        failed += f;
    }
    if !status.is_success() || !body.contains("id=\"import-done\"") {
        let start = body.find("notice").unwrap_or(0);
        bail!(
            "the import failed ({status}): {}",
            body.get(start..start + 600).unwrap_or(&body)
        );
    }
    let ms = |q: f64| logins.value_at_quantile(q) as f64 / 1000.0;
    println!("{label}: import of {total} records ({mines} mines) through /registry/import: {took:.2} s");
    println!(
        "{label}: {login_clients} clients logging in meanwhile (each again {pause_ms} ms after the last): {} logins, {failed} failed, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        logins.len(),
        ms(0.5),
        ms(0.99),
        logins.max() as f64 / 1000.0
    );
    Ok(())
}
