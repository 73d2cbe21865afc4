//! [`RequestBuilder`]: what the client's verbs return; awaiting it (or `send`) sends the
//! request.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::time::Duration;

use http::HeaderValue;

use super::AsyncClient;
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
