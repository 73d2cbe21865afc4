//! [`MockRequest`]: a request as the mock server read it off the in-memory stream, parsed
//! with the client's own HTTP/1.1 body decoder, and how it prints in reports.

use std::fmt;

use bytes::Bytes;
use http::{HeaderValue, Method};
use url::Url;

use crate::headers::{Headers, is_request_credential};
use crate::proto::h1::{BodyDecoder, Framing, Step};

/// A request as the mock server received it.
///
/// `Display` prints it as the reports of [`MockTransport`](super::MockTransport) do: the
/// method and URL, then each header in order and case as sent (the values of
/// `Authorization`, `Proxy-Authorization` and `Cookie` hidden), then the body's start.
#[derive(Debug, Clone)]
pub struct MockRequest {
    /// The method.
    pub method: Method,
    /// The full URL, rebuilt from the scheme, `Host` and request target.
    pub url: Url,
    /// The headers in the order and case they were sent.
    pub headers: Headers,
    /// The body, de-chunked.
    pub body: Bytes,
    /// The request exactly as it came off the wire: head and framed body.
    pub raw: Bytes,
}

impl MockRequest {
    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    #[cfg(feature = "json")]
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.body)
    }
}

/// At most this many bytes of a body are printed.
const BODY_SHOWN: usize = 256;

impl fmt::Display for MockRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            write!(f, "\n    {name}: {}", shown(name, value))?;
        }
        if !self.body.is_empty() {
            let cut = self.body.len().min(BODY_SHOWN);
            let text = String::from_utf8_lossy(&self.body[..cut]);
            write!(f, "\n    body ({} bytes): {text:?}", self.body.len())?;
            if cut < self.body.len() {
                f.write_str("...")?;
            }
        }
        Ok(())
    }
}

/// A header value as reports print it: credentials hidden, as `Headers`' `Debug` does.
pub(crate) fn shown(name: &str, value: &HeaderValue) -> String {
    if is_request_credential(name.as_bytes()) || value.is_sensitive() {
        "<hidden>".to_owned()
    } else {
        String::from_utf8_lossy(value.as_bytes()).into_owned()
    }
}

/// What the front of the inbound bytes holds.
pub(crate) enum Parsed {
    /// A whole request, and how many bytes it took.
    Request(Box<MockRequest>, usize),
    /// Not a whole request yet; `wants_continue` once its head asked for `100 Continue`.
    Partial { wants_continue: bool },
    /// Not HTTP/1.1.
    Invalid,
}

/// Parses the request at the front of `buf`, whose URL gets `scheme`.
pub(crate) fn parse(buf: &[u8], scheme: &str) -> Parsed {
    match try_parse(buf, scheme) {
        Ok(parsed) => parsed,
        Err(()) => Parsed::Invalid,
    }
}

fn try_parse(buf: &[u8], scheme: &str) -> Result<Parsed, ()> {
    let mut fields = [httparse::EMPTY_HEADER; 128];
    let mut req = httparse::Request::new(&mut fields);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => {
            return Ok(Parsed::Partial {
                wants_continue: false,
            });
        }
        Err(_) => return Err(()),
    };
    let method = Method::from_bytes(req.method.unwrap_or_default().as_bytes()).map_err(|_| ())?;
    let mut headers = Headers::new();
    for f in req.headers.iter() {
        let value = HeaderValue::from_bytes(f.value).map_err(|_| ())?;
        headers.append(f.name, value).map_err(|_| ())?;
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("mock");
    let target = req.path.unwrap_or("/");
    let url = if target.starts_with('/') {
        Url::parse(&format!("{scheme}://{host}{target}"))
    } else {
        // The absolute form, as sent to an HTTP proxy.
        Url::parse(target)
    }
    .map_err(|_| ())?;
    let framing = if headers.contains("transfer-encoding") {
        Framing::Chunked
    } else {
        match headers
            .get("content-length")
            .map(|v| v.to_str().ok().and_then(|s| s.parse().ok()))
        {
            Some(Some(n)) => Framing::Length(n),
            Some(None) => return Err(()),
            None => Framing::Empty,
        }
    };
    let Some((body, body_len)) = read_body(framing, &buf[head_len..])? else {
        let wants_continue = headers
            .get("expect")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        return Ok(Parsed::Partial { wants_continue });
    };
    let used = head_len + body_len;
    let request = MockRequest {
        method,
        url,
        headers,
        body,
        raw: Bytes::copy_from_slice(&buf[..used]),
    };
    Ok(Parsed::Request(Box::new(request), used))
}

/// The whole body at the front of `buf` and its framed length, or `None` if incomplete.
fn read_body(framing: Framing, mut buf: &[u8]) -> Result<Option<(Bytes, usize)>, ()> {
    let start = buf.len();
    let mut decoder = BodyDecoder::new(framing);
    let mut body = Vec::new();
    loop {
        match decoder.decode(buf, false).map_err(|_| ())? {
            Step::Data { skip, len } => {
                body.extend_from_slice(&buf[skip..skip + len]);
                buf = &buf[skip + len..];
            }
            Step::NeedMore { .. } => return Ok(None),
            Step::End { skip, .. } => return Ok(Some((body.into(), start - buf.len() + skip))),
        }
    }
}
