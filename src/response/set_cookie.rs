//! [`Cookie`]: one `Set-Cookie` field of a response, parsed (by the `cookie` crate).

use std::fmt;
use std::time::{Duration, SystemTime};

/// A cookie a response set, from [`Response::cookies`](crate::Response::cookies): its name,
/// value and attributes as the `Set-Cookie` field gave them (RFC 6265), borrowed from the
/// response's headers. Whether a browser would keep it (for this URL, its domain, now) is
/// the [`CookieJar`](crate::CookieJar)'s business.
pub struct Cookie<'a>(::cookie::Cookie<'a>);

/// The `SameSite` attribute of a [`Cookie`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SameSite {
    /// `SameSite=Strict`: sent only with requests from the cookie's own site.
    Strict,
    /// `SameSite=Lax`: also sent when the user navigates to the site from another one.
    Lax,
    /// `SameSite=None`: sent with cross-site requests too (browsers require `Secure` then).
    None,
}

impl<'a> Cookie<'a> {
    /// The cookie in `set_cookie`, a `Set-Cookie` value; `None` if it is malformed (no
    /// `name=value` pair, an empty name).
    pub(crate) fn parse(set_cookie: &'a str) -> Option<Cookie<'a>> {
        ::cookie::Cookie::parse(set_cookie).ok().map(Cookie)
    }

    /// The name.
    pub fn name(&self) -> &str {
        self.0.name()
    }

    /// The value exactly as sent: not percent-decoded, surrounding double quotes kept (as a
    /// browser keeps them).
    pub fn value(&self) -> &str {
        self.0.value()
    }

    /// The `Domain` attribute, without a leading dot.
    pub fn domain(&self) -> Option<&str> {
        self.0.domain()
    }

    /// The `Path` attribute.
    pub fn path(&self) -> Option<&str> {
        self.0.path()
    }

    /// The `Expires` attribute, as a point in time.
    pub fn expires(&self) -> Option<SystemTime> {
        self.0.expires_datetime().map(SystemTime::from)
    }

    /// The `Max-Age` attribute; zero or negative (delete the cookie) is zero.
    pub fn max_age(&self) -> Option<Duration> {
        let max_age = self.0.max_age()?;
        Some(max_age.try_into().unwrap_or(Duration::ZERO))
    }

    /// Whether the `Secure` attribute is set: the cookie goes over `https` only.
    pub fn secure(&self) -> bool {
        self.0.secure().unwrap_or(false)
    }

    /// Whether the `HttpOnly` attribute is set: scripts in a browser cannot read the cookie.
    pub fn http_only(&self) -> bool {
        self.0.http_only().unwrap_or(false)
    }

    /// The `SameSite` attribute.
    pub fn same_site(&self) -> Option<SameSite> {
        Some(match self.0.same_site()? {
            ::cookie::SameSite::Strict => SameSite::Strict,
            ::cookie::SameSite::Lax => SameSite::Lax,
            ::cookie::SameSite::None => SameSite::None,
        })
    }
}

impl fmt::Debug for Cookie<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cookie")
            .field("name", &self.name())
            .field("value", &"Sensitive")
            .field("domain", &self.domain())
            .field("path", &self.path())
            .field("expires", &self.expires())
            .field("max_age", &self.max_age())
            .field("secure", &self.secure())
            .field("http_only", &self.http_only())
            .field("same_site", &self.same_site())
            .finish()
    }
}
