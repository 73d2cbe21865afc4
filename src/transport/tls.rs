use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use super::{BoxIo, Connector, Destination};
use crate::error::{BoxError, Error, Kind};
use crate::profile::tls_config::{Hello, TlsConfigs};
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
/// The handshake uses the profile's fingerprint configuration. If it fails for any reason
/// but the server's certificate, it is tried once more on a new connection with the
/// profile's honest configuration. A host whose server *answered* the fingerprint hello with
/// a refusal (a TLS alert, a version or parameter rustls can only advertise) and took the
/// honest one gets the honest hello directly for ten minutes; after that the browser hello
/// is tried again. A lost connection (EOF, RST) is retried but not remembered.
pub struct TlsConnector<C> {
    inner: C,
    configs: TlsConfigs,
    honest_hosts: HonestHosts,
}

impl<C> TlsConnector<C> {
    /// Wraps `inner`, handshaking with `configs`.
    pub(crate) fn new(inner: C, configs: TlsConfigs) -> TlsConnector<C> {
        TlsConnector {
            inner,
            configs,
            honest_hosts: HonestHosts::new(HONEST_TTL),
        }
    }
}

/// Why one handshake attempt failed.
enum Attempt {
    /// The inner connection (TCP, DNS, a custom connector): its error as it is.
    Connect(BoxError),
    /// The TLS handshake.
    Handshake(std::io::Error),
}

impl Attempt {
    fn into_error(self) -> BoxError {
        match self {
            Attempt::Connect(e) => e,
            Attempt::Handshake(e) => Box::new(Error::new(Kind::Tls, e)),
        }
    }
}

impl<C: Connector> TlsConnector<C> {
    async fn handshake(
        &self,
        dst: &Destination,
        name: ServerName<'static>,
        hello: Hello,
    ) -> Result<BoxIo, Attempt> {
        let config = self.configs.for_destination(hello, &dst.host, dst.port());
        let io = self.inner.connect(dst).await.map_err(Attempt::Connect)?;
        let tls = futures_rustls::TlsConnector::from(config)
            .connect(name, io)
            .await
            .map_err(Attempt::Handshake)?;
        Ok(Box::new(tls) as BoxIo)
    }
}

impl<C: Connector> Connector for TlsConnector<C> {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<BoxIo, BoxError>> {
        Box::pin(async move {
            if !dst.is_https() {
                return self.inner.connect(dst).await;
            }
            let name = ServerName::try_from(dst.host().to_owned()).map_err(|e| {
                Error::new(
                    Kind::Tls,
                    format!("invalid server name {:?}: {e}", dst.host()),
                )
            })?;
            let key = (dst.host.clone(), dst.port());
            if self.honest_hosts.contains(&key, Instant::now()) {
                let honest = self.handshake(dst, name, Hello::Honest).await;
                return honest.map_err(Attempt::into_error);
            }
            let failure = match self.handshake(dst, name.clone(), Hello::Fingerprint).await {
                Ok(io) => return Ok(io),
                Err(Attempt::Handshake(e)) => match Failure::of(&e) {
                    Failure::Final => return Err(Attempt::Handshake(e).into_error()),
                    failure => failure,
                },
                Err(connect) => return Err(connect.into_error()),
            };
            let io = self
                .handshake(dst, name, Hello::Honest)
                .await
                .map_err(Attempt::into_error)?;
            if failure == Failure::Refused {
                self.honest_hosts.insert(key, Instant::now());
            }
            Ok(io)
        })
    }
}

/// What a failed fingerprint handshake says about the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Not worth another hello: the client rejected the certificate, or an I/O error other
    /// than a lost connection.
    Final,
    /// The connection was lost (EOF, RST, a timeout) with no answer from the server. The
    /// honest hello may get through, but one lost connection says nothing about the server
    /// (a middlebox or an attacker can inject a RST), so the host is not remembered.
    Lost,
    /// The server answered the hello and the answer ended the handshake: a TLS alert
    /// (handshake_failure, protocol_version, illegal_parameter, ...), a version, suite or
    /// group the hello offered but rustls can only advertise, or a malformed reply. That is
    /// what a server that needs the honest hello does.
    Refused,
}

impl Failure {
    fn of(e: &std::io::Error) -> Failure {
        use std::io::ErrorKind::*;
        match e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) {
            Some(rustls::Error::InvalidCertificate(_)) => Failure::Final,
            Some(_) => Failure::Refused,
            None if matches!(
                e.kind(),
                UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe | TimedOut
            ) =>
            {
                Failure::Lost
            }
            None => Failure::Final,
        }
    }
}

/// How long a host that refused the browser hello gets the honest one directly. Long enough
/// that a TLS 1.2-only server costs one extra connection per ten minutes, not one per
/// connection; short enough that a server upgraded meanwhile, or a refusal injected by a
/// middlebox, does not keep the host off the browser hello for good.
const HONEST_TTL: Duration = Duration::from_secs(10 * 60);

impl<C> fmt::Debug for TlsConnector<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsConnector")
    }
}

/// Hosts remembered as needing the honest configuration, at most.
const HONEST_HOSTS: usize = 1024;

/// (host, port) that refused the browser hello, each with the instant it expires.
struct HonestHosts {
    ttl: Duration,
    until: Mutex<HashMap<(Arc<str>, u16), Instant>>,
}

impl HonestHosts {
    fn new(ttl: Duration) -> HonestHosts {
        HonestHosts {
            ttl,
            until: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(Arc<str>, u16), Instant>> {
        self.until.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `key` is remembered at `now`; an expired entry is dropped.
    fn contains(&self, key: &(Arc<str>, u16), now: Instant) -> bool {
        let mut until = self.lock();
        match until.get(key) {
            Some(&deadline) if now < deadline => true,
            Some(_) => {
                until.remove(key);
                false
            }
            None => false,
        }
    }

    /// Remembers `key` from `now` for the TTL; when full, expired entries go first, then
    /// the one that expires soonest.
    fn insert(&self, key: (Arc<str>, u16), now: Instant) {
        let mut until = self.lock();
        if until.len() >= HONEST_HOSTS && !until.contains_key(&key) {
            until.retain(|_, deadline| now < *deadline);
            let soonest = until
                .iter()
                .min_by_key(|(_, d)| **d)
                .map(|(k, _)| k.clone());
            if let (true, Some(soonest)) = (until.len() >= HONEST_HOSTS, soonest) {
                until.remove(&soonest);
            }
        }
        until.insert(key, now + self.ttl);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> (Arc<str>, u16) {
        (format!("host{i}.test").into(), 443)
    }

    #[test]
    fn a_remembered_host_expires_after_the_ttl() {
        let hosts = HonestHosts::new(HONEST_TTL);
        let t0 = Instant::now();
        hosts.insert(key(0), t0);
        assert!(hosts.contains(&key(0), t0));
        assert!(hosts.contains(&key(0), t0 + HONEST_TTL - Duration::from_secs(1)));
        assert!(!hosts.contains(&key(1), t0), "another host");
        assert!(!hosts.contains(&(key(0).0, 8443), t0), "another port");
        assert!(!hosts.contains(&key(0), t0 + HONEST_TTL));
        assert!(hosts.lock().is_empty(), "the expired entry is dropped");
        // Remembered again from a new refusal.
        hosts.insert(key(0), t0 + HONEST_TTL);
        assert!(hosts.contains(&key(0), t0 + HONEST_TTL));
    }

    #[test]
    fn a_full_table_drops_expired_entries_then_the_oldest() {
        let hosts = HonestHosts::new(HONEST_TTL);
        let t0 = Instant::now();
        let at = |i: usize| t0 + Duration::from_millis(i as u64);
        for i in 0..HONEST_HOSTS {
            hosts.insert(key(i), at(i));
        }
        hosts.insert(key(HONEST_HOSTS), at(HONEST_HOSTS));
        assert_eq!(hosts.lock().len(), HONEST_HOSTS);
        let now = at(HONEST_HOSTS);
        assert!(!hosts.contains(&key(0), now), "the oldest made room");
        assert!(hosts.contains(&key(1), now) && hosts.contains(&key(HONEST_HOSTS), now));

        // Once the TTL has passed for all but the newest, they all go at the next insert.
        let later = at(HONEST_HOSTS - 1) + HONEST_TTL;
        hosts.insert(key(HONEST_HOSTS + 1), later);
        assert_eq!(hosts.lock().len(), 2);
    }

    #[test]
    fn only_an_answer_from_the_server_is_a_refusal() {
        use std::io::{Error as IoError, ErrorKind};
        let tls = |e: rustls::Error| IoError::new(ErrorKind::InvalidData, e);
        for alert in [
            rustls::AlertDescription::HandshakeFailure,
            rustls::AlertDescription::ProtocolVersion,
            rustls::AlertDescription::IllegalParameter,
        ] {
            let e = tls(rustls::Error::AlertReceived(alert));
            assert_eq!(Failure::of(&e), Failure::Refused, "{alert:?}");
        }
        let version = rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig,
        );
        assert_eq!(Failure::of(&tls(version)), Failure::Refused);
        for kind in [
            ErrorKind::UnexpectedEof,
            ErrorKind::ConnectionReset,
            ErrorKind::ConnectionAborted,
            ErrorKind::BrokenPipe,
            ErrorKind::TimedOut,
        ] {
            assert_eq!(Failure::of(&IoError::from(kind)), Failure::Lost, "{kind:?}");
        }
        let certificate =
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        assert_eq!(Failure::of(&tls(certificate)), Failure::Final);
        let other = IoError::from(ErrorKind::PermissionDenied);
        assert_eq!(Failure::of(&other), Failure::Final);
    }
}
