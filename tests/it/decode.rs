//! Content decoding: each coding over a real socket, broken data, and opting out.

use async_compression::futures::bufread::{BrotliEncoder, GzipEncoder, ZlibEncoder, ZstdEncoder};
use futures_lite::AsyncReadExt;
use futures_lite::io::{BufReader, Cursor};
use std::time::Duration;

use tls_requests::AsyncClient;

use crate::support::{Reply, Server, run, text};
use crate::watchdog::within;

const TEXT: &str = "the same sentence, over and over; ";

async fn encode(coding: &str, data: &[u8]) -> Vec<u8> {
    let input = BufReader::new(Cursor::new(data.to_vec()));
    let mut out = Vec::new();
    match coding {
        "gzip" => GzipEncoder::new(input).read_to_end(&mut out).await,
        "deflate" => ZlibEncoder::new(input).read_to_end(&mut out).await,
        "br" => BrotliEncoder::new(input).read_to_end(&mut out).await,
        _ => ZstdEncoder::new(input).read_to_end(&mut out).await,
    }
    .unwrap();
    out
}

fn encoded_reply(coding: &str, body: &[u8], chunked: bool) -> Reply {
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_owned()
    } else {
        format!("Content-Length: {}", body.len())
    };
    let head = format!("HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\n{framing}\r\n\r\n");
    let mut raw = head.into_bytes();
    if chunked {
        for piece in body.chunks(1000) {
            raw.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
            raw.extend_from_slice(piece);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
    } else {
        raw.extend_from_slice(body);
    }
    Reply::raw(&raw)
}

#[test]
fn each_coding_is_decoded_and_the_connection_reused() {
    let original = TEXT.repeat(2000);
    let mut replies = Vec::new();
    run(async {
        for coding in ["gzip", "deflate", "br", "zstd"] {
            let encoded = encode(coding, original.as_bytes()).await;
            assert!(encoded.len() < original.len() / 10);
            replies.push((coding, encoded));
        }
    });
    let table = replies.clone();
    let server = Server::plain(move |s| {
        let (coding, chunked) = s.target[1..].split_once('/').unwrap();
        let (_, body) = table.iter().find(|(c, _)| *c == coding).unwrap();
        encoded_reply(coding, body, chunked == "chunked")
    });
    run(async {
        let client = AsyncClient::new();
        for (coding, _) in &replies {
            for framing in ["length", "chunked"] {
                let r = client
                    .get(server.url(&format!("/{coding}/{framing}")))
                    .await
                    .unwrap();
                assert_eq!(
                    r.headers().get("content-encoding").unwrap(),
                    *coding,
                    "headers stay as received"
                );
                assert_eq!(r.text().await.unwrap(), original, "{coding} {framing}");
            }
        }
        assert_eq!(server.connections(), 1);
        let sent = &server.seen()[0];
        assert_eq!(
            sent.header("accept-encoding"),
            Some("gzip, deflate, br, zstd")
        );
    });
}

#[test]
fn broken_data_is_a_decode_error_and_opting_out_gives_raw_bytes() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/broken" => Reply::status(
            200,
            &[("Content-Encoding", "gzip")],
            "this is not gzip at all",
        ),
        "/unknown" => Reply::status(200, &[("Content-Encoding", "compress")], "as is"),
        _ => Reply::status(200, &[("Content-Encoding", "gzip")], "raw"),
    });
    run(async {
        let client = AsyncClient::new();
        let err = client
            .get(server.url("/broken"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap_err();
        assert!(err.is_decode(), "{err}");
        assert_eq!(text(&client, server.url("/unknown")).await, "as is");

        let raw = AsyncClient::builder().decompress(false).build().unwrap();
        assert_eq!(
            raw.get(server.url("/raw"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "raw"
        );
        assert_eq!(
            server.seen().last().unwrap().header("accept-encoding"),
            None
        );
    });
}

#[test]
fn buffered_reads_stop_at_the_body_limit_and_bombs_are_defused() {
    // 64 MiB of zeros, gzipped to about 64 KiB.
    let bomb = run(async { encode("gzip", &vec![0u8; 64 << 20]).await });
    assert!(bomb.len() < 200_000);
    let server = Server::plain(move |s| match s.target.as_str() {
        "/bomb" => encoded_reply("gzip", &bomb, false),
        _ => Reply::ok(&"x".repeat(10_000)),
    });
    run(async {
        let client = AsyncClient::builder()
            .max_body_bytes(1 << 20)
            .build()
            .unwrap();
        let err = client
            .get(server.url("/bomb"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap_err();
        assert!(
            err.is_body() && err.to_string().contains("1048576 bytes"),
            "{err}"
        );
        let small = AsyncClient::builder().max_body_bytes(4096).build().unwrap();
        let err = small
            .get(server.url("/plain"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap_err();
        assert!(err.is_body(), "{err}");
        // Streaming has no limit; the same client reads it all that way.
        let mut r = small.get(server.url("/plain")).await.unwrap();
        let mut n = 0;
        while let Some(chunk) = r.chunk().await.unwrap() {
            n += chunk.len();
        }
        assert_eq!(n, 10_000);
        assert_eq!(
            small
                .get(server.url("/plain"))
                .max_redirects(0)
                .await
                .unwrap()
                .status(),
            200
        );
    });
}

/// Bytes after the end of a compressed stream are not read on and on: a gzip body with no
/// length, followed by endless bytes, gives its decoded text and the connection is closed
/// (issue 15, item 3).
#[test]
fn bytes_after_a_compressed_stream_end_it() {
    let gzip = run(encode("gzip", b"hello"));
    let mut reply = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
    reply.extend_from_slice(&gzip);
    let server = Server::plain(move |_| Reply::raw(&reply).repeat(&[b'x'; 16 * 1024], 1 << 20));
    for whole in [true, false] {
        let url = server.url("/");
        let body = within(
            Duration::from_secs(5),
            "reading past a gzip end",
            move || async move {
                let client = AsyncClient::builder()
                    .max_body_bytes(64 * 1024)
                    .build()
                    .unwrap();
                let mut r = client.get(url).await.unwrap();
                if whole {
                    return r.bytes().await.unwrap().to_vec();
                }
                let mut all = Vec::new();
                while let Some(chunk) = r.chunk().await.unwrap() {
                    all.extend_from_slice(&chunk);
                }
                all
            },
        );
        assert_eq!(body, b"hello");
    }
}
