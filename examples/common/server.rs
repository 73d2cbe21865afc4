//! A tiny HTTP/1.1 server the examples talk to when no URL is given, so they run offline.
//!
//! It listens on `127.0.0.1` on a free port, plain or with TLS (a self-signed certificate
//! for `localhost` and `127.0.0.1`, made at start), and serves keep-alive connections on smol
//! tasks. Every request gets `200 OK` and a small HTML page, except `/redirect`, which gets
//! `302 Found` with `Location: /`. A request it cannot parse closes the connection.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use async_io::Async;
use futures_lite::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use futures_rustls::TlsAcceptor;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The largest request head read; a longer one closes the connection.
const MAX_HEAD: usize = 16 * 1024;

/// A running server; it serves until the process exits.
pub struct Server {
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    /// The self-signed certificate in PEM form, for a TLS server: trust it as a root.
    pub cert_pem: Option<String>,
}

/// Starts a server, with TLS if `tls` is true.
pub fn start(tls: bool) -> io::Result<Server> {
    let (acceptor, cert_pem) = if tls {
        let (acceptor, pem) = tls_acceptor().map_err(io::Error::other)?;
        (Some(acceptor), Some(pem))
    } else {
        (None, None)
    };
    let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0))?;
    let port = listener.get_ref().local_addr()?.port();
    let scheme = if tls { "https" } else { "http" };
    smol::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            smol::spawn(accept(stream, acceptor.clone())).detach();
        }
    })
    .detach();
    Ok(Server {
        url: format!("{scheme}://127.0.0.1:{port}"),
        cert_pem,
    })
}

/// A TLS acceptor with a new self-signed certificate, and that certificate in PEM form.
fn tls_acceptor() -> Result<(TlsAcceptor, String), Box<dyn std::error::Error + Send + Sync>> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let rcgen::CertifiedKey { cert, signing_key } = rcgen::generate_simple_self_signed(names)?;
    let key = PrivatePkcs8KeyDer::from(signing_key.serialize_der());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(key),
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), cert.pem()))
}

async fn accept(stream: Async<TcpStream>, tls: Option<TlsAcceptor>) {
    // Errors only end this connection: a client that goes away is not our problem.
    let _ = match tls {
        Some(acceptor) => match acceptor.accept(stream).await {
            Ok(stream) => serve(stream).await,
            Err(e) => Err(e),
        },
        None => serve(stream).await,
    };
}

/// Answers requests on one connection until the client closes it or sends something bad.
async fn serve(mut stream: impl AsyncRead + AsyncWrite + Unpin) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        // Read until a whole head is in `buf`; anything unparsable ends the connection.
        let (used, method, path, body_len, close) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(&buf) {
                Ok(httparse::Status::Complete(used)) => {
                    let Some((body_len, close)) = framing(&req) else {
                        return Ok(());
                    };
                    let method = req.method.unwrap_or_default().to_owned();
                    let path = req.path.unwrap_or_default().to_owned();
                    break (used, method, path, body_len, close);
                }
                Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
                _ => return Ok(()),
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        buf.drain(..used);

        // Skip the request body: what is already buffered, then the rest from the stream.
        let buffered = buf.len().min(body_len);
        buf.drain(..buffered);
        let rest = (body_len - buffered) as u64;
        let skipped = futures_lite::io::copy((&mut stream).take(rest), futures_lite::io::sink());
        if skipped.await? < rest {
            return Ok(());
        }

        let (status, extra, body) = if path == "/redirect" {
            (
                "302 Found",
                "Location: /\r\n",
                "Redirecting to /\n".to_owned(),
            )
        } else {
            let page = format!("<!doctype html>\n<p>Hello from {method} {path}</p>\n");
            ("200 OK", "Content-Type: text/html; charset=utf-8\r\n", page)
        };
        let connection = if close { "close" } else { "keep-alive" };
        let head = format!(
            "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: {connection}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        if method != "HEAD" {
            stream.write_all(body.as_bytes()).await?;
        }
        stream.flush().await?;
        if close {
            return stream.close().await;
        }
    }
}

/// The request body length and whether to close after answering; `None` for a head whose
/// framing we do not understand. A chunked body is not read: the connection closes instead.
fn framing(req: &httparse::Request<'_, '_>) -> Option<(usize, bool)> {
    let mut close = req.version != Some(1);
    let mut body_len = 0;
    for h in req.headers.iter() {
        let value = h.value.trim_ascii();
        if h.name.eq_ignore_ascii_case("content-length") {
            body_len = std::str::from_utf8(value).ok()?.parse().ok()?;
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            close = true;
        } else if h.name.eq_ignore_ascii_case("connection") {
            close |= value.eq_ignore_ascii_case(b"close");
        }
    }
    Some((body_len, close))
}
