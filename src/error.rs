//! The one error type of the crate.

use std::borrow::Cow;
use std::fmt;

use http::{Method, StatusCode};
use url::Url;

/// A boxed error, the source type that connectors and bodies hand back.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong with a request: its [`Kind`], the request it belongs to (method and URL,
/// when known) and the underlying cause, reachable through [`std::error::Error::source`].
///
/// Every error a request returns, from sending it, reading its body or parsing its JSON,
/// names the request: `Display` reads `what failed for METHOD URL: cause`, as reqwest's
/// `error sending request for url (URL): cause` does, and [`method`](Self::method) and
/// [`url`](Self::url) return them. An error made while building a request names its URL
/// when it was known.
///
/// `Display` and `Debug` print the URL without its userinfo (`user:password@`), so that an
/// error can be logged without leaking credentials; [`url`](Self::url) returns it whole.
///
/// ```
/// # smol::block_on(async {
/// let client = tls_requests::AsyncClient::new();
/// let err = client.get("not a url").await.unwrap_err();
/// assert!(err.is_url() && err.is_builder());
/// assert_eq!(err.to_string(), "invalid URL: \"not a url\": relative URL without a base");
/// # });
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: Kind,
    method: Option<Method>,
    url: Option<Url>,
    source: Option<BoxError>,
    /// Made while the request was being sent: before its response head arrived.
    sending: bool,
}

/// The category of an [`Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// The URL could not be parsed, or its scheme or host is unsupported.
    Url,
    /// A header name or value, the method or the request target is invalid.
    Header,
    /// The client was misconfigured (for example an unreadable certificate).
    Builder,
    /// No connection could be made: DNS, TCP, or a custom connector failed.
    Connect,
    /// The TLS handshake failed or the certificate was rejected, a TLS record was bad, or
    /// this build has no TLS backend for an `https` URL (see the crate's features).
    Tls,
    /// A deadline passed; the phase says which one.
    Timeout(TimeoutPhase),
    /// The server broke HTTP/1.1 (malformed head, bad framing, limits exceeded).
    Protocol,
    /// A redirect could not be followed (loop, bad `Location`, unreplayable body).
    Redirect,
    /// [`Response::error_for_status`](crate::Response::error_for_status) found a 4xx or 5xx.
    Status(StatusCode),
    /// The request body could not be read, or the response body could not be received.
    Body,
    /// A compressed body could not be decoded, a JSON body could not be parsed, or the
    /// charset asked for to decode text is unknown.
    Decode,
    /// Reading or writing the connection failed.
    Io,
    /// The client was closed with [`AsyncClient::close`](crate::AsyncClient::close).
    Closed,
    /// The proxy refused or failed the request: a CONNECT answered with another status than
    /// 200 (its status line is in the message; 407 when the proxy wants other credentials),
    /// a SOCKS reply other than success (its code is in the message), or a proxy that does
    /// not speak its protocol. A proxy that cannot be reached is [`Kind::Connect`], naming
    /// the proxy; errors of the origin behind a proxy keep their own kinds.
    Proxy,
    /// An authentication challenge could not be answered: a malformed `WWW-Authenticate`,
    /// or a `Digest` one that this client does not support (such as `qop=auth-int` alone).
    Auth,
}

/// Which deadline a [`Kind::Timeout`] error ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Establishing the connection (DNS, TCP and TLS handshake).
    Connect,
    /// No byte could be written for the read (idle) timeout.
    Write,
    /// No byte arrived for the read (idle) timeout.
    Read,
    /// The whole request, redirects and response body included, took too long.
    Total,
}

impl Error {
    /// Creates an error of `kind` caused by `source`.
    pub fn new(kind: Kind, source: impl Into<BoxError>) -> Error {
        Error::bare(kind).with_source(source)
    }

    pub(crate) fn bare(kind: Kind) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                method: None,
                url: None,
                source: None,
                sending: false,
            }),
        }
    }

    pub(crate) fn timeout(phase: TimeoutPhase) -> Error {
        Error::bare(Kind::Timeout(phase))
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Error {
        self.inner.source = Some(source.into());
        self
    }

    /// Sets the request this error belongs to, unless one is already set; an error that
    /// names `url` alone gets `method` too.
    pub(crate) fn with_request(mut self, method: &Method, url: &Url) -> Error {
        let inner = &mut *self.inner;
        match &inner.url {
            None => {
                inner.method = Some(method.clone());
                inner.url = Some(url.clone());
            }
            Some(known) if known == url && inner.method.is_none() => {
                inner.method = Some(method.clone());
            }
            Some(_) => {}
        }
        self
    }

    /// Marks this error as made while sending the request (see
    /// [`is_request`](Self::is_request)).
    pub(crate) fn while_sending(mut self) -> Error {
        self.inner.sending = true;
        self
    }

    /// Sets the URL this error belongs to, unless one is already set.
    pub(crate) fn with_url(mut self, url: &Url) -> Error {
        if self.inner.url.is_none() {
            self.inner.url = Some(url.clone());
        }
        self
    }

    /// Turns an I/O error into an [`Error`], unwrapping one of ours that travelled inside it
    /// (timeouts, and the TLS backend's failures, cross `AsyncRead`/`AsyncWrite` as
    /// `io::Error`).
    pub(crate) fn from_io(kind: Kind, err: std::io::Error) -> Error {
        if err.get_ref().is_some_and(|e| e.is::<Error>()) {
            return match err.into_inner().map(|e| e.downcast::<Error>()) {
                Some(Ok(ours)) => *ours,
                _ => Error::bare(kind),
            };
        }
        Error::new(kind, err)
    }

    /// Turns a connector's boxed error into an [`Error`] of kind [`Kind::Connect`], keeping
    /// the kind if it already is one of ours.
    pub(crate) fn from_connector(err: BoxError) -> Error {
        match err.downcast::<Error>() {
            Ok(ours) => *ours,
            Err(err) => match err.downcast::<std::io::Error>() {
                Ok(io) => Error::from_io(Kind::Connect, *io),
                Err(other) => Error::new(Kind::Connect, other),
            },
        }
    }

    /// True if a connection could not be made because the process (or the system) is out
    /// of file descriptors (`EMFILE`, `ENFILE`), anywhere in the source chain.
    pub(crate) fn is_out_of_descriptors(&self) -> bool {
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = next {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                // EMFILE and ENFILE on Linux, the BSDs and macOS; WSAEMFILE on Windows.
                if matches!(io.raw_os_error(), Some(23 | 24) if cfg!(unix))
                    || (cfg!(windows) && io.raw_os_error() == Some(10024))
                {
                    return true;
                }
            }
            next = e.source();
        }
        false
    }

    /// Wraps this error in an `io::Error`, so it can travel through `AsyncRead`.
    pub(crate) fn into_io(self) -> std::io::Error {
        let kind = match self.kind() {
            Kind::Timeout(_) => std::io::ErrorKind::TimedOut,
            _ => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, self)
    }

    /// The category of this error.
    pub fn kind(&self) -> Kind {
        self.inner.kind
    }

    /// The URL of the request that failed, when the error belongs to one, with its userinfo
    /// (which `Display` and `Debug` leave out).
    pub fn url(&self) -> Option<&Url> {
        self.inner.url.as_ref()
    }

    /// The method of the request that failed, when the error belongs to one.
    pub fn method(&self) -> Option<&Method> {
        self.inner.method.as_ref()
    }

    /// The status code, for errors made by
    /// [`Response::error_for_status`](crate::Response::error_for_status).
    pub fn status(&self) -> Option<StatusCode> {
        match self.inner.kind {
            Kind::Status(code) => Some(code),
            _ => None,
        }
    }

    /// The phase that timed out, for timeout errors.
    pub fn timeout_phase(&self) -> Option<TimeoutPhase> {
        match self.inner.kind {
            Kind::Timeout(phase) => Some(phase),
            _ => None,
        }
    }

    /// True for any timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self.inner.kind, Kind::Timeout(_))
    }
    /// True if no connection could be made.
    pub fn is_connect(&self) -> bool {
        self.inner.kind == Kind::Connect
    }
    /// True for a [`Kind::Tls`] error: the TLS handshake or a TLS record failed.
    pub fn is_tls(&self) -> bool {
        self.inner.kind == Kind::Tls
    }
    /// True if the server broke the protocol.
    pub fn is_protocol(&self) -> bool {
        self.inner.kind == Kind::Protocol
    }
    /// True if a redirect could not be followed.
    pub fn is_redirect(&self) -> bool {
        self.inner.kind == Kind::Redirect
    }
    /// True for errors made from a 4xx or 5xx status.
    pub fn is_status(&self) -> bool {
        matches!(self.inner.kind, Kind::Status(_))
    }
    /// True if a request or response body failed.
    pub fn is_body(&self) -> bool {
        self.inner.kind == Kind::Body
    }
    /// True if the URL was invalid or unsupported.
    pub fn is_url(&self) -> bool {
        self.inner.kind == Kind::Url
    }
    /// True if a header, the method or the target was invalid.
    pub fn is_header(&self) -> bool {
        self.inner.kind == Kind::Header
    }
    /// True if a response body could not be decoded: its content coding, or its JSON
    /// ([`Response::json`](crate::Response::json)), or an unknown charset was asked for.
    pub fn is_decode(&self) -> bool {
        self.inner.kind == Kind::Decode
    }
    /// True if reading or writing the connection failed.
    pub fn is_io(&self) -> bool {
        self.inner.kind == Kind::Io
    }
    /// True if the client was closed.
    pub fn is_closed(&self) -> bool {
        self.inner.kind == Kind::Closed
    }

    /// True for [`Kind::Proxy`].
    pub fn is_proxy(&self) -> bool {
        self.inner.kind == Kind::Proxy
    }

    /// True for an error in building a client or a request, as reqwest's `is_builder`: an
    /// invalid URL ([`Kind::Url`]), header, method or target ([`Kind::Header`]), or client
    /// setting ([`Kind::Builder`]). Nothing was sent.
    ///
    /// ```
    /// # smol::block_on(async {
    /// let client = tls_requests::AsyncClient::new();
    /// let err = client.get("http://example.com/").header("X", "a\nb").await.unwrap_err();
    /// assert!(err.is_builder() && err.is_header() && !err.is_request());
    /// assert_eq!(err.url().unwrap().as_str(), "http://example.com/");
    /// # });
    /// ```
    pub fn is_builder(&self) -> bool {
        matches!(self.inner.kind, Kind::Url | Kind::Header | Kind::Builder)
    }

    /// True for an error while sending the request, as reqwest's `is_request`: before its
    /// response head arrived, in connecting (DNS, TCP, TLS, a proxy), writing the request
    /// or reading the head, or the total timeout meanwhile. Its kind says which
    /// ([`is_connect`](Self::is_connect), [`is_timeout`](Self::is_timeout), ...). Not for
    /// an invalid request ([`is_builder`](Self::is_builder)), a redirect that could not be
    /// followed, nor an error reading a body whose head had arrived.
    pub fn is_request(&self) -> bool {
        self.inner.sending
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Url => f.write_str("invalid URL"),
            Kind::Header => f.write_str("invalid request"),
            Kind::Builder => f.write_str("invalid client configuration"),
            Kind::Connect => f.write_str("connection failed"),
            Kind::Tls => f.write_str("TLS handshake failed"),
            Kind::Timeout(phase) => write!(f, "{phase} timeout"),
            Kind::Protocol => f.write_str("HTTP protocol error"),
            Kind::Redirect => f.write_str("redirect failed"),
            Kind::Status(code) => {
                let class = if code.is_client_error() {
                    "client"
                } else {
                    "server"
                };
                write!(f, "HTTP status {class} error ({code})")
            }
            Kind::Body => f.write_str("body error"),
            Kind::Decode => f.write_str("body decoding failed"),
            Kind::Io => f.write_str("connection error"),
            Kind::Closed => f.write_str("client is closed"),
            Kind::Proxy => f.write_str("proxy error"),
            Kind::Auth => f.write_str("authentication failed"),
        }
    }
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connect",
            TimeoutPhase::Write => "write",
            TimeoutPhase::Read => "read",
            TimeoutPhase::Total => "total",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.inner.kind)?;
        match (&self.inner.method, &self.inner.url) {
            (Some(method), Some(url)) => write!(f, " for {method} {}", printable(url))?,
            (None, Some(url)) => write!(f, " for {}", printable(url))?,
            _ => {}
        }
        if let Some(source) = &self.inner.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind);
        if let Some(method) = &self.inner.method {
            d.field("method", method);
        }
        if let Some(url) = &self.inner.url {
            d.field("url", &printable(url));
        }
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

/// `url` as the crate prints it: without its userinfo. A user name can be a secret as much
/// as a password (`https://TOKEN@host/`), and neither is part of what goes on the wire, so
/// both go, as they do from URLs printed by reqwest (which moves them into `Authorization`).
pub(crate) fn printable(url: &Url) -> Cow<'_, str> {
    if url.username().is_empty() && url.password().is_none() {
        return Cow::Borrowed(url.as_str());
    }
    let mut bare = url.clone();
    // Both only fail for URLs that cannot have userinfo, which then have none.
    let _ = bare.set_password(None);
    let _ = bare.set_username("");
    Cow::Owned(bare.into())
}

/// A URL string that did not parse, as the crate prints it: anything up to the last `@` of
/// what would be its authority (after `://`, up to the first `/`, `\`, `?` or `#`) is
/// taken out, so a password in a malformed URL is not printed either.
pub(crate) fn printable_input(input: &str) -> Cow<'_, str> {
    let Some(start) = input.find("://").map(|i| i + 3) else {
        return Cow::Borrowed(input);
    };
    let rest = &input[start..];
    let authority = &rest[..rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => Cow::Owned(format!("{}{}", &input[..start], &rest[at + 1..])),
        None => Cow::Borrowed(input),
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_ref().map(|e| &**e as _)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_round_trip_keeps_our_error() {
        let err = Error::timeout(TimeoutPhase::Read).into_io();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        let back = Error::from_io(Kind::Io, err);
        assert_eq!(back.kind(), Kind::Timeout(TimeoutPhase::Read));
    }

    #[test]
    fn display_names_request_and_cause() {
        let url = Url::parse("http://example.com/a").unwrap();
        let err = Error::new(Kind::Connect, "refused").with_request(&Method::GET, &url);
        assert_eq!(
            err.to_string(),
            "connection failed for GET http://example.com/a: refused"
        );
    }

    #[test]
    fn a_request_named_after_its_url_gets_the_method_too() {
        let (a, b) = (
            Url::parse("http://a/").unwrap(),
            Url::parse("http://b/").unwrap(),
        );
        let err = Error::bare(Kind::Body).with_url(&a);
        assert_eq!(err.method(), None);
        let err = err.with_request(&Method::PUT, &b);
        assert_eq!(
            (err.method(), err.url()),
            (None, Some(&a)),
            "another URL: kept"
        );
        let err = err.with_request(&Method::PUT, &a);
        assert_eq!(err.method(), Some(&Method::PUT));
        let err = err.with_request(&Method::GET, &a);
        assert_eq!(err.method(), Some(&Method::PUT), "set once");
        assert!(!err.is_request() && Error::bare(Kind::Io).while_sending().is_request());
    }

    #[test]
    fn printed_urls_lose_their_userinfo() {
        for (url, printed) in [
            ("http://u:p@h/a?q#f", "http://h/a?q#f"),
            ("http://u@h:81/", "http://h:81/"),
            ("http://:p@h/", "http://h/"),
            ("https://h/", "https://h/"),
        ] {
            assert_eq!(printable(&Url::parse(url).unwrap()), printed);
        }
        for (input, printed) in [
            ("http://u:p@h:99999/", "http://h:99999/"),
            ("http://u:p@x@h/a@b", "http://h/a@b"),
            ("http://h/a@b", "http://h/a@b"),
            ("http://u:p@h\\x", "http://h\\x"),
            ("u:p@h", "u:p@h"),
        ] {
            assert_eq!(printable_input(input), printed, "{input}");
        }
    }
}
