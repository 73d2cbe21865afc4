//! SOCKS handshakes: SOCKS5 (RFC 1928) with username/password (RFC 1929), and SOCKS4a.

use std::io;
use std::net::{IpAddr, SocketAddr};

use futures_lite::{AsyncReadExt, AsyncWriteExt};

use crate::error::{Error, Kind};
use crate::transport::{BoxIo, Destination, Resolve};

/// What the SOCKS5 request names: a host for the proxy to resolve, or an address.
pub(super) enum Target {
    Name(String, u16),
    Addr(SocketAddr),
}

impl Target {
    /// `dst` as SOCKS5 names it: by its name for `socks5h` (`remote_dns`), else resolved
    /// here with `resolver`.
    pub(super) async fn of(
        dst: &Destination,
        remote_dns: bool,
        resolver: Option<&dyn Resolve>,
    ) -> Result<Target, Error> {
        if let Ok(ip) = dst.host().parse::<IpAddr>() {
            return Ok(Target::Addr(SocketAddr::new(ip, dst.port())));
        }
        let resolver = match resolver {
            Some(resolver) if !remote_dns => resolver,
            _ => return Ok(Target::Name(dst.host().to_owned(), dst.port())),
        };
        let addrs = resolver.resolve(dst.host(), dst.port()).await;
        let lookup = |why: String| {
            Error::new(
                Kind::Connect,
                format!("DNS lookup of {} failed: {why}", dst.host()),
            )
        };
        let addrs = addrs.map_err(|e| lookup(e.to_string()))?;
        let first = addrs.first().ok_or_else(|| lookup("no address".into()))?;
        Ok(Target::Addr(*first))
    }
}

fn failed(why: impl Into<String>) -> Error {
    Error::new(Kind::Proxy, why.into())
}

fn io_failed(e: io::Error) -> Error {
    let why = match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            "the SOCKS proxy closed the connection mid-handshake".into()
        }
        _ => format!("SOCKS handshake: {e}"),
    };
    failed(why)
}

/// The SOCKS5 handshake to `target` on `io`, with `auth` as username and password if given.
pub(super) async fn socks5(
    io: &mut BoxIo,
    target: &Target,
    auth: Option<&(String, String)>,
) -> Result<(), Error> {
    // RFC 1929 has no empty user name: without one, no credentials are offered.
    let auth = auth.filter(|(user, _)| !user.is_empty());
    let greeting: &[u8] = match auth {
        Some(_) => &[5, 2, 0x00, 0x02],
        None => &[5, 1, 0x00],
    };
    io.write_all(greeting).await.map_err(io_failed)?;
    let mut choice = [0u8; 2];
    io.read_exact(&mut choice)
        .await
        .map_err(|e| match (e.kind(), auth) {
            // Some proxies (pproxy) hang up on a greeting without the method they want.
            (io::ErrorKind::UnexpectedEof, None) => failed(
                "the SOCKS5 proxy hung up on the greeting: it may want a user name and password",
            ),
            _ => io_failed(e),
        })?;
    match (choice, auth) {
        ([5, 0x00], _) => {}
        ([5, 0x02], Some((user, password))) => {
            let (user, password) = (user.as_bytes(), password.as_bytes());
            if user.len() > 255 || password.len() > 255 {
                return Err(failed(
                    "SOCKS5 user name and password are at most 255 bytes each",
                ));
            }
            let mut request = vec![1, user.len() as u8];
            request.extend_from_slice(user);
            request.push(password.len() as u8);
            request.extend_from_slice(password);
            io.write_all(&request).await.map_err(io_failed)?;
            let mut status = [0u8; 2];
            // Some proxies (pproxy) hang up on wrong credentials instead of answering.
            io.read_exact(&mut status).await.map_err(|e| match e.kind() {
                io::ErrorKind::UnexpectedEof => failed(
                    "SOCKS5 authentication failed: the proxy hung up on the user name and password",
                ),
                _ => io_failed(e),
            })?;
            if status[1] != 0 {
                return Err(failed(
                    "SOCKS5 authentication failed: the proxy refused the user name and password",
                ));
            }
        }
        ([5, 0x02], None) => {
            return Err(failed("the SOCKS5 proxy wants a user name and password"));
        }
        ([5, 0xff], _) => {
            return Err(failed(
                "the SOCKS5 proxy accepts none of the offered authentication methods",
            ));
        }
        ([version, method], _) => {
            return Err(failed(format!(
                "not a SOCKS5 proxy: it answered version {version}, method {method}"
            )));
        }
    }

    let mut request = vec![5, 1, 0];
    match target {
        Target::Name(host, port) => {
            if host.len() > 255 {
                return Err(failed(
                    "a host name over 255 bytes cannot go through SOCKS5",
                ));
            }
            request.push(3);
            request.push(host.len() as u8);
            request.extend_from_slice(host.as_bytes());
            request.extend_from_slice(&port.to_be_bytes());
        }
        Target::Addr(SocketAddr::V4(addr)) => {
            request.push(1);
            request.extend_from_slice(&addr.ip().octets());
            request.extend_from_slice(&addr.port().to_be_bytes());
        }
        Target::Addr(SocketAddr::V6(addr)) => {
            request.push(4);
            request.extend_from_slice(&addr.ip().octets());
            request.extend_from_slice(&addr.port().to_be_bytes());
        }
    }
    io.write_all(&request).await.map_err(io_failed)?;
    let mut reply = [0u8; 4];
    io.read_exact(&mut reply).await.map_err(io_failed)?;
    if reply[0] != 5 {
        return Err(failed(format!("not a SOCKS5 reply: version {}", reply[0])));
    }
    if reply[1] != 0 {
        return Err(failed(format!(
            "SOCKS5 connect failed: {} (reply code {})",
            socks5_reply(reply[1]),
            reply[1]
        )));
    }
    // The address the proxy bound, which nothing here needs.
    let bound = match reply[3] {
        1 => 4,
        4 => 16,
        3 => {
            let mut len = [0u8; 1];
            io.read_exact(&mut len).await.map_err(io_failed)?;
            usize::from(len[0])
        }
        other => return Err(failed(format!("SOCKS5 reply with address type {other}"))),
    };
    let mut rest = vec![0u8; bound + 2];
    io.read_exact(&mut rest).await.map_err(io_failed)?;
    Ok(())
}

/// RFC 1928's words for a reply code.
fn socks5_reply(code: u8) -> &'static str {
    match code {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by ruleset",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unknown error",
    }
}

/// The SOCKS4a handshake to `dst` on `io`, with `user` as its user id. An IPv4 host is
/// sent as an address (plain SOCKS4); a name is resolved by the proxy.
pub(super) async fn socks4a(io: &mut BoxIo, dst: &Destination, user: &str) -> Result<(), Error> {
    let mut request = vec![4, 1];
    request.extend_from_slice(&dst.port().to_be_bytes());
    let name = match dst.host().parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => {
            request.extend_from_slice(&ip.octets());
            None
        }
        Ok(IpAddr::V6(_)) => return Err(failed("SOCKS4a cannot reach an IPv6 address")),
        Err(_) => {
            request.extend_from_slice(&[0, 0, 0, 1]);
            Some(dst.host())
        }
    };
    request.extend_from_slice(user.as_bytes());
    request.push(0);
    if let Some(name) = name {
        request.extend_from_slice(name.as_bytes());
        request.push(0);
    }
    io.write_all(&request).await.map_err(io_failed)?;
    let mut reply = [0u8; 8];
    io.read_exact(&mut reply).await.map_err(io_failed)?;
    match reply[1] {
        0x5a => Ok(()),
        0x5b => Err(failed(
            "SOCKS4a connect failed: request rejected or failed (reply code 91)",
        )),
        code => Err(failed(format!("SOCKS4a connect failed: reply code {code}"))),
    }
}
