//! Large bodies stream through with bounded memory, both ways.

use futures_lite::{AsyncRead, StreamExt};
use std::pin::Pin;
use std::task::{Context, Poll};
use tls_requests::{AsyncClient, Body};

use crate::support::{Reply, Server, fetch, run};

const MIB: usize = 1024 * 1024;

/// Resident memory of this process, in bytes (Linux).
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        .unwrap_or(0);
    kib * 1024
}

#[test]
fn two_hundred_mib_response_streams_in_bounded_memory() {
    let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", 200 * MIB);
    let server =
        Server::plain(move |_| Reply::raw(head.as_bytes()).repeat(&[b'y'; 64 * 1024], 200 * 16));
    run(async {
        let client = AsyncClient::new();
        let before = rss();
        let mut stream = client.get(server.url("/")).await.unwrap().bytes_stream();
        let (mut total, mut peak) = (0usize, before);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            assert!(chunk.iter().all(|&b| b == b'y'));
            total += chunk.len();
            if total % (16 * MIB) < chunk.len() {
                peak = peak.max(rss());
            }
        }
        assert_eq!(total, 200 * MIB);
        // The whole body held at once would add 200 MiB; streaming keeps it to buffers.
        assert!(
            peak.saturating_sub(before) < 48 * MIB,
            "RSS grew by {} MiB",
            (peak - before) / MIB
        );
        // Read to the end: the connection is reused.
        client.get(server.url("/")).await.unwrap();
        assert_eq!(server.connections(), 1);
    });
}

/// Yields `left` bytes of `b'u'`, a piece at a time, without holding them.
struct Generated {
    left: usize,
}

impl AsyncRead for Generated {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        let n = buf.len().min(self.left);
        buf[..n].fill(b'u');
        self.left -= n;
        Poll::Ready(Ok(n))
    }
}

#[test]
fn large_upload_streams_chunked() {
    let server = Server::plain(|s| {
        Reply::ok(&format!(
            "{} {}",
            s.body.len(),
            s.body.iter().all(|&b| b == b'u')
        ))
    });
    run(async {
        let client = AsyncClient::new();
        let body = Body::from_reader(Generated { left: 24 * MIB + 7 });
        let r = client.post(server.url("/upload")).body(body).await.unwrap();
        assert_eq!(r.text().await.unwrap(), format!("{} true", 24 * MIB + 7));
    });
}

#[test]
fn chunked_response_of_many_pieces() {
    let server = Server::plain(|_| {
        Reply::raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            .repeat(&chunk_1k(), 4096)
            .send(b"0\r\n\r\n")
    });
    run(async {
        let body = AsyncClient::new()
            .get(server.url("/"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body.len(), 4096 * 1024);
        assert!(body.iter().all(|&b| b == b'c'));
    });
}

fn chunk_1k() -> Vec<u8> {
    let mut chunk = b"400\r\n".to_vec();
    chunk.extend_from_slice(&[b'c'; 1024]);
    chunk.extend_from_slice(b"\r\n");
    chunk
}

#[test]
fn large_bodies_read_whole_arrive_intact_or_fail_cleanly() {
    let body: Vec<u8> = (0..3 * MIB).map(|i| (i % 251) as u8).collect();
    let expected = body.clone();
    let server = Server::plain(move |s| match s.target.as_str() {
        "/whole" => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
            Reply::raw(head.as_bytes()).send(&body)
        }
        // The length promises 1 MiB; the server stops at 300 KiB and closes.
        _ => Reply::raw(format!("HTTP/1.1 200 OK\r\nContent-Length: {MIB}\r\n\r\n").as_bytes())
            .repeat(&[7; 1024], 300)
            .close(),
    });
    run(async {
        let client = AsyncClient::new();
        for _ in 0..3 {
            let got = fetch(&client, server.url("/whole")).await;
            assert!(got == expected, "body differs");
        }
        assert_eq!(
            server.connections(),
            1,
            "read to the end, the connection is reused"
        );
        let err = client
            .get(server.url("/cut"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap_err();
        assert!(
            err.is_body() && err.to_string().contains("missing"),
            "{err}"
        );
        assert_eq!(err.url().unwrap().path(), "/cut");
        let small = AsyncClient::builder().max_body_bytes(MIB).build().unwrap();
        assert!(
            small
                .get(server.url("/whole"))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap_err()
                .is_body()
        );
        let got = fetch(&client, server.url("/whole")).await;
        assert_eq!(got.len(), 3 * MIB);
    });
}
