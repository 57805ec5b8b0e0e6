//! What a lease of the shared governor costs: acquire + release against a Redis,
//! one after the other, with the median and the 99th percentile.
//!
//! ```text
//! redis-server --port 6399 --save '' &
//! cargo run --release -p netsuite-client --example governor_lease -- redis://127.0.0.1:6399/0 5000
//! ```

use std::time::{Duration, Instant};

use netsuite_client::Governor;
use netsuite_client::governance::SharedOptions;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379/0".into());
    let rounds: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(5000);
    let governor = Governor::shared(SharedOptions::new(url, "bench"))?;
    // Connect and load the scripts first.
    let first = governor.acquire().await?;
    if !first.is_lease() {
        return Err("Redis cannot be reached".into());
    }
    first.release().await;
    let mut took: Vec<Duration> = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let permit = governor.acquire().await?;
        permit.release().await;
        took.push(started.elapsed());
    }
    took.sort();
    let at = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize];
    println!(
        "lease acquire + release, {rounds} rounds: median {:.3} ms, p99 {:.3} ms",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3
    );
    Ok(())
}
