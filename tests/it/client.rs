//! The client against a plain TCP server: what goes on the wire, what comes back.

use std::sync::Arc;
use std::time::Duration;

use futures_lite::{AsyncReadExt, StreamExt};
use tls_requests::{AsyncClient, Body, HeaderValue, Headers, Method, Url};

use crate::support::{Reply, Server, fetch, get_all, minimal_profile_with, refused_port, run};

#[test]
fn get_returns_status_headers_and_body_as_received() {
    let server = Server::plain(|_| {
        Reply::raw(b"HTTP/1.1 200 OK\r\nZ-First: 1\r\ncontent-TYPE: text/plain\r\nX-Dup: a\r\nX-Dup: b\r\nContent-Length: 5\r\n\r\nhello")
    });
    run(async {
        let client = AsyncClient::new();
        let r = client.get(server.url("/a")).await.unwrap();
        assert_eq!(r.to_string(), "<Response [200 OK]>");
        assert_eq!(r.version(), tls_requests::Version::HTTP_11);
        let names: Vec<_> = r.headers().names().collect();
        assert_eq!(
            names,
            [
                "Z-First",
                "content-TYPE",
                "X-Dup",
                "X-Dup",
                "Content-Length"
            ]
        );
        assert_eq!(r.headers().get_all("x-dup").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(r.url().as_str(), server.url("/a"));
        assert!(r.history().is_empty());
        assert_eq!(r.text().await.unwrap(), "hello");
    });
}

#[test]
fn request_head_keeps_order_and_case() {
    let server = Server::plain(|_| Reply::ok(""));
    run(async {
        let client = AsyncClient::builder()
            .profile(crate::support::minimal_profile())
            .header("X-Default", "d")
            .header("accept", "text/html")
            .build()
            .unwrap();
        client
            .get(server.url("/p?q=1"))
            .header("x-USER", "u")
            .header("X-Default", "override")
            .query(&[("a b", "c&d")])
            .await
            .unwrap();
        let port = server.addr.port();
        let ua = concat!("tls-requests/", env!("CARGO_PKG_VERSION"));
        let expected = format!(
            "GET /p?q=1&a+b=c%26d HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: {ua}\r\naccept: text/html\r\nX-Default: override\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nx-USER: u\r\n\r\n"
        );
        assert_eq!(server.seen()[0].head, expected);
    });
}

#[test]
fn bodies_of_each_kind_are_framed() {
    let server = Server::plain(|_| Reply::ok("ok"));
    run(async {
        let client = AsyncClient::new();
        client
            .post(server.url("/bytes"))
            .body(vec![1u8, 2, 3])
            .await
            .unwrap();
        client.put(server.url("/text")).body("text").await.unwrap();
        client
            .post(server.url("/form"))
            .form(&[("k", "v w")])
            .await
            .unwrap();
        client
            .patch(server.url("/json"))
            .json(&serde_json::json!({"a": 1}))
            .await
            .unwrap();
        client.post(server.url("/empty")).await.unwrap();
        let big = vec![7u8; 300_000];
        let reader = futures_lite::io::Cursor::new(big.clone());
        client
            .post(server.url("/stream"))
            .body(Body::from_reader(reader))
            .await
            .unwrap();
        client.delete(server.url("/delete")).await.unwrap();

        let seen = server.seen();
        assert_eq!(seen[0].body, [1, 2, 3]);
        assert_eq!(seen[0].header("content-length"), Some("3"));
        assert_eq!(
            (seen[1].method.as_str(), &seen[1].body[..]),
            ("PUT", &b"text"[..])
        );
        assert_eq!(seen[2].body, b"k=v+w");
        assert_eq!(
            seen[2].header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(seen[3].body, br#"{"a":1}"#);
        assert_eq!(seen[3].header("content-type"), Some("application/json"));
        assert_eq!(seen[4].header("content-length"), Some("0"));
        assert_eq!(seen[5].header("transfer-encoding"), Some("chunked"));
        assert_eq!(seen[5].header("content-length"), None);
        assert_eq!(seen[5].body, big);
        assert_eq!(
            (seen[6].method.as_str(), seen[6].header("content-length")),
            ("DELETE", None)
        );
        // Unread small bodies had fully arrived: dropping them kept the connection.
        assert_eq!(server.connections(), 1, "all on one keep-alive connection");
    });
}

#[test]
fn every_verb_and_send_of_a_built_request() {
    let server = Server::plain(|s| Reply::ok(&s.method));
    run(async {
        let client = AsyncClient::new();
        let url = server.url("/");
        assert_eq!(client.get(&url).await.unwrap().text().await.unwrap(), "GET");
        assert_eq!(
            client.options(&url).await.unwrap().text().await.unwrap(),
            "OPTIONS"
        );
        let head = client.head(&url).await.unwrap();
        assert_eq!(head.content_length(), Some(4));
        assert_eq!(head.bytes().await.unwrap().len(), 0, "HEAD has no body");
        let custom = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(
            client
                .request(custom, &url)
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "PURGE"
        );
        let mut request = client.build_request(Method::POST, &url).unwrap();
        request.set_body("x");
        assert_eq!(
            client.send(request).await.unwrap().text().await.unwrap(),
            "POST"
        );
        assert_eq!(server.connections(), 1);
    });
}

#[test]
fn chunked_and_close_delimited_bodies() {
    let server = Server::plain(|s| {
        match s.target.as_str() {
        "/chunked" => Reply::raw(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\n\r\n",
        ),
        _ => Reply::raw(b"HTTP/1.1 200 OK\r\n\r\nuntil the end").close(),
    }
    });
    run(async {
        let client = AsyncClient::new();
        let r = client.get(server.url("/chunked")).await.unwrap();
        let mut stream = r.bytes_stream();
        let mut body = Vec::new();
        while let Some(chunk) = stream.next().await {
            body.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(body, b"hello world");
        let mut r = client.get(server.url("/chunked")).await.unwrap();
        while r.chunk().await.unwrap().is_some() {}
        assert_eq!(r.trailers().unwrap().get("x-sum").unwrap(), "11");

        let r = client.get(server.url("/close")).await.unwrap();
        let mut text = String::new();
        r.into_reader().read_to_string(&mut text).await.unwrap();
        assert_eq!(text, "until the end");
        // The chunked connection was reused; the close-delimited one cannot be.
        fetch(&client, server.url("/chunked")).await;
        assert_eq!(server.connections(), 2);
    });
}

#[test]
fn two_hundred_tasks_share_one_client() {
    let server = Server::plain(|s| Reply::ok(&s.target));
    run(async {
        let client = AsyncClient::new();
        let paths: Vec<String> = (0..200).map(|i| format!("/{i}")).collect();
        assert_eq!(get_all(&client, &server, &paths).await, paths);
        assert!(server.connections() <= 200);
        assert_eq!(server.seen().len(), 200);
    });
}

#[test]
fn base_url_and_bad_input_fail_before_sending() {
    let server = Server::plain(|s| Reply::ok(&s.target));
    run(async {
        let client = AsyncClient::builder()
            .base_url(server.url("/api"))
            .build()
            .unwrap();
        assert_eq!(
            client.get("/users").await.unwrap().text().await.unwrap(),
            "/api/users"
        );
        assert_eq!(
            client.get("items?x=1").await.unwrap().text().await.unwrap(),
            "/api/items?x=1"
        );

        let plain = AsyncClient::new();
        assert!(plain.get("/relative").await.unwrap_err().is_url());
        assert!(plain.get("ftp://example.com/").await.unwrap_err().is_url());
        assert!(
            plain
                .get("http://exa mple.com/")
                .await
                .unwrap_err()
                .is_url()
        );
        let bad_value = plain
            .get(server.url("/"))
            .header("X-A", "a\r\nInjected: 1")
            .await
            .unwrap_err();
        assert!(bad_value.is_header(), "{bad_value}");
        let bad_name = plain
            .get(server.url("/"))
            .header("X A", "1")
            .await
            .unwrap_err();
        assert!(bad_name.is_header(), "{bad_name}");
        assert!(Method::from_bytes(b"GE T").is_err());
        assert_eq!(
            server.seen().len(),
            2,
            "nothing of the bad requests was sent"
        );
    });
}

#[test]
fn a_parsed_url_is_sent_as_it_is() {
    let server = Server::plain(|s| Reply::ok(&s.target));
    run(async {
        // With a base URL, an absolute `Url` is not resolved against it.
        let client = AsyncClient::builder()
            .base_url("http://base.invalid/api")
            .build()
            .unwrap();
        let url = Url::parse(&server.url("/a?b=1")).unwrap();
        assert_eq!(fetch(&client, &url).await, "/a?b=1");
        assert_eq!(fetch(&client, url.clone()).await, "/a?b=1");
        let request = client.build_request(Method::POST, &url).unwrap();
        assert_eq!(request.url(), &url);

        let ftp = Url::parse("ftp://example.com/").unwrap();
        let err = client.get(ftp).await.unwrap_err();
        assert!(err.is_url(), "{err}");
        assert!(err.to_string().contains("ftp://example.com/"), "{err}");
        assert_eq!(server.seen().len(), 2);
    });
}

#[test]
fn connection_refused_is_a_connect_error() {
    let port = refused_port();
    run(async {
        let err = AsyncClient::new()
            .get(format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert!(err.is_connect(), "{err}");
        assert!(
            err.to_string().contains(&format!("127.0.0.1:{port}")),
            "{err}"
        );
        assert_eq!(err.url().unwrap().port(), Some(port));
    });
}

#[test]
fn names_are_resolved_through_the_executor() {
    let server = Server::plain(|_| Reply::ok("named"));
    run(async {
        let url = format!("http://localhost:{}/", server.addr.port());
        let r = AsyncClient::new().get(url).await.unwrap();
        assert_eq!(r.text().await.unwrap(), "named");
    });
}

#[test]
fn error_for_status_carries_status_and_url() {
    let server = Server::plain(|_| Reply::status(404, &[], "missing"));
    run(async {
        let r = AsyncClient::new().get(server.url("/nope")).await.unwrap();
        assert!(r.raise_for_status().is_err());
        let err = r.error_for_status().unwrap_err();
        assert_eq!(err.status(), Some(tls_requests::StatusCode::NOT_FOUND));
        assert_eq!(err.url().unwrap().path(), "/nope");
        assert!(err.to_string().contains("404"), "{err}");
    });
}

#[test]
fn expect_continue_waits_for_the_server() {
    let server = Server::plain(|_| Reply::ok("got it"));
    run(async {
        let client = AsyncClient::new();
        let started = std::time::Instant::now();
        let r = client
            .put(server.url("/up"))
            .header("Expect", "100-continue")
            .body("payload")
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "got it");
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "sent on 100, not after the fallback wait"
        );
        assert_eq!(server.seen()[0].body, b"payload");
        // The connection is still good.
        fetch(&client, server.url("/")).await;
        assert_eq!(server.connections(), 1);
    });
}

#[test]
fn close_ends_the_pool_for_every_clone() {
    let server = Server::plain(|_| Reply::ok("x"));
    run(async {
        let client = AsyncClient::new();
        let clone = client.clone();
        fetch(&client, server.url("/")).await;
        assert_eq!(server.open(), 1);
        clone.close().await;
        let err = client.get(server.url("/")).await.unwrap_err();
        assert!(err.is_closed(), "{err}");
        for _ in 0..100 {
            if server.open() == 0 {
                break;
            }
            async_io::Timer::after(Duration::from_millis(10)).await;
        }
        assert_eq!(server.open(), 0, "idle connection was shut down");
    });
}

#[test]
fn custom_executor_runs_the_client() {
    use tls_requests::rt::{BoxFuture, Executor};
    #[derive(Default)]
    struct Counting(Arc<std::sync::atomic::AtomicUsize>);
    impl Executor for Counting {
        fn spawn(&self, task: BoxFuture<'static, ()>) {
            std::thread::spawn(move || futures_lite::future::block_on(task));
        }
        fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
            Box::pin(async move {
                async_io::Timer::after(d).await;
            })
        }
        fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(smol::unblock(job))
        }
    }
    let server = Server::plain(|_| Reply::ok("custom"));
    let exec = Counting::default();
    let jobs = exec.0.clone();
    // No smol executor involved: futures_lite's block_on drives the request.
    futures_lite::future::block_on(async {
        let client = AsyncClient::builder()
            .executor(exec)
            .pool_idle_timeout(None)
            .build()
            .unwrap();
        let url = format!("http://localhost:{}/", server.addr.port());
        assert_eq!(
            client.get(url).await.unwrap().text().await.unwrap(),
            "custom"
        );
    });
    assert_eq!(
        jobs.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "DNS went through spawn_blocking"
    );
}

#[test]
fn caller_input_cannot_inject_into_the_request() {
    let server = Server::plain(|_| Reply::ok(""));
    run(async {
        let client = AsyncClient::new();
        // URLs: tabs and newlines are removed and spaces escaped (WHATWG URL), so a path or
        // query cannot carry a line break onto the wire.
        let url = format!(
            "http://127.0.0.1:{}/a b\r\nX-Injected: 1?q=c\nd e",
            server.addr.port()
        );
        client.get(&url).await.unwrap();
        let seen = &server.seen()[0];
        assert_eq!(seen.target, "/a%20bX-Injected:%201?q=cd%20e");
        assert_eq!(seen.header("x-injected"), None);
        // Methods, header names and values with CR, LF or NUL are refused before sending.
        assert!(Method::from_bytes(b"GET\r\nX: y").is_err());
        for (name, value) in [
            ("X-A\r\nB", "1"),
            ("X-A", "1\r\nB: 2"),
            ("X-A", "1\n"),
            ("X\0", "1"),
            ("X-A", "a\0b"),
        ] {
            let err = client
                .get(server.url("/"))
                .header(name, value)
                .await
                .unwrap_err();
            assert!(err.is_header(), "{name:?}: {value:?}: {err}");
        }
        assert!(
            client
                .get("gopher://127.0.0.1/")
                .await
                .unwrap_err()
                .is_url()
        );
        assert!(client.get("http://[::1/").await.unwrap_err().is_url());
        assert_eq!(server.seen().len(), 1, "nothing else was sent");
    });
}

#[test]
fn head_limits_are_configurable() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/many" => Reply::raw(
            format!(
                "HTTP/1.1 200 OK\r\n{}Content-Length: 0\r\n\r\n",
                "X-A: 1\r\n".repeat(20)
            )
            .as_bytes(),
        ),
        _ => Reply::raw(
            format!(
                "HTTP/1.1 200 OK\r\nX-Big: {}\r\nContent-Length: 0\r\n\r\n",
                "b".repeat(3000)
            )
            .as_bytes(),
        ),
    });
    run(async {
        let default = AsyncClient::new();
        assert_eq!(
            default
                .get(server.url("/many"))
                .await
                .unwrap()
                .headers()
                .len(),
            21
        );
        assert_eq!(default.get(server.url("/big")).await.unwrap().status(), 200);

        let strict = AsyncClient::builder()
            .max_headers(10)
            .max_head_bytes(2048)
            .build()
            .unwrap();
        let err = strict.get(server.url("/many")).await.unwrap_err();
        assert!(
            err.is_protocol() && err.to_string().contains("more than 10 header fields"),
            "{err}"
        );
        let err = strict.get(server.url("/big")).await.unwrap_err();
        assert!(
            err.is_protocol() && err.to_string().contains("exceeds 2048 bytes"),
            "{err}"
        );
    });
}

/// Framing headers are the client's: a caller's `Transfer-Encoding` or `Content-Length` never
/// goes out beside the framing of the body actually sent (issue 15, item 6).
#[test]
fn a_callers_framing_headers_give_way_to_the_body() {
    let server = Server::plain(|s| Reply::ok(&format!("{}", s.body.len())));
    run(async {
        let client = AsyncClient::new();
        let empty_chunked = client
            .post(server.url("/a"))
            .header("Transfer-Encoding", "chunked");
        assert_eq!(empty_chunked.await.unwrap().text().await.unwrap(), "0");
        let empty_length = client.put(server.url("/b")).header("Content-Length", "5");
        assert_eq!(empty_length.await.unwrap().text().await.unwrap(), "0");
        let get_chunked = client
            .get(server.url("/c"))
            .header("transfer-encoding", "chunked")
            .header("Content-Length", "3");
        assert_eq!(get_chunked.await.unwrap().text().await.unwrap(), "0");
        let full = client
            .post(server.url("/d"))
            .header("Transfer-Encoding", "chunked")
            .header("Content-Length", "99")
            .body("four");
        assert_eq!(full.await.unwrap().text().await.unwrap(), "4");
        let framing = |i: usize| {
            let seen = &server.seen()[i];
            let named = |n: &str| {
                seen.headers
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(n))
                    .map(|(_, v)| v.clone())
                    .collect::<Vec<_>>()
            };
            (named("transfer-encoding"), named("content-length"))
        };
        let none = Vec::<String>::new;
        assert_eq!(framing(0), (none(), vec!["0".to_owned()]));
        assert_eq!(framing(1), (none(), vec!["0".to_owned()]));
        assert_eq!(framing(2), (none(), none()));
        assert_eq!(framing(3), (none(), vec!["4".to_owned()]));
        assert_eq!(server.connections(), 1, "every exchange was framed right");
    });
}

/// A request header replaces every default field of its name, not only the first (issue 15,
/// item 7); so does a client default over the profile's.
#[test]
fn an_override_replaces_every_field_of_its_name() {
    let server = Server::plain(|_| Reply::ok("ok"));
    let mut defaults = Headers::new();
    for (name, value) in [("X-A", "a"), ("Y", "y"), ("x-a", "b")] {
        defaults
            .append(name, HeaderValue::from_static(value))
            .unwrap();
    }
    let profile = minimal_profile_with(&[("X-P", "p1"), ("X-P", "p2")]);
    run(async {
        let client = AsyncClient::builder()
            .profile(profile)
            .default_headers(defaults)
            .header("X-P", "client")
            .build()
            .unwrap();
        fetch(&client, server.url("/default")).await;
        client
            .get(server.url("/"))
            .header("X-A", "c")
            .await
            .unwrap();
        let fields = |i: usize, name: &str| {
            server.seen()[i]
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(0, "x-a"),
            ["X-A: a", "x-a: b"],
            "defaults may repeat"
        );
        assert_eq!(fields(0, "x-p"), ["X-P: client"]);
        assert_eq!(fields(1, "x-a"), ["X-A: c"]);
        assert_eq!(fields(1, "y"), ["Y: y"]);
    });
}
