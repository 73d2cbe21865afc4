use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;

use async_io::Async;

use super::{BoxIo, Connector, Destination};
use crate::error::{BoxError, Error, Kind};
use crate::rt::{self, BoxFuture, Executor};

/// Plain TCP: DNS through the executor's blocking work, every resolved address tried in
/// turn, `TCP_NODELAY` set.
#[derive(Clone)]
pub struct TcpConnector {
    exec: Arc<dyn Executor>,
}

impl TcpConnector {
    /// A connector that resolves names on `exec`'s blocking pool.
    pub fn new(exec: Arc<dyn Executor>) -> TcpConnector {
        TcpConnector { exec }
    }

    async fn resolve(&self, dst: &Destination) -> Result<Vec<SocketAddr>, Error> {
        if let Ok(ip) = dst.host().parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, dst.port())]);
        }
        let target = (dst.host().to_owned(), dst.port());
        let found = rt::unblock(&*self.exec, move || {
            target.to_socket_addrs().map(Vec::from_iter)
        })
        .await
        .ok_or_else(|| Error::new(Kind::Connect, "the executor dropped the DNS lookup"))?;
        match found {
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
        let mut last = None;
        for addr in self.resolve(dst).await? {
            match Async::<TcpStream>::connect(addr).await {
                Ok(stream) => {
                    stream
                        .get_ref()
                        .set_nodelay(true)
                        .map_err(|e| Error::new(Kind::Connect, e))?;
                    return Ok(stream);
                }
                Err(e) => last = Some((addr, e)),
            }
        }
        let (addr, source) =
            last.ok_or_else(|| Error::new(Kind::Connect, "no address to connect to"))?;
        Err(Error::new(Kind::Connect, AddrError { addr, source }))
    }
}

impl Connector for TcpConnector {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<BoxIo, BoxError>> {
        Box::pin(async move {
            let stream = self.connect_tcp(dst).await?;
            Ok(Box::new(stream) as BoxIo)
        })
    }
}

/// A connect to one address failed: the address, and the OS error kept as the source.
#[derive(Debug)]
struct AddrError {
    addr: SocketAddr,
    source: std::io::Error,
}

impl std::fmt::Display for AddrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.addr, self.source)
    }
}

impl std::error::Error for AddrError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
