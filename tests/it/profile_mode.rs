//! A profile's two header sets on the wire: a fetch's head against the captures of
//! Chromium's and Firefox's `fetch()` (`tests/fixtures/*-fetch`), how a request's mode is
//! chosen and kept along redirects, the page fields a fetch gets, and `Profile::none`.

use tls_requests::profile::Mode;
use tls_requests::{AsyncClient, Profile, RequestBuilder};

use crate::support::{Reply, Seen, Server, run};

type Fields = Vec<(String, String)>;

/// A captured request: its fields in order, and the `host:port` it was sent to.
struct Capture {
    fields: Fields,
    host: String,
    body: String,
}

fn capture(browser: &str, file: &str) -> Capture {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let text = std::fs::read_to_string(dir.join(format!("{browser}-fetch/{file}"))).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let fields: Fields = head
        .split("\r\n")
        .skip(1)
        .map(|l| {
            let (n, v) = l.split_once(": ").unwrap();
            (n.to_owned(), v.to_owned())
        })
        .collect();
    let host = fields.iter().find(|(n, _)| n == "Host").unwrap().1.clone();
    Capture {
        fields,
        host,
        body: body.to_owned(),
    }
}

fn names(fields: &[(String, String)]) -> Vec<&str> {
    fields.iter().map(|(n, _)| n.as_str()).collect()
}

/// Sends what `make` builds with a client of `profile` to a server like the capture's (plain
/// or TLS), and returns what the server read.
fn sent(
    profile: Profile,
    tls: bool,
    make: impl FnOnce(&AsyncClient, String) -> RequestBuilder,
) -> Seen {
    let server = match tls {
        true => Server::tls(|_| Reply::ok("{}")),
        false => Server::plain(|_| Reply::ok("{}")),
    };
    run(async {
        let client = server.client().profile(profile).build().unwrap();
        make(&client, server.url("/api")).await.unwrap();
    });
    server.seen().pop().unwrap()
}

/// Our head has the capture's names, in its order and case, and its values but for
/// `differ` (the browser's identity) and the capture's `host:port`, which is ours in
/// `Host`, `Origin` and `Referer`.
fn assert_like(seen: &Seen, capture: &Capture, differ: &[&str]) {
    assert_eq!(
        names(&seen.headers),
        names(&capture.fields),
        "{}",
        seen.head
    );
    let ours = seen.header("host").unwrap();
    for ((name, value), (_, theirs)) in seen.headers.iter().zip(&capture.fields) {
        if !differ.contains(&name.as_str()) {
            let theirs = theirs.replace(&capture.host, ours);
            assert_eq!(value, &theirs, "value of {name}");
        }
    }
    assert_eq!(String::from_utf8_lossy(&seen.body), capture.body);
}

/// Google Chrome on Windows, not headless Chromium on Linux (as `profile.rs` checks for a
/// navigation).
const CHROME_IDENTITY: [&str; 3] = ["sec-ch-ua", "sec-ch-ua-platform", "User-Agent"];

#[test]
fn chromes_fetch_is_chromiums() {
    let chromium = |file| capture("chromium", file);
    let get = sent(Profile::chrome(), false, |c, url| {
        c.get(url).mode(Mode::Fetch)
    });
    assert_like(
        &get,
        &chromium("http-same-origin-get.txt"),
        &CHROME_IDENTITY,
    );
    // Over TLS as over plain HTTP (the capture at 127.0.0.1 is a secure context either way).
    let get = sent(Profile::chrome(), true, |c, url| {
        c.get(url).mode(Mode::Fetch)
    });
    assert_like(
        &get,
        &chromium("https-same-origin-get.txt"),
        &CHROME_IDENTITY,
    );

    // `.json()` is a fetch by itself: the body's fields and `Origin` where Chromium has them.
    let post = sent(Profile::chrome(), false, |c, url| {
        c.post(url).json(&serde_json::json!({"a": 1}))
    });
    assert_like(
        &post,
        &chromium("http-same-origin-post-json.txt"),
        &CHROME_IDENTITY,
    );
    // So is an `Accept` the caller sets to JSON, which goes where Chromium puts a script's.
    let accept = sent(Profile::chrome(), false, |c, url| {
        c.get(url).header("Accept", "application/json")
    });
    assert_like(
        &accept,
        &chromium("http-same-origin-get-accept-json.txt"),
        &CHROME_IDENTITY,
    );
    let delete = sent(Profile::chrome(), false, |c, url| {
        c.delete(url).mode(Mode::Fetch)
    });
    assert_like(
        &delete,
        &chromium("http-same-origin-delete.txt"),
        &CHROME_IDENTITY,
    );
    let cookie = sent(Profile::chrome(), false, |c, url| {
        c.get(url).cookies([("a", "1")]).mode(Mode::Fetch)
    });
    assert_like(
        &cookie,
        &chromium("http-same-origin-get-cookie.txt"),
        &CHROME_IDENTITY,
    );

    // Edge is Chromium too.
    let edge = sent(Profile::edge(), false, |c, url| {
        c.get(url).mode(Mode::Fetch)
    });
    assert_like(
        &edge,
        &chromium("http-same-origin-get.txt"),
        &CHROME_IDENTITY,
    );
    assert!(
        edge.header("user-agent")
            .unwrap()
            .ends_with("Edg/156.0.0.0")
    );
}

#[test]
fn firefoxs_fetch_is_firefox_esrs() {
    // Firefox on Windows, not Linux.
    let differ = ["User-Agent"];
    let firefox = |file| capture("firefox", file);
    let get = sent(Profile::firefox(), false, |c, url| {
        c.get(url).mode(Mode::Fetch)
    });
    assert_like(&get, &firefox("http-same-origin-get.txt"), &differ);
    let post = sent(Profile::firefox(), false, |c, url| {
        c.post(url).json(&serde_json::json!({"a": 1}))
    });
    assert_like(&post, &firefox("http-same-origin-post-json.txt"), &differ);
    let accept = sent(Profile::firefox(), false, |c, url| {
        c.get(url).header("Accept", "application/json")
    });
    assert_like(
        &accept,
        &firefox("http-same-origin-get-accept-json.txt"),
        &differ,
    );
    let delete = sent(Profile::firefox(), false, |c, url| {
        c.delete(url).mode(Mode::Fetch)
    });
    assert_like(&delete, &firefox("http-same-origin-delete.txt"), &differ);
    let cookie = sent(Profile::firefox(), false, |c, url| {
        c.get(url).cookies([("a", "1")]).mode(Mode::Fetch)
    });
    assert_like(
        &cookie,
        &firefox("http-same-origin-get-cookie.txt"),
        &differ,
    );
}

fn mode_of(seen: &Seen) -> &str {
    seen.header("sec-fetch-mode").unwrap()
}

#[test]
fn the_mode_is_chosen_from_the_request_unless_set() {
    let server = Server::plain(|_| Reply::ok(""));
    run(async {
        let client = AsyncClient::new();
        let url = || server.url("/m");
        client.get(url()).await.unwrap();
        client.post(url()).json(&[1]).await.unwrap();
        client
            .get(url())
            .header("accept", "application/json")
            .await
            .unwrap();
        client.post(url()).form(&[("a", "1")]).await.unwrap();
        // An explicit mode wins over the fields, either way.
        client
            .post(url())
            .json(&[1])
            .mode(Mode::Navigate)
            .await
            .unwrap();
        client.get(url()).mode(Mode::Fetch).await.unwrap();
        // A JSON `Accept` of the client's makes each of its requests a fetch.
        let api = AsyncClient::builder()
            .header("Accept", "application/json")
            .build()
            .unwrap();
        api.get(url()).await.unwrap();
        api.get(url()).mode(Mode::Navigate).await.unwrap();

        let seen = server.seen();
        let modes: Vec<&str> = seen.iter().map(mode_of).collect();
        let expected = [
            "navigate", "cors", "cors", "navigate", "navigate", "cors", "cors", "navigate",
        ];
        assert_eq!(modes, expected);
        // A navigation's own fields, not a fetch's, and the other way round.
        assert_eq!(seen[4].header("upgrade-insecure-requests"), Some("1"));
        assert_eq!(seen[4].header("origin"), None);
        assert_eq!(seen[4].header("content-type"), Some("application/json"));
        assert_eq!(seen[5].header("upgrade-insecure-requests"), None);
        assert_eq!(seen[5].header("sec-fetch-user"), None);
        assert_eq!(seen[5].header("accept"), Some("*/*"));
        // The client's Accept stays, in the caller's place.
        assert_eq!(seen[6].header("accept"), Some("application/json"));
        let names: Vec<&str> = seen[6].headers.iter().map(|(n, _)| n.as_str()).collect();
        let after = |name: &str| names[names.iter().position(|n| *n == name).unwrap() + 1];
        assert_eq!(after("User-Agent"), "Accept");
    });
}

#[test]
fn wire_headers_say_what_a_fetch_sends() {
    let server = Server::plain(|_| Reply::ok(""));
    run(async {
        let client = AsyncClient::new();
        let request = client.post(server.url("/w")).json(&[1]).build().unwrap();
        let wire = client.wire_headers(&request).unwrap();
        client.send(request).await.unwrap();
        let wire: Fields = wire
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        assert_eq!(wire, server.seen()[0].headers);
    });
}

#[test]
fn a_fetch_stays_one_along_redirects_and_keeps_its_page() {
    let target = Server::plain(|_| Reply::ok(""));
    let to = target.url("/there");
    let first = Server::plain(move |s| match s.target.as_str() {
        "/307" => Reply::status(307, &[("Location", &to)], ""),
        "/303" => Reply::status(303, &[("Location", "/here")], ""),
        _ => Reply::ok(""),
    });
    run(async {
        let client = AsyncClient::new();
        let json = serde_json::json!({"a": 1});
        client.post(first.url("/307")).json(&json).await.unwrap();
        // A 303 drops the JSON body and its `Content-Type`: still a fetch.
        client.post(first.url("/303")).json(&json).await.unwrap();
    });
    let page = first.url("");
    let page = page.trim_end_matches('/');
    let there = &target.seen()[0];
    assert_eq!(there.method, "POST");
    assert_eq!(mode_of(there), "cors");
    // Another port of the same host: the same site, from the first URL's page.
    assert_eq!(there.header("sec-fetch-site"), Some("same-site"));
    assert_eq!(there.header("origin"), Some(page));
    assert_eq!(there.header("referer"), Some(&*format!("{page}/")));
    let here = &first.seen()[2];
    assert_eq!(
        (here.method.as_str(), here.target.as_str()),
        ("GET", "/here")
    );
    assert_eq!(mode_of(here), "cors");
    assert_eq!(here.header("sec-fetch-site"), Some("same-origin"));
    assert_eq!(here.header("origin"), None);
    assert_eq!(here.header("content-type"), None);
}

#[test]
fn the_callers_page_fields_replace_the_clients() {
    let server = Server::plain(|_| Reply::ok(""));
    run(async {
        let client = AsyncClient::builder()
            .header("Referer", "https://app.example/page")
            .build()
            .unwrap();
        client
            .post(server.url("/p"))
            .json(&[1])
            .header("Origin", "https://app.example")
            .header("sec-fetch-site", "cross-site")
            .await
            .unwrap();
    });
    let seen = &server.seen()[0];
    let count = |name: &str| {
        let n = seen
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        n.count()
    };
    assert_eq!(seen.header("origin"), Some("https://app.example"));
    assert_eq!(seen.header("referer"), Some("https://app.example/page"));
    assert_eq!(seen.header("sec-fetch-site"), Some("cross-site"));
    assert_eq!(
        (count("origin"), count("referer"), count("sec-fetch-site")),
        (1, 1, 1)
    );
}

#[test]
fn okhttp_sends_one_set_in_both_modes() {
    let navigate = sent(Profile::okhttp(), false, |c, url| c.get(url));
    let fetch = sent(Profile::okhttp(), false, |c, url| {
        c.get(url).mode(Mode::Fetch)
    });
    assert_eq!(navigate.headers[1..], fetch.headers[1..]);
    assert_eq!(fetch.header("origin"), None);
}

#[test]
fn profile_none_sends_only_host_framing_and_the_callers_fields() {
    let server = Server::plain(|_| Reply::ok(""));
    run(async {
        let client = AsyncClient::builder()
            .profile(Profile::none())
            .header("X-Client", "c")
            .build()
            .unwrap();
        client
            .get(server.url("/a"))
            .header("X-Key", "k")
            .await
            .unwrap();
        client.post(server.url("/b")).json(&[1]).await.unwrap();
        client
            .get(server.url("/c"))
            .mode(Mode::Fetch)
            .await
            .unwrap();
    });
    let seen = server.seen();
    let heads: Vec<Vec<&str>> = seen.iter().map(|s| names(&s.headers)).collect();
    assert_eq!(heads[0], ["Host", "X-Client", "X-Key"]);
    assert_eq!(
        heads[1],
        ["Host", "X-Client", "Content-Type", "Content-Length"]
    );
    assert_eq!(heads[2], ["Host", "X-Client"]);
    // Chrome's ClientHello all the same (the TLS spec is the one setting it keeps).
    assert_eq!(Profile::none().tls(), Profile::chrome().tls());
}
