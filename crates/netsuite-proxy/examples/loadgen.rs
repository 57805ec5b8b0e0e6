//! A small closed-loop HTTP load generator for `benches/proxy.sh`: N connections,
//! each sending its next request when the last answer has been read whole; per
//! request latency percentiles and throughput as one JSON line.
//!
//! ```text
//! loadgen --url URL [--method POST] [--body JSON] [-H 'Name: value']...
//!         [--connections 16] [--requests 4000] [--warmup 200]
//! ```

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

struct Args {
    url: String,
    method: reqwest::Method,
    body: Option<String>,
    headers: HeaderMap,
    connections: usize,
    requests: usize,
    warmup: usize,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        url: String::new(),
        method: reqwest::Method::GET,
        body: None,
        headers: HeaderMap::new(),
        connections: 1,
        requests: 1000,
        warmup: 100,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = value()?,
            "--method" => {
                a.method =
                    reqwest::Method::from_bytes(value()?.as_bytes()).map_err(|e| e.to_string())?
            }
            "--body" => a.body = Some(value()?),
            "-H" | "--header" => {
                let h = value()?;
                let (k, v) = h
                    .split_once(':')
                    .ok_or(format!("{h:?} is not Name: value"))?;
                a.headers.append(
                    HeaderName::from_bytes(k.trim().as_bytes()).map_err(|e| e.to_string())?,
                    HeaderValue::from_str(v.trim()).map_err(|e| e.to_string())?,
                );
            }
            "--connections" => a.connections = value()?.parse().map_err(|_| "--connections")?,
            "--requests" => a.requests = value()?.parse().map_err(|_| "--requests")?,
            "--warmup" => a.warmup = value()?.parse().map_err(|_| "--warmup")?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.url.is_empty() {
        return Err("--url is required".into());
    }
    Ok(a)
}

async fn one(client: &reqwest::Client, a: &Args) -> Result<(Duration, usize), String> {
    let started = Instant::now();
    let mut req = client
        .request(a.method.clone(), &a.url)
        .headers(a.headers.clone());
    if let Some(b) = &a.body {
        req = req
            .header("content-type", "application/json")
            .body(b.clone());
    }
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    }
    Ok((started.elapsed(), body.len()))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let a = match parse() {
        Ok(a) => std::sync::Arc::new(a),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let per = a.requests.div_ceil(a.connections);
    let warm = a.warmup.div_ceil(a.connections);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(a.connections + 1));
    let mut tasks = Vec::new();
    for _ in 0..a.connections {
        let a = std::sync::Arc::clone(&a);
        let barrier = std::sync::Arc::clone(&barrier);
        tasks.push(tokio::spawn(async move {
            // One keep-alive connection per task.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .tcp_nodelay(true)
                .build()
                .map_err(|e| e.to_string())?;
            let mut warmed = Ok((Duration::ZERO, 0));
            for _ in 0..warm {
                warmed = one(&client, &a).await;
                if warmed.is_err() {
                    break;
                }
            }
            // Everyone starts measuring together, even a task that failed.
            barrier.wait().await;
            warmed?;
            let mut lat = Vec::with_capacity(per);
            let mut bytes = 0usize;
            for _ in 0..per {
                let (d, n) = one(&client, &a).await?;
                lat.push(d);
                bytes += n;
            }
            Ok::<_, String>((lat, bytes))
        }));
    }
    barrier.wait().await;
    let started = Instant::now();
    let mut all = Vec::new();
    let mut bytes = 0;
    for t in tasks {
        match t.await {
            Ok(Ok((lat, n))) => {
                all.extend(lat);
                bytes += n;
            }
            Ok(Err(e)) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort();
    println!(
        "{}",
        serde_json::json!({
            "connections": a.connections,
            "requests": all.len(),
            "p50_ms": percentile(&all, 0.50),
            "p99_ms": percentile(&all, 0.99),
            "mean_ms": all.iter().map(Duration::as_secs_f64).sum::<f64>() * 1e3 / all.len() as f64,
            "throughput_rps": all.len() as f64 / wall,
            "bytes_per_response": bytes / all.len().max(1),
        })
    );
}
