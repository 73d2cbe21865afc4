//! The rustls backend (cargo feature `rustls`, aws-lc-rs provider). What it sends, and when
//! it falls back, is told in [`TlsConnector`](super::TlsConnector)'s docs; where it is done:
//!
//! - `config`: the spec as the fingerprint and the fallback `ClientConfig`;
//! - `advertised`: the suites and groups rustls can only advertise;
//! - `verifier`: certificate and signature checks, advertising the profile's schemes;
//! - `destinations`: a copy of each configuration per destination, each with a session store
//!   of its own;
//! - `fallback`: which failed handshakes are retried with the fallback hello, and the hosts
//!   remembered for it;
//! - here: the handshake and that retry, and the stream whose rustls errors are this crate's.

mod advertised;
mod config;
mod destinations;
mod fallback;
mod verifier;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_io::{AsyncRead, AsyncWrite};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use self::config::Hello;
use self::destinations::TlsConfigs;
use self::fallback::{FALLBACK_TTL, Failure, FallbackHosts};
use super::{Backend, TlsOptions};
use crate::error::{BoxError, Error, Kind, Result};
use crate::profile::TlsSpec;
use crate::rt::BoxFuture;
use crate::transport::{Connected, Connector, Destination};

/// The DER bytes of every certificate in `pem`.
pub(super) fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, rustls::pki_types::pem::Error> {
    CertificateDer::pem_slice_iter(pem)
        .map(|cert| cert.map(|der| der.to_vec()))
        .collect()
}

/// The backend: a profile's two configurations, and the hosts that get the fallback one.
pub(super) struct Rustls {
    configs: TlsConfigs,
    fallback_hosts: FallbackHosts,
}

impl Rustls {
    /// The configurations for `spec`; an error if `spec` cannot make a working one.
    pub(super) fn new(spec: &TlsSpec, options: &TlsOptions) -> Result<Rustls> {
        Ok(Rustls {
            configs: TlsConfigs::new(spec, options)?,
            fallback_hosts: FallbackHosts::new(FALLBACK_TTL),
        })
    }

    /// One handshake with the `hello` configuration, on a new inner connection.
    async fn handshake(
        &self,
        inner: &dyn Connector,
        dst: &Destination,
        name: ServerName<'static>,
        hello: Hello,
    ) -> Result<Connected, Attempt> {
        let config = self.configs.for_destination(hello, &dst.host, dst.port());
        let io = inner.connect(dst).await.map_err(Attempt::Connect)?;
        let peer = io.remote_addr();
        let tls = futures_rustls::TlsConnector::from(config)
            .connect(name, io.into_io())
            .await
            .map_err(Attempt::Handshake)?;
        let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        let connection = Connected::new(Classified(tls)).with_remote_addr_of(peer);
        Ok(match alpn {
            Some(protocol) => connection.with_alpn(protocol),
            None => connection,
        })
    }
}

impl Backend for Rustls {
    fn connect<'a>(
        &'a self,
        inner: &'a dyn Connector,
        dst: &'a Destination,
    ) -> BoxFuture<'a, Result<Connected, BoxError>> {
        Box::pin(async move {
            let name = ServerName::try_from(dst.host().to_owned()).map_err(|e| {
                Error::new(
                    Kind::Tls,
                    format!("invalid server name {:?}: {e}", dst.host()),
                )
            })?;
            let key = (dst.host.clone(), dst.port());
            if self.fallback_hosts.contains(&key, Instant::now()) {
                let fallback = self.handshake(inner, dst, name, Hello::Fallback).await;
                return fallback.map_err(Attempt::into_error);
            }
            let first = self
                .handshake(inner, dst, name.clone(), Hello::Fingerprint)
                .await;
            let failure = match first {
                Ok(connection) => return Ok(connection),
                Err(Attempt::Handshake(e)) => match Failure::of(&e) {
                    Failure::Final => return Err(Attempt::Handshake(e).into_error()),
                    failure => failure,
                },
                Err(connect) => return Err(connect.into_error()),
            };
            let connection = self
                .handshake(inner, dst, name, Hello::Fallback)
                .await
                .map_err(Attempt::into_error)?;
            if failure == Failure::Refused {
                self.fallback_hosts.insert(key, Instant::now());
            }
            Ok(connection)
        })
    }
}

/// Why one handshake attempt failed.
enum Attempt {
    /// The inner connection (TCP, DNS, a custom connector): its error as it is.
    Connect(BoxError),
    /// The TLS handshake.
    Handshake(io::Error),
}

impl Attempt {
    fn into_error(self) -> BoxError {
        match self {
            Attempt::Connect(e) => e,
            Attempt::Handshake(e) => Box::new(Error::new(Kind::Tls, e)),
        }
    }
}

/// A TLS stream whose rustls errors (a bad record, an alert after the handshake) come out as
/// this crate's [`Kind::Tls`] errors inside the `io::Error`, with its `ErrorKind` kept, so
/// the layers above tell them from a lost connection without knowing rustls.
struct Classified<S>(S);

/// `e` as a [`Kind::Tls`] error if rustls made it; any other as it is.
fn classify(e: io::Error) -> io::Error {
    if e.get_ref().is_some_and(|e| e.is::<rustls::Error>()) {
        io::Error::new(e.kind(), Error::new(Kind::Tls, e))
    } else {
        e
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Classified<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf).map_err(classify)
    }

    fn poll_read_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0)
            .poll_read_vectored(cx, bufs)
            .map_err(classify)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Classified<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf).map_err(classify)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0)
            .poll_write_vectored(cx, bufs)
            .map_err(classify)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx).map_err(classify)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx).map_err(classify)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustls_errors_on_the_stream_are_tls_errors_and_keep_their_kind() {
        let alert = rustls::Error::AlertReceived(rustls::AlertDescription::BadRecordMac);
        let e = classify(io::Error::new(io::ErrorKind::InvalidData, alert));
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let ours = Error::from_io(Kind::Io, e);
        assert_eq!(ours.kind(), Kind::Tls);
        assert!(ours.to_string().contains("BadRecordMac"), "{ours}");

        let reset = classify(io::Error::from(io::ErrorKind::ConnectionReset));
        assert_eq!(reset.kind(), io::ErrorKind::ConnectionReset);
        assert_eq!(Error::from_io(Kind::Io, reset).kind(), Kind::Io);
    }
}
