//! TLS for `https` destinations: [`TlsConnector`] over any inner connector, the trust
//! settings ([`TlsOptions`], [`Certificate`]), and the seam a TLS library plugs into
//! ([`Backend`]). Each backend is a module of its own behind a cargo feature, and nothing
//! outside this module names a TLS library:
//!
//! - `rustls` (the default feature): rustls with the aws-lc-rs provider.
//!
//! Without a backend the client speaks `http` only, and an `https` URL is a [`Kind::Tls`]
//! error naming the missing feature.

#[cfg(feature = "rustls")]
mod rustls;

use std::fmt;

use super::{Connected, Connector, Destination};
use crate::error::{BoxError, Error, Kind, Result};
use crate::profile::TlsSpec;
use crate::rt::BoxFuture;

/// A trusted root certificate, added to the built-in web roots with
/// [`ClientBuilder::add_root_certificate`](crate::ClientBuilder::add_root_certificate).
#[derive(Clone)]
pub struct Certificate(Vec<u8>);

impl Certificate {
    /// One certificate in DER form.
    pub fn from_der(der: &[u8]) -> Certificate {
        Certificate(der.to_vec())
    }

    /// Every certificate of a PEM bundle; an error if it holds none or one is malformed.
    /// Other sections (a private key, say) are skipped.
    ///
    /// Needs the `rustls` feature, whose PEM parser it uses.
    #[cfg(feature = "rustls")]
    pub fn from_pem(pem: &[u8]) -> Result<Vec<Certificate>> {
        let certs = rustls::pem_certificates(pem)
            .map_err(|e| Error::new(Kind::Builder, format!("invalid PEM certificate: {e}")))?;
        if certs.is_empty() {
            return Err(Error::new(
                Kind::Builder,
                "no certificate found in PEM data",
            ));
        }
        Ok(certs.into_iter().map(Certificate).collect())
    }

    /// The certificate in DER form.
    pub fn der(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Certificate({} bytes)", self.0.len())
    }
}

/// Trust settings, besides the profile.
#[derive(Clone, Debug, Default)]
pub(crate) struct TlsOptions {
    /// Any server certificate is accepted (`danger_accept_invalid_certs`).
    pub(crate) accept_invalid_certs: bool,
    /// Roots trusted besides the built-in web roots.
    pub(crate) extra_roots: Vec<Certificate>,
}

/// A TLS library: it renders a profile's [`TlsSpec`] as its own configuration once per
/// client, then opens TLS connections with it.
///
/// A backend gets the inner connector rather than one stream, because a handshake may take
/// more than one connection: the rustls backend retries a failed one on a new connection with
/// its fallback hello.
pub(crate) trait Backend: Send + Sync + 'static {
    /// TLS to `dst`, an `https` destination, over streams from `inner`, with the ALPN
    /// protocol the server chose. Errors are [`Kind::Tls`], or `inner`'s as they are.
    fn connect<'a>(
        &'a self,
        inner: &'a dyn Connector,
        dst: &'a Destination,
    ) -> BoxFuture<'a, Result<Connected, BoxError>>;
}

/// This build's backend, configured for `spec` and `options`; `None` in a build without
/// one.
#[cfg_attr(not(feature = "rustls"), allow(unused_variables))]
fn backend(spec: &TlsSpec, options: &TlsOptions) -> Result<Option<Box<dyn Backend>>> {
    #[cfg(feature = "rustls")]
    return Ok(Some(Box::new(rustls::Rustls::new(spec, options)?)));
    #[cfg(not(feature = "rustls"))]
    Ok(None)
}

/// The error of an `https` request in a build without a TLS backend.
fn no_backend() -> Error {
    Error::new(
        Kind::Tls,
        "https needs a TLS backend: enable the `rustls` feature of tls-requests",
    )
}

/// TLS over any inner connector, for `https` destinations; `http` ones pass through.
///
/// The TLS library is the build's backend: rustls (with aws-lc-rs), the default cargo
/// feature `rustls`. In a build without one, an `https` destination is a [`Kind::Tls`] error
/// naming the feature to enable.
///
/// # How the rustls backend renders a profile
///
/// The profile's [`TlsSpec`] becomes two rustls configurations, once per client:
///
/// - the *fingerprint* configuration, tried first: TLS 1.3 only, every cipher suite, group and
///   signature algorithm of the browser in its order, including the ones rustls can only
///   advertise (TLS 1.2 CBC and RSA key-exchange suites, ffdhe and P-521 groups). Offering
///   TLS 1.2 would make rustls append the `TLS_EMPTY_RENEGOTIATION_INFO_SCSV` suite, which no
///   browser sends; with TLS 1.3 only, the advertised-only TLS 1.2 suites can never be chosen;
/// - the *fallback* configuration: TLS 1.2 and 1.3 with only what rustls negotiates.
///
/// If the fingerprint handshake fails for any reason but the server's certificate, it is
/// tried once more on a new connection with the fallback configuration. A host whose server
/// *answered* the fingerprint hello with a refusal (a TLS alert, a version or parameter
/// rustls can only advertise) and took the fallback one gets the fallback hello directly for
/// ten minutes; after that the browser hello is tried again. A lost connection (EOF, RST) is
/// retried but not remembered.
///
/// TLS sessions are kept per host and port, as Chrome does: a ticket from one server is
/// never offered to another on the same name.
///
/// `random_tls_extension_order`, an option of Python TLS Requests, is what rustls always
/// does: it shuffles the extension order on every connection, as Chrome does.
///
/// What rustls cannot send, whatever the profile says: GREASE values (cipher suites,
/// extensions, groups, signature algorithms, versions), `renegotiation_info`,
/// `signed_certificate_timestamp`, ALPS, `trust_anchors`, `delegated_credentials`,
/// `record_size_limit`, `session_ticket` in a TLS 1.3-only hello, a third key share, a fixed
/// extension order (Firefox), and an ECH GREASE payload of the browser's size (rustls pads it
/// to 400 bytes). The README's fidelity table lists the measured result per profile.
///
/// The backend needs a TLS 1.3 cipher suite and a first group that rustls implements;
/// [`ClientBuilder::build`](crate::ClientBuilder::build) checks it.
pub struct TlsConnector<C> {
    inner: C,
    backend: Option<Box<dyn Backend>>,
}

impl<C> TlsConnector<C> {
    /// Wraps `inner`, with this build's backend configured for `spec` and `options`; an error
    /// of kind [`Kind::Builder`] if the backend cannot render `spec`.
    pub(crate) fn new(inner: C, spec: &TlsSpec, options: &TlsOptions) -> Result<TlsConnector<C>> {
        Ok(TlsConnector {
            inner,
            backend: backend(spec, options)?,
        })
    }
}

impl<C> fmt::Debug for TlsConnector<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConnector")
            .field("backend", &self.backend.is_some())
            .finish_non_exhaustive()
    }
}

impl<C: Connector> Connector for TlsConnector<C> {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
        if !dst.is_https() {
            return self.inner.connect(dst);
        }
        match &self.backend {
            Some(backend) => backend.connect(&self.inner, dst),
            None => Box::pin(std::future::ready(Err(no_backend().into()))),
        }
    }
}

#[cfg(all(test, not(feature = "rustls")))]
mod tests {
    use super::*;
    use crate::transport::MockTransport;
    use crate::{MockResponse, Profile};

    #[test]
    fn https_without_a_backend_names_the_feature() {
        let mock = MockTransport::new(|_| MockResponse::new(200));
        let tls = TlsConnector::new(mock.clone(), Profile::chrome().tls(), &Default::default());
        let tls = tls.unwrap();
        let dst = |url| Destination::from_url(&url::Url::parse(url).unwrap()).unwrap();
        let err = futures_lite::future::block_on(tls.connect(&dst("https://example.com/")))
            .map(drop)
            .unwrap_err();
        let err = err.downcast::<Error>().unwrap();
        assert_eq!(err.kind(), Kind::Tls);
        assert!(
            err.to_string().contains("enable the `rustls` feature"),
            "{err}"
        );
        assert_eq!(mock.connections(), 0, "no connection is opened for it");
        let http = futures_lite::future::block_on(tls.connect(&dst("http://example.com/")));
        assert!(http.is_ok(), "http passes through");
        assert_eq!(mock.connections(), 1);
    }
}
