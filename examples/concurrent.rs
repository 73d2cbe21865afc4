//! Many requests at once through one shared client: the async example of Python's TLS
//! Requests, in Rust on smol.
//!
//! Each of N tasks (5 unless `-n N` says otherwise) sleeps a random 0.1 to 1.5 seconds, then
//! fetches its URL and reads the body; all of them run at the same time. Without URLs the
//! tasks fetch from an embedded HTTPS server with a self-signed certificate, which the client
//! is told to trust, so the example runs offline. With URLs, there is one task per URL.
//!
//! ```text
//! cargo run --example concurrent
//! cargo run --example concurrent -- -n 20
//! cargo run --example concurrent -- https://example.com/ https://www.rust-lang.org/
//! ```

#[path = "common/server.rs"]
mod server;

use std::error::Error;
use std::time::{Duration, Instant};

use tls_requests::{AsyncClient, Certificate, Response};

const USAGE: &str = "\
Usage: concurrent [-n N] [URL...]

Fetches every URL at once, each after a random sleep, with one shared client.
Without URLs, fetches N times (default 5) from an embedded HTTPS server.";

fn main() {
    if let Err(e) = smol::block_on(run()) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let Some((n, mut urls)) = parse_args()? else {
        println!("{USAGE}");
        return Ok(());
    };
    let mut builder = AsyncClient::builder().timeout(Duration::from_secs(30));
    if urls.is_empty() {
        let server = server::start(true)?;
        let pem = server.cert_pem.unwrap_or_default();
        for cert in Certificate::from_pem(pem.as_bytes())? {
            builder = builder.add_root_certificate(cert);
        }
        urls = vec![format!("{}/", server.url); n];
    }
    let client = builder.build()?;

    let tasks: Vec<_> = urls
        .into_iter()
        .enumerate()
        .map(|(idx, url)| smol::spawn(fetch(client.clone(), idx, url)))
        .collect();
    let mut responses = Vec::with_capacity(tasks.len());
    for task in tasks {
        responses.push(task.await?);
    }
    println!("{responses:?}");
    Ok(())
}

/// Sleeps a random while, then fetches `url` and reads its body, so the connection goes
/// back to the pool for the other tasks.
async fn fetch(client: AsyncClient, idx: usize, url: String) -> tls_requests::Result<Response> {
    let secs = 0.1 + fastrand::f64() * 1.4;
    let start = Instant::now();
    println!("{idx}: Sleep for {secs:.2} seconds.");
    smol::Timer::after(Duration::from_secs_f64(secs)).await;
    let mut response = client.get(&url).await?;
    while response.chunk().await?.is_some() {}
    println!("{idx}: Took: {:.2}", start.elapsed().as_secs_f64());
    Ok(response)
}

/// `-n N` and the URLs, or `None` for `--help`.
fn parse_args() -> Result<Option<(usize, Vec<String>)>, String> {
    let mut n = 5;
    let mut urls = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|a| format!("{a:?} is not UTF-8"))?;
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "-n" => {
                let value = args.next().ok_or("-n needs a number")?;
                n = value
                    .to_str()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("-n needs a number, not {value:?}"))?;
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ => urls.push(arg),
        }
    }
    Ok(Some((n, urls)))
}
