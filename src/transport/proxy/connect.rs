//! An HTTP `CONNECT` tunnel (RFC 9110, section 9.3.6): the request as Chrome sends it, and the
//! proxy's answer, which must end with its head: a proxy says nothing more until the client speaks.

use std::io;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use http::HeaderValue;

use crate::error::{Error, Kind};
use crate::transport::{BoxIo, Connected, Destination};

/// The largest `CONNECT` answer head read.
const MAX_HEAD: usize = 16 * 1024;

/// The tunnel to `dst` through the HTTP proxy at the other end of `io`.
pub(super) async fn tunnel(
    mut io: BoxIo,
    dst: &Destination,
    authorization: Option<&str>,
    user_agent: Option<&HeaderValue>,
) -> Result<Connected, Error> {
    let authority = authority(dst);
    let mut head = format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nProxy-Connection: keep-alive\r\n"
    )
    .into_bytes();
    if let Some(agent) = user_agent {
        head.extend_from_slice(b"User-Agent: ");
        head.extend_from_slice(agent.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    if let Some(value) = authorization {
        head.extend_from_slice(format!("Proxy-Authorization: {value}\r\n").as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    let io_error = |e: io::Error| Error::new(Kind::Proxy, format!("CONNECT to {authority}: {e}"));
    io.write_all(&head).await.map_err(io_error)?;
    io.flush().await.map_err(io_error)?;

    let mut buf = Vec::with_capacity(512);
    let end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if buf.len() > MAX_HEAD {
            let why =
                format!("CONNECT to {authority}: the proxy's answer head is over {MAX_HEAD} bytes");
            return Err(Error::new(Kind::Proxy, why));
        }
        let mut chunk = [0u8; 1024];
        let n = io.read(&mut chunk).await.map_err(io_error)?;
        if n == 0 {
            let why = format!(
                "CONNECT to {authority}: the proxy closed the connection without an answer"
            );
            return Err(Error::new(Kind::Proxy, why));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let mut fields = [httparse::EMPTY_HEADER; 64];
    let mut answer = httparse::Response::new(&mut fields);
    let parsed = answer.parse(&buf[..end]);
    let (Ok(httparse::Status::Complete(_)), Some(code)) = (parsed, answer.code) else {
        let why = format!("CONNECT to {authority}: the proxy's answer is not HTTP");
        return Err(Error::new(Kind::Proxy, why));
    };
    if !(200..300).contains(&code) {
        let reason = answer.reason.unwrap_or_default();
        let why = format!("CONNECT to {authority} refused: {code} {reason}");
        return Err(Error::new(Kind::Proxy, why));
    }
    // A proxy's 2xx framing fields mean nothing (RFC 9110, section 9.3.6), and it sends
    // nothing more until the client speaks: bytes after the head are an origin server's body,
    // a server taken for a proxy answering CONNECT as any request.
    if buf.len() > end {
        let why = format!(
            "CONNECT to {authority}: the answer {code} came with a body, so the server at the \
             proxy's address is not a proxy"
        );
        return Err(Error::new(Kind::Proxy, why));
    }
    Ok(Connected::new(io))
}

/// `host:port`, an IPv6 host in brackets.
fn authority(dst: &Destination) -> String {
    if dst.host().contains(':') {
        format!("[{}]:{}", dst.host(), dst.port())
    } else {
        format!("{}:{}", dst.host(), dst.port())
    }
}
