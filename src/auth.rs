//! Credentials on the wire: `Basic` (RFC 7617) from a URL's `user:password@`.

use percent_encoding::percent_decode_str;
use url::Url;

/// The `Authorization` value for the credentials in `url`: `Basic` and the base64 of
/// `user:password`, both percent-decoded as curl and requests do.
pub(crate) fn basic_from_url(url: &Url) -> String {
    let decode = |s: &str| percent_decode_str(s).collect::<Vec<u8>>();
    let password = decode(url.password().unwrap_or_default());
    crate::credentials::basic(&decode(url.username()), &password)
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
