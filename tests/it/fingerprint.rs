//! The ClientHello each profile sends, captured on a local listener and parsed, against what
//! the real browser sent: every field of Chromium 156's and Firefox 153's hellos that stays
//! the same across the captures in `shared/refdata` (`summaries/*.json`), with each difference
//! we make on purpose listed below with its reason. Profiles without a capture are checked
//! against the published JA4 values they cite, and every profile's retry against what rustls
//! can negotiate.

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use serde_json::Value;
use tls_requests::{AsyncClient, Profile};

use crate::clienthello::parser::{self, ClientHello, is_grease, sha256_hex, strip_grease};

use crate::support::run;

/// The hellos of one request with `profile` to a listener that hangs up on each: the
/// fingerprint hello, then the fallback one of the retry.
pub fn capture(profile: Profile) -> Vec<ClientHello> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let reader = std::thread::spawn(move || {
        let mut hellos = Vec::new();
        for _ in 0..2 {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut bytes = Vec::new();
            let mut buf = [0u8; 4096];
            let hello = loop {
                let n = conn.read(&mut buf).unwrap();
                assert!(n > 0, "connection closed before a whole hello");
                bytes.extend_from_slice(&buf[..n]);
                if let Ok(hello) = parser::parse(&bytes) {
                    break hello;
                }
            };
            hellos.push(hello);
        }
        hellos
    });
    run(async {
        let client = AsyncClient::builder().profile(profile).build().unwrap();
        let err = client
            .get(format!("https://localhost:{port}/"))
            .await
            .unwrap_err();
        assert!(err.is_tls(), "{err}");
    });
    reader.join().unwrap()
}

/// Extensions the browsers send that rustls cannot (see `src/profile/mod.rs`): absent from
/// our hello on purpose. Any other difference in the extension set fails.
const CANNOT_SEND: &[(u16, &str)] = &[
    (
        0xff01,
        "renegotiation_info: rustls never sends the extension (it offers the SCSV instead, \
         and only with TLS 1.2)",
    ),
    (
        0x0023,
        "session_ticket: rustls sends it only when TLS 1.2 is offered; the fingerprint hello \
         is TLS 1.3 only (see SUPPORTED_VERSIONS)",
    ),
    (
        0x0012,
        "signed_certificate_timestamp: rustls does not ask for SCTs",
    ),
    (
        0x44cd,
        "ALPS (application_settings, Chrome): rustls has no ALPS, and it is HTTP/2 only",
    ),
    (
        0xca34,
        "trust_anchors (Chrome): a draft rustls does not implement",
    ),
    (
        0x0022,
        "delegated_credential (Firefox): rustls does not implement it",
    ),
    (
        0x001c,
        "record_size_limit (Firefox): rustls does not send it",
    ),
];

/// ALPN: browsers offer `h2, http/1.1`; we offer `http/1.1` until HTTP/2 is spoken, since a
/// server that picks h2 would then get HTTP/1.1 bytes.
const ALPN: [&str; 1] = ["http/1.1"];

/// supported_versions: browsers offer 1.3 and 1.2. Offering 1.2 would make rustls add the
/// `TLS_EMPTY_RENEGOTIATION_INFO_SCSV` suite, which no browser sends, so the fingerprint hello
/// is TLS 1.3 only; a TLS 1.2 server gets the fallback retry.
const SUPPORTED_VERSIONS: [u16; 1] = [0x0304];

// Also on purpose, asserted below: no GREASE anywhere (rustls cannot send it); rustls sends at
// most two key shares (Firefox sends a third, P-256); rustls shuffles the extension order
// (Firefox's is fixed); rustls's ECH GREASE payload has its own size, not the browser's.

/// The fields of a browser's hello that are the same in all its captures, from
/// `summaries/<client>.json`, with the JA4_r of those captures.
struct Browser {
    name: &'static str,
    constant: Value,
    varies: Value,
    ja4_r: String,
}

fn browser(client: &'static str) -> Browser {
    let path = crate::profile::refdata(&format!("summaries/{client}.json"));
    let text = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (the reference captures)", path.display()));
    let json: Value = serde_json::from_slice(&text).unwrap();
    let ja4_r = json["ja4_r"].as_array().unwrap();
    assert_eq!(ja4_r.len(), 1, "{client}: one JA4_r in all captures");
    Browser {
        name: client,
        constant: json["constant_across_captures"].clone(),
        varies: json["varies_across_captures"].clone(),
        ja4_r: ja4_r[0].as_str().unwrap().to_owned(),
    }
}

impl Browser {
    fn strings(&self, field: &str) -> Vec<String> {
        let list = self.constant[field].as_array();
        let list = list.unwrap_or_else(|| panic!("{}: no constant {field}", self.name));
        list.iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    /// A list of `0x....` code points, GREASE left out (after checking it is marked so).
    fn codes(&self, field: &str) -> Vec<u16> {
        self.strings(field)
            .iter()
            .filter(|s| *s != "GREASE")
            .map(|s| u16::from_str_radix(s.trim_start_matches("0x"), 16).unwrap())
            .collect()
    }

    /// `key_share` entries `0x11ec/1216` as (group, key length), GREASE left out.
    fn key_shares(&self) -> Vec<(u16, usize)> {
        self.strings("key_share")
            .iter()
            .filter(|s| !s.starts_with("GREASE"))
            .map(|s| {
                let (group, len) = s.split_once('/').unwrap();
                let group = u16::from_str_radix(group.trim_start_matches("0x"), 16).unwrap();
                (group, len.parse().unwrap())
            })
            .collect()
    }

    /// Names mapped to their code points with `table`.
    fn named(&self, field: &str, table: &[(&str, u16)]) -> Vec<u16> {
        let find = |name: &String| table.iter().find(|(n, _)| n == name).map(|e| e.1);
        self.strings(field)
            .iter()
            .map(|n| find(n).unwrap_or_else(|| panic!("{}: unknown {field} {n}", self.name)))
            .collect()
    }

    fn ech_payload_lengths(&self) -> Vec<usize> {
        let one = self.constant["ech_payload_len"].as_u64();
        let many = self.varies["ech_payload_len"]["examples"].as_array();
        match (one, many) {
            (Some(n), _) => vec![n as usize],
            (None, Some(list)) => list.iter().map(|n| n.as_u64().unwrap() as usize).collect(),
            (None, None) => panic!("{}: no ECH payload length", self.name),
        }
    }

    /// The JA4 our hello must have: the browser's JA4_r with the extensions rustls cannot
    /// send left out, our ALPN, and JA4's hashes recomputed (FoxIO JA4: the first 12 hex
    /// digits of SHA-256; SNI and ALPN are counted in `a` but not listed in `c`).
    fn expected_ja4(&self) -> String {
        let [a, ciphers, exts, sigs]: [&str; 4] = self
            .ja4_r
            .split('_')
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let missing = self.extension_set_less_cannot_send().1;
        let exts: Vec<&str> = exts
            .split(',')
            .filter(|e| !missing.contains(&u16::from_str_radix(e, 16).unwrap()))
            .collect();
        let exts = exts.join(",");
        let count = self.extension_set_less_cannot_send().0.len();
        // t13d + 2 digits of ciphers, then 2 of extensions and 2 of ALPN.
        let a = format!("{}{count:02}h1", &a[..6]);
        let hash = |s: &str| sha256_hex(s.as_bytes())[..12].to_owned();
        format!("{a}_{}_{}", hash(ciphers), hash(&format!("{exts}_{sigs}")))
    }

    /// The browser's extension set without GREASE and without what rustls cannot send, and
    /// the extensions it left out.
    fn extension_set_less_cannot_send(&self) -> (Vec<u16>, Vec<u16>) {
        let all = self.codes("extension_set_sorted");
        all.into_iter()
            .partition(|e| !CANNOT_SEND.iter().any(|(c, _)| c == e))
    }
}

/// Our first hello for `profile` against every constant field of `browser`'s captures.
fn assert_like_browser(profile: Profile, browser: &Browser) {
    let name = profile.name().to_owned();
    let ours = &capture(profile)[0];
    let b = browser.name;
    let same = |what: &str| format!("{name} vs {b}: {what}");

    // No GREASE anywhere (rustls cannot send it); the browser's lists are compared without.
    for (field, list) in [
        ("cipher suites", &ours.cipher_suites),
        ("extensions", &ours.extension_types()),
        ("groups", &ours.supported_groups),
        ("signature algorithms", &ours.signature_algorithms),
        ("versions", &ours.supported_versions),
    ] {
        assert!(!list.iter().any(|&v| is_grease(v)), "{}", same(field));
    }
    assert!(ours.key_shares.iter().all(|(g, _)| !is_grease(*g)));

    let legacy = u16::from_str_radix(
        browser.constant["legacy_version"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
        16,
    )
    .unwrap();
    assert_eq!(ours.legacy_version, legacy, "{}", same("legacy_version"));
    assert_eq!(
        ours.session_id.len() as u64,
        browser.constant["session_id_len"].as_u64().unwrap(),
        "{}",
        same("session_id length")
    );
    assert_eq!(
        ours.compression_methods,
        [0],
        "{}",
        same("compression methods")
    );
    assert_eq!(
        ours.cipher_suites,
        browser.codes("cipher_suites"),
        "{}",
        same("cipher suites, in order")
    );
    assert_eq!(
        ours.supported_groups,
        browser.codes("supported_groups"),
        "{}",
        same("groups, in order")
    );
    assert_eq!(
        ours.signature_algorithms,
        browser.codes("signature_algorithms"),
        "{}",
        same("signature algorithms, in order")
    );

    // rustls sends at most two key shares: the browser's first two, with their sizes.
    let shares = browser.key_shares();
    assert!(shares.len() >= 2, "{}", same("key shares"));
    assert_eq!(ours.key_shares, shares[..2], "{}", same("key shares"));

    // The extension set, order aside (rustls shuffles it, as Chrome does; Firefox's is fixed).
    let mut sent = ours.extension_types();
    sent.sort_unstable();
    let (expected, _) = browser.extension_set_less_cannot_send();
    assert_eq!(
        sent,
        expected,
        "{}",
        same("extension set, less CANNOT_SEND")
    );

    assert_eq!(ours.alpn, ALPN, "{}", same("ALPN (see ALPN)"));
    assert_eq!(browser.strings("alpn"), ["h2", "http/1.1"]);
    assert_eq!(
        ours.supported_versions,
        SUPPORTED_VERSIONS,
        "{}",
        same("versions (see SUPPORTED_VERSIONS)")
    );
    assert_eq!(browser.codes("supported_versions"), [0x0304, 0x0303]);
    assert_eq!(
        ours.compress_certificate,
        browser.named(
            "compress_certificate",
            &[("zlib", 1), ("brotli", 2), ("zstd", 3)]
        ),
        "{}",
        same("certificate compression")
    );
    assert_eq!(ours.psk_key_exchange_modes, [1], "{}", same("psk modes"));
    assert_eq!(
        browser.named("psk_key_exchange_modes", &[("psk_dhe_ke", 1)]),
        [1]
    );
    assert_eq!(ours.ec_point_formats, [0], "{}", same("point formats"));
    assert_eq!(
        browser.named("ec_point_formats", &[("uncompressed", 0)]),
        [0]
    );
    assert_eq!(ours.server_name.as_deref(), Some("localhost"));

    // ECH GREASE: an outer extension with the browser's KDF (and AEAD where it is fixed);
    // the payload has rustls's size, which is none of the browser's.
    let ech = &browser.constant["ech_outer"];
    assert_eq!(ech["type_name"], "outer");
    let (kdf, aead) = ours.ech_suite.expect("an outer ECH extension");
    assert_eq!(
        u64::from(kdf),
        ech["kdf_id"].as_u64().unwrap(),
        "{}",
        same("ECH KDF")
    );
    let aeads: Vec<&str> = match browser.constant["ech_aead"].as_str() {
        Some(one) => vec![one],
        None => browser.varies["ech_aead"]["examples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect(),
    };
    let ours_aead = match aead {
        1 => "AES-128-GCM",
        2 => "AES-256-GCM",
        3 => "ChaCha20Poly1305",
        _ => "other",
    };
    assert!(aeads.contains(&ours_aead), "{}", same("ECH AEAD"));
    let payload = ours.ech_payload_len.unwrap();
    assert!(
        !browser.ech_payload_lengths().contains(&payload),
        "{}: the ECH payload now has a browser's size ({payload}); drop that difference",
        same("ECH payload")
    );

    // Everything above, as JA4: the browser's with only the listed differences.
    assert_eq!(ours.ja4(), browser.expected_ja4(), "{}", same("JA4"));
}

#[test]
fn chrome_and_edge_send_the_chromium_hello_but_for_the_listed_differences() {
    let chromium = browser("chromium");
    // Independent of the summary: the README of refdata states this JA4 for all 20 hellos.
    assert_eq!(
        chromium.ja4_r.split('_').next(),
        Some("t13d1517h2"),
        "the summary read is Chromium 156's"
    );
    for profile in [Profile::chrome(), Profile::edge()] {
        assert_like_browser(profile, &chromium);
    }
}

#[test]
fn firefox_sends_the_firefox_hello_but_for_the_listed_differences() {
    let firefox = browser("firefox-esr");
    assert_eq!(firefox.ja4_r.split('_').next(), Some("t13d1617h2"));
    assert_like_browser(Profile::firefox(), &firefox);
}

/// JA4_b (the sorted cipher suites) of the browsers without a capture in refdata, as
/// published: Safari 18 from FoxIO's JA4 database (`t13d2014h2_a09f3c656075_…`), OkHttp 4
/// computed from bogdanfinn/tls-client's `Okhttp4Android10` (`t13d1513h2_8daaf6152771_…`),
/// as the profiles' doc comments cite.
#[test]
fn profiles_without_a_capture_meet_their_published_ja4_b() {
    for (profile, ja4_b) in [
        (Profile::safari(), "a09f3c656075"),
        (Profile::safari_ios(), "a09f3c656075"),
        (Profile::okhttp(), "8daaf6152771"),
    ] {
        let name = profile.name().to_owned();
        let ours = capture(profile)[0].ja4();
        assert_eq!(ours.split('_').nth(1), Some(ja4_b), "{name}: {ours}");
    }
}

/// Key shares rustls sends for `groups`: the first, and X25519 with X25519MLKEM768.
fn expected_shares(groups: &[u16]) -> Vec<u16> {
    match groups.first() {
        Some(0x11ec) if groups.contains(&0x001d) => vec![0x11ec, 0x001d],
        Some(&first) => vec![first],
        None => vec![],
    }
}

/// The TLS configuration renders each profile's own spec (the rendering, not the browser
/// likeness, which the tests above check), and the retry is the fallback.
#[test]
fn each_profile_sends_its_spec_then_a_fallback_retry() {
    for name in Profile::list() {
        let profile = Profile::by_name(name).unwrap();
        let spec = profile.tls().clone();
        let hellos = capture(profile);
        let (first, retry) = (&hellos[0], &hellos[1]);

        assert_eq!(
            strip_grease(&first.cipher_suites),
            spec.cipher_suites,
            "{name}: cipher suites, in order"
        );
        assert_eq!(
            first.supported_groups, spec.groups,
            "{name}: groups, in order"
        );
        let shares: Vec<u16> = first.key_shares.iter().map(|(g, _)| *g).collect();
        assert_eq!(shares, expected_shares(&spec.groups), "{name}: key shares");
        assert_eq!(
            first.signature_algorithms, spec.signature_algorithms,
            "{name}: signature algorithms"
        );
        assert_eq!(first.alpn, ALPN, "{name}");
        assert_eq!(
            first.compress_certificate, spec.cert_compression,
            "{name}: certificate compression"
        );
        assert_eq!(
            first.extension(0xfe0d).is_some(),
            spec.ech_grease,
            "{name}: ECH GREASE"
        );
        assert_eq!(
            first.supported_versions, SUPPORTED_VERSIONS,
            "{name}: the fingerprint hello is TLS 1.3 only"
        );
        assert!(
            !first.cipher_suites.contains(&0x00ff),
            "{name}: no renegotiation SCSV"
        );

        // The fallback retry: what rustls can negotiate, TLS 1.2 and 1.3.
        assert_eq!(retry.supported_versions, [0x0304, 0x0303], "{name}");
        assert!(
            retry.cipher_suites.iter().all(|c| [
                0x1301, 0x1302, 0x1303, 0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca8, 0xcca9, 0x00ff
            ]
            .contains(c)),
            "{name}: {:x?}",
            retry.cipher_suites
        );
        assert!(
            retry.extension(0xfe0d).is_none(),
            "{name}: no ECH in the fallback hello"
        );
    }
}
