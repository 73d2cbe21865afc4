//! Retries and hooks over real sockets. Backoff waits are read off an executor whose timer
//! records what it is asked to sleep and returns at once: no test sleeps for them.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_io::Async;
use tls_requests::rt::{BoxFuture, Executor, SmolExecutor};
use tls_requests::transport::{Connected, Connector, Destination};
use tls_requests::{
    AsyncClient, Body, BoxError, Error, HeaderValue, Kind, Response, Retry, StatusCode,
};

use crate::support::{Reply, Server, refused_port, run};

/// smol's executor, but a `sleep` of between 300 ms and 10 s is only recorded and returns at
/// once: the retry waits of these tests. The client's own short timers (Happy Eyeballs'
/// 250 ms, the 100 ms a retried response's body gets to arrive) and long timeouts stay real.
#[derive(Clone, Default)]
struct FakeTimer(Arc<Mutex<Vec<Duration>>>);

const FAKED: std::ops::Range<Duration> = Duration::from_millis(300)..Duration::from_secs(10);

impl FakeTimer {
    fn slept(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Executor for FakeTimer {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        SmolExecutor.spawn(task);
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        if !FAKED.contains(&duration) {
            return SmolExecutor.sleep(duration);
        }
        self.0.lock().unwrap().push(duration);
        Box::pin(async {})
    }
    fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()> {
        SmolExecutor.spawn_blocking(job)
    }
}

/// A server that answers 503 (with `extra` fields) to the first `failures` requests, then
/// 200 with the number of the request.
fn failing_server(failures: usize, extra: &'static [(&'static str, &'static str)]) -> Server {
    let count = AtomicUsize::new(0);
    Server::plain(move |_| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        if n < failures {
            Reply::status(503, extra, "busy")
        } else {
            Reply::ok(&format!("answer {}", n + 1))
        }
    })
}

/// A backoff whose waits the fake timer records.
const SLOW: Duration = Duration::from_secs(1);

fn on_fake_timer(timer: &FakeTimer) -> tls_requests::ClientBuilder {
    AsyncClient::builder().executor(timer.clone())
}

fn client_with(timer: &FakeTimer, retry: Retry) -> AsyncClient {
    on_fake_timer(timer).retry(retry).build().unwrap()
}

#[test]
fn a_server_that_fails_twice_is_answered_on_the_third_attempt() {
    let server = failing_server(2, &[]);
    let timer = FakeTimer::default();
    let base = Duration::from_millis(600);
    let client = client_with(&timer, Retry::new(3).backoff(base, Duration::from_secs(5)));
    run(async {
        let response = client.get(server.url("/flaky")).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "answer 3");
    });
    assert_eq!(server.seen().len(), 3);
    let slept = timer.slept();
    assert_eq!(slept.len(), 2, "{slept:?}");
    assert!((base / 2..=base).contains(&slept[0]), "{slept:?}");
    assert!((base..=base * 2).contains(&slept[1]), "{slept:?}");
    // The 503s were drained, so their connection carried the next attempts.
    assert_eq!(server.connections(), 1);
}

/// A hook that fails 4xx and 5xx (`raise_for_status`) fails only the answer: a 503 that is
/// retried is not one.
#[test]
fn a_raising_response_hook_lets_retries_happen() {
    let server = failing_server(1, &[]);
    let timer = FakeTimer::default();
    let client = on_fake_timer(&timer)
        .retry(Retry::new(2).backoff(SLOW, SLOW))
        .on_response(|r| r.raise_for_status())
        .build()
        .unwrap();
    run(async {
        let ok = client.get(server.url("/")).await.unwrap();
        assert_eq!(ok.text().await.unwrap(), "answer 2");
        let down = failing_server(usize::MAX, &[]);
        let err = client.get(down.url("/")).await.unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE), "{err}");
        assert_eq!(down.seen().len(), 3, "retried, then the last answer raised");
    });
}

#[test]
fn retries_end_at_the_limit_with_the_last_response() {
    let server = failing_server(usize::MAX, &[]);
    let timer = FakeTimer::default();
    let client = client_with(&timer, Retry::new(2).backoff(SLOW, SLOW));
    run(async {
        let response = client.get(server.url("/down")).await.unwrap();
        assert_eq!(response.status(), 503);
        assert_eq!(response.text().await.unwrap(), "busy");
    });
    assert_eq!(server.seen().len(), 3);
    assert_eq!(timer.slept().len(), 2);
}

#[test]
fn retry_after_is_honoured_and_one_past_the_budget_ends_retrying() {
    let server = failing_server(1, &[("Retry-After", "2")]);
    let timer = FakeTimer::default();
    let client = client_with(&timer, Retry::new(3));
    run(async {
        let response = client.get(server.url("/")).await.unwrap();
        assert_eq!(response.status(), 200);
    });
    assert_eq!(timer.slept(), [Duration::from_secs(2)]);

    let server = failing_server(1, &[("Retry-After", "3600")]);
    let timer = FakeTimer::default();
    let client = client_with(&timer, Retry::new(3).max_elapsed(Duration::from_secs(60)));
    run(async {
        let response = client.get(server.url("/")).await.unwrap();
        assert_eq!(response.status(), 503, "an hour's wait is not taken");
    });
    assert_eq!(server.seen().len(), 1);
    assert!(timer.slept().is_empty());
}

#[test]
fn a_post_is_not_retried_on_a_status_nor_a_stream_at_all() {
    let server = failing_server(1, &[]);
    let timer = FakeTimer::default();
    let client = client_with(&timer, Retry::new(3));
    run(async {
        let post = client.post(server.url("/")).body("x").await.unwrap();
        assert_eq!(post.status(), 503);
        post.bytes().await.unwrap();
        let server = failing_server(1, &[]);
        let body = Body::from_reader(futures_lite::io::Cursor::new(b"streamed".to_vec()));
        let put = client.put(server.url("/")).body(body).await.unwrap();
        assert_eq!(put.status(), 503, "a one-shot stream is not sent twice");
        assert_eq!(server.seen().len(), 1);
        let put = client.put(server.url("/")).body("again").await.unwrap();
        assert_eq!(put.status(), 200, "a PUT of bytes is");
    });
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn the_request_policy_wins_over_the_clients() {
    let server = failing_server(usize::MAX, &[]);
    let timer = FakeTimer::default();
    let client = client_with(&timer, Retry::new(5));
    run(async {
        let once = client.get(server.url("/")).retry(Retry::new(0)).await;
        assert_eq!(once.unwrap().status(), 503);
        assert_eq!(server.seen().len(), 1);
        let plain = on_fake_timer(&timer).build().unwrap();
        let twice = plain.get(server.url("/")).retry(Retry::new(1)).await;
        assert_eq!(twice.unwrap().status(), 503);
        assert_eq!(server.seen().len(), 3);
    });
}

/// Connections go to `to` after the first `refusals` connects, which are refused.
struct RefusedFirst {
    refusals: usize,
    attempts: AtomicUsize,
    to: SocketAddr,
}

impl Connector for RefusedFirst {
    fn connect<'a>(&'a self, _: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
        Box::pin(async move {
            if self.attempts.fetch_add(1, Ordering::SeqCst) < self.refusals {
                return Err(io::Error::from(io::ErrorKind::ConnectionRefused).into());
            }
            Ok(Connected::new(
                Async::<std::net::TcpStream>::connect(self.to).await?,
            ))
        })
    }
}

#[test]
fn connection_failures_are_retried_even_for_a_post() {
    let server = Server::plain(|s| Reply::ok(&String::from_utf8_lossy(&s.body)));
    let connector = Arc::new(RefusedFirst {
        refusals: 2,
        attempts: AtomicUsize::new(0),
        to: server.addr,
    });
    let timer = FakeTimer::default();
    let client = on_fake_timer(&timer)
        .transport(SharedConnector(connector.clone()))
        .retry(Retry::new(3))
        .build()
        .unwrap();
    run(async {
        let response = client
            .post(server.url("/"))
            .body("sent once")
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "sent once");
    });
    assert_eq!(connector.attempts.load(Ordering::SeqCst), 3);
    assert_eq!(server.seen().len(), 1);

    let refused = format!("http://127.0.0.1:{}/", refused_port());
    let timer = FakeTimer::default();
    let err = run(client_with(&timer, Retry::new(2).backoff(SLOW, SLOW))
        .get(&refused)
        .send())
    .unwrap_err();
    assert!(err.is_connect(), "{err}");
    assert_eq!(timer.slept().len(), 2, "two retries, then the error");
}

struct SharedConnector(Arc<RefusedFirst>);

impl Connector for SharedConnector {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
        self.0.connect(dst)
    }
}

#[test]
fn a_total_timeout_shorter_than_the_wait_returns_the_response() {
    let server = failing_server(usize::MAX, &[("Retry-After", "30")]);
    let timer = FakeTimer::default();
    let client = client_with(&timer, Retry::new(3));
    run(async {
        let response = client
            .get(server.url("/"))
            .timeout(Duration::from_secs(20))
            .await
            .unwrap();
        assert_eq!(response.status(), 503);
    });
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn cookies_and_hooks_see_every_attempt_and_every_hop() {
    let count = AtomicUsize::new(0);
    let server = Server::plain(move |s| match s.target.as_str() {
        "/start" => Reply::status(302, &[("Location", "/flaky")], ""),
        _ if count.fetch_add(1, Ordering::SeqCst) == 0 => {
            Reply::status(503, &[("Set-Cookie", "attempt=first")], "")
        }
        _ => Reply::ok(s.header("cookie").unwrap_or("none")),
    });
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (client_log, request_log) = (seen.clone(), seen.clone());
    let timer = FakeTimer::default();
    let client = on_fake_timer(&timer)
        .retry(Retry::new(1))
        .on_response(move |r: &Response| {
            let line = format!("client {} {}", r.status().as_u16(), r.url().path());
            client_log.lock().unwrap().push(line);
            Ok(())
        })
        .build()
        .unwrap();
    run(async {
        let response = client
            .get(server.url("/start"))
            .on_response(move |r| {
                request_log
                    .lock()
                    .unwrap()
                    .push(format!("request {}", r.status().as_u16()));
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "attempt=first");
    });
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "client 302 /start",
            "request 302",
            "client 503 /flaky",
            "request 503",
            "client 200 /flaky",
            "request 200",
        ]
    );
}

#[test]
fn request_hooks_change_each_hop_client_first_and_errors_end_the_request() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/a" => Reply::status(302, &[("Location", "/b")], ""),
        _ => Reply::ok(s.header("x-trail").unwrap_or("none")),
    });
    let client = AsyncClient::builder()
        .on_request(|r| {
            let path = HeaderValue::from_str(r.url().path()).unwrap();
            r.headers_mut().insert("X-Trail", path).unwrap();
            Ok(())
        })
        .build()
        .unwrap();
    run(async {
        let response = client
            .get(server.url("/a"))
            .on_request(|r| {
                let trail = r.headers().get("x-trail").unwrap().to_str().unwrap();
                let value = HeaderValue::from_str(&format!("{trail}+own")).unwrap();
                r.headers_mut().insert("X-Trail", value).unwrap();
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "/b+own");
        let heads = server.seen();
        assert_eq!(heads[0].header("x-trail"), Some("/a+own"));

        let refused = client
            .get(server.url("/a"))
            .on_request(|_| Err(Error::new(Kind::Header, "not signed")))
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), Kind::Header);
        assert!(refused.to_string().contains("not signed"), "{refused}");
        let raised = client
            .get(server.url("/missing"))
            .on_response(|r| {
                if r.status() == StatusCode::OK {
                    Err(Error::new(Kind::Body, "unexpected"))
                } else {
                    Ok(())
                }
            })
            .await
            .unwrap_err();
        assert!(raised.is_body(), "{raised}");
    });
    assert_eq!(server.seen().len(), 3, "the refused request was never sent");
}
