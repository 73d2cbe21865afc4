//! `fingerprint`: the TLS ClientHello a profile sends, beside the real browser's.
//!
//! It points the client at a local listener that records the hello and hangs up, parses it,
//! and prints every field, JA3, JA4 and JA4_r, next to the same rows of the browser's
//! capture in `../shared/refdata` (Chrome and Firefox; the other profiles have no capture
//! there). The client then retries with the profile's fallback configuration, whose hello is
//! printed too.
//!
//! ```text
//! cargo run --example fingerprint                 # chrome
//! cargo run --example fingerprint -- firefox
//! cargo run --example fingerprint -- --list
//! ```

#[path = "common/clienthello.rs"]
mod clienthello;

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use clienthello::ClientHello;
use tls_requests::{AsyncClient, Profile};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {}", e.replace('\n', " "));
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let arg = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "chrome".to_owned());
    if arg == "--list" || arg == "-l" {
        Profile::list().iter().for_each(|name| println!("{name}"));
        return Ok(());
    }
    let profile = Profile::by_name(&arg).map_err(|e| e.to_string())?;
    let name = profile.name().to_owned();
    let hellos = capture(profile)?;
    let browser = browser_hello(&name)?;

    let ours = hellos[0].describe();
    let theirs = browser.as_ref().map(|(_, hello)| hello.describe());
    let label = browser
        .as_ref()
        .map_or("browser (no capture in refdata)", |(file, _)| file.as_str());
    println!("profile {name}: our first ClientHello beside {label}\n");
    for (i, (field, value)) in ours.iter().enumerate() {
        let other = theirs.as_ref().map_or("", |rows| rows[i].1.as_str());
        let mark = if theirs.is_none() {
            " "
        } else if value == other {
            "="
        } else {
            "≠"
        };
        println!("{mark} {field:<24} ours:    {value}");
        if theirs.is_some() && value != other {
            println!("  {:<24} browser: {other}", "");
        }
    }
    if let Some(retry) = hellos.get(1) {
        println!(
            "\nthe fallback retry: JA4 {} (TLS {:x?})",
            retry.ja4(),
            retry.supported_versions
        );
    }
    Ok(())
}

/// The hellos of one request: the fingerprint one, then the fallback retry.
fn capture(profile: Profile) -> Result<Vec<ClientHello>, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let recorder = std::thread::spawn(move || -> Result<Vec<ClientHello>, String> {
        let mut hellos = Vec::new();
        for _ in 0..2 {
            let (mut conn, _) = listener.accept().map_err(|e| e.to_string())?;
            conn.set_read_timeout(Some(Duration::from_secs(5)))
                .map_err(|e| e.to_string())?;
            let (mut bytes, mut buf) = (Vec::new(), [0u8; 4096]);
            loop {
                let n = conn.read(&mut buf).map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("the client closed before a whole ClientHello".into());
                }
                bytes.extend_from_slice(&buf[..n]);
                if let Ok(hello) = clienthello::parse(&bytes) {
                    hellos.push(hello);
                    break;
                }
            }
        }
        Ok(hellos)
    });
    let client = AsyncClient::builder()
        .profile(profile)
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    // Fails by design: the listener hangs up after reading each hello.
    let _ = smol::block_on(client.get(format!("https://localhost:{port}/")).send());
    recorder
        .join()
        .map_err(|_| "the recorder panicked".to_owned())?
}

/// The reference capture of the browser a profile imitates, if refdata has one.
fn browser_hello(profile: &str) -> Result<Option<(String, ClientHello)>, String> {
    let file = match profile.split('_').next() {
        Some("chrome") | Some("edge") => "tls/chrome-run1-1.bin",
        Some("firefox") => "tls/firefox-run1-1.bin",
        _ => return Ok(None),
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/refdata")
        .join(file);
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(None);
    };
    let hello = clienthello::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some((format!("refdata/{file}"), hello)))
}
