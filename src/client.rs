//! [`AsyncClient`] and its [`ClientBuilder`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Method};
use url::{Position, Url};

use crate::error::{Error, Kind, Result, TimeoutPhase};
use crate::headers::Headers;
use crate::into_url::IntoUrl;
use crate::pool::{Checkout, Pool, PoolConfig, Pooled};
use crate::profile::Profile;
use crate::profile::tls_config::{self, TlsOptions};
use crate::proto::h1::conn::{Conn, OutBody};
use crate::proto::h1::{self, BodyDecoder, Framing, Limits};
use crate::redirect;
use crate::request::{BodyKind, Request, RequestBuilder};
use crate::response::{Response, ResponseBody};
use crate::rt::{self, Deadlines, Executor};
use crate::transport::{Certificate, Connector, Destination, Resolve, TcpConnector, TlsConnector};

/// The default [`ClientBuilder::max_body_bytes`]: 256 MiB.
const DEFAULT_MAX_BODY: usize = 256 << 20;
/// A redirect response body up to this size is read so its connection can be reused.
const DRAIN_LIMIT: u64 = 64 * 1024;
/// The longest wait for the rest of a redirect's body before its connection is given up.
const DRAIN_WAIT: Duration = Duration::from_millis(100);
/// The default connect and read timeouts, as Python TLS Requests'.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// An asynchronous HTTP client with a connection pool.
///
/// Cloning is cheap (an `Arc`) and every clone shares one pool, so one client can serve many
/// tasks at once. [`close`](Self::close) ends the pool for all clones; dropping the last
/// clone does too.
///
/// ```
/// use tls_requests::{AsyncClient, MockResponse, MockTransport};
/// # smol::block_on(async {
/// let mock = MockTransport::new(|req| MockResponse::new(200).body(format!("hi {}", req.url.path())));
/// let client = AsyncClient::builder().connector(mock.clone()).build()?;
///
/// let r = client.get("https://example.com/there").await?;
/// assert_eq!(r.to_string(), "<Response [200 OK]>");
/// assert_eq!(r.text().await?, "hi /there");
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct AsyncClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    pool: Pool,
    connector: Box<dyn Connector>,
    exec: Arc<dyn Executor>,
}

#[derive(Clone)]
struct Config {
    headers: Headers,
    base_url: Option<Url>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    timeout: Option<Duration>,
    follow_redirects: bool,
    max_redirects: usize,
    limits: Limits,
    decompress: bool,
    max_body_bytes: usize,
    header_order: Option<Vec<String>>,
}

impl AsyncClient {
    /// A client with the default settings.
    ///
    /// # Panics
    ///
    /// Without the `smol` feature there is no default executor: use
    /// [`builder`](Self::builder) with [`ClientBuilder::executor`] then.
    pub fn new() -> AsyncClient {
        AsyncClient::builder()
            .build()
            .expect("the default client configuration is valid")
    }

    /// A builder for a client with settings of its own.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    verb_methods!(RequestBuilder);

    /// A request with any method. A relative `url` is resolved against the base URL.
    pub fn request(&self, method: Method, url: impl IntoUrl) -> RequestBuilder {
        let request = url
            .into_url(self.inner.config.base_url.as_ref())
            .map(|url| Request::new(method, url));
        RequestBuilder::new(self.clone(), request)
    }

    /// A request built but not sent, for inspection or changes before [`send`](Self::send).
    pub fn build_request(&self, method: Method, url: impl IntoUrl) -> Result<Request> {
        self.request(method, url).build()
    }

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
            if !follow || !response.status.is_redirection() {
                response.history = history;
                return Ok(response);
            }
            let (method, url) = (request.method.clone(), request.url.clone());
            let Some(next) = redirect::next_request(request, &response)
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
            request = next;
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
        let replayable = !matches!(request.body.kind, BodyKind::Stream(_));
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
            let body = match &mut request.body.kind {
                BodyKind::Empty => OutBody::Empty,
                BodyKind::Full(bytes) => OutBody::Full(bytes),
                BodyKind::Stream(reader) => OutBody::Stream(&mut **reader),
            };
            let sent = Instant::now();
            match conn.exchange(deadlines, head, body, expect_continue).await {
                Ok(head) => {
                    let elapsed = sent.elapsed();
                    if close_after {
                        conn.mark_closed();
                    }
                    return self.response(conn, head, is_head, request.url.clone(), elapsed);
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
        let io = match self.connect(dst).await {
            // Out of file descriptors: idle connections are what can be given back.
            Err(e) if e.is_out_of_descriptors() => {
                drop(inner.pool.take_idle());
                self.connect(dst).await?
            }
            connected => connected?,
        };
        Ok(slot.fill(Conn::new(io, inner.exec.clone(), inner.config.limits)))
    }

    /// A new stream to `dst`, within the connect timeout.
    async fn connect(&self, dst: &Destination) -> Result<crate::transport::BoxIo> {
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

    fn response(
        &self,
        mut conn: Pooled,
        head: h1::ResponseHead,
        is_head: bool,
        url: Url,
        elapsed: Duration,
    ) -> Result<Response> {
        let framing = h1::framing(is_head, head.status, &head.headers)
            .map_err(|e| Error::new(Kind::Protocol, e))?;
        if !h1::keep_alive(head.version, &head.headers) {
            conn.mark_closed();
        }
        let body = if framing == Framing::Empty {
            conn.release();
            ResponseBody::empty()
        } else {
            ResponseBody::new(
                conn,
                BodyDecoder::new(framing),
                &head.headers,
                self.inner.config.decompress,
            )
        };
        Ok(Response {
            status: head.status,
            version: head.version,
            reason: head.reason,
            headers: head.headers,
            url,
            elapsed,
            history: Vec::new(),
            body,
            body_limit: self.inner.config.max_body_bytes,
        })
    }

    /// The headers `request` goes on the wire with, in order: `Host` first unless set, the
    /// client's defaults in their order with the request's values in place, the request's
    /// new names, then the body's framing (`Content-Length` or `Transfer-Encoding`).
    pub fn wire_headers(&self, request: &Request) -> Result<Headers> {
        let mut scratch = Scratch::default();
        let fields = self.inner.config.wire_fields(request, &mut scratch)?;
        let entries = fields
            .into_iter()
            .map(|(name, value)| {
                Ok((
                    Bytes::copy_from_slice(name),
                    HeaderValue::from_bytes(value)?,
                ))
            })
            .collect::<std::result::Result<_, http::header::InvalidHeaderValue>>()
            .map_err(|e| Error::new(Kind::Header, e))?;
        Ok(Headers::from_entries(entries))
    }

    /// Ends the pool: idle connections are shut down, connections in use close when their
    /// responses are done, and later requests fail with [`Kind::Closed`]. Affects every clone.
    pub async fn close(&self) {
        for conn in self.inner.pool.close() {
            conn.shutdown(Duration::from_secs(1)).await;
        }
    }
}

impl Default for AsyncClient {
    fn default() -> AsyncClient {
        AsyncClient::new()
    }
}

impl fmt::Debug for AsyncClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base_url = self.inner.config.base_url.as_ref();
        f.debug_struct("AsyncClient")
            .field("base_url", &base_url.map(crate::error::printable))
            .finish()
    }
}

/// The profile's headers with the client's over them. Unless the client set its own,
/// `Accept-Encoding` keeps the profile's codings that this build decodes, in its order (or
/// names all this build decodes, if the profile has none).
fn default_headers(profile: &Profile, own: &Headers, decompress: bool) -> Result<Headers> {
    let mut headers = own.layered_over(profile.headers());
    if own.contains("accept-encoding") {
        return Ok(headers);
    }
    let decodable = crate::decode::accept_encoding()
        .filter(|_| decompress)
        .unwrap_or_default();
    let ours: Vec<&str> = decodable.split(", ").filter(|c| !c.is_empty()).collect();
    let codings = match profile
        .headers()
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
    {
        Some(theirs) => theirs
            .split(',')
            .map(str::trim)
            .filter(|c| ours.contains(c))
            .collect::<Vec<_>>()
            .join(", "),
        None => decodable,
    };
    if codings.is_empty() {
        headers.remove("accept-encoding");
    } else {
        let value = HeaderValue::try_from(codings).map_err(|e| Error::new(Kind::Builder, e))?;
        headers.set_static("Accept-Encoding", value);
    }
    Ok(headers)
}

/// A header field on its way to the wire, borrowed: from the request, the client's defaults,
/// the URL (`Host`, credentials) or a constant (framing).
type Field<'a> = (&'a [u8], &'a [u8]);

/// Values made for one request's head that its borrowed fields point into.
#[derive(Default)]
struct Scratch {
    /// A body's `Content-Length`.
    length: String,
    /// `Basic` credentials from the URL.
    authorization: String,
}

/// Header names that carry credentials: sent only to the origin they were set for.
const CREDENTIALS: [&[u8]; 3] = [b"authorization", b"cookie", b"proxy-authorization"];

fn is_credential(name: &[u8]) -> bool {
    CREDENTIALS.iter().any(|c| c.eq_ignore_ascii_case(name))
}

/// A request head encoded for the wire, with what the exchange needs to know of its fields.
struct RequestHead {
    bytes: Vec<u8>,
    expect_continue: bool,
    close_after: bool,
}

impl Config {
    fn request_head(&self, request: &Request) -> Result<RequestHead> {
        let mut scratch = Scratch::default();
        let fields = self.wire_fields(request, &mut scratch)?;
        let target = &request.url[Position::BeforePath..Position::AfterQuery];
        let mut bytes = Vec::new();
        h1::encode_fields(&request.method, target, fields.iter().copied(), &mut bytes)
            .map_err(|e| Error::new(Kind::Header, e))?;
        Ok(RequestHead {
            bytes,
            expect_continue: find(&fields, b"expect")
                .is_some_and(|i| fields[i].1.eq_ignore_ascii_case(b"100-continue")),
            close_after: request_wants_close(&fields),
        })
    }

    /// The fields a request goes on the wire with, in order (what
    /// [`AsyncClient::wire_headers`] documents), borrowed; values made here are written into
    /// `scratch`.
    fn wire_fields<'a>(
        &'a self,
        request: &'a Request,
        scratch: &'a mut Scratch,
    ) -> Result<Vec<Field<'a>>> {
        let (url, headers) = (&request.url, &request.headers);
        let (defaults, ours) = (self.headers.entries(), headers.entries());
        let mut fields = Vec::with_capacity(defaults.len() + ours.len() + 2);
        if !self.headers.contains("host") && !headers.contains("host") {
            // `host[:port]`, the port only if not the scheme's default, IPv6 in brackets.
            let host = &url[Position::BeforeHost..Position::AfterPort];
            if host.bytes().any(|b| b < b' ' || b == 0x7f) {
                return Err(Error::new(Kind::Url, "host contains control characters"));
            }
            fields.push((&b"Host"[..], host.as_bytes()));
        }
        crate::headers::layer(defaults, ours, |name, value| {
            fields.push((name, value.as_bytes()));
        });
        if request.cross_origin {
            // A redirect left the origin the credentials were set for: none of any layer go.
            fields.retain(|(name, _)| !is_credential(name));
        }
        let Scratch {
            length,
            authorization,
        } = scratch;
        if (!url.username().is_empty() || url.password().is_some())
            && find(&fields, b"authorization").is_none()
        {
            *authorization = crate::auth::basic_from_url(url);
            let authorization: &'a String = authorization;
            fields.push((b"Authorization", authorization.as_bytes()));
        }
        // The framing fields are the client's, whatever the caller set.
        let is_framing = |name: &[u8], framing: &[u8]| name.eq_ignore_ascii_case(framing);
        match &request.body.kind {
            BodyKind::Empty => {
                fields.retain(|(n, _)| !is_framing(n, b"transfer-encoding"));
                if matches!(request.method, Method::POST | Method::PUT | Method::PATCH) {
                    set(&mut fields, b"Content-Length", b"0");
                } else {
                    fields.retain(|(n, _)| !is_framing(n, b"content-length"));
                }
            }
            BodyKind::Full(bytes) => {
                fields.retain(|(n, _)| !is_framing(n, b"transfer-encoding"));
                *length = bytes.len().to_string();
                let length: &'a String = length;
                set(&mut fields, b"Content-Length", length.as_bytes());
            }
            BodyKind::Stream(_) => {
                fields.retain(|(n, _)| !is_framing(n, b"content-length"));
                set(&mut fields, b"Transfer-Encoding", b"chunked");
            }
        }
        if let Some(order) = &self.header_order {
            // Stable: fields of the same rank keep their order.
            fields.sort_by_key(|(name, _)| {
                order
                    .iter()
                    .position(|o| o.as_bytes().eq_ignore_ascii_case(name))
                    .unwrap_or(order.len())
            });
        }
        Ok(fields)
    }
}

/// The first field named `name`, ignoring case.
fn find(fields: &[Field<'_>], name: &[u8]) -> Option<usize> {
    fields
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// Sets `name` as [`Headers::insert`] does: the first field of that name takes the new name
/// and value in place and later ones are removed; without one the field goes last.
fn set<'a>(fields: &mut Vec<Field<'a>>, name: &'a [u8], value: &'a [u8]) {
    match find(fields, name) {
        Some(i) => {
            fields[i] = (name, value);
            let mut k = i + 1;
            while k < fields.len() {
                if fields[k].0.eq_ignore_ascii_case(name) {
                    fields.remove(k);
                } else {
                    k += 1;
                }
            }
        }
        None => fields.push((name, value)),
    }
}

fn request_wants_close(fields: &[Field<'_>]) -> bool {
    fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"connection"))
        .any(|(_, v)| {
            v.split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"))
        })
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

/// Builds an [`AsyncClient`] with defaults for every request it sends.
///
/// ```
/// use std::time::Duration;
/// let client = tls_requests::AsyncClient::builder()
///     .base_url("https://api.example.com/v1")
///     .header("X-Client", "docs")
///     .timeout(Duration::from_secs(30))
///     .connect_timeout(Duration::from_secs(5))
///     .max_redirects(5)
///     .pool_max_idle_per_host(8)
///     .build()?;
/// # drop(client);
/// # Ok::<(), tls_requests::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    config: Config,
    error: Option<Error>,
    pool: PoolConfig,
    tls: TlsOptions,
    profile: Profile,
    exec: Option<Arc<dyn Executor>>,
    connector: Option<Box<dyn Connector>>,
    transport: Option<Box<dyn Connector>>,
    resolver: Option<Arc<dyn Resolve>>,
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder {
            config: Config {
                headers: Headers::new(),
                base_url: None,
                connect_timeout: Some(DEFAULT_TIMEOUT),
                read_timeout: Some(DEFAULT_TIMEOUT),
                timeout: None,
                follow_redirects: true,
                max_redirects: 20,
                limits: Limits::default(),
                decompress: true,
                max_body_bytes: DEFAULT_MAX_BODY,
                header_order: None,
            },
            error: None,
            pool: PoolConfig::default(),
            tls: TlsOptions::default(),
            profile: Profile::default(),
            exec: None,
            connector: None,
            transport: None,
            resolver: None,
        }
    }
}

impl ClientBuilder {
    /// The browser to look like: its TLS ClientHello and its default headers, in order.
    /// Default: [`Profile::chrome`], the newest Chrome.
    pub fn profile(mut self, profile: Profile) -> ClientBuilder {
        self.profile = profile;
        self
    }

    /// The profile named `name` (see [`Profile::by_name`]), as Python TLS Requests'
    /// `client_identifier`: `"chrome_156"`, `"firefox"`, ...
    pub fn client_identifier(mut self, name: &str) -> ClientBuilder {
        match Profile::by_name(name) {
            Ok(profile) => self.profile = profile,
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Sends headers in exactly this order: the named ones first, in the order given (names
    /// match ignoring case), then any others in their usual order.
    pub fn header_order<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> ClientBuilder {
        self.config.header_order = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Sets a default header over the profile's: in place if the profile has it, else after
    /// them; requests can override it. Names go on the wire exactly as written.
    pub fn header<V>(mut self, name: impl AsRef<str>, value: V) -> ClientBuilder
    where
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        if let Err(e) = self.config.headers.insert_converted(name, value) {
            self.error.get_or_insert(e);
        }
        self
    }

    /// Replaces the default headers set with [`header`](Self::header) by `headers`, in their
    /// order; the profile's stay underneath.
    pub fn default_headers(mut self, headers: Headers) -> ClientBuilder {
        self.config.headers = headers;
        self
    }

    /// A URL that relative request URLs are appended to.
    pub fn base_url(mut self, url: impl AsRef<str>) -> ClientBuilder {
        match Url::parse(url.as_ref()) {
            Ok(url) => self.config.base_url = Some(url),
            Err(e) => {
                self.error.get_or_insert(Error::new(Kind::Url, e));
            }
        }
        self
    }

    /// A total timeout for each request, redirects and response body included. Default: none.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.config.timeout = Some(timeout);
        self
    }

    /// A timeout for making a connection: DNS, TCP and TLS handshake; `None` waits as long as
    /// the system does. Default: 30 seconds.
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> ClientBuilder {
        self.config.connect_timeout = timeout.into();
        self
    }

    /// The longest wait for a byte to be read or written on a connection; `None` waits
    /// forever. Default: 30 seconds.
    pub fn read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> ClientBuilder {
        self.config.read_timeout = timeout.into();
        self
    }

    /// Whether to follow redirects. Default: true.
    pub fn follow_redirects(mut self, follow: bool) -> ClientBuilder {
        self.config.follow_redirects = follow;
        self
    }

    /// The most redirects followed for one request; one more is an error. Default: 20.
    pub fn max_redirects(mut self, max: usize) -> ClientBuilder {
        self.config.max_redirects = max;
        self
    }

    /// The most idle connections kept per host. Default: no limit.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> ClientBuilder {
        self.pool.max_idle_per_host = max;
        self
    }

    /// The most idle connections kept across all hosts; to make room for another, the one
    /// idle longest is closed. Default: 256 (browsers keep at most 256 sockets in all).
    pub fn pool_max_idle(mut self, max: usize) -> ClientBuilder {
        self.pool.max_idle = max;
        self
    }

    /// How long an idle connection is kept; `None` keeps it until the server closes it.
    /// Default: 90 seconds.
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> ClientBuilder {
        self.pool.idle_timeout = timeout;
        self
    }

    /// The most connections open to one host at once; further requests wait for one to be
    /// free. Default: no limit.
    pub fn max_connections_per_host(mut self, max: usize) -> ClientBuilder {
        self.pool.max_per_host = Some(max.max(1));
        self
    }

    /// The largest response head accepted, in bytes. Default: 64 KiB.
    pub fn max_head_bytes(mut self, max: usize) -> ClientBuilder {
        self.config.limits.max_head_bytes = max;
        self
    }

    /// The most header fields accepted in a response head. Default: 100.
    pub fn max_headers(mut self, max: usize) -> ClientBuilder {
        self.config.limits.max_headers = max;
        self
    }

    /// Whether to decode `gzip`, `deflate`, `br` and `zstd` bodies (those whose features are
    /// enabled) and send an `Accept-Encoding` naming them. Default: true. Headers are kept
    /// as received either way.
    pub fn decompress(mut self, decompress: bool) -> ClientBuilder {
        self.config.decompress = decompress;
        self
    }

    /// The largest body, after decoding, that [`Response::bytes`], [`Response::text`] and
    /// [`Response::json`] read whole; a larger one is an error (a decompression bomb
    /// stops here). Streaming reads have no limit. Default: 256 MiB.
    pub fn max_body_bytes(mut self, max: usize) -> ClientBuilder {
        self.config.max_body_bytes = max;
        self
    }

    /// Accepts any server certificate. Only for testing: it removes TLS's protection.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> ClientBuilder {
        self.tls.accept_invalid_certs = accept;
        self
    }

    /// Trusts `cert` as a root, besides the built-in web roots.
    pub fn add_root_certificate(mut self, cert: Certificate) -> ClientBuilder {
        self.tls.extra_roots.push(cert);
        self
    }

    /// The executor for timers, blocking work and background tasks. Default: smol's.
    pub fn executor(mut self, exec: impl Executor) -> ClientBuilder {
        self.exec = Some(Arc::new(exec));
        self
    }

    /// Replaces the whole transport stack (TCP and TLS): every connection comes from
    /// `connector`, as is. Use it for [`MockTransport`](crate::MockTransport).
    pub fn connector(mut self, connector: impl Connector) -> ClientBuilder {
        self.connector = Some(Box::new(connector));
        self
    }

    /// Replaces TCP only: streams come from `transport`, and `https` ones get TLS on top.
    pub fn transport(mut self, transport: impl Connector) -> ClientBuilder {
        self.transport = Some(Box::new(transport));
        self
    }

    /// Resolves host names with `resolver` instead of the system resolver (IP addresses are
    /// not resolved). It is used as it is: wrap it in a [`DnsCache`](crate::transport::DnsCache)
    /// to cache and coalesce its lookups, as the default resolver is. Not used when
    /// [`connector`](Self::connector) or [`transport`](Self::transport) replaces TCP.
    pub fn resolver(mut self, resolver: impl Resolve) -> ClientBuilder {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// A [blocking client](crate::blocking::Client) with these settings.
    pub fn build_blocking(self) -> Result<crate::blocking::Client> {
        self.build().map(crate::blocking::Client::from)
    }

    /// The client, or the first error a setting made.
    pub fn build(self) -> Result<AsyncClient> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let exec = match self.exec.or_else(rt::default_executor) {
            Some(exec) => exec,
            None => {
                return Err(Error::new(
                    Kind::Builder,
                    "no executor: enable the `smol` feature or set one",
                ));
            }
        };
        let tls_configs = || tls_config::configs(self.profile.tls(), &self.tls);
        let connector: Box<dyn Connector> = match (self.connector, self.transport) {
            (Some(c), _) => c,
            (None, Some(t)) => Box::new(TlsConnector::new(t, tls_configs()?)),
            (None, None) => {
                let tcp = match self.resolver {
                    Some(resolver) => TcpConnector::with_resolver(exec.clone(), resolver),
                    None => TcpConnector::new(exec.clone()),
                };
                Box::new(TlsConnector::new(tcp, tls_configs()?))
            }
        };
        let mut config = self.config;
        config.headers = default_headers(&self.profile, &config.headers, config.decompress)?;
        let pool = Pool::new(self.pool);
        Ok(AsyncClient {
            inner: Arc::new(Inner {
                config,
                pool,
                connector,
                exec,
            }),
        })
    }
}

impl Connector for Box<dyn Connector> {
    fn connect<'a>(
        &'a self,
        dst: &'a Destination,
    ) -> rt::BoxFuture<'a, std::result::Result<crate::transport::BoxIo, crate::error::BoxError>>
    {
        (**self).connect(dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_client_does_not_wait_forever() {
        let config = ClientBuilder::default().config;
        let thirty = Some(Duration::from_secs(30));
        assert_eq!(
            (config.connect_timeout, config.read_timeout),
            (thirty, thirty)
        );
        assert_eq!(
            config.timeout, None,
            "no total timeout: a long download may take hours"
        );
        let forever = ClientBuilder::default()
            .connect_timeout(None)
            .read_timeout(None)
            .config;
        assert_eq!(
            (forever.connect_timeout, forever.read_timeout),
            (None, None)
        );
    }

    #[test]
    fn host_field_is_host_and_port_as_the_url_has_them() {
        for url in [
            "http://example.com/",
            "https://example.com:443/",
            "https://example.com:80/",
            "http://example.com:8080/a?b#c",
            "http://user:pw@EXAMPLE.com:0/",
            "http://[::1]/",
            "https://[2001:DB8::1]:8443/",
            "http://bücher.example/",
            "http://192.168.000.1:81/",
            "foo://opaque%41:99/x",
            "file:///etc/hosts",
            "data:text/plain,x",
            "mailto:a@b.c",
        ] {
            let url = Url::parse(url).unwrap();
            let host = url.host_str().unwrap_or_default();
            let formatted = match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            };
            assert_eq!(
                &url[Position::BeforeHost..Position::AfterPort],
                formatted,
                "{url}"
            );
        }
    }
}
