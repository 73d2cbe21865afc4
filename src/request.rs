//! [`Request`], its [`Body`], and the [`RequestBuilder`] the client's verbs return.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use futures_io::AsyncRead;
use http::{HeaderValue, Method};
use url::Url;

use crate::client::AsyncClient;
use crate::error::{Error, Kind, Result, printable};
use crate::headers::Headers;
use crate::redirect;
use crate::response::Response;
use crate::rt::BoxFuture;

/// A request body: nothing, bytes in memory, or a stream sent with chunked encoding.
///
/// ```
/// use tls_requests::Body;
/// let a = Body::from("text");
/// let b = Body::from(vec![1u8, 2, 3]);
/// let c = Body::from_reader(futures_lite::io::Cursor::new(b"streamed".to_vec()));
/// assert_eq!(a.as_bytes(), Some(&b"text"[..]));
/// assert!(c.as_bytes().is_none());
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

    /// The bytes, for a body held in memory.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            BodyKind::Empty => Some(&[]),
            BodyKind::Full(b) => Some(b),
            BodyKind::Stream(_) => None,
        }
    }

    /// A copy that can be sent again; `None` for a stream.
    pub fn try_clone(&self) -> Option<Body> {
        match &self.kind {
            BodyKind::Empty => Some(Body::empty()),
            BodyKind::Full(b) => Some(Body::from(b.clone())),
            BodyKind::Stream(_) => None,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BodyKind::Empty => f.write_str("Body(empty)"),
            BodyKind::Full(b) => write!(f, "Body({} bytes)", b.len()),
            BodyKind::Stream(_) => f.write_str("Body(stream)"),
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
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RequestOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) follow_redirects: Option<bool>,
    pub(crate) max_redirects: Option<usize>,
}

/// An HTTP request: method, URL, headers in order, body, and per-request options.
///
/// `Debug` prints the URL without its userinfo and credential header values as `Sensitive`
/// (see [`Headers`]).
pub struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: Headers,
    pub(crate) body: Body,
    pub(crate) options: RequestOptions,
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
            headers: Headers::new(),
            body: Body::empty(),
            options: RequestOptions::default(),
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

    /// This request, changed as a redirect's `plan` says: its method and URL; no body (nor
    /// the headers that describe one) if the method became `GET`; none of its own
    /// credentials, nor its `Host`, for another origin (the client's and the profile's stay
    /// behind too: `cross_origin` sticks for the rest of the chain).
    pub(crate) fn follow(mut self, plan: redirect::Plan) -> Result<Request> {
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
            for name in ["authorization", "cookie", "proxy-authorization", "host"] {
                self.headers.remove(name);
            }
            self.cross_origin = true;
        }
        self.method = plan.method;
        self.url = plan.url;
        Ok(self)
    }
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
            .field("headers", &self.headers)
            .field("body", &self.body)
            .field("options", &self.options)
            .finish()
    }
}

/// Builds a request; awaiting it (or calling [`send`](Self::send)) sends it.
///
/// ```no_run
/// # async fn run() -> tls_requests::Result<()> {
/// let client = tls_requests::AsyncClient::new();
/// let response = client
///     .post("https://example.com/items")
///     .header("X-Trace", "1")
///     .query([("page", "2")])
///     .body("payload")
///     .timeout(std::time::Duration::from_secs(5))
///     .await?;
/// # drop(response); Ok(()) }
/// ```
///
/// The same builder serves the [blocking client](crate::blocking::Client), whose `send`
/// waits on the current thread; `M` says which one it is.
#[must_use = "a request is only sent when awaited or sent"]
pub struct RequestBuilder<M = AsyncMode> {
    pub(crate) client: AsyncClient,
    pub(crate) request: Result<Request>,
    mode: PhantomData<M>,
}

/// The mode of a [`RequestBuilder`] from an [`AsyncClient`]: awaiting it sends the request.
#[derive(Debug)]
pub struct AsyncMode;

impl<M> RequestBuilder<M> {
    pub(crate) fn new(client: AsyncClient, request: Result<Request>) -> RequestBuilder<M> {
        RequestBuilder {
            client,
            request,
            mode: PhantomData,
        }
    }

    fn map(mut self, f: impl FnOnce(&mut Request) -> Result<()>) -> RequestBuilder<M> {
        if let Ok(request) = &mut self.request {
            if let Err(e) = f(request) {
                self.request = Err(e);
            }
        }
        self
    }

    /// Sets a header, replacing a default or earlier one of the same name in place. The name
    /// is sent exactly as written here.
    pub fn header<V>(self, name: impl AsRef<str>, value: V) -> RequestBuilder<M>
    where
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        self.map(|r| r.headers.insert_converted(name, value))
    }

    /// Sets every header of `headers`, in their order.
    pub fn headers(self, headers: &Headers) -> RequestBuilder<M> {
        self.map(|r| {
            for (name, value) in headers {
                r.headers
                    .insert(name, value.clone())
                    .map_err(|e| Error::new(Kind::Header, e))?;
            }
            Ok(())
        })
    }

    /// Appends query parameters, form-urlencoded, after any the URL has.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(
        self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> RequestBuilder<M> {
        self.map(|r| {
            r.url.query_pairs_mut().extend_pairs(pairs);
            Ok(())
        })
    }

    /// Sets the body.
    pub fn body(self, body: impl Into<Body>) -> RequestBuilder<M> {
        let body = body.into();
        self.map(|r| {
            r.body = body;
            Ok(())
        })
    }

    /// Sets a form-urlencoded body and, unless set, its `Content-Type`.
    pub fn form<K: AsRef<str>, V: AsRef<str>>(
        self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> RequestBuilder<M> {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.map(|r| {
            r.body = Body::from(encoded);
            set_content_type(r, "application/x-www-form-urlencoded");
            Ok(())
        })
    }

    /// Sets a JSON body and, unless set, its `Content-Type`.
    #[cfg(feature = "json")]
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> RequestBuilder<M> {
        let encoded = serde_json::to_vec(value).map_err(|e| Error::new(Kind::Body, e));
        self.map(|r| {
            r.body = Body::from(encoded?);
            set_content_type(r, "application/json");
            Ok(())
        })
    }

    /// A total timeout for this request, redirects and body included.
    pub fn timeout(self, timeout: Duration) -> RequestBuilder<M> {
        self.map(|r| {
            r.options.timeout = Some(timeout);
            Ok(())
        })
    }

    /// The longest wait for a byte to be read or written, for this request.
    pub fn read_timeout(self, timeout: Duration) -> RequestBuilder<M> {
        self.map(|r| {
            r.options.read_timeout = Some(timeout);
            Ok(())
        })
    }

    /// Whether to follow redirects, for this request.
    pub fn follow_redirects(self, follow: bool) -> RequestBuilder<M> {
        self.map(|r| {
            r.options.follow_redirects = Some(follow);
            Ok(())
        })
    }

    /// The most redirects to follow, for this request.
    pub fn max_redirects(self, max: usize) -> RequestBuilder<M> {
        self.map(|r| {
            r.options.max_redirects = Some(max);
            Ok(())
        })
    }

    /// The request, without sending it.
    pub fn build(self) -> Result<Request> {
        self.request
    }
}

impl RequestBuilder<AsyncMode> {
    /// Sends the request and waits for the response head.
    pub fn send(self) -> impl Future<Output = Result<Response>> + Send + 'static {
        let RequestBuilder {
            client, request, ..
        } = self;
        async move { client.send(request?).await }
    }
}

fn set_content_type(r: &mut Request, value: &'static str) {
    if !r.headers.contains("content-type") {
        r.headers
            .set_static("Content-Type", HeaderValue::from_static(value));
    }
}

impl IntoFuture for RequestBuilder {
    type Output = Result<Response>;
    type IntoFuture = BoxFuture<'static, Result<Response>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

impl<M> fmt::Debug for RequestBuilder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("request", &self.request)
            .finish()
    }
}
