//! [`ClientBuilder`]: every setting of a client, and the [`Config`] the send path reads.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;
use url::Url;

use super::{AsyncClient, AsyncMode, Inner};
use crate::auth::{IntoAuth, SharedAuth};
use crate::error::{Error, Kind, Result};
use crate::headers::Headers;
use crate::hooks::Hooks;
use crate::pool::{Pool, PoolConfig};
use crate::profile::Profile;
use crate::proto::h1::Limits;
use crate::request::Request;
use crate::response::Response;
use crate::retry::Retry;
use crate::rotator::Rotator;
use crate::rt::{self, Executor};
use crate::transport::{
    Certificate, Connector, DnsCache, Proxied, Proxy, Resolve, SystemResolver, TcpConnector,
    TlsConnector, TlsOptions, Via,
};

/// The default [`ClientBuilder::max_body_bytes`]: 256 MiB.
const DEFAULT_MAX_BODY: usize = 256 << 20;
/// The default connect and read timeouts, as Python TLS Requests'.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The settings the send path reads, fixed when the client is built.
#[derive(Clone)]
pub(super) struct Config {
    /// The profile's default headers with the client's over them, in order.
    pub(super) headers: Headers,
    /// The same for a fetch ([`Mode::Fetch`](crate::profile::Mode::Fetch)).
    pub(super) fetch: super::fields::FetchDefaults,
    pub(super) base_url: Option<Url>,
    /// Query pairs every request gets, unless it sets their names itself.
    pub(super) query: Vec<(String, String)>,
    pub(super) connect_timeout: Option<Duration>,
    pub(super) read_timeout: Option<Duration>,
    pub(super) timeout: Option<Duration>,
    pub(super) follow_redirects: bool,
    pub(super) max_redirects: usize,
    pub(super) limits: Limits,
    pub(super) decompress: bool,
    pub(super) max_body_bytes: usize,
    pub(super) header_order: Option<Vec<String>>,
    /// When requests are tried again; `None`: never.
    pub(super) retry: Option<Retry>,
    /// Hooks every request and response of the client goes through.
    pub(super) hooks: Hooks,
    /// Proxies, the first one for a URL used.
    pub(super) proxies: Vec<Proxy>,
    /// A proxy for each attempt, over `proxies`.
    pub(super) proxy_rotator: Option<Rotator<Proxy>>,
    /// The auth of every request that sets none of its own.
    pub(super) auth: Option<SharedAuth>,
    /// The encoding of a response body's text when the response names none.
    pub(super) encoding: Option<&'static encoding_rs::Encoding>,
    /// The jar every response stores into and every request reads from; `None` when off.
    #[cfg(feature = "cookies")]
    pub(super) cookies: Option<crate::CookieJar>,
}

/// The profile's headers (of one mode) with the client's over them. Unless the client set
/// its own, `Accept-Encoding` keeps the profile's codings that this build decodes, in its
/// order (or names all this build decodes, if the profile has none but has other headers:
/// [`Profile::none`] sends none).
fn default_headers(profile: &Headers, own: &Headers, decompress: bool) -> Result<Headers> {
    let mut headers = own.layered_over(profile);
    if own.contains("accept-encoding") || profile.is_empty() {
        return Ok(headers);
    }
    let decodable = crate::decode::accept_encoding()
        .filter(|_| decompress)
        .unwrap_or_default();
    let ours: Vec<&str> = decodable.split(", ").filter(|c| !c.is_empty()).collect();
    let codings = match profile.get("accept-encoding").and_then(|v| v.to_str().ok()) {
        Some(theirs) => theirs
            .split(',')
            .map(str::trim)
            .filter(|c| ours.contains(c))
            .collect::<Vec<_>>()
            .join(", "),
        None => decodable,
    };
    if codings.is_empty() {
        headers.remove("accept-encoding");
    } else {
        let value = HeaderValue::try_from(codings).map_err(|e| Error::new(Kind::Builder, e))?;
        headers.set_static("Accept-Encoding", value);
    }
    Ok(headers)
}

impl Config {
    /// The way `request` goes: through its own proxy, else through `rotated` (this
    /// attempt's pick of the client's rotator), else through the client's first proxy for
    /// its URL; `None` is direct.
    pub(super) fn via<'a>(
        &'a self,
        request: &'a Request,
        rotated: Option<&'a Proxy>,
    ) -> Option<&'a Arc<Via>> {
        let url = &request.url;
        match request.options.proxy().or(rotated) {
            Some(proxy) => proxy.for_url(url),
            None => self.proxies.iter().find_map(|p| p.for_url(url)),
        }
    }
}

/// Builds an [`AsyncClient`] with defaults for every request it sends.
///
/// ```
/// use std::time::Duration;
/// let client = tls_requests::AsyncClient::builder()
///     .base_url("https://api.example.com/v1")
///     .header("X-Client", "docs")
///     .timeout(Duration::from_secs(30))
///     .connect_timeout(Duration::from_secs(5))
///     .max_redirects(5)
///     .pool_max_idle_per_host(8)
///     .build()?;
/// # drop(client);
/// # Ok::<(), tls_requests::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder<M = AsyncMode> {
    config: Config,
    error: Option<Error>,
    pool: PoolConfig,
    tls: TlsOptions,
    profile: Profile,
    exec: Option<Arc<dyn Executor>>,
    /// Replaces TCP and TLS alike ([`connector`](ClientBuilder::connector)).
    whole_stack: Option<Box<dyn Connector>>,
    /// Replaces TCP only, under TLS ([`transport`](ClientBuilder::transport)).
    under_tls: Option<Box<dyn Connector>>,
    resolver: Option<Arc<dyn Resolve>>,
    /// Proxies from the environment too.
    trust_env: bool,
    /// Which client [`build`](ClientBuilder::build) makes.
    mode: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for ClientBuilder<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let base_url = self.config.base_url.as_ref();
        f.debug_struct("ClientBuilder")
            .field("profile", &self.profile.name())
            .field("base_url", &base_url.map(crate::error::printable))
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<M> Default for ClientBuilder<M> {
    fn default() -> ClientBuilder<M> {
        ClientBuilder {
            config: Config {
                headers: Headers::new(),
                fetch: Default::default(),
                base_url: None,
                query: Vec::new(),
                connect_timeout: Some(DEFAULT_TIMEOUT),
                read_timeout: Some(DEFAULT_TIMEOUT),
                timeout: None,
                follow_redirects: true,
                max_redirects: 20,
                limits: Limits::default(),
                decompress: true,
                max_body_bytes: DEFAULT_MAX_BODY,
                header_order: None,
                retry: None,
                hooks: Hooks::default(),
                proxies: Vec::new(),
                proxy_rotator: None,
                auth: None,
                encoding: None,
                #[cfg(feature = "cookies")]
                cookies: Some(crate::CookieJar::new()),
            },
            error: None,
            pool: PoolConfig::default(),
            tls: TlsOptions::default(),
            profile: Profile::default(),
            exec: None,
            whole_stack: None,
            under_tls: None,
            resolver: None,
            trust_env: false,
            mode: PhantomData,
        }
    }
}

impl<M> ClientBuilder<M> {
    /// The browser to look like: its TLS ClientHello and its default headers, in order.
    /// Default: [`Profile::chrome`], the newest Chrome.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// The profile named `name` (see [`Profile::by_name`]), as Python TLS Requests'
    /// `client_identifier`: `"chrome_156"`, `"firefox"`, ...
    pub fn client_identifier(mut self, name: &str) -> Self {
        match Profile::by_name(name) {
            Ok(profile) => self.profile = profile,
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Sends headers in exactly this order: the named ones first, in the order given (names
    /// match ignoring case), then any others in their usual order.
    pub fn header_order<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.config.header_order = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Sets a default header over the profile's: in place if the profile has it, else after
    /// them; requests can override it. Names go on the wire exactly as written.
    pub fn header<V>(mut self, name: impl AsRef<str>, value: V) -> Self
    where
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        if let Err(e) = self.config.headers.insert_converted(name, value) {
            self.error.get_or_insert(e);
        }
        self
    }

    /// Sets default headers over the profile's and those set before, merged as reqwest merges
    /// a `HeaderMap`: each name of `headers` replaces every earlier default of that name (in
    /// the place of the first), repeated names keep all their values, new names go after
    /// the others, in their order. Takes [`Headers`] (owned or borrowed) or an
    /// [`http::HeaderMap`] (whose names are lowercase).
    ///
    /// ```
    /// use http::{HeaderMap, HeaderValue, header};
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200));
    /// let mut map = HeaderMap::new();
    /// map.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("fr"));
    /// let client = AsyncClient::builder()
    ///     .connector(mock.clone())
    ///     .user_agent("my-crawler/1.0")
    ///     .default_headers(map)
    ///     .build()?;
    /// client.get("https://example.com/").await?;
    /// let sent = &mock.requests()[0];
    /// assert_eq!(sent.headers.get("user-agent").unwrap(), "my-crawler/1.0");
    /// assert_eq!(sent.headers.get("accept-language").unwrap(), "fr");
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn default_headers(mut self, headers: impl Into<Headers>) -> Self {
        self.config.headers = headers.into().layered_over(&self.config.headers);
        self
    }

    /// Sets the `User-Agent` of every request, as reqwest's: over the profile's, in its place
    /// (a browser profile sends one; this replaces it). [`header`](Self::header) with
    /// `"User-Agent"`; a value that is not a valid header value fails
    /// [`build`](Self::build) with a [`Kind::Header`] error.
    pub fn user_agent<V>(self, value: V) -> Self
    where
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        self.header("User-Agent", value)
    }

    /// A URL that relative request URLs are appended to.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        match Url::parse(url.as_ref()) {
            Ok(url) => self.config.base_url = Some(url),
            Err(e) => {
                self.error.get_or_insert(Error::new(Kind::Url, e));
            }
        }
        self
    }

    /// Query parameters for every request, after the URL's own and before the request's
    /// ([`RequestBuilder::query`](crate::RequestBuilder::query)); a name the URL or the
    /// request sets replaces the default of that name.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|req| MockResponse::new(200).body(req.url.query().unwrap_or("").to_owned()));
    /// let client = AsyncClient::builder()
    ///     .connector(mock)
    ///     .query(&[("key", "k1"), ("lang", "en")])
    ///     .build()?;
    /// let r = client.get("https://example.com/search?q=a b").query(&[("lang", "fr")]).await?;
    /// assert_eq!(r.text().await?, "q=a%20b&key=k1&lang=fr");
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn query<T: serde::Serialize + ?Sized>(mut self, query: &T) -> Self {
        match super::request_builder::serialized_pairs(query) {
            Ok(pairs) => self.config.query.extend(pairs),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// A total timeout for each request, redirects and response body included. Default: none.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.config.timeout = Some(timeout);
        self
    }

    /// A timeout for making a connection: DNS, TCP and TLS handshake; `None` waits as long as
    /// the system does. Default: 30 seconds.
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.config.connect_timeout = timeout.into();
        self
    }

    /// The longest wait for a byte to be read or written on a connection; `None` waits
    /// forever. Default: 30 seconds.
    pub fn read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.config.read_timeout = timeout.into();
        self
    }

    /// Keeps cookies in `jar`, which may be shared with other clients (see [`CookieJar`]).
    /// Default: a jar of the client's own.
    ///
    /// [`CookieJar`]: crate::CookieJar
    #[cfg(feature = "cookies")]
    pub fn cookie_jar(mut self, jar: crate::CookieJar) -> Self {
        self.config.cookies = Some(jar);
        self
    }

    /// Whether to keep cookies at all: with `false`, `Set-Cookie` is ignored and only
    /// `Cookie` headers set by hand are sent. Default: true.
    #[cfg(feature = "cookies")]
    pub fn cookie_store(mut self, keep: bool) -> Self {
        self.config.cookies = keep.then(|| self.config.cookies.take().unwrap_or_default());
        self
    }

    /// Retries requests as `retry` says (see [`Retry`]). Default: no retries.
    ///
    /// [`Retry`]: crate::Retry
    pub fn retry(mut self, retry: Retry) -> Self {
        self.config.retry = Some(retry);
        self
    }

    /// Adds a hook that may change every request before it is sent: each hop of a redirect
    /// chain (and again when an auth answers a 401), once per hop however many times it is
    /// retried, before the auth lays its credentials. Hooks run in the order added, the
    /// client's before the request's; an error from one ends the request with it.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, HeaderValue, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|req| {
    ///     let signed = req.headers.get("x-signed").cloned();
    ///     MockResponse::new(200).body(signed.unwrap_or(HeaderValue::from_static("no")).as_bytes().to_vec())
    /// });
    /// let client = AsyncClient::builder()
    ///     .connector(mock)
    ///     .on_request(|request| {
    ///         let signature = HeaderValue::from_str(request.url().path()).unwrap();
    ///         request.headers_mut().insert("X-Signed", signature).unwrap();
    ///         Ok(())
    ///     })
    ///     .build()?;
    /// assert_eq!(client.get("https://example.com/a").await?.text().await?, "/a");
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn on_request(
        mut self,
        hook: impl Fn(&mut Request) -> crate::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.config.hooks.on_request(hook);
        self
    }

    /// Adds a hook that sees every response head as it arrives: redirect hops, retried
    /// attempts and 401s an auth answers included, before the body is read. An error from
    /// one ends the request with it, unless the response is not the answer (it is retried,
    /// or the auth sends the request again): so `|r| r.raise_for_status()` turns every 4xx
    /// and 5xx answer into an error, and retries and Digest still work.
    pub fn on_response(
        mut self,
        hook: impl Fn(&Response) -> crate::Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.config.hooks.on_response(hook);
        self
    }

    /// Sends requests through `proxy` (see [`Proxy`]); with several, each URL goes through
    /// the first one that is for it. Not used with [`connector`](Self::connector), which
    /// replaces the whole transport. Default: none.
    ///
    /// [`Proxy`]: crate::Proxy
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.config.proxies.push(proxy);
        self
    }

    /// Whether to also take proxies from the environment, as curl and Python do:
    /// `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy` (each also upper case), read
    /// when the client is built, after the proxies set with [`proxy`](Self::proxy). A
    /// library should not be steered by its process's environment unasked, so the default
    /// is false (`examples/fetch` turns it on, as curl reads it).
    pub fn trust_env(mut self, trust: bool) -> Self {
        self.trust_env = trust;
        self
    }

    /// Sends each attempt of each request through the next proxy of `rotator` (see
    /// [`Rotator`]), over the proxies set with [`proxy`](Self::proxy); a request's own
    /// ([`RequestBuilder::proxy`]) wins. An attempt that fails at the proxy (a
    /// [`Kind::Proxy`] error, or no connection to it) marks that proxy failed, which leaves
    /// it out for the rotator's cooldown; any other outcome marks it good. Connections are
    /// pooled per proxy, so a request never reuses one made through another.
    ///
    /// [`Rotator`]: crate::Rotator
    /// [`RequestBuilder::proxy`]: crate::RequestBuilder::proxy
    /// [`Kind::Proxy`]: crate::Kind::Proxy
    pub fn proxy_rotator(mut self, rotator: Rotator<Proxy>) -> Self {
        self.config.proxy_rotator = Some(rotator);
        self
    }

    /// Removes the proxies set so far and stops reading them from the environment (as
    /// reqwest's `no_proxy`): every request goes direct unless it sets its own proxy.
    pub fn no_proxy(mut self) -> Self {
        self.config.proxies.clear();
        self.config.proxy_rotator = None;
        self.trust_env = false;
        self
    }

    /// Credentials for every request, unless the request sets its own with
    /// [`RequestBuilder::auth`](crate::RequestBuilder::auth): any [`Auth`](crate::Auth),
    /// such as [`DigestAuth`](crate::DigestAuth), or a `(user, password)` pair for `Basic`.
    /// Never sent to another origin after a redirect. Default: none (credentials in a URL
    /// are sent as `Basic`).
    ///
    /// ```
    /// let client = tls_requests::AsyncClient::builder()
    ///     .auth(("user", "pass"))
    ///     .build()?;
    /// # drop(client);
    /// # Ok::<(), tls_requests::Error>(())
    /// ```
    pub fn auth(mut self, auth: impl IntoAuth) -> Self {
        self.config.auth = Some(SharedAuth::new(auth));
        self
    }

    /// Whether to follow redirects. Default: true.
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.config.follow_redirects = follow;
        self
    }

    /// The most redirects followed for one request; one more is an error. Default: 20.
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.config.max_redirects = max;
        self
    }

    /// The most idle connections kept per host. Default: no limit.
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool.max_idle_per_host = max;
        self
    }

    /// The most idle connections kept across all hosts; to make room for another, the one
    /// idle longest is closed. Default: 256 (browsers keep at most 256 sockets in all).
    pub fn pool_max_idle(mut self, max: usize) -> Self {
        self.pool.max_idle = max;
        self
    }

    /// How long an idle connection is kept; `None` keeps it until the server closes it.
    /// Default: 90 seconds.
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool.idle_timeout = timeout;
        self
    }

    /// The most connections open to one host at once; further requests wait for one to be
    /// free. Default: no limit.
    pub fn max_connections_per_host(mut self, max: usize) -> Self {
        self.pool.max_per_host = Some(max.max(1));
        self
    }

    /// The largest response head accepted, in bytes. Default: 64 KiB.
    pub fn max_head_bytes(mut self, max: usize) -> Self {
        self.config.limits.max_head_bytes = max;
        self
    }

    /// The most header fields accepted in a response head. Default: 100.
    pub fn max_headers(mut self, max: usize) -> Self {
        self.config.limits.max_headers = max;
        self
    }

    /// Whether to decode `gzip`, `deflate`, `br` and `zstd` bodies (those whose features are
    /// enabled) and send an `Accept-Encoding` naming them. Default: true. Headers are kept
    /// as received either way.
    pub fn decompress(mut self, decompress: bool) -> Self {
        self.config.decompress = decompress;
        self
    }

    /// The largest body, after decoding, that [`Response::bytes`](crate::Response::bytes),
    /// [`Response::text`](crate::Response::text) and [`Response::json`](crate::Response::json)
    /// read whole; a larger one is an error (a decompression bomb stops here). Streaming reads
    /// have no limit. Default: 256 MiB.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.config.max_body_bytes = max;
        self
    }

    /// The encoding of a body's text ([`Response::text`](crate::Response::text),
    /// [`lines`](crate::Response::lines)) when the response's `Content-Type` names no known
    /// charset and the body has no byte order mark, by its WHATWG label (`"windows-1252"`,
    /// `"latin1"`, `"shift_jis"`). An unknown label is an error of kind [`Kind::Builder`].
    /// Default: UTF-8.
    ///
    /// ```
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200).body(&b"\x93quoted\x94"[..]));
    /// let client = AsyncClient::builder().connector(mock).default_encoding("windows-1252").build()?;
    /// assert_eq!(client.get("https://example.com/").await?.text().await?, "\u{201c}quoted\u{201d}");
    /// assert!(AsyncClient::builder().default_encoding("no-such").build().is_err());
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn default_encoding(mut self, label: &str) -> Self {
        match crate::charset::for_label(label) {
            Some(encoding) => self.config.encoding = Some(encoding),
            None => {
                let msg = format!(
                    "unknown encoding {label:?} (a WHATWG label, such as \"windows-1252\")"
                );
                self.error.get_or_insert(Error::new(Kind::Builder, msg));
            }
        }
        self
    }

    /// Accepts any server certificate. Only for testing: it removes TLS's protection.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.tls.accept_invalid_certs = accept;
        self
    }

    /// Trusts `cert` as a root, besides the built-in web roots.
    pub fn add_root_certificate(mut self, cert: Certificate) -> Self {
        self.tls.extra_roots.push(cert);
        self
    }

    /// The executor for timers, blocking work and background tasks. Default: smol's.
    pub fn executor(mut self, exec: impl Executor) -> Self {
        self.exec = Some(Arc::new(exec));
        self
    }

    /// Replaces the whole transport stack (TCP and TLS): every connection comes from
    /// `connector`, as is. Use it for [`MockTransport`](crate::MockTransport).
    pub fn connector(mut self, connector: impl Connector) -> Self {
        self.whole_stack = Some(Box::new(connector));
        self
    }

    /// Replaces TCP only: streams come from `transport`, and `https` ones get TLS on top.
    pub fn transport(mut self, transport: impl Connector) -> Self {
        self.under_tls = Some(Box::new(transport));
        self
    }

    /// Resolves host names with `resolver` instead of the system resolver (IP addresses are
    /// not resolved). It is used as it is: wrap it in a [`DnsCache`](crate::transport::DnsCache)
    /// to cache and coalesce its lookups, as the default resolver is. Not used when
    /// [`connector`](Self::connector) or [`transport`](Self::transport) replaces TCP.
    pub fn resolver(mut self, resolver: impl Resolve) -> Self {
        self.resolver = Some(Arc::new(resolver));
        self
    }

    /// The client, or the first error a setting made, whichever mode it is built in.
    pub(crate) fn build_async(self) -> Result<AsyncClient> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let exec = match self.exec.or_else(rt::default_executor) {
            Some(exec) => exec,
            None => {
                return Err(Error::new(
                    Kind::Builder,
                    "no executor: enable the `smol` feature or set one",
                ));
            }
        };
        let mut config = self.config;
        if self.trust_env {
            let from_env = Proxy::from_env(|name| std::env::var(name).ok())?;
            config.proxies.extend(from_env);
        }
        let fetch = self.profile.headers_for(crate::profile::Mode::Fetch);
        let fetch = default_headers(fetch, &config.headers, config.decompress)?;
        config.fetch = super::fields::FetchDefaults::new(&self.profile, fetch);
        let navigate = self.profile.headers();
        config.headers = default_headers(navigate, &config.headers, config.decompress)?;
        let (spec, tls) = (self.profile.tls(), &self.tls);
        let resolver = self.resolver.unwrap_or_else(|| {
            let system = SystemResolver::new(exec.clone());
            Arc::new(DnsCache::new(exec.clone(), system))
        });
        let user_agent = config.headers.get("user-agent").cloned();
        let proxied = |inner: Arc<dyn Connector>| Proxied {
            inner,
            tls_spec: spec.clone(),
            tls_options: tls.clone(),
            tls: Default::default(),
            resolver: resolver.clone(),
            user_agent,
        };
        let connector: Box<dyn Connector> = match (self.whole_stack, self.under_tls) {
            (Some(c), _) => c,
            (None, Some(t)) => Box::new(TlsConnector::new(proxied(Arc::from(t)), spec, tls)?),
            (None, None) => {
                let tcp = TcpConnector::with_resolver(exec.clone(), resolver.clone());
                Box::new(TlsConnector::new(proxied(Arc::new(tcp)), spec, tls)?)
            }
        };
        let pool = Pool::new(self.pool);
        Ok(AsyncClient {
            inner: Arc::new(Inner {
                config,
                pool,
                connector,
                exec,
            }),
        })
    }
}

impl ClientBuilder<AsyncMode> {
    /// The client, or the first error a setting made.
    pub fn build(self) -> Result<AsyncClient> {
        self.build_async()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_client_does_not_wait_forever() {
        let config = ClientBuilder::<AsyncMode>::default().config;
        let thirty = Some(Duration::from_secs(30));
        assert_eq!(
            (config.connect_timeout, config.read_timeout),
            (thirty, thirty)
        );
        assert_eq!(
            config.timeout, None,
            "no total timeout: a long download may take hours"
        );
        let forever = ClientBuilder::<AsyncMode>::default()
            .connect_timeout(None)
            .read_timeout(None)
            .config;
        assert_eq!(
            (forever.connect_timeout, forever.read_timeout),
            (None, None)
        );
    }
}
