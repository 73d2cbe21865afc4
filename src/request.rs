//! [`Request`] and its [`Body`]: what a request is, apart from the client that sends it.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures_io::AsyncRead;
use http::{Method, Version};
use url::Url;

use crate::error::{Error, Kind, Result, printable};
use crate::headers::Headers;
use crate::hooks::Hooks;
use crate::profile::Mode;
use crate::redirect;
use crate::retry::Retry;

/// A request body: nothing, bytes in memory, a stream sent with chunked encoding, or a
/// stream of known length sent with `Content-Length`.
///
/// ```
/// use tls_requests::Body;
/// let a = Body::from("text");
/// let b = Body::from(vec![1u8, 2, 3]);
/// let c = Body::from_reader(futures_lite::io::Cursor::new(b"streamed".to_vec()));
/// let d = Body::sized(futures_lite::io::Cursor::new(b"sized".to_vec()), 5);
/// assert_eq!(a.as_bytes(), Some(&b"text"[..]));
/// assert!(c.as_bytes().is_none());
/// assert_eq!((a.content_length(), c.content_length(), d.content_length()), (Some(4), None, Some(5)));
/// # drop(b);
/// ```
#[derive(Default)]
pub struct Body {
    pub(crate) kind: BodyKind,
}

#[derive(Default)]
pub(crate) enum BodyKind {
    #[default]
    Empty,
    Full(Bytes),
    Stream(Box<dyn AsyncRead + Send + Unpin>),
    /// A stream that gives exactly this many bytes.
    Sized(Box<dyn AsyncRead + Send + Unpin>, u64),
}

impl Body {
    /// No body.
    pub fn empty() -> Body {
        Body::default()
    }

    /// A body read from `reader` as it is sent, with `Transfer-Encoding: chunked`. It cannot
    /// be sent twice, so a 307/308 redirect of such a request fails with [`Kind::Redirect`].
    pub fn from_reader(reader: impl AsyncRead + Send + Unpin + 'static) -> Body {
        Body {
            kind: BodyKind::Stream(Box::new(reader)),
        }
    }

    /// A body of `len` bytes read from `reader` as it is sent, with `Content-Length: len`.
    /// The reader must give exactly `len` bytes and then end: one that ends early or goes
    /// on fails the request with [`Kind::Body`], and its connection is closed, not reused.
    /// Like [`from_reader`](Self::from_reader), it cannot be sent twice.
    pub fn sized(reader: impl AsyncRead + Send + Unpin + 'static, len: u64) -> Body {
        Body {
            kind: BodyKind::Sized(Box::new(reader), len),
        }
    }

    /// The length in bytes, when known before sending (`None` for a chunked stream).
    pub fn content_length(&self) -> Option<u64> {
        match &self.kind {
            BodyKind::Empty => Some(0),
            BodyKind::Full(b) => Some(b.len() as u64),
            BodyKind::Stream(_) => None,
            BodyKind::Sized(_, len) => Some(*len),
        }
    }

    /// True if the body can be sent again (it is in memory): false for a stream, chunked or
    /// sized, which is read once as it is sent.
    pub(crate) fn is_replayable(&self) -> bool {
        matches!(self.kind, BodyKind::Empty | BodyKind::Full(_))
    }

    /// The bytes, for a body held in memory.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            BodyKind::Empty => Some(&[]),
            BodyKind::Full(b) => Some(b),
            BodyKind::Stream(_) | BodyKind::Sized(..) => None,
        }
    }

    /// A copy that can be sent again; `None` for a stream.
    pub fn try_clone(&self) -> Option<Body> {
        match &self.kind {
            BodyKind::Empty => Some(Body::empty()),
            BodyKind::Full(b) => Some(Body::from(b.clone())),
            BodyKind::Stream(_) | BodyKind::Sized(..) => None,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BodyKind::Empty => f.write_str("Body(empty)"),
            BodyKind::Full(b) => write!(f, "Body({} bytes)", b.len()),
            BodyKind::Stream(_) => f.write_str("Body(stream)"),
            BodyKind::Sized(_, len) => write!(f, "Body(stream of {len} bytes)"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Body {
        if b.is_empty() {
            Body::empty()
        } else {
            Body {
                kind: BodyKind::Full(b),
            }
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(v: Vec<u8>) -> Body {
        Body::from(Bytes::from(v))
    }
}

impl From<String> for Body {
    fn from(s: String) -> Body {
        Body::from(Bytes::from(s))
    }
}

impl From<&'static str> for Body {
    fn from(s: &'static str) -> Body {
        Body::from(Bytes::from_static(s.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(s: &'static [u8]) -> Body {
        Body::from(Bytes::from_static(s))
    }
}

/// Per-request settings; each one set here overrides the client's.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) follow_redirects: Option<bool>,
    pub(crate) max_redirects: Option<usize>,
    /// Which of the profile's header sets the request goes with; `None`: chosen from its
    /// fields ([`Mode`](crate::profile::Mode)).
    pub(crate) mode: Option<crate::profile::Mode>,
    /// The settings few requests have, boxed: a plain request stays small, and so does every
    /// future that holds one.
    extra: Option<Box<Extra>>,
}

/// The rarely set [`RequestOptions`].
#[derive(Clone, Default)]
pub(crate) struct Extra {
    pub(crate) auth: Option<crate::auth::SharedAuth>,
    pub(crate) retry: Option<Retry>,
    /// Cookies of this request, sent with the jar's (over those of the same name).
    pub(crate) cookies: Vec<(String, String)>,
    /// The proxy of this request, over the client's.
    pub(crate) proxy: Option<crate::transport::Proxy>,
    /// The origin of the URL the request was made for, once a redirect took it to another:
    /// the page a fetch comes from.
    pub(crate) initiator: Option<url::Origin>,
}

impl fmt::Debug for Extra {
    /// Cookie names, never their values; of the auth only that there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.cookies.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("Extra")
            .field("auth", &self.auth.is_some())
            .field("retry", &self.retry)
            .field("cookies", &names)
            .field("proxy", &self.proxy)
            .field("initiator", &self.initiator)
            .finish()
    }
}

impl RequestOptions {
    /// The rarely set settings, to change.
    pub(crate) fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Default::default)
    }

    pub(crate) fn auth(&self) -> Option<&crate::auth::SharedAuth> {
        self.extra.as_ref()?.auth.as_ref()
    }

    pub(crate) fn retry(&self) -> Option<&Retry> {
        self.extra.as_ref()?.retry.as_ref()
    }

    pub(crate) fn cookies(&self) -> &[(String, String)] {
        self.extra.as_ref().map_or(&[], |e| &e.cookies)
    }

    pub(crate) fn proxy(&self) -> Option<&crate::transport::Proxy> {
        self.extra.as_ref()?.proxy.as_ref()
    }

    pub(crate) fn initiator(&self) -> Option<&url::Origin> {
        self.extra.as_ref()?.initiator.as_ref()
    }
}

/// An HTTP request: method, URL, HTTP version, headers in order, body, and per-request
/// options.
///
/// `Debug` prints the URL without its userinfo and credential header values as `Sensitive`
/// (see [`Headers`]).
pub struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// HTTP/1.1 unless set (see [`version`](Self::version)).
    pub(crate) version: Version,
    pub(crate) headers: Headers,
    pub(crate) body: Body,
    pub(crate) options: RequestOptions,
    /// Hooks of this request, run after the client's.
    /// Boxed: most requests have none.
    pub(crate) hooks: Option<Box<Hooks>>,
    /// A redirect took this request away from the origin it was made for: no layer's
    /// credentials go with it.
    pub(crate) cross_origin: bool,
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: Url) -> Request {
        Request {
            method,
            url,
            version: Version::HTTP_11,
            headers: Headers::new(),
            body: Body::empty(),
            options: RequestOptions::default(),
            hooks: None,
            cross_origin: false,
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The HTTP version the request is sent as: HTTP/1.1 unless set, or HTTP/1.0. Sending a
    /// request set to another version is a [`Kind::Builder`] error (see
    /// [`RequestBuilder::version`](crate::RequestBuilder::version)).
    pub fn version(&self) -> Version {
        self.version
    }

    /// The HTTP version, to change.
    pub fn version_mut(&mut self) -> &mut Version {
        &mut self.version
    }

    /// A copy of this request to send again, as reqwest's: `None` if its body is a stream,
    /// which can be read only once. The copy has the same method, URL, version, headers,
    /// body, options and hooks.
    ///
    /// ```
    /// use tls_requests::{Body, Method, Request};
    /// let url = "https://example.com/".parse().unwrap();
    /// let mut request = Request::new(Method::POST, url);
    /// request.set_body("in memory");
    /// let copy = request.try_clone().unwrap();
    /// assert_eq!(copy.body().as_bytes(), Some(&b"in memory"[..]));
    /// request.set_body(Body::from_reader(futures_lite::io::empty()));
    /// assert!(request.try_clone().is_none());
    /// ```
    pub fn try_clone(&self) -> Option<Request> {
        let body = self.body.try_clone()?;
        let mut copy = self.without_body();
        copy.body = body;
        copy.hooks = self.hooks.clone();
        Some(copy)
    }

    /// The headers the request adds to the client's defaults.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The headers, to change.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.headers
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Replaces the body.
    pub fn set_body(&mut self, body: impl Into<Body>) {
        self.body = body.into();
    }

    /// A copy with no body, for a response in the redirect history.
    pub(crate) fn without_body(&self) -> Request {
        Request {
            method: self.method.clone(),
            url: self.url.clone(),
            version: self.version,
            headers: self.headers.clone(),
            body: Body::empty(),
            options: self.options.clone(),
            hooks: None,
            cross_origin: self.cross_origin,
        }
    }

    /// This request, changed as a redirect's `plan` says: its method and URL; no body (nor
    /// the headers that describe one) if the method became `GET`; none of its own
    /// credentials, nor its `Host`, for another origin (the client's and the profile's stay
    /// behind too: `cross_origin` sticks for the rest of the chain). A fetch stays one
    /// (its mode is kept once its own fields chose it), and the origin it first left is
    /// kept as the page it comes from.
    pub(crate) fn follow(mut self, plan: redirect::Plan) -> Result<Request> {
        // A fetch stays one when its body, which made it one, stays behind.
        if self.options.mode.is_none() && Mode::chosen_by(&self.headers) == Mode::Fetch {
            self.options.mode = Some(Mode::Fetch);
        }
        if plan.cross_origin && self.options.initiator().is_none() {
            self.options.extra_mut().initiator = Some(self.url.origin());
        }
        if plan.drop_body {
            for name in BODY_HEADERS {
                self.headers.remove(name);
            }
            self.body = Body::empty();
        } else {
            self.body = self.body.try_clone().ok_or_else(|| {
                let why = "cannot resend a streaming body after a redirect that keeps the method";
                Error::new(Kind::Redirect, why)
            })?;
        }
        if plan.cross_origin {
            for name in crate::headers::REQUEST_CREDENTIALS {
                self.headers.remove(name);
            }
            self.headers.remove("host");
            self.cross_origin = true;
        }
        self.method = plan.method;
        self.url = plan.url;
        Ok(self)
    }
}

/// `version`, if the client speaks it: HTTP/1.1 or HTTP/1.0; any other is a
/// [`Kind::Builder`] error. HTTP/2 will be spoken when the client has it; then, as reqwest
/// does, a request for HTTP/2 on a connection that speaks HTTP/1.1 will still fail.
pub(crate) fn check_version(version: Version) -> Result<()> {
    if version == Version::HTTP_11 || version == Version::HTTP_10 {
        return Ok(());
    }
    let why = format!("{version:?} is not spoken by this client: HTTP/1.1 and HTTP/1.0 are");
    Err(Error::new(Kind::Builder, why))
}

/// Headers that describe a body a redirected request no longer has.
const BODY_HEADERS: [&str; 4] = [
    "content-length",
    "content-type",
    "content-encoding",
    "transfer-encoding",
];

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &printable(&self.url))
            .field("version", &self.version)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .field("options", &self.options)
            .finish()
    }
}
