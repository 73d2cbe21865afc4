//! Each timeout phase, against servers that stall at each point.

use std::time::{Duration, Instant};

use tls_requests::{AsyncClient, Body, TimeoutPhase};

use crate::support::{Reply, Server, fetch, run, text};

const HEAD_ONLY: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn read_timeout_on_a_silent_server_and_mid_body() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/silent" => Reply::new().wait(Duration::from_secs(5)),
        _ => Reply::raw(HEAD_ONLY).wait(Duration::from_secs(5)),
    });
    run(async {
        let client = AsyncClient::builder()
            .read_timeout(ms(150))
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client.get(server.url("/silent")).await.unwrap_err();
        assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Read), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(err.to_string().contains("read timeout"), "{err}");

        let r = client.get(server.url("/stall-body")).await.unwrap();
        let err = r.bytes().await.unwrap_err();
        assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Read), "{err}");
    });
}

#[test]
fn total_timeout_covers_a_trickling_body() {
    // A byte every 50 ms never trips a 1 s read timeout, but the 300 ms total does.
    let server = Server::plain(|_| {
        let mut reply = Reply::raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
        for _ in 0..100 {
            reply = reply.wait(ms(50)).send(b"x");
        }
        reply
    });
    run(async {
        let client = AsyncClient::builder()
            .read_timeout(Duration::from_secs(1))
            .timeout(ms(300))
            .build()
            .unwrap();
        let started = Instant::now();
        let result = async { client.get(server.url("/")).await?.bytes().await }.await;
        let err = result.unwrap_err();
        assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Total), "{err}");
        assert!(started.elapsed() < ms(1000), "{:?}", started.elapsed());
    });
}

#[test]
fn per_request_timeout_overrides_the_client() {
    let server = Server::plain(|_| {
        Reply::new()
            .wait(ms(400))
            .send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    });
    run(async {
        let client = AsyncClient::builder().timeout(ms(100)).build().unwrap();
        let err = client.get(server.url("/")).await.unwrap_err();
        assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Total));
        assert!(err.is_timeout());
        let r = client
            .get(server.url("/"))
            .timeout(Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let err = AsyncClient::new()
            .get(server.url("/"))
            .read_timeout(ms(100))
            .await
            .unwrap_err();
        assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Read));
    });
}

#[test]
fn connect_timeout_covers_the_tls_handshake() {
    // A TCP listener that accepts and never speaks TLS.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = std::thread::spawn(move || {
        let conn = listener.accept();
        std::thread::sleep(Duration::from_secs(2));
        drop(conn);
    });
    run(async {
        let client = AsyncClient::builder()
            .connect_timeout(ms(200))
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client
            .get(format!("https://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Connect), "{err}");
        assert!(started.elapsed() < Duration::from_secs(1));
    });
    hold.join().unwrap();
}

#[test]
fn write_timeout_when_the_server_reads_nothing() {
    // The server never reads: the socket buffers fill, then writing stalls.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = std::thread::spawn(move || {
        let conn = listener.accept();
        std::thread::sleep(Duration::from_secs(3));
        drop(conn);
    });
    run(async {
        let endless = futures_lite::io::repeat(b'z');
        let client = AsyncClient::builder()
            .read_timeout(ms(200))
            .build()
            .unwrap();
        let err = client
            .post(format!("http://127.0.0.1:{port}/"))
            .body(Body::from_reader(endless))
            .await
            .unwrap_err();
        assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Write), "{err}");
    });
    hold.join().unwrap();
}

#[test]
fn a_timed_out_connection_is_not_reused() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/slow" => Reply::new()
            .wait(ms(300))
            .send(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate"),
        _ => Reply::ok("fast"),
    });
    run(async {
        let client = AsyncClient::new();
        fetch(&client, server.url("/fast")).await;
        let err = client
            .get(server.url("/slow"))
            .timeout(ms(100))
            .await
            .unwrap_err();
        assert!(err.is_timeout());
        // The late answer must not be read as the answer to the next request.
        assert_eq!(text(&client, server.url("/fast")).await, "fast");
        assert_eq!(server.connections(), 2);
    });
}

/// While the client waits for `100 Continue`, the read timeout does not run: a server that
/// ignores `Expect` gets the body after the wait, even with a read timeout shorter than it
/// (issue 15, item 5).
#[test]
fn expect_continue_outlasts_a_short_read_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // A server that never sends `100 Continue`: it reads the head and the body, then answers.
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while !got.ends_with(b"body") {
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "the client closed before sending its body");
            got.extend_from_slice(&buf[..n]);
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .unwrap();
        String::from_utf8(got).unwrap()
    });
    run(async {
        let client = AsyncClient::builder()
            .read_timeout(ms(300))
            .build()
            .unwrap();
        let r = client
            .post(format!("http://127.0.0.1:{port}/upload"))
            .header("Expect", "100-continue")
            .body("body")
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "ok");
    });
    let seen = server.join().unwrap();
    assert!(
        seen.to_ascii_lowercase().contains("expect: 100-continue"),
        "{seen}"
    );
}
