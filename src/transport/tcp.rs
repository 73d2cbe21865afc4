//! TCP connections: a host's addresses raced as Happy Eyeballs (RFC 8305) says.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_io::Async;
use futures_io::{AsyncRead, AsyncWrite};

use super::dns::{DnsCache, Resolve, SystemResolver};
use super::{Connected, Connector, Destination};
use crate::error::{BoxError, Error, Kind};
use crate::rt::{BoxFuture, Executor};

/// How long an attempt runs alone before the next address is tried beside it: RFC 8305's
/// Connection Attempt Delay, 250 ms as it recommends and as Chrome uses.
const ATTEMPT_DELAY: Duration = Duration::from_millis(250);

/// Plain TCP with `TCP_NODELAY` set. Names are resolved by a [`Resolve`]r (by default the
/// system's, behind a [`DnsCache`]), and a host's addresses are raced as Happy Eyeballs
/// (RFC 8305) and Chrome do: IPv6 and IPv4 interleaved, the next address started when the
/// previous one fails or has not connected within 250 ms, the first connection to succeed
/// kept and the others closed. So a host whose first address drops packets costs 250 ms,
/// not the operating system's two-minute SYN timeout, and the client's connect timeout
/// covers the race as a whole.
///
/// ```
/// use std::sync::Arc;
/// use tls_requests::rt::{Executor, SmolExecutor};
/// use tls_requests::transport::TcpConnector;
///
/// let exec: Arc<dyn Executor> = Arc::new(SmolExecutor);
/// // What the client uses by default; `transport` takes it, or a connector wrapping it.
/// let client = tls_requests::AsyncClient::builder()
///     .transport(TcpConnector::new(exec))
///     .build()
///     .unwrap();
/// # drop(client);
/// ```
#[derive(Clone)]
pub struct TcpConnector {
    exec: Arc<dyn Executor>,
    resolver: Arc<dyn Resolve>,
}

impl TcpConnector {
    /// A connector that resolves names with the system resolver on `exec`'s blocking pool,
    /// behind a [`DnsCache`] with its defaults; its timers are `exec`'s.
    pub fn new(exec: Arc<dyn Executor>) -> TcpConnector {
        let cache = DnsCache::new(exec.clone(), SystemResolver::new(exec.clone()));
        TcpConnector::with_resolver(exec, cache)
    }

    /// A connector that resolves names with `resolver`, used as it is (wrap it in a
    /// [`DnsCache`] to cache it); its timers are `exec`'s. IP addresses are not resolved.
    pub fn with_resolver(exec: Arc<dyn Executor>, resolver: impl Resolve) -> TcpConnector {
        TcpConnector {
            exec,
            resolver: Arc::new(resolver),
        }
    }

    async fn resolve(&self, dst: &Destination) -> Result<Vec<SocketAddr>, Error> {
        if let Ok(ip) = dst.host().parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, dst.port())]);
        }
        match self.resolver.resolve(dst.host(), dst.port()).await {
            Ok(addrs) if !addrs.is_empty() => Ok(addrs),
            Ok(_) => Err(Error::new(
                Kind::Connect,
                format!("DNS lookup of {} found no address", dst.host()),
            )),
            Err(e) => Err(Error::new(
                Kind::Connect,
                format!("DNS lookup of {} failed: {e}", dst.host()),
            )),
        }
    }

    /// Connects to `dst` and returns the TCP stream itself.
    pub async fn connect_tcp(&self, dst: &Destination) -> Result<Async<TcpStream>, Error> {
        let addrs = interleave_families(self.resolve(dst).await?);
        let stream = race(&*self.exec, addrs)
            .await
            .map_err(|failed| Error::new(Kind::Connect, failed))?;
        stream
            .get_ref()
            .set_nodelay(true)
            .map_err(|e| Error::new(Kind::Connect, e))?;
        Ok(stream)
    }
}

impl Connector for TcpConnector {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
        Box::pin(async move {
            let stream = Arc::new(self.connect_tcp(dst).await?);
            let peer = stream.get_ref().peer_addr().ok();
            let probe = IdleProbe(stream.clone());
            let connected = Connected::new(SharedTcp(stream)).with_idle_probe(probe);
            Ok(connected.with_remote_addr_of(peer))
        })
    }
}

/// The TCP stream, shared with its [`IdleProbe`].
struct SharedTcp(Arc<Async<TcpStream>>);

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_close(cx)
    }
}

/// A look at an idle plain TCP connection from beside its stream: one `MSG_PEEK`, which
/// needs no reactor registration and reads nothing away.
pub(crate) struct IdleProbe(Arc<Async<TcpStream>>);

impl IdleProbe {
    /// True if the socket is open and has nothing to read: a close, a reset or bytes the
    /// server sent unasked all make it false.
    pub(crate) fn is_quiet(&self) -> bool {
        let mut byte = [0u8; 1];
        let peeked = self.0.get_ref().peek(&mut byte);
        matches!(peeked, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

/// Orders addresses as RFC 8305 section 4 says: alternating between the families, starting
/// with the family of the first address (the resolver's preference: IPv6 with the system's
/// default rules), each family in the resolver's order.
fn interleave_families(addrs: Vec<SocketAddr>) -> Vec<SocketAddr> {
    let Some(first_is_v6) = addrs.first().map(SocketAddr::is_ipv6) else {
        return addrs;
    };
    let mut ordered = Vec::with_capacity(addrs.len());
    let (preferred, other): (Vec<_>, Vec<_>) =
        addrs.into_iter().partition(|a| a.is_ipv6() == first_is_v6);
    let (mut preferred, mut other) = (preferred.into_iter(), other.into_iter());
    loop {
        match (preferred.next(), other.next()) {
            (None, None) => return ordered,
            (a, b) => ordered.extend(a.into_iter().chain(b)),
        }
    }
}

/// A connection attempt in flight.
type Attempt = (SocketAddr, BoxFuture<'static, io::Result<Async<TcpStream>>>);

/// Connects to the first of `addrs` that answers: one attempt starts at once, the next when
/// one fails or [`ATTEMPT_DELAY`] has passed since the last start, until all have started;
/// all run together, the first success wins and the others are dropped, which closes them.
async fn race(exec: &dyn Executor, addrs: Vec<SocketAddr>) -> Result<Async<TcpStream>, Failed> {
    let mut waiting = addrs.into_iter();
    let mut running: Vec<Attempt> = Vec::new();
    let mut failed = Failed(Vec::new());
    // Fires when the next attempt is due; `None` once every address has started.
    let mut next_due: Option<BoxFuture<'static, ()>> = None;
    let mut start_next = true;
    std::future::poll_fn(move |cx| {
        loop {
            if start_next {
                start_next = false;
                next_due = None;
                if let Some(addr) = waiting.next() {
                    running.push((addr, Box::pin(Async::<TcpStream>::connect(addr))));
                    next_due = Some(exec.sleep(ATTEMPT_DELAY));
                }
            }
            let mut i = 0;
            while i < running.len() {
                match running[i].1.as_mut().poll(cx) {
                    Poll::Ready(Ok(stream)) => return Poll::Ready(Ok(stream)),
                    Poll::Ready(Err(e)) => {
                        failed.0.push((running.swap_remove(i).0, e));
                        start_next = true;
                    }
                    Poll::Pending => i += 1,
                }
            }
            if let Some(due) = &mut next_due {
                if due.as_mut().poll(cx).is_ready() {
                    start_next = true;
                }
            }
            if start_next {
                continue;
            }
            if running.is_empty() && next_due.is_none() {
                return Poll::Ready(Err(std::mem::replace(&mut failed, Failed(Vec::new()))));
            }
            return Poll::Pending;
        }
    })
    .await
}

/// Every address of a host failed: each with its error, in the order they failed. Its
/// source is the last error, the one Chrome reports.
#[derive(Debug)]
struct Failed(Vec<(SocketAddr, io::Error)>);

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no address to connect to");
        }
        for (i, (addr, e)) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { "; " };
            write!(f, "{sep}{addr}: {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.last().map(|(_, e)| e as _)
    }
}

impl std::fmt::Debug for TcpConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TcpConnector")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|a| a.parse().unwrap()).collect()
    }

    #[test]
    fn families_alternate_starting_with_the_first_address() {
        let v6_first = addrs(&["[::1]:1", "[::2]:1", "[::3]:1", "10.0.0.1:1", "10.0.0.2:1"]);
        assert_eq!(
            interleave_families(v6_first),
            addrs(&["[::1]:1", "10.0.0.1:1", "[::2]:1", "10.0.0.2:1", "[::3]:1"])
        );
        let v4_first = addrs(&["10.0.0.1:1", "10.0.0.2:1", "[::1]:1"]);
        assert_eq!(
            interleave_families(v4_first),
            addrs(&["10.0.0.1:1", "[::1]:1", "10.0.0.2:1"])
        );
        let one_family = addrs(&["10.0.0.2:1", "10.0.0.1:1"]);
        assert_eq!(interleave_families(one_family.clone()), one_family);
        assert_eq!(interleave_families(Vec::new()), Vec::new());
    }
}
