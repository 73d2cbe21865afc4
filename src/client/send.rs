//! The send path: a total timeout around everything, redirects followed, each hop through
//! the auth, the hooks and the retry policy, one exchange on a pooled connection, retried
//! once on a fresh one when a reused one was stale.

use std::task::Poll;
use std::time::{Duration, Instant};

use http::Method;

use super::AsyncClient;
use super::fields::{RequestHead, Route};
use crate::body::RawBody;
use crate::error::{Error, Kind, Result, TimeoutPhase};
use crate::pool::{Checkout, Pooled};
use crate::proto::h1::conn::OutBody;
use crate::proto::h1::{self, RequestBody};
use crate::proto::{Connection, Protocol, ResponseHead};
use crate::request::{BodyKind, Request};
use crate::response::{Response, ResponseBody};
use crate::retry::{Outcome, Retry, is_idempotent};
use crate::rt::{self, Deadlines, Executor};
use crate::transport::{Connected, Destination, Proxy};
use crate::{auth, redirect};

/// A redirect response body up to this size is read so its connection can be reused.
const DRAIN_LIMIT: u64 = 64 * 1024;
/// The longest wait for the rest of a redirect's body before its connection is given up.
const DRAIN_WAIT: Duration = Duration::from_millis(100);

impl AsyncClient {
    /// Sends `request`, following redirects as configured, and returns once the final
    /// response head has arrived.
    pub async fn send(&self, request: Request) -> Result<Response> {
        // What `Response::elapsed` measures from.
        let start = Instant::now();
        let Some(total) = request.options.timeout.or(self.inner.config.timeout) else {
            return self.send_following(request, start, None).await;
        };
        // A total timeout ends the request from outside: its error gets the request's name here.
        let (method, url) = (request.method.clone(), request.url.clone());
        let end = Some(start + total);
        let exec = &*self.inner.exec;
        // Boxed: the timer would make every request's future twice the size.
        Box::pin(rt::timeout(
            exec,
            Some(total),
            TimeoutPhase::Total,
            self.send_following(request, start, end),
        ))
        .await
        .map_err(|e| {
            // The total deadline passed before the answer's head: while sending, as reqwest
            // reports it.
            let e = match e.timeout_phase() {
                Some(TimeoutPhase::Total) => e.while_sending(),
                _ => e,
            };
            e.with_request(&method, &url)
        })
    }

    async fn send_following(
        &self,
        request: Request,
        start: Instant,
        end: Option<Instant>,
    ) -> Result<Response> {
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
        let mut auth = auth::Flow::new(request.options.auth(), config.auth.as_ref());
        // The borrowing below happens in blocks of their own: a local borrowed across an
        // await keeps its room in the future, and these are the biggest there are.
        let mut pending = request;
        loop {
            // The request hooks, then the auth's credentials for this send (none once the
            // origin was left): a hook that changes the URL cannot take them elsewhere.
            let request = {
                let mut request = pending;
                if let Err(e) = config.hooks.run_request(&mut request) {
                    return Err(named(e, &request));
                }
                let Request {
                    method,
                    url,
                    headers,
                    cross_origin,
                    ..
                } = &mut request;
                auth.before(method, url, headers, *cross_origin)
                    .map_err(|e| e.with_request(method, url))?;
                request
            };
            // The request is the response's now: the last one stays with the final response.
            let response = self.send_hop(request, &mut auth, start, end).await?;
            // The rest of a hop, boxed: resends and redirects are rare, and their state would
            // make every request's future larger. Made in a block, so that nothing of it is
            // kept across the await.
            let rest: rt::BoxFuture<'_, Result<Request>> = {
                let next = {
                    let mut response = response;
                    // Auth, after: the request's own headers back, and one resend if the auth
                    // asks (a 401 answered), the response drained like a redirect's.
                    let Request {
                        method,
                        url,
                        headers,
                        body,
                        ..
                    } = &mut response.request;
                    let answer = (response.status, &response.headers);
                    let resend = auth
                        .after(method, url, headers, answer, body.is_replayable())
                        .map_err(|e| e.with_request(method, url))?;
                    // Auth: end. The response hooks see every response; only one that is an
                    // answer (not one the auth answers again) is theirs to fail.
                    let hooked = config.hooks.run_response(&response.request, &response);
                    if resend {
                        Next::Resend(response)
                    } else if let Err(e) = hooked {
                        return Err(named(e, &response.request));
                    } else if !follow || !response.status.is_redirection() {
                        Next::Done(response)
                    } else {
                        let location = response.headers.get("location");
                        let (method, status) = (&response.request.method, response.status);
                        let plan = redirect::plan(method, response.url(), status, location)
                            .map_err(|e| named(e, &response.request))?;
                        match plan {
                            None => Next::Done(response),
                            Some(_) if history.len() >= max => {
                                let why = format!("too many redirects (more than {max})");
                                let err = Error::new(Kind::Redirect, why);
                                return Err(named(err, &response.request));
                            }
                            Some(plan) => Next::Follow(response, plan),
                        }
                    }
                };
                match next {
                    Next::Done(mut response) => {
                        response.history = history;
                        // A stream sent is gone: what the response keeps of it is nothing.
                        if !response.request.body.is_replayable() {
                            response.request.body = crate::request::Body::empty();
                        }
                        return Ok(response);
                    }
                    Next::Resend(response) => {
                        Box::pin(async move { Ok(self.let_go(response).await) })
                    }
                    Next::Follow(response, plan) => {
                        Box::pin(self.follow(response, plan, &mut history))
                    }
                }
            };
            pending = rest.await?;
        }
    }

    /// The request that follows `response` as `plan` says, `response`'s head kept in
    /// `history` and its body drained for its connection.
    async fn follow(
        &self,
        response: Response,
        plan: redirect::Plan,
        history: &mut Vec<Response>,
    ) -> Result<Request> {
        let length = response.content_length();
        let (hop, sent, body) = response.into_hop();
        history.push(hop);
        drain(&*self.inner.exec, body, length).await;
        let (method, url) = (sent.method.clone(), sent.url.clone());
        sent.follow(plan).map_err(|e| e.with_request(&method, &url))
    }

    /// One hop of a redirect chain: the exchange, tried again as the retry policy says and through the rotator's proxies (both off the plain path, in
    /// [`send_managed`](Self::send_managed)); the cookie jar stores every response's
    /// cookies. Errors name the request.
    async fn send_hop(
        &self,
        mut request: Request,
        auth: &mut auth::Flow,
        start: Instant,
        end: Option<Instant>,
    ) -> Result<Response> {
        let config = &self.inner.config;
        // A one-shot stream is never retried.
        let retry = request.options.retry().or(config.retry.as_ref());
        let retry = retry.filter(|_| request.body.is_replayable()).cloned();
        if retry.is_some() || config.proxy_rotator.is_some() {
            // Boxed: most requests are neither retried nor rotated, and would carry its state.
            let managed = Box::pin(self.send_managed(request, auth, retry, start, end));
            return managed.await;
        }
        match self.send_once(&mut request, end, None).await {
            Ok((conn, head)) => {
                let response = self.response(conn, head, request, start.elapsed());
                self.store_cookies(&response);
                Ok(response)
            }
            Err(e) => Err(named(e, &request)),
        }
    }

    /// [`send_hop`](Self::send_hop)'s attempts with a retry policy or a proxy rotator: each
    /// attempt through the rotator's next proxy (unless the request has its own), marked by
    /// its outcome; waits between attempts on the executor's timer.
    async fn send_managed(
        &self,
        mut request: Request,
        auth: &mut auth::Flow,
        retry: Option<Retry>,
        start: Instant,
        end: Option<Instant>,
    ) -> Result<Response> {
        let config = &self.inner.config;
        let first = Instant::now();
        let mut retries = 0;
        loop {
            if retries > 0 {
                // The auth's credentials anew: a Digest answer counts its nonce once.
                let Request {
                    method,
                    url,
                    headers,
                    ..
                } = &mut request;
                auth.again(method, url, headers)
                    .map_err(|e| e.with_request(method, url))?;
            }
            let left = || end.map(|end| end.saturating_duration_since(Instant::now()));
            let rotated = match (request.options.proxy(), &config.proxy_rotator) {
                (None, Some(rotator)) => rotator.next_value(),
                _ => None,
            };
            let sent = self.send_once(&mut request, end, rotated.as_ref()).await;
            if let (Some(proxy), Some(rotator)) = (&rotated, &config.proxy_rotator) {
                let at_the_proxy = sent.as_ref().is_err_and(|e| {
                    let connect = Kind::Timeout(TimeoutPhase::Connect);
                    matches!(e.kind(), Kind::Proxy | Kind::Connect) || e.kind() == connect
                });
                rotator.mark_result(proxy, !at_the_proxy);
            }
            let policy = retry.as_ref();
            let wait = match sent {
                Ok((conn, head)) => {
                    let response = self.response(conn, head, request, start.elapsed());
                    self.store_cookies(&response);
                    let retry_after = response.headers.get("retry-after");
                    let outcome = Outcome::Status(response.status, retry_after);
                    let method = &response.request.method;
                    let Some(wait) = policy
                        .and_then(|r| r.wait(retries, method, outcome, first.elapsed(), left()))
                    else {
                        return Ok(response);
                    };
                    // Seen by the hooks, but not theirs to fail: it is not the answer.
                    let _ = config.hooks.run_response(&response.request, &response);
                    request = self.let_go(response).await;
                    wait
                }
                Err(e) => {
                    let outcome = Outcome::Failed(&e);
                    let method = &request.method;
                    match policy
                        .and_then(|r| r.wait(retries, method, outcome, first.elapsed(), left()))
                    {
                        Some(wait) => wait,
                        None => return Err(named(e, &request)),
                    }
                }
            };
            self.inner.exec.sleep(wait).await;
            retries += 1;
        }
    }

    /// The request of a response that is not the answer (a 401 answered, a status retried),
    /// its body drained so that its connection can be reused.
    async fn let_go(&self, response: Response) -> Request {
        let length = response.content_length();
        let (request, body) = response.into_request_and_body();
        drain(&*self.inner.exec, body, length).await;
        request
    }

    /// The cookie jar stores the `Set-Cookie` fields of every response received.
    fn store_cookies(&self, response: &Response) {
        #[cfg(feature = "cookies")]
        if let Some(jar) = &self.inner.config.cookies {
            jar.store_response(response.url(), &response.headers);
        }
        #[cfg(not(feature = "cookies"))]
        let _ = response;
    }

    /// One request on one connection, retried once on a new connection when a reused one
    /// turns out to be closed before it took any part of the request.
    async fn send_once(
        &self,
        request: &mut Request,
        end: Option<Instant>,
        rotated: Option<&Proxy>,
    ) -> Result<(Pooled, ResponseHead)> {
        let inner = &*self.inner;
        check_sendable(request)?;
        let via = inner.config.via(request, rotated).cloned();
        let dst = Destination::from_url(&request.url)?.through(via.clone());
        // An HTTP proxy takes `http` requests itself, in absolute form.
        let route = Route::of(via.as_deref(), dst.scheme());
        let read_timeout = request.options.read_timeout.or(inner.config.read_timeout);
        let deadlines = Deadlines {
            idle: read_timeout,
            end,
        };
        let is_head = request.method == Method::HEAD;
        let replayable = request.body.is_replayable();
        let idempotent = is_idempotent(&request.method);

        let mut attempt = 0;
        loop {
            attempt += 1;
            let RequestHead {
                bytes: head,
                expect_continue,
                close_after,
            } = inner.config.request_head(request, route)?;
            // From here on an error is one of sending the request (`Error::is_request`).
            let mut conn = self.connection(&dst).await.map_err(Error::while_sending)?;
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
            let exchanged = match &mut *conn {
                Connection::Http1(h1) => h1.exchange(deadlines, request_head, out).await,
            };
            match exchanged {
                // A forwarding proxy's own refusal: told apart from the origin's answers, as
                // a refused CONNECT is.
                Ok(head) if matches!(route, Route::Forward(_)) && head.status.as_u16() == 407 => {
                    let reason = String::from_utf8_lossy(&head.reason);
                    let why = format!("the proxy refused the request: 407 {reason}");
                    return Err(Error::new(Kind::Proxy, why).while_sending());
                }
                Ok(head) => return Ok((conn, head)),
                Err(e) => {
                    let safe =
                        e.nothing_sent || (e.closed_before_response && idempotent && replayable);
                    if attempt == 1 && conn.is_reused() && safe {
                        continue;
                    }
                    return Err(e.error.while_sending());
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
    fn response(
        &self,
        conn: Pooled,
        head: ResponseHead,
        request: Request,
        elapsed: Duration,
    ) -> Response {
        let remote_addr = conn.remote_addr();
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
            request,
            remote_addr,
            elapsed,
            history: Vec::new(),
            body,
            body_limit: self.inner.config.max_body_bytes,
            default_encoding: self.inner.config.encoding,
        }
    }
}

/// What follows a response in the redirect loop.
enum Next {
    /// It is the answer.
    Done(Response),
    /// The auth answered it: the same request again.
    Resend(Response),
    /// A redirect to follow.
    Follow(Response, redirect::Plan),
}

/// An error if `request` cannot go on the wire as it is: a version this client does not
/// speak, or a body of unknown length (chunked) as HTTP/1.0, which has no chunked coding.
fn check_sendable(request: &Request) -> Result<()> {
    crate::request::check_version(request.version)?;
    if request.version == http::Version::HTTP_10 && request.body.content_length().is_none() {
        let why = "a body of unknown length cannot be sent as HTTP/1.0, which has no chunked \
                   coding: give its length (Body::sized) or send it as HTTP/1.1";
        return Err(Error::new(Kind::Builder, why));
    }
    Ok(())
}

/// `e` with the method and URL of `request`.
fn named(e: Error, request: &Request) -> Error {
    e.with_request(&request.method, &request.url)
}

/// Reads a small redirect body to its end, so its connection can be reused; a large one, or
/// one not all there within [`DRAIN_WAIT`], is dropped with its connection (a body that has
/// all arrived is still consumed then, see `RawBody`'s `Drop`).
async fn drain(exec: &dyn Executor, mut body: ResponseBody, length: Option<u64>) {
    if length.is_none_or(|n| n > DRAIN_LIMIT) {
        return;
    }
    let read = std::future::poll_fn(|cx| {
        loop {
            match std::task::ready!(body.poll_chunk(cx)) {
                Ok(Some(_)) => continue,
                _ => return Poll::Ready(()),
            }
        }
    });
    futures_lite::future::or(read, exec.sleep(DRAIN_WAIT)).await;
}
