//! Connecting: racing a host's addresses (Happy Eyeballs, RFC 8305) against a real address
//! that drops SYNs, and the DNS cache's coalescing, expiry and bounds with a counting resolver.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_io::Timer;
use futures_lite::future;
use tls_requests::rt::{BoxFuture, Executor, SmolExecutor};
use tls_requests::transport::{DnsCache, Resolve, TcpConnector};
use tls_requests::{AsyncClient, Destination, Url};

use crate::support::{Reply, Server, refused_addr, run, text};
use crate::watchdog::awaited_within as within;

fn exec() -> Arc<dyn Executor> {
    Arc::new(SmolExecutor)
}

/// A listening address that drops SYNs, as a host whose IPv6 route is broken does: its accept
/// queue (backlog 0, room for one) is full with a connection that is never accepted, and
/// Linux drops further SYNs to a full queue.
struct Blackhole {
    addr: SocketAddr,
    _listener: TcpListener,
    _filler: TcpStream,
}

impl Blackhole {
    fn on(ip: IpAddr) -> Blackhole {
        let listener = TcpListener::bind((ip, 0)).expect("bind the blackhole");
        rustix::net::listen(&listener, 0).expect("listen with backlog 0");
        let addr = listener.local_addr().unwrap();
        let filler = TcpStream::connect(addr).expect("fill the accept queue");
        // The fixture itself: another connect must hang, not be refused nor accepted.
        let probe = TcpStream::connect_timeout(&addr, Duration::from_millis(100));
        assert!(
            matches!(&probe, Err(e) if e.kind() == io::ErrorKind::TimedOut),
            "the blackhole at {addr} does not drop SYNs: {probe:?}"
        );
        Blackhole {
            addr,
            _listener: listener,
            _filler: filler,
        }
    }
}

/// The loopback address to play a host's broken first address: `::1` when this machine has
/// IPv6 (the case in the issue), else `127.0.0.2` (all of 127/8 is loopback on Linux).
fn bad_ip() -> IpAddr {
    if TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok() {
        IpAddr::V6(Ipv6Addr::LOCALHOST)
    } else {
        eprintln!("no IPv6 loopback here: testing the fallback with 127.0.0.2 as the bad address");
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))
    }
}

/// Answers every name with the same addresses, in order.
struct Fixed(Vec<SocketAddr>);

impl Resolve for Fixed {
    fn resolve<'a>(&'a self, _: &'a str, _: u16) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
}

/// A client whose every name resolves to `addrs`.
fn client_resolving_to(addrs: Vec<SocketAddr>) -> tls_requests::ClientBuilder {
    AsyncClient::builder().resolver(Fixed(addrs))
}

#[test]
fn a_host_whose_first_address_drops_syns_is_reached_through_the_next() {
    let server = Server::plain(|_| Reply::ok("reached"));
    let blackhole = Blackhole::on(bad_ip());
    let url = format!("http://dual.test:{}/", server.addr.port());
    run(async {
        // The OS gives up on the blackhole after about two minutes; the race takes 250 ms.
        let client = client_resolving_to(vec![blackhole.addr, server.addr])
            .build()
            .unwrap();
        let body = within(Duration::from_secs(10), "a GET", text(&client, &url)).await;
        assert_eq!(body, "reached");

        // A connect timeout covers the race, not the first attempt alone.
        let client = client_resolving_to(vec![blackhole.addr, server.addr])
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let body = within(Duration::from_secs(10), "a GET", text(&client, &url)).await;
        assert_eq!(body, "reached");
    });
    assert_eq!(server.connections(), 2);
}

#[test]
fn two_addresses_of_one_family_are_raced_too() {
    let server = Server::plain(|_| Reply::ok("reached"));
    let blackhole = Blackhole::on(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
    let url = format!("http://v4.test:{}/", server.addr.port());
    run(async {
        let client = client_resolving_to(vec![blackhole.addr, server.addr])
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let body = within(Duration::from_secs(10), "a GET", text(&client, &url)).await;
        assert_eq!(body, "reached");
    });
}

#[test]
fn every_address_failing_is_a_connect_error_naming_each() {
    let bad = [
        refused_addr(bad_ip()),
        refused_addr(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    ];
    run(async {
        let client = client_resolving_to(bad.to_vec()).build().unwrap();
        let err = client.get("http://down.test/").await.unwrap_err();
        assert!(err.is_connect(), "{err}");
        let message = err.to_string();
        for addr in bad {
            assert!(message.contains(&addr.to_string()), "{addr} in {message}");
        }
        // The cause of the last failure stays reachable, for callers that inspect it.
        let mut source = std::error::Error::source(&err);
        let mut io_kind = None;
        while let Some(e) = source {
            if let Some(e) = e.downcast_ref::<io::Error>() {
                io_kind = Some(e.kind());
            }
            source = e.source();
        }
        assert_eq!(io_kind, Some(io::ErrorKind::ConnectionRefused), "{err:?}");
    });
}

/// A resolver that counts its lookups and holds each until the test opens its gate (drops
/// the sender), so lookups can be made to overlap without timing.
struct Counting {
    lookups: Arc<AtomicUsize>,
    gate: smol::channel::Receiver<()>,
    /// The answer, or `None` to fail.
    answer: Option<Vec<SocketAddr>>,
}

impl Counting {
    /// The resolver, its lookup count, and the gate to drop to let lookups finish.
    fn gated(
        answer: Option<Vec<SocketAddr>>,
    ) -> (Counting, Arc<AtomicUsize>, smol::channel::Sender<()>) {
        let (open, gate) = smol::channel::bounded(1);
        let lookups = Arc::new(AtomicUsize::new(0));
        let resolver = Counting {
            lookups: lookups.clone(),
            gate,
            answer,
        };
        (resolver, lookups, open)
    }

    /// A resolver whose lookups finish at once.
    fn open(answer: Option<Vec<SocketAddr>>) -> (Counting, Arc<AtomicUsize>) {
        let (resolver, lookups, _) = Counting::gated(answer);
        (resolver, lookups)
    }
}

impl Resolve for Counting {
    fn resolve<'a>(&'a self, host: &'a str, _: u16) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let _ = self.gate.recv().await;
            self.answer.clone().ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, format!("no such host {host}"))
            })
        })
    }
}

fn destination(url: &str) -> Destination {
    Destination::from_url(&Url::parse(url).unwrap()).unwrap()
}

#[test]
fn concurrent_lookups_of_one_name_make_one_and_the_answer_is_cached() {
    let server = Server::plain(|_| Reply::ok("x"));
    let (resolver, lookups, open) = Counting::gated(Some(vec![server.addr]));
    let tcp = TcpConnector::with_resolver(exec(), DnsCache::new(exec(), resolver));
    let dst = destination("http://many.test/");
    run(async {
        let mut connects: Vec<_> = (0..8).map(|_| Box::pin(tcp.connect_tcp(&dst))).collect();
        for connect in &mut connects {
            assert!(future::poll_once(connect).await.is_none(), "waits for DNS");
        }
        drop(open);
        for connect in connects {
            within(Duration::from_secs(5), "a connect", connect)
                .await
                .unwrap();
        }
        assert_eq!(lookups.load(Ordering::SeqCst), 1, "lookups for 8 connects");

        for _ in 0..3 {
            tcp.connect_tcp(&dst).await.unwrap();
        }
        assert_eq!(lookups.load(Ordering::SeqCst), 1, "lookups within the TTL");
    });
}

#[test]
fn a_lookup_outlives_the_caller_that_started_it() {
    let server = Server::plain(|_| Reply::ok("x"));
    let (resolver, lookups, open) = Counting::gated(Some(vec![server.addr]));
    let tcp = TcpConnector::with_resolver(exec(), DnsCache::new(exec(), resolver));
    let dst = destination("http://cancelled.test/");
    run(async {
        let mut first = Box::pin(tcp.connect_tcp(&dst));
        assert!(future::poll_once(&mut first).await.is_none());
        let mut second = Box::pin(tcp.connect_tcp(&dst));
        assert!(future::poll_once(&mut second).await.is_none());
        drop(first);
        drop(open);
        within(Duration::from_secs(5), "the second connect", second)
            .await
            .unwrap();
        assert_eq!(lookups.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn answers_expire_after_the_ttl() {
    let server = Server::plain(|_| Reply::ok("x"));
    let (resolver, lookups) = Counting::open(Some(vec![server.addr]));
    let cache = DnsCache::new(exec(), resolver).with_ttl(Duration::ZERO);
    let tcp = TcpConnector::with_resolver(exec(), cache);
    let dst = destination("http://brief.test/");
    run(async {
        tcp.connect_tcp(&dst).await.unwrap();
        tcp.connect_tcp(&dst).await.unwrap();
    });
    assert_eq!(lookups.load(Ordering::SeqCst), 2);
}

#[test]
fn the_cache_keeps_at_most_its_capacity_and_drops_the_oldest() {
    let server = Server::plain(|_| Reply::ok("x"));
    let (resolver, lookups) = Counting::open(Some(vec![server.addr]));
    let cache = DnsCache::new(exec(), resolver).with_capacity(2);
    let tcp = TcpConnector::with_resolver(exec(), cache);
    run(async {
        for host in ["a", "b", "c", "a", "c"] {
            let dst = destination(&format!("http://{host}.test/"));
            tcp.connect_tcp(&dst).await.unwrap();
        }
    });
    // a, b, c looked up; a was the oldest when c came, so it is looked up again; c is kept.
    assert_eq!(lookups.load(Ordering::SeqCst), 4);
}

#[test]
fn a_failed_lookup_is_a_connect_error_naming_the_host_and_is_not_cached() {
    let (resolver, lookups) = Counting::open(None);
    let tcp = TcpConnector::with_resolver(exec(), DnsCache::new(exec(), resolver));
    let client = AsyncClient::builder().transport(tcp).build().unwrap();
    run(async {
        for round in 1..=2 {
            let err = client.get("http://nowhere.test/").await.unwrap_err();
            assert!(err.is_connect(), "{err}");
            assert!(
                err.to_string()
                    .contains("DNS lookup of nowhere.test failed"),
                "{err}"
            );
            assert_eq!(lookups.load(Ordering::SeqCst), round);
        }
    });
}

#[test]
fn an_empty_answer_is_a_connect_error() {
    let (resolver, _) = Counting::open(Some(vec![]));
    let tcp = TcpConnector::with_resolver(exec(), DnsCache::new(exec(), resolver));
    let client = AsyncClient::builder().transport(tcp).build().unwrap();
    run(async {
        let err = client.get("http://empty.test/").await.unwrap_err();
        assert!(err.is_connect(), "{err}");
        assert!(
            err.to_string().contains("empty.test found no address"),
            "{err}"
        );
    });
}

/// An executor that drops every task it is given, as one shutting down may.
struct DropsTasks;

impl Executor for DropsTasks {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        drop(task);
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            Timer::after(duration).await;
        })
    }
    fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()> {
        Box::pin(async move { job() })
    }
}

#[test]
fn a_lookup_task_dropped_by_the_executor_is_an_error_not_a_hang() {
    let (resolver, lookups) = Counting::open(Some(vec![refused_addr(Ipv4Addr::LOCALHOST.into())]));
    let cache = DnsCache::new(Arc::new(DropsTasks), resolver);
    run(async {
        let answer = within(
            Duration::from_secs(5),
            "a lookup",
            cache.resolve("x.test", 80),
        )
        .await;
        let err = answer.unwrap_err();
        assert!(err.to_string().contains("dropped the DNS lookup"), "{err}");
    });
    assert_eq!(lookups.load(Ordering::SeqCst), 0);
}

/// `fetch --connect-timeout` gives up on an address that drops SYNs, in one line on stderr
/// with a non-zero exit, as curl does.
#[test]
fn fetch_connect_timeout_gives_up_on_a_silent_address() {
    let blackhole = Blackhole::on(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    let url = format!("http://{}/", blackhole.addr);
    let out = std::process::Command::new(crate::support::fetch_example())
        .args(["--connect-timeout", "0.3", &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("connect timeout"), "{stderr}");
    let out = std::process::Command::new(crate::support::fetch_example())
        .args(["--connect-timeout", "soon", &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid --connect-timeout \"soon\""),
        "{stderr}"
    );
}
