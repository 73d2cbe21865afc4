//! `Basic` (RFC 7617), from a pair or a URL's `user:password@`, and `Bearer` (RFC 6750).

use std::fmt;

use http::HeaderValue;
use percent_encoding::percent_decode_str;
use url::Url;

use super::{Auth, AuthRequest};
use crate::credentials::basic;
use crate::error::{Error, Kind, Result};

/// `Basic` credentials (RFC 7617): `Authorization: Basic base64(user:password)` on every
/// request to the origin, as Python's `auth=("user", "pass")` and reqwest's `basic_auth`.
///
/// A `(user, password)` pair converts into one, so `.auth(("user", "pass"))` works on
/// [`ClientBuilder`](crate::ClientBuilder::auth) and
/// [`RequestBuilder`](crate::RequestBuilder::auth) alike.
///
/// ```
/// use tls_requests::{AsyncClient, BasicAuth, MockResponse, MockTransport};
/// # smol::block_on(async {
/// let mock = MockTransport::new(|req| {
///     let sent = req.headers.get("authorization").map(|v| v.to_str().unwrap().to_owned());
///     MockResponse::new(200).body(sent.unwrap_or_default())
/// });
/// let client = AsyncClient::builder().connector(mock).build()?;
/// let r = client.get("https://example.com/").auth(("Aladdin", "open sesame")).await?;
/// assert_eq!(r.text().await?, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
/// let r = client.get("https://example.com/").auth(BasicAuth::new("user", "")).await?;
/// assert_eq!(r.text().await?, "Basic dXNlcjo=");
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct BasicAuth {
    value: HeaderValue,
}

impl BasicAuth {
    /// Credentials of `username` and `password` (empty for none), sent as UTF-8.
    pub fn new(username: impl AsRef<str>, password: impl AsRef<str>) -> BasicAuth {
        let (user, password) = (username.as_ref(), password.as_ref());
        BasicAuth {
            value: header_value(basic(user.as_bytes(), password.as_bytes())),
        }
    }
}

impl<U: AsRef<str>, P: AsRef<str>> From<(U, P)> for BasicAuth {
    fn from((username, password): (U, P)) -> BasicAuth {
        BasicAuth::new(username, password)
    }
}

impl Auth for BasicAuth {
    fn on_request(&self, request: &mut AuthRequest<'_>) -> Result<()> {
        request
            .headers_mut()
            .set_static("Authorization", self.value.clone());
        Ok(())
    }
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BasicAuth(Sensitive)")
    }
}

/// A bearer token (RFC 6750): `Authorization: Bearer TOKEN` on every request to the origin.
///
/// ```
/// use tls_requests::{AsyncClient, BearerAuth, MockResponse, MockTransport};
/// # smol::block_on(async {
/// let mock = MockTransport::new(|req| {
///     let ok = req.headers.get("authorization").is_some_and(|v| v == "Bearer s3cr3t");
///     MockResponse::new(if ok { 200 } else { 401 })
/// });
/// let client = AsyncClient::builder().connector(mock).auth(BearerAuth::new("s3cr3t")).build()?;
/// assert_eq!(client.get("https://example.com/").await?.status(), 200);
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct BearerAuth {
    token: String,
}

impl BearerAuth {
    /// The token as given; one that cannot be a header value fails each request with
    /// [`Kind::Header`].
    pub fn new(token: impl Into<String>) -> BearerAuth {
        BearerAuth {
            token: token.into(),
        }
    }
}

impl Auth for BearerAuth {
    fn on_request(&self, request: &mut AuthRequest<'_>) -> Result<()> {
        let value = HeaderValue::try_from(format!("Bearer {}", self.token)).map_err(|_| {
            Error::new(Kind::Header, "the bearer token is not a valid header value")
        })?;
        request.headers_mut().set_static("Authorization", value);
        Ok(())
    }
}

impl fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerAuth(Sensitive)")
    }
}

/// A value made of base64 and ASCII: always a valid header value.
fn header_value(value: String) -> HeaderValue {
    HeaderValue::try_from(value).expect("base64 is a valid header value")
}

/// The `Authorization` value for the credentials in `url`: `Basic` and the base64 of
/// `user:password`, both percent-decoded as curl and requests do.
pub(crate) fn basic_from_url(url: &Url) -> String {
    let decode = |s: &str| percent_decode_str(s).collect::<Vec<u8>>();
    let password = decode(url.password().unwrap_or_default());
    basic(&decode(url.username()), &password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_credentials_are_percent_decoded() {
        let url = Url::parse("http://Aladdin:open%20sesame@example.com/").unwrap();
        // RFC 7617 §2's example.
        assert_eq!(basic_from_url(&url), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        let url = Url::parse("http://user@example.com/").unwrap();
        assert_eq!(basic_from_url(&url), "Basic dXNlcjo=");
    }
}
