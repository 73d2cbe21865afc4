//! Through a real third-party proxy: pproxy (Python), HTTP and SOCKS5 on one port, one
//! without credentials (`PPROXY_OPEN`) and one that wants `alice:s3cret` (`PPROXY_AUTH`),
//! both `host:port`. `.ci/run` starts them (`.ci/pproxy.sh start`) and sets
//! `TLS_REQUESTS_REQUIRE_PPROXY=1`, so these tests cannot pass there without them; elsewhere
//! they are skipped, and say so. Locally:
//! `eval "export $(.ci/pproxy.sh start)"; cargo test --test it pproxy`.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tls_requests::rt::BoxFuture;
use tls_requests::transport::Resolve;
use tls_requests::{AsyncClient, Kind, Proxy};

use crate::support::{Reply, Server, refused_port, run};
use crate::watchdog::within;

/// The proxies' addresses, open and with credentials, or `None` (the test skips).
fn pproxy() -> Option<(String, String)> {
    let found = (std::env::var("PPROXY_OPEN"), std::env::var("PPROXY_AUTH"));
    let (Ok(open), Ok(auth)) = found else {
        assert!(
            std::env::var_os("TLS_REQUESTS_REQUIRE_PPROXY").is_none(),
            "pproxy is required (TLS_REQUESTS_REQUIRE_PPROXY) but PPROXY_OPEN and PPROXY_AUTH are not set"
        );
        static SAID: std::sync::Once = std::sync::Once::new();
        SAID.call_once(|| {
            use std::io::Write as _;
            let line = "\npproxy tests SKIPPED (they passed without running): PPROXY_OPEN and \
                        PPROXY_AUTH are not set; eval \"export $(.ci/pproxy.sh start)\" to run them\n";
            let _ = std::io::stderr().write_all(line.as_bytes());
        });
        return None;
    };
    Some((open, auth))
}

fn through(proxy: &str) -> AsyncClient {
    AsyncClient::builder()
        .timeout(Duration::from_secs(20))
        .proxy(Proxy::all(proxy).unwrap())
        .build()
        .unwrap()
}

#[test]
fn http_and_https_origins_through_the_http_proxy() {
    let Some((open, auth)) = pproxy() else { return };
    let plain = Server::plain(|s| Reply::ok(&format!("plain {}", s.target)));
    let body: String = (0..1 << 20)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let expected = body.clone();
    let secure = Server::tls(move |s| match s.target.as_str() {
        "/big" => Reply::ok(&body),
        _ => Reply::ok(&format!("secure {}", s.target)),
    });
    for proxy in [
        format!("http://{open}"),
        format!("http://alice:s3cret@{auth}"),
    ] {
        let client = secure
            .client()
            .timeout(Duration::from_secs(20))
            .proxy(Proxy::all(&proxy).unwrap())
            .build()
            .unwrap();
        run(async {
            let text = |url: String| {
                let client = client.clone();
                async move { client.get(url).await.unwrap().text().await.unwrap() }
            };
            assert_eq!(text(plain.url("/a?b=1")).await, "plain /a?b=1");
            assert_eq!(text(secure.url("/x")).await, "secure /x");
            let big = text(secure.url("/big")).await;
            assert!(
                big == expected,
                "{} bytes through CONNECT, not the megabyte",
                big.len()
            );
        });
    }
    // The profile's headers reached the origin, the proxy's credentials did not.
    for seen in plain.seen().iter().chain(&secure.seen()) {
        assert_eq!(seen.header("proxy-authorization"), None, "{}", seen.head);
        assert!(seen.header("user-agent").unwrap().contains("Chrome"));
    }
}

/// Every name resolves to 127.0.0.1 here.
struct Here;

impl Resolve for Here {
    fn resolve<'a>(&'a self, _: &'a str, port: u16) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        Box::pin(async move { Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))]) })
    }
}

#[test]
fn socks5_resolves_here_and_socks5h_at_the_proxy() {
    let Some((open, auth)) = pproxy() else { return };
    let origin = Server::plain(|_| Reply::ok("through socks"));
    // A name only this client can resolve: through socks5 it works, through socks5h the
    // proxy cannot find it.
    let url = format!("http://origin.invalid:{}/", origin.addr.port());
    for proxy in [
        format!("socks5://{open}"),
        format!("socks5://alice:s3cret@{auth}"),
    ] {
        let client = AsyncClient::builder()
            .resolver(Here)
            .proxy(Proxy::all(&proxy).unwrap())
            .build()
            .unwrap();
        let text = run(async { client.get(&url).await.unwrap().text().await.unwrap() });
        assert_eq!(text, "through socks", "{proxy}");
    }
    let remote = AsyncClient::builder()
        .resolver(Here)
        .proxy(Proxy::all(&format!("socks5h://{open}")).unwrap())
        .build()
        .unwrap();
    let err = run(remote.get(&url).send()).unwrap_err();
    // pproxy answers a SOCKS request with success before it connects, so a name it cannot
    // resolve shows as the tunnel closing at once.
    assert!(
        !err.is_connect(),
        "the proxy looked the name up, not this client: {err}"
    );
    assert_eq!(origin.seen().len(), 2, "only the socks5 requests arrived");
    let by_name = format!("http://localhost:{}/", origin.addr.port());
    let text = run(async { remote.get(&by_name).await.unwrap().text().await.unwrap() });
    assert_eq!(text, "through socks");
}

#[test]
fn wrong_or_missing_credentials_are_told_apart() {
    let Some((_, auth)) = pproxy() else { return };
    let origin = Server::plain(|_| Reply::ok("never"));
    let url = origin.url("/");
    for (proxy, says) in [
        (format!("http://alice:wrong@{auth}"), "407"),
        (format!("http://{auth}"), "407"),
        (
            format!("socks5://alice:wrong@{auth}"),
            "authentication failed",
        ),
        (format!("socks5://{auth}"), "user name and password"),
    ] {
        let err = run(through(&proxy).get(&url).send()).unwrap_err();
        assert_eq!(err.kind(), Kind::Proxy, "{proxy}: {err}");
        assert!(err.to_string().contains(says), "{proxy}: {err}");
        assert!(!err.to_string().contains("wrong"), "{err}");
    }
    assert!(origin.seen().is_empty());
}

#[test]
fn a_proxy_that_is_down_or_no_proxy_at_all_fails_fast_and_clearly() {
    if pproxy().is_none() {
        return;
    }
    let origin = Server::plain(|_| Reply::ok("hello"));
    let down = format!("http://127.0.0.1:{}", refused_port());
    let err = within(
        Duration::from_secs(3),
        "a request through a proxy that is down",
        {
            let url = origin.url("/");
            move || async move { through(&down).get(url).send().await.unwrap_err() }
        },
    );
    assert!(
        err.is_connect() && err.to_string().contains("proxy"),
        "{err}"
    );
    // An origin server given as the proxy: it answers CONNECT and SOCKS with nonsense.
    let not_a_proxy = format!("127.0.0.1:{}", origin.addr.port());
    for proxy in [
        format!("http://{not_a_proxy}"),
        format!("socks5h://{not_a_proxy}"),
    ] {
        let err = run(through(&proxy).get("https://example.invalid/").send()).unwrap_err();
        assert_eq!(err.kind(), Kind::Proxy, "{proxy}: {err}");
    }
}

/// Origins on `::1`, through the HTTP proxy (absolute form and CONNECT to `[::1]:port`) and
/// SOCKS5 (an IPv6 address in the request).
#[test]
fn origins_on_ipv6_loopback_through_both_protocols() {
    let Some((open, _)) = pproxy() else { return };
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback here: the ::1 origins are not tested");
        return;
    }
    let plain = Server::plain_v6(|s| Reply::ok(&format!("v6 {}", s.target)));
    let secure = Server::tls_v6(|s| Reply::ok(&format!("v6 tls {}", s.target)));
    let cert = tls_requests::Certificate::from_pem(secure.cert_pem.as_bytes()).unwrap();
    for proxy in [
        format!("http://{open}"),
        format!("socks5://{open}"),
        format!("socks5h://{open}"),
    ] {
        let client = AsyncClient::builder()
            .add_root_certificate(cert[0].clone())
            .timeout(Duration::from_secs(20))
            .proxy(Proxy::all(&proxy).unwrap())
            .build()
            .unwrap();
        run(async {
            let text = client
                .get(plain.url("/a"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(text, "v6 /a", "{proxy}");
            let text = client
                .get(secure.url("/b"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(text, "v6 tls /b", "{proxy}");
        });
    }
}
