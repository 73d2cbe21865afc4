//! [`Response`]: status, headers in received order and case, the request that got it, and a
//! streaming body, read whole, as text (in `lines`, by its charset), or in pieces.

mod lines;
#[cfg(feature = "cookies")]
mod set_cookie;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use encoding_rs::Encoding;
use futures_core::Stream;
use futures_io::AsyncRead;
use http::{Method, StatusCode, Version};
use url::Url;

use crate::body::{RawBody, RawBuf};
use crate::charset::{self, Charset};
use crate::decode::ContentDecoder;
use crate::error::{Error, Kind, Result, printable};
use crate::headers::Headers;
use crate::request::Request;

pub use lines::Lines;
#[cfg(feature = "cookies")]
pub use set_cookie::{Cookie, SameSite};

/// An HTTP response. The body is read from the connection as it is consumed: with
/// [`bytes`](Self::bytes), [`text`](Self::text), [`lines`](Self::lines),
/// [`chunk`](Self::chunk), [`bytes_stream`](Self::bytes_stream) or
/// [`into_reader`](Self::into_reader). The connection
/// goes back to the pool when the body has been read to its end; dropping a response before
/// that closes it.
///
/// Every error reading the body names the request's method and URL (see [`Error`]).
/// `Display` prints `<Response [200 OK]>`, as Python's requests; `Debug` the status,
/// version, URL (without its userinfo) and headers (credentials hidden, see [`Headers`]).
///
/// ```no_run
/// # async fn run() -> tls_requests::Result<()> {
/// let r = tls_requests::AsyncClient::new().get("https://example.com").await?;
/// println!("{r}"); // <Response [200 OK]>
/// let r = r.error_for_status()?;
/// let text = r.text().await?;
/// # drop(text); Ok(()) }
/// ```
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    pub(crate) reason: Bytes,
    pub(crate) headers: Headers,
    /// The request this answers (for a redirect hop in the history, a copy without its body).
    pub(crate) request: Request,
    /// The peer the response came from: the server, or the proxy.
    pub(crate) remote_addr: Option<SocketAddr>,
    pub(crate) elapsed: Duration,
    pub(crate) history: Vec<Response>,
    pub(crate) body: ResponseBody,
    /// The most bytes [`bytes`](Self::bytes) and the methods on it read.
    pub(crate) body_limit: usize,
    /// The client's [`default_encoding`](crate::ClientBuilder::default_encoding), for a body that names none.
    pub(crate) default_encoding: Option<&'static Encoding>,
}

impl Response {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The reason phrase as the server sent it (`"OK"`, `"Not Found"`, or anything else).
    /// Bytes that are not UTF-8 give an empty phrase.
    pub fn reason(&self) -> &str {
        std::str::from_utf8(&self.reason).unwrap_or_default()
    }

    /// The protocol version the response came in, as the connection spoke it (HTTP/1.0 or
    /// HTTP/1.1 today).
    pub fn version(&self) -> Version {
        self.version
    }

    /// The headers, in received order with names in received case.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The URL of this response: after redirects, the last one.
    pub fn url(&self) -> &Url {
        &self.request.url
    }

    /// The address of the peer this response came from, as reqwest's: the server, or the
    /// proxy when the request went through one (a tunnel or a forwarding proxy alike).
    /// `None` when the connector did not say, as a [`MockTransport`](crate::MockTransport)
    /// or a custom connector that does not call
    /// [`Connected::with_remote_addr`](crate::transport::Connected::with_remote_addr).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// The request this response answers: after redirects, the last one (its method and URL
    /// as the redirects made them, the headers it set itself). The headers it went on the
    /// wire with, the client's and the profile's too, are
    /// [`AsyncClient::wire_headers`](crate::AsyncClient::wire_headers)`(response.request())`.
    /// Its body is there unless it was a stream (sent, so gone); a redirect hop's in
    /// [`history`](Self::history) has none.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, Method, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|req| match req.url.path() {
    ///     "/form" => MockResponse::new(303).header("Location", "/done"),
    ///     _ => MockResponse::new(200),
    /// });
    /// let client = AsyncClient::builder().connector(mock).build()?;
    /// let r = client.post("https://example.com/form").header("X-A", "1").await?;
    /// assert_eq!(r.request().method(), Method::GET); // a 303 is followed with GET
    /// assert_eq!(r.request().url().path(), "/done");
    /// assert_eq!(r.history()[0].request().method(), Method::POST);
    /// assert!(client.wire_headers(r.request())?.contains("X-A"));
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// How long the caller waited for this response: from the start of
    /// [`AsyncClient::send`](crate::AsyncClient::send) (connecting, and every redirect hop)
    /// until this response's head arrived. For a hop in [`history`](Self::history), until
    /// that hop's head arrived.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// True unless the status is 4xx or 5xx (Python requests' `ok`): what
    /// [`raise_for_status`](Self::raise_for_status) lets through.
    pub fn ok(&self) -> bool {
        !self.is_error()
    }

    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// True for a redirect that can be followed: 301, 302, 303, 307 or 308 with a `Location`.
    pub fn is_redirect(&self) -> bool {
        matches!(self.status.as_u16(), 301 | 302 | 303 | 307 | 308)
            && self.headers.contains("location")
    }

    /// True for a 4xx or 5xx status.
    pub fn is_error(&self) -> bool {
        self.status.is_client_error() || self.status.is_server_error()
    }

    /// The WHATWG name of the encoding [`text`](Self::text) and [`lines`](Self::lines) decode
    /// the body with (`"UTF-8"`, `"Shift_JIS"`, `"windows-1252"`): the one the `charset` of
    /// `Content-Type` names (by its WHATWG label: `latin1` is windows-1252), or else the
    /// client's [`default_encoding`](crate::ClientBuilder::default_encoding), or else UTF-8. When the
    /// response names none, a byte order mark at the start of the body (UTF-8, UTF-16LE,
    /// UTF-16BE) decides instead, once it is read.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| {
    ///     MockResponse::new(200)
    ///         .header("Content-Type", "text/plain; charset=latin1")
    ///         .body(&b"caf\xe9"[..])
    /// });
    /// let client = AsyncClient::builder().connector(mock).build()?;
    /// let r = client.get("https://example.com/").await?;
    /// assert_eq!(r.encoding(), "windows-1252");
    /// assert_eq!(r.text().await?, "café");
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn encoding(&self) -> &'static str {
        self.charset().name()
    }

    fn charset(&self) -> Charset {
        Charset::for_response(&self.headers, self.default_encoding)
    }

    /// The cookies this response set: its `Set-Cookie` fields, parsed, in order; malformed
    /// ones are skipped. The client's [`CookieJar`](crate::CookieJar) has already stored those
    /// it accepts.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| {
    ///     MockResponse::new(200).header("Set-Cookie", "id=7; Path=/; Secure; HttpOnly")
    /// });
    /// let client = AsyncClient::builder().connector(mock).build()?;
    /// let r = client.get("https://example.com/").await?;
    /// let id = r.cookies().next().unwrap();
    /// assert_eq!((id.name(), id.value(), id.path()), ("id", "7", Some("/")));
    /// assert!(id.secure() && id.http_only());
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "cookies")]
    pub fn cookies(&self) -> impl Iterator<Item = Cookie<'_>> {
        self.headers
            .get_all("set-cookie")
            .filter_map(|value| Cookie::parse(value.to_str().ok()?))
    }

    /// The redirect responses that led here, oldest first (their bodies are not kept).
    pub fn history(&self) -> &[Response] {
        &self.history
    }

    /// The `Content-Length` the server declared, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.headers
            .get("content-length")?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The trailer fields of a chunked body, once the body has been read to its end.
    pub fn trailers(&self) -> Option<&Headers> {
        self.body.trailers()
    }

    /// An error of kind [`Kind::Status`] for a 4xx or 5xx status, carrying the status and URL.
    pub fn raise_for_status(&self) -> Result<()> {
        if self.status.is_client_error() || self.status.is_server_error() {
            let err = Error::bare(Kind::Status(self.status));
            Err(err.with_url(self.url()))
        } else {
            Ok(())
        }
    }

    /// The response itself, or [`raise_for_status`](Self::raise_for_status)'s error.
    pub fn error_for_status(self) -> Result<Response> {
        self.raise_for_status().map(|()| self)
    }

    /// The next piece of the body, or `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        let chunk = std::future::poll_fn(|cx| self.body.poll_chunk(cx)).await;
        chunk.map_err(|e| self.name(e))
    }

    /// The whole body, decoded. A body larger than the client's
    /// [`max_body_bytes`](crate::ClientBuilder::max_body_bytes) is an error of kind
    /// [`Kind::Body`]; stream it to read past that.
    pub async fn bytes(mut self) -> Result<Bytes> {
        let limit = self.body_limit;
        let too_large = |response: &Response| {
            let msg = format!(
                "the body exceeds {limit} bytes, the limit for reading it whole \
                 (raise ClientBuilder::max_body_bytes, or read it as a stream)"
            );
            response.name(Error::new(Kind::Body, msg))
        };
        if let ResponseBody::Raw(raw) = &mut self.body {
            if let Some(whole) = raw.read_length_body(limit).await {
                return whole.map_err(|e| self.name(e));
            }
        }
        let Some(first) = self.chunk().await? else {
            return Ok(Bytes::new());
        };
        if first.len() > limit {
            return Err(too_large(&self));
        }
        let Some(second) = self.chunk().await? else {
            return Ok(first);
        };
        let hint = self
            .content_length()
            .unwrap_or(0)
            .min(limit as u64)
            .min(64 << 20) as usize;
        let mut all = BytesMut::with_capacity(hint.max(first.len() + second.len()));
        all.extend_from_slice(&first);
        let mut next = Some(second);
        while let Some(more) = next {
            if all.len() + more.len() > limit {
                return Err(too_large(&self));
            }
            all.extend_from_slice(&more);
            next = self.chunk().await?;
        }
        Ok(all.freeze())
    }

    /// The whole body as text, decoded by the charset [`encoding`](Self::encoding) says.
    /// Bytes that do not decode become U+FFFD: a wrong charset garbles the text, it is no
    /// error. The body is read as [`bytes`](Self::bytes) reads it, within its limit.
    pub async fn text(self) -> Result<String> {
        let charset = self.charset();
        let bytes = self.bytes().await?;
        Ok(charset.decode(&bytes))
    }

    /// The whole body as text, as reqwest's `text_with_charset`: decoded by the charset the
    /// response names, else by a byte order mark, else by the encoding `default` names (a
    /// WHATWG label, such as `"utf-8"`, `"latin1"`, `"shift_jis"`), over the client's
    /// default. An unknown label is an error of kind [`Kind::Decode`], before any of the
    /// body is read. [`text_as`](Self::text_as) decodes as a label says, whatever the
    /// response says.
    pub async fn text_with_charset(self, default: &str) -> Result<String> {
        let encoding = self.label(default)?;
        let charset = Charset::for_response(&self.headers, Some(encoding));
        let bytes = self.bytes().await?;
        Ok(charset.decode(&bytes))
    }

    /// The whole body as text in the encoding `label` names, whatever the response says; a
    /// byte order mark of that encoding is dropped. An unknown label is an error of kind
    /// [`Kind::Decode`], before any of the body is read.
    pub async fn text_as(self, label: &str) -> Result<String> {
        let encoding = self.label(label)?;
        let bytes = self.bytes().await?;
        Ok(Charset::named(encoding).decode(&bytes))
    }

    /// The encoding of a WHATWG `label`, or a [`Kind::Decode`] error naming it.
    fn label(&self, label: &str) -> Result<&'static encoding_rs::Encoding> {
        charset::for_label(label).ok_or_else(|| {
            let msg = format!("unknown charset {label:?}");
            self.name(Error::new(Kind::Decode, msg))
        })
    }

    /// The body's text as a [`Stream`] of lines, decoded as it arrives by the charset
    /// [`encoding`](Self::encoding) says (a character split between pieces of the body is
    /// decoded whole). `\n` and `\r\n` end a line and are not part of it. A line longer
    /// than the client's [`max_body_bytes`](crate::ClientBuilder::max_body_bytes) is an
    /// error of kind [`Kind::Body`].
    ///
    /// ```
    /// use futures_lite::StreamExt;
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200).body("one\r\ntwo\nthree"));
    /// let client = AsyncClient::builder().connector(mock).build()?;
    /// let lines = client.get("https://example.com/").await?.lines();
    /// let lines: Vec<String> = lines.try_collect().await?;
    /// assert_eq!(lines, ["one", "two", "three"]);
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn lines(self) -> Lines {
        let charset = self.charset();
        let request = RequestName::of(&self.request);
        Lines::new(self.body, request, charset, self.body_limit)
    }

    /// The whole body, parsed as JSON. A body that is not JSON of type `T` is an error of
    /// kind [`Kind::Decode`] naming the request, as reqwest's (`is_decode`); one that cannot
    /// be read is as [`bytes`](Self::bytes) says.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200).body("<html>"));
    /// let client = AsyncClient::builder().connector(mock).build()?;
    /// let r = client.get("https://example.com/items").await?;
    /// let err = r.json::<Vec<u32>>().await.unwrap_err();
    /// assert!(err.is_decode());
    /// assert_eq!(
    ///     err.to_string(),
    ///     "body decoding failed for GET https://example.com/items: expected value at line 1 column 1"
    /// );
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    #[cfg(feature = "json")]
    pub async fn json<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        let request = RequestName::of(&self.request);
        let bytes = self.bytes().await?;
        serde_json::from_slice(&bytes).map_err(|e| request.name(Error::new(Kind::Decode, e)))
    }

    /// The body as a [`Stream`] of chunks.
    pub fn bytes_stream(self) -> BodyStream {
        BodyStream {
            request: RequestName::of(&self.request),
            body: self.body,
        }
    }

    /// The body as a [`futures_io::AsyncRead`].
    pub fn into_reader(self) -> BodyReader {
        BodyReader {
            request: RequestName::of(&self.request),
            body: self.body,
            current: Bytes::new(),
        }
    }

    /// `e`, naming the request this answers.
    fn name(&self, e: Error) -> Error {
        e.with_request(&self.request.method, &self.request.url)
    }

    /// The request that was sent and the body, for a response that is let go (retried, or
    /// answered by an auth): nothing of it is kept.
    pub(crate) fn into_request_and_body(self) -> (Request, ResponseBody) {
        (self.request, self.body)
    }

    /// A redirect hop taken apart: its head for the history (with a copy of its request, no
    /// body), the request that was sent, to be followed, and the body, to be drained.
    pub(crate) fn into_hop(mut self) -> (Response, Request, ResponseBody) {
        let copy = self.request.without_body();
        let sent = std::mem::replace(&mut self.request, copy);
        let body = std::mem::replace(&mut self.body, ResponseBody::empty());
        (self, sent, body)
    }
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Response [{}]>", self.status)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Response");
        d.field("status", &self.status)
            .field("version", &self.version)
            .field("url", &printable(&self.request.url));
        if let Some(addr) = self.remote_addr {
            d.field("remote_addr", &addr);
        }
        d.field("headers", &self.headers).finish_non_exhaustive()
    }
}

/// The method and URL of the request a body answers, which the body's errors name.
pub(crate) struct RequestName {
    method: Method,
    url: Url,
}

impl RequestName {
    fn of(request: &Request) -> RequestName {
        RequestName {
            method: request.method.clone(),
            url: request.url.clone(),
        }
    }

    /// `e`, naming the request.
    pub(crate) fn name(&self, e: Error) -> Error {
        e.with_request(&self.method, &self.url)
    }
}

/// The body of a response: raw off the connection, or through a content decoder.
#[allow(clippy::large_enum_variant)] // boxing the common raw case would allocate per response
pub(crate) enum ResponseBody {
    Raw(RawBody),
    Decoded {
        decoder: Box<ContentDecoder<RawBuf>>,
        done: bool,
    },
}

impl ResponseBody {
    pub(crate) fn empty() -> ResponseBody {
        ResponseBody::Raw(RawBody::empty())
    }

    /// `raw`, content-decoded when `decode` is set and `headers` name a known coding.
    pub(crate) fn new(raw: RawBody, headers: &Headers, decode: bool) -> ResponseBody {
        if !decode {
            return ResponseBody::Raw(raw);
        }
        match ContentDecoder::for_response(headers) {
            Some(decoder) => ResponseBody::Decoded {
                decoder: Box::new(decoder(RawBuf::new(raw))),
                done: false,
            },
            None => ResponseBody::Raw(raw),
        }
    }

    fn trailers(&self) -> Option<&Headers> {
        match self {
            ResponseBody::Raw(raw) => raw.trailers(),
            ResponseBody::Decoded { decoder, .. } => decoder.get_ref().raw().trailers(),
        }
    }

    pub(crate) fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>>> {
        let (decoder, done) = match self {
            ResponseBody::Raw(raw) => return raw.poll_chunk(cx),
            ResponseBody::Decoded { decoder, done } => (decoder, done),
        };
        if !*done {
            let mut buf = vec![0u8; DECODED_CHUNK];
            match std::task::ready!(decoder.poll_read(cx, &mut buf)) {
                Ok(0) => *done = true,
                Ok(n) => {
                    buf.truncate(n);
                    return Poll::Ready(Ok(Some(Bytes::from(buf))));
                }
                Err(e) => return Poll::Ready(Err(Error::from_io(Kind::Decode, e))),
            }
        }
        // The decoded stream ended, and the raw body should end with it (its framing may still
        // be on its way: a last chunk). Bytes past the coded stream are not read on, however
        // many there are: the connection is closed instead.
        let raw = decoder.get_mut().raw_mut();
        if std::task::ready!(raw.poll_chunk(cx))?.is_some() {
            raw.abandon();
        }
        Poll::Ready(Ok(None))
    }
}

/// Decoded bytes handed out at a time.
const DECODED_CHUNK: usize = 16 * 1024;

/// A response body as a [`Stream`] of [`Bytes`], from [`Response::bytes_stream`].
pub struct BodyStream {
    body: ResponseBody,
    request: RequestName,
}

impl Stream for BodyStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes>>> {
        let this = &mut *self;
        this.body
            .poll_chunk(cx)
            .map(|r| r.map_err(|e| this.request.name(e)).transpose())
    }
}

/// A response body as a [`futures_io::AsyncRead`], from [`Response::into_reader`].
pub struct BodyReader {
    body: ResponseBody,
    request: RequestName,
    current: Bytes,
}

impl AsyncRead for BodyReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        while self.current.is_empty() {
            match std::task::ready!(self.body.poll_chunk(cx)) {
                Ok(Some(chunk)) => self.current = chunk,
                Ok(None) => return Poll::Ready(Ok(0)),
                Err(e) => return Poll::Ready(Err(self.request.name(e).into_io())),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Poll::Ready(Ok(n))
    }
}

impl fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BodyStream")
    }
}

impl fmt::Debug for BodyReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BodyReader")
    }
}
