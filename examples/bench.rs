//! `bench`: our side of the peerbench contract (`../shared/peerbench/README.md`, "Comparing an
//! external client"), so our figures stand beside reqwest's, hyper's and the rest from one run.
//!
//! It sends N GETs with C in flight over keep-alive connections, after W untimed warm-up
//! requests through the same client, reads every body, and prints one final line:
//!
//! ```text
//! client=NAME requests=N concurrency=C secs=S rps=R p50_us=X p99_us=Y bytes=B errors=E
//! ```
//!
//! Clients: `tls-requests` (the async client, default profile, HTTP/1.1, C tasks on one smol
//! thread) and `tls-requests-blocking` (the blocking client on C threads). With `--alloc` it
//! also prints, on stderr, the heap allocations per measured request (a counting allocator),
//! then the heap bytes each idle pooled connection keeps: what `close()` frees, divided by
//! the connections it closed, with the freed allocations by size.
//!
//! ```text
//! cargo run --release --example bench -- --client tls-requests --url http://127.0.0.1:18080/small \
//!     --requests 20000 --concurrency 64 --warmup 1000
//! EXTRA_BIN=$PWD/target/release/examples/bench EXTRA_CLIENTS="tls-requests tls-requests-blocking" ./run.sh
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tls_requests::{AsyncClient, Certificate, Url};

/// The system allocator, counting allocations and live bytes (for `--alloc`; without it
/// each call pays one relaxed load).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// Bytes requested and not yet freed since counting began (wrapping; only differences mean
/// anything).
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// While set, frees are also tallied by size, to see what closing connections frees.
static TALLY_FREES: AtomicBool = AtomicBool::new(false);
/// Frees by exact size, while tallied; the last entry takes every larger size.
static FREED: [AtomicU64; 16 * 1024 + 1] = [const { AtomicU64::new(0) }; 16 * 1024 + 1];
/// Bytes of the frees in the last entry of [`FREED`].
static FREED_LARGE_BYTES: AtomicU64 = AtomicU64::new(0);

fn tally_free(size: usize) {
    FREED[size.min(FREED.len() - 1)].fetch_add(1, Ordering::Relaxed);
    if size >= FREED.len() - 1 {
        FREED_LARGE_BYTES.fetch_add(size as u64, Ordering::Relaxed);
    }
}

// The one `unsafe` of the project: a global allocator cannot be written without it. It only
// counts and forwards to the system allocator, under the same contract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            if TALLY_FREES.load(Ordering::Relaxed) {
                tally_free(layout.size());
            }
        }
        // SAFETY: `ptr` came from `System` through `alloc` or `realloc` above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; `ptr` came from `System`.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if COUNTING.load(Ordering::Relaxed) && !moved.is_null() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            LIVE.fetch_add(new_size.wrapping_sub(layout.size()), Ordering::Relaxed);
        }
        moved
    }
}

fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const CLIENTS: [&str; 2] = ["tls-requests", "tls-requests-blocking"];
const USAGE: &str = "usage: bench --client NAME --url URL --requests N --concurrency C \
[--body-sink] [--insecure] [--ca FILE] [--threads T] [--warmup W] [--alloc] [--fresh] [--http2]\n       bench --list";

#[derive(Clone, Debug, Default)]
struct Opts {
    client: String,
    /// Parsed once and cloned per request, as the peers do.
    url: Option<Url>,
    requests: usize,
    concurrency: usize,
    warmup: usize,
    body_sink: bool,
    insecure: bool,
    ca: Option<String>,
    alloc: bool,
    /// Every request on a new connection: no connection kept idle.
    fresh: bool,
}

impl Opts {
    fn url(&self) -> &Url {
        self.url.as_ref().expect("parse_args requires --url")
    }
}

/// Latencies, bytes and errors of one phase.
#[derive(Default)]
struct Stats {
    lats_us: Vec<u32>,
    bytes: u64,
    errors: u64,
    first_error: Option<String>,
}

impl Stats {
    fn merge(&mut self, other: Stats) {
        self.lats_us.extend(other.lats_us);
        self.bytes += other.bytes;
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
    }

    fn record(&mut self, started: Instant, outcome: Result<u64, String>) {
        match outcome {
            Ok(bytes) => {
                self.bytes += bytes;
                self.lats_us
                    .push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    COUNTING.store(opts.alloc, Ordering::Relaxed);
    let client = match build_client(&opts) {
        Ok(client) => client,
        Err(e) => {
            eprintln!("bench: {}: {e}", opts.client);
            return ExitCode::from(1);
        }
    };
    let phase = |n: usize| match opts.client.as_str() {
        "tls-requests" => run_async(&client, &opts, n),
        _ => run_blocking(&client, &opts, n),
    };
    if opts.warmup > 0 {
        let (_, warm) = phase(opts.warmup);
        if let Some(e) = warm.first_error {
            eprintln!(
                "bench: {}: warm-up had {} errors, first: {e}",
                opts.client, warm.errors
            );
        }
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let (elapsed, stats) = phase(opts.requests);
    if opts.alloc {
        let per_request =
            (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / opts.requests as f64;
        eprintln!(
            "bench: {}: allocations per request: {per_request:.1}",
            opts.client
        );
        idle_bytes(&opts, client);
    }
    report(&opts, elapsed, stats)
}

/// After the measured phase every connection is idle in the pool, so the live heap bytes
/// that [`AsyncClient::close`] frees (it shuts down and drops idle connections only) are
/// what the idle connections kept. Every response and task is gone by then, and an idle
/// connection has no timer armed. (No sleep to let the reactor settle either: its timer
/// map would reallocate a node, 456 bytes, on one side only.) Open descriptors are counted
/// too: the quotient is per connection actually closed.
fn idle_bytes(opts: &Opts, client: AsyncClient) {
    let name = &opts.client;
    // A fresh client's own bytes, to tell apart what the client keeps after `close`.
    let start = live_bytes();
    let fresh = build_client(opts).ok();
    let fresh_bytes = live_bytes().wrapping_sub(start);
    drop(fresh);
    let fds = open_fds();
    let held = live_bytes();
    TALLY_FREES.store(true, Ordering::Relaxed);
    smol::block_on(client.close());
    TALLY_FREES.store(false, Ordering::Relaxed);
    let after = live_bytes();
    let closed = match (fds, open_fds()) {
        (Some(before), Some(now)) => before.saturating_sub(now),
        _ => opts.concurrency,
    };
    drop(client);
    let kept = after.wrapping_sub(live_bytes()) as isize - fresh_bytes as isize;
    let freed = held.wrapping_sub(after) as isize;
    let per = |bytes: f64| bytes / closed.max(1) as f64;
    eprintln!(
        "bench: {name}: heap bytes per idle pooled connection: {:.0} ({freed} freed by close() \
         for {closed} connections closed, of C={})",
        per(freed as f64),
        opts.concurrency
    );
    if closed != opts.concurrency {
        eprintln!(
            "bench: {name}: warning: close() closed {closed} connections, not C={}",
            opts.concurrency
        );
    }
    // What the idle connections held, by allocation size, largest share first (with the
    // few transient allocations of `close` itself, such as the list of connections).
    let large = FREED_LARGE_BYTES.load(Ordering::Relaxed);
    let mut sizes: Vec<(usize, u64, u64)> = FREED
        .iter()
        .enumerate()
        .map(|(size, count)| {
            let count = count.load(Ordering::Relaxed);
            let bytes = if size == FREED.len() - 1 {
                large
            } else {
                size as u64 * count
            };
            (size, count, bytes)
        })
        .filter(|&(_, _, bytes)| per(bytes as f64) >= 32.0)
        .collect();
    sizes.sort_by_key(|&(_, _, bytes)| std::cmp::Reverse(bytes));
    let sizes: Vec<String> = sizes
        .iter()
        .map(|&(size, count, bytes)| match size == FREED.len() - 1 {
            true => format!(
                "{size}+ B (avg {}) x{:.2}",
                bytes / count.max(1),
                per(count as f64)
            ),
            false => format!("{size} B x{:.2}", per(count as f64)),
        })
        .collect();
    eprintln!(
        "bench: {name}: freed by close() per connection, by size: {}",
        sizes.join(", ")
    );
    eprintln!(
        "bench: {name}: heap bytes the client keeps past close() beyond a fresh client's \
         {fresh_bytes}: {kept}, {:.0} per connection (pool and reactor lists, TLS session cache)",
        per(kept as f64)
    );
}

/// Open file descriptors of this process (Linux).
fn open_fds() -> Option<usize> {
    std::fs::read_dir("/proc/self/fd").ok().map(Iterator::count)
}

fn build_client(opts: &Opts) -> Result<AsyncClient, String> {
    let mut builder = AsyncClient::builder().danger_accept_invalid_certs(opts.insecure);
    if opts.fresh {
        builder = builder.pool_max_idle_per_host(0);
    }
    if let Some(path) = &opts.ca {
        let pem = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        for cert in Certificate::from_pem(&pem).map_err(|e| e.to_string())? {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| e.to_string())
}

/// One request: its body read to the end, collected or (with `--body-sink`) dropped.
async fn fetch(client: &AsyncClient, url: &Url, sink: bool) -> Result<u64, String> {
    let mut response = client.get(url.clone()).await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("status {}", response.status()));
    }
    if sink {
        let mut n = 0;
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            n += chunk.len() as u64;
        }
        Ok(n)
    } else {
        Ok(response.bytes().await.map_err(|e| e.to_string())?.len() as u64)
    }
}

/// `n` requests from C tasks on one thread's executor.
fn run_async(client: &AsyncClient, opts: &Opts, n: usize) -> (Duration, Stats) {
    let tickets = AtomicUsize::new(0);
    let executor = smol::LocalExecutor::new();
    let url = opts.url();
    let started = Instant::now();
    let stats = smol::block_on(executor.run(async {
        let tasks: Vec<_> = (0..opts.concurrency)
            .map(|_| {
                executor.spawn(async {
                    let mut stats = Stats::default();
                    while tickets.fetch_add(1, Ordering::Relaxed) < n {
                        let t = Instant::now();
                        stats.record(t, fetch(client, url, opts.body_sink).await);
                    }
                    stats
                })
            })
            .collect();
        let mut all = Stats::default();
        for task in tasks {
            all.merge(task.await);
        }
        all
    }));
    (started.elapsed(), stats)
}

/// `n` requests from C threads sharing one blocking client.
fn run_blocking(client: &AsyncClient, opts: &Opts, n: usize) -> (Duration, Stats) {
    let client = tls_requests::blocking::Client::from(client.clone());
    let tickets = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..opts.concurrency)
        .map(|_| {
            let (client, tickets, url, sink) = (
                client.clone(),
                tickets.clone(),
                opts.url().clone(),
                opts.body_sink,
            );
            std::thread::spawn(move || {
                let mut stats = Stats::default();
                while tickets.fetch_add(1, Ordering::Relaxed) < n {
                    let t = Instant::now();
                    let outcome = (|| {
                        let mut r = client.get(url.clone()).send().map_err(|e| e.to_string())?;
                        if !r.status().is_success() {
                            return Err(format!("status {}", r.status()));
                        }
                        if sink {
                            let mut n = 0;
                            while let Some(chunk) = r.chunk().map_err(|e| e.to_string())? {
                                n += chunk.len() as u64;
                            }
                            Ok(n)
                        } else {
                            Ok(r.bytes().map_err(|e| e.to_string())?.len() as u64)
                        }
                    })();
                    stats.record(t, outcome);
                }
                stats
            })
        })
        .collect();
    let mut all = Stats::default();
    for t in threads {
        match t.join() {
            Ok(stats) => all.merge(stats),
            Err(_) => all.record(Instant::now(), Err("a thread panicked".into())),
        }
    }
    (started.elapsed(), all)
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(opts: &Opts, elapsed: Duration, mut stats: Stats) -> ExitCode {
    stats.lats_us.sort_unstable();
    let secs = elapsed.as_secs_f64();
    let rps = if secs > 0.0 {
        opts.requests as f64 / secs
    } else {
        0.0
    };
    if let Some(e) = &stats.first_error {
        eprintln!(
            "bench: {}: {} errors, first: {e}",
            opts.client, stats.errors
        );
    }
    println!(
        "client={} requests={} concurrency={} secs={secs:.3} rps={rps:.1} p50_us={} p99_us={} bytes={} errors={}",
        opts.client,
        opts.requests,
        opts.concurrency,
        percentile(&stats.lats_us, 50.0),
        percentile(&stats.lats_us, 99.0),
        stats.bytes,
        stats.errors
    );
    if stats.errors > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

fn parse_args() -> Result<Opts, String> {
    let mut args = std::env::args().skip(1);
    let mut o = Opts {
        concurrency: 1,
        ..Opts::default()
    };
    let value = |args: &mut dyn Iterator<Item = String>, flag: &str| {
        args.next().ok_or(format!("{flag} needs a value"))
    };
    let number = |s: String, flag: &str| {
        s.parse::<usize>()
            .map_err(|_| format!("{flag}: not a number: {s}"))
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--client" => o.client = value(&mut args, &a)?,
            "--url" => {
                let url = value(&mut args, &a)?;
                o.url = Some(Url::parse(&url).map_err(|e| format!("--url {url}: {e}"))?);
            }
            "--requests" | "-n" => o.requests = number(value(&mut args, &a)?, &a)?,
            "--concurrency" | "-c" => o.concurrency = number(value(&mut args, &a)?, &a)?,
            "--warmup" => o.warmup = number(value(&mut args, &a)?, &a)?,
            // Accepted for the contract; the async client runs on one thread, the blocking
            // one on C threads.
            "--threads" => drop(value(&mut args, &a)?),
            "--body-sink" => o.body_sink = true,
            "--alloc" => o.alloc = true,
            "--fresh" => o.fresh = true,
            "--http2" => {
                // peerbench's contract: a client that cannot honour it says so and exits 4.
                eprintln!("bench: tls-requests speaks HTTP/1.1 only for now: no --http2");
                std::process::exit(4);
            }
            "--insecure" | "-k" => o.insecure = true,
            "--ca" => o.ca = Some(value(&mut args, &a)?),
            "--list" => {
                CLIENTS.iter().for_each(|c| println!("{c}"));
                std::process::exit(0);
            }
            "-h" | "--help" => {
                println!("{USAGE}\nclients: {}", CLIENTS.join(" "));
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument: {other}\n{USAGE}")),
        }
    }
    if !CLIENTS.contains(&o.client.as_str()) {
        return Err(format!(
            "unknown client {:?}; clients: {}\n{USAGE}",
            o.client,
            CLIENTS.join(" ")
        ));
    }
    if o.url.is_none() || o.requests == 0 || o.concurrency == 0 {
        return Err(USAGE.to_owned());
    }
    Ok(o)
}
