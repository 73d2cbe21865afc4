//! `soak`: a long keep-alive run with the process's memory sampled, then a burst of many
//! concurrent requests through a small per-host connection limit. A benchmark, not a test:
//! run it against a real server, for example the peerbench nginx (`../shared/peerbench`,
//! `./serve.sh start`).
//!
//! ```text
//! cargo run --release --example soak -- http://127.0.0.1:18080/small
//! cargo run --release --example soak -- https://localhost:18443/small --ca certs/ca.pem \
//!     --requests 1000000 --concurrency 64 --burst 10000 --limit 64
//! ```
//!
//! It prints the resident memory (VmRSS) every twentieth of the run, the growth after
//! warm-up (the first tenth), the errors, and then the burst's time and errors. The exit status
//! is 1 on any error, and also when RSS after warm-up rises more than `--max-growth` KiB
//! (default 2048) above its value at the end of warm-up: over 200,000 requests that is 11.6
//! bytes a request, less than the smallest allocation, so one allocation leaked per request
//! fails the run, while the allocator's own drift stays far under it (`RELIABILITY.md` has
//! the figures). `.ci/run` runs a shortened soak this way.
//!
//! The clients run with 30 s connect and read timeouts, set here whatever the defaults are,
//! so that every request arms and disarms the timers as a default client's do.

use std::cell::Cell;
use std::time::{Duration, Instant};

use tls_requests::{AsyncClient, Certificate};

struct Opts {
    url: String,
    ca: Option<String>,
    requests: usize,
    concurrency: usize,
    burst: usize,
    limit: usize,
    max_growth_kib: u64,
}

fn main() {
    let opts = match parse() {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let (errors, growth) = soak(&opts);
    let errors = errors + burst(&opts);
    let grew = growth > opts.max_growth_kib as i64;
    if grew {
        eprintln!(
            "error: RSS grew {growth} KiB after warm-up, more than --max-growth {} KiB",
            opts.max_growth_kib
        );
    }
    if errors > 0 || grew {
        std::process::exit(1);
    }
}

fn client(opts: &Opts, limit: Option<usize>) -> AsyncClient {
    let timeout = Duration::from_secs(30);
    let mut builder = AsyncClient::builder()
        .connect_timeout(timeout)
        .read_timeout(timeout);
    if let Some(path) = &opts.ca {
        let pem = std::fs::read(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
        for cert in Certificate::from_pem(&pem).unwrap_or_else(|e| fail(&e.to_string())) {
            builder = builder.add_root_certificate(cert);
        }
    }
    if let Some(limit) = limit {
        builder = builder.max_connections_per_host(limit);
    }
    builder.build().unwrap_or_else(|e| fail(&e.to_string()))
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(2)
}

/// Resident memory of this process, KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// N keep-alive requests, C at a time on one thread, memory sampled as they go. Returns the
/// errors and how far RSS rose after warm-up: the highest sample after it less the sample
/// that ends it, in KiB.
fn soak(opts: &Opts) -> (u64, i64) {
    let client = client(opts, None);
    let (started_requests, done, errors) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0u64));
    let samples = std::cell::RefCell::new(Vec::new());
    let step = (opts.requests / 20).max(1);
    let started = Instant::now();
    // The executor (and its tasks' borrows) ends before the counters are read.
    let executor = smol::LocalExecutor::new();
    smol::block_on(executor.run(async {
        let tasks: Vec<_> = (0..opts.concurrency)
            .map(|_| {
                executor.spawn(async {
                    while started_requests.get() < opts.requests {
                        started_requests.set(started_requests.get() + 1);
                        let outcome = async { client.get(&opts.url).await?.bytes().await }.await;
                        if let Err(e) = outcome {
                            if errors.get() == 0 {
                                eprintln!("first error: {e}");
                            }
                            errors.set(errors.get() + 1);
                        }
                        done.set(done.get() + 1);
                        if done.get() % step == 0 {
                            samples.borrow_mut().push((done.get(), rss_kib()));
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
    }));
    drop(executor);
    let secs = started.elapsed().as_secs_f64();
    let samples = samples.into_inner();
    println!(
        "soak: {} requests, concurrency {}, {secs:.1} s, {:.0} rps",
        opts.requests,
        opts.concurrency,
        opts.requests as f64 / secs
    );
    for (n, rss) in &samples {
        println!("  after {n:>8} requests: RSS {rss} KiB");
    }
    let warm = samples.get(1).map_or(0, |s| s.1);
    let last = samples.last().map_or(0, |s| s.1);
    let max = samples.iter().skip(1).map(|s| s.1).max().unwrap_or(0);
    let growth = max as i64 - warm as i64;
    println!(
        "soak: RSS after warm-up {warm} KiB, at the end {last} KiB, highest {max} KiB (growth {growth} KiB, at the end {} KiB); errors {}",
        last as i64 - warm as i64,
        errors.get()
    );
    (errors.get(), growth)
}

/// M requests at once from M tasks through a per-host limit of L connections.
fn burst(opts: &Opts) -> u64 {
    if opts.burst == 0 {
        return 0;
    }
    let client = client(opts, Some(opts.limit));
    let started = Instant::now();
    let errors: u64 = smol::block_on(async {
        let tasks: Vec<_> = (0..opts.burst)
            .map(|_| {
                let (client, url) = (client.clone(), opts.url.clone());
                smol::spawn(async move {
                    async { client.get(&url).await?.bytes().await }
                        .await
                        .is_err() as u64
                })
            })
            .collect();
        let mut errors = 0;
        for task in tasks {
            errors += task.await;
        }
        errors
    });
    println!(
        "burst: {} concurrent requests through {} connections: {:.2} s, errors {errors}, RSS {} KiB",
        opts.burst,
        opts.limit,
        started.elapsed().as_secs_f64(),
        rss_kib()
    );
    errors
}

fn parse() -> Result<Opts, String> {
    let mut o = Opts {
        url: String::new(),
        ca: None,
        requests: 1_000_000,
        concurrency: 64,
        burst: 10_000,
        limit: 64,
        max_growth_kib: 2048,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("{a}: not a number: {v}"))
        };
        match a.as_str() {
            "--ca" => o.ca = Some(value(&a)?),
            "--requests" => o.requests = number(value(&a)?)?,
            "--concurrency" => o.concurrency = number(value(&a)?)?.max(1),
            "--burst" => o.burst = number(value(&a)?)?,
            "--limit" => o.limit = number(value(&a)?)?.max(1),
            "--max-growth" => o.max_growth_kib = number(value(&a)?)? as u64,
            url if !url.starts_with('-') && o.url.is_empty() => o.url = url.to_owned(),
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    if o.url.is_empty() {
        return Err(
            "usage: soak URL [--ca FILE] [--requests N] [--concurrency C] [--burst M] [--limit L] \
             [--max-growth KIB]"
                .into(),
        );
    }
    Ok(o)
}
