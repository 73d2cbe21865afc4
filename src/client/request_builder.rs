//! [`RequestBuilder`]: what the client's verbs return; awaiting it (or `send`) sends the
//! request.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::time::Duration;

use http::HeaderValue;

use super::AsyncClient;
use crate::auth::{BasicAuth, BearerAuth, IntoAuth, SharedAuth};
use crate::error::{Error, Kind, Result};
use crate::headers::Headers;
use crate::multipart::Form;
use crate::request::{Body, Request};
use crate::response::Response;
use crate::rt::BoxFuture;

/// Builds a request; awaiting it (or calling [`send`](Self::send)) sends it.
///
/// ```no_run
/// # async fn run() -> tls_requests::Result<()> {
/// let client = tls_requests::AsyncClient::new();
/// let response = client
///     .post("https://example.com/items")
///     .header("X-Trace", "1")
///     .query(&[("page", "2")])
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
    client: AsyncClient,
    request: Result<Request>,
    /// The pairs of [`query`](Self::query), put in the URL with the client's defaults when
    /// the request is finished.
    query: Vec<(String, String)>,
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
            query: Vec::new(),
            mode: PhantomData,
        }
    }

    /// The same builder, of another mode.
    pub(crate) fn into_mode<N>(self) -> RequestBuilder<N> {
        let RequestBuilder {
            client,
            request,
            query,
            ..
        } = self;
        RequestBuilder {
            client,
            request,
            query,
            mode: PhantomData,
        }
    }

    /// The client, and the request with its query complete: the URL's own pairs, then the
    /// client's defaults whose names neither the URL nor [`query`](Self::query) set, then the
    /// pairs of `query`.
    pub(crate) fn finish(self) -> (AsyncClient, Result<Request>) {
        let RequestBuilder {
            client,
            mut request,
            query,
            ..
        } = self;
        let defaults = &client.inner.config.query;
        if let (Ok(r), false) = (&mut request, query.is_empty() && defaults.is_empty()) {
            let given = |name: &str| {
                query.iter().any(|(n, _)| n == name) || r.url.query_pairs().any(|(n, _)| n == name)
            };
            let defaults: Vec<_> = defaults.iter().filter(|(n, _)| !given(n)).collect();
            if !defaults.is_empty() || !query.is_empty() {
                let mut pairs = r.url.query_pairs_mut();
                pairs.extend_pairs(defaults).extend_pairs(&query);
            }
        }
        (client, request)
    }

    fn map(mut self, f: impl FnOnce(&mut Request) -> Result<()>) -> RequestBuilder<M> {
        if let Ok(request) = &mut self.request {
            if let Err(e) = f(request) {
                self.request = Err(e.with_request(&request.method, &request.url));
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

    /// Sets every header of `headers`, merged into those set before as reqwest merges a
    /// `HeaderMap`: each name of `headers` replaces every earlier field of that name (in the
    /// place of the first), repeated names keep all their values, new names go last, in
    /// their order. Takes [`Headers`] (owned or borrowed) or an [`http::HeaderMap`] (whose
    /// names are lowercase).
    ///
    /// ```
    /// use http::{HeaderMap, HeaderValue, header};
    /// use tls_requests::{AsyncClient, Headers, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200));
    /// let client = AsyncClient::builder().connector(mock.clone()).build()?;
    /// let mut map = HeaderMap::new();
    /// map.insert(header::ACCEPT, HeaderValue::from_static("text/html"));
    /// let ours = Headers::try_from([("X-Trace", "1")])?;
    /// client.get("https://example.com/").headers(map).headers(&ours).await?;
    /// let sent = &mock.requests()[0];
    /// assert_eq!(sent.headers.get("accept").unwrap(), "text/html");
    /// assert_eq!(sent.headers.get("x-trace").unwrap(), "1");
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn headers(self, headers: impl Into<Headers>) -> RequestBuilder<M> {
        let headers = headers.into();
        self.map(|r| {
            r.headers = headers.layered_over(&r.headers);
            Ok(())
        })
    }

    /// The HTTP version to send the request as, as reqwest's: HTTP/1.1 (the default) or
    /// HTTP/1.0. A request sent as HTTP/1.0 closes its connection after the response unless
    /// its fields say `Connection: keep-alive` (the request's, the client's or the
    /// profile's: browser profiles send it), waits for no `100 Continue`, and cannot
    /// have a body of unknown length (no chunked coding: give [`Body::sized`] its length).
    ///
    /// Any other version is a [`Kind::Builder`] error ([`Error::is_builder`]) when the
    /// request is sent: HTTP/2 is not spoken by this client yet. (reqwest fails such a
    /// request too, when the connection it gets speaks HTTP/1.1.)
    ///
    /// ```
    /// use http::Version;
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200));
    /// let client = AsyncClient::builder().connector(mock).build()?;
    /// let r = client.get("https://example.com/").version(Version::HTTP_10).await?;
    /// assert_eq!(r.request().version(), Version::HTTP_10);
    /// let err = client.get("https://example.com/").version(Version::HTTP_2).await.unwrap_err();
    /// assert!(err.is_builder());
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn version(self, version: http::Version) -> RequestBuilder<M> {
        self.map(|r| {
            crate::request::check_version(version)?;
            r.version = version;
            Ok(())
        })
    }

    /// A copy of this builder, as reqwest's: `None` if its body is a stream (which can be
    /// read only once) or the builder holds an error.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, Body, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200));
    /// let client = AsyncClient::builder().connector(mock.clone()).build()?;
    /// let post = client.post("https://example.com/").body("again");
    /// post.try_clone().unwrap().await?;
    /// post.await?;
    /// assert_eq!(mock.requests()[1].body, "again");
    /// let streamed = client.post("https://example.com/").body(Body::from_reader(futures_lite::io::empty()));
    /// assert!(streamed.try_clone().is_none());
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn try_clone(&self) -> Option<RequestBuilder<M>> {
        let request = self.request.as_ref().ok()?.try_clone()?;
        Some(RequestBuilder {
            client: self.client.clone(),
            request: Ok(request),
            query: self.query.clone(),
            mode: PhantomData,
        })
    }

    /// Appends query parameters, form-urlencoded (a space is `+`, other bytes outside the
    /// unreserved set percent-encoded as UTF-8), after any the URL has, in order; repeated
    /// names are kept. `query` is anything `serde_urlencoded` serializes, as reqwest takes it:
    /// a slice or array of pairs of strings or numbers, a map, a struct of plain fields
    /// (`None` fields left out). A name set here or in the URL replaces the client's default
    /// of that name ([`ClientBuilder::query`](crate::ClientBuilder::query)). A value it cannot
    /// serialize (a nested struct, say) is a [`Kind::Builder`] error.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport};
    /// #[derive(serde::Serialize)]
    /// struct Page { page: u32, tag: Option<&'static str> }
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200));
    /// let client = AsyncClient::builder().connector(mock.clone()).build()?;
    /// client.get("https://example.com/s?q=a").query(&[("per_page", 50)]).query(&Page { page: 2, tag: None }).await?;
    /// assert_eq!(mock.requests()[0].url.query(), Some("q=a&per_page=50&page=2"));
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn query<T: serde::Serialize + ?Sized>(mut self, query: &T) -> RequestBuilder<M> {
        match serialized_pairs(query) {
            Ok(pairs) => {
                self.query.extend(pairs);
                self
            }
            Err(e) => self.map(|_| Err(e)),
        }
    }

    /// Sets the body.
    pub fn body(self, body: impl Into<Body>) -> RequestBuilder<M> {
        let body = body.into();
        self.map(|r| {
            r.body = body;
            Ok(())
        })
    }

    /// Sets a form-urlencoded body and, unless set, its `Content-Type`, from anything
    /// `serde_urlencoded` serializes: a slice or array of pairs, a map, a struct of plain
    /// fields. A value it cannot serialize (a nested struct, say) is a [`Kind::Body`] error.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200));
    /// let client = AsyncClient::builder().connector(mock.clone()).build()?;
    /// client.post("https://example.com/").form(&[("q", "a b"), ("x", "&")]).await?;
    /// assert_eq!(mock.requests()[0].body, "q=a+b&x=%26");
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn form<T: serde::Serialize + ?Sized>(self, form: &T) -> RequestBuilder<M> {
        let encoded = serde_urlencoded::to_string(form).map_err(|e| Error::new(Kind::Body, e));
        self.map(|r| {
            r.body = Body::from(encoded?);
            set_content_type(r, "application/x-www-form-urlencoded");
            Ok(())
        })
    }

    /// Sets a `multipart/form-data` body, streamed, and its `Content-Type` with the form's
    /// boundary (replacing one set before). Files in it are read through the client's
    /// executor as they are sent; see [`multipart`](crate::multipart) for an example.
    pub fn multipart(self, form: Form) -> RequestBuilder<M> {
        let content_type = form.content_type();
        let body = form.into_body(&self.client.inner.exec);
        self.map(|r| {
            r.body = body;
            r.headers.insert_converted("Content-Type", content_type)
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

    /// Sends these cookies with this request, besides the jar's for its URL (a name given
    /// here replaces the jar's cookie of that name); they are not stored in the jar. A
    /// `Cookie` header set on the request, the client or the profile replaces both.
    pub fn cookies<K: AsRef<str>, V: AsRef<str>>(
        self,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> RequestBuilder<M> {
        let pairs = pairs.into_iter();
        let pairs: Vec<_> = pairs
            .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
            .collect();
        self.map(|r| {
            r.options.extra_mut().cookies.extend(pairs);
            Ok(())
        })
    }

    /// Sends this request through `proxy` (if it is for the URL; else directly), instead of
    /// the client's proxies or rotator.
    pub fn proxy(self, proxy: crate::Proxy) -> RequestBuilder<M> {
        self.map(|r| {
            r.options.extra_mut().proxy = Some(proxy);
            Ok(())
        })
    }

    /// Retries this request as `retry` says, instead of as the client does;
    /// `Retry::new(0)` never retries it.
    pub fn retry(self, retry: crate::Retry) -> RequestBuilder<M> {
        self.map(|r| {
            r.options.extra_mut().retry = Some(retry);
            Ok(())
        })
    }

    /// Adds a hook that may change this request before each hop is sent, after the
    /// client's hooks (see [`ClientBuilder::on_request`](crate::ClientBuilder::on_request)).
    pub fn on_request(
        self,
        hook: impl Fn(&mut Request) -> Result<()> + Send + Sync + 'static,
    ) -> RequestBuilder<M> {
        self.map(|r| {
            r.hooks
                .get_or_insert_with(Default::default)
                .on_request(hook);
            Ok(())
        })
    }

    /// Adds a hook that sees every response head of this request, after the client's hooks
    /// (see [`ClientBuilder::on_response`](crate::ClientBuilder::on_response)).
    pub fn on_response(
        self,
        hook: impl Fn(&Response) -> Result<()> + Send + Sync + 'static,
    ) -> RequestBuilder<M> {
        self.map(|r| {
            r.hooks
                .get_or_insert_with(Default::default)
                .on_response(hook);
            Ok(())
        })
    }

    /// Credentials for this request, over the client's: any [`Auth`](crate::Auth), or a
    /// `(user, password)` pair for `Basic`, as Python's `auth=("user", "pass")`. Never sent
    /// to another origin after a redirect.
    pub fn auth(self, auth: impl IntoAuth) -> RequestBuilder<M> {
        let auth = SharedAuth::new(auth);
        self.map(|r| {
            r.options.extra_mut().auth = Some(auth);
            Ok(())
        })
    }

    /// `Basic` credentials for this request, as reqwest's: `password` `None` sends
    /// `username:` (see [`BasicAuth`]).
    pub fn basic_auth<U: fmt::Display, P: fmt::Display>(
        self,
        username: U,
        password: Option<P>,
    ) -> RequestBuilder<M> {
        let password = password.map(|p| p.to_string()).unwrap_or_default();
        self.auth(BasicAuth::new(username.to_string(), password))
    }

    /// A bearer token for this request, as reqwest's: `Authorization: Bearer TOKEN`.
    pub fn bearer_auth<T: fmt::Display>(self, token: T) -> RequestBuilder<M> {
        self.auth(BearerAuth::new(token.to_string()))
    }

    /// The request, without sending it.
    pub fn build(self) -> Result<Request> {
        self.finish().1
    }

    /// Sends this request with the profile's headers of `mode`: a page load or a script's
    /// `fetch()`, instead of the mode its fields choose (a JSON body or `Accept`: a fetch;
    /// see [`Mode`](crate::profile::Mode)). It holds along the request's redirects.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport, profile::Mode};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200));
    /// let client = AsyncClient::builder().connector(mock.clone()).build()?;
    /// client.get("https://example.com/feed").mode(Mode::Fetch).await?;
    /// let sent = &mock.requests()[0].headers;
    /// assert_eq!(sent.get("sec-fetch-dest").unwrap(), "empty");
    /// assert_eq!(sent.get("referer").unwrap(), "https://example.com/");
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn mode(self, mode: crate::profile::Mode) -> RequestBuilder<M> {
        self.map(|r| {
            r.options.mode = Some(mode);
            Ok(())
        })
    }
}

impl RequestBuilder<AsyncMode> {
    /// Sends the request and waits for the response head.
    pub fn send(self) -> impl Future<Output = Result<Response>> + Send + 'static {
        let (client, request) = self.finish();
        async move { client.send(request?).await }
    }
}

/// Query pairs as the builders keep them.
/// `query` serialized as `serde_urlencoded` does, as the pairs it makes.
pub(super) fn serialized_pairs<T: serde::Serialize + ?Sized>(
    query: &T,
) -> Result<Vec<(String, String)>> {
    let encoded = serde_urlencoded::to_string(query).map_err(|e| Error::new(Kind::Builder, e))?;
    let pairs = url::form_urlencoded::parse(encoded.as_bytes());
    Ok(pairs.into_owned().collect())
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
