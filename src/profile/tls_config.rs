//! A [`TlsSpec`] as rustls configurations: the fingerprint one, tried first, and the honest
//! one, tried once when the first handshake fails (see the [module docs](super)).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{
    ClientSessionMemoryCache, ClientSessionStore, EchGreaseConfig, EchMode, Resumption,
    Tls12ClientSessionValue, Tls13ClientSessionValue, WebPkiServerVerifier,
};
use rustls::compress::CertDecompressor;
use rustls::crypto::cipher::{
    AeadKey, InboundOpaqueMessage, InboundPlainMessage, KeyBlockShape, MessageDecrypter,
    MessageEncrypter, OutboundOpaqueMessage, OutboundPlainMessage, PrefixedPayload,
    Tls12AeadAlgorithm, UnsupportedOperationError,
};
use rustls::crypto::hpke::HpkePublicKey;
use rustls::crypto::{
    ActiveKeyExchange, CryptoProvider, SupportedKxGroup, WebPkiSupportedAlgorithms, aws_lc_rs,
};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, CipherSuite, CipherSuiteCommon, ClientConfig, ConnectionTrafficSecrets,
    DigitallySignedStruct, NamedGroup, OtherError, RootCertStore, SignatureScheme,
    SupportedCipherSuite, Tls12CipherSuite,
};

use super::TlsSpec;
use crate::error::{Error, Kind, Result};
use crate::transport::Certificate;

/// Trust settings, besides the profile.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsOptions {
    pub(crate) accept_invalid_certs: bool,
    pub(crate) extra_roots: Vec<Certificate>,
}

/// The two configurations of one profile, built once per client, and their copies per
/// destination.
#[derive(Debug)]
pub(crate) struct TlsConfigs {
    fingerprint: Arc<ClientConfig>,
    honest: Arc<ClientConfig>,
    destinations: Mutex<Destinations>,
}

/// Which of the two configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Hello {
    /// The browser's hello, tried first.
    Fingerprint,
    /// The honest TLS 1.2 + 1.3 hello of the retry.
    Honest,
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
    /// The `hello` configuration for `host` and `port`.
    ///
    /// rustls keys its session store by server name only, so one store per configuration
    /// would offer a ticket from `localhost:8443` to a different server on `localhost:9443`:
    /// that links the two visits and is a tell no browser has (Chrome keys sessions by host
    /// and port). So each destination gets a copy of the configuration, sharing everything
    /// but a session store of its own, made on the first connection to it and kept for the
    /// [`DESTINATIONS`] most recently used.
    pub(crate) fn for_destination(
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
            Hello::Honest => &self.honest,
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

/// Checks that `spec` can make a working configuration.
pub(crate) fn check(spec: &TlsSpec) -> Result<()> {
    let real_tls13 = spec
        .cipher_suites
        .iter()
        .any(|&c| matches!(real_suite(c), Some(SupportedCipherSuite::Tls13(_))));
    if !real_tls13 {
        return Err(Error::new(
            Kind::Builder,
            "the profile needs a TLS 1.3 cipher suite rustls implements",
        ));
    }
    if spec.groups.first().and_then(|&g| real_group(g)).is_none() {
        return Err(Error::new(
            Kind::Builder,
            "the profile's first group must be one rustls implements",
        ));
    }
    Ok(())
}

/// Both configurations for `spec`.
pub(crate) fn configs(spec: &TlsSpec, options: &TlsOptions) -> Result<TlsConfigs> {
    check(spec)?;
    Ok(TlsConfigs {
        fingerprint: config(spec, options, false)?,
        honest: config(spec, options, true)?,
        destinations: Mutex::default(),
    })
}

fn config(spec: &TlsSpec, options: &TlsOptions, honest: bool) -> Result<Arc<ClientConfig>> {
    let builder_error = |e: rustls::Error| Error::new(Kind::Builder, e);
    let provider = Arc::new(provider(spec, honest));
    let algorithms = provider.signature_verification_algorithms;
    let builder = ClientConfig::builder_with_provider(provider.clone());
    let builder = if honest {
        builder
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .map_err(builder_error)?
    } else if spec.ech_grease {
        builder
            .with_ech(EchMode::Grease(ech_grease()))
            .map_err(builder_error)?
    } else {
        builder
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(builder_error)?
    };
    let verifier = Verifier {
        webpki: if options.accept_invalid_certs {
            None
        } else {
            Some(webpki(options, provider)?)
        },
        algorithms,
        schemes: schemes(spec, &algorithms, honest),
    };
    let mut config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = spec.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    config.cert_decompressors = spec
        .cert_compression
        .iter()
        .filter_map(|&a| decompressor(a))
        .collect();
    // Sessions are stored per destination (`TlsConfigs::for_destination`).
    config.resumption = Resumption::disabled();
    Ok(Arc::new(config))
}

fn real_suite(code: u16) -> Option<SupportedCipherSuite> {
    aws_lc_rs::ALL_CIPHER_SUITES
        .iter()
        .copied()
        .find(|s| u16::from(s.suite()) == code)
}

fn real_group(code: u16) -> Option<&'static dyn SupportedKxGroup> {
    aws_lc_rs::ALL_KX_GROUPS
        .iter()
        .copied()
        .find(|g| u16::from(g.name()) == code)
}

/// The provider: the spec's suites and groups in order; in the fingerprint configuration also
/// the ones rustls can only advertise.
fn provider(spec: &TlsSpec, honest: bool) -> CryptoProvider {
    let cipher_suites = spec
        .cipher_suites
        .iter()
        .filter_map(|&c| real_suite(c).or_else(|| if honest { None } else { advertised_suite(c) }))
        .collect();
    let kx_groups = spec
        .groups
        .iter()
        .filter_map(|&g| real_group(g).or_else(|| (!honest).then(|| advertised_group(g))))
        .collect();
    CryptoProvider {
        cipher_suites,
        kx_groups,
        ..aws_lc_rs::default_provider()
    }
}

/// The spec's signature schemes; the honest configuration keeps only verifiable ones.
fn schemes(
    spec: &TlsSpec,
    algorithms: &WebPkiSupportedAlgorithms,
    honest: bool,
) -> Vec<SignatureScheme> {
    let verifiable = algorithms.supported_schemes();
    let chosen: Vec<SignatureScheme> = spec
        .signature_algorithms
        .iter()
        .map(|&s| SignatureScheme::from(s))
        .filter(|s| !honest || verifiable.contains(s))
        .collect();
    if chosen.is_empty() {
        verifiable
    } else {
        chosen
    }
}

fn webpki(
    options: &TlsOptions,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for cert in &options.extra_roots {
        roots
            .add(cert.der().clone())
            .map_err(|e| Error::new(Kind::Builder, e))?;
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| Error::new(Kind::Builder, e))
}

/// Chrome's ECH GREASE: DHKEM(X25519, HKDF-SHA256) with AES-128-GCM, sealed to a fixed
/// placeholder key.
///
/// The placeholder is the recipient key the fake payload is sealed to. It never goes on the
/// wire (each handshake sends a fresh ephemeral key and a ciphertext), and it is a hash
/// output, not a generated key pair, so nobody holds its private key: the payload can no more
/// be opened than a random one. A fixed key keeps building a client free of key generation,
/// whose first use seeds aws-lc's RNG (about 20 ms of CPU); a client that never speaks TLS
/// never pays that.
fn ech_grease() -> EchGreaseConfig {
    /// SHA-256 of "tls-requests ECH GREASE placeholder key".
    const PLACEHOLDER: [u8; 32] = [
        0x33, 0x2d, 0x60, 0x69, 0xa1, 0x47, 0xd4, 0x9f, 0xef, 0xc5, 0x47, 0x41, 0x75, 0xe4, 0x4c,
        0xc1, 0x07, 0x9d, 0x5b, 0x03, 0x23, 0x1e, 0x25, 0xd4, 0x23, 0xbd, 0xaf, 0x7d, 0xfe, 0x7b,
        0xf3, 0x47,
    ];
    EchGreaseConfig::new(
        aws_lc_rs::hpke::DH_KEM_X25519_HKDF_SHA256_AES_128,
        HpkePublicKey(PLACEHOLDER.to_vec()),
    )
}

fn decompressor(algorithm: u16) -> Option<&'static dyn CertDecompressor> {
    match algorithm {
        1 => Some(rustls::compress::ZLIB_DECOMPRESSOR),
        2 => Some(rustls::compress::BROTLI_DECOMPRESSOR),
        #[cfg(feature = "zstd")]
        3 => Some(&ZstdDecompressor),
        _ => None,
    }
}

#[cfg(feature = "zstd")]
#[derive(Debug)]
struct ZstdDecompressor;

#[cfg(feature = "zstd")]
impl CertDecompressor for ZstdDecompressor {
    fn decompress(
        &self,
        input: &[u8],
        output: &mut [u8],
    ) -> Result<(), rustls::compress::DecompressionFailed> {
        match zstd::bulk::decompress_to_buffer(input, output) {
            Ok(n) if n == output.len() => Ok(()),
            _ => Err(rustls::compress::DecompressionFailed),
        }
    }

    fn algorithm(&self) -> rustls::CertificateCompressionAlgorithm {
        rustls::CertificateCompressionAlgorithm::Zstd
    }
}

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
/// retry with the honest configuration.
fn advertised_suite(code: u16) -> Option<SupportedCipherSuite> {
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
/// it (HelloRetryRequest) ends the handshake, and the client retries honestly.
fn advertised_group(code: u16) -> &'static dyn SupportedKxGroup {
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

/// Certificate and signature checks, advertising the profile's signature schemes in order.
struct Verifier {
    /// `None` accepts any certificate and any handshake signature
    /// (`danger_accept_invalid_certs`), as curl `-k` does.
    ///
    /// The handshake signature only proves that the server holds the private key of the
    /// certificate it sent. Once any certificate is accepted, an attacker in the middle sends
    /// one of their own, whose key they hold, and passes that check: it protects nothing. It
    /// would still refuse what old appliances, the reason for this mode, present: X.509 v1
    /// certificates, RSA keys under 2048 bits, unknown critical extensions, since checking
    /// the signature means parsing the certificate as webpki does (reqwest's no-verify path
    /// skips it too).
    webpki: Option<Arc<WebPkiServerVerifier>>,
    algorithms: WebPkiSupportedAlgorithms,
    schemes: Vec<SignatureScheme>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("verifies_certs", &self.webpki.is_some())
            .field("schemes", &self.schemes)
            .finish()
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.webpki {
            Some(webpki) => {
                webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            }
            None => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if self.webpki.is_none() {
            return Ok(HandshakeSignatureValid::assertion());
        }
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
            .map_err(|e| explain(e, cert))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if self.webpki.is_none() {
            return Ok(HandshakeSignatureValid::assertion());
        }
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
            .map_err(|e| explain(e, cert))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

/// A handshake signature that failed to verify because the certificate's RSA key is under
/// 2048 bits, which aws-lc refuses to verify with: webpki reports that as `BadSignature`,
/// which reads like a forgery. Other errors are left as they are.
fn explain(e: rustls::Error, cert: &CertificateDer<'_>) -> rustls::Error {
    let bad_signature = matches!(
        e,
        rustls::Error::InvalidCertificate(CertificateError::BadSignature)
    );
    match rsa_key_bits(cert) {
        Some(bits) if bad_signature && bits < MIN_RSA_BITS => {
            CertificateError::Other(OtherError(Arc::new(SmallRsaKey(bits)))).into()
        }
        _ => e,
    }
}

/// The smallest RSA key aws-lc verifies signatures with.
const MIN_RSA_BITS: usize = 2048;

/// The certificate refused for its small RSA key.
struct SmallRsaKey(usize);

impl fmt::Display for SmallRsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server's certificate has a {}-bit RSA key; at least {MIN_RSA_BITS} bits are \
             required (danger_accept_invalid_certs accepts it)",
            self.0
        )
    }
}

/// The message itself: rustls shows a certificate error's `Other` payload by `Debug`.
impl fmt::Debug for SmallRsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for SmallRsaKey {}

/// The modulus length of the certificate's key if it is RSA: the `SubjectPublicKeyInfo` is
/// `SEQUENCE { SEQUENCE { rsaEncryption, .. }, BIT STRING { 0, SEQUENCE { INTEGER n, .. } } }`.
fn rsa_key_bits(cert: &CertificateDer<'_>) -> Option<usize> {
    /// 1.2.840.113549.1.1.1
    const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let spki = ParsedCertificate::try_from(cert)
        .ok()?
        .subject_public_key_info();
    let (spki, _) = der_value(&spki, 0x30)?;
    let (algorithm, key) = der_value(spki, 0x30)?;
    if der_value(algorithm, 0x06)?.0 != RSA_ENCRYPTION {
        return None;
    }
    let (key, _) = der_value(key, 0x03)?;
    let (key, _) = der_value(key.get(1..)?, 0x30)?;
    let (modulus, _) = der_value(key, 0x02)?;
    let modulus = &modulus[modulus.iter().position(|&b| b != 0)?..];
    Some(modulus.len() * 8 - modulus[0].leading_zeros() as usize)
}

/// The value of the DER element at the start of `input` if its tag is `tag`, and what
/// follows it.
fn der_value(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&[found, first], rest) = input.split_first_chunk()?;
    let (len, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81 => (usize::from(*rest.first()?), &rest[1..]),
        0x82 => (
            usize::from(u16::from_be_bytes(*rest.first_chunk()?)),
            &rest[2..],
        ),
        _ => return None,
    };
    (found == tag && len <= rest.len()).then(|| rest.split_at(len))
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
        let configs = configs(crate::Profile::chrome().tls(), &TlsOptions::default()).unwrap();
        let host: Arc<str> = "localhost".into();
        let get = |hello, port| configs.for_destination(hello, &host, port);
        let a = get(Hello::Fingerprint, 1);
        let b = get(Hello::Fingerprint, 2);
        assert!(Arc::ptr_eq(&a, &get(Hello::Fingerprint, 1)), "made once");
        assert!(!Arc::ptr_eq(&a, &b), "another port");
        assert!(!Arc::ptr_eq(&a, &get(Hello::Honest, 1)), "the other hello");
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

    #[test]
    fn der_values_and_their_bounds() {
        assert_eq!(
            der_value(&[0x02, 1, 7, 9], 0x02),
            Some((&[7][..], &[9][..]))
        );
        let long = [&[0x04, 0x81, 200][..], &[0; 200]].concat();
        assert_eq!(der_value(&long, 0x04).map(|(v, _)| v.len()), Some(200));
        let longer = [&[0x04, 0x82, 1, 0][..], &[0; 256]].concat();
        assert_eq!(der_value(&longer, 0x04).map(|(v, _)| v.len()), Some(256));
        for bad in [
            &[][..],
            &[0x02],
            &[0x02, 2, 7],       // shorter than its length
            &[0x03, 1, 7],       // another tag
            &[0x02, 0x81],       // no length byte
            &[0x02, 0x82, 1],    // half a length
            &[0x02, 0x80, 0, 0], // indefinite length, not DER
        ] {
            assert_eq!(der_value(bad, 0x02), None, "{bad:?}");
        }
    }

    #[test]
    fn no_rsa_key_size_for_other_keys_or_garbage() {
        let ecdsa = rustls::pki_types::CertificateDer::from(
            rcgen::generate_simple_self_signed(["x.test".to_owned()])
                .unwrap()
                .cert
                .der()
                .to_vec(),
        );
        assert_eq!(rsa_key_bits(&ecdsa), None);
        assert_eq!(rsa_key_bits(&CertificateDer::from(vec![0x30, 3, 1])), None);
    }
}
