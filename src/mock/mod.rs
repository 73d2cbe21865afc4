//! [`MockTransport`]: an in-process HTTP/1.1 server for tests, reached through the client's
//! real connector seam and codec, with matchers, expectations, and faults.
//!
//! What it keeps that a mock server on a socket (wiremock, httpmock) cannot: no port and no
//! runtime of its own (it runs on whatever executor the client runs on), requests parsed by
//! the HTTP/1.1 codec the client's responses go through, each request's headers in the order
//! and case sent and its bytes exactly as written ([`MockRequest::raw`]), the number of
//! connections the client opened, and faults a socket server struggles to stage: a refused
//! connect, a failed TLS handshake, a reset in the middle of a body.
//!
//! It sits above `transport` and `proto` (its server side parses with the codec); neither
//! knows it.
//!
//! # Matching requests
//!
//! [`MockTransport::on`] mounts an answer for the requests a [`Matcher`] matches: method,
//! host, path (exact or prefix), query parameters, headers, body, JSON body, Basic and Bearer
//! credentials, or any closure. Mocks are tried in mount order and the first that matches
//! (and is not used up) answers.
//!
//! ```
//! use tls_requests::AsyncClient;
//! use tls_requests::mock::{Matcher, MockResponse, MockTransport};
//! # smol::block_on(async {
//! let mock = MockTransport::default();
//! mock.on(Matcher::get().path("/users").query("page", "2"))
//!     .respond(MockResponse::json(&serde_json::json!([{"id": 3}])));
//! mock.on(Matcher::post().path("/users").json(&serde_json::json!({"name": "ann"})).bearer_auth("t0k"))
//!     .respond(MockResponse::new(201));
//! mock.on(Matcher::any().path_prefix("/static/")).respond(MockResponse::new(200).body("file"));
//!
//! let client = AsyncClient::builder().connector(mock.clone()).build()?;
//! let users: serde_json::Value = client.get("https://api.test/users?page=2").await?.json().await?;
//! assert_eq!(users[0]["id"], 3);
//! let made = client
//!     .post("https://api.test/users")
//!     .auth(tls_requests::BearerAuth::new("t0k"))
//!     .json(&serde_json::json!({"name": "ann"}))
//!     .await?;
//! assert_eq!(made.status(), 201);
//! assert_eq!(client.get("https://api.test/static/app.js").await?.text().await?, "file");
//! # Ok::<(), tls_requests::Error>(())
//! # }).unwrap();
//! ```
//!
//! A request no mock matches gets a `404` whose body shows the request and, for each mock,
//! the condition it missed ("path is /user, not /users"); it is recorded as unmatched, and
//! verification fails on it (unless [`allow_unmatched`](MockTransportBuilder::allow_unmatched)).
//!
//! # Expecting requests
//!
//! [`Mock::expect`] says how many requests a mock must answer (`1`, `1..`, `..=3`, `2..4`).
//! Expectations are checked by [`MockTransport::verify`], and when the transport's last
//! handle is dropped (the test's and the client's), which panics with every unmet
//! expectation and every request received, unless the thread is already panicking.
//!
//! ```
//! use tls_requests::AsyncClient;
//! use tls_requests::mock::{Matcher, MockResponse, MockTransport};
//! # smol::block_on(async {
//! let mock = MockTransport::default();
//! mock.on(Matcher::delete().path("/users/7")).respond(MockResponse::new(204)).expect(1);
//! let client = AsyncClient::builder().connector(mock.clone()).build()?;
//!
//! let err = mock.verify().unwrap_err();
//! assert!(err.to_string().contains("mock 1 `DELETE, path /users/7` expected exactly 1 request, received 0"));
//! client.delete("https://api.test/users/7").await?;
//! mock.verify()?;
//! assert_eq!(mock.received()[0].url.path(), "/users/7");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # Sequences
//!
//! A mock with [`times(n)`](Mock::times) answers `n` requests, then the next mock that
//! matches answers: mount a sequence's answers in order. [`MockTransport::reset`] clears the
//! mocks and the records. For an answer made from the request, use
//! [`respond_with`](When::respond_with).
//!
//! ```
//! use tls_requests::AsyncClient;
//! use tls_requests::mock::{Matcher, MockResponse, MockTransport};
//! # smol::block_on(async {
//! let mock = MockTransport::default();
//! mock.on(Matcher::any()).respond(MockResponse::new(503)).times(1);
//! mock.on(Matcher::any()).respond_with(|req| MockResponse::new(200).body(req.url.path().to_owned()));
//! let client = AsyncClient::builder().connector(mock.clone()).build()?;
//! assert_eq!(client.get("https://api.test/a").await?.status(), 503);
//! assert_eq!(client.get("https://api.test/b").await?.text().await?, "/b");
//! mock.reset();
//! assert!(mock.received().is_empty());
//! # Ok::<(), tls_requests::Error>(())
//! # }).unwrap();
//! ```
//!
//! # Responses
//!
//! [`MockResponse`]: a status, headers in order and case, and a body whole
//! ([`body`](MockResponse::body), [`json`](MockResponse::json)) or in chunks
//! ([`chunked`](MockResponse::chunked), each chunk its own read), after a
//! [`delay`](MockResponse::delay); [`raw`](MockResponse::raw) bytes for a server that
//! breaks HTTP. Input that is invalid panics where it is written: `MockResponse::new(1000)`
//! is never silently a `500`.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use tls_requests::AsyncClient;
//! use tls_requests::mock::{MockResponse, MockTransport};
//! # smol::block_on(async {
//! let mock = MockTransport::new(|_| {
//!     MockResponse::new(200)
//!         .header("X-Trace", "a1")
//!         .chunked(["hello ", "world"])
//!         .delay(Duration::from_millis(20))
//! });
//! let client = AsyncClient::builder().connector(mock).build()?;
//! let started = Instant::now();
//! let mut r = client.get("https://api.test/").await?;
//! assert!(started.elapsed() >= Duration::from_millis(20));
//! assert_eq!(r.headers().get("transfer-encoding").unwrap(), "chunked");
//! assert_eq!(r.chunk().await?.unwrap(), "hello ");
//! assert_eq!(r.chunk().await?.unwrap(), "world");
//! # Ok::<(), tls_requests::Error>(())
//! # }).unwrap();
//! ```
//!
//! A delay waits on a timer: the executor given to
//! [`MockTransportBuilder::executor`] if any (the client's, say, when its clock is a test
//! clock), else async-io's, which is a dependency of this crate in every build and drives
//! itself on any executor. A [`Connector`] is not handed the client's executor, so the
//! transport cannot borrow it unasked.
//!
//! # Faults
//!
//! A response can fail part way: [`stall`](MockResponse::stall) (never answers, so the
//! client's read timeout fires), [`stall_after(n)`](MockResponse::stall_after) (the body
//! stops after `n` bytes and never ends), [`reset`](MockResponse::reset) and
//! [`reset_after(n)`](MockResponse::reset_after) (the connection is reset before the head,
//! or mid-body), [`hang_up`](MockResponse::hang_up) and
//! [`hang_up_after(n)`](MockResponse::hang_up_after) (closed without an answer, or with a
//! truncated body). A connect can fail: [`fail_connect`](MockTransport::fail_connect) with
//! a [`ConnectFault`] (refused, TLS failure, never completing).
//!
//! ```
//! use std::time::Duration;
//! use tls_requests::{AsyncClient, Kind, TimeoutPhase};
//! use tls_requests::mock::{ConnectFault, Matcher, MockResponse, MockTransport};
//! # smol::block_on(async {
//! let mock = MockTransport::default();
//! mock.on(Matcher::get().path("/slow")).respond(MockResponse::stall());
//! mock.on(Matcher::get().path("/cut")).respond(MockResponse::new(200).body("0123456789").reset_after(4));
//! mock.fail_connect(ConnectFault::refused().host("down.test"));
//! let client = AsyncClient::builder()
//!     .connector(mock.clone())
//!     .read_timeout(Duration::from_millis(50))
//!     .build()?;
//!
//! let err = client.get("https://api.test/slow").await.unwrap_err();
//! assert_eq!(err.kind(), Kind::Timeout(TimeoutPhase::Read));
//! let r = client.get("https://api.test/cut").await?;
//! assert!(r.bytes().await.unwrap_err().is_body());
//! assert!(client.get("https://down.test/").await.unwrap_err().is_connect());
//! # Ok::<(), tls_requests::Error>(())
//! # }).unwrap();
//! ```
//!
//! # A handler for everything
//!
//! [`MockTransport::new`] (and [`new_async`](MockTransport::new_async)) answer every
//! request with a closure; mocks mounted on such a transport are tried first.

mod fault;
mod io;
mod matcher;
mod mount;
mod request;
mod response;
mod verify;

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use fault::ConnectFault;
pub use matcher::Matcher;
pub use mount::{Mock, Times, When};
pub use request::MockRequest;
pub use response::MockResponse;
pub use verify::VerifyError;

use crate::error::BoxError;
use crate::rt::{BoxFuture, Executor};
use crate::transport::{Connected, Connector, Destination};
use fault::Failed;
use mount::Responder;
use verify::Answer;

type Handler = dyn Fn(MockRequest) -> BoxFuture<'static, MockResponse> + Send + Sync;

/// A [`Connector`] whose peer is an in-memory server: requests travel through the real
/// HTTP/1.1 codec, are answered by the mounted [`Mock`]s (or a handler), and are recorded
/// for assertions. See [the module](self) for a recipe per capability.
///
/// `MockTransport` is a cheap `Clone` (an `Arc`); give the client a clone and keep one.
/// When the last clone is dropped, the expectations are [verified](Self::verify) and a
/// failure panics (unless the thread is panicking already, or a failure `verify` already
/// returned is all there is).
///
/// ```
/// use tls_requests::{AsyncClient, MockResponse, MockTransport};
/// # smol::block_on(async {
/// let mock = MockTransport::new(|req| match req.url.path() {
///     "/user" => MockResponse::new(200).header("Content-Type", "application/json").body(r#"{"id":1}"#),
///     _ => MockResponse::new(404),
/// });
/// let client = AsyncClient::builder().connector(mock.clone()).build()?;
/// client.post("https://api.test/user").header("X-Token", "t").body("hi").await?;
///
/// let sent = &mock.requests()[0];
/// assert_eq!(sent.method, "POST");
/// assert_eq!(sent.url.as_str(), "https://api.test/user");
/// assert_eq!(sent.headers.get("x-token").unwrap(), "t");
/// assert_eq!(&sent.body[..], b"hi");
/// assert_eq!(mock.connections(), 1);
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct MockTransport {
    handle: Arc<Handle>,
}

/// What the test's clones share: the last one dropped verifies.
#[derive(Default)]
struct Handle {
    shared: Arc<Shared>,
}

/// What the transport's connections share with it.
#[derive(Default)]
pub(crate) struct Shared {
    state: Mutex<State>,
    fallback: Option<Box<Handler>>,
    allow_unmatched: bool,
    verify_on_drop: Option<bool>,
    exec: Option<Arc<dyn Executor>>,
    connections: AtomicUsize,
    attempts: AtomicUsize,
}

#[derive(Default)]
pub(crate) struct State {
    mounts: Vec<Mock>,
    faults: Vec<ConnectFault>,
    received: Vec<Received>,
    /// The failure `verify` last returned, not to be reported again on drop.
    reported: Option<VerifyError>,
}

struct Received {
    request: MockRequest,
    answer: Answer,
}

/// Locks `mutex`, poisoned or not: a panicking test must not hide what was recorded.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MockTransport {
    /// A transport answering each request with `handler`'s response (after any mounted
    /// mock that matches).
    pub fn new(
        handler: impl Fn(&MockRequest) -> MockResponse + Send + Sync + 'static,
    ) -> MockTransport {
        MockTransport::builder().fallback(handler).build()
    }

    /// A transport answering each request with the response `handler`'s future yields
    /// (after any mounted mock that matches).
    pub fn new_async<F, Fut>(handler: F) -> MockTransport
    where
        F: Fn(MockRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = MockResponse> + Send + 'static,
    {
        MockTransport::builder().fallback_async(handler).build()
    }

    /// A builder for a transport with options: a handler, unmatched requests allowed, a
    /// timer's executor.
    pub fn builder() -> MockTransportBuilder {
        MockTransportBuilder::default()
    }

    /// A mock for the requests `matcher` matches, mounted as soon as it has its answer.
    pub fn on(&self, matcher: Matcher) -> When<'_> {
        When::new(matcher, Some(self))
    }

    pub(crate) fn mount(&self, mock: Mock) {
        self.state().mounts.push(mock);
    }

    /// Fails connects as `fault` says, after the faults set before it.
    pub fn fail_connect(&self, fault: ConnectFault) {
        self.state().faults.push(fault);
    }

    /// Every request received so far, in order, matched or not.
    pub fn received(&self) -> Vec<MockRequest> {
        let state = self.state();
        state.received.iter().map(|r| r.request.clone()).collect()
    }

    /// Every request received so far, in order: the same as [`received`](Self::received).
    pub fn requests(&self) -> Vec<MockRequest> {
        self.received()
    }

    /// The requests no mock (nor handler) answered, in order.
    pub fn unmatched(&self) -> Vec<MockRequest> {
        let state = self.state();
        let unmatched = state
            .received
            .iter()
            .filter(|r| r.answer == Answer::Unmatched);
        unmatched.map(|r| r.request.clone()).collect()
    }

    /// How many connections the client has opened (connects a fault failed not counted).
    pub fn connections(&self) -> usize {
        self.shared().connections.load(Ordering::Relaxed)
    }

    /// How many connects the client has tried, failed ones included.
    pub fn connect_attempts(&self) -> usize {
        self.shared().attempts.load(Ordering::Relaxed)
    }

    /// Checks every mounted mock's [`expect`](Mock::expect)ation, and that every request
    /// was answered (unless [unmatched requests are allowed](MockTransportBuilder::allow_unmatched)).
    /// The error lists what was unmet and every request received.
    pub fn verify(&self) -> Result<(), VerifyError> {
        let mut state = self.state();
        let failure = verify::failures(&state, self.shared().allow_unmatched);
        state.reported.clone_from(&failure);
        failure.map_or(Ok(()), Err)
    }

    /// Removes every mock (which may then be [mounted](Mock::mount) again) and connect
    /// fault, forgets every request, and counts connections from zero again. Open
    /// connections stay open; the handler stays.
    pub fn reset(&self) {
        let removed = std::mem::take(&mut *self.state());
        for mock in &removed.mounts {
            mock.unmount();
        }
        self.shared().connections.store(0, Ordering::Relaxed);
        self.shared().attempts.store(0, Ordering::Relaxed);
    }

    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.shared().state)
    }
}

impl Shared {
    /// Records `request` and starts its answer: the first mock that takes it, else the
    /// handler, else the `404` that says why nothing matched.
    pub(crate) fn answer(&self, request: MockRequest) -> BoxFuture<'static, MockResponse> {
        // Matchers and responders are the user's closures: none runs under the lock.
        let mounts = lock(&self.state).mounts.clone();
        let mut misses = Vec::new();
        for (i, mock) in mounts.iter().enumerate() {
            match mock.take(&request) {
                Ok(responder) => {
                    self.record(&request, Answer::Mock(i));
                    let response = match responder {
                        Responder::Fixed(response) => response,
                        Responder::With(f) => f(&request),
                    };
                    return Box::pin(std::future::ready(response));
                }
                Err(miss) => misses.push(miss),
            }
        }
        if let Some(handler) = &self.fallback {
            self.record(&request, Answer::Fallback);
            return handler(request);
        }
        let mut state = lock(&self.state);
        let body = verify::unmatched_body(&state, &request, &misses);
        state.received.push(Received {
            request,
            answer: Answer::Unmatched,
        });
        let response = MockResponse::new(404)
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(body);
        Box::pin(std::future::ready(response))
    }

    fn record(&self, request: &MockRequest, answer: Answer) {
        let request = request.clone();
        lock(&self.state)
            .received
            .push(Received { request, answer });
    }

    /// A sleep of `duration` on the transport's executor, or async-io's timer.
    pub(crate) fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        match &self.exec {
            Some(exec) => exec.sleep(duration),
            None => Box::pin(async move {
                async_io::Timer::after(duration).await;
            }),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if std::thread::panicking() || self.shared.verify_on_drop == Some(false) {
            return;
        }
        let state = lock(&self.shared.state);
        let Some(failure) = verify::failures(&state, self.shared.allow_unmatched) else {
            return;
        };
        if state.reported.as_ref() != Some(&failure) {
            drop(state);
            panic!("{failure}");
        }
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state();
        f.debug_struct("MockTransport")
            .field("mocks", &state.mounts)
            .field("received", &state.received.len())
            .field("connections", &self.connections())
            .finish()
    }
}

impl Connector for MockTransport {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
        let shared = self.shared();
        shared.attempts.fetch_add(1, Ordering::Relaxed);
        let failed = self.state().faults.iter_mut().find_map(|f| f.apply(dst));
        match failed {
            Some(Failed::Error(e)) => Box::pin(std::future::ready(Err(e))),
            Some(Failed::Hang) => Box::pin(std::future::pending()),
            None => {
                shared.connections.fetch_add(1, Ordering::Relaxed);
                let scheme = if dst.is_https() { "https" } else { "http" };
                let io = io::MockIo::new(self.handle.shared.clone(), scheme);
                Box::pin(std::future::ready(Ok(Connected::new(io))))
            }
        }
    }
}

/// Options of a [`MockTransport`]; [`MockTransport::builder`] makes one.
///
/// ```
/// use tls_requests::mock::{MockResponse, MockTransport};
///
/// let mock = MockTransport::builder()
///     .fallback(|_| MockResponse::new(204))
///     .executor(tls_requests::rt::SmolExecutor)
///     .build();
/// # drop(mock);
/// ```
#[derive(Default)]
#[must_use]
pub struct MockTransportBuilder {
    shared: Shared,
}

impl MockTransportBuilder {
    /// Answers the requests no mock matches with `handler`'s response.
    pub fn fallback(
        self,
        handler: impl Fn(&MockRequest) -> MockResponse + Send + Sync + 'static,
    ) -> MockTransportBuilder {
        self.fallback_async(move |req| std::future::ready(handler(&req)))
    }

    /// Answers the requests no mock matches with the response `handler`'s future yields.
    pub fn fallback_async<F, Fut>(mut self, handler: F) -> MockTransportBuilder
    where
        F: Fn(MockRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = MockResponse> + Send + 'static,
    {
        self.shared.fallback = Some(Box::new(move |req| Box::pin(handler(req))));
        self
    }

    /// Requests no mock matches still get the `404` and are still
    /// [recorded](MockTransport::unmatched), but are not a verification failure.
    pub fn allow_unmatched(mut self) -> MockTransportBuilder {
        self.shared.allow_unmatched = true;
        self
    }

    /// Whether dropping the last handle verifies (and panics on failure). Default: yes.
    pub fn verify_on_drop(mut self, verify: bool) -> MockTransportBuilder {
        self.shared.verify_on_drop = Some(verify);
        self
    }

    /// Waits out [`MockResponse::delay`]s on `exec`'s timer instead of async-io's.
    pub fn executor(mut self, exec: impl Executor) -> MockTransportBuilder {
        self.shared.exec = Some(Arc::new(exec));
        self
    }

    /// The transport.
    pub fn build(self) -> MockTransport {
        MockTransport {
            handle: Arc::new(Handle {
                shared: Arc::new(self.shared),
            }),
        }
    }
}

impl fmt::Debug for MockTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockTransportBuilder")
            .field("fallback", &self.shared.fallback.is_some())
            .field("allow_unmatched", &self.shared.allow_unmatched)
            .field("verify_on_drop", &self.shared.verify_on_drop)
            .finish()
    }
}
