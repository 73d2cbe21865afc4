//! Browser profiles on the wire: headers against the refdata captures, handshakes against
//! TLS 1.3 and TLS 1.2-only servers, lookup by name.

use tls_requests::{AsyncClient, Profile};

use crate::support::{Reply, Server, run};

/// The shared reference captures (`../shared/refdata` beside the repository).
pub fn refdata(path: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/refdata");
    assert!(
        dir.is_dir(),
        "reference captures not found at {}",
        dir.display()
    );
    dir.join(path)
}

/// `(name, value)` lines of a captured request head, in order.
fn captured_head(file: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(refdata(file)).unwrap();
    text.split("\r\n")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(": ").unwrap();
            (n.to_owned(), v.to_owned())
        })
        .collect()
}

/// Sends one GET with `profile` and returns the header lines the server received.
fn sent_head(profile: Profile) -> Vec<(String, String)> {
    let server = Server::plain(|_| Reply::ok(""));
    run(async {
        let client = AsyncClient::builder().profile(profile).build().unwrap();
        client.get(server.url("/")).await.unwrap();
    });
    server.seen()[0].headers.clone()
}

/// Names and order and case must equal the capture's; values too, except `differ`.
fn assert_like_capture(profile: Profile, capture: &str, differ: &[&str]) {
    let sent = sent_head(profile);
    let captured = captured_head(capture);
    let names = |h: &[(String, String)]| h.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&sent),
        names(&captured),
        "header names, order and case"
    );
    for ((name, ours), (_, theirs)) in sent.iter().zip(&captured) {
        if name == "Host" || differ.contains(&name.as_str()) {
            continue;
        }
        assert_eq!(ours, theirs, "value of {name}");
    }
}

#[test]
fn chrome_headers_match_the_chromium_capture() {
    // By design, and only these: the profile is Google Chrome on Windows, the capture
    // headless Chromium on Linux, so the brand list (`sec-ch-ua`, checked below), the
    // platform and the User-Agent differ. Everything else, `Accept` included, is the
    // capture's.
    let differ = ["sec-ch-ua", "sec-ch-ua-platform", "User-Agent"];
    assert_like_capture(Profile::chrome(), "http/chrome-run1-1.txt", &differ);
    let sent = sent_head(Profile::chrome());
    let value = |n: &str| sent.iter().find(|(k, _)| k == n).unwrap().1.clone();
    // The GREASE brand of the capture, with Google Chrome's brand after Chromium's.
    assert!(value("sec-ch-ua").starts_with(r#""Not:A-Brand";v="8", "Chromium";v="156""#));
    assert!(
        value("User-Agent").contains("Chrome/156.0.0.0")
            && !value("User-Agent").contains("Headless")
    );
}

#[test]
fn firefox_headers_match_the_firefox_capture() {
    // By design: Firefox on Windows, not Linux.
    assert_like_capture(
        Profile::firefox(),
        "http/firefox-run1-1.txt",
        &["User-Agent"],
    );
}

#[test]
fn user_headers_replace_in_place_and_follow_the_profile() {
    let server = Server::plain(|_| Reply::ok(""));
    run(async {
        let client = AsyncClient::builder()
            .profile(Profile::firefox())
            .header("accept-language", "de")
            .build()
            .unwrap();
        client
            .get(server.url("/"))
            .header("X-Extra", "1")
            .header("User-Agent", "mine")
            .await
            .unwrap();
        let names: Vec<_> = server.seen()[0]
            .headers
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        assert_eq!(names[1], "User-Agent=mine");
        assert_eq!(names[3], "accept-language=de");
        assert_eq!(names.last().unwrap(), "X-Extra=1");

        let ordered = AsyncClient::builder()
            .profile(Profile::firefox())
            .header_order(["Accept", "user-agent", "Host"])
            .build()
            .unwrap();
        ordered.get(server.url("/")).await.unwrap();
        let names: Vec<_> = server.seen()[1]
            .headers
            .iter()
            .map(|(n, _)| n.clone())
            .collect();
        assert_eq!(
            names[..4],
            ["Accept", "User-Agent", "Host", "Accept-Language"]
        );
    });
}

#[test]
fn every_profile_handshakes_with_tls13_and_tls12_only_servers() {
    let modern = Server::tls(|s| Reply::ok(s.tls_version.as_deref().unwrap_or("?")));
    let old = Server::tls12_only(|s| Reply::ok(s.tls_version.as_deref().unwrap_or("?")));
    for name in Profile::list() {
        run(async {
            let profile = Profile::by_name(name).unwrap();
            let client = modern.client().profile(profile.clone()).build().unwrap();
            let r = client.get(modern.url("/")).await.unwrap();
            assert_eq!(r.text().await.unwrap(), "TLSv1_3", "{name}");

            let before = old.connections();
            let certs = tls_requests::Certificate::from_pem(old.cert_pem.as_bytes()).unwrap();
            let client = AsyncClient::builder()
                .profile(profile)
                .add_root_certificate(certs[0].clone())
                .pool_max_idle_per_host(0)
                .build()
                .unwrap();
            let r = client.get(old.url("/")).await.unwrap();
            assert_eq!(r.text().await.unwrap(), "TLSv1_2", "{name}");
            assert_eq!(
                old.connections() - before,
                2,
                "{name}: one refused TLS 1.3-only hello, one fallback"
            );
            // The host is remembered: the next connection uses the fallback hello at once.
            let r = client.get(old.url("/")).await.unwrap();
            assert_eq!(r.text().await.unwrap(), "TLSv1_2", "{name}");
            assert_eq!(old.connections() - before, 3, "{name}");
        });
    }
}

#[test]
fn a_rejected_certificate_is_not_retried() {
    let server = Server::tls(|_| Reply::ok("x"));
    run(async {
        let err = AsyncClient::new().get(server.url("/")).await.unwrap_err();
        assert!(err.is_tls(), "{err}");
        assert_eq!(server.connections(), 1);
    });
}

#[test]
fn profiles_by_name_and_alias() {
    let list = Profile::list();
    for expected in [
        "chrome_156",
        "firefox_153",
        "edge_156",
        "safari_18",
        "safari_ios_18",
        "okhttp4_android",
    ] {
        assert!(list.contains(&expected), "{list:?}");
    }
    assert_eq!(Profile::by_name("chrome").unwrap(), Profile::chrome());
    assert_eq!(Profile::by_name("Firefox").unwrap().name(), "firefox_153");
    assert_eq!(
        Profile::by_name("safari_ios").unwrap().name(),
        "safari_ios_18"
    );
    assert_eq!(
        Profile::by_name("okhttp").unwrap().name(),
        "okhttp4_android"
    );
    assert_eq!(Profile::default(), Profile::chrome());
    let err = Profile::by_name("netscape").unwrap_err();
    assert!(
        err.to_string().contains("chrome_156") && err.to_string().contains("netscape"),
        "{err}"
    );
    let err = AsyncClient::builder()
        .client_identifier("netscape_4")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), tls_requests::Kind::Builder);
    // A custom profile must keep something rustls can negotiate.
    assert!(
        Profile::chrome()
            .to_builder()
            .cipher_suites([0xc013])
            .build()
            .is_err()
    );
    assert!(
        Profile::chrome()
            .to_builder()
            .groups([0x0100, 0x001d])
            .build()
            .is_err()
    );
}

#[test]
fn accept_encoding_keeps_what_the_profile_sends_and_we_decode() {
    let value = |profile: Profile| {
        let sent = sent_head(profile);
        sent.iter()
            .find(|(n, _)| n == "Accept-Encoding")
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        value(Profile::chrome()).as_deref(),
        Some("gzip, deflate, br, zstd")
    );
    assert_eq!(
        value(Profile::safari()).as_deref(),
        Some("gzip, deflate, br"),
        "no zstd: Safari 18 does not send it"
    );
    assert_eq!(value(Profile::okhttp()).as_deref(), Some("gzip"));
    let shrunk = Profile::firefox()
        .to_builder()
        .header("Accept-Encoding", "gzip, compress, br")
        .build()
        .unwrap();
    assert_eq!(
        value(shrunk).as_deref(),
        Some("gzip, br"),
        "a coding we cannot decode is not offered"
    );
}
