//! The response side over real sockets: text by charset (the `Content-Type` charset, a byte
//! order mark, the client's default, UTF-8), lines decoded as they arrive, the request a
//! response answers, `elapsed` across redirects, the cookies a response set, status helpers.

use std::time::Duration;

use futures_lite::StreamExt;
use tls_requests::{AsyncClient, Kind, Method, SameSite};

use crate::support::{Reply, Server, run};
use crate::watchdog::within;

/// `200 OK` with `body` as given, and a `Content-Type` if any.
fn typed(content_type: Option<&str>, body: &[u8]) -> Reply {
    let mut head = String::from("HTTP/1.1 200 OK\r\n");
    if let Some(t) = content_type {
        head.push_str(&format!("Content-Type: {t}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    Reply::raw(&[head.as_bytes(), body].concat())
}

/// A server answering `/PATH` with what `bodies` says for that path.
fn server_of(bodies: &'static [(&'static str, Option<&'static str>, &'static [u8])]) -> Server {
    Server::plain(move |s| {
        let (_, content_type, body) = bodies
            .iter()
            .find(|(path, ..)| *path == s.target)
            .expect("a known path");
        typed(*content_type, body)
    })
}

/// "日本" in Shift_JIS.
const NIHON_SJIS: &[u8] = b"\x93\xfa\x96\x7b";

const BODIES: &[(&str, Option<&str>, &[u8])] = &[
    ("/latin1", Some("text/plain; charset=latin1"), b"caf\xe9"),
    (
        "/sjis",
        Some("text/html; CHARSET=\"Shift_JIS\""),
        NIHON_SJIS,
    ),
    ("/utf16le", None, b"\xff\xfeh\x00i\x00"),
    ("/utf16be", Some("text/plain"), b"\xfe\xff\x00h\x00i"),
    (
        "/unknown",
        Some("text/plain; charset=x-no-such"),
        "café".as_bytes(),
    ),
    ("/wrong", Some("text/plain; charset=utf-8"), b"caf\xe9"),
    ("/plain", None, b"\x93quoted\x94"),
];

/// Each path's `(encoding(), text())` with `client`.
async fn decoded(client: &AsyncClient, server: &Server, path: &str) -> (String, String) {
    let r = client.get(server.url(path)).await.unwrap();
    let encoding = r.encoding().to_owned();
    (encoding, r.text().await.unwrap())
}

#[test]
fn text_follows_the_charset_then_the_byte_order_mark_then_utf8() {
    let server = server_of(BODIES);
    run(async {
        let client = AsyncClient::new();
        let cases = [
            ("/latin1", "windows-1252", "café"),
            ("/sjis", "Shift_JIS", "日本"),
            ("/utf16le", "UTF-8", "hi"),
            ("/utf16be", "UTF-8", "hi"),
            ("/unknown", "UTF-8", "café"),
            ("/wrong", "UTF-8", "caf\u{fffd}"),
            ("/plain", "UTF-8", "\u{fffd}quoted\u{fffd}"),
        ];
        for (path, encoding, text) in cases {
            let (e, t) = decoded(&client, &server, path).await;
            assert_eq!((e.as_str(), t.as_str()), (encoding, text), "{path}");
        }
    });
}

#[test]
fn the_client_default_applies_only_where_the_response_names_no_known_charset() {
    let server = server_of(BODIES);
    run(async {
        let client = AsyncClient::builder()
            .default_encoding("windows-1252")
            .build()
            .unwrap();
        let cases = [
            ("/plain", "windows-1252", "\u{201c}quoted\u{201d}"),
            ("/unknown", "windows-1252", "cafÃ©"),
            ("/sjis", "Shift_JIS", "日本"),
            ("/utf16le", "windows-1252", "hi"),
        ];
        for (path, encoding, text) in cases {
            let (e, t) = decoded(&client, &server, path).await;
            assert_eq!((e.as_str(), t.as_str()), (encoding, text), "{path}");
        }
    });
    let err = AsyncClient::builder()
        .default_encoding("klingon")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), Kind::Builder);
    assert!(err.to_string().contains("klingon"), "{err}");
}

#[test]
fn text_as_overrides_the_response_and_text_with_charset_is_a_default() {
    let server = server_of(BODIES);
    run(async {
        let client = AsyncClient::new();
        let r = client.get(server.url("/wrong")).await.unwrap();
        assert_eq!(r.text_as("ISO-8859-1").await.unwrap(), "café");
        let r = client.get(server.url("/latin1")).await.unwrap();
        assert_eq!(r.text_as("utf-8").await.unwrap(), "caf\u{fffd}");
        // As reqwest's: the label counts only where the response names no charset.
        let r = client.get(server.url("/latin1")).await.unwrap();
        assert_eq!(r.text_with_charset("utf-8").await.unwrap(), "café");
        let r = client.get(server.url("/plain")).await.unwrap();
        let text = r.text_with_charset("windows-1252").await.unwrap();
        assert_eq!(text, "\u{201c}quoted\u{201d}");
        let r = client.get(server.url("/sjis")).await.unwrap();
        let err = r.text_as("no-such").await.unwrap_err();
        assert_eq!(err.kind(), Kind::Decode);
        assert!(err.to_string().contains("no-such"), "{err}");
    });
}

/// A chunked `200` whose chunks are `pieces`, each written a little after the one before, so
/// that they reach the client apart.
fn chunked(content_type: &str, pieces: &[&[u8]]) -> Reply {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    let mut reply = Reply::new().send(head.as_bytes());
    for piece in pieces {
        let chunk = [format!("{:x}\r\n", piece.len()).as_bytes(), piece, b"\r\n"].concat();
        reply = reply.send(&chunk).wait(Duration::from_millis(20));
    }
    reply.send(b"0\r\n\r\n")
}

#[test]
fn lines_are_decoded_across_chunks_that_split_a_character_and_a_crlf() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/utf8" => chunked(
            "text/plain",
            &[b"first\r", b"\nsecond caf\xc3", b"\xa9\n\nlast"],
        ),
        // "日本" split inside its second character, in Shift_JIS.
        _ => chunked(
            "text/plain; charset=shift_jis",
            &[b"a\x93\xfa\x96", b"\x7b\r\nb\n"],
        ),
    });
    run(async {
        let client = AsyncClient::new();
        let lines = |path: &'static str| {
            let (client, url) = (client.clone(), server.url(path));
            async move {
                let lines = client.get(url).await.unwrap().lines();
                lines.try_collect::<_, _, Vec<String>>().await.unwrap()
            }
        };
        assert_eq!(lines("/utf8").await, ["first", "second café", "", "last"]);
        assert_eq!(lines("/sjis").await, ["a日本", "b"]);
    });
}

#[test]
fn a_line_longer_than_the_body_limit_is_a_body_error_but_many_short_ones_are_not() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/long" => chunked("text/plain", &[b"short\n", &[b'x'; 40], &[b'x'; 40], b"\n"]),
        "/unended" => Reply::new()
            .send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
            .repeat(&[b'y'; 1000], 1000),
        _ => chunked("text/plain", &[&b"0123456789\n".repeat(10)]),
    });
    let url = |path| server.url(path);
    let (long, unended, many) = (url("/long"), url("/unended"), url("/many"));
    within(
        Duration::from_secs(20),
        "reading lines",
        move || async move {
            let client = AsyncClient::builder().max_body_bytes(64).build().unwrap();
            let mut lines = client.get(long).await.unwrap().lines();
            assert_eq!(lines.next().await.unwrap().unwrap(), "short");
            let err = lines.next().await.unwrap().unwrap_err();
            assert_eq!(err.kind(), Kind::Body);
            assert!(err.to_string().contains("64 bytes"), "{err}");
            assert!(
                lines.next().await.is_none(),
                "the stream ends after an error"
            );

            let mut lines = client.get(unended).await.unwrap().lines();
            let err = lines.next().await.unwrap().unwrap_err();
            assert_eq!(err.kind(), Kind::Body, "no line end in a megabyte");

            let lines = client.get(many).await.unwrap().lines();
            let lines: Vec<String> = lines.try_collect().await.unwrap();
            assert_eq!(lines, vec!["0123456789"; 10], "110 bytes in all, 10 a line");
        },
    );
}

#[test]
fn elapsed_covers_every_redirect_hop() {
    let delay = Duration::from_millis(200);
    let server = Server::plain(move |s| match s.target.as_str() {
        "/slow" => Reply::new()
            .wait(delay)
            .send(b"HTTP/1.1 302 Found\r\nLocation: /end\r\nContent-Length: 0\r\n\r\n"),
        _ => Reply::ok("end"),
    });
    run(async {
        let r = AsyncClient::new().get(server.url("/slow")).await.unwrap();
        assert_eq!(r.url().path(), "/end");
        let hop = &r.history()[0];
        assert!(hop.elapsed() >= delay, "the hop: {:?}", hop.elapsed());
        assert!(r.elapsed() >= delay, "the whole request: {:?}", r.elapsed());
        assert!(r.elapsed() >= hop.elapsed());
    });
}

#[test]
fn request_is_the_last_request_after_redirects() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/form" => Reply::status(303, &[("Location", "/done?x=1")], ""),
        _ => Reply::ok(&s.method),
    });
    run(async {
        let client = AsyncClient::new();
        let r = client
            .post(server.url("/form"))
            .header("X-Trace", "t1")
            .body("a=1")
            .await
            .unwrap();
        let last = r.request();
        assert_eq!(last.method(), Method::GET, "a 303 is followed with GET");
        assert_eq!(last.url().as_str(), server.url("/done?x=1"));
        assert_eq!(last.url(), r.url());
        assert_eq!(last.headers().get("x-trace").unwrap(), "t1");
        assert_eq!(
            last.body().as_bytes(),
            Some(&b""[..]),
            "the GET has no body"
        );
        let wire = client.wire_headers(last).unwrap();
        assert!(
            wire.contains("X-Trace") && wire.contains("Host"),
            "{wire:?}"
        );

        let first = r.history()[0].request();
        assert_eq!(first.method(), Method::POST);
        assert_eq!(first.url().path(), "/form");
        assert_eq!(
            first.body().as_bytes(),
            Some(&b""[..]),
            "a hop keeps no body"
        );
        assert_eq!(r.text().await.unwrap(), "GET");
    });
}

#[test]
fn cookies_are_the_set_cookie_fields_parsed_and_the_malformed_skipped() {
    let server = Server::plain(|_| {
        Reply::status(
            200,
            &[
                (
                    "Set-Cookie",
                    "session=abc; Path=/; HttpOnly; Secure; SameSite=Lax",
                ),
                ("Set-Cookie", "=no name"),
                ("Set-Cookie", "broken"),
                (
                    "set-cookie",
                    "pref=\"dark\"; Domain=.example.com; Max-Age=3600; \
                     Expires=Wed, 21 Oct 2037 07:28:00 GMT; SameSite=Strict",
                ),
                ("Set-Cookie", "gone=; Max-Age=0"),
            ],
            "",
        )
    });
    run(async {
        let r = AsyncClient::new().get(server.url("/")).await.unwrap();
        let cookies: Vec<_> = r.cookies().collect();
        let names: Vec<&str> = cookies.iter().map(|c| c.name()).collect();
        assert_eq!(names, ["session", "pref", "gone"]);
        let session = &cookies[0];
        assert_eq!((session.value(), session.path()), ("abc", Some("/")));
        assert!(session.http_only() && session.secure());
        assert_eq!(session.same_site(), Some(SameSite::Lax));
        assert_eq!((session.domain(), session.max_age()), (None, None));
        let pref = &cookies[1];
        assert_eq!(pref.value(), "\"dark\"", "quotes are part of the value");
        assert_eq!(pref.domain(), Some("example.com"));
        assert_eq!(pref.max_age(), Some(Duration::from_secs(3600)));
        let expires = pref.expires().unwrap();
        let since_epoch = expires.duration_since(std::time::UNIX_EPOCH).unwrap();
        assert_eq!(since_epoch.as_secs(), 2_139_722_880);
        assert_eq!(pref.same_site(), Some(SameSite::Strict));
        assert!(!pref.http_only() && !pref.secure());
        assert_eq!(cookies[2].max_age(), Some(Duration::ZERO));
    });
}

#[test]
fn status_helpers_say_what_httpx_and_requests_say() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/moved" => Reply::status(302, &[("Location", "/")], ""),
        "/not-modified" => Reply::status(304, &[], ""),
        "/missing" => Reply::status(404, &[], ""),
        "/broken" => Reply::status(503, &[], ""),
        _ => Reply::ok(""),
    });
    run(async {
        let client = AsyncClient::builder()
            .follow_redirects(false)
            .build()
            .unwrap();
        let mut seen = Vec::new();
        for path in ["/", "/moved", "/not-modified", "/missing", "/broken"] {
            let r = client.get(server.url(path)).await.unwrap();
            seen.push((r.ok(), r.is_success(), r.is_redirect(), r.is_error()));
        }
        assert_eq!(
            seen,
            [
                (true, true, false, false),
                (true, false, true, false),
                (true, false, false, false),
                (false, false, false, true),
                (false, false, false, true),
            ]
        );
    });
}

#[test]
fn the_blocking_client_has_the_same_text_and_lines() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/lines" => chunked("text/plain; charset=latin1", &[b"caf\xe9\r", b"\nend"]),
        _ => typed(Some("text/plain; charset=utf-8"), b"caf\xe9"),
    });
    let client = AsyncClient::builder().build_blocking().unwrap();
    let r = client.get(server.url("/lines")).send().unwrap();
    assert_eq!(r.encoding(), "windows-1252");
    let lines: Vec<String> = r.lines().collect::<Result<_, _>>().unwrap();
    assert_eq!(lines, ["café", "end"]);
    let r = client.get(server.url("/text")).send().unwrap();
    assert_eq!(r.text_as("latin1").unwrap(), "café");
}
