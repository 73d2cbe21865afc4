use std::fmt;
use std::sync::Arc;

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};

use rustls::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use super::{BoxIo, Connector, Destination};
use crate::error::{BoxError, Error, Kind};
use crate::profile::tls_config::TlsConfigs;
use crate::rt::BoxFuture;

/// A trusted root certificate, added to the built-in web roots with
/// [`ClientBuilder::add_root_certificate`](crate::ClientBuilder::add_root_certificate).
#[derive(Clone)]
pub struct Certificate(CertificateDer<'static>);

impl Certificate {
    /// One certificate in DER form.
    pub fn from_der(der: &[u8]) -> Certificate {
        Certificate(CertificateDer::from(der.to_vec()))
    }

    /// Every certificate of a PEM bundle; an error if it holds none or one is malformed.
    pub fn from_pem(pem: &[u8]) -> Result<Vec<Certificate>, Error> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .map(|c| c.map(Certificate))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::new(Kind::Builder, format!("invalid PEM certificate: {e}")))?;
        if certs.is_empty() {
            return Err(Error::new(
                Kind::Builder,
                "no certificate found in PEM data",
            ));
        }
        Ok(certs)
    }
}

impl Certificate {
    pub(crate) fn der(&self) -> &CertificateDer<'static> {
        &self.0
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({} bytes)", self.0.len())
    }
}

/// TLS over any inner connector, for `https` destinations; `http` ones pass through.
///
/// The handshake uses the profile's fingerprint configuration; if it fails for any reason
/// but the server's certificate, it is tried once more on a new connection with the
/// profile's honest configuration, and hosts that needed that get it directly afterwards.
pub struct TlsConnector<C> {
    inner: C,
    configs: TlsConfigs,
    honest_hosts: Mutex<HashSet<(Arc<str>, u16)>>,
}

/// Hosts remembered as needing the honest configuration, at most.
const HONEST_HOSTS: usize = 1024;

impl<C> TlsConnector<C> {
    /// Wraps `inner`, handshaking with `configs`.
    pub(crate) fn new(inner: C, configs: TlsConfigs) -> TlsConnector<C> {
        TlsConnector {
            inner,
            configs,
            honest_hosts: Mutex::default(),
        }
    }

    fn hosts(&self) -> MutexGuard<'_, HashSet<(Arc<str>, u16)>> {
        self.honest_hosts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<C: Connector> TlsConnector<C> {
    async fn handshake(
        &self,
        dst: &Destination,
        config: &Arc<ClientConfig>,
    ) -> Result<BoxIo, BoxError> {
        let io = self.inner.connect(dst).await?;
        let name = ServerName::try_from(dst.host().to_owned()).map_err(|e| {
            Error::new(
                Kind::Tls,
                format!("invalid server name {:?}: {e}", dst.host()),
            )
        })?;
        let tls = futures_rustls::TlsConnector::from(config.clone())
            .connect(name, io)
            .await?;
        Ok(Box::new(tls) as BoxIo)
    }
}

impl<C: Connector> Connector for TlsConnector<C> {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<BoxIo, BoxError>> {
        Box::pin(async move {
            if !dst.is_https() {
                return self.inner.connect(dst).await;
            }
            let key = (dst.host.clone(), dst.port());
            if !self.hosts().contains(&key) {
                match self.handshake(dst, &self.configs.fingerprint).await {
                    Ok(io) => return Ok(io),
                    Err(e) if !worth_retrying(&e) => return Err(tls_error(e)),
                    Err(_) => {}
                }
            }
            let io = self
                .handshake(dst, &self.configs.honest)
                .await
                .map_err(tls_error)?;
            let mut hosts = self.hosts();
            if hosts.len() >= HONEST_HOSTS {
                hosts.clear();
            }
            hosts.insert(key);
            Ok(io)
        })
    }
}

/// A failed handshake that the honest configuration may get through: anything but a
/// certificate the client rejected, and but errors of the inner connection (TCP, DNS).
fn worth_retrying(e: &BoxError) -> bool {
    let Some(io) = e.downcast_ref::<std::io::Error>() else {
        return false;
    };
    match io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
        Some(rustls::Error::InvalidCertificate(_)) => false,
        Some(_) => true,
        // The server hung up on the hello.
        None => matches!(
            io.kind(),
            std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
        ),
    }
}

/// Handshake I/O errors are TLS errors; errors of the inner connector keep their kind.
fn tls_error(e: BoxError) -> BoxError {
    match e.downcast::<std::io::Error>() {
        Ok(io) => Box::new(Error::new(Kind::Tls, *io)),
        Err(other) => other,
    }
}
