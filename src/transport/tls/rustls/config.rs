//! A [`TlsSpec`] as rustls configurations: the fingerprint one, tried first, and the fallback
//! one (see [`TlsConnector`](crate::transport::TlsConnector) for what each sends).

use std::sync::Arc;

use rustls::client::{EchGreaseConfig, EchMode, Resumption, WebPkiServerVerifier};
use rustls::compress::CertDecompressor;
use rustls::crypto::hpke::HpkePublicKey;
use rustls::crypto::{CryptoProvider, SupportedKxGroup, WebPkiSupportedAlgorithms, aws_lc_rs};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore, SignatureScheme, SupportedCipherSuite};

use super::advertised::{advertised_group, advertised_suite};
use super::verifier::Verifier;
use crate::error::{Error, Kind, Result};
use crate::profile::TlsSpec;
use crate::transport::tls::TlsOptions;

/// Which of the two configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Hello {
    /// The browser's hello, tried first: TLS 1.3 only, with what rustls can only advertise.
    Fingerprint,
    /// The TLS 1.2 + 1.3 hello of the retry, with only what rustls negotiates.
    Fallback,
}

/// Checks that `spec` can make a working configuration: one TLS 1.3 suite and a first group
/// (the one with a key share) that rustls implements.
pub(super) fn check(spec: &TlsSpec) -> Result<()> {
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

/// The `hello` configuration for `spec`, without a session store (each destination's copy
/// gets its own).
pub(super) fn build(
    spec: &TlsSpec,
    options: &TlsOptions,
    hello: Hello,
) -> Result<Arc<ClientConfig>> {
    let fallback = hello == Hello::Fallback;
    let builder_error = |e: rustls::Error| Error::new(Kind::Builder, e);
    let provider = Arc::new(provider(spec, fallback));
    let algorithms = provider.signature_verification_algorithms;
    let builder = ClientConfig::builder_with_provider(provider.clone());
    let builder = if fallback {
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
        schemes: schemes(spec, &algorithms, fallback),
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
fn provider(spec: &TlsSpec, fallback: bool) -> CryptoProvider {
    let cipher_suites = spec
        .cipher_suites
        .iter()
        .filter_map(|&c| {
            real_suite(c).or_else(|| if fallback { None } else { advertised_suite(c) })
        })
        .collect();
    let kx_groups = spec
        .groups
        .iter()
        .filter_map(|&g| real_group(g).or_else(|| (!fallback).then(|| advertised_group(g))))
        .collect();
    CryptoProvider {
        cipher_suites,
        kx_groups,
        ..aws_lc_rs::default_provider()
    }
}

/// The spec's signature schemes; the fallback configuration keeps only verifiable ones.
fn schemes(
    spec: &TlsSpec,
    algorithms: &WebPkiSupportedAlgorithms,
    fallback: bool,
) -> Vec<SignatureScheme> {
    let verifiable = algorithms.supported_schemes();
    let chosen: Vec<SignatureScheme> = spec
        .signature_algorithms
        .iter()
        .map(|&s| SignatureScheme::from(s))
        .filter(|s| !fallback || verifiable.contains(s))
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
            .add(CertificateDer::from(cert.der()))
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
/// whose first use seeds aws-lc's RNG (its cost is in the README); a client that never speaks TLS
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_needs_a_tls13_suite_and_a_first_group_rustls_implements() {
        let chrome = crate::Profile::chrome();
        assert!(check(chrome.tls()).is_ok());
        let with = |f: fn(&mut TlsSpec)| {
            let mut spec = chrome.tls().clone();
            f(&mut spec);
            check(&spec).map_err(|e| e.to_string())
        };
        // TLS_AES_128_CCM_SHA256 and secp521r1: TLS 1.3 material rustls does not implement.
        let ccm_only = with(|s| s.cipher_suites = vec![0x1304]).unwrap_err();
        assert!(
            ccm_only.contains("TLS 1.3 cipher suite rustls implements"),
            "{ccm_only}"
        );
        let p521_first = with(|s| s.groups.insert(0, 0x0019)).unwrap_err();
        assert!(p521_first.contains("first group"), "{p521_first}");
    }
}
