//! The send path: a total timeout around everything, redirects followed, one exchange on a
//! pooled connection, retried once on a fresh one when a reused one was stale.

use std::time::{Duration, Instant};

use http::Method;
use url::Url;

use super::AsyncClient;
use super::fields::RequestHead;
use crate::body::RawBody;
use crate::error::{Error, Kind, Result, TimeoutPhase};
use crate::pool::{Checkout, Pooled};
use crate::proto::h1::conn::OutBody;
use crate::proto::h1::{self, RequestBody};
use crate::proto::{Connection, Protocol, ResponseHead};
use crate::redirect;
use crate::request::{BodyKind, Request};
use crate::response::{Response, ResponseBody};
use crate::rt::{self, Deadlines, Executor};
use crate::transport::{Connected, Destination};

/// A redirect response body up to this size is read so its connection can be reused.
const DRAIN_LIMIT: u64 = 64 * 1024;
/// The longest wait for the rest of a redirect's body before its connection is given up.
const DRAIN_WAIT: Duration = Duration::from_millis(100);

impl AsyncClient {
    /// Sends `request`, following redirects as configured, and returns once the final
    /// response head has arrived.
    pub async fn send(&self, request: Request) -> Result<Response> {
        let Some(total) = request.options.timeout.or(self.inner.config.timeout) else {
            return self.send_following(request, None).await;
        };
        // A total timeout ends the request from outside: its error gets the request's name here.
        let (method, url) = (request.method.clone(), request.url.clone());
        let end = Some(Instant::now() + total);
        let exec = &*self.inner.exec;
        // Boxed: the timer would make every request's future twice the size.
        Box::pin(rt::timeout(
            exec,
            Some(total),
            TimeoutPhase::Total,
            self.send_following(request, end),
        ))
        .await
        .map_err(|e| e.with_request(&method, &url))
    }

    async fn send_following(&self, mut request: Request, end: Option<Instant>) -> Result<Response> {
        let config = &self.inner.config;
        let follow = request
            .options
            .follow_redirects
            .unwrap_or(config.follow_redirects);
        let max = request
            .options
            .max_redirects
            .unwrap_or(config.max_redirects);
        let mut history = Vec::new();
        loop {
            let sent = self.send_once(&mut request, end).await;
            let mut response = sent.map_err(|e| e.with_request(&request.method, &request.url))?;
            #[cfg(feature = "cookies")]
            if let Some(jar) = &config.cookies {
                jar.store_response(&response.url, &response.headers);
            }
            if !follow || !response.status.is_redirection() {
                response.history = history;
                return Ok(response);
            }
            let (method, url) = (request.method.clone(), request.url.clone());
            let location = response.headers.get("location");
            let Some(plan) = redirect::plan(&method, &url, response.status, location)
                .map_err(|e| e.with_request(&method, &url))?
            else {
                response.history = history;
                return Ok(response);
            };
            if history.len() >= max {
                let err = Error::new(
                    Kind::Redirect,
                    format!("too many redirects (more than {max})"),
                );
                return Err(err.with_request(&method, &url));
            }
            history.push(response.without_body());
            // Boxed: a redirect is rare, and its state would make every request's future
            // larger.
            Box::pin(drain(&*self.inner.exec, response)).await;
            request = request
                .follow(plan)
                .map_err(|e| e.with_request(&method, &url))?;
        }
    }

    /// One request on one connection, retried once on a new connection when a reused one
    /// turns out to be closed before it took any part of the request.
    async fn send_once(&self, request: &mut Request, end: Option<Instant>) -> Result<Response> {
        let inner = &*self.inner;
        let dst = Destination::from_url(&request.url)?;
        let read_timeout = request.options.read_timeout.or(inner.config.read_timeout);
        let deadlines = Deadlines {
            idle: read_timeout,
            end,
        };
        let is_head = request.method == Method::HEAD;
        let replayable = request.body.is_replayable();
        let idempotent = matches!(
            request.method,
            Method::GET
                | Method::HEAD
                | Method::OPTIONS
                | Method::PUT
                | Method::DELETE
                | Method::TRACE
        );

        let mut attempt = 0;
        loop {
            attempt += 1;
            let RequestHead {
                bytes: head,
                expect_continue,
                close_after,
            } = inner.config.request_head(request)?;
            let mut conn = self.connection(&dst).await?;
            let (body, out) = match &mut request.body.kind {
                BodyKind::Empty => (RequestBody::Empty, OutBody::Empty),
                BodyKind::Full(bytes) => (RequestBody::Full(bytes), OutBody::Full(bytes)),
                BodyKind::Stream(reader) => (RequestBody::Stream, OutBody::Stream(&mut **reader)),
                BodyKind::Sized(reader, len) => {
                    (RequestBody::Sized(*len), OutBody::Stream(&mut **reader))
                }
            };
            let request_head = h1::Request {
                head,
                body,
                is_head,
                expect_continue,
                close: close_after,
            };
            let sent = Instant::now();
            let exchanged = match &mut *conn {
                Connection::Http1(h1) => h1.exchange(deadlines, request_head, out).await,
            };
            match exchanged {
                Ok(head) => {
                    let elapsed = sent.elapsed();
                    return Ok(self.response(conn, head, request.url.clone(), elapsed));
                }
                Err(e) => {
                    let safe =
                        e.nothing_sent || (e.closed_before_response && idempotent && replayable);
                    if attempt == 1 && conn.is_reused() && safe {
                        continue;
                    }
                    return Err(e.error);
                }
            }
        }
    }

    /// A pooled connection to `dst`: an idle one, or a new one within the host's limit.
    /// The total deadline is enforced around the whole of `send`, this wait included.
    async fn connection(&self, dst: &Destination) -> Result<Pooled> {
        let inner = &*self.inner;
        let slot = match inner.pool.checkout(dst).await? {
            Checkout::Idle(conn) => return Ok(conn),
            Checkout::Connect(slot) => slot,
        };
        let connection = match self.connect(dst).await {
            // Out of file descriptors: idle connections are what can be given back.
            Err(e) if e.is_out_of_descriptors() => {
                drop(inner.pool.take_idle());
                self.connect(dst).await?
            }
            connected => connected?,
        };
        let protocol = Protocol::from_alpn(connection.alpn())?;
        let conn = Connection::new(
            protocol,
            connection,
            inner.exec.clone(),
            inner.config.limits,
        );
        Ok(slot.fill(conn))
    }

    /// A new connection to `dst`, within the connect timeout.
    async fn connect(&self, dst: &Destination) -> Result<Connected> {
        let inner = &*self.inner;
        let connect = async {
            inner
                .connector
                .connect(dst)
                .await
                .map_err(Error::from_connector)
        };
        let limit = inner.config.connect_timeout;
        rt::timeout(&*inner.exec, limit, TimeoutPhase::Connect, connect).await
    }

    /// The response whose head `conn` has just read; its body reads on from `conn`, which
    /// goes back to the pool (if its protocol allows) when the body ends.
    fn response(&self, conn: Pooled, head: ResponseHead, url: Url, elapsed: Duration) -> Response {
        let body = if conn.body_done() {
            conn.release();
            ResponseBody::empty()
        } else {
            let raw = RawBody::exclusive(conn);
            ResponseBody::new(raw, &head.headers, self.inner.config.decompress)
        };
        Response {
            status: head.status,
            version: head.version,
            reason: head.reason,
            headers: head.headers,
            url,
            elapsed,
            history: Vec::new(),
            body,
            body_limit: self.inner.config.max_body_bytes,
        }
    }
}

/// Reads a small redirect body to its end, so its connection can be reused; a large one, or
/// one not all there within [`DRAIN_WAIT`], is dropped with its connection (a body that has
/// all arrived is still consumed then, see `RawBody`'s `Drop`).
async fn drain(exec: &dyn Executor, mut response: Response) {
    if response.content_length().is_none_or(|n| n > DRAIN_LIMIT) {
        return;
    }
    let read = async { while let Ok(Some(_)) = response.chunk().await {} };
    futures_lite::future::or(read, exec.sleep(DRAIN_WAIT)).await;
}
