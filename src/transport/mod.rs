//! Transports: a [`Connector`] turns a [`Destination`] into a [`Connected`], a byte stream
//! ([`BoxIo`]) and what was negotiated on it (the ALPN protocol).
//!
//! The client's default connector is TCP ([`TcpConnector`]) wrapped in TLS ([`TlsConnector`])
//! for `https`. Any `futures_io::AsyncRead + AsyncWrite` stream can be a transport, so a
//! custom connector can tunnel, use a different socket library, or stay in memory like
//! [`MockTransport`](crate::MockTransport).

mod dns;
mod proxy;
mod tcp;
mod tls;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_io::{AsyncRead, AsyncWrite};
use url::{Host, Url};

pub use dns::{DnsCache, Resolve, SystemResolver};
pub use proxy::Proxy;
pub(crate) use proxy::{Proxied, Via};
pub(crate) use tcp::IdleProbe;
pub use tcp::TcpConnector;
pub(crate) use tls::TlsOptions;
pub use tls::{Certificate, TlsConnector};

use crate::error::{BoxError, Error, Kind};
use crate::rt::BoxFuture;

/// A bidirectional byte stream: what a [`Connected`] carries.
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// A boxed [`Io`].
pub type BoxIo = Box<dyn Io>;

/// A stream a [`Connector`] opened, and what is known of it: the ALPN protocol the server
/// chose, from which the client picks the HTTP version to speak, and the address of the
/// peer, which [`Response::remote_addr`](crate::Response::remote_addr) returns.
///
/// ```
/// use std::net::TcpStream;
/// use async_io::Async;
/// use tls_requests::rt::BoxFuture;
/// use tls_requests::transport::{Connected, Connector, Destination};
/// use tls_requests::BoxError;
///
/// /// Every destination, plain text, to one address (a local proxy, say).
/// struct ToLocal(std::net::SocketAddr);
///
/// impl Connector for ToLocal {
///     fn connect<'a>(&'a self, _: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
///         Box::pin(async move {
///             let tcp = Async::<TcpStream>::connect(self.0).await?;
///             // A TLS stream would add `.with_alpn(..)`, the protocol its handshake chose.
///             Ok(Connected::new(tcp).with_remote_addr(self.0))
///         })
///     }
/// }
/// ```
pub struct Connected {
    io: BoxIo,
    alpn: Option<Vec<u8>>,
    /// The address of the peer: the server, or the proxy the stream goes through.
    remote_addr: Option<SocketAddr>,
    /// A cheaper check of the idle stream than a read, where the stream is plain TCP.
    probe: Option<IdleProbe>,
}

impl Connected {
    /// A connection over `io` with no ALPN protocol: HTTP/1.1 is spoken, as RFC 7301 says
    /// for a server that chose none (and as plain `http` always does).
    pub fn new(io: impl Io) -> Connected {
        Connected {
            io: Box::new(io),
            alpn: None,
            remote_addr: None,
            probe: None,
        }
    }

    /// The address of the peer the stream is connected to: the server's, or the proxy's when
    /// the stream goes through one. [`TcpConnector`] sets it; a connector over another
    /// connector's stream keeps it with [`map_io`](Self::map_io), or passes it on with
    /// [`remote_addr`](Self::remote_addr) and this.
    #[must_use]
    pub fn with_remote_addr(mut self, addr: SocketAddr) -> Connected {
        self.remote_addr = Some(addr);
        self
    }

    /// The same connection with the peer address `addr`, when it is known.
    pub(crate) fn with_remote_addr_of(mut self, addr: Option<SocketAddr>) -> Connected {
        self.remote_addr = addr;
        self
    }

    /// The stream is the socket `probe` looks at.
    pub(crate) fn with_idle_probe(mut self, probe: IdleProbe) -> Connected {
        self.probe = Some(probe);
        self
    }

    /// The ALPN protocol the server chose in the TLS handshake, e.g. `b"http/1.1"` or
    /// `b"h2"`.
    #[must_use]
    pub fn with_alpn(mut self, protocol: impl Into<Vec<u8>>) -> Connected {
        self.alpn = Some(protocol.into());
        self
    }

    /// The same connection over `f(io)`: a connector that wraps another's stream keeps its
    /// ALPN protocol and peer address.
    #[must_use]
    pub fn map_io<T: Io>(self, f: impl FnOnce(BoxIo) -> T) -> Connected {
        Connected {
            io: Box::new(f(self.io)),
            alpn: self.alpn,
            remote_addr: self.remote_addr,
            // The wrapper may buffer what the socket no longer shows.
            probe: None,
        }
    }

    /// The ALPN protocol the server chose, if any.
    pub fn alpn(&self) -> Option<&[u8]> {
        self.alpn.as_deref()
    }

    /// The address of the peer, if the connector said (see
    /// [`with_remote_addr`](Self::with_remote_addr)).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// The stream.
    pub fn into_io(self) -> BoxIo {
        self.io
    }

    /// The stream, the probe of its socket if it is plain TCP, and the peer's address.
    pub(crate) fn into_parts(self) -> (BoxIo, Option<IdleProbe>, Option<SocketAddr>) {
        (self.io, self.probe, self.remote_addr)
    }
}

impl fmt::Debug for Connected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alpn = self.alpn().map(String::from_utf8_lossy);
        let mut d = f.debug_struct("Connected");
        d.field("alpn", &alpn);
        if let Some(addr) = self.remote_addr {
            d.field("remote_addr", &addr);
        }
        d.finish()
    }
}

/// Makes connections. The client calls it when its pool has no idle connection for a
/// destination; the connect timeout is applied around the call.
///
/// Return one of this crate's [`Error`]s to choose the error kind (for example
/// [`Kind::Tls`]); any other error is reported as [`Kind::Connect`].
pub trait Connector: Send + Sync + 'static {
    /// Opens a connection to `dst`.
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>>;
}

impl Connector for Box<dyn Connector> {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
        (**self).connect(dst)
    }
}

impl<C: Connector + ?Sized> Connector for Arc<C> {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
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

/// Where a connection goes: scheme, host and port, and the proxy it goes through, if any.
/// Connections are pooled per destination.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Destination {
    scheme: Scheme,
    pub(crate) host: Arc<str>,
    port: u16,
    via: Option<Arc<Via>>,
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
        Ok(Destination {
            scheme,
            host,
            port,
            via: None,
        })
    }

    /// The same destination, reached through `via`.
    pub(crate) fn through(mut self, via: Option<Arc<Via>>) -> Destination {
        self.via = via;
        self
    }

    /// True when a proxy is on the way to this destination.
    pub fn is_proxied(&self) -> bool {
        self.via.is_some()
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

    /// The scheme of `url`, `http` for anything but `https`.
    pub(crate) fn scheme_of(url: &Url) -> Scheme {
        if url.scheme() == "https" {
            Scheme::Https
        } else {
            Scheme::Http
        }
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
        fmt::Display::fmt(self, f)?;
        match &self.via {
            Some(via) => write!(f, " through {via:?}"),
            None => Ok(()),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpn_survives_a_wrapped_stream() {
        let plain = Connected::new(futures_lite::io::Cursor::new(Vec::new()));
        assert_eq!(plain.alpn(), None);
        let h1 = Connected::new(futures_lite::io::Cursor::new(Vec::new())).with_alpn("http/1.1");
        assert_eq!(h1.alpn(), Some(&b"http/1.1"[..]));
        let h2 = Connected::new(futures_lite::io::Cursor::new(Vec::new())).with_alpn(b"h2");
        let wrapped = h2.map_io(futures_lite::io::BufReader::new);
        assert_eq!(wrapped.alpn(), Some(&b"h2"[..]));
        assert_eq!(format!("{wrapped:?}"), r#"Connected { alpn: Some("h2") }"#);
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let at = wrapped
            .with_remote_addr(addr)
            .map_io(futures_lite::io::BufReader::new);
        assert_eq!(at.remote_addr(), Some(addr), "kept through map_io");
        assert!(format!("{at:?}").contains("remote_addr: 127.0.0.1:8080"));
    }
}
