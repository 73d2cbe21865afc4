//! Certificate and handshake-signature checks, advertising the profile's signature schemes in
//! order; a clear message for an RSA key too small to verify with.

use std::fmt;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

/// Certificate and signature checks, advertising the profile's signature schemes in order.
pub(super) struct Verifier {
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
    pub(super) webpki: Option<Arc<WebPkiServerVerifier>>,
    pub(super) algorithms: WebPkiSupportedAlgorithms,
    pub(super) schemes: Vec<SignatureScheme>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("verifies_certs", &self.webpki.is_some())
            .field("schemes", &self.schemes)
            .finish()
    }
}

impl Verifier {
    /// A handshake signature checked by `verify`, unless any certificate is accepted (then it
    /// proves nothing, see the type's docs).
    fn signature(
        &self,
        cert: &CertificateDer<'_>,
        verify: impl FnOnce(
            &WebPkiSupportedAlgorithms,
        ) -> Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if self.webpki.is_none() {
            return Ok(HandshakeSignatureValid::assertion());
        }
        verify(&self.algorithms).map_err(|e| explain(e, cert))
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
        self.signature(cert, |algorithms| {
            rustls::crypto::verify_tls12_signature(message, cert, dss, algorithms)
        })
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signature(cert, |algorithms| {
            rustls::crypto::verify_tls13_signature(message, cert, dss, algorithms)
        })
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

#[cfg(test)]
mod tests {
    use super::*;

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
