//! [`MockTransport`]: an in-memory server for tests, reached through the client's real
//! connector seam and HTTP/1.1 codec. It sits above `transport` and `proto` (its server side
//! parses requests with the codec); neither knows it.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use bytes::{Buf, Bytes};
use futures_io::{AsyncRead, AsyncWrite};
use http::{HeaderValue, Method, StatusCode};
use url::Url;

use crate::error::BoxError;
use crate::headers::Headers;
use crate::proto::h1::{BodyDecoder, Framing, Step};
use crate::rt::BoxFuture;
use crate::transport::{Connected, Connector, Destination};

type Handler = dyn Fn(MockRequest) -> BoxFuture<'static, MockResponse> + Send + Sync;

/// A [`Connector`] whose peer is your handler: requests travel through the real HTTP/1.1
/// codec over an in-memory stream, and every request is recorded for assertions.
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
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct MockTransport {
    shared: Arc<Shared>,
}

struct Shared {
    handler: Box<Handler>,
    requests: Mutex<Vec<MockRequest>>,
    connections: AtomicUsize,
}

impl MockTransport {
    /// A transport answering each request with `handler`'s response.
    pub fn new(
        handler: impl Fn(&MockRequest) -> MockResponse + Send + Sync + 'static,
    ) -> MockTransport {
        MockTransport::with_handler(Box::new(move |req| {
            Box::pin(std::future::ready(handler(&req)))
        }))
    }

    /// A transport answering each request with the response `handler`'s future yields.
    pub fn new_async<F, Fut>(handler: F) -> MockTransport
    where
        F: Fn(MockRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = MockResponse> + Send + 'static,
    {
        MockTransport::with_handler(Box::new(move |req| Box::pin(handler(req))))
    }

    fn with_handler(handler: Box<Handler>) -> MockTransport {
        let shared = Shared {
            handler,
            requests: Mutex::default(),
            connections: AtomicUsize::new(0),
        };
        MockTransport {
            shared: Arc::new(shared),
        }
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<MockRequest> {
        self.shared
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// How many connections the client has opened.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockTransport")
            .field("connections", &self.connections())
            .finish()
    }
}

impl Connector for MockTransport {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
        self.shared.connections.fetch_add(1, Ordering::Relaxed);
        let io = MockIo {
            shared: self.shared.clone(),
            scheme: if dst.is_https() { "https" } else { "http" },
            inbound: Vec::new(),
            outbound: Bytes::new(),
            pending: None,
            continue_sent: false,
            closing: false,
            reader: None,
        };
        Box::pin(std::future::ready(Ok(Connected::new(io))))
    }
}

/// A request as the mock server received it.
#[derive(Debug, Clone)]
pub struct MockRequest {
    /// The method.
    pub method: Method,
    /// The full URL, rebuilt from the scheme, `Host` and request target.
    pub url: Url,
    /// The headers in the order and case they were sent.
    pub headers: Headers,
    /// The body, de-chunked.
    pub body: Bytes,
}

/// A response for [`MockTransport`] to send.
#[derive(Debug, Clone)]
pub struct MockResponse {
    status: StatusCode,
    headers: Headers,
    body: Bytes,
    raw: Option<Bytes>,
}

impl MockResponse {
    /// A response with `status`, no headers and an empty body. An invalid code becomes 500.
    pub fn new(status: u16) -> MockResponse {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        MockResponse {
            status,
            headers: Headers::new(),
            body: Bytes::new(),
            raw: None,
        }
    }

    /// Bytes sent as they are, in place of a well-formed response: for testing how your
    /// code handles a broken server.
    pub fn raw(bytes: impl Into<Bytes>) -> MockResponse {
        MockResponse {
            raw: Some(bytes.into()),
            ..MockResponse::new(200)
        }
    }

    /// Adds a header, in order, with the name as written. An invalid one is skipped.
    pub fn header(mut self, name: &str, value: &str) -> MockResponse {
        if let Ok(value) = HeaderValue::from_str(value) {
            let _ = self.headers.append(name, value);
        }
        self
    }

    /// Sets the body; `Content-Length` is added unless a framing header is set.
    pub fn body(mut self, body: impl Into<Bytes>) -> MockResponse {
        self.body = body.into();
        self
    }

    fn encode(&self, method: &Method) -> Bytes {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let mut out = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status.as_u16(),
            self.status.canonical_reason().unwrap_or("")
        )
        .into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let framed =
            self.headers.contains("content-length") || self.headers.contains("transfer-encoding");
        let bodiless = self.status.is_informational() || self.status == 204 || self.status == 304;
        if !framed && !bodiless {
            out.extend_from_slice(format!("content-length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        if method != Method::HEAD && !bodiless {
            out.extend_from_slice(&self.body);
        }
        out.into()
    }

    fn closes(&self) -> bool {
        self.raw.is_some()
            || self
                .headers
                .get_all("connection")
                .any(|v| v.as_bytes().eq_ignore_ascii_case(b"close"))
    }
}

/// The client's end of an in-memory connection to the mock server.
struct MockIo {
    shared: Arc<Shared>,
    scheme: &'static str,
    inbound: Vec<u8>,
    outbound: Bytes,
    pending: Option<(Method, BoxFuture<'static, MockResponse>)>,
    continue_sent: bool,
    closing: bool,
    reader: Option<Waker>,
}

impl MockIo {
    /// Starts the handler once a whole request has arrived.
    fn dispatch(&mut self) {
        if self.pending.is_some() || self.closing {
            return;
        }
        match self.parse_request() {
            Ok(Some((request, used))) => {
                self.inbound.drain(..used);
                self.continue_sent = false;
                if let Ok(mut log) = self.shared.requests.lock() {
                    log.push(request.clone());
                }
                let method = request.method.clone();
                self.pending = Some((method, (self.shared.handler)(request)));
            }
            Ok(None) => {}
            Err(()) => {
                self.outbound = Bytes::from_static(
                    b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
                );
                self.closing = true;
            }
        }
    }

    fn parse_request(&mut self) -> Result<Option<(MockRequest, usize)>, ()> {
        let mut fields = [httparse::EMPTY_HEADER; 128];
        let mut req = httparse::Request::new(&mut fields);
        let head_len = match req.parse(&self.inbound) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(_) => return Err(()),
        };
        let method =
            Method::from_bytes(req.method.unwrap_or_default().as_bytes()).map_err(|_| ())?;
        let mut headers = Headers::new();
        for f in req.headers.iter() {
            let value = HeaderValue::from_bytes(f.value).map_err(|_| ())?;
            headers.append(f.name, value).map_err(|_| ())?;
        }
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("mock");
        let url = Url::parse(&format!(
            "{}://{}{}",
            self.scheme,
            host,
            req.path.unwrap_or("/")
        ))
        .map_err(|_| ())?;
        let framing = if headers.contains("transfer-encoding") {
            Framing::Chunked
        } else {
            match headers
                .get("content-length")
                .map(|v| v.to_str().ok().and_then(|s| s.parse().ok()))
            {
                Some(Some(n)) => Framing::Length(n),
                Some(None) => return Err(()),
                None => Framing::Empty,
            }
        };
        let wants_continue = headers
            .get("expect")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        let Some((body, body_len)) = read_body(framing, &self.inbound[head_len..])? else {
            if wants_continue && !self.continue_sent && self.outbound.is_empty() {
                self.continue_sent = true;
                self.outbound = Bytes::from_static(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
            return Ok(None);
        };
        Ok(Some((
            MockRequest {
                method,
                url,
                headers,
                body,
            },
            head_len + body_len,
        )))
    }
}

/// The whole body at the front of `buf` and its framed length, or `None` if incomplete.
fn read_body(framing: Framing, mut buf: &[u8]) -> Result<Option<(Bytes, usize)>, ()> {
    let start = buf.len();
    let mut decoder = BodyDecoder::new(framing);
    let mut body = Vec::new();
    loop {
        match decoder.decode(buf, false).map_err(|_| ())? {
            Step::Data { skip, len } => {
                body.extend_from_slice(&buf[skip..skip + len]);
                buf = &buf[skip + len..];
            }
            Step::NeedMore { .. } => return Ok(None),
            Step::End { skip, .. } => return Ok(Some((body.into(), start - buf.len() + skip))),
        }
    }
}

impl AsyncRead for MockIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            if !self.outbound.is_empty() {
                let n = buf.len().min(self.outbound.len());
                buf[..n].copy_from_slice(&self.outbound[..n]);
                self.outbound.advance(n);
                return Poll::Ready(Ok(n));
            }
            if let Some((method, future)) = &mut self.pending {
                let response = std::task::ready!(future.as_mut().poll(cx));
                self.outbound = response.encode(method);
                self.closing |= response.closes();
                self.pending = None;
                self.dispatch();
                continue;
            }
            if self.closing {
                return Poll::Ready(Ok(0));
            }
            self.reader = Some(cx.waker().clone());
            return Poll::Pending;
        }
    }
}

impl AsyncWrite for MockIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.closing {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        self.inbound.extend_from_slice(data);
        self.dispatch();
        if let Some(waker) = self.reader.take() {
            waker.wake();
        }
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.closing = true;
        Poll::Ready(Ok(()))
    }
}
