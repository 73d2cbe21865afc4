//! The sans-IO HTTP/1.1 exchange against a corpus of raw server responses in `tests/corpus/`.
//!
//! `NAME.response` holds one response exactly as on the wire, then the line
//! `SENTINEL-NEXT-MESSAGE`, which the decoder must leave unread (after a close-delimited body
//! it is part of the body). `NAME.parsed` is the expected decoding (`left` is what stayed
//! unread), `NAME.error` the expected [`ProtoError`]'s `Display`. A name starting with `head-`
//! is the answer to a HEAD request. `keep-alive` is `keep_alive()`'s answer (RFC 9112 §9.3's
//! version and `Connection` rule); a close-delimited body or a 101 ends the connection anyway.
//!
//! Each fixture is run through the client's own exchange state machine
//! (`proto::h1::Exchange`, moved along by `fuzz/src/lib.rs`, which checks every step and the
//! reuse decision), whole and fed in small random pieces; both must match the golden.
//! `UPDATE_CORPUS=1` rewrites the goldens from the codec's output and fails, naming each golden
//! it changed, so that every change is checked by hand against RFC 9112 before it is
//! committed. See `tests/corpus/README.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use tls_requests::proto::h1::ProtoError;

use crate::fuzz::harness::{Fields, Message, decode_response};

const SENTINEL: &[u8] = b"SENTINEL-NEXT-MESSAGE";

/// The golden file's extension and text for a decoding.
fn render(result: &Result<Message, ProtoError>) -> (&'static str, String) {
    let m = match result {
        Ok(m) => m,
        Err(e) => return ("error", format!("{e}\n")),
    };
    let mut out = String::new();
    for head in &m.interim {
        let reason = head.reason.escape_ascii();
        writeln!(out, "interim: {} \"{reason}\"", head.status).unwrap();
        write_fields(&mut out, "interim-header", &head.headers);
    }
    let head = &m.head;
    writeln!(out, "version: {:?}", head.version).unwrap();
    writeln!(out, "status: {}", head.status).unwrap();
    writeln!(out, "reason: \"{}\"", head.reason.escape_ascii()).unwrap();
    write_fields(&mut out, "header", &head.headers);
    writeln!(out, "framing: {:?}", m.framing).unwrap();
    writeln!(out, "keep-alive: {}", m.keep_alive).unwrap();
    writeln!(out, "body: \"{}\"", m.body.escape_ascii()).unwrap();
    if let Some(trailers) = &m.trailers {
        write_fields(&mut out, "trailer", trailers);
    }
    writeln!(out, "left: \"{}\"", m.left.escape_ascii()).unwrap();
    ("parsed", out)
}

fn write_fields(out: &mut String, label: &str, fields: &Fields) {
    for (name, value) in fields {
        writeln!(out, "{label}: {name}: {}", value.escape_ascii()).unwrap();
    }
}

struct Fixture {
    name: String,
    input: Vec<u8>,
}

impl Fixture {
    fn decode_whole(&self) -> (&'static str, String) {
        render(&decode_response(&self.input, self.is_head(), || usize::MAX))
    }

    fn is_head(&self) -> bool {
        self.name.starts_with("head-")
    }

    fn golden(&self, ext: &str) -> PathBuf {
        corpus_dir().join(format!("{}.{ext}", self.name))
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn fixtures() -> Vec<Fixture> {
    let mut all: Vec<Fixture> = std::fs::read_dir(corpus_dir())
        .expect("tests/corpus exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "response"))
        .map(|path| {
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let input = std::fs::read(&path).unwrap();
            assert!(input.ends_with(SENTINEL), "{name}: no sentinel at the end");
            Fixture { name, input }
        })
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// Compares the whole-input decoding with the golden file.
fn check_golden(f: &Fixture) -> Result<(), String> {
    let (ext, actual) = f.decode_whole();
    let other = if ext == "parsed" { "error" } else { "parsed" };
    if f.golden(other).exists() {
        return Err(format!(
            "{}: expected .{other}, got .{ext}:\n{actual}",
            f.name
        ));
    }
    let expected = std::fs::read_to_string(f.golden(ext))
        .map_err(|e| format!("{}: no golden .{ext} ({e}); got:\n{actual}", f.name))?;
    match first_difference(&expected, &actual) {
        None => Ok(()),
        Some(diff) => Err(format!("{}.{ext}: {diff}", f.name)),
    }
}

/// Compares decodings fed in random pieces (and byte by byte, if small) with the whole one.
fn check_splits(f: &Fixture) -> Result<(), String> {
    let whole = f.decode_whole();
    // Pieces of 1..=7 bytes; large inputs get larger pieces to keep the reparsing cheap.
    let max = (f.input.len() / 512).max(7);
    let mut runs: Vec<(String, Box<dyn FnMut() -> usize>)> = (0..8u64)
        .map(|seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            let label = format!("seed {seed}, pieces of 1..={max}");
            (
                label,
                Box::new(move || rng.usize(1..=max)) as Box<dyn FnMut() -> usize>,
            )
        })
        .collect();
    if f.input.len() <= 4096 {
        runs.push(("byte by byte".to_owned(), Box::new(|| 1)));
    }
    for (label, piece) in runs {
        let split = render(&decode_response(&f.input, f.is_head(), piece));
        if split != whole {
            let diff = first_difference(&whole.1, &split.1).unwrap_or_default();
            return Err(format!(
                "{} ({label}): .{} whole, .{} split: {diff}",
                f.name, whole.0, split.0
            ));
        }
    }
    Ok(())
}

/// The first line where `actual` differs from `expected`, shortened for long lines.
fn first_difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let short = |s: Option<&str>| -> String {
        let s = s.unwrap_or("<none>");
        if s.chars().count() > 160 {
            format!("{}…", s.chars().take(160).collect::<String>())
        } else {
            s.to_owned()
        }
    };
    let (mut e, mut a) = (expected.lines(), actual.lines());
    for line in 1.. {
        let (el, al) = (e.next(), a.next());
        if el != al {
            return Some(format!(
                "line {line}\n  expected: {}\n  actual:   {}",
                short(el),
                short(al)
            ));
        }
    }
    unreachable!()
}

/// Rewrites the golden of `f` from the codec's output; says what changed, if anything.
fn update_golden(f: &Fixture) -> Option<String> {
    let (ext, text) = f.decode_whole();
    let other = if ext == "parsed" { "error" } else { "parsed" };
    let old = std::fs::read_to_string(f.golden(ext)).ok();
    let was_other = f.golden(other).exists();
    if old.as_deref() == Some(text.as_str()) && !was_other {
        return None;
    }
    let _ = std::fs::remove_file(f.golden(other));
    std::fs::write(f.golden(ext), &text).unwrap();
    Some(match (old, was_other) {
        (_, true) => format!("{}.{other} replaced by {}.{ext}:\n{text}", f.name, f.name),
        (None, false) => format!("{}.{ext} written:\n{text}", f.name),
        (Some(old), false) => format!(
            "{}.{ext} changed: {}",
            f.name,
            first_difference(&old, &text).unwrap_or_default()
        ),
    })
}

fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn corpus_matches_goldens() {
    let all = fixtures();
    assert!(all.len() >= 30, "only {} fixtures", all.len());
    if std::env::var_os("UPDATE_CORPUS").is_some_and(|v| v == "1") {
        let changed: Vec<String> = all.iter().filter_map(update_golden).collect();
        assert!(
            changed.is_empty(),
            "UPDATE_CORPUS=1 rewrote {} golden(s); review each against RFC 9112, then run \
             again without UPDATE_CORPUS:\n\n{}",
            changed.len(),
            changed.join("\n\n")
        );
        return;
    }
    report(all.iter().filter_map(|f| check_golden(f).err()).collect());
}

#[test]
fn corpus_split_feeding_agrees() {
    let failures = fixtures()
        .iter()
        .filter_map(|f| check_splits(f).err())
        .collect();
    report(failures);
}

#[test]
fn sentinel_is_left_unread_by_self_delimited_bodies() {
    // Guards the goldens themselves: only close-delimited bodies may swallow the sentinel.
    for f in fixtures() {
        if let ("parsed", text) = f.decode_whole() {
            let close = text.contains("\nframing: Close\n");
            let left_sentinel = text.ends_with("left: \"SENTINEL-NEXT-MESSAGE\"\n");
            assert!(close != left_sentinel, "{}: {text}", f.name);
        }
    }
}
