//! The suites and groups rustls can only advertise: listed in the fingerprint hello as the
//! browser lists them, and failing the handshake cleanly if a server picks one, so that the
//! client retries with the fallback configuration.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use rustls::crypto::cipher::{
    AeadKey, InboundOpaqueMessage, InboundPlainMessage, KeyBlockShape, MessageDecrypter,
    MessageEncrypter, OutboundOpaqueMessage, OutboundPlainMessage, PrefixedPayload,
    Tls12AeadAlgorithm, UnsupportedOperationError,
};
use rustls::crypto::{ActiveKeyExchange, SupportedKxGroup, aws_lc_rs};
use rustls::{
    CipherSuite, CipherSuiteCommon, ConnectionTrafficSecrets, NamedGroup, SupportedCipherSuite,
    Tls12CipherSuite,
};

/// Suites and groups made once per code for the whole process (rustls needs `'static`).
fn made_once<T: ?Sized + Sync>(
    cache: &OnceLock<Mutex<HashMap<u16, &'static T>>>,
    code: u16,
    make: impl FnOnce() -> &'static T,
) -> &'static T {
    let mut map = cache
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    map.entry(code).or_insert_with(make)
}

/// A cipher suite listed in the hello but never usable: the fingerprint configuration is
/// TLS 1.3 only, so a TLS 1.2 suite cannot be chosen, and one chosen against the rules fails
/// the handshake cleanly (its record protection refuses to work), which makes the client
/// retry with the fallback configuration.
pub(super) fn advertised_suite(code: u16) -> Option<SupportedCipherSuite> {
    static SUITES: OnceLock<Mutex<HashMap<u16, &'static Tls12CipherSuite>>> = OnceLock::new();
    let template = aws_lc_rs::ALL_CIPHER_SUITES.iter().find_map(|s| match s {
        SupportedCipherSuite::Tls12(t) => Some(*t),
        _ => None,
    })?;
    let suite = made_once(&SUITES, code, || {
        Box::leak(Box::new(Tls12CipherSuite {
            common: CipherSuiteCommon {
                suite: CipherSuite::from(code),
                hash_provider: template.common.hash_provider,
                confidentiality_limit: template.common.confidentiality_limit,
            },
            prf_provider: template.prf_provider,
            kx: rustls::crypto::KeyExchangeAlgorithm::ECDHE,
            sign: &[],
            aead_alg: &Unusable,
        }))
    });
    Some(SupportedCipherSuite::Tls12(suite))
}

/// A group listed in `supported_groups` whose key exchange always fails: a server asking for
/// it (HelloRetryRequest) ends the handshake, and the client retries with the fallback configuration.
pub(super) fn advertised_group(code: u16) -> &'static dyn SupportedKxGroup {
    static GROUPS: OnceLock<Mutex<HashMap<u16, &'static AdvertisedGroup>>> = OnceLock::new();
    made_once(&GROUPS, code, || {
        Box::leak(Box::new(AdvertisedGroup(NamedGroup::from(code))))
    }) as _
}

#[derive(Debug)]
struct AdvertisedGroup(NamedGroup);

impl SupportedKxGroup for AdvertisedGroup {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, rustls::Error> {
        Err(rustls::Error::General(format!(
            "{:?} is only advertised",
            self.0
        )))
    }

    fn name(&self) -> NamedGroup {
        self.0
    }
}

/// Record protection for advertised-only suites: decryption always fails, and encryption
/// sends zeros, never the plaintext (rustls does not allow it to fail).
#[derive(Debug)]
struct Unusable;

impl Tls12AeadAlgorithm for Unusable {
    fn encrypter(&self, _: AeadKey, _: &[u8], _: &[u8]) -> Box<dyn MessageEncrypter> {
        Box::new(Unusable)
    }

    fn decrypter(&self, _: AeadKey, _: &[u8]) -> Box<dyn MessageDecrypter> {
        Box::new(Unusable)
    }

    fn key_block_shape(&self) -> KeyBlockShape {
        KeyBlockShape {
            enc_key_len: 16,
            fixed_iv_len: 4,
            explicit_nonce_len: 8,
        }
    }

    fn extract_keys(
        &self,
        _: AeadKey,
        _: &[u8],
        _: &[u8],
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        Err(UnsupportedOperationError)
    }
}

impl MessageEncrypter for Unusable {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        _: u64,
    ) -> Result<OutboundOpaqueMessage, rustls::Error> {
        let mut payload = PrefixedPayload::with_capacity(msg.payload.len());
        payload.extend_from_slice(&vec![0; msg.payload.len()]);
        Ok(OutboundOpaqueMessage::new(msg.typ, msg.version, payload))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len
    }
}

impl MessageDecrypter for Unusable {
    fn decrypt<'a>(
        &mut self,
        _: InboundOpaqueMessage<'a>,
        _: u64,
    ) -> Result<InboundPlainMessage<'a>, rustls::Error> {
        Err(rustls::Error::DecryptError)
    }
}
