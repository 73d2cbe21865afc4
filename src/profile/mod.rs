//! Browser profiles: the TLS ClientHello and HTTP/1.1 headers of a real browser, as data.
//!
//! A [`Profile`] is a [`TlsSpec`] (cipher suites, groups, signature algorithms, ALPN,
//! certificate compression, ECH GREASE) plus the browser's default headers in its order and
//! name case. The client's TLS backend turns the spec into its own configuration, once per
//! client: [`TlsConnector`](crate::transport::TlsConnector) says how the default backend
//! renders it, which hello it sends when the first handshake fails, and what it cannot send.
//!
//! ```
//! use tls_requests::{AsyncClient, Profile};
//! let firefox = AsyncClient::builder().profile(Profile::firefox()).build()?;
//! let chrome = AsyncClient::builder().client_identifier("chrome_156").build()?;
//! let custom = Profile::chrome()
//!     .to_builder()
//!     .name("chrome-no-pq")
//!     .groups([0x001d, 0x0017, 0x0018])
//!     .header("Accept-Language", "de-DE,de;q=0.9")
//!     .build()?;
//! assert_eq!(custom.tls().groups, [0x001d, 0x0017, 0x0018]);
//! # drop((firefox, chrome));
//! # Ok::<(), tls_requests::Error>(())
//! ```

mod browsers;

use std::borrow::Cow;

use http::HeaderValue;

use crate::error::{Error, Kind, Result};
use crate::headers::Headers;

/// What a browser's TLS ClientHello offers, as IANA code points in the browser's order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsSpec {
    /// Cipher suites, e.g. `0x1301` for `TLS_AES_128_GCM_SHA256`. GREASE is left out.
    pub cipher_suites: Vec<u16>,
    /// Supported groups. The first gets a key share, and if it is a hybrid such as
    /// X25519MLKEM768 (`0x11ec`) its classical half (X25519) gets one too.
    pub groups: Vec<u16>,
    /// Signature algorithms, e.g. `0x0403` for `ecdsa_secp256r1_sha256`.
    pub signature_algorithms: Vec<u16>,
    /// ALPN protocols. Profiles offer `http/1.1` only until HTTP/2 is spoken.
    pub alpn: Vec<String>,
    /// Certificate compression algorithms: 1 zlib, 2 brotli, 3 zstd.
    pub cert_compression: Vec<u16>,
    /// Whether to send a GREASE `encrypted_client_hello` extension.
    pub ech_grease: bool,
}

/// A browser to look like: TLS spec plus default HTTP/1.1 headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    name: Cow<'static, str>,
    tls: TlsSpec,
    headers: Headers,
}

impl Profile {
    /// The newest Chrome (Chrome 156 on Windows), the default profile.
    pub fn chrome() -> Profile {
        browsers::chrome_156()
    }

    /// The newest Firefox (Firefox 153 on Windows).
    pub fn firefox() -> Profile {
        browsers::firefox_153()
    }

    /// The newest Safari on macOS.
    pub fn safari() -> Profile {
        browsers::safari_18()
    }

    /// The newest Safari on iOS.
    pub fn safari_ios() -> Profile {
        browsers::safari_ios_18()
    }

    /// The newest Microsoft Edge (on Windows).
    pub fn edge() -> Profile {
        browsers::edge_156()
    }

    /// OkHttp 4 on Android.
    pub fn okhttp() -> Profile {
        browsers::okhttp4_android()
    }

    /// The profile called `name`: an identifier from [`Profile::list`] or an alias
    /// (`chrome`, `firefox`, `safari`, `safari_ios`, `edge`, `okhttp`). Case is ignored.
    pub fn by_name(name: &str) -> Result<Profile> {
        let wanted = name.trim().to_ascii_lowercase();
        let found = browsers::ALL
            .iter()
            .find(|(id, alias, _)| *id == wanted || *alias == wanted);
        match found {
            Some((_, _, make)) => Ok(make()),
            None => {
                let known = Profile::list().join(", ");
                let msg = format!(
                    "unknown profile {name:?}; known: {known} (aliases: chrome, firefox, safari, safari_ios, edge, okhttp)"
                );
                Err(Error::new(Kind::Builder, msg))
            }
        }
    }

    /// The identifiers of every built-in profile.
    pub fn list() -> Vec<&'static str> {
        browsers::ALL.iter().map(|(id, _, _)| *id).collect()
    }

    /// The identifier, e.g. `chrome_156`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the TLS ClientHello offers.
    pub fn tls(&self) -> &TlsSpec {
        &self.tls
    }

    /// The default headers, in the browser's order and case (without `Host`, which goes
    /// first on every request).
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// A builder starting from this profile, to change any part of it.
    pub fn to_builder(&self) -> ProfileBuilder {
        ProfileBuilder {
            profile: self.clone(),
            error: None,
        }
    }
}

impl Default for Profile {
    fn default() -> Profile {
        Profile::chrome()
    }
}

/// Changes parts of a [`Profile`]; made by [`Profile::to_builder`].
#[derive(Debug)]
#[must_use]
pub struct ProfileBuilder {
    profile: Profile,
    error: Option<Error>,
}

impl ProfileBuilder {
    /// Renames the profile.
    pub fn name(mut self, name: impl Into<String>) -> ProfileBuilder {
        self.profile.name = Cow::Owned(name.into());
        self
    }

    /// Replaces the cipher suites.
    pub fn cipher_suites(mut self, suites: impl IntoIterator<Item = u16>) -> ProfileBuilder {
        self.profile.tls.cipher_suites = suites.into_iter().collect();
        self
    }

    /// Replaces the supported groups (the first gets the key share).
    pub fn groups(mut self, groups: impl IntoIterator<Item = u16>) -> ProfileBuilder {
        self.profile.tls.groups = groups.into_iter().collect();
        self
    }

    /// Replaces the signature algorithms.
    pub fn signature_algorithms(
        mut self,
        schemes: impl IntoIterator<Item = u16>,
    ) -> ProfileBuilder {
        self.profile.tls.signature_algorithms = schemes.into_iter().collect();
        self
    }

    /// Replaces the ALPN protocols.
    pub fn alpn<S: Into<String>>(
        mut self,
        protocols: impl IntoIterator<Item = S>,
    ) -> ProfileBuilder {
        self.profile.tls.alpn = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// Replaces the certificate compression algorithms (1 zlib, 2 brotli, 3 zstd).
    pub fn cert_compression(mut self, algorithms: impl IntoIterator<Item = u16>) -> ProfileBuilder {
        self.profile.tls.cert_compression = algorithms.into_iter().collect();
        self
    }

    /// Whether to send a GREASE ECH extension.
    pub fn ech_grease(mut self, grease: bool) -> ProfileBuilder {
        self.profile.tls.ech_grease = grease;
        self
    }

    /// Sets a default header: in place if the profile has it, else last.
    pub fn header<V>(mut self, name: &str, value: V) -> ProfileBuilder
    where
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        if let Err(e) = self.profile.headers.insert_converted(name, value) {
            self.error.get_or_insert(e);
        }
        self
    }

    /// Removes a default header.
    pub fn remove_header(mut self, name: &str) -> ProfileBuilder {
        self.profile.headers.remove(name);
        self
    }

    /// Replaces all default headers.
    pub fn headers(mut self, headers: Headers) -> ProfileBuilder {
        self.profile.headers = headers;
        self
    }

    /// The profile, or an error if its ClientHello cannot work: it needs a TLS 1.3 cipher
    /// suite (`0x1301`–`0x1305`), and a first group, the one that gets a key share, that is
    /// an elliptic-curve or hybrid group (not a finite-field `ffdhe` one, `0x0100`–`0x01ff`,
    /// which no browser makes a key share for). Whether the TLS backend implements them is
    /// checked when a client is built with the profile
    /// ([`ClientBuilder::build`](crate::ClientBuilder::build)).
    pub fn build(self) -> Result<Profile> {
        if let Some(e) = self.error {
            return Err(e);
        }
        check(&self.profile.tls)?;
        Ok(self.profile)
    }
}

/// Checks what any TLS 1.3 ClientHello needs of `spec` (see [`ProfileBuilder::build`]).
fn check(spec: &TlsSpec) -> Result<()> {
    const TLS13_SUITES: std::ops::RangeInclusive<u16> = 0x1301..=0x1305;
    const FFDHE_GROUPS: std::ops::RangeInclusive<u16> = 0x0100..=0x01ff;
    if !spec.cipher_suites.iter().any(|c| TLS13_SUITES.contains(c)) {
        return Err(Error::new(
            Kind::Builder,
            "the profile needs a TLS 1.3 cipher suite (0x1301-0x1305)",
        ));
    }
    match spec.groups.first() {
        Some(group) if !FFDHE_GROUPS.contains(group) => Ok(()),
        Some(group) => Err(Error::new(
            Kind::Builder,
            format!(
                "the profile's first group gets a key share: it must be an elliptic-curve or \
                 hybrid group, not the finite-field group {group:#06x}"
            ),
        )),
        None => Err(Error::new(Kind::Builder, "the profile has no group")),
    }
}

/// Builds a profile from static data (used by the built-in browsers).
fn profile(name: &'static str, tls: TlsSpec, headers: &[(&'static str, &'static str)]) -> Profile {
    let mut list = Headers::new();
    for (name, value) in headers {
        list.append_static(name, HeaderValue::from_static(value));
    }
    Profile {
        name: Cow::Borrowed(name),
        tls,
        headers: list,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_needs_a_tls13_suite_and_an_elliptic_curve_group_first() {
        let chrome = Profile::chrome();
        let with = |f: fn(&mut TlsSpec)| {
            let mut spec = chrome.tls().clone();
            f(&mut spec);
            check(&spec).map_err(|e| e.to_string())
        };
        assert_eq!(with(|_| ()), Ok(()));
        // What the TLS backend may not implement is for it to say, not the profile.
        assert_eq!(with(|s| s.cipher_suites = vec![0x1304]), Ok(()));
        assert_eq!(with(|s| s.groups.insert(0, 0x0019)), Ok(()));

        let tls12_only = with(|s| s.cipher_suites = vec![0xc02b, 0xc013]).unwrap_err();
        assert!(tls12_only.contains("TLS 1.3 cipher suite"), "{tls12_only}");
        let ffdhe_first = with(|s| s.groups.insert(0, 0x0100)).unwrap_err();
        assert!(ffdhe_first.contains("0x0100"), "{ffdhe_first}");
        assert!(with(|s| s.groups.clear()).is_err());
    }
}
