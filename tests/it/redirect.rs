//! Redirects over real sockets: methods, bodies, origins, limits, history.

use tls_requests::{AsyncClient, Body};

use crate::support::{Reply, Server, run};

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
    let other = Server::plain(|_| Reply::ok("other"));
    let target = other.url("/landing");
    let server = Server::plain(move |s| match s.target.as_str() {
        "/same" => redirect(302, "/here"),
        "/away" => redirect(302, &target),
        _ => Reply::ok("here"),
    });
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
