//! Keep-alive reuse, per-host limits, stale connections and cancellation.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_io::Timer;
use futures_lite::future;
use tls_requests::AsyncClient;

use crate::support::{Reply, Server, fetch, get_all, refused_port, run, text};
use crate::watchdog::within;

#[test]
fn sequential_requests_reuse_one_connection() {
    let server = Server::plain(|_| Reply::ok("x"));
    run(async {
        let client = AsyncClient::new();
        for _ in 0..20 {
            assert_eq!(text(&client, server.url("/")).await, "x");
        }
        assert_eq!(server.connections(), 1);
        assert_eq!(server.seen().iter().map(|s| s.conn).max(), Some(0));
    });
}

#[test]
fn destinations_get_their_own_connections() {
    let a = Server::plain(|_| Reply::ok("a"));
    let b = Server::plain(|_| Reply::ok("b"));
    run(async {
        let client = AsyncClient::new();
        for _ in 0..3 {
            assert_eq!(
                client.get(a.url("/")).await.unwrap().text().await.unwrap(),
                "a"
            );
            assert_eq!(
                client.get(b.url("/")).await.unwrap().text().await.unwrap(),
                "b"
            );
        }
        assert_eq!((a.connections(), b.connections()), (1, 1));
    });
}

#[test]
fn per_host_limit_makes_requests_wait() {
    let server = Server::plain(|_| {
        Reply::new()
            .wait(Duration::from_millis(30))
            .send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    });
    run(async {
        let client = AsyncClient::builder()
            .max_connections_per_host(2)
            .build()
            .unwrap();
        let bodies = get_all(&client, &server, &vec!["/".to_owned(); 12]).await;
        assert!(bodies.iter().all(|b| b == "ok"));
        assert_eq!(server.connections(), 2);
        assert_eq!(server.peak_open(), 2);
    });
}

#[test]
fn connection_close_and_http10_are_not_reused() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/close" => Reply::status(200, &[("Connection", "close")], "c"),
        _ => Reply::raw(b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nz"),
    });
    run(async {
        let client = AsyncClient::new();
        for path in ["/close", "/close", "/http10", "/http10"] {
            fetch(&client, server.url(path)).await;
        }
        assert_eq!(server.connections(), 4);
    });
}

#[test]
fn request_asking_for_close_is_not_reused() {
    let server = Server::plain(|_| Reply::ok("x"));
    run(async {
        let client = AsyncClient::new();
        for _ in 0..2 {
            client
                .get(server.url("/"))
                .header("Connection", "close")
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
        }
        assert_eq!(server.connections(), 2);
    });
}

#[test]
fn server_closing_idle_connection_is_survived() {
    // The server closes each connection right after its response, without saying so.
    let server = Server::plain(|_| Reply::ok("once").close());
    run(async {
        let client = AsyncClient::new();
        for _ in 0..5 {
            assert_eq!(text(&client, server.url("/")).await, "once");
            Timer::after(Duration::from_millis(5)).await;
        }
        assert_eq!(server.connections(), 5);
    });
}

#[test]
fn stale_connection_is_retried_once_when_nothing_was_answered() {
    // Every connection serves one request, then the server closes it only when the next
    // request arrives, before answering: the client sees EOF with no response byte.
    let server = Server::plain(|s| {
        if s.conn == 0 && s.target == "/second" {
            Reply::new().close()
        } else {
            Reply::ok("fine")
        }
    });
    run(async {
        let client = AsyncClient::new();
        fetch(&client, server.url("/first")).await;
        let r = client.get(server.url("/second")).await.unwrap();
        assert_eq!(r.text().await.unwrap(), "fine");
        assert_eq!(server.connections(), 2);
        // A non-idempotent request is not resent: the server may have acted on it.
        let server2 = Server::plain(|s| {
            if s.conn == 0 && s.method == "POST" {
                Reply::new().close()
            } else {
                Reply::ok("fine")
            }
        });
        fetch(&client, server2.url("/")).await;
        let err = client.post(server2.url("/")).body("x").await.unwrap_err();
        assert!(err.is_protocol() || err.is_io(), "{err}");
        assert_eq!(
            server2.seen().iter().filter(|s| s.method == "POST").count(),
            1
        );
    });
}

#[test]
fn dropping_a_response_mid_body_closes_its_connection() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/big" => Reply::new()
            .send(b"HTTP/1.1 200 OK\r\nContent-Length: 10485760\r\n\r\n")
            .repeat(&[b'x'; 1024], 10240),
        _ => Reply::ok("small"),
    });
    run(async {
        let client = AsyncClient::new();
        for round in 0..3 {
            let mut r = client.get(server.url("/big")).await.unwrap();
            assert!(!r.chunk().await.unwrap().unwrap().is_empty());
            drop(r);
            assert_eq!(
                text(&client, server.url("/small")).await,
                "small",
                "round {round}"
            );
        }
        // Each dropped body took its connection with it (a half-read one put back would have
        // answered the small request with the rest of the big body); each small request then
        // opened one, which the next big request reused: 1 + one per round.
        assert_eq!(server.connections(), 4);
    });
}

#[test]
fn cancelled_requests_leave_the_pool_consistent() {
    let server = Server::plain(|s| {
        let delay = s.target.trim_start_matches('/').parse().unwrap_or(0);
        Reply::new()
            .wait(Duration::from_millis(delay))
            .send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    });
    run(async {
        let client = AsyncClient::builder()
            .max_connections_per_host(3)
            .build()
            .unwrap();
        for i in 0..40u64 {
            // Give up on a request after a few milliseconds, at whatever point it has reached.
            let request = client.get(server.url(&format!("/{}", i % 7)));
            let cancelled = future::or(async { Some(request.await) }, async {
                Timer::after(Duration::from_millis(i % 5)).await;
                None
            });
            drop(cancelled.await);
        }
        let bodies = get_all(&client, &server, &vec!["/3".to_owned(); 10]).await;
        assert!(bodies.iter().all(|b| b == "ok"));
        // Cancelled requests closed their connections; what is left stays within the limit.
        Timer::after(Duration::from_millis(50)).await;
        assert!(server.open() <= 3, "open {}", server.open());
    });
}

#[test]
fn idle_connections_expire() {
    let server = Server::plain(|_| Reply::ok("x"));
    run(async {
        let client = AsyncClient::builder()
            .pool_idle_timeout(Some(Duration::from_millis(50)))
            .build()
            .unwrap();
        fetch(&client, server.url("/")).await;
        Timer::after(Duration::from_millis(120)).await;
        fetch(&client, server.url("/")).await;
        assert_eq!(server.connections(), 2);
        let keep = AsyncClient::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        fetch(&keep, server.url("/")).await;
        fetch(&keep, server.url("/")).await;
        assert_eq!(server.connections(), 4, "max idle 0 keeps none");
    });
}

#[test]
fn a_post_never_goes_out_on_a_connection_the_server_closed() {
    // The server closes each connection after its response without saying so. A GET would
    // be retried if it met such a connection; a POST cannot be, so its checkout always checks.
    let server = Server::plain(|_| Reply::ok("done").close());
    run(async {
        let client = AsyncClient::new();
        for i in 0..5 {
            fetch(&client, server.url("/")).await;
            Timer::after(Duration::from_millis(20)).await;
            let r = client
                .post(server.url("/"))
                .body(format!("{i}"))
                .await
                .unwrap();
            assert_eq!(r.text().await.unwrap(), "done", "round {i}");
        }
        assert_eq!(
            server.seen().iter().filter(|s| s.method == "POST").count(),
            5,
            "each POST sent once"
        );
    });
}

/// Every request waiting for a place under the per-host limit gets one, whatever freed it:
/// failed connects, servers closing connections (`Connection: close`, HTTP/1.0, a
/// keep-alive request limit as nginx's), responses dropped unread, and the blocking client
/// (issue 15, item 11).
#[test]
fn every_waiter_for_a_host_slot_gets_one() {
    let refused = format!("http://127.0.0.1:{}/", refused_port());
    let url = refused.clone();
    let errors = within(
        Duration::from_secs(10),
        "waiters on a refused port",
        move || async move {
            let client = AsyncClient::builder()
                .max_connections_per_host(1)
                .build()
                .unwrap();
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let (client, url) = (client.clone(), url.clone());
                    smol::spawn(async move { client.get(url).await.map(drop) })
                })
                .collect();
            let mut errors = Vec::new();
            for task in tasks {
                errors.push(task.await.unwrap_err());
            }
            errors
        },
    );
    assert!(errors.iter().all(|e| e.is_connect()), "{errors:?}");

    let per_conn = Arc::new(Mutex::new(HashMap::<usize, usize>::new()));
    let server = Server::plain(move |s| {
        let served = {
            let mut counts = per_conn.lock().unwrap();
            let n = counts.entry(s.conn).or_default();
            *n += 1;
            *n
        };
        match s.target.as_str() {
            "/close" => Reply::status(200, &[("Connection", "close")], "ok"),
            "/http10" => Reply::raw(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            "/late-body" => Reply::new()
                .send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
                .wait(Duration::from_millis(5))
                .send(b"ok"),
            // nginx's keepalive_requests: the fourth request on a connection is its last.
            _ if served == 4 => Reply::status(200, &[("Connection", "close")], "ok").close(),
            _ => Reply::ok("ok"),
        }
    });
    for path in ["/close", "/http10", "/late-body", "/limit"] {
        let url = server.url(path);
        let done = within(Duration::from_secs(20), path, move || async move {
            let client = AsyncClient::builder()
                .max_connections_per_host(4)
                .build()
                .unwrap();
            let tasks: Vec<_> = (0..300)
                .map(|_| {
                    let (client, url) = (client.clone(), url.clone());
                    smol::spawn(async move {
                        let r = client.get(url).await.unwrap();
                        if path == "/late-body" {
                            drop(r); // unread: its connection closes
                        } else {
                            assert_eq!(r.text().await.unwrap(), "ok");
                        }
                    })
                })
                .collect();
            let count = tasks.len();
            for task in tasks {
                task.await;
            }
            count
        });
        assert_eq!(done, 300, "{path}");
    }

    let done = within(
        Duration::from_secs(10),
        "blocking waiters",
        move || async move {
            let client = tls_requests::blocking::Client::builder()
                .max_connections_per_host(1)
                .build()
                .unwrap();
            let threads: Vec<_> = (0..3)
                .map(|_| {
                    let (client, url) = (client.clone(), refused.clone());
                    std::thread::spawn(move || client.get(url).send().map(drop).unwrap_err())
                })
                .collect();
            threads
                .into_iter()
                .map(|t| t.join().unwrap().is_connect())
                .filter(|c| *c)
                .count()
        },
    );
    assert_eq!(done, 3);
}

/// A plain HTTP server on every loopback address (`127.x.y.z`), answering `ok` to every
/// request, counting the connections open right now. Hosts apart from [`Server`], which
/// listens on 127.0.0.1 only.
fn any_loopback_server() -> (u16, Arc<AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let open = Arc::new(AtomicUsize::new(0));
    let counter = open.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let open = counter.clone();
            open.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut got = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = stream.read(&mut buf) {
                    got.extend_from_slice(&buf[..n]);
                    while let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                        got.drain(..end + 4);
                        let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        if stream.write_all(reply).is_err() {
                            break;
                        }
                    }
                }
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (port, open)
}

/// `127.0.x.y` for the `i`-th of many hosts.
fn host(i: usize, port: u16) -> String {
    format!("http://127.0.{}.{}:{port}/", i / 250, 1 + i % 250)
}

/// Idle connections are capped across all hosts, the least recently used closed to make
/// room (issue 15, item 9).
#[test]
fn idle_connections_are_capped_across_hosts() {
    let (port, open) = any_loopback_server();
    run(async {
        let client = AsyncClient::builder().pool_max_idle(20).build().unwrap();
        for i in 0..60 {
            fetch(&client, host(i, port)).await;
        }
        Timer::after(Duration::from_millis(100)).await;
        assert_eq!(open.load(Ordering::SeqCst), 20, "the cap, no more");
        // The most recent hosts kept theirs: a request to one of them opens nothing.
        fetch(&client, host(59, port)).await;
        Timer::after(Duration::from_millis(50)).await;
        assert_eq!(open.load(Ordering::SeqCst), 20);
    });
}

/// Out of file descriptors, the client closes idle connections and tries again: 300 hosts
/// in a row with `ulimit -n 128` all answer (issue 15, item 9). The crawl runs in a child
/// process, the test binary itself, so the limit touches nothing else.
#[test]
fn a_crawl_survives_a_low_descriptor_limit() {
    let (port, _open) = any_loopback_server();
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 128 && exec \"$0\" \"$@\"")
        .arg(exe)
        .args([
            "pool::crawl_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CRAWL_PORT", port.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("300 of 300 answered"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "run by a_crawl_survives_a_low_descriptor_limit, in a process of its own"]
fn crawl_child() {
    let port: u16 = std::env::var("CRAWL_PORT").unwrap().parse().unwrap();
    run(async {
        let client = AsyncClient::new();
        let mut answered = 0;
        for i in 0..300 {
            match client.get(host(i, port)).await {
                Ok(r) => answered += usize::from(r.text().await.is_ok()),
                Err(e) => println!("{i}: {e}"),
            }
        }
        println!("{answered} of 300 answered");
    });
}
