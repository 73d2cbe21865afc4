//! Faults: how a mock connection fails. [`ConnectFault`] fails the connect itself (refused,
//! a TLS failure, a connect that never completes); [`Cut`] ends a response early (a stall, a
//! reset, a hang-up) and is set through [`MockResponse`](super::MockResponse)'s methods.

use std::fmt;
use std::io;

use crate::error::{BoxError, Error, Kind};
use crate::transport::Destination;

/// Where a response stops, and what the connection does then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cut {
    /// Bytes of the body (as framed on the wire) sent first; `None`: not even the head.
    pub(crate) after: Option<usize>,
    pub(crate) then: Then,
}

/// What a connection does once its response has been sent (or cut).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Then {
    /// Reads the next request (keep-alive).
    Next,
    /// Ends the stream: the client reads end-of-file.
    HangUp,
    /// Fails every read and write with `ConnectionReset`.
    Reset,
    /// Never sends another byte nor ends: the client's read timeout is what ends the wait.
    Stall,
}

/// A failure of [`Connector::connect`](crate::Connector::connect) on a
/// [`MockTransport`](super::MockTransport), set with
/// [`fail_connect`](super::MockTransport::fail_connect).
///
/// A fault applies to every connect (or those to one [`host`](Self::host)), as many
/// [`times`](Self::times) as given; the first fault that applies is the one used, and a
/// connect no fault applies to opens a mock connection as usual.
///
/// | fault | the client's error |
/// |---|---|
/// | [`refused`](Self::refused) | [`Kind::Connect`], an `io::Error` of kind `ConnectionRefused` as its source |
/// | [`tls`](Self::tls) | [`Kind::Tls`], as a failed handshake is; only `https` destinations |
/// | [`hang`](Self::hang) | [`Kind::Timeout`] of phase `Connect`, once the client's connect timeout passes |
///
/// ```
/// use std::time::Duration;
/// use tls_requests::{AsyncClient, Kind, TimeoutPhase};
/// use tls_requests::mock::{ConnectFault, MockTransport};
/// # smol::block_on(async {
/// let mock = MockTransport::default();
/// mock.fail_connect(ConnectFault::refused().host("down.test"));
/// mock.fail_connect(ConnectFault::tls("certificate expired").times(1));
/// mock.fail_connect(ConnectFault::hang().host("slow.test"));
/// let client = AsyncClient::builder()
///     .connector(mock.clone())
///     .connect_timeout(Duration::from_millis(50))
///     .build()?;
///
/// assert!(client.get("http://down.test/").await.unwrap_err().is_connect());
/// assert!(client.get("https://api.test/").await.unwrap_err().is_tls());
/// let err = client.get("http://slow.test/").await.unwrap_err();
/// assert_eq!(err.kind(), Kind::Timeout(TimeoutPhase::Connect));
/// assert_eq!(mock.connections(), 0);
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct ConnectFault {
    what: What,
    host: Option<String>,
    times: Option<usize>,
}

#[derive(Debug, Clone)]
enum What {
    Refused,
    Tls(String),
    Hang,
}

/// What a connect that a fault applies to does.
pub(crate) enum Failed {
    /// Fails at once with this error.
    Error(BoxError),
    /// Never completes.
    Hang,
}

impl ConnectFault {
    /// The connect is refused, as by a port nothing listens on.
    pub fn refused() -> ConnectFault {
        ConnectFault::of(What::Refused)
    }

    /// The TLS handshake fails with `reason` (an expired certificate, say): the client's
    /// error is [`Kind::Tls`], the kind its TLS backend gives a failed handshake, with
    /// `reason` in its message. Applies to `https` destinations only: a plain `http` one has
    /// no handshake to fail.
    pub fn tls(reason: impl Into<String>) -> ConnectFault {
        ConnectFault::of(What::Tls(reason.into()))
    }

    /// The connect never completes: the client's connect timeout is what ends it (without
    /// one, the request waits forever).
    pub fn hang() -> ConnectFault {
        ConnectFault::of(What::Hang)
    }

    fn of(what: What) -> ConnectFault {
        ConnectFault {
            what,
            host: None,
            times: None,
        }
    }

    /// Applies only to connects to `host` (as in the URL, without port; any case).
    pub fn host(mut self, host: impl Into<String>) -> ConnectFault {
        self.host = Some(host.into().to_ascii_lowercase());
        self
    }

    /// Applies to the next `n` connects only; then connects go on to later faults or open.
    pub fn times(mut self, n: usize) -> ConnectFault {
        self.times = Some(n);
        self
    }

    /// The failure of a connect to `dst` if this fault applies to it (and uses it up once).
    pub(crate) fn apply(&mut self, dst: &Destination) -> Option<Failed> {
        let applies = self.times != Some(0)
            && self
                .host
                .as_deref()
                .is_none_or(|h| h.eq_ignore_ascii_case(dst.host()))
            && (dst.is_https() || !matches!(self.what, What::Tls(_)));
        if !applies {
            return None;
        }
        if let Some(n) = &mut self.times {
            *n -= 1;
        }
        Some(match &self.what {
            What::Refused => Failed::Error(Box::new(io::Error::new(
                io::ErrorKind::ConnectionRefused,
                format!("connection to {dst} refused (mock)"),
            ))),
            What::Tls(reason) => Failed::Error(Box::new(Error::new(
                Kind::Tls,
                MockTlsError(reason.clone()),
            ))),
            What::Hang => Failed::Hang,
        })
    }
}

/// The source of a mock TLS failure.
#[derive(Debug)]
struct MockTlsError(String);

impl fmt::Display for MockTlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLS handshake failed (mock): {}", self.0)
    }
}

impl std::error::Error for MockTlsError {}
