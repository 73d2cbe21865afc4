//! Redirects over real sockets: methods, bodies, origins, limits, history.

use std::time::Duration;

use tls_requests::{AsyncClient, Body, MockResponse, MockTransport};

use crate::support::{Reply, Server, fetch, minimal_profile_with, run};
use crate::watchdog::within;

/// A server whose `/same` redirects to its own `/here` and `/away` to `other`'s `/landing`,
/// and `other`: two origins.
fn two_origins() -> (Server, Server) {
    let other = Server::plain(|_| Reply::ok("other"));
    let target = other.url("/landing");
    let server = Server::plain(move |s| match s.target.as_str() {
        "/same" => redirect(302, "/here"),
        "/away" => redirect(302, &target),
        _ => Reply::ok("here"),
    });
    (server, other)
}

fn redirect(code: u16, to: &str) -> Reply {
    Reply::status(code, &[("Location", to)], "moved")
}

#[test]
fn see_other_family_becomes_get_without_body() {
    for code in [301, 302, 303] {
        let server = Server::plain(move |s| match s.target.as_str() {
            "/from" => redirect(code, "/to"),
            _ => Reply::ok(&format!("{} {}", s.method, s.body.len())),
        });
        run(async {
            let client = AsyncClient::new();
            let r = client
                .post(server.url("/from"))
                .header("Content-Type", "text/plain")
                .body("data")
                .await
                .unwrap();
            assert_eq!(r.url().path(), "/to");
            assert_eq!(r.history().len(), 1);
            assert_eq!(r.history()[0].status(), code);
            assert_eq!(r.text().await.unwrap(), "GET 0", "code {code}");
            let second = &server.seen()[1];
            assert_eq!(
                (
                    second.header("content-type"),
                    second.header("content-length")
                ),
                (None, None)
            );
            let head = client.head(server.url("/from")).await.unwrap();
            assert_eq!(
                server.seen()[3].method,
                "HEAD",
                "HEAD stays HEAD after {code}"
            );
            assert_eq!(head.status(), 200);
            assert_eq!(
                server.connections(),
                1,
                "redirect bodies drained, connection reused"
            );
        });
    }
}

#[test]
fn temporary_and_permanent_keep_method_and_body() {
    for code in [307, 308] {
        let server = Server::plain(move |s| match s.target.as_str() {
            "/from" => redirect(code, "to"),
            _ => Reply::ok(&format!(
                "{} {}",
                s.method,
                String::from_utf8_lossy(&s.body)
            )),
        });
        run(async {
            let client = AsyncClient::new();
            let r = client.put(server.url("/from")).body("data").await.unwrap();
            assert_eq!(r.text().await.unwrap(), "PUT data", "code {code}");
            let stream = Body::from_reader(futures_lite::io::Cursor::new(b"once".to_vec()));
            let err = client
                .post(server.url("/from"))
                .body(stream)
                .await
                .unwrap_err();
            assert!(err.is_redirect(), "{err}");
            assert!(err.to_string().contains("streaming body"), "{err}");
        });
    }
}

#[test]
fn loops_are_bounded_and_history_is_kept() {
    let server = Server::plain(|s| {
        let n: usize = s.target.trim_start_matches('/').parse().unwrap_or(0);
        if n < 5 {
            redirect(302, &format!("/{}", n + 1))
        } else {
            Reply::ok("end")
        }
    });
    let looped = Server::plain(|_| redirect(302, "/again"));
    run(async {
        let client = AsyncClient::new();
        let r = client.get(server.url("/0")).await.unwrap();
        let path: Vec<_> = r
            .history()
            .iter()
            .map(|h| h.url().path().to_owned())
            .collect();
        assert_eq!(path, ["/0", "/1", "/2", "/3", "/4"]);
        assert_eq!(r.url().path(), "/5");

        let err = client
            .get(server.url("/0"))
            .max_redirects(4)
            .await
            .unwrap_err();
        assert!(
            err.is_redirect() && err.to_string().contains("too many redirects"),
            "{err}"
        );
        let err = client.get(looped.url("/")).await.unwrap_err();
        assert!(err.is_redirect(), "{err}");
        assert_eq!(
            looped.seen().len(),
            21,
            "the first request and 20 redirects"
        );

        let r = client
            .get(server.url("/0"))
            .follow_redirects(false)
            .await
            .unwrap();
        assert_eq!(
            (
                r.status().as_u16(),
                r.headers().get("location").unwrap().to_str().unwrap()
            ),
            (302, "/1")
        );
        let not_following = AsyncClient::builder()
            .follow_redirects(false)
            .build()
            .unwrap();
        assert_eq!(
            not_following.get(server.url("/0")).await.unwrap().status(),
            302
        );
    });
}

#[test]
fn credentials_are_dropped_across_origins_only() {
    let (server, other) = two_origins();
    run(async {
        let client = AsyncClient::new();
        let with_credentials = |path: &str| {
            client
                .get(server.url(path))
                .header("Authorization", "Bearer secret")
                .header("Cookie", "id=1")
                .header("Proxy-Authorization", "Basic x")
                .header("X-Kept", "yes")
        };
        with_credentials("/same")
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let same = &server.seen()[1];
        assert_eq!(same.header("authorization"), Some("Bearer secret"));
        assert_eq!(same.header("cookie"), Some("id=1"));

        let r = with_credentials("/away").await.unwrap();
        assert_eq!(r.text().await.unwrap(), "other");
        let away = &other.seen()[0];
        assert_eq!(
            (
                away.header("authorization"),
                away.header("cookie"),
                away.header("proxy-authorization")
            ),
            (None, None, None)
        );
        assert_eq!(away.header("x-kept"), Some("yes"));
        assert_eq!(
            away.header("host"),
            Some(format!("127.0.0.1:{}", other.addr.port()).as_str())
        );
    });
}

#[test]
fn bad_locations_are_redirect_errors() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/ftp" => redirect(302, "ftp://example.com/file"),
        "/none" => Reply::status(302, &[], "no location"),
        _ => redirect(301, "http://[::1"),
    });
    run(async {
        let client = AsyncClient::new();
        let err = client.get(server.url("/ftp")).await.unwrap_err();
        assert!(
            err.is_redirect() && err.to_string().contains("unsupported scheme"),
            "{err}"
        );
        let err = client.get(server.url("/bad")).await.unwrap_err();
        assert!(
            err.is_redirect() && err.to_string().contains("invalid Location"),
            "{err}"
        );
        // A redirect status without Location is a response like any other.
        let r = client.get(server.url("/none")).await.unwrap();
        assert_eq!(
            (r.status().as_u16(), r.text().await.unwrap().as_str()),
            (302, "no location")
        );
    });
}

/// Headers of the profile, the client and the request alike carry credentials only to the
/// origin they were set for: not to another host, and not from https down to http on the
/// same host (issue 15, item 1).
#[test]
fn credentials_of_every_layer_stay_on_their_origin() {
    let (server, other) = two_origins();
    let profile = minimal_profile_with(&[("Cookie", "from=profile")]);
    let client = || {
        AsyncClient::builder()
            .profile(profile.clone())
            .header("Authorization", "Bearer client-secret")
            .header("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0")
            .header("X-Kept", "yes")
    };
    let credentials = |seen: &crate::support::Seen| {
        ["authorization", "cookie", "proxy-authorization"]
            .map(|n| seen.header(n).map(str::to_owned))
    };
    run(async {
        let client = client().build().unwrap();
        fetch(&client, server.url("/same")).await;
        assert_eq!(
            credentials(&server.seen()[1]),
            [
                Some("Bearer client-secret".to_owned()),
                Some("from=profile".to_owned()),
                Some("Basic cHJveHk6c2VjcmV0".to_owned())
            ],
            "same origin: kept"
        );
        let r = client.get(server.url("/away")).await.unwrap();
        assert_eq!(r.text().await.unwrap(), "other");
        let away = &other.seen()[0];
        assert_eq!(credentials(away), [None, None, None], "{}", away.head);
        assert_eq!(away.header("x-kept"), Some("yes"));
    });

    // https to http on the same host and port is another origin too.
    let mock = MockTransport::new(|req| match (req.url.scheme(), req.url.path()) {
        ("https", "/down") => {
            MockResponse::new(302).header("Location", "http://example.com/landed")
        }
        _ => MockResponse::new(200),
    });
    run(async {
        let client = client().connector(mock.clone()).build().unwrap();
        let r = client
            .get("https://example.com/down")
            .header("Cookie", "request=1")
            .await
            .unwrap();
        assert_eq!(r.url().as_str(), "http://example.com/landed");
        let requests = mock.requests();
        assert_eq!(requests.len(), 2);
        assert!(requests[0].headers.contains("authorization"));
        for name in ["authorization", "cookie", "proxy-authorization"] {
            assert!(!requests[1].headers.contains(name), "{name} went to http");
        }
    });
}

/// A redirect whose body stalls part way does not hold the request: with a default client
/// (no total timeout) the next hop goes out on a new connection (issue 15, item 2).
#[test]
fn a_stalled_redirect_body_does_not_hang_the_request() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/from" => Reply::new()
            .send(b"HTTP/1.1 302 Found\r\nLocation: /to\r\nContent-Length: 100\r\n\r\nabc")
            .wait(Duration::from_secs(20)),
        _ => Reply::ok("arrived"),
    });
    let url = server.url("/from");
    let body = within(
        Duration::from_secs(5),
        "GET of a stalled redirect",
        move || async move {
            let client = AsyncClient::new();
            client.get(url).await.unwrap().text().await.unwrap()
        },
    );
    assert_eq!(body, "arrived");
    let seen = server.seen();
    assert_eq!(seen[1].target, "/to");
    assert_eq!(seen[1].conn, 1, "the stalled connection was not reused");
}

/// `user:password@` in a URL becomes Basic auth (percent-decoded), unless the request sets
/// its own `Authorization`; it follows a redirect on the same origin only (issue 15, item 14).
#[test]
fn url_credentials_are_sent_as_basic_auth() {
    let (server, other) = two_origins();
    let with_user = |path: &str| {
        let url = server.url(path);
        url.replacen("http://", "http://al%40ice:p%3Ass%20word@", 1)
    };
    run(async {
        let client = AsyncClient::new();
        fetch(&client, with_user("/")).await;
        // base64("al@ice:p:ss word")
        let expected = Some("Basic YWxAaWNlOnA6c3Mgd29yZA==");
        assert_eq!(server.seen()[0].header("authorization"), expected);
        assert!(
            !server.seen()[0].head.contains("ice"),
            "no user in the request line"
        );

        fetch(&client, with_user("/same")).await;
        assert_eq!(server.seen()[2].header("authorization"), expected);

        fetch(&client, with_user("/away")).await;
        assert_eq!(other.seen()[0].header("authorization"), None);

        client
            .get(with_user("/"))
            .header("Authorization", "Bearer own")
            .await
            .unwrap();
        assert_eq!(
            server.seen().last().unwrap().header("authorization"),
            Some("Bearer own")
        );
        let client = AsyncClient::builder()
            .header("authorization", "Bearer client")
            .build()
            .unwrap();
        fetch(&client, with_user("/")).await;
        assert_eq!(
            server.seen().last().unwrap().header("authorization"),
            Some("Bearer client")
        );
    });
}
