//! [`AsyncClient`]: the handle, its verbs, and closing it. The builder and its settings are
//! in `builder`, the send path (timeouts, redirects, retry, checkout) in `send`, and the
//! header fields a request goes on the wire with in `fields`.

mod builder;
mod fields;
mod request_builder;
mod send;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::Method;

use crate::error::Result;
use crate::into_url::IntoUrl;
use crate::pool::Pool;
use crate::request::Request;
use crate::response::Response;
use crate::rt::Executor;
use crate::transport::Connector;

pub use builder::ClientBuilder;
use builder::Config;
pub use request_builder::{AsyncMode, RequestBuilder};

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

/// A `GET` of `url` with a default client: for a script's one request, as `reqwest::get`.
/// A program that sends more builds one [`AsyncClient`] and keeps it, for its pool.
///
/// ```no_run
/// # smol::block_on(async {
/// let body = tls_requests::get("https://example.com/").await?.text().await?;
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
///
/// # Panics
///
/// Without the `smol` feature, as [`AsyncClient::new`].
pub async fn get(url: impl IntoUrl) -> Result<Response> {
    AsyncClient::new().get(url).await
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

    /// The client's cookie jar, `None` if built with [`ClientBuilder::cookie_store`]`(false)`.
    #[cfg(feature = "cookies")]
    pub fn cookies(&self) -> Option<&crate::CookieJar> {
        self.inner.config.cookies.as_ref()
    }

    /// Ends the pool: idle connections are shut down, connections in use close when their
    /// responses are done, and later requests fail with [`Kind::Closed`](crate::Kind::Closed). Affects every clone.
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
