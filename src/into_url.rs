//! What the request methods take as a URL.

use url::Url;

use crate::error::{Error, Kind, Result, printable_input};
use crate::transport::Destination;

/// A request's URL: a string, or a [`Url`] already parsed.
///
/// A string is parsed and, when relative, resolved against the client's
/// [`base_url`](crate::ClientBuilder::base_url). A [`Url`] is used as it is: parse a URL
/// that is requested many times once, and pass clones of it.
///
/// ```
/// use tls_requests::{AsyncClient, Url};
///
/// let client = AsyncClient::new();
/// let url = Url::parse("http://example.com/items").unwrap();
/// let request = client.build_request(tls_requests::Method::GET, url.clone()).unwrap();
/// assert_eq!(request.url(), &url);
/// ```
pub trait IntoUrl: sealed::IntoUrl {}

impl<T: sealed::IntoUrl> IntoUrl for T {}

pub(crate) mod sealed {
    use super::*;

    pub trait IntoUrl {
        /// The URL, checked to have an `http` or `https` destination.
        fn into_url(self, base: Option<&Url>) -> Result<Url>;
    }

    impl IntoUrl for Url {
        fn into_url(self, _: Option<&Url>) -> Result<Url> {
            Destination::check(&self).map_err(|e| e.with_url(&self))?;
            Ok(self)
        }
    }

    impl IntoUrl for &Url {
        fn into_url(self, base: Option<&Url>) -> Result<Url> {
            self.clone().into_url(base)
        }
    }

    impl IntoUrl for &str {
        fn into_url(self, base: Option<&Url>) -> Result<Url> {
            resolve(base, self)?.into_url(base)
        }
    }

    impl IntoUrl for String {
        fn into_url(self, base: Option<&Url>) -> Result<Url> {
            self.as_str().into_url(base)
        }
    }

    impl IntoUrl for &String {
        fn into_url(self, base: Option<&Url>) -> Result<Url> {
            self.as_str().into_url(base)
        }
    }
}

/// Parses `url`, appending a relative one to `base`'s path as httpx does (not replacing the
/// base path's last segment, as URL joining would).
fn resolve(base: Option<&Url>, url: &str) -> Result<Url> {
    let parsed = match (base, Url::parse(url)) {
        (_, Ok(absolute)) => Ok(absolute),
        (Some(base), Err(url::ParseError::RelativeUrlWithoutBase)) => {
            let mut base = base.clone();
            if !base.path().ends_with('/') {
                base.set_path(&format!("{}/", base.path()));
            }
            base.join(url.trim_start_matches('/'))
        }
        (_, Err(e)) => Err(e),
    };
    parsed.map_err(|e| Error::new(Kind::Url, format!("{:?}: {e}", printable_input(url))))
}
