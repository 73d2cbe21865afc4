//! Credentials on the wire: the [`Auth`] trait that adds them to a request and answers its
//! response, `Basic` and `Bearer` (`basic`), `Digest` (`digest`) over the challenges that
//! `challenge` parses, and [`Flow`], the step of the send loop that runs an [`Auth`].
//!
//! Like the rest of the policy layer it sees plain data (method, URL, headers, status), not
//! the API's request and response.

mod basic;
mod challenge;
mod digest;

use std::fmt;
use std::sync::Arc;

use http::{HeaderValue, Method, StatusCode};
use url::Url;

use crate::error::{Error, Kind, Result};
use crate::headers::Headers;

pub(crate) use basic::basic_from_url;
pub use basic::{BasicAuth, BearerAuth};
pub use digest::DigestAuth;

/// Credentials for requests, with state of their own: set one for a whole client
/// ([`ClientBuilder::auth`](crate::ClientBuilder::auth)) or one request
/// ([`RequestBuilder::auth`](crate::RequestBuilder::auth), which wins).
///
/// [`on_request`](Self::on_request) changes each request before it is sent (an
/// `Authorization` header, usually); [`on_response`](Self::on_response) sees its response
/// once and may ask for the request to be sent again, for instance on a `401`. The same value
/// serves every request of a client at once, so state goes behind a lock or an atomic.
///
/// An `Auth` is never applied to a redirect hop that left the origin of the request, so
/// credentials never leak to another host. Credentials in the URL (`user:pass@`) are sent as
/// `Basic` only when no `Auth` is set.
///
/// A token refreshed on `401`, once:
///
/// ```
/// use std::sync::Mutex;
/// use tls_requests::{AsyncClient, Auth, AuthRequest, AuthResponse, MockResponse, MockTransport};
///
/// struct Refreshing(Mutex<String>);
///
/// impl Auth for Refreshing {
///     fn on_request(&self, request: &mut AuthRequest<'_>) -> tls_requests::Result<()> {
///         let token = self.0.lock().unwrap().clone();
///         request.set_authorization(&format!("Bearer {token}"))
///     }
///
///     fn on_response(&self, _: &AuthRequest<'_>, response: &AuthResponse<'_>) -> tls_requests::Result<bool> {
///         if response.status() != 401 {
///             return Ok(false);
///         }
///         *self.0.lock().unwrap() = "fresh".into(); // a real one would ask the token endpoint
///         Ok(true) // send the request again, after on_request
///     }
/// }
///
/// # smol::block_on(async {
/// let mock = MockTransport::new(|req| {
///     let fresh = req.headers.get("authorization").is_some_and(|v| v == "Bearer fresh");
///     MockResponse::new(if fresh { 200 } else { 401 })
/// });
/// let client = AsyncClient::builder()
///     .connector(mock.clone())
///     .auth(Refreshing(Mutex::new("expired".into())))
///     .build()?;
/// assert_eq!(client.get("https://example.com/").await?.status(), 200);
/// assert_eq!(mock.requests().len(), 2);
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
pub trait Auth: Send + Sync + 'static {
    /// Adds credentials to `request` before it is sent: each hop of a redirect to the same
    /// origin, and again before a resend that [`on_response`](Self::on_response) asked for.
    /// What it changes holds for that one send. An error fails the request.
    fn on_request(&self, request: &mut AuthRequest<'_>) -> Result<()>;

    /// Sees the response to `request`, as it was sent: `Ok(true)` sends the request again
    /// (after [`on_request`](Self::on_request)), and the response to that is final, whatever
    /// it is. Called once per hop, for its first response; a request whose body was a stream
    /// is not sent again, and gets this response. An error fails the request. By default,
    /// `Ok(false)`.
    fn on_response(&self, request: &AuthRequest<'_>, response: &AuthResponse<'_>) -> Result<bool> {
        let _ = (request, response);
        Ok(false)
    }
}

/// A request as an [`Auth`] sees it: method and URL to read, headers to change.
#[derive(Debug)]
pub struct AuthRequest<'a> {
    method: &'a Method,
    url: &'a Url,
    headers: &'a mut Headers,
}

impl AuthRequest<'_> {
    /// The method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        self.url
    }

    /// The request's own headers (the client's defaults are laid under them on the wire).
    pub fn headers(&self) -> &Headers {
        self.headers
    }

    /// The request's own headers, to change.
    pub fn headers_mut(&mut self) -> &mut Headers {
        self.headers
    }

    /// Sets `Authorization` to `value`; a value that cannot be a header value is a
    /// [`Kind::Header`] error.
    pub fn set_authorization(&mut self, value: &str) -> Result<()> {
        let value = HeaderValue::from_str(value).map_err(|e| Error::new(Kind::Header, e))?;
        self.headers.set_static("Authorization", value);
        Ok(())
    }
}

/// A response as an [`Auth`] sees it: status and headers.
#[derive(Debug, Clone, Copy)]
pub struct AuthResponse<'a> {
    status: StatusCode,
    headers: &'a Headers,
}

impl AuthResponse<'_> {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers, `WWW-Authenticate` among them.
    pub fn headers(&self) -> &Headers {
        self.headers
    }
}

/// What [`ClientBuilder::auth`](crate::ClientBuilder::auth) and
/// [`RequestBuilder::auth`](crate::RequestBuilder::auth) take: any [`Auth`], a shared
/// `Arc<dyn Auth>`, or a `(user, password)` pair for [`BasicAuth`].
pub trait IntoAuth {
    /// The [`Auth`], shared.
    fn into_auth(self) -> Arc<dyn Auth>;
}

impl<A: Auth> IntoAuth for A {
    fn into_auth(self) -> Arc<dyn Auth> {
        Arc::new(self)
    }
}

impl IntoAuth for Arc<dyn Auth> {
    fn into_auth(self) -> Arc<dyn Auth> {
        self
    }
}

impl<U: AsRef<str>, P: AsRef<str>> IntoAuth for (U, P) {
    fn into_auth(self) -> Arc<dyn Auth> {
        Arc::new(BasicAuth::from(self))
    }
}

/// An [`Auth`] as the client's and a request's settings keep it.
#[derive(Clone)]
pub(crate) struct SharedAuth(Arc<dyn Auth>);

impl SharedAuth {
    pub(crate) fn new(auth: impl IntoAuth) -> SharedAuth {
        SharedAuth(auth.into_auth())
    }
}

impl fmt::Debug for SharedAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Auth")
    }
}

/// The [`Auth`] step of one request's send loop: [`before`](Self::before) each send,
/// [`after`](Self::after) each response, at most one resend per hop, nothing once a
/// redirect has left the origin.
pub(crate) struct Flow {
    auth: Option<Arc<dyn Auth>>,
    /// The request's own headers while the auth's are on it for one send.
    own: Option<Headers>,
    /// This hop's response was answered with a resend: the next response is final.
    resent: bool,
}

impl Flow {
    /// The request's auth if it has one, else the client's.
    pub(crate) fn new(request: Option<&SharedAuth>, client: Option<&SharedAuth>) -> Flow {
        Flow {
            auth: request.or(client).map(|a| a.0.clone()),
            own: None,
            resent: false,
        }
    }

    /// Lays the auth's credentials on `headers` for the send about to happen, unless the
    /// request has left its origin (then never again for it).
    pub(crate) fn before(
        &mut self,
        method: &Method,
        url: &Url,
        headers: &mut Headers,
        cross_origin: bool,
    ) -> Result<()> {
        if cross_origin {
            self.auth = None;
        }
        let Some(auth) = &self.auth else {
            return Ok(());
        };
        self.own = Some(headers.clone());
        auth.on_request(&mut AuthRequest {
            method,
            url,
            headers,
        })
    }

    /// Lays the auth's credentials anew for another attempt of the same send (a retry): the
    /// request's own headers back, then the auth's on them again.
    pub(crate) fn again(
        &mut self,
        method: &Method,
        url: &Url,
        headers: &mut Headers,
    ) -> Result<()> {
        let (Some(auth), Some(own)) = (&self.auth, &self.own) else {
            return Ok(());
        };
        *headers = own.clone();
        auth.on_request(&mut AuthRequest {
            method,
            url,
            headers,
        })
    }

    /// Puts the request's own headers back and says whether to send it again: the auth asked
    /// to, for the first response of this hop, and its body (`replayable`) can be sent twice.
    pub(crate) fn after(
        &mut self,
        method: &Method,
        url: &Url,
        headers: &mut Headers,
        response: (StatusCode, &Headers),
        replayable: bool,
    ) -> Result<bool> {
        let (Some(auth), Some(own)) = (&self.auth, self.own.take()) else {
            return Ok(false);
        };
        let mut sent = std::mem::replace(headers, own);
        if std::mem::take(&mut self.resent) {
            return Ok(false);
        }
        let request = AuthRequest {
            method,
            url,
            headers: &mut sent,
        };
        let (status, headers) = response;
        let again = auth.on_response(&request, &AuthResponse { status, headers })?;
        self.resent = again && replayable;
        Ok(self.resent)
    }
}
