//! The two configurations of a profile, and a copy of each per destination with a session
//! store of its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustls::ClientConfig;
use rustls::NamedGroup;
use rustls::client::{
    ClientSessionMemoryCache, ClientSessionStore, Resumption, Tls12ClientSessionValue,
    Tls13ClientSessionValue,
};
use rustls::pki_types::ServerName;

use super::config::{Hello, build, check};
use crate::error::Result;
use crate::profile::TlsSpec;
use crate::transport::tls::TlsOptions;

/// The two configurations of one profile, built once per client, and their copies per
/// destination.
#[derive(Debug)]
pub(super) struct TlsConfigs {
    fingerprint: Arc<ClientConfig>,
    fallback: Arc<ClientConfig>,
    destinations: Mutex<Destinations>,
}

/// Destinations with a configuration of their own, at most; the least recently used goes.
const DESTINATIONS: usize = 256;

/// Per-destination copies of the configurations, by host, port and hello.
#[derive(Debug, Default)]
struct Destinations {
    configs: HashMap<(Arc<str>, u16, Hello), Used>,
    /// Counts calls, to tell which copy was used least recently.
    tick: u64,
}

/// One destination's copy and the tick it was last used at.
#[derive(Debug)]
struct Used {
    config: Arc<ClientConfig>,
    tick: u64,
}

impl TlsConfigs {
    /// Both configurations for `spec`; an error if `spec` cannot make a working one.
    pub(super) fn new(spec: &TlsSpec, options: &TlsOptions) -> Result<TlsConfigs> {
        check(spec)?;
        Ok(TlsConfigs {
            fingerprint: build(spec, options, Hello::Fingerprint)?,
            fallback: build(spec, options, Hello::Fallback)?,
            destinations: Mutex::default(),
        })
    }

    /// The `hello` configuration for `host` and `port`.
    ///
    /// rustls keys its session store by server name only, so one store per configuration
    /// would offer a ticket from `localhost:8443` to a different server on `localhost:9443`:
    /// that links the two visits and is a tell no browser has (Chrome keys sessions by host
    /// and port). So each destination gets a copy of the configuration, sharing everything
    /// but a session store of its own, made on the first connection to it and kept for the
    /// [`DESTINATIONS`] most recently used.
    pub(super) fn for_destination(
        &self,
        hello: Hello,
        host: &Arc<str>,
        port: u16,
    ) -> Arc<ClientConfig> {
        let mut destinations = self.destinations.lock().unwrap_or_else(|e| e.into_inner());
        destinations.tick += 1;
        let tick = destinations.tick;
        let key = (host.clone(), port, hello);
        if let Some(used) = destinations.configs.get_mut(&key) {
            used.tick = tick;
            return used.config.clone();
        }
        if destinations.configs.len() >= DESTINATIONS {
            let oldest = destinations
                .configs
                .iter()
                .min_by_key(|(_, used)| used.tick)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                destinations.configs.remove(&oldest);
            }
        }
        let base = match hello {
            Hello::Fingerprint => &self.fingerprint,
            Hello::Fallback => &self.fallback,
        };
        let mut config = ClientConfig::clone(base);
        config.resumption =
            Resumption::store(Arc::new(NoKeyShareHint(ClientSessionMemoryCache::new(1))));
        let config = Arc::new(config);
        let used = Used {
            config: config.clone(),
            tick,
        };
        destinations.configs.insert(key, used);
        config
    }
}

/// rustls' session cache, minus its memory of which group a server chose: with it, the next
/// hello to that server would carry only that group's key share, unlike the browser's.
#[derive(Debug)]
struct NoKeyShareHint(ClientSessionMemoryCache);

impl ClientSessionStore for NoKeyShareHint {
    fn set_kx_hint(&self, _: ServerName<'static>, _: NamedGroup) {}

    fn kx_hint(&self, _: &ServerName<'_>) -> Option<NamedGroup> {
        None
    }

    fn set_tls12_session(&self, name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.0.set_tls12_session(name, value);
    }

    fn tls12_session(&self, name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.0.tls12_session(name)
    }

    fn remove_tls12_session(&self, name: &ServerName<'static>) {
        self.0.remove_tls12_session(name);
    }

    fn insert_tls13_ticket(&self, name: ServerName<'static>, value: Tls13ClientSessionValue) {
        self.0.insert_tls13_ticket(name, value);
    }

    fn take_tls13_ticket(&self, name: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        self.0.take_tls13_ticket(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_per_destination_least_recently_used_out() {
        let configs = TlsConfigs::new(crate::Profile::chrome().tls(), &TlsOptions::default());
        let configs = configs.unwrap();
        let host: Arc<str> = "localhost".into();
        let get = |hello, port| configs.for_destination(hello, &host, port);
        let a = get(Hello::Fingerprint, 1);
        let b = get(Hello::Fingerprint, 2);
        assert!(Arc::ptr_eq(&a, &get(Hello::Fingerprint, 1)), "made once");
        assert!(!Arc::ptr_eq(&a, &b), "another port");
        assert!(
            !Arc::ptr_eq(&a, &get(Hello::Fallback, 1)),
            "the other hello"
        );
        assert_eq!(a.alpn_protocols, configs.fingerprint.alpn_protocols);

        for port in 3..DESTINATIONS as u16 + 2 {
            get(Hello::Fingerprint, port);
            get(Hello::Fingerprint, 1); // kept in use
        }
        let count = || configs.destinations.lock().unwrap().configs.len();
        assert_eq!(count(), DESTINATIONS);
        assert!(
            Arc::ptr_eq(&a, &get(Hello::Fingerprint, 1)),
            "used, so kept"
        );
        assert!(
            !Arc::ptr_eq(&b, &get(Hello::Fingerprint, 2)),
            "the oldest went"
        );
        assert_eq!(count(), DESTINATIONS);
    }
}
