//! The names a reqwest user reaches for, with reqwest's meaning: `user_agent`, `version`,
//! `try_clone`, `remote_addr`, `is_builder`, `is_request`; errors that name the request;
//! `Response`'s `Debug`; `Headers` made from and turned into `http::HeaderMap`.

use std::net::Ipv4Addr;

use http::{HeaderMap, HeaderName, HeaderValue, Version, header};
use tls_requests::{AsyncClient, Body, Headers, Kind, MockResponse, MockTransport, Proxy};

use crate::proxy::{Speaks, TestProxy};
use crate::support::{Reply, Server, minimal_profile, refused_addr, run};

#[test]
fn user_agent_replaces_the_profiles_in_its_place() {
    let server = Server::plain(|_| Reply::ok("ok"));
    let client = server
        .client()
        .profile(minimal_profile())
        .decompress(false)
        .user_agent("my-crawler/1.0")
        .build()
        .unwrap();
    run(async { client.get(server.url("/")).await.unwrap() });
    let seen = &server.seen()[0];
    let names: Vec<_> = seen.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Host", "User-Agent", "Accept"], "{}", seen.head);
    assert_eq!(seen.header("user-agent"), Some("my-crawler/1.0"));

    let err = AsyncClient::builder()
        .user_agent("bad\nvalue")
        .build()
        .unwrap_err();
    assert!(err.is_builder() && err.is_header(), "{err:?}");
}

#[test]
fn a_request_sent_as_http_1_0_says_so_and_closes_its_connection() {
    let server = Server::plain(|_| Reply::ok("ok"));
    // A profile without `Connection: keep-alive`, which Chrome's sends.
    let client = server.client().profile(minimal_profile()).build().unwrap();
    run(async {
        for _ in 0..2 {
            let r = client
                .get(server.url("/old"))
                .version(Version::HTTP_10)
                .await
                .unwrap();
            assert_eq!(r.request().version(), Version::HTTP_10);
            assert_eq!(r.text().await.unwrap(), "ok");
        }
        // Asked to, an HTTP/1.0 connection is kept, as the HTTP/1.1 default is.
        let kept = || {
            client
                .get(server.url("/kept"))
                .version(Version::HTTP_10)
                .header("Connection", "keep-alive")
        };
        kept().await.unwrap().text().await.unwrap();
        kept().await.unwrap().text().await.unwrap();
        client
            .get(server.url("/new"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
    });
    let seen = server.seen();
    assert!(
        seen[0].head.starts_with("GET /old HTTP/1.0\r\n"),
        "{}",
        seen[0].head
    );
    assert!(
        seen[4].head.starts_with("GET /new HTTP/1.1\r\n"),
        "{}",
        seen[4].head
    );
    let conns: Vec<_> = seen.iter().map(|s| s.conn).collect();
    assert_eq!(
        conns,
        [0, 1, 2, 2, 2],
        "one per HTTP/1.0 request, unless kept"
    );
}

#[test]
fn versions_the_client_cannot_send_are_builder_errors() {
    let server = Server::plain(|_| Reply::ok("never"));
    let client = server.client().build().unwrap();
    run(async {
        let err = client
            .get(server.url("/"))
            .version(Version::HTTP_2)
            .await
            .unwrap_err();
        assert!(err.is_builder() && !err.is_request(), "{err:?}");
        assert!(err.to_string().contains("HTTP/2"), "{err}");
        assert_eq!(err.url().unwrap().as_str(), server.url("/"));
        // Set on the request itself, it fails as it is sent.
        let mut request = client.get(server.url("/")).build().unwrap();
        *request.version_mut() = Version::HTTP_3;
        assert!(client.send(request).await.unwrap_err().is_builder());
        // HTTP/1.0 has no chunked coding for a body of unknown length.
        let err = client
            .post(server.url("/"))
            .version(Version::HTTP_10)
            .body(Body::from_reader(futures_lite::io::Cursor::new(
                b"x".to_vec(),
            )))
            .await
            .unwrap_err();
        assert!(err.is_builder(), "{err:?}");
        assert!(err.to_string().contains("HTTP/1.0"), "{err}");
    });
    assert_eq!(server.connections(), 0, "nothing was sent");
}

#[test]
fn try_clone_copies_a_request_unless_its_body_is_a_stream() {
    let server = Server::plain(|seen| Reply::ok(&String::from_utf8_lossy(&seen.body)));
    let client = server.client().build().unwrap();
    run(async {
        let post = client
            .post(server.url("/twice"))
            .header("X-A", "1")
            .body("payload");
        let copy = post.try_clone().expect("a body in memory");
        assert_eq!(copy.await.unwrap().text().await.unwrap(), "payload");
        assert_eq!(post.await.unwrap().text().await.unwrap(), "payload");

        let request = client
            .put(server.url("/r"))
            .version(Version::HTTP_10)
            .body("r")
            .build()
            .unwrap();
        let copy = request.try_clone().unwrap();
        assert_eq!(copy.version(), Version::HTTP_10);
        assert_eq!(copy.method(), "PUT");
        client.send(copy).await.unwrap().text().await.unwrap();

        let stream = Body::from_reader(futures_lite::io::Cursor::new(b"once".to_vec()));
        let streamed = client.post(server.url("/")).body(stream);
        assert!(streamed.try_clone().is_none());
        let failed = client.get(server.url("/")).header("X", "a\nb");
        assert!(failed.try_clone().is_none(), "a builder holding an error");
    });
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[1].header("x-a"), Some("1"));
    assert!(seen[2].head.starts_with("PUT /r HTTP/1.0\r\n"));
}

#[test]
fn remote_addr_is_the_servers_or_the_proxys() {
    let plain = Server::plain(|_| Reply::ok("ok"));
    let tls = Server::tls(|_| Reply::ok("ok"));
    let proxy = TestProxy::start(Speaks::Connect(None));
    run(async {
        let client = plain.client().build().unwrap();
        let r = client.get(plain.url("/")).await.unwrap();
        assert_eq!(r.remote_addr(), Some(plain.addr));
        let client = tls.client().build().unwrap();
        let r = client.get(tls.url("/")).await.unwrap();
        assert_eq!(r.remote_addr(), Some(tls.addr));
        // Through a proxy, a tunnel or a forwarded request alike, the peer is the proxy.
        let through = tls
            .client()
            .proxy(Proxy::all(&proxy.url("http")).unwrap())
            .build()
            .unwrap();
        let r = through.get(tls.url("/")).await.unwrap();
        assert_eq!(r.remote_addr(), Some(proxy.addr()));
        let forward = plain.client().proxy(Proxy::all(&plain.url("")).unwrap());
        let r = forward
            .build()
            .unwrap()
            .get("http://origin.test/")
            .await
            .unwrap();
        assert_eq!(r.remote_addr(), Some(plain.addr));
        // A connector that does not say has none.
        let mock = MockTransport::new(|_| MockResponse::new(200));
        let client = AsyncClient::builder().connector(mock).build().unwrap();
        let r = client.get("https://example.com/").await.unwrap();
        assert_eq!(r.remote_addr(), None);
    });
    assert_eq!(proxy.asked().len(), 1);
}

#[test]
fn a_bad_header_is_a_builder_error_naming_the_url() {
    let server = Server::plain(|_| Reply::ok("never"));
    let client = server.client().build().unwrap();
    run(async {
        let url = server.url("/path");
        let err = client
            .get(&url)
            .header("X-Bad", "a\r\nb")
            .await
            .unwrap_err();
        assert!(
            err.is_builder() && err.is_header() && !err.is_request(),
            "{err:?}"
        );
        assert_eq!(err.url().map(|u| u.as_str()), Some(&*url));
        assert!(err.to_string().contains(&format!("GET {url}")), "{err}");
        let err = client.get("http://").await.unwrap_err();
        assert!(err.is_builder() && err.is_url(), "{err:?}");
    });
    assert_eq!(server.connections(), 0);
}

#[test]
fn a_refused_connection_names_the_request_without_its_credentials() {
    let addr = refused_addr(Ipv4Addr::LOCALHOST.into());
    let client = AsyncClient::builder().build().unwrap();
    let url = format!("http://user:secret@{addr}/path?q=1");
    let err = run(client.post(&url).body("x").send()).unwrap_err();
    assert!(
        err.is_connect() && err.is_request() && !err.is_builder(),
        "{err:?}"
    );
    assert_eq!(err.method(), Some(&http::Method::POST));
    assert_eq!(
        err.url().unwrap().password(),
        Some("secret"),
        "the URL is whole"
    );
    let shown = err.to_string();
    let expected = format!("connection failed for POST http://{addr}/path?q=1: ");
    assert!(shown.starts_with(&expected), "{shown}");
    assert!(shown.to_lowercase().contains("refused"), "{shown}");
    for printed in [shown, format!("{err:?}")] {
        assert!(
            !printed.contains("secret") && !printed.contains("user"),
            "{printed}"
        );
    }
}

#[test]
fn a_body_that_is_not_json_is_a_decode_error_naming_the_request() {
    let server = Server::plain(|_| Reply::ok("<html>not json</html>"));
    let client = server.client().build().unwrap();
    let url = server.url("/api/items");
    let err = run(async {
        let r = client.get(&url).await.unwrap();
        r.json::<Vec<u32>>().await.unwrap_err()
    });
    assert!(
        err.is_decode() && !err.is_body() && !err.is_request(),
        "{err:?}"
    );
    assert_eq!(err.url().map(|u| u.as_str()), Some(&*url));
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!("body decoding failed for GET {url}: ")),
        "{shown}"
    );
    assert!(shown.contains("line 1 column 1"), "serde's cause: {shown}");
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn an_error_reading_the_body_names_the_request() {
    let server =
        Server::plain(|_| Reply::raw(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").close());
    let client = server.client().build().unwrap();
    let url = server.url("/short");
    run(async {
        for read in 0..3 {
            let r = client.get(&url).await.unwrap();
            let err = match read {
                0 => r.bytes().await.unwrap_err(),
                1 => r.text().await.unwrap_err(),
                _ => {
                    use futures_lite::StreamExt;
                    let mut stream = r.bytes_stream();
                    loop {
                        match stream.next().await {
                            Some(Ok(_)) => continue,
                            Some(Err(e)) => break e,
                            None => panic!("the body ended without its last 7 bytes"),
                        }
                    }
                }
            };
            assert!(!err.is_request(), "the head had arrived: {err:?}");
            assert_eq!(err.method(), Some(&http::Method::GET), "{err:?}");
            assert!(err.to_string().contains(&format!("GET {url}")), "{err}");
        }
    });
}

#[test]
fn response_debug_shows_status_version_url_and_headers() {
    let server = Server::plain(|_| Reply::status(201, &[("X-Served-By", "test")], "made"));
    let client = server.client().build().unwrap();
    let r = run(client.get(server.url("/debug")).send());
    let r = r.unwrap();
    let printed = format!("{r:?}");
    for part in [
        "201",
        "HTTP/1.1",
        &server.url("/debug"),
        "X-Served-By",
        "\"test\"",
        &format!("remote_addr: {}", server.addr),
    ] {
        assert!(printed.contains(part), "{part} in {printed}");
    }
    assert_eq!(r.to_string(), "<Response [201 Created]>");
}

#[test]
fn header_maps_go_where_headers_go() {
    let server = Server::plain(|_| Reply::ok("ok"));
    let mut defaults = HeaderMap::new();
    defaults.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("fr"));
    let client = server
        .client()
        .profile(minimal_profile())
        .decompress(false)
        .header("X-Client", "1")
        .default_headers(defaults)
        .build()
        .unwrap();
    let mut map = HeaderMap::new();
    map.append("x-repeat", HeaderValue::from_static("a"));
    map.append("x-repeat", HeaderValue::from_static("b"));
    let ours = Headers::try_from([("X-Mine", "m")]).unwrap();
    run(async {
        client
            .get(server.url("/"))
            .header("X-Repeat", "replaced")
            .headers(map)
            .headers(&ours)
            .headers(ours.clone())
            .await
            .unwrap();
    });
    let seen = &server.seen()[0];
    let fields: Vec<_> = seen
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}"))
        .collect();
    assert_eq!(
        fields,
        [
            "Host: 127.0.0.1:".to_owned() + &server.addr.port().to_string(),
            "User-Agent: ".to_owned() + crate::support::USER_AGENT,
            "Accept: */*".to_owned(),
            "X-Client: 1".to_owned(),
            "accept-language: fr".to_owned(),
            "x-repeat: a".to_owned(),
            "x-repeat: b".to_owned(),
            "X-Mine: m".to_owned(),
        ]
    );
}

#[test]
fn headers_take_any_name_and_convert_to_and_from_header_maps() {
    let mock = MockTransport::new(|_| {
        MockResponse::new(200)
            .header("Set-Cookie", "a=1")
            .header("Vary", "Accept")
            .header("set-cookie", "b=2")
    });
    let client = AsyncClient::builder().connector(mock).build().unwrap();
    let r = run(client.get("https://example.com/").send()).unwrap();
    let h = r.headers();
    let name = HeaderName::from_static("set-cookie");
    assert!(h.contains_key(header::VARY) && h.contains_key("vary") && !h.contains_key("x"));
    assert_eq!(h.get(&name).unwrap(), "a=1");
    assert_eq!(h.get(String::from("VARY")).unwrap(), "Accept");
    let all: Vec<_> = h.get_all(header::SET_COOKIE).collect();
    assert_eq!(all, ["a=1", "b=2"]);
    assert_eq!(h.get_all(&name).count(), 2);

    let map = HeaderMap::from(h);
    assert_eq!(map.get_all("set-cookie").iter().count(), 2);
    assert_eq!(HeaderMap::from(h.clone()), h.to_header_map());
    let back = Headers::from(&map);
    let names: Vec<_> = back.names().collect();
    assert_eq!(
        names,
        ["set-cookie", "set-cookie", "vary", "content-length"]
    );

    let typed: Headers = [
        (header::ACCEPT, HeaderValue::from_static("*/*")),
        (header::ACCEPT, HeaderValue::from_static("text/html")),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        typed.get_all("accept").count(),
        2,
        "repeats kept, as HeaderMap's"
    );
    let err = Headers::try_from([("Bad Name", "1")]).unwrap_err();
    assert_eq!(err.kind(), Kind::Header);
}
