//! An async HTTP client that looks like a real browser on the wire and runs on any executor.
//!
//! - [`AsyncClient`]: `get post put patch delete options head request send`, a
//!   [`ClientBuilder`] for defaults, per-request options on [`RequestBuilder`], a keep-alive
//!   pool shared by cheap clones.
//! - Runtime independence: timers, blocking work and tasks go through [`rt::Executor`]
//!   (smol's by default, feature `smol`); connections come from a [`Connector`], any
//!   `futures_io::AsyncRead + AsyncWrite` stream. No tokio.
//! - Our own sans-IO HTTP/1.1 codec ([`proto::h1`]); header order and case are kept both
//!   ways ([`Headers`]).
//! - Credentials through an [`Auth`]: [`BasicAuth`] (a `(user, pass)` pair), [`BearerAuth`],
//!   [`DigestAuth`], or one's own; per client or per request, kept to the origin.
//! - [`blocking::Client`]: the same surface for code without an executor.
//! - [`MockTransport`] to test code that uses the client without a network.
//!
//! ```
//! use tls_requests::{AsyncClient, MockResponse, MockTransport};
//! # smol::block_on(async {
//! let mock = MockTransport::new(|_| MockResponse::new(200).body("hello"));
//! let client = AsyncClient::builder().connector(mock).build()?;
//! let response = client.get("https://example.com/").await?;
//! println!("{response}"); // <Response [200 OK]>
//! assert_eq!(response.text().await?, "hello");
//! # Ok::<(), tls_requests::Error>(())
//! # }).unwrap();
//! ```
//!
//! # Features
//!
//! - `rustls` (default): TLS through rustls (aws-lc-rs), the TLS backend; without it the
//!   client speaks `http` only.
//! - `smol` (default): [`rt::SmolExecutor`], the default executor.
//! - `json` (default): [`RequestBuilder::json`] and [`Response::json`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(missing_debug_implementations)]

/// `get post put patch delete options head`: each `self.request(Method::X, url)`, for the
/// async and the blocking client alike.
macro_rules! verb_methods {
    ($builder:ty) => {
        verb_methods!($builder, get GET "A `GET`", post POST "A `POST`", put PUT "A `PUT`",
            patch PATCH "A `PATCH`", delete DELETE "A `DELETE`", options OPTIONS "An `OPTIONS`",
            head HEAD "A `HEAD`");
    };
    ($builder:ty, $($name:ident $method:ident $doc:literal),+) => {$(
        #[doc = concat!($doc, " request to `url`.")]
        pub fn $name(&self, url: impl $crate::IntoUrl) -> $builder {
            self.request(Method::$method, url)
        }
    )+};
}

mod auth;
pub mod blocking;
mod body;
mod charset;
mod client;
#[cfg(feature = "cookies")]
mod cookie;
mod credentials;
mod decode;
mod error;
mod headers;
mod hooks;
mod into_url;
pub mod mock;
pub mod multipart;
mod pool;
pub mod profile;
pub mod proto;
mod redirect;
mod request;
mod response;
mod retry;
mod rotator;
pub mod rt;
pub mod transport;

pub use auth::{Auth, AuthRequest, AuthResponse, BasicAuth, BearerAuth, DigestAuth, IntoAuth};
pub use client::{AsyncClient, AsyncMode, ClientBuilder, RequestBuilder};
#[cfg(feature = "cookies")]
pub use cookie::CookieJar;
pub use error::{BoxError, Error, Kind, Result, TimeoutPhase};
pub use headers::{Headers, InvalidHeaderName};
pub use http::{HeaderValue, Method, StatusCode, Version};
pub use into_url::IntoUrl;
pub use mock::{MockRequest, MockResponse, MockTransport};
pub use profile::{Profile, ProfileBuilder, TlsSpec};
pub use request::{Body, Request};
pub use response::{BodyReader, BodyStream, Lines, Response};
#[cfg(feature = "cookies")]
pub use response::{Cookie, SameSite};
pub use retry::Retry;
pub use rotator::{Rotator, Strategy};
pub use transport::{Certificate, Connected, Connector, Destination, Proxy};
pub use url::Url;
