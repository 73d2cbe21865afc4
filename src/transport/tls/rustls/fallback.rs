//! When the fallback hello is used: which failed fingerprint handshakes are worth a retry
//! with it, and the hosts that get it directly for a while.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What a failed fingerprint handshake says about the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Failure {
    /// Not worth another hello: the client rejected the certificate, or an I/O error other
    /// than a lost connection.
    Final,
    /// The connection was lost (EOF, RST, a timeout) with no answer from the server. The
    /// fallback hello may get through, but one lost connection says nothing about the server
    /// (a middlebox or an attacker can inject a RST), so the host is not remembered.
    Lost,
    /// The server answered the hello and the answer ended the handshake: a TLS alert
    /// (handshake_failure, protocol_version, illegal_parameter, ...), a version, suite or
    /// group the hello offered but rustls can only advertise, or a malformed reply. That is
    /// what a server that needs the fallback hello does.
    Refused,
}

impl Failure {
    /// The failure of a handshake that ended with `e`.
    pub(super) fn of(e: &std::io::Error) -> Failure {
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

/// How long a host that refused the browser hello gets the fallback one directly. Long
/// enough that a TLS 1.2-only server costs one extra connection per ten minutes, not one per
/// connection; short enough that a server upgraded meanwhile, or a refusal injected by a
/// middlebox, does not keep the host off the browser hello for good.
pub(super) const FALLBACK_TTL: Duration = Duration::from_secs(10 * 60);

/// Hosts remembered as needing the fallback configuration, at most.
const FALLBACK_HOSTS: usize = 1024;

/// (host, port) that refused the browser hello, each with the instant it expires.
pub(super) struct FallbackHosts {
    ttl: Duration,
    until: Mutex<HashMap<(Arc<str>, u16), Instant>>,
}

impl FallbackHosts {
    pub(super) fn new(ttl: Duration) -> FallbackHosts {
        FallbackHosts {
            ttl,
            until: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(Arc<str>, u16), Instant>> {
        self.until.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `key` is remembered at `now`; an expired entry is dropped.
    pub(super) fn contains(&self, key: &(Arc<str>, u16), now: Instant) -> bool {
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
    pub(super) fn insert(&self, key: (Arc<str>, u16), now: Instant) {
        let mut until = self.lock();
        if until.len() >= FALLBACK_HOSTS && !until.contains_key(&key) {
            until.retain(|_, deadline| now < *deadline);
            let soonest = until
                .iter()
                .min_by_key(|(_, d)| **d)
                .map(|(k, _)| k.clone());
            if let (true, Some(soonest)) = (until.len() >= FALLBACK_HOSTS, soonest) {
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
        let hosts = FallbackHosts::new(FALLBACK_TTL);
        let t0 = Instant::now();
        hosts.insert(key(0), t0);
        assert!(hosts.contains(&key(0), t0));
        assert!(hosts.contains(&key(0), t0 + FALLBACK_TTL - Duration::from_secs(1)));
        assert!(!hosts.contains(&key(1), t0), "another host");
        assert!(!hosts.contains(&(key(0).0, 8443), t0), "another port");
        assert!(!hosts.contains(&key(0), t0 + FALLBACK_TTL));
        assert!(hosts.lock().is_empty(), "the expired entry is dropped");
        // Remembered again from a new refusal.
        hosts.insert(key(0), t0 + FALLBACK_TTL);
        assert!(hosts.contains(&key(0), t0 + FALLBACK_TTL));
    }

    #[test]
    fn a_full_table_drops_expired_entries_then_the_oldest() {
        let hosts = FallbackHosts::new(FALLBACK_TTL);
        let t0 = Instant::now();
        let at = |i: usize| t0 + Duration::from_millis(i as u64);
        for i in 0..FALLBACK_HOSTS {
            hosts.insert(key(i), at(i));
        }
        hosts.insert(key(FALLBACK_HOSTS), at(FALLBACK_HOSTS));
        assert_eq!(hosts.lock().len(), FALLBACK_HOSTS);
        let now = at(FALLBACK_HOSTS);
        assert!(!hosts.contains(&key(0), now), "the oldest made room");
        assert!(hosts.contains(&key(1), now) && hosts.contains(&key(FALLBACK_HOSTS), now));

        // Once the TTL has passed for all but the newest, they all go at the next insert.
        let later = at(FALLBACK_HOSTS - 1) + FALLBACK_TTL;
        hosts.insert(key(FALLBACK_HOSTS + 1), later);
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
