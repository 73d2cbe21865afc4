//! The ClientHello each profile sends, captured on a local listener and parsed, against the
//! profile's spec and the real browser's JA4 from `shared/refdata`.

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use tls_requests::{AsyncClient, Profile};

use crate::clienthello::parser::{self, ClientHello, strip_grease};

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

/// Key shares rustls sends for `groups`: the first, and X25519 with X25519MLKEM768.
fn expected_shares(groups: &[u16]) -> Vec<u16> {
    match groups.first() {
        Some(0x11ec) if groups.contains(&0x001d) => vec![0x11ec, 0x001d],
        Some(&first) => vec![first],
        None => vec![],
    }
}

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
        assert_eq!(first.alpn, ["http/1.1"], "{name}");
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
            first.supported_versions,
            [0x0304],
            "{name}: the fingerprint hello is TLS 1.3 only"
        );
        assert!(
            !first.cipher_suites.contains(&0x00ff),
            "{name}: no renegotiation SCSV"
        );
        assert_eq!(first.server_name.as_deref(), Some("localhost"));

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

/// The real browser's JA4 and JA4_r, from the refdata summary.
fn browser_ja4(summary: &str) -> (String, String) {
    let path = crate::profile::refdata(&format!("summaries/{summary}.json"));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    (
        json["ja4"][0].as_str().unwrap().to_owned(),
        json["ja4_r"][0].as_str().unwrap().to_owned(),
    )
}

#[test]
fn chrome_and_firefox_meet_the_ja4_targets() {
    for (profile, summary, part_a) in [
        (Profile::chrome(), "chromium", "t13d15"),
        (Profile::firefox(), "firefox-esr", "t13d16"),
    ] {
        let (ja4, ja4_r) = browser_ja4(summary);
        let ours = &capture(profile)[0];
        let (our_ja4, our_ja4_r) = (ours.ja4(), ours.ja4_r());
        let parts = |s: &str| s.split('_').map(str::to_owned).collect::<Vec<_>>();
        let (theirs, mine) = (parts(&ja4), parts(&our_ja4));
        assert_eq!(
            mine[1], theirs[1],
            "JA4_b (cipher hash) of {summary}: ours {our_ja4}, browser {ja4}"
        );
        assert!(
            mine[0].starts_with(part_a) && mine[0].ends_with("h1"),
            "JA4_a {}",
            mine[0]
        );
        // The signature-algorithm half of part c: the list after the last '_' of JA4_r.
        assert_eq!(
            our_ja4_r.rsplit('_').next(),
            ja4_r.rsplit('_').next(),
            "signature algorithms of {summary}"
        );
    }
}
