//! Request heads and chunks, written byte for byte as given (RFC 9112 §3, §7.1).

use http::Method;

use crate::headers::Headers;

/// Why a request head could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRequest(pub &'static str);

impl std::fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for InvalidRequest {}

/// Appends `method SP target SP HTTP/1.1 CRLF`, each field as `Name: value CRLF` in order and
/// case, and the final CRLF to `out`.
///
/// The target must be free of whitespace and control bytes; names are tokens and values are
/// free of CR, LF and NUL by construction of [`Headers`] and [`http::HeaderValue`].
///
/// ```
/// use tls_requests::{Headers, proto::h1::encode_head};
/// let mut h = Headers::new();
/// h.append("Host", "example.com".parse().unwrap()).unwrap();
/// h.append("x-Mixed-CASE", "1".parse().unwrap()).unwrap();
/// let mut out = Vec::new();
/// encode_head(&http::Method::GET, "/a?b", &h, &mut out).unwrap();
/// assert_eq!(out, b"GET /a?b HTTP/1.1\r\nHost: example.com\r\nx-Mixed-CASE: 1\r\n\r\n");
/// ```
pub fn encode_head(
    method: &Method,
    target: &str,
    headers: &Headers,
    out: &mut Vec<u8>,
) -> Result<(), InvalidRequest> {
    let fields = headers
        .entries()
        .iter()
        .map(|(n, v)| (&n[..], v.as_bytes()));
    encode_fields(method, target, fields, out)
}

/// [`encode_head`] over borrowed `(name, value)` fields, which the caller guarantees to be
/// tokens and valid field values. `out` grows once, by the exact size of the head.
pub(crate) fn encode_fields<'a>(
    method: &Method,
    target: &str,
    fields: impl Iterator<Item = (&'a [u8], &'a [u8])> + Clone,
    out: &mut Vec<u8>,
) -> Result<(), InvalidRequest> {
    if target.is_empty() || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(InvalidRequest(
            "request target contains whitespace or control characters",
        ));
    }
    let size = fields
        .clone()
        .map(|(n, v)| n.len() + v.len() + 4)
        .sum::<usize>();
    out.reserve_exact(method.as_str().len() + target.len() + 13 + size + 2);
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in fields {
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// Appends one chunk of a chunked body. Empty `data` writes nothing (an empty chunk would
/// end the body); use [`encode_last_chunk`] for that.
pub fn encode_chunk(data: &[u8], out: &mut Vec<u8>) {
    if data.is_empty() {
        return;
    }
    use std::io::Write;
    let _ = write!(out, "{:X}\r\n", data.len());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends the last chunk with an empty trailer section.
pub fn encode_last_chunk(out: &mut Vec<u8>) {
    out.extend_from_slice(b"0\r\n\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_targets() {
        let h = Headers::new();
        for t in ["", "/a b", "/a\r\nX: y", "/\0", "/\t"] {
            assert!(
                encode_head(&Method::GET, t, &h, &mut Vec::new()).is_err(),
                "{t:?}"
            );
        }
    }

    #[test]
    fn chunks() {
        let mut out = Vec::new();
        encode_chunk(b"", &mut out);
        encode_chunk(&[b'x'; 26], &mut out);
        encode_last_chunk(&mut out);
        assert_eq!(
            out,
            [&b"1A\r\n"[..], &[b'x'; 26], b"\r\n0\r\n\r\n"].concat()
        );
    }
}
