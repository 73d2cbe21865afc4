//! Browser profiles: the TLS ClientHello and HTTP/1.1 headers of a real browser, as data.
//!
//! A [`Profile`] is a [`TlsSpec`] (cipher suites, groups, signature algorithms, ALPN,
//! certificate compression, ECH GREASE) plus the browser's default headers in its order and
//! name case, one set for a page load and one for a script's `fetch()`, chosen per request
//! ([`Mode`]). [`Profile::none`] sends no default headers at all. The client's TLS backend turns the spec into its own configuration, once per
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
mod mode;

pub use mode::Mode;

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

/// A browser to look like: TLS spec plus default HTTP/1.1 headers for each [`Mode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    name: Cow<'static, str>,
    tls: TlsSpec,
    /// The headers of a navigation.
    headers: Headers,
    /// The headers of a `fetch()`.
    fetch: Headers,
    /// The browser's order of a `fetch()`'s fields (see [`Profile::fetch_order`]).
    fetch_order: Vec<Cow<'static, str>>,
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

    /// OkHttp 4 on Android. It has one header set for both modes.
    pub fn okhttp() -> Profile {
        browsers::okhttp4_android()
    }

    /// No default headers, in either mode: a request carries `Host`, its body's framing
    /// and what the caller sets (on the request or the client), and nothing else, not even
    /// the `Accept-Encoding` a profile without one gets (responses are still decoded if
    /// the caller asks for a coding). For API clients and tests.
    ///
    /// The TLS ClientHello stays Chrome's ([`Profile::chrome`]'s spec): the backend renders
    /// any profile's spec the same way, and a hello of a real browser is what servers that
    /// screen TLS fingerprints let through, where the TLS library's own defaults would be a
    /// fingerprint of their own. Change it with [`to_builder`](Self::to_builder).
    ///
    /// ```
    /// use tls_requests::{AsyncClient, MockResponse, MockTransport, Profile};
    /// # smol::block_on(async {
    /// let mock = MockTransport::new(|_| MockResponse::new(200));
    /// let client = AsyncClient::builder()
    ///     .profile(Profile::none())
    ///     .connector(mock.clone())
    ///     .build()?;
    /// client.get("https://api.example.com/v1").header("X-Key", "k").await?;
    /// let sent = &mock.requests()[0].headers;
    /// let names: Vec<&str> = sent.iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["Host", "X-Key"]);
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn none() -> Profile {
        Profile {
            name: Cow::Borrowed("none"),
            tls: browsers::chromium_tls(),
            headers: Headers::new(),
            fetch: Headers::new(),
            fetch_order: Vec::new(),
        }
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

    /// The default headers of a navigation ([`Mode::Navigate`]), in the browser's order and
    /// case (without `Host`, which goes first on every request).
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The default headers of a request of `mode`, in the browser's order and case (without
    /// `Host`, and, for a fetch, without the fields the client makes for each request; see
    /// [`Mode::Fetch`]).
    ///
    /// ```
    /// use tls_requests::{Profile, profile::Mode};
    /// let chrome = Profile::chrome();
    /// let fetch = chrome.headers_for(Mode::Fetch);
    /// assert_eq!(fetch.get("accept").unwrap(), "*/*");
    /// assert_eq!(fetch.get("sec-fetch-mode").unwrap(), "cors");
    /// assert!(fetch.get("upgrade-insecure-requests").is_none());
    /// assert_eq!(chrome.headers_for(Mode::Navigate), chrome.headers());
    /// ```
    pub fn headers_for(&self, mode: Mode) -> &Headers {
        match mode {
            Mode::Navigate => &self.headers,
            Mode::Fetch => &self.fetch,
        }
    }

    /// The browser's order of a `fetch()`'s fields, the client's own (`Host`, the body's
    /// framing, `Origin`, `Referer`, `Cookie`) and the caller's (`Content-Type`) among the
    /// defaults; a fetch is sent in this order, the names it does not list last, in the order
    /// they were laid. A name listed twice has its first place when the caller set its value,
    /// its second when it is the profile's (Chrome puts a script's `Accept` elsewhere than
    /// its own `*/*`). The client makes `Origin` and `Referer` only where this order names
    /// them. Empty (OkHttp, [`Profile::none`], a profile whose headers were replaced): a fetch
    /// is laid as a navigation is.
    pub fn fetch_order(&self) -> &[Cow<'static, str>] {
        &self.fetch_order
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

    /// Sets a default header of both modes: in place if the set has it, else last.
    pub fn header<V>(mut self, name: &str, value: V) -> ProfileBuilder
    where
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        let value: std::result::Result<HeaderValue, http::Error> =
            value.try_into().map_err(Into::into);
        let set = value
            .map_err(|e| Error::new(Kind::Header, e))
            .and_then(|value| {
                for set in [&mut self.profile.headers, &mut self.profile.fetch] {
                    set.insert(name, value.clone())
                        .map_err(|e| Error::new(Kind::Header, e))?;
                }
                Ok(())
            });
        if let Err(e) = set {
            self.error.get_or_insert(e);
        }
        self
    }

    /// Removes a default header of both modes.
    pub fn remove_header(mut self, name: &str) -> ProfileBuilder {
        self.profile.headers.remove(name);
        self.profile.fetch.remove(name);
        self
    }

    /// Replaces all default headers, of both modes, by `headers`, and empties the
    /// [`fetch_order`](Profile::fetch_order): every request sends these, laid as given.
    pub fn headers(mut self, headers: Headers) -> ProfileBuilder {
        self.profile.fetch = headers.clone();
        self.profile.headers = headers;
        self.profile.fetch_order.clear();
        self
    }

    /// Replaces the default headers of `mode` only.
    pub fn headers_for(mut self, mode: Mode, headers: Headers) -> ProfileBuilder {
        match mode {
            Mode::Navigate => self.profile.headers = headers,
            Mode::Fetch => self.profile.fetch = headers,
        }
        self
    }

    /// Replaces the [`fetch_order`](Profile::fetch_order).
    pub fn fetch_order<S: Into<String>>(
        mut self,
        names: impl IntoIterator<Item = S>,
    ) -> ProfileBuilder {
        let names = names.into_iter().map(|n| Cow::Owned(n.into()));
        self.profile.fetch_order = names.collect();
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

/// Builds a profile from static data (used by the built-in browsers): its navigation
/// `headers`, and a fetch set made from them by `fetch` (one set for both if `None`).
fn profile(
    name: &'static str,
    tls: TlsSpec,
    headers: &[(&'static str, &'static str)],
    fetch: Option<&FetchRules>,
) -> Profile {
    let navigate = static_headers(headers.iter().copied());
    let (fetch, fetch_order) = match fetch {
        None => (navigate.clone(), Vec::new()),
        Some(rules) => (
            rules.apply(&navigate),
            rules.order.iter().map(|n| Cow::Borrowed(*n)).collect(),
        ),
    };
    Profile {
        name: Cow::Borrowed(name),
        tls,
        headers: navigate,
        fetch,
        fetch_order,
    }
}

fn static_headers(fields: impl Iterator<Item = (&'static str, &'static str)>) -> Headers {
    let mut list = Headers::new();
    for (name, value) in fields {
        list.append_static(name, HeaderValue::from_static(value));
    }
    list
}

/// How a browser family's `fetch()` headers follow from its navigation headers.
struct FetchRules {
    /// The order of a fetch's fields ([`Profile::fetch_order`]).
    order: &'static [&'static str],
    /// The fields whose fetch value is not the navigation's.
    values: &'static [(&'static str, &'static str)],
}

impl FetchRules {
    /// The fetch set: every field of `order` that has a value in `values` or, else, in
    /// `navigation`, in that order and case (the first place of a name listed twice is the
    /// caller's, so its value goes in the second). What `order` does not name, such as
    /// `Upgrade-Insecure-Requests` and `Sec-Fetch-User`, a fetch does not send.
    fn apply(&self, navigation: &Headers) -> Headers {
        let mut fetch = Headers::new();
        for (i, name) in self.order.iter().enumerate() {
            let again = self.order[i + 1..]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name));
            let set = self
                .values
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name));
            let value = match set {
                Some((_, value)) => Some(HeaderValue::from_static(value)),
                None => navigation.get(name).cloned(),
            };
            if let (false, Some(value)) = (again, value) {
                fetch.append_static(name, value);
            }
        }
        fetch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(headers: &Headers) -> Vec<String> {
        headers
            .iter()
            .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
            .collect()
    }

    #[test]
    fn chromes_fetch_set_is_its_navigation_set_by_the_chromium_rules() {
        let chrome = Profile::chrome();
        let nav = |name: &str| {
            chrome
                .headers()
                .get(name)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        };
        let expected = [
            format!("Connection: {}", nav("connection")),
            format!("sec-ch-ua-platform: {}", nav("sec-ch-ua-platform")),
            format!("User-Agent: {}", nav("user-agent")),
            format!("sec-ch-ua: {}", nav("sec-ch-ua")),
            format!("sec-ch-ua-mobile: {}", nav("sec-ch-ua-mobile")),
            "Accept: */*".to_owned(),
            "Sec-Fetch-Site: same-origin".to_owned(),
            "Sec-Fetch-Mode: cors".to_owned(),
            "Sec-Fetch-Dest: empty".to_owned(),
            format!("Accept-Encoding: {}", nav("accept-encoding")),
            format!("Accept-Language: {}", nav("accept-language")),
        ];
        assert_eq!(names(chrome.headers_for(Mode::Fetch)), expected);
        assert_eq!(chrome.headers_for(Mode::Navigate), chrome.headers());
        // Edge is Chrome with its own brand and User-Agent, in both modes.
        let edge = Profile::edge();
        for mode in [Mode::Navigate, Mode::Fetch] {
            let ua = edge.headers_for(mode).get("user-agent").unwrap();
            assert!(ua.to_str().unwrap().ends_with("Edg/156.0.0.0"), "{mode:?}");
        }
        assert_eq!(edge.fetch_order(), chrome.fetch_order());
    }

    #[test]
    fn firefox_and_safari_fetch_sets_follow_their_rules() {
        let firefox = Profile::firefox();
        let fetch = names(firefox.headers_for(Mode::Fetch));
        let fetch: Vec<&str> = fetch.iter().map(|f| f.split(':').next().unwrap()).collect();
        assert_eq!(
            fetch,
            [
                "User-Agent",
                "Accept",
                "Accept-Language",
                "Accept-Encoding",
                "Connection",
                "Sec-Fetch-Dest",
                "Sec-Fetch-Mode",
                "Sec-Fetch-Site",
                "Priority",
            ]
        );
        let value = |p: &Profile, n: &str| p.headers_for(Mode::Fetch).get(n).cloned().unwrap();
        assert_eq!(value(&firefox, "priority"), "u=4");
        for safari in [Profile::safari(), Profile::safari_ios()] {
            assert_eq!(value(&safari, "accept"), "*/*");
            assert_eq!(value(&safari, "sec-fetch-dest"), "empty");
            assert!(safari.headers_for(Mode::Fetch).get("priority").is_none());
            assert!(safari.fetch_order().iter().any(|n| n == "Origin"));
        }
        // OkHttp does not tell the modes apart.
        let okhttp = Profile::okhttp();
        assert_eq!(okhttp.headers_for(Mode::Fetch), okhttp.headers());
        assert!(okhttp.fetch_order().is_empty());
    }

    #[test]
    fn none_has_no_headers_and_chromes_tls() {
        let none = Profile::none();
        assert!(none.headers_for(Mode::Navigate).is_empty());
        assert!(none.headers_for(Mode::Fetch).is_empty());
        assert!(none.fetch_order().is_empty());
        assert_eq!(none.tls(), Profile::chrome().tls());
        assert_eq!(none.name(), "none");
    }

    #[test]
    fn the_builder_changes_both_modes_or_one() {
        let chrome = Profile::chrome();
        let changed = chrome
            .to_builder()
            .header("Accept-Language", "de")
            .remove_header("sec-ch-ua-mobile")
            .build()
            .unwrap();
        for mode in [Mode::Navigate, Mode::Fetch] {
            let set = changed.headers_for(mode);
            assert_eq!(set.get("accept-language").unwrap(), "de", "{mode:?}");
            assert!(set.get("sec-ch-ua-mobile").is_none(), "{mode:?}");
            assert_eq!(set.len(), chrome.headers_for(mode).len() - 1, "{mode:?}");
        }
        assert!(chrome.to_builder().header("bad name", "x").build().is_err());
        assert!(chrome.to_builder().header("X-A", "a\nb").build().is_err());

        let mut own = Headers::new();
        own.append_static("X-Only", HeaderValue::from_static("1"));
        let replaced = chrome.to_builder().headers(own.clone()).build().unwrap();
        assert_eq!(replaced.headers_for(Mode::Fetch), &own);
        assert_eq!(replaced.headers_for(Mode::Navigate), &own);
        assert!(replaced.fetch_order().is_empty());

        let one = chrome
            .to_builder()
            .headers_for(Mode::Fetch, own.clone())
            .fetch_order(["Host", "X-Only"])
            .build()
            .unwrap();
        assert_eq!(one.headers_for(Mode::Fetch), &own);
        assert_eq!(one.headers(), chrome.headers());
        assert_eq!(one.fetch_order(), ["Host", "X-Only"]);
    }

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
