//! Keep-alive reuse, per-host limits, stale connections and cancellation.

use std::time::Duration;

use async_io::Timer;
use futures_lite::future;
use tls_requests::AsyncClient;

use crate::support::{Reply, Server, fetch, get_all, run, text};

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
