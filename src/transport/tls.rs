use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::{BoxIo, Connector, Destination};
use crate::error::{BoxError, Error, Kind};
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

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({} bytes)", self.0.len())
    }
}

/// What the TLS configuration is made from.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsOptions {
    pub(crate) accept_invalid_certs: bool,
    pub(crate) extra_roots: Vec<Certificate>,
}

impl TlsOptions {
    /// A rustls configuration on the aws-lc-rs provider, offering ALPN `http/1.1`.
    pub(crate) fn client_config(&self) -> Result<Arc<ClientConfig>, Error> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::new(Kind::Builder, e))?;
        let mut config = if self.accept_invalid_certs {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider)))
                .with_no_client_auth()
        } else {
            let mut roots = RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            for cert in &self.extra_roots {
                roots
                    .add(cert.0.clone())
                    .map_err(|e| Error::new(Kind::Builder, e))?;
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// TLS over any inner connector, for `https` destinations; `http` ones pass through.
#[derive(Clone)]
pub struct TlsConnector<C> {
    inner: C,
    config: Arc<ClientConfig>,
}

impl<C> TlsConnector<C> {
    /// Wraps `inner`, handshaking with `config`.
    pub(crate) fn new(inner: C, config: Arc<ClientConfig>) -> TlsConnector<C> {
        TlsConnector { inner, config }
    }
}

impl<C: Connector> Connector for TlsConnector<C> {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<BoxIo, BoxError>> {
        Box::pin(async move {
            let io = self.inner.connect(dst).await?;
            if !dst.is_https() {
                return Ok(io);
            }
            let name = ServerName::try_from(dst.host().to_owned()).map_err(|e| {
                Error::new(
                    Kind::Tls,
                    format!("invalid server name {:?}: {e}", dst.host()),
                )
            })?;
            let tls = futures_rustls::TlsConnector::from(self.config.clone())
                .connect(name, io)
                .await
                .map_err(|e| Error::new(Kind::Tls, e))?;
            Ok(Box::new(tls) as BoxIo)
        })
    }
}

/// Accepts any certificate, but still checks that the handshake is signed by its key.
#[derive(Debug)]
struct AcceptAnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
