//! Wire protocols. HTTP/1.1 today; HTTP/2 will sit beside it, chosen by ALPN.
//!
//! What is shared by every protocol lives here: the [`ResponseHead`] a protocol fills in,
//! and `Connection`, the one type the pool and the send path hold, with one variant per
//! protocol. A protocol module brings its own codec and driver (`h1`: [`h1::Exchange`] and
//! `h1::conn`).

pub mod h1;

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{StatusCode, Version};

use crate::error::Error;
use crate::headers::Headers;
use crate::rt::Executor;
use crate::transport::Connected;

/// A parsed response head, whatever the protocol. Header names and values share one buffer
/// with the head.
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// The protocol version the response came in (HTTP/1.0 or HTTP/1.1 today).
    pub version: Version,
    /// The status code.
    pub status: StatusCode,
    /// The reason phrase, as sent (HTTP/1.x only; empty otherwise).
    pub reason: Bytes,
    /// The header fields in order, names in their received case.
    pub headers: Headers,
}

/// The protocol a new connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// HTTP/1.1 (and 1.0 servers).
    Http1,
}

impl Protocol {
    /// The protocol to speak after the server chose `alpn` (`None`: no ALPN, as over plain
    /// TCP, which means HTTP/1.1). `h2` is an error until HTTP/2 is spoken here: no byte of
    /// HTTP/1.1 goes to a server expecting HTTP/2.
    pub(crate) fn from_alpn(alpn: Option<&[u8]>) -> Result<Protocol, Error> {
        match alpn {
            Some(b"h2") => Err(Error::new(
                crate::error::Kind::Protocol,
                "the server chose HTTP/2 (ALPN h2), which this client does not speak yet",
            )),
            _ => Ok(Protocol::Http1),
        }
    }
}

/// An open connection, of whichever protocol it speaks. The pool holds these.
pub(crate) enum Connection {
    /// HTTP/1.1: one exchange at a time, so held exclusively by one request.
    Http1(h1::conn::Conn),
}

impl Connection {
    /// A connection speaking `protocol` over `io`.
    pub(crate) fn new(
        protocol: Protocol,
        connected: Connected,
        exec: Arc<dyn Executor>,
        limits: h1::Limits,
    ) -> Connection {
        let (io, probe, remote_addr) = connected.into_parts();
        let conn = h1::conn::Conn::new(io, probe, exec, limits);
        match protocol {
            Protocol::Http1 => Connection::Http1(conn.with_remote_addr(remote_addr)),
        }
    }

    /// The address of the peer, when the connector said: the server, or the proxy.
    pub(crate) fn remote_addr(&self) -> Option<std::net::SocketAddr> {
        match self {
            Connection::Http1(c) => c.remote_addr(),
        }
    }

    /// True if a response has been completed on this connection before.
    pub(crate) fn is_reused(&self) -> bool {
        match self {
            Connection::Http1(c) => c.is_reused(),
        }
    }

    /// Checks, without waiting, that an idle connection is still open and silent.
    pub(crate) fn is_idle_usable(&mut self) -> bool {
        match self {
            Connection::Http1(c) => c.is_idle_usable(),
        }
    }

    /// True if the connection can carry another request now that its response ended.
    pub(crate) fn can_reuse(&self) -> bool {
        match self {
            Connection::Http1(c) => c.can_reuse(),
        }
    }

    /// Lets go of memory an idle connection does not need.
    pub(crate) fn trim_for_idle(&mut self) {
        match self {
            Connection::Http1(c) => c.trim_for_idle(),
        }
    }

    /// Shuts the stream down, bounded by `limit`.
    pub(crate) async fn shutdown(self, limit: Duration) {
        match self {
            Connection::Http1(c) => c.shutdown(limit).await,
        }
    }

    /// True once the current response's body has ended (or there was none).
    pub(crate) fn body_done(&self) -> bool {
        match self {
            Connection::Http1(c) => c.body_done(),
        }
    }

    /// Bytes of the current body still expected, when known.
    pub(crate) fn body_remaining(&self) -> Option<u64> {
        match self {
            Connection::Http1(c) => c.body_remaining(),
        }
    }

    /// The next piece of the current body (`None` at its end), its trailers put in
    /// `trailers`.
    pub(crate) fn poll_body(
        &mut self,
        cx: &mut Context<'_>,
        trailers: &mut Option<Headers>,
    ) -> Poll<Result<Option<Bytes>, Error>> {
        match self {
            Connection::Http1(c) => c.poll_body(cx, trailers),
        }
    }

    /// Consumes the rest of the current body if it has all arrived; true if it ended.
    pub(crate) fn skip_buffered_body(&mut self) -> bool {
        match self {
            Connection::Http1(c) => c.skip_buffered_body(),
        }
    }

    /// Reads the rest of a body of known length straight into `out`, its exact size.
    pub(crate) async fn read_length_body(&mut self, out: &mut [u8]) -> Result<(), Error> {
        match self {
            Connection::Http1(c) => c.read_length_body(out).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpn_says_which_http_to_speak() {
        assert_eq!(Protocol::from_alpn(None).unwrap(), Protocol::Http1);
        assert_eq!(
            Protocol::from_alpn(Some(b"http/1.1")).unwrap(),
            Protocol::Http1
        );
        let h2 = Protocol::from_alpn(Some(b"h2")).unwrap_err();
        assert!(
            h2.is_protocol() && h2.to_string().contains("HTTP/2"),
            "{h2}"
        );
    }
}
