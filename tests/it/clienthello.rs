//! The ClientHello parser of the examples (`examples/common/clienthello.rs`) against the
//! reference parser `shared/refdata/clienthello.py`, run at test time on every capture in
//! `shared/refdata/tls` and `tls-h2` and on mutated copies of them; plus malformed input and
//! MD5 / SHA-256 known answers.

#[path = "../../examples/common/clienthello.rs"]
pub mod parser;

use std::path::PathBuf;
use std::process::Command;

use parser::{ClientHello, is_grease, md5_hex, parse, sha256_hex, strip_grease};

const REFDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/refdata");

/// Prints, for each file, `file HEX(path)` then `key HEX(value)` lines (or `error HEX(msg)`),
/// the values taken from `clienthello.parse`. Hex keeps any byte in a value harmless.
const PY: &str = r#"
import sys
sys.path.insert(0, sys.argv[1])
import clienthello as c
def out(k, v): print(k, str(v).encode().hex())
def ids(l): return ",".join("%04x" % x["id"] for x in l)
for fn in sys.argv[2:]:
    out("file", fn)
    try:
        ch = c.parse(open(fn, "rb").read())
    except Exception as e:
        out("error", repr(e))
        continue
    p = ch["parsed"]
    ext = {e["id"]: e for e in ch["extensions"]}
    names = p.get("server_name", {}).get("names", [])
    ech = p.get("encrypted_client_hello", {}).get("payload_len", "present")
    rsl = p.get("record_size_limit", {}).get("limit", "-") if ext.get(28, {}).get("length") == 2 else "-"
    rows = [
        ("legacy_version", ch["legacy_version"]),
        ("handshake_len", ch["handshake_length"]),
        ("session_id_len", ch["session_id_len"]),
        ("ciphers", ",".join("%04x" % x for x in ch["cipher_suite_ids"])),
        ("compression", ",".join(map(str, ch["compression_methods"]))),
        ("extensions", ",".join("%04x" % x for x in ch["extension_ids"])),
        ("server_name", names[0]["name"] if names else "-"),
        ("groups", ids(p.get("supported_groups", []))),
        ("key_share", ",".join("%04x:%d" % (k["group"], k["key_exchange_len"]) for k in p.get("key_share", []))),
        ("sigalgs", ids(p.get("signature_algorithms", []))),
        ("alpn", ",".join(p.get("alpn", []))),
        ("versions", ids(p.get("supported_versions", []))),
        ("point_formats", ",".join(str(x["id"]) for x in p.get("ec_point_formats", []))),
        ("psk_modes", ",".join(str(x["id"]) for x in p.get("psk_key_exchange_modes", []))),
        ("compress_cert", ids(p.get("compress_certificate", []))),
        ("ech", ech if 0xFE0D in ext else "-"),
        ("record_size_limit", rsl),
    ] + [(k, ch[k]) for k in ("ja3", "ja3_md5", "ja3n", "ja3n_md5", "ja4", "ja4_r")]
    for k, v in rows:
        out(k, v)
"#;

/// The same rows from the Rust parser.
fn rust_rows(r: &Result<ClientHello, String>) -> Vec<(String, String)> {
    let ch = match r {
        Ok(ch) => ch,
        Err(_) => return vec![("error".into(), String::new())],
    };
    let hex = |v: &[u16]| {
        v.iter()
            .map(|x| format!("{x:04x}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let dec = |v: &[u8]| {
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let shares = ch.key_shares.iter().map(|(g, n)| format!("{g:04x}:{n}"));
    let ech = match (ch.extension(0xfe0d), ch.ech_payload_len) {
        (None, _) => "-".to_string(),
        (Some(_), Some(n)) => n.to_string(),
        (Some(_), None) => "present".to_string(),
    };
    let ((ja3, ja3_md5), (ja3n, ja3n_md5)) = (ch.ja3(), ch.ja3n());
    let rows = [
        ("legacy_version", ch.legacy_version.to_string()),
        ("handshake_len", ch.handshake_len.to_string()),
        ("session_id_len", ch.session_id.len().to_string()),
        ("ciphers", hex(&ch.cipher_suites)),
        ("compression", dec(&ch.compression_methods)),
        ("extensions", hex(&ch.extension_types())),
        ("server_name", ch.server_name.clone().unwrap_or("-".into())),
        ("groups", hex(&ch.supported_groups)),
        ("key_share", shares.collect::<Vec<_>>().join(",")),
        ("sigalgs", hex(&ch.signature_algorithms)),
        ("alpn", ch.alpn.join(",")),
        ("versions", hex(&ch.supported_versions)),
        ("point_formats", dec(&ch.ec_point_formats)),
        ("psk_modes", dec(&ch.psk_key_exchange_modes)),
        ("compress_cert", hex(&ch.compress_certificate)),
        ("ech", ech),
        (
            "record_size_limit",
            ch.record_size_limit.map_or("-".into(), |n| n.to_string()),
        ),
        ("ja3", ja3),
        ("ja3_md5", ja3_md5),
        ("ja3n", ja3n),
        ("ja3n_md5", ja3n_md5),
        ("ja4", ch.ja4()),
        ("ja4_r", ch.ja4_r()),
    ];
    rows.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn refdata() -> PathBuf {
    let dir = PathBuf::from(REFDATA);
    assert!(
        dir.join("clienthello.py").is_file(),
        "reference data not found: {} must hold clienthello.py, tls/ and tls-h2/ \
         (the shared/ directory beside the repository)",
        dir.display()
    );
    dir
}

/// Every `*.bin` in `tls/` and `tls-h2/`, sorted.
fn captures() -> Vec<PathBuf> {
    let dir = refdata();
    let mut files = Vec::new();
    for sub in ["tls", "tls-h2"] {
        let entries = std::fs::read_dir(dir.join(sub))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(sub).display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|x| x == "bin") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(
        files.len() >= 50,
        "expected the 52 captures, found {}",
        files.len()
    );
    files
}

fn unhex(s: &str) -> String {
    let bytes = (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap());
    String::from_utf8(bytes.collect()).unwrap()
}

/// Runs `clienthello.py`'s parser on `files` (one python process), rows per file in order.
fn python_rows(files: &[PathBuf]) -> Vec<Vec<(String, String)>> {
    let output = Command::new("python3")
        .arg("-c")
        .arg(PY)
        .arg(refdata())
        .args(files)
        .output()
        .expect("python3 must be installed to run the reference parser");
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut out: Vec<Vec<(String, String)>> = Vec::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let (k, v) = line.split_once(' ').unwrap_or((line, ""));
        match k {
            "file" => out.push(Vec::new()),
            // The messages differ between the parsers; only "it failed" is compared.
            "error" => out.last_mut().unwrap().push((k.into(), String::new())),
            _ => out.last_mut().unwrap().push((k.into(), unhex(v))),
        }
    }
    assert_eq!(
        out.len(),
        files.len(),
        "python3 printed rows for every file"
    );
    out
}

/// Compares the two parsers on `files`; returns one line per disagreement.
fn compare(files: &[PathBuf]) -> Vec<String> {
    let mut diffs = Vec::new();
    for (file, expected) in files.iter().zip(python_rows(files)) {
        let got = rust_rows(&parse(&std::fs::read(file).unwrap()));
        if got != expected {
            let name = file.display();
            diffs.push(format!("{name}:\n  python {expected:?}\n  rust   {got:?}"));
        }
    }
    diffs
}

#[test]
fn every_capture_matches_the_python_parser() {
    let files = captures();
    let diffs = compare(&files);
    assert!(
        diffs.is_empty(),
        "{} of {} differ:\n{}",
        diffs.len(),
        files.len(),
        diffs.join("\n")
    );
}

/// JA4 of every capture, and the `ja4` row the example prints, against a third
/// implementation: the PyPI package `ja4plus` 1.4.0, whose results refdata keeps in
/// `logs/crosscheck_ja4plus.txt` (`OK   FILE   mine=… ja4plus=JA4 | o: …`).
#[test]
fn every_capture_has_the_ja4_of_ja4plus() {
    let dir = refdata();
    let log = std::fs::read_to_string(dir.join("logs/crosscheck_ja4plus.txt")).unwrap();
    let mut checked = 0;
    for line in log.lines().filter(|l| l.starts_with("OK ")) {
        let file = line.split_whitespace().nth(1).unwrap();
        let ja4plus = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("ja4plus="))
            .unwrap_or_else(|| panic!("no ja4plus value in {line:?}"));
        let ch = parse(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        assert_eq!(ch.ja4(), ja4plus, "{file}");
        let row = ch.describe().into_iter().find(|(k, _)| k == "ja4");
        assert_eq!(
            row.map(|r| r.1).as_deref(),
            Some(ja4plus),
            "{file}: describe()"
        );
        checked += 1;
    }
    assert_eq!(
        checked,
        captures().len(),
        "every capture is in the ja4plus log"
    );
}

/// The published values of the README of the reference data, independent of python.
#[test]
fn known_fingerprints_of_the_captures() {
    let dir = refdata();
    let ch = |name: &str| parse(&std::fs::read(dir.join("tls").join(name)).unwrap()).unwrap();
    for name in [
        "chrome-run1-1.bin",
        "chrome-run2-6.bin",
        "chrome-domain-3.bin",
    ] {
        let c = ch(name);
        assert_eq!(c.ja4(), "t13d1517h2_8daaf6152771_cb7bf5808d99", "{name}");
        assert_eq!(c.ja3n().1, "bd4930bd9b000ee684830e44bab76fdf", "{name}");
        assert!(is_grease(c.cipher_suites[0]), "{name}");
        assert_eq!(strip_grease(&c.cipher_suites).len(), 15, "{name}");
        assert_eq!(c.alpn, ["h2", "http/1.1"]);
        assert!(
            matches!(c.ech_payload_len, Some(144 | 176 | 208 | 240)),
            "{name}"
        );
        let shares: Vec<usize> = c.key_shares.iter().map(|s| s.1).collect();
        assert_eq!(shares, [1, 1216, 32], "{name}");
    }
    let ff = ch("firefox-run1-1.bin");
    assert_eq!(ff.ja4(), "t13d1617h2_86a278354501_3cbfd9057e0d");
    assert_eq!(ff.ja3().1, "6447ab086255d194909d4013b1a89e87");
    assert_eq!(ff.record_size_limit, Some(16385));
    assert_eq!(ff.compress_certificate, [1, 2, 3]);
    assert_eq!(ff.server_name.as_deref(), Some("localhost"));
    assert_eq!(
        ch("firefox-run1-4.bin").ja4(),
        "t13d1616h2_86a278354501_0c27189014cf"
    );
    assert_eq!(
        ch("curl-run1-1.bin").ja4(),
        "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6"
    );
    assert_eq!(
        ch("python-run1-1.bin").ja4(),
        "t13d1813h1_85036bcba153_d339722ba4af"
    );
    assert_eq!(
        ch("chrome-domain-1.bin").server_name.as_deref(),
        Some("www.example.com")
    );
}

fn firefox() -> Vec<u8> {
    std::fs::read(refdata().join("tls/firefox-run1-1.bin")).unwrap()
}

/// Splits the handshake of a one-record capture into records of `size` bytes.
fn resplit(wire: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in wire[5..].chunks(size) {
        out.extend_from_slice(&[22, 3, 1]);
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

#[test]
fn split_records_and_bare_handshake_parse_the_same() {
    let wire = firefox();
    let whole = parse(&wire).unwrap();
    for size in [1, 7, 100, 512] {
        assert_eq!(
            parse(&resplit(&wire, size)),
            Ok(whole.clone()),
            "records of {size}"
        );
    }
    assert_eq!(parse(&wire[5..]), Ok(whole.clone()), "bare handshake");
    // Whatever follows the hello (another record, junk) is ignored.
    let mut more = resplit(&wire, 300);
    more.extend_from_slice(&[21, 3, 3, 0, 2, 2, 40, 0xff]);
    assert_eq!(parse(&more), Ok(whole));
}

#[test]
fn malformed_input_is_an_error() {
    let wire = firefox();
    for n in 0..wire.len() {
        assert!(parse(&wire[..n]).is_err(), "record cut at {n}");
        assert!(
            parse(&wire[5..5 + n.min(wire.len() - 6)]).is_err(),
            "handshake cut at {n}"
        );
    }
    let mutate = |at: usize, bytes: &[u8]| {
        let mut w = wire.clone();
        w[at..at + bytes.len()].copy_from_slice(bytes);
        parse(&w)
    };
    let err = |r: Result<ClientHello, String>| r.expect_err("must fail");
    assert!(err(mutate(0, &[23])).contains("content type 23"));
    assert!(err(mutate(5, &[2])).contains("handshake type 2"));
    assert!(err(mutate(3, &[0xff, 0xff])).contains("record"));
    assert!(err(mutate(6, &[0xff, 0xff, 0xff])).contains("handshake"));
    let ciphers = 5 + 4 + 34 + 1 + wire[5 + 4 + 34] as usize;
    assert!(err(mutate(ciphers, &[0xff, 0xff])).contains("cipher_suites"));
    let compression = ciphers + 2 + u16::from_be_bytes([wire[ciphers], wire[ciphers + 1]]) as usize;
    let extensions = compression + 1 + wire[compression] as usize;
    assert!(err(mutate(extensions, &[0xff, 0xff])).contains("extensions"));
    assert!(err(mutate(extensions + 4, &[0xff, 0xff])).contains("extension body"));
    // Too short for anything.
    for bytes in [
        &[][..],
        &[22],
        &[1, 0, 0, 0],
        &[22, 3, 1, 0, 0],
        &[22, 3, 1, 0, 1, 1],
    ] {
        assert!(parse(bytes).is_err(), "{bytes:?}");
    }
    // Each field of a small hello running past the end.
    let fixed = [&[3, 3][..], &[7; 32]].concat();
    let cases: [(&[u8], &str); 6] = [
        (&[3, 3, 0], "random"),
        (&[&fixed[..], &[33], &[0; 10]].concat(), "session_id"),
        (&[&fixed[..], &[0, 0, 8, 0x13, 1]].concat(), "cipher_suites"),
        (
            &[&fixed[..], &[0, 0, 2, 0x13, 1, 5, 0]].concat(),
            "compression_methods",
        ),
        (
            &[&fixed[..], &[0, 0, 2, 0x13, 1, 1, 0, 0, 9, 0]].concat(),
            "extensions",
        ),
        (
            &[&fixed[..], &[0, 0, 2, 0x13, 1, 1, 0, 0, 1, 0]].concat(),
            "extension type",
        ),
    ];
    for (body, field) in cases {
        let e = err(parse(&bare(body)));
        assert!(e.starts_with(field), "{field}: {e}");
    }
}

/// A bare ClientHello handshake message around `body`.
fn bare(body: &[u8]) -> Vec<u8> {
    [&[1][..], &(body.len() as u32).to_be_bytes()[1..], body].concat()
}

/// Small hand-made hellos for the corners of JA4 (no extensions, no ciphers, only GREASE, an
/// ALPN that is not alphanumeric, no signature algorithms, TLS 1.0), through both parsers.
#[test]
fn crafted_hellos_match_the_python_parser() {
    let ext = |typ: u16, body: &[u8]| {
        [
            &typ.to_be_bytes()[..],
            &(body.len() as u16).to_be_bytes(),
            body,
        ]
        .concat()
    };
    let hello = |version: u16, ciphers: &[u16], exts: &[Vec<u8>]| {
        let c: Vec<u8> = ciphers.iter().flat_map(|c| c.to_be_bytes()).collect();
        let e = exts.concat();
        let mut body = [&version.to_be_bytes()[..], &[9; 32], &[0]].concat();
        body.extend_from_slice(&(c.len() as u16).to_be_bytes());
        body.extend_from_slice(&c);
        body.extend_from_slice(&[1, 0]);
        if !exts.is_empty() {
            body.extend_from_slice(&(e.len() as u16).to_be_bytes());
            body.extend_from_slice(&e);
        }
        bare(&body)
    };
    let alpn = |p: &[u8]| {
        ext(
            16,
            &[&[0, p.len() as u8 + 1, p.len() as u8][..], p].concat(),
        )
    };
    let hellos = [
        hello(0x0301, &[0x2f], &[]),
        hello(0x0303, &[], &[ext(0, b"\x00\x08\x00\x00\x05a.b\xffc")]),
        hello(
            0x0303,
            &[0x0a0a, 0xfafa],
            &[ext(0x1a1a, &[]), ext(43, &[2, 0x2a, 0x2a])],
        ),
        hello(
            0x0303,
            &[0x1301],
            &[alpn(b"-h2"), ext(43, &[4, 3, 4, 3, 3])],
        ),
        hello(
            0x0303,
            &[0x1301],
            &[alpn(b"\xffx\x00"), ext(13, &[0, 2, 4, 3])],
        ),
        hello(
            0x0303,
            &[0x1301],
            &[alpn(b""), ext(10, &[0, 3, 0, 0x1d, 9])],
        ),
        hello(
            0x0303,
            &[0x1301],
            &[ext(11, &[1, 0]), ext(45, &[1, 1]), ext(28, &[0x40, 1])],
        ),
        hello(
            0x0303,
            &[0x1301],
            &[ext(0xfe0d, &[1]), ext(27, &[2, 0, 2]), ext(51, &[0, 0])],
        ),
        hello(
            0x0302,
            &[0x1301],
            &[ext(0xfe0d, &[0, 0, 1, 0, 1, 7, 0, 1, 5, 0, 2, 1, 1])],
        ),
    ];
    let dir = std::env::temp_dir().join(format!("clienthello-crafted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (i, h) in hellos.iter().enumerate() {
        assert!(parse(h).is_ok(), "hello {i}: {:?}", parse(h));
        files.push(dir.join(format!("{i}.bin")));
        std::fs::write(&files[i], h).unwrap();
    }
    let diffs = compare(&files);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    let sni = parse(&hellos[1]).unwrap().server_name;
    assert_eq!(sni.as_deref(), Some("a.b\u{fffd}c"));
    assert_eq!(
        parse(&hellos[0]).unwrap().ja4(),
        "t10i010000_ba72b8082249_000000000000"
    );
}

#[test]
fn bad_extension_bodies_leave_the_views_empty_like_python() {
    // supported_groups (ext 10) whose list length runs past the body: still Ok, no groups.
    let wire = firefox();
    let ch = parse(&wire).unwrap();
    assert!(!ch.supported_groups.is_empty());
    let at = find_extension(&wire, 10);
    let mut w = wire.clone();
    w[at + 4..at + 6].copy_from_slice(&[0xff, 0xf0]);
    let bad = parse(&w).unwrap();
    assert!(bad.supported_groups.is_empty());
    assert_ne!(bad.ja3(), ch.ja3());
    // A broken ALPN list makes the whole parse fail, as in python (JA4 needs it).
    let at = find_extension(&wire, 16);
    w = wire.clone();
    w[at + 4..at + 6].copy_from_slice(&[0xff, 0xf0]);
    assert!(parse(&w).unwrap_err().contains("alpn"));
}

/// Offsets in `wire` (a capture: the hello ends the file) of each extension's type field.
fn extension_offsets(wire: &[u8]) -> Vec<(u16, usize)> {
    let exts = parse(wire).unwrap().extensions;
    let mut at = wire.len() - exts.iter().map(|e| 4 + e.body.len()).sum::<usize>();
    let mut out = Vec::new();
    for e in exts {
        out.push((e.typ, at));
        at += 4 + e.body.len();
    }
    out
}

fn find_extension(wire: &[u8], typ: u16) -> usize {
    let offsets = extension_offsets(wire);
    offsets
        .iter()
        .find(|e| e.0 == typ)
        .expect("no such extension")
        .1
}

/// Mutated copies of the captures (1 to 3 bytes overwritten, mostly where lengths are, with
/// values that make lengths and types interesting; sometimes truncated) through both parsers:
/// the same success or failure and, on success, the same rows.
#[test]
fn mutated_captures_match_the_python_parser() {
    let files = captures();
    let dir = std::env::temp_dir().join(format!("clienthello-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let mut mutated = Vec::new();
    for i in 0..600 {
        let mut bytes = std::fs::read(&files[i % files.len()]).unwrap();
        for _ in 0..rng.usize(1..=3) {
            // A third of the edits land in the first 200 bytes, where the lengths are, a
            // third in the first 8 bytes of an extension (its lengths), the rest anywhere.
            let exts = extension_offsets(&std::fs::read(&files[i % files.len()]).unwrap());
            let at = match rng.u8(..3) {
                0 => rng.usize(..200.min(bytes.len())),
                1 => exts[rng.usize(..exts.len())].1 + rng.usize(..8),
                _ => rng.usize(..bytes.len()),
            }
            .min(bytes.len() - 1);
            bytes[at] = match rng.u8(..4) {
                0 => 0,
                1 => 0xff,
                2 => bytes[at].wrapping_add(1),
                _ => rng.u8(..),
            };
        }
        if rng.u8(..8) == 0 {
            bytes.truncate(rng.usize(..bytes.len()));
        }
        let path = dir.join(format!("{i}.bin"));
        std::fs::write(&path, &bytes).unwrap();
        mutated.push(path);
    }
    let diffs = compare(&mutated);
    let errors = mutated
        .iter()
        .filter(|f| parse(&std::fs::read(f).unwrap()).is_err())
        .count();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        diffs.is_empty(),
        "{} of 600 differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    assert!(
        (50..550).contains(&errors),
        "{errors} of 600 mutations failed to parse"
    );
}

#[test]
fn md5_known_answers() {
    // RFC 1321, appendix A.5, and lengths around the padding boundary.
    let cases: [(&[u8], &str); 7] = [
        (b"", "d41d8cd98f00b204e9800998ecf8427e"),
        (b"a", "0cc175b9c0f1b6a831c399e269772661"),
        (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
        (b"message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        (
            b"abcdefghijklmnopqrstuvwxyz",
            "c3fcd3d76192e4007dfb496cca67e13b",
        ),
        (
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a",
        ),
        (&[b'a'; 56], "3b0c8ac703f828b04c6c197006d17218"),
    ];
    for (input, want) in cases {
        assert_eq!(md5_hex(input), want, "{}", String::from_utf8_lossy(input));
    }
}

#[test]
fn sha256_known_answers() {
    // FIPS 180-2 examples, plus lengths around the padding boundary.
    let cases: [(&[u8], &str); 5] = [
        (
            b"",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
        (
            b"abc",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
        (
            &[b'a'; 55],
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
        ),
        (
            &[b'a'; 64],
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(
            sha256_hex(input),
            want,
            "{}",
            String::from_utf8_lossy(input)
        );
    }
    let million = vec![b'a'; 1_000_000];
    let want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    assert_eq!(sha256_hex(&million), want);
}
