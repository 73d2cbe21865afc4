//! Request heads and chunks, written byte for byte as given (RFC 9112 §3, §7.1).

use http::{Method, Version};

use crate::headers::Headers;

/// A header field on its way to the wire, borrowed: `(name, value)`.
pub(crate) type Field<'a> = (&'a [u8], &'a [u8]);

/// How a request's body goes on the wire (RFC 9112 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// No body.
    None,
    /// A body of this many bytes.
    Length(u64),
    /// A body of unknown length, chunked.
    Chunked,
}

/// Adds HTTP/1.1's own fields to a request's `fields`: `Host` first unless the caller set
/// one (RFC 9112 §3.2), and the body's framing (§6), which is the client's whatever the
/// caller set: `Content-Length` for a body of known length and for an empty `POST`, `PUT` or
/// `PATCH`, `Transfer-Encoding: chunked` for a stream of unknown length, neither for no body. A framing field
/// the caller set keeps its place; `length` holds the digits the length field points into.
pub(crate) fn add_framing_fields<'a>(
    fields: &mut Vec<Field<'a>>,
    host: &'a [u8],
    method: &Method,
    body: BodyFraming,
    length: &'a mut String,
) {
    if find(fields, b"host").is_none() {
        fields.insert(0, (b"Host", host));
    }
    let drop_all = |fields: &mut Vec<Field<'a>>, name: &[u8]| {
        fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    };
    match body {
        BodyFraming::None => {
            drop_all(fields, b"transfer-encoding");
            if matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
                set(fields, b"Content-Length", b"0");
            } else {
                drop_all(fields, b"content-length");
            }
        }
        BodyFraming::Length(n) => {
            drop_all(fields, b"transfer-encoding");
            *length = n.to_string();
            let length: &'a String = length;
            set(fields, b"Content-Length", length.as_bytes());
        }
        BodyFraming::Chunked => {
            drop_all(fields, b"content-length");
            set(fields, b"Transfer-Encoding", b"chunked");
        }
    }
}

/// The first field named `name`, ignoring case.
pub(crate) fn find(fields: &[Field<'_>], name: &[u8]) -> Option<usize> {
    fields
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// Sets `name` as [`Headers::insert`] does: the first field of that name takes the new name
/// and value in place and later ones are removed; without one the field goes last.
fn set<'a>(fields: &mut Vec<Field<'a>>, name: &'a [u8], value: &'a [u8]) {
    match find(fields, name) {
        Some(i) => {
            fields[i] = (name, value);
            let mut k = i + 1;
            while k < fields.len() {
                if fields[k].0.eq_ignore_ascii_case(name) {
                    fields.remove(k);
                } else {
                    k += 1;
                }
            }
        }
        None => fields.push((name, value)),
    }
}

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
    encode_fields(method, target, Version::HTTP_11, fields, out)
}

/// [`encode_head`] over borrowed `(name, value)` fields, which the caller guarantees to be
/// tokens and valid field values, as `HTTP/1.0` for that `version` and `HTTP/1.1` for any
/// other. `out` grows once, by the exact size of the head.
pub(crate) fn encode_fields<'a>(
    method: &Method,
    target: &str,
    version: Version,
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
    out.extend_from_slice(match version {
        Version::HTTP_10 => b" HTTP/1.0\r\n",
        _ => b" HTTP/1.1\r\n",
    });
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

    /// The fields after [`add_framing_fields`], as `Name: value` strings.
    fn framed(caller: &[(&str, &str)], method: Method, body: BodyFraming) -> Vec<String> {
        let mut fields: Vec<Field<'_>> = caller
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        let mut length = String::new();
        add_framing_fields(&mut fields, b"h", &method, body, &mut length);
        fields
            .iter()
            .map(|(n, v)| {
                format!(
                    "{}: {}",
                    String::from_utf8_lossy(n),
                    String::from_utf8_lossy(v)
                )
            })
            .collect()
    }

    #[test]
    fn framing_fields_are_the_clients_in_every_body_branch() {
        use BodyFraming::{Chunked, Length, None};
        let theirs = [
            ("A", "1"),
            ("transfer-encoding", "gzip"),
            ("content-length", "9"),
            ("Transfer-Encoding", "chunked"),
        ];
        assert_eq!(framed(&theirs, Method::GET, None), ["Host: h", "A: 1"]);
        assert_eq!(
            framed(&theirs, Method::POST, None),
            ["Host: h", "A: 1", "Content-Length: 0"]
        );
        assert_eq!(
            framed(&theirs, Method::PUT, Length(12)),
            ["Host: h", "A: 1", "Content-Length: 12"]
        );
        assert_eq!(
            framed(&theirs, Method::PATCH, Chunked),
            ["Host: h", "A: 1", "Transfer-Encoding: chunked"]
        );
        assert_eq!(framed(&[], Method::DELETE, None), ["Host: h"]);
        assert_eq!(
            framed(&[], Method::POST, Length(3)),
            ["Host: h", "Content-Length: 3"]
        );
        // A Host of the caller's stays, in its place and case.
        assert_eq!(
            framed(&[("A", "1"), ("host", "x")], Method::GET, None),
            ["A: 1", "host: x"]
        );
    }
}
