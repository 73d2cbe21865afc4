//! The fuzz targets in `cargo test`: every input under `fuzz/regressions/TARGET/` (a bug the
//! fuzzer found, now fixed) and `fuzz/seeds/TARGET/` goes through the target's own function
//! (`fuzz/src/targets.rs`, compiled in here with its helpers), so its invariants are checked
//! without cargo-fuzz; a regression must also give the outcome documented below.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

#[path = "../../fuzz/src/lib.rs"]
pub mod harness;

use harness::targets;

/// What each regression input decodes to, as `fuzz/README.md` ("Bugs found, now fixed") says:
/// the same for every feeding, which the target asserts.
const REGRESSIONS: &[(&str, &str, &str)] = &[
    // Bug 1: a bare CR among the empty lines before a head is not HTTP, however it is split.
    ("response_head", "leading-bare-cr-prefix-error", "NotHttp"),
    (
        "response_stream",
        "leading-bare-cr-incomplete-head",
        "NotHttp",
    ),
    ("response_stream", "leading-bare-cr-split-error", "NotHttp"),
    (
        "response_stream",
        "leading-bare-cr-split-error-found",
        "NotHttp",
    ),
    // Bug 2: a trailer section over 16 KiB is refused even when it arrives in one read.
    (
        "chunked_body",
        "trailer-over-16k-in-one-read",
        "InvalidTrailers",
    ),
];

const TARGETS: [&str; 4] = [
    "response_head",
    "chunked_body",
    "response_stream",
    "request_input",
];

fn fuzz_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(sub)
}

/// The files of `fuzz/<sub>/<target>/`, sorted; none if the directory does not exist.
fn inputs(sub: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir(sub).join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

/// Runs `target`'s function on `data`; its outcome in short, or the panic's message.
fn run(target: &str, data: &[u8]) -> Result<String, String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| match target {
        "response_head" => match targets::response_head(data) {
            Ok(Some((head, len))) => format!("{} head of {len} bytes", head.status),
            Ok(None) => "incomplete".to_owned(),
            Err(e) => format!("{e:?}"),
        },
        "chunked_body" => match targets::chunked_body(data) {
            None => "too short".to_owned(),
            Some(Ok(body)) => format!("body of {} bytes", body.data.len()),
            Some(Err(e)) => format!("{e:?}"),
        },
        "response_stream" => match targets::response_stream(data) {
            None => "too short".to_owned(),
            Some(Ok(m)) => format!("{} with a body of {} bytes", m.head.status, m.body.len()),
            Some(Err(e)) => format!("{e:?}"),
        },
        "request_input" => format!("{} heads encoded", targets::request_input(data)),
        _ => unreachable!("unknown target {target}"),
    }));
    outcome.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn fuzz_regressions_replay_with_their_documented_outcome() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for target in TARGETS {
        for file in inputs("regressions", target) {
            let name = file.file_name().unwrap().to_str().unwrap().to_owned();
            let Some((_, _, want)) = REGRESSIONS
                .iter()
                .find(|(t, n, _)| *t == target && *n == name)
            else {
                failures.push(format!(
                    "{target}/{name}: no documented outcome in REGRESSIONS"
                ));
                continue;
            };
            replayed += 1;
            match run(target, &std::fs::read(&file).unwrap()) {
                Ok(got) if got == *want => {}
                Ok(got) => failures.push(format!("{target}/{name}: {got}, documented {want}")),
                Err(panic) => failures.push(format!("{target}/{name}: panicked: {panic}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of the regressions failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        replayed,
        REGRESSIONS.len(),
        "a documented regression input is missing from fuzz/regressions/"
    );
}

#[test]
fn fuzz_seeds_keep_every_target_invariant() {
    let mut failures = Vec::new();
    for target in TARGETS {
        let seeds = inputs("seeds", target);
        assert!(!seeds.is_empty(), "no seeds for {target}");
        for file in seeds {
            if let Err(panic) = run(target, &std::fs::read(&file).unwrap()) {
                failures.push(format!("{}: {panic}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
