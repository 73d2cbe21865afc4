//! A blocking client with the surface of [`AsyncClient`], for code without an executor.
//!
//! Each call waits on the current thread (driving async-io's reactor there); the pool,
//! timeouts and everything else are the async client's. Do not call it from inside an async
//! task: it would block that task's thread.
//!
//! ```
//! use tls_requests::{MockResponse, MockTransport, blocking};
//! let mock = MockTransport::new(|_| MockResponse::new(200).body("sync"));
//! let client = blocking::Client::builder().connector(mock).build()?;
//! let r = client.get("https://example.com/").header("X-A", "1").send()?;
//! assert_eq!(r.status(), 200);
//! assert_eq!(r.text()?, "sync");
//! # Ok::<(), tls_requests::Error>(())
//! ```

use std::io::{self, Read};
use std::ops::Deref;

use bytes::Bytes;
use futures_lite::AsyncReadExt;
use http::Method;

use crate::client::{AsyncClient, AsyncMode};
use crate::error::Result;
use crate::request::Request;

/// The mode of a [`RequestBuilder`](crate::RequestBuilder) from a blocking [`Client`]:
/// [`send`](crate::RequestBuilder::send) waits for the response.
#[derive(Debug)]
pub struct BlockingMode;

/// A request builder of the blocking client.
pub type RequestBuilder = crate::RequestBuilder<BlockingMode>;

/// The builder of a blocking [`Client`]: every setting of [`crate::ClientBuilder`], and a
/// [`build`](crate::ClientBuilder::<BlockingMode>::build) that gives a blocking client.
pub type ClientBuilder = crate::ClientBuilder<BlockingMode>;

/// A blocking HTTP client: [`AsyncClient`] behind calls that wait. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Client {
    inner: AsyncClient,
}

impl Client {
    /// A client with the default settings (see [`AsyncClient::new`]).
    pub fn new() -> Client {
        Client {
            inner: AsyncClient::new(),
        }
    }

    /// A builder whose [`build`](crate::ClientBuilder::<BlockingMode>::build) gives a
    /// blocking client.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tls_requests::{MockResponse, MockTransport, blocking};
    /// let mock = MockTransport::new(|_| MockResponse::new(200).body("ok"));
    /// let client = blocking::Client::builder()
    ///     .timeout(Duration::from_secs(10))
    ///     .connector(mock)
    ///     .build()?;
    /// assert_eq!(client.get("https://example.com/").send()?.text()?, "ok");
    /// # Ok::<(), tls_requests::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The async client behind this one.
    pub fn as_async(&self) -> &AsyncClient {
        &self.inner
    }

    verb_methods!(RequestBuilder);

    /// A request with any method.
    pub fn request(&self, method: Method, url: impl crate::IntoUrl) -> RequestBuilder {
        self.inner.request(method, url).into_mode()
    }

    /// A request built but not sent.
    pub fn build_request(&self, method: Method, url: impl crate::IntoUrl) -> Result<Request> {
        self.inner.build_request(method, url)
    }

    /// Sends `request` and waits for the response head.
    pub fn send(&self, request: Request) -> Result<Response> {
        async_io::block_on(self.inner.send(request)).map(Response)
    }

    /// Ends the pool (see [`AsyncClient::close`]).
    pub fn close(&self) {
        async_io::block_on(self.inner.close());
    }
}

impl ClientBuilder {
    /// The blocking client, or the first error a setting made.
    pub fn build(self) -> Result<Client> {
        self.build_async().map(Client::from)
    }
}

impl crate::ClientBuilder<AsyncMode> {
    /// A [blocking client](Client) with these settings, from the async client's builder.
    pub fn build_blocking(self) -> Result<Client> {
        self.build_async().map(Client::from)
    }
}

/// A `GET` of `url` with a default client, waiting for the response head: for a script's
/// one request. A program that sends more builds one [`Client`] and keeps it, for its pool.
///
/// ```no_run
/// let body = tls_requests::blocking::get("https://example.com/")?.text()?;
/// # Ok::<(), tls_requests::Error>(())
/// ```
pub fn get(url: impl crate::IntoUrl) -> Result<Response> {
    Client::new().get(url).send()
}

impl From<AsyncClient> for Client {
    fn from(inner: AsyncClient) -> Client {
        Client { inner }
    }
}

impl RequestBuilder {
    /// Sends the request and waits for the response head.
    pub fn send(self) -> Result<Response> {
        let (client, request) = self.finish();
        async_io::block_on(client.send(request?)).map(Response)
    }
}

/// A response of the blocking client. Its head is reachable through `Deref` to
/// [`crate::Response`]; the body is read with the waiting methods here or through
/// [`std::io::Read`].
#[derive(Debug)]
pub struct Response(crate::Response);

impl Response {
    /// The whole body.
    pub fn bytes(self) -> Result<Bytes> {
        async_io::block_on(self.0.bytes())
    }

    /// The whole body as text, by its charset (see [`crate::Response::text`]).
    pub fn text(self) -> Result<String> {
        async_io::block_on(self.0.text())
    }

    /// The whole body as text, `default` the encoding when the response names none (see
    /// [`crate::Response::text_with_charset`]).
    pub fn text_with_charset(self, default: &str) -> Result<String> {
        async_io::block_on(self.0.text_with_charset(default))
    }

    /// The whole body as text in the encoding `label` names (see
    /// [`crate::Response::text_as`]).
    pub fn text_as(self, label: &str) -> Result<String> {
        async_io::block_on(self.0.text_as(label))
    }

    /// The body's text line by line, as an [`Iterator`] that waits for each line (see
    /// [`crate::Response::lines`]).
    pub fn lines(self) -> Lines {
        Lines(self.0.lines())
    }

    /// The whole body, parsed as JSON.
    #[cfg(feature = "json")]
    pub fn json<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        async_io::block_on(self.0.json())
    }

    /// The next piece of the body, or `None` at its end.
    pub fn chunk(&mut self) -> Result<Option<Bytes>> {
        async_io::block_on(self.0.chunk())
    }

    /// The response itself, or an error for a 4xx or 5xx status.
    pub fn error_for_status(self) -> Result<Response> {
        self.0.error_for_status().map(Response)
    }

    /// The body as a [`std::io::Read`].
    pub fn into_reader(self) -> impl Read {
        Reader(self.0.into_reader())
    }

    /// The async response inside.
    pub fn into_async(self) -> crate::Response {
        self.0
    }
}

impl Deref for Response {
    type Target = crate::Response;
    fn deref(&self) -> &crate::Response {
        &self.0
    }
}

impl std::fmt::Display for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The lines of a blocking response's body, from [`Response::lines`].
#[derive(Debug)]
pub struct Lines(crate::Lines);

impl Iterator for Lines {
    type Item = Result<String>;

    fn next(&mut self) -> Option<Result<String>> {
        async_io::block_on(futures_lite::StreamExt::next(&mut self.0))
    }
}

struct Reader(crate::BodyReader);

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        async_io::block_on(self.0.read(buf))
    }
}
