//! Responses and faults of [`MockTransport`] as a user stages them: delays, chunked bodies,
//! stalls, resets, hang-ups, failed connects, and the panics that refuse invalid input.

use std::error::Error as _;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tls_requests::mock::{ConnectFault, Matcher, MockResponse, MockTransport};
use tls_requests::rt::{BoxFuture, Executor};
use tls_requests::{AsyncClient, Kind, StatusCode, TimeoutPhase};

use crate::support::minimal_profile;

const SHORT: Duration = Duration::from_millis(100);

fn client(mock: &MockTransport) -> AsyncClient {
    AsyncClient::builder()
        .profile(minimal_profile())
        .connector(mock.clone())
        .read_timeout(SHORT)
        .connect_timeout(SHORT)
        .build()
        .unwrap()
}

/// Every request to `/` answered with `response`.
fn answering(response: MockResponse) -> MockTransport {
    let mock = MockTransport::default();
    mock.on(Matcher::any()).respond(response);
    mock
}

#[test]
fn delay_holds_the_head_back() {
    smol::block_on(async {
        let mock = answering(
            MockResponse::new(200)
                .body("late")
                .delay(Duration::from_millis(40)),
        );
        let started = Instant::now();
        let r = client(&mock).get("https://h.test/").await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(40),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(r.text().await.unwrap(), "late");
    });
}

#[test]
fn a_delay_longer_than_the_read_timeout_is_a_read_timeout() {
    smol::block_on(async {
        let mock = answering(MockResponse::new(200).delay(Duration::from_secs(5)));
        let started = Instant::now();
        let err = client(&mock).get("https://h.test/").await.unwrap_err();
        assert_eq!(err.kind(), Kind::Timeout(TimeoutPhase::Read), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(2));
    });
}

/// Sleeps on async-io, counting the sleeps asked of it.
struct CountingSleeps(Arc<AtomicUsize>);

impl Executor for CountingSleeps {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        std::thread::spawn(move || futures_lite::future::block_on(task));
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            async_io::Timer::after(duration).await;
        })
    }
    fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()> {
        Box::pin(async move { job() })
    }
}

#[test]
fn delays_wait_on_the_executor_given() {
    smol::block_on(async {
        let sleeps = Arc::new(AtomicUsize::new(0));
        let mock = MockTransport::builder()
            .executor(CountingSleeps(sleeps.clone()))
            .build();
        mock.on(Matcher::any())
            .respond(MockResponse::new(204).delay(Duration::from_millis(10)));
        let no_timeouts = AsyncClient::builder()
            .connector(mock.clone())
            .read_timeout(None)
            .connect_timeout(None)
            .build()
            .unwrap();
        no_timeouts.get("https://h.test/").await.unwrap();
        assert_eq!(sleeps.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn a_chunked_body_arrives_chunk_by_chunk_and_keeps_the_connection() {
    smol::block_on(async {
        let mock = answering(MockResponse::new(200).chunked(["alpha", "", "beta", "gamma"]));
        let c = client(&mock);
        let mut r = c.get("https://h.test/stream").await.unwrap();
        assert_eq!(r.headers().get("transfer-encoding").unwrap(), "chunked");
        assert_eq!(r.content_length(), None);
        let mut chunks = Vec::new();
        while let Some(chunk) = r.chunk().await.unwrap() {
            chunks.push(String::from_utf8(chunk.to_vec()).unwrap());
        }
        assert_eq!(chunks, ["alpha", "beta", "gamma"]);
        c.get("https://h.test/again")
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(mock.connections(), 1);
    });
}

#[test]
fn a_stall_before_the_head_is_a_read_timeout() {
    smol::block_on(async {
        let mock = answering(MockResponse::stall());
        let started = Instant::now();
        let err = client(&mock).get("https://h.test/slow").await.unwrap_err();
        assert_eq!(err.kind(), Kind::Timeout(TimeoutPhase::Read), "{err:?}");
        assert!(started.elapsed() >= SHORT);
        // The request did arrive: only the answer never came.
        assert_eq!(mock.received()[0].url.path(), "/slow");
    });
}

#[test]
fn a_stall_after_n_bytes_times_out_mid_body() {
    smol::block_on(async {
        let mock = answering(MockResponse::new(200).body("0123456789").stall_after(4));
        let mut r = client(&mock).get("https://h.test/").await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.content_length(), Some(10));
        assert_eq!(r.chunk().await.unwrap().unwrap(), "0123");
        let err = r.chunk().await.unwrap_err();
        assert_eq!(err.kind(), Kind::Timeout(TimeoutPhase::Read), "{err:?}");
    });
}

#[test]
fn a_stall_counts_framed_bytes_of_a_chunked_body() {
    smol::block_on(async {
        // "5\r\nhello\r\n" is 10 bytes: the first chunk whole, then nothing.
        let mock = answering(
            MockResponse::new(200)
                .chunked(["hello", "world"])
                .stall_after(10),
        );
        let mut r = client(&mock).get("https://h.test/").await.unwrap();
        assert_eq!(r.chunk().await.unwrap().unwrap(), "hello");
        assert!(r.chunk().await.unwrap_err().is_timeout());
    });
}

fn io_kind(err: &tls_requests::Error) -> Option<io::ErrorKind> {
    let mut next = err.source();
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        next = e.source();
    }
    None
}

#[test]
fn a_reset_before_the_head_fails_the_request() {
    smol::block_on(async {
        let mock = MockTransport::default();
        mock.on(Matcher::get().path("/reset"))
            .respond(MockResponse::reset());
        mock.on(Matcher::any()).respond(MockResponse::new(200));
        let c = client(&mock);
        let err = c.get("https://h.test/reset").await.unwrap_err();
        assert_eq!(err.kind(), Kind::Io, "{err:?}");
        assert_eq!(
            io_kind(&err),
            Some(io::ErrorKind::ConnectionReset),
            "{err:?}"
        );
        // A fresh connection is not retried; the reset one is not reused.
        assert_eq!(mock.received().len(), 1);
        c.get("https://h.test/next").await.unwrap();
        assert_eq!(mock.connections(), 2);
    });
}

#[test]
fn a_reset_after_the_head_fails_the_body() {
    smol::block_on(async {
        let mock = answering(MockResponse::new(200).body("0123456789").reset_after(3));
        let r = client(&mock).get("https://h.test/").await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let err = r.bytes().await.unwrap_err();
        assert!(err.is_body(), "{err:?}");
        assert_eq!(
            io_kind(&err),
            Some(io::ErrorKind::ConnectionReset),
            "{err:?}"
        );
    });
}

#[test]
fn a_hang_up_after_the_head_truncates_the_body() {
    smol::block_on(async {
        let mock = answering(MockResponse::new(200).body("0123456789").hang_up_after(6));
        let r = client(&mock).get("https://h.test/").await.unwrap();
        let err = r.bytes().await.unwrap_err();
        assert!(err.is_body(), "{err:?}");
    });
}

#[test]
fn a_reused_connection_the_server_hung_up_on_is_retried_on_a_fresh_one() {
    smol::block_on(async {
        let mock = MockTransport::default();
        mock.on(Matcher::get().path("/first"))
            .respond(MockResponse::new(200).body("1"));
        // The server dropped the idle connection just as the second request went out.
        mock.on(Matcher::get().path("/second"))
            .respond(MockResponse::hang_up())
            .times(1);
        mock.on(Matcher::get().path("/second"))
            .respond(MockResponse::new(200).body("2"));
        let c = client(&mock);
        assert_eq!(
            c.get("https://h.test/first")
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "1"
        );
        assert_eq!(
            c.get("https://h.test/second")
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "2"
        );
        assert_eq!(mock.connections(), 2);
        assert_eq!(mock.received().len(), 3);
    });
}

#[test]
fn a_hang_up_on_a_fresh_connection_is_an_error() {
    smol::block_on(async {
        let mock = answering(MockResponse::hang_up());
        let err = client(&mock).get("https://h.test/").await.unwrap_err();
        // End-of-file where a head should be: the server broke HTTP/1.1.
        assert_eq!(err.kind(), Kind::Protocol, "{err:?}");
        assert_eq!(mock.connections(), 1);
    });
}

#[test]
fn a_refused_connect_is_a_connect_error() {
    smol::block_on(async {
        let mock = answering(MockResponse::new(200));
        mock.fail_connect(ConnectFault::refused().host("down.test"));
        let c = client(&mock);
        let err = c.get("https://down.test/").await.unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        assert_eq!(
            io_kind(&err),
            Some(io::ErrorKind::ConnectionRefused),
            "{err:?}"
        );
        assert_eq!(err.url().unwrap().as_str(), "https://down.test/");
        // Another host connects.
        c.get("https://up.test/").await.unwrap();
        assert_eq!((mock.connections(), mock.connect_attempts()), (1, 2));
        assert_eq!(mock.received().len(), 1);
    });
}

#[test]
fn a_tls_failure_is_a_tls_error_on_https_only() {
    smol::block_on(async {
        let mock = answering(MockResponse::new(200));
        mock.fail_connect(ConnectFault::tls("certificate has expired"));
        let c = client(&mock);
        let err = c.get("https://h.test/").await.unwrap_err();
        assert!(err.is_tls(), "{err:?}");
        let chain = format!(
            "{err} {}",
            err.source().map(|s| s.to_string()).unwrap_or_default()
        );
        assert!(chain.contains("certificate has expired"), "{chain}");
        // No handshake on plain http: nothing to fail.
        c.get("http://h.test/").await.unwrap();
        assert_eq!(mock.connections(), 1);
    });
}

#[test]
fn a_connect_that_never_completes_is_a_connect_timeout() {
    smol::block_on(async {
        let mock = answering(MockResponse::new(200));
        mock.fail_connect(ConnectFault::hang());
        let started = Instant::now();
        let err = client(&mock).get("https://h.test/").await.unwrap_err();
        assert_eq!(err.kind(), Kind::Timeout(TimeoutPhase::Connect), "{err:?}");
        assert!(started.elapsed() >= SHORT);
        assert_eq!(mock.connections(), 0);
    });
}

#[test]
fn connect_faults_used_up_let_connects_through() {
    smol::block_on(async {
        let mock = answering(MockResponse::new(200));
        mock.fail_connect(ConnectFault::refused().times(2));
        let c = client(&mock);
        assert!(c.get("https://h.test/").await.unwrap_err().is_connect());
        assert!(c.get("https://h.test/").await.unwrap_err().is_connect());
        c.get("https://h.test/").await.unwrap();
        assert_eq!((mock.connections(), mock.connect_attempts()), (1, 3));
        mock.reset();
        mock.on(Matcher::any()).respond(MockResponse::new(200));
        mock.fail_connect(ConnectFault::refused());
        // An idle connection is still reused: a connect fault only fails new ones.
        c.get("https://h.test/").await.unwrap();
        assert!(c.get("https://other.test/").await.unwrap_err().is_connect());
    });
}

/// The message `f` panicked with.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("no panic");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload.downcast::<&str>().map(|s| s.to_string()).unwrap(),
    }
}

/// Code that should panic, and its message.
type PanicCase = (Box<dyn FnOnce()>, &'static str);

#[test]
fn invalid_input_panics_with_what_is_wrong() {
    let cases: [PanicCase; 8] = [
        (
            Box::new(|| drop(MockResponse::new(1000))),
            "MockResponse::new: 1000 is not an HTTP status code (100..=999)",
        ),
        (
            Box::new(|| drop(MockResponse::new(42))),
            "MockResponse::new: 42 is not an HTTP status code (100..=999)",
        ),
        (
            Box::new(|| drop(MockResponse::new(200).status(0))),
            "MockResponse::status: 0 is not an HTTP status code (100..=999)",
        ),
        (
            Box::new(|| drop(MockResponse::new(200).header("Bad Name", "v"))),
            "MockResponse::header: invalid header name \"Bad Name\"",
        ),
        (
            Box::new(|| drop(MockResponse::new(200).header("X-Split", "a\r\nInjected: 1"))),
            "MockResponse::header: invalid value for \"X-Split\": \"a\\r\\nInjected: 1\"",
        ),
        (
            Box::new(|| drop(Matcher::get().path("users"))),
            "Matcher::path: \"users\" does not start with '/', so no request has it",
        ),
        (
            Box::new(|| drop(Matcher::get().header("x y", "1"))),
            "Matcher::header: \"x y\" is not a header name",
        ),
        (
            Box::new(|| {
                let mock = MockTransport::default();
                let mounted = mock.on(Matcher::any()).respond(MockResponse::new(200));
                mounted.mount(&mock);
            }),
            "Mock::mount: mock `any request` is mounted already",
        ),
    ];
    for (f, expected) in cases {
        assert_eq!(panic_message(f), expected);
    }
}

#[test]
fn invalid_input_panics_at_the_line_that_wrote_it() {
    use std::sync::Mutex;
    static WHERE: Mutex<Option<(std::thread::ThreadId, u32, String)>> = Mutex::new(None);
    let previous = Arc::new(std::panic::take_hook());
    let forward = previous.clone();
    // Records this thread's panic location; every other panic goes to the usual hook.
    std::panic::set_hook(Box::new(move |info| {
        let me = std::thread::current().id();
        let mut slot = WHERE.lock().unwrap_or_else(|p| p.into_inner());
        match (slot.as_ref(), info.location()) {
            (Some((id, 0, _)), Some(at)) if *id == me => {
                *slot = Some((me, at.line(), at.file().to_owned()));
            }
            _ => forward(info),
        }
    }));
    *WHERE.lock().unwrap() = Some((std::thread::current().id(), 0, String::new()));
    let line = line!() + 1;
    let result = catch_unwind(|| MockResponse::new(7));
    let recorded = WHERE.lock().unwrap().take();
    drop(std::panic::take_hook());
    // Put back a hook that forwards to the usual one (`previous` is shared with ours).
    std::panic::set_hook(Box::new(move |info| previous(info)));
    assert!(result.is_err());
    let (_, at_line, file) = recorded.unwrap();
    assert_eq!(
        (at_line, file.ends_with("mock_faults.rs")),
        (line, true),
        "{file}"
    );
}
