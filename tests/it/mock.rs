//! [`MockTransport`] used the way our users test their own code: a handler answers each
//! request, and the recorded [`MockRequest`]s show exactly what the client put on the wire.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_lite::io::Cursor;
use tls_requests::{AsyncClient, Body, MockRequest, MockResponse, MockTransport, StatusCode, Url};

use crate::support::{USER_AGENT, minimal_profile};

fn client(mock: &MockTransport) -> AsyncClient {
    AsyncClient::builder()
        .profile(minimal_profile())
        .connector(mock.clone())
        .build()
        .unwrap()
}

/// A mock answering `200` with the request path as body.
fn echo_path() -> MockTransport {
    MockTransport::new(|req| MockResponse::new(200).body(req.url.path().to_owned()))
}

/// The request's fields as `Name: value` lines, in order and case as sent; without
/// `Accept-Encoding`, a default that depends on the compression features enabled.
fn fields(req: &MockRequest) -> Vec<String> {
    req.headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("accept-encoding"))
        .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
        .collect()
}

fn only_request(mock: &MockTransport) -> MockRequest {
    let requests = mock.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    requests.into_iter().next().unwrap()
}

#[test]
fn sync_handler_sees_method_url_and_query() {
    smol::block_on(async {
        let mock = MockTransport::new(|req| {
            let q = req.url.query().unwrap_or_default().to_owned();
            MockResponse::new(200).body(format!("{} {q}", req.method))
        });
        let r = client(&mock)
            .delete("https://api.test/items/7?x=1")
            .query(&[("q", "a b"), ("lang", "é")])
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.url().as_str(),
            "https://api.test/items/7?x=1&q=a+b&lang=%C3%A9"
        );
        assert_eq!(r.text().await.unwrap(), "DELETE x=1&q=a+b&lang=%C3%A9");
        let sent = only_request(&mock);
        assert_eq!(sent.method, "DELETE");
        assert_eq!(
            sent.url.as_str(),
            "https://api.test/items/7?x=1&q=a+b&lang=%C3%A9"
        );
    });
}

#[test]
fn async_handler_awaits_before_answering() {
    smol::block_on(async {
        let mock = MockTransport::new_async(|req: MockRequest| async move {
            async_io::Timer::after(Duration::from_millis(20)).await;
            MockResponse::new(201)
                .header("X-Echo-Method", req.method.as_str())
                .body(req.body)
        });
        let started = Instant::now();
        let r = client(&mock)
            .put("http://127.0.0.1:8080/slow")
            .body("later")
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(20));
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers().get("x-echo-method").unwrap(), "PUT");
        assert_eq!(r.text().await.unwrap(), "later");
        let sent = only_request(&mock);
        assert_eq!(sent.url.as_str(), "http://127.0.0.1:8080/slow");
        assert_eq!(sent.headers.get("host").unwrap(), "127.0.0.1:8080");
    });
}

#[test]
fn header_order_and_case_with_defaults_overrides_and_additions() {
    smol::block_on(async {
        let mock = echo_path();
        let client = AsyncClient::builder()
            .profile(minimal_profile())
            .connector(mock.clone())
            .header("X-Client", "c")
            .build()
            .unwrap();
        client
            .get("https://api.test/h")
            .header("accept", "text/html")
            .header("X-Added", "1")
            .header("x-lower-added", "2")
            .await
            .unwrap();
        let sent = only_request(&mock);
        assert_eq!(
            fields(&sent),
            [
                "Host: api.test".to_owned(),
                format!("User-Agent: {USER_AGENT}"),
                "accept: text/html".to_owned(),
                "X-Client: c".to_owned(),
                "X-Added: 1".to_owned(),
                "x-lower-added: 2".to_owned(),
            ]
        );
        // A feature-dependent default still comes before the request's own additions.
        let names: Vec<_> = sent.headers.names().collect();
        if let Some(i) = names.iter().position(|n| *n == "Accept-Encoding") {
            assert!(
                i < names.iter().position(|n| *n == "X-Added").unwrap(),
                "{names:?}"
            );
        }
    });
}

#[test]
fn user_agent_override_stays_in_place() {
    smol::block_on(async {
        let mock = echo_path();
        client(&mock)
            .get("https://api.test/")
            .header("user-agent", "Mozilla/5.0")
            .await
            .unwrap();
        let sent = only_request(&mock);
        assert_eq!(
            fields(&sent),
            ["Host: api.test", "user-agent: Mozilla/5.0", "Accept: */*"]
        );
    });
}

#[test]
fn bytes_and_string_bodies_are_sent_with_content_length() {
    smol::block_on(async {
        let mock = echo_path();
        let client = client(&mock);
        client
            .post("https://api.test/bytes")
            .body(vec![0u8, 1, 2, 255, b'\r', b'\n'])
            .await
            .unwrap();
        client
            .post("https://api.test/string")
            .body(String::from("héllo"))
            .await
            .unwrap();
        let sent = mock.requests();
        assert_eq!(&sent[0].body[..], [0, 1, 2, 255, b'\r', b'\n']);
        assert_eq!(sent[0].headers.get("content-length").unwrap(), "6");
        assert_eq!(&sent[1].body[..], "héllo".as_bytes());
        assert_eq!(
            fields(&sent[1]),
            [
                "Host: api.test".to_owned(),
                format!("User-Agent: {USER_AGENT}"),
                "Accept: */*".to_owned(),
                "Content-Length: 6".to_owned(),
            ]
        );
    });
}

#[test]
fn form_body_is_urlencoded_with_content_type() {
    smol::block_on(async {
        let mock = echo_path();
        client(&mock)
            .post("https://api.test/form")
            .header("X-First", "1")
            .form(&[("a", "1"), ("b", "x y&z=é")])
            .await
            .unwrap();
        let sent = only_request(&mock);
        assert_eq!(&sent.body[..], b"a=1&b=x+y%26z%3D%C3%A9");
        assert_eq!(
            fields(&sent)[3..],
            [
                "X-First: 1",
                "Content-Type: application/x-www-form-urlencoded",
                "Content-Length: 22",
            ]
        );
    });
}

#[cfg(feature = "json")]
#[test]
fn json_body_is_serialized_with_content_type() {
    #[derive(serde::Serialize)]
    struct Payload {
        name: &'static str,
        n: u32,
    }
    smol::block_on(async {
        let mock = echo_path();
        client(&mock)
            .patch("https://api.test/json")
            .json(&Payload { name: "x", n: 1 })
            .await
            .unwrap();
        let sent = only_request(&mock);
        assert_eq!(sent.method, "PATCH");
        assert_eq!(&sent.body[..], br#"{"name":"x","n":1}"#);
        assert_eq!(
            sent.headers.get("content-type").unwrap(),
            "application/json"
        );
        assert_eq!(sent.headers.get("content-length").unwrap(), "18");
    });
}

#[test]
fn streamed_body_arrives_dechunked() {
    smol::block_on(async {
        let mock = echo_path();
        let data: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        let r = client(&mock)
            .post("https://api.test/upload")
            .body(Body::from_reader(Cursor::new(data.clone())))
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "/upload");
        let sent = only_request(&mock);
        assert_eq!(sent.body.len(), data.len());
        assert!(sent.body == data, "body differs");
        assert_eq!(sent.headers.get("transfer-encoding").unwrap(), "chunked");
        assert!(!sent.headers.contains("content-length"));
        assert_eq!(fields(&sent)[3], "Transfer-Encoding: chunked");
    });
}

#[test]
fn keep_alive_reuses_one_connection() {
    smol::block_on(async {
        let mock = echo_path();
        let client = client(&mock);
        for i in 0..10 {
            let r = client.get(format!("https://api.test/{i}")).await.unwrap();
            assert_eq!(r.text().await.unwrap(), format!("/{i}"));
        }
        assert_eq!(mock.requests().len(), 10);
        assert_eq!(mock.connections(), 1);
    });
}

#[test]
fn connection_close_forces_a_new_connection() {
    smol::block_on(async {
        let mock = MockTransport::new(|req| match req.url.path() {
            "/close" => MockResponse::new(200)
                .header("Connection", "close")
                .body("bye"),
            _ => MockResponse::new(200).body("hi"),
        });
        let client = client(&mock);
        let r = client.get("https://api.test/close").await.unwrap();
        assert_eq!(r.text().await.unwrap(), "bye");
        assert_eq!(mock.connections(), 1);
        let r = client.get("https://api.test/next").await.unwrap();
        assert_eq!(r.text().await.unwrap(), "hi");
        assert_eq!(mock.connections(), 2);
        let r = client.get("https://api.test/again").await.unwrap();
        assert_eq!(r.text().await.unwrap(), "hi");
        assert_eq!(mock.connections(), 2);
    });
}

#[test]
fn found_302_turns_post_into_get_without_body() {
    smol::block_on(async {
        let mock = MockTransport::new(|req| match req.url.path() {
            "/form" => MockResponse::new(302).header("Location", "/done?ok=1"),
            _ => MockResponse::new(200).body("done"),
        });
        let r = client(&mock)
            .post("https://a.test/form")
            .form(&[("k", "v")])
            .await
            .unwrap();
        assert_eq!(r.url().as_str(), "https://a.test/done?ok=1");
        assert_eq!(r.history().len(), 1);
        assert_eq!(r.history()[0].status(), StatusCode::FOUND);
        assert_eq!(r.history()[0].url().as_str(), "https://a.test/form");
        assert_eq!(r.text().await.unwrap(), "done");
        let sent = mock.requests();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].method, "POST");
        assert_eq!(&sent[0].body[..], b"k=v");
        assert_eq!(sent[1].method, "GET");
        assert_eq!(sent[1].url.as_str(), "https://a.test/done?ok=1");
        assert!(sent[1].body.is_empty());
        assert_eq!(
            fields(&sent[1]),
            [
                "Host: a.test".to_owned(),
                format!("User-Agent: {USER_AGENT}"),
                "Accept: */*".to_owned(),
            ]
        );
        assert_eq!(mock.connections(), 1);
    });
}

#[test]
fn temporary_307_keeps_method_body_and_same_origin_credentials() {
    smol::block_on(async {
        let mock = MockTransport::new(|req| match req.url.path() {
            "/old" => MockResponse::new(307).header("Location", "https://a.test/new"),
            _ => MockResponse::new(201),
        });
        let r = client(&mock)
            .put("https://a.test/old")
            .header("Authorization", "Bearer t")
            .body("payload")
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let sent = mock.requests();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].method, "PUT");
        assert_eq!(sent[1].url.as_str(), "https://a.test/new");
        assert_eq!(&sent[1].body[..], b"payload");
        assert_eq!(sent[1].headers.get("content-length").unwrap(), "7");
        assert_eq!(sent[1].headers.get("authorization").unwrap(), "Bearer t");
    });
}

#[test]
fn moved_301_keeps_put_and_its_body() {
    smol::block_on(async {
        let mock = MockTransport::new(|req| match req.url.path() {
            "/v1/item" => MockResponse::new(301).header("Location", "/v2/item"),
            _ => MockResponse::new(204),
        });
        client(&mock)
            .put("https://a.test/v1/item")
            .body("data")
            .await
            .unwrap();
        let sent = mock.requests();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[1].method, "PUT");
        assert_eq!(&sent[1].body[..], b"data");
    });
}

#[test]
fn cross_origin_redirect_drops_credentials() {
    smol::block_on(async {
        let mock = MockTransport::new(|req| match req.url.host_str() {
            Some("a.test") => MockResponse::new(301).header("Location", "https://b.test/landing"),
            _ => MockResponse::new(200).body("b"),
        });
        let r = client(&mock)
            .get("https://a.test/start")
            .header("Authorization", "Basic eDp5")
            .header("Cookie", "sid=1")
            .header("X-Keep", "yes")
            .await
            .unwrap();
        assert_eq!(r.url().as_str(), "https://b.test/landing");
        assert_eq!(r.history().len(), 1);
        let sent = mock.requests();
        assert_eq!(sent[0].headers.get("cookie").unwrap(), "sid=1");
        assert_eq!(
            fields(&sent[1]),
            [
                "Host: b.test".to_owned(),
                format!("User-Agent: {USER_AGENT}"),
                "Accept: */*".to_owned(),
                "X-Keep: yes".to_owned(),
            ]
        );
        assert_eq!(mock.connections(), 2);
    });
}

#[test]
fn too_many_redirects_is_a_redirect_error() {
    smol::block_on(async {
        let mock = MockTransport::new(|req| {
            let n: u32 = req.url.query().unwrap_or("0").parse().unwrap();
            MockResponse::new(302).header("Location", &format!("/loop?{}", n + 1))
        });
        let client = AsyncClient::builder()
            .profile(minimal_profile())
            .connector(mock.clone())
            .max_redirects(3)
            .build()
            .unwrap();
        let err = client.get("https://a.test/loop?0").await.unwrap_err();
        assert!(err.is_redirect(), "{err:?}");
        assert_eq!(
            err.to_string(),
            "redirect failed for GET https://a.test/loop?3: too many redirects (more than 3)"
        );
        assert_eq!(mock.requests().len(), 4);
    });
}

#[test]
fn redirect_307_with_streamed_body_is_a_clear_error() {
    smol::block_on(async {
        let mock = MockTransport::new(|_| MockResponse::new(307).header("Location", "/other"));
        let err = client(&mock)
            .post("https://a.test/upload")
            .body(Body::from_reader(Cursor::new(b"once".to_vec())))
            .await
            .unwrap_err();
        assert!(err.is_redirect(), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("cannot resend a streaming body"), "{msg}");
        assert_eq!(err.url().unwrap().as_str(), "https://a.test/upload");
        let sent = only_request(&mock);
        assert_eq!(&sent.body[..], b"once");
    });
}

#[test]
fn garbage_response_is_a_protocol_error_then_the_client_recovers() {
    smol::block_on(async {
        let mock = MockTransport::new(|req| match req.url.path() {
            "/broken" => MockResponse::raw("garbage\r\n\r\n"),
            _ => MockResponse::new(200).body("fine"),
        });
        let client = client(&mock);
        let err = client.get("https://api.test/broken").await.unwrap_err();
        assert!(err.is_protocol(), "{err:?}");
        assert_eq!(
            err.to_string(),
            "HTTP protocol error for GET https://api.test/broken: response is not HTTP/1.x"
        );
        let r = client.get("https://api.test/ok").await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fine");
        assert_eq!(mock.connections(), 2);
    });
}

#[test]
fn head_response_has_no_body_and_keeps_the_connection() {
    smol::block_on(async {
        let mock = MockTransport::new(|_| MockResponse::new(200).body("hello"));
        let client = client(&mock);
        let r = client.head("https://api.test/file").await.unwrap();
        assert_eq!(r.content_length(), Some(5));
        assert!(r.bytes().await.unwrap().is_empty());
        let r = client.get("https://api.test/file").await.unwrap();
        assert_eq!(r.text().await.unwrap(), "hello");
        assert_eq!(mock.requests()[0].method, "HEAD");
        assert_eq!(mock.connections(), 1);
    });
}

#[test]
fn error_for_status_carries_status_and_url() {
    smol::block_on(async {
        let mock = MockTransport::new(|_| MockResponse::new(404).body("nope"));
        let r = client(&mock).get("https://api.test/missing").await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let err = r.error_for_status().unwrap_err();
        assert!(err.is_status());
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(
            err.url(),
            Some(&Url::parse("https://api.test/missing").unwrap())
        );
        assert_eq!(
            err.to_string(),
            "HTTP status client error (404 Not Found) for https://api.test/missing"
        );
    });
}

#[test]
fn response_headers_keep_order_and_case() {
    smol::block_on(async {
        let mock = MockTransport::new(|_| {
            MockResponse::new(200)
                .header("X-First", "1")
                .header("content-TYPE", "text/plain")
                .header("Set-Cookie", "a=1")
                .header("set-cookie", "b=2")
                .body("ok")
        });
        let r = client(&mock).get("https://api.test/").await.unwrap();
        let names: Vec<_> = r.headers().names().collect();
        assert_eq!(
            names,
            [
                "X-First",
                "content-TYPE",
                "Set-Cookie",
                "set-cookie",
                "content-length"
            ]
        );
        let cookies: Vec<_> = r.headers().get_all("SET-COOKIE").collect();
        assert_eq!(cookies, ["a=1", "b=2"]);
    });
}

#[test]
fn chunked_response_body_and_trailers() {
    smol::block_on(async {
        let mock = MockTransport::new(|_| {
            MockResponse::new(200)
                .header("Transfer-Encoding", "chunked")
                .body("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n")
        });
        let client = client(&mock);
        let mut r = client.get("https://api.test/stream").await.unwrap();
        assert_eq!(r.content_length(), None);
        let mut body = Vec::new();
        while let Some(piece) = r.chunk().await.unwrap() {
            body.extend_from_slice(&piece);
        }
        assert_eq!(body, b"hello world");
        assert_eq!(r.trailers().unwrap().get("x-checksum").unwrap(), "abc");
        client.get("https://api.test/again").await.unwrap();
        assert_eq!(mock.connections(), 1);
    });
}

#[test]
fn redirects_can_be_turned_off_per_request() {
    smol::block_on(async {
        let mock = MockTransport::new(|_| MockResponse::new(302).header("Location", "/elsewhere"));
        let r = client(&mock)
            .get("https://a.test/here")
            .follow_redirects(false)
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FOUND);
        assert_eq!(r.headers().get("location").unwrap(), "/elsewhere");
        assert!(r.history().is_empty());
        assert_eq!(mock.requests().len(), 1);
    });
}

#[test]
fn expect_continue_gets_100_then_the_final_response() {
    smol::block_on(async {
        let mock = MockTransport::new(|req| MockResponse::new(200).body(req.body.clone()));
        let started = Instant::now();
        let r = client(&mock)
            .post("https://api.test/upload")
            .header("Expect", "100-continue")
            .body("big enough")
            .await
            .unwrap();
        // Without the 100 the client would send the body only after waiting a second.
        assert!(
            started.elapsed() < Duration::from_millis(800),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.text().await.unwrap(), "big enough");
        let sent = only_request(&mock);
        assert_eq!(sent.headers.get("expect").unwrap(), "100-continue");
        assert_eq!(&sent.body[..], b"big enough");
    });
}

#[test]
fn base_url_paths_are_appended_like_httpx() {
    smol::block_on(async {
        let mock = echo_path();
        let client = AsyncClient::builder()
            .profile(minimal_profile())
            .connector(mock.clone())
            .base_url("https://h.test/api")
            .build()
            .unwrap();
        for (input, expected) in [
            ("/users", "https://h.test/api/users"),
            ("users?id=1", "https://h.test/api/users?id=1"),
            ("https://other.test/x", "https://other.test/x"),
        ] {
            let r = client.get(input).await.unwrap();
            assert_eq!(r.url().as_str(), expected);
            r.bytes().await.unwrap();
        }
        let urls: Vec<_> = mock.requests().iter().map(|r| r.url.to_string()).collect();
        assert_eq!(
            urls,
            [
                "https://h.test/api/users",
                "https://h.test/api/users?id=1",
                "https://other.test/x"
            ]
        );
    });
}

#[test]
fn invalid_headers_fail_before_anything_is_sent() {
    smol::block_on(async {
        let mock = echo_path();
        let client = client(&mock);
        let err = client
            .get("https://api.test/")
            .header("Bad Name", "v")
            .await
            .unwrap_err();
        assert!(err.is_header(), "{err:?}");
        let err = client
            .get("https://api.test/")
            .header("X-Ok", "line\r\nInjected: 1")
            .await
            .unwrap_err();
        assert!(err.is_header(), "{err:?}");
        assert!(mock.requests().is_empty());
        assert_eq!(mock.connections(), 0);
    });
}

#[test]
fn closed_client_refuses_requests() {
    smol::block_on(async {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        let mock = MockTransport::new(move |_| {
            seen.fetch_add(1, Ordering::Relaxed);
            MockResponse::new(204)
        });
        let client = client(&mock);
        client.get("https://api.test/").await.unwrap();
        client.close().await;
        let err = client.get("https://api.test/").await.unwrap_err();
        assert!(err.is_closed(), "{err:?}");
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert_eq!(mock.connections(), 1);
    });
}

#[test]
fn raw_shows_the_request_exactly_as_it_was_written() {
    smol::block_on(async {
        let mock = echo_path();
        client(&mock)
            .post("https://api.test/form?x=1")
            .header("x-MiXeD", "v")
            .form(&[("a", "b")])
            .await
            .unwrap();
        let sent = only_request(&mock);
        let raw = String::from_utf8(sent.raw.to_vec()).unwrap();
        let raw: Vec<_> = raw
            .split("\r\n")
            .filter(|l| !l.starts_with("Accept-Encoding"))
            .collect();
        assert_eq!(
            raw,
            [
                "POST /form?x=1 HTTP/1.1",
                "Host: api.test",
                &format!("User-Agent: {USER_AGENT}"),
                "Accept: */*",
                "x-MiXeD: v",
                "Content-Type: application/x-www-form-urlencoded",
                "Content-Length: 3",
                "",
                "a=b",
            ]
        );
    });
}
