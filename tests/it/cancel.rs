//! Cancellation at every await point. Each kind of request (empty, small, chunked and large
//! bodies, a redirect, TLS) is dropped after exactly N polls, for every N from 0 until it
//! completes; then, with its response head in hand, its body is dropped after exactly M
//! polls, for every M until it is read. Afterwards the per-host limit's worth of requests
//! must all reach the server at once (a slot kept by a cancelled request would hold one
//! back), one more must wait for them, and the client never has more connections open than
//! the limit.

use std::future::{Future, IntoFuture};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use async_io::Timer;
use futures_lite::{AsyncRead, AsyncWrite, future};
use tls_requests::rt::{BoxFuture, SmolExecutor};
use tls_requests::transport::{BoxIo, Connected, Connector, Destination, TcpConnector};
use tls_requests::{AsyncClient, BoxError};

use crate::support::{Reply, Server, run};

const LIMIT: usize = 4;
/// More polls than any request here needs: a sweep that gets this far never completes.
const MAX_POLLS: usize = 10_000;
/// The large body, in 1 KiB writes.
const LARGE: usize = 256 * 1024;

/// TCP, counting the streams alive right now and the most ever alive at once.
#[derive(Clone)]
struct Counted {
    tcp: TcpConnector,
    live: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Counted {
    fn new() -> Counted {
        Counted {
            tcp: TcpConnector::new(Arc::new(SmolExecutor)),
            live: Arc::default(),
            peak: Arc::default(),
        }
    }
}

struct CountedIo {
    io: BoxIo,
    live: Arc<AtomicUsize>,
}

impl Drop for CountedIo {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Connector for Counted {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
        Box::pin(async move {
            let connection = self.tcp.connect(dst).await?;
            let now = self.live.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            Ok(connection.map_io(|io| CountedIo {
                io,
                live: self.live.clone(),
            }))
        })
    }
}

impl AsyncRead for CountedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }
    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_close(cx)
    }
}

/// Polls `fut` as an executor does (again only once woken), at most `polls` times, and
/// drops it unfinished if the last poll left it pending: then `None`. With 0 it is dropped
/// without a poll.
async fn poll_at_most<F: Future>(fut: F, polls: usize) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut done = 0;
    std::future::poll_fn(|cx| {
        if done == polls {
            return Poll::Ready(None);
        }
        done += 1;
        match fut.as_mut().poll(cx) {
            Poll::Ready(out) => Poll::Ready(Some(out)),
            Poll::Pending if done == polls => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// The server's pause before each response head and inside each body of several parts, so
/// that the client waits (and can be dropped) there: without them every byte would be
/// there at the first poll.
const PAUSE: Duration = Duration::from_millis(3);

/// The answers by path: bodies of each shape, and `/hold`, a response that stops mid-body.
fn reply(path: &str) -> Reply {
    let head = |extra: &str| format!("HTTP/1.1 200 OK\r\n{extra}\r\n").into_bytes();
    let paused = Reply::new().wait(PAUSE);
    match path {
        "/empty" => paused.send(&head("Content-Length: 0\r\n")),
        "/small" => paused.send(&head("Content-Length: 5\r\n")).send(b"small"),
        "/chunked" => paused
            .send(&head("Transfer-Encoding: chunked\r\n"))
            .send(b"5\r\nhello\r\n")
            .wait(PAUSE)
            .send(b"6\r\n world\r\n0\r\n\r\n"),
        "/large" => (0..4).fold(
            paused.send(&head(&format!("Content-Length: {LARGE}\r\n"))),
            |reply, _| reply.repeat(&[b'b'; 1024], LARGE / 4096).wait(PAUSE),
        ),
        "/redirect" => paused
            .send(b"HTTP/1.1 302 Found\r\nLocation: /small\r\nContent-Length: 5\r\n\r\nmo")
            .wait(PAUSE)
            .send(b"ved"),
        "/hold" => Reply::raw(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel")
            .wait(Duration::from_secs(10)),
        _ => Reply::status(404, &[], ""),
    }
}

fn body_of(path: &str) -> Vec<u8> {
    match path {
        "/empty" => Vec::new(),
        "/small" | "/redirect" => b"small".to_vec(),
        "/chunked" => b"hello world".to_vec(),
        "/large" => vec![b'b'; LARGE],
        _ => unreachable!(),
    }
}

/// How many polls a request and its body took when they were first let finish.
#[derive(Debug)]
struct Sweep {
    request: usize,
    body: usize,
}

/// Drops GETs of `path` after 0, 1, 2, ... polls until one completes, each time both on a
/// kept-alive connection (a whole request first) and on whatever the drop before left;
/// then reads the response head whole and drops the body after 0, 1, 2, ... polls until it
/// is read. Every body read to its end must be the right one.
async fn sweep(client: &AsyncClient, server: &Server, path: &str) -> Sweep {
    let url = server.url(path);
    let expected = body_of(path);
    let whole = |client: &AsyncClient| {
        let request = client.get(&url).into_future();
        async move { request.await.unwrap().bytes().await.unwrap() }
    };
    let mut request = None;
    for n in 0..MAX_POLLS {
        assert_eq!(whole(client).await, expected, "{path}");
        let after_reuse = poll_at_most(client.get(&url).into_future(), n).await;
        let after_drop = poll_at_most(client.get(&url).into_future(), n).await;
        if let (Some(a), Some(b)) = (after_reuse, after_drop) {
            for response in [a, b] {
                let body = response.unwrap().bytes().await.unwrap();
                assert_eq!(body, expected, "{path}");
            }
            request = Some(n);
            break;
        }
    }
    let request = request.unwrap_or_else(|| panic!("{path}: never completed"));
    for m in 0..MAX_POLLS {
        let response = client.get(&url).await.unwrap();
        if let Some(body) = poll_at_most(response.bytes(), m).await {
            assert_eq!(body.unwrap(), expected, "{path}");
            return Sweep { request, body: m };
        }
    }
    panic!("{path}: the body never completed")
}

/// Holds `LIMIT` responses open mid-body at once: all must reach the server, which they
/// cannot if a cancelled request kept a slot. One request more must wait for them, and
/// reach the server only once they are dropped.
async fn hold_the_limit(client: &AsyncClient, server: &Server, counted: &Counted) {
    let held = |server: &Server| server.seen().iter().filter(|s| s.target == "/hold").count();
    let before = held(server);
    let requests: Vec<_> = (0..LIMIT)
        .map(|_| {
            let (client, url) = (client.clone(), server.url("/hold"));
            smol::spawn(async move { client.get(url).await.unwrap() })
        })
        .collect();
    let all = async {
        let mut responses = Vec::new();
        for request in requests {
            responses.push(request.await);
        }
        responses
    };
    let responses = future::or(all, async {
        Timer::after(Duration::from_secs(10)).await;
        panic!(
            "{} of {LIMIT} requests reached the server at once: cancelled requests kept slots",
            held(server) - before
        );
    })
    .await;
    assert_eq!(held(server), before + LIMIT);

    let seen = server.seen().len();
    let (client2, url) = (client.clone(), server.url("/small"));
    let one_more = smol::spawn(async move { client2.get(url).await.unwrap().text().await });
    Timer::after(Duration::from_millis(20)).await;
    assert_eq!(
        server.seen().len(),
        seen,
        "a request past the limit reached the server"
    );
    drop(responses);
    let text = future::or(one_more, async {
        Timer::after(Duration::from_secs(10)).await;
        panic!("the request past the limit still waits after the others were dropped");
    })
    .await;
    assert_eq!(text.unwrap(), "small");
    let peak = counted.peak.load(Ordering::SeqCst);
    assert!(peak <= LIMIT, "{peak} connections open at once");
    assert!(counted.live.load(Ordering::SeqCst) <= LIMIT);
}

#[test]
fn requests_dropped_at_every_poll_leave_the_pool_consistent() {
    let plain = Server::plain(|s| reply(&s.target));
    let tls = Server::tls(|s| reply(&s.target));
    let (plain_tcp, tls_tcp) = (Counted::new(), Counted::new());
    let limit = |b: tls_requests::ClientBuilder, tcp: &Counted| {
        b.transport(tcp.clone())
            .max_connections_per_host(LIMIT)
            .build()
            .unwrap()
    };
    let plain_client = limit(plain.client(), &plain_tcp);
    let tls_client = limit(tls.client(), &tls_tcp);
    run(async {
        let mut sweeps = Vec::new();
        for path in ["/empty", "/small", "/chunked", "/large", "/redirect"] {
            sweeps.push((path, sweep(&plain_client, &plain, path).await));
            hold_the_limit(&plain_client, &plain, &plain_tcp).await;
        }
        sweeps.push(("TLS /large", sweep(&tls_client, &tls, "/large").await));
        hold_the_limit(&tls_client, &tls, &tls_tcp).await;
        eprintln!("polls to completion: {sweeps:?}");
        // Each server waits before its head, so no request completes at its first poll;
        // bodies in parts pause between them, so some are dropped mid-read.
        assert!(sweeps.iter().all(|(_, s)| s.request >= 2), "{sweeps:?}");
        assert!(sweeps.iter().any(|(_, s)| s.body >= 2), "{sweeps:?}");
    });
}
