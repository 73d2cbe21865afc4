#![doc = include_str!("../README.md")]
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
pub use client::{AsyncClient, AsyncMode, ClientBuilder, RequestBuilder, get};
#[cfg(feature = "cookies")]
pub use cookie::CookieJar;
pub use error::{BoxError, Error, Kind, Result, TimeoutPhase};
pub use headers::{GetAll, Headers, InvalidHeaderName};
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
