//! Cancellation under load: thousands of requests dropped at random points, then every
//! request succeeds, and the client never has more connections open than the per-host limit.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use async_io::Timer;
use futures_lite::{AsyncRead, AsyncWrite, future};
use tls_requests::rt::{BoxFuture, SmolExecutor};
use tls_requests::transport::{BoxIo, Connector, Destination, TcpConnector};
use tls_requests::{AsyncClient, BoxError};

use crate::support::{Reply, Server, run};

const LIMIT: usize = 4;

/// TCP, counting the streams alive right now and the most ever alive at once.
#[derive(Clone)]
struct Counted {
    tcp: TcpConnector,
    live: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
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
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<BoxIo, BoxError>> {
        Box::pin(async move {
            let io = self.tcp.connect(dst).await?;
            let now = self.live.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            Ok(Box::new(CountedIo {
                io,
                live: self.live.clone(),
            }) as BoxIo)
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

/// Where a request is given up.
#[derive(Clone, Copy, Debug)]
enum Stop {
    /// The request future, after a random wait (before, during or after sending).
    Request(u64),
    /// The response, before reading its body.
    Head,
    /// The response, after one chunk of its body.
    MidBody,
    /// Nowhere: read to the end.
    Never,
}

async fn one(client: &AsyncClient, url: &str, stop: Stop) {
    match stop {
        Stop::Request(micros) => {
            let request = client.get(url);
            let wait = Timer::after(Duration::from_micros(micros));
            drop(
                future::or(async { Some(request.await) }, async {
                    wait.await;
                    None
                })
                .await,
            );
        }
        Stop::Head => drop(client.get(url).await),
        Stop::MidBody => {
            if let Ok(mut r) = client.get(url).await {
                let _ = r.chunk().await;
            }
        }
        Stop::Never => {
            let r = client.get(url).await.unwrap();
            r.bytes().await.unwrap();
        }
    }
}

#[test]
fn dropped_futures_at_random_points_leave_the_pool_consistent() {
    // Bodies of several shapes and sizes, some after a short delay.
    let server = Server::plain(|s| {
        let n: usize = s.target.trim_start_matches('/').parse().unwrap_or(0);
        match n % 4 {
            0 => Reply::ok("small"),
            1 => Reply::new()
                .send(b"HTTP/1.1 200 OK\r\nContent-Length: 262144\r\n\r\n")
                .repeat(&[b'b'; 1024], 256),
            2 => Reply::raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                .wait(Duration::from_millis(1))
                .send(b"6\r\n world\r\n0\r\n\r\n"),
            _ => Reply::new()
                .wait(Duration::from_micros(300))
                .send(b"HTTP/1.1 204 No Content\r\n\r\n"),
        }
    });
    let live = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let connector = Counted {
        tcp: TcpConnector::new(Arc::new(SmolExecutor)),
        live: live.clone(),
        peak: peak.clone(),
    };
    let client = AsyncClient::builder()
        .connector(connector)
        .max_connections_per_host(LIMIT)
        .build()
        .unwrap();
    // A slot leaked by a cancelled request would show as a wait that never ends: fail instead.
    let deadline = async {
        Timer::after(Duration::from_secs(60)).await;
        panic!("requests still waiting after 60 s: the pool lost connection slots");
    };
    run(future::or(deadline, async {
        let tasks: Vec<_> = (0..32u64)
            .map(|task| {
                let (client, base) = (client.clone(), server.url(""));
                smol::spawn(async move {
                    let mut rng = fastrand::Rng::with_seed(task);
                    for i in 0..100 {
                        let stop = match rng.u8(0..4) {
                            0 => Stop::Request(rng.u64(0..3000)),
                            1 => Stop::Head,
                            2 => Stop::MidBody,
                            _ => Stop::Never,
                        };
                        one(&client, &format!("{base}/{}", task * 100 + i), stop).await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await;
        }
        // 3200 requests later, everything still works, on at most LIMIT connections.
        for i in 0..100 {
            one(&client, &server.url(&format!("/{i}")), Stop::Never).await;
        }
    }));
    assert!(
        peak.load(Ordering::SeqCst) <= LIMIT,
        "peak {} connections",
        peak.load(Ordering::SeqCst)
    );
    assert!(live.load(Ordering::SeqCst) <= LIMIT);
    assert!(
        server.seen().len() > 2000,
        "{} requests reached the server",
        server.seen().len()
    );
}
