//! Credentials on the wire: `Basic` (RFC 7617) from a URL's `user:password@`.

use percent_encoding::percent_decode_str;
use url::Url;

/// The `Authorization` value for the credentials in `url`: `Basic` and the base64 of
/// `user:password`, both percent-decoded as curl and requests do.
pub(crate) fn basic_from_url(url: &Url) -> String {
    let decode = |s: &str| percent_decode_str(s).collect::<Vec<u8>>();
    let mut pair = decode(url.username());
    pair.push(b':');
    pair.extend(decode(url.password().unwrap_or_default()));
    let mut value = String::from("Basic ");
    base64(&pair, &mut value);
    value
}

/// Standard base64 with padding (RFC 4648 §4), appended to `out`.
fn base64(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = String::new();
            base64(input.as_bytes(), &mut out);
            assert_eq!(out, expected, "{input:?}");
        }
    }

    #[test]
    fn url_credentials_are_percent_decoded() {
        let url = Url::parse("http://Aladdin:open%20sesame@example.com/").unwrap();
        // RFC 7617 §2's example.
        assert_eq!(basic_from_url(&url), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        let url = Url::parse("http://user@example.com/").unwrap();
        assert_eq!(basic_from_url(&url), "Basic dXNlcjo=");
    }
}
