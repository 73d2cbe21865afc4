//! Transports: a [`Connector`] turns a [`Destination`] into a byte stream ([`BoxIo`]).
//!
//! The client's default connector is TCP ([`TcpConnector`]) wrapped in TLS ([`TlsConnector`])
//! for `https`. Any `futures_io::AsyncRead + AsyncWrite` stream can be a transport, so a
//! custom connector can tunnel, use a different socket library, or stay in memory like
//! [`MockTransport`](crate::MockTransport).

mod dns;
mod tcp;
mod tls;

use std::fmt;
use std::sync::Arc;

use futures_io::{AsyncRead, AsyncWrite};
use url::{Host, Url};

pub use dns::{DnsCache, Resolve, SystemResolver};
pub use tcp::TcpConnector;
pub use tls::{Certificate, TlsConnector};

use crate::error::{BoxError, Error, Kind};
use crate::rt::BoxFuture;

/// A bidirectional byte stream: what a [`Connector`] produces.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// A boxed [`Io`].
pub type BoxIo = Box<dyn Io>;

/// Makes connections. The client calls it when its pool has no idle connection for a
/// destination; the connect timeout is applied around the call.
///
/// Return one of this crate's [`Error`]s to choose the error kind (for example
/// [`Kind::Tls`]); any other error is reported as [`Kind::Connect`].
pub trait Connector: Send + Sync + 'static {
    /// Opens a stream to `dst`.
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<BoxIo, BoxError>>;
}

impl Connector for Box<dyn Connector> {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<BoxIo, BoxError>> {
        (**self).connect(dst)
    }
}

impl<C: Connector + ?Sized> Connector for Arc<C> {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<BoxIo, BoxError>> {
        (**self).connect(dst)
    }
}

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

/// Where a connection goes: scheme, host and port. Connections are pooled per destination.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Destination {
    scheme: Scheme,
    pub(crate) host: Arc<str>,
    port: u16,
}

impl Destination {
    /// The destination of `url`; only `http` and `https` URLs with a host have one.
    pub fn from_url(url: &Url) -> Result<Destination, Error> {
        let (scheme, port) = Destination::check(url)?;
        let host: Arc<str> = match (url.host(), url.host_str()) {
            (Some(Host::Ipv6(ip)), _) => ip.to_string().into(),
            // A domain, or an IPv4 address as the URL writes it (normalised: `127.0.0.1`).
            (Some(_), Some(host)) => host.into(),
            _ => return Err(Error::new(Kind::Url, "URL has no host")),
        };
        Ok(Destination { scheme, host, port })
    }

    /// Checks that `url` has a destination, without making it: its scheme and port.
    pub(crate) fn check(url: &Url) -> Result<(Scheme, u16), Error> {
        let scheme = match url.scheme() {
            "http" => Scheme::Http,
            "https" => Scheme::Https,
            other => {
                return Err(Error::new(
                    Kind::Url,
                    format!("unsupported scheme {other:?}"),
                ));
            }
        };
        let has_host = match url.host() {
            Some(Host::Domain(d)) => !d.is_empty(),
            Some(_) => true,
            None => false,
        };
        if !has_host {
            return Err(Error::new(Kind::Url, "URL has no host"));
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| Error::new(Kind::Url, "URL has no port"))?;
        Ok((scheme, port))
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// True for `https`.
    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::Https
    }

    /// The host: a domain name, or an IP address without brackets.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, the scheme's default when the URL has none.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl fmt::Debug for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.is_https() { "https" } else { "http" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}
