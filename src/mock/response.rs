//! [`MockResponse`]: what a mock answers, and its bytes on the wire ([`Wire`]), cut short
//! where a fault says.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode};

use super::fault::{Cut, Then};
use crate::headers::Headers;
use crate::proto::h1::{encode_chunk, encode_last_chunk};

/// A response for [`MockTransport`](super::MockTransport) to send, through the real
/// HTTP/1.1 framing: headers in the order and case written, `Content-Length` added unless a
/// framing header is set.
///
/// Invalid input panics where it is written (the convention of test tools, as wiremock's):
/// a status outside `100..=999`, a header name that is not a token, a value with a control
/// character. Nothing is silently changed or skipped.
///
/// ```
/// use std::time::Duration;
/// use tls_requests::MockResponse;
///
/// let created = MockResponse::new(201).header("Location", "/users/7").body("made");
/// let streamed = MockResponse::new(200).chunked(["first ", "second"]);
/// let slow = MockResponse::new(204).delay(Duration::from_millis(5));
/// let broken = MockResponse::new(200).body("truncated").reset_after(4);
/// # let _ = (created, streamed, slow, broken);
/// ```
///
/// ```should_panic
/// // Panics here: "MockResponse::new: 1000 is not an HTTP status code (100..=999)".
/// tls_requests::MockResponse::new(1000);
/// ```
#[derive(Debug, Clone)]
pub struct MockResponse {
    status: StatusCode,
    headers: Headers,
    body: Content,
    raw: Option<Bytes>,
    delay: Option<Duration>,
    cut: Option<Cut>,
}

#[derive(Debug, Clone)]
enum Content {
    Whole(Bytes),
    Chunked(Vec<Bytes>),
}

/// A response as bytes: the segments to send (each its own read), and what follows them.
pub(crate) struct Wire {
    pub(crate) segments: VecDeque<Bytes>,
    pub(crate) then: Then,
    pub(crate) delay: Option<Duration>,
}

impl MockResponse {
    /// A response with `status`, no headers and an empty body.
    ///
    /// # Panics
    ///
    /// If `status` is not in `100..=999`.
    #[track_caller]
    pub fn new(status: u16) -> MockResponse {
        MockResponse {
            status: status_code(status, "new"),
            headers: Headers::new(),
            body: Content::Whole(Bytes::new()),
            raw: None,
            delay: None,
            cut: None,
        }
    }

    /// `200 OK` with `value` as its JSON body and `Content-Type: application/json`.
    ///
    /// ```
    /// let r = tls_requests::MockResponse::json(&serde_json::json!({"id": 7})).status(201);
    /// # drop(r);
    /// ```
    ///
    /// # Panics
    ///
    /// If `value` cannot be serialized (a map with non-string keys, say).
    #[cfg(feature = "json")]
    #[track_caller]
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> MockResponse {
        let body = match serde_json::to_vec(value) {
            Ok(body) => body,
            Err(e) => panic!("MockResponse::json: the value cannot be serialized: {e}"),
        };
        MockResponse::new(200)
            .header("Content-Type", "application/json")
            .body(body)
    }

    /// Bytes sent as they are, in place of a well-formed response, and then the connection
    /// closed: for testing how your code handles a broken server.
    pub fn raw(bytes: impl Into<Bytes>) -> MockResponse {
        MockResponse {
            raw: Some(bytes.into()),
            ..MockResponse::new(200)
        }
    }

    /// Never answers: not a byte of the head is sent, and the connection stays open, so the
    /// client's read timeout is what ends the wait.
    pub fn stall() -> MockResponse {
        MockResponse::new(200).cut(None, Then::Stall)
    }

    /// Resets the connection instead of answering: the client's read fails with
    /// `ConnectionReset` before any byte of the head.
    pub fn reset() -> MockResponse {
        MockResponse::new(200).cut(None, Then::Reset)
    }

    /// Closes the connection instead of answering: the client reads end-of-file before any
    /// byte of the head (as from a server that dropped an idle connection).
    pub fn hang_up() -> MockResponse {
        MockResponse::new(200).cut(None, Then::HangUp)
    }

    /// Replaces the status.
    ///
    /// # Panics
    ///
    /// If `status` is not in `100..=999`.
    #[track_caller]
    pub fn status(mut self, status: u16) -> MockResponse {
        self.status = status_code(status, "status");
        self
    }

    /// Adds a header, in order, with the name as written. The value may be any text but
    /// control characters (UTF-8 goes on the wire as it is, as obs-text).
    ///
    /// # Panics
    ///
    /// If `name` is not an RFC 9110 token or `value` has a control character (`\r`, `\n`,
    /// `\0`...).
    #[track_caller]
    pub fn header(mut self, name: &str, value: &str) -> MockResponse {
        let value = match HeaderValue::from_bytes(value.as_bytes()) {
            Ok(value) => value,
            Err(_) => panic!("MockResponse::header: invalid value for {name:?}: {value:?}"),
        };
        if let Err(e) = self.headers.append(name, value) {
            panic!("MockResponse::header: {e}");
        }
        self
    }

    /// Sets the body; `Content-Length` is added unless a framing header is set.
    pub fn body(mut self, body: impl Into<Bytes>) -> MockResponse {
        self.body = Content::Whole(body.into());
        self
    }

    /// Sets a body sent with `Transfer-Encoding: chunked` (added unless set), one chunk per
    /// item, each arriving in a read of its own; empty items are left out (an empty chunk
    /// would end the body).
    pub fn chunked<I>(mut self, chunks: I) -> MockResponse
    where
        I: IntoIterator,
        I::Item: Into<Bytes>,
    {
        let chunks = chunks.into_iter().map(Into::into).filter(|c| !c.is_empty());
        self.body = Content::Chunked(chunks.collect());
        self
    }

    /// Waits `duration` before sending the head. The wait is a timer of the transport's
    /// executor if [one was given](super::MockTransportBuilder::executor), else async-io's
    /// (which runs under any executor).
    pub fn delay(mut self, duration: Duration) -> MockResponse {
        self.delay = Some(duration);
        self
    }

    /// Sends the head and the first `n` bytes of the body as framed on the wire (of a raw
    /// response: its first `n` bytes), then nothing more, without ending: the client's read
    /// timeout fires while it reads the body.
    pub fn stall_after(self, n: usize) -> MockResponse {
        self.cut(Some(n), Then::Stall)
    }

    /// Sends the head and the first `n` bytes of the body (as [`stall_after`](Self::stall_after)
    /// counts them), then resets the connection: the body's read fails.
    pub fn reset_after(self, n: usize) -> MockResponse {
        self.cut(Some(n), Then::Reset)
    }

    /// Sends the head and the first `n` bytes of the body (as [`stall_after`](Self::stall_after)
    /// counts them), then closes the connection: the body ends early.
    pub fn hang_up_after(self, n: usize) -> MockResponse {
        self.cut(Some(n), Then::HangUp)
    }

    fn cut(mut self, after: Option<usize>, then: Then) -> MockResponse {
        self.cut = Some(Cut { after, then });
        self
    }

    /// The bytes of this response to a request of `method`.
    pub(crate) fn wire(&self, method: &Method) -> Wire {
        let (head, body) = match &self.raw {
            Some(raw) => (Bytes::new(), VecDeque::from([raw.clone()])),
            None => (self.head(), self.framed_body(method)),
        };
        let closes = self.raw.is_some()
            || self
                .headers
                .get_all("connection")
                .any(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
        let mut wire = Wire {
            segments: body,
            then: if closes { Then::HangUp } else { Then::Next },
            delay: self.delay,
        };
        match self.cut {
            None => {}
            Some(Cut { after: None, then }) => {
                wire.segments.clear();
                wire.then = then;
                return wire;
            }
            Some(Cut {
                after: Some(n),
                then,
            }) => {
                truncate(&mut wire.segments, n);
                wire.then = then;
            }
        }
        if !head.is_empty() {
            wire.segments.push_front(head);
        }
        wire
    }

    fn bodiless(&self) -> bool {
        self.status.is_informational() || self.status == 204 || self.status == 304
    }

    fn head(&self) -> Bytes {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status.as_u16(),
            self.status.canonical_reason().unwrap_or("")
        )
        .into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        let framed =
            self.headers.contains("content-length") || self.headers.contains("transfer-encoding");
        if !framed && !self.bodiless() {
            match &self.body {
                Content::Whole(body) => {
                    out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes())
                }
                Content::Chunked(_) => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
            }
        }
        out.extend_from_slice(b"\r\n");
        out.into()
    }

    fn framed_body(&self, method: &Method) -> VecDeque<Bytes> {
        if method == Method::HEAD || self.bodiless() {
            return VecDeque::new();
        }
        match &self.body {
            Content::Whole(body) if body.is_empty() => VecDeque::new(),
            Content::Whole(body) => VecDeque::from([body.clone()]),
            Content::Chunked(chunks) => {
                let mut framed: VecDeque<Bytes> = chunks
                    .iter()
                    .map(|chunk| {
                        let mut out = Vec::with_capacity(chunk.len() + 12);
                        encode_chunk(chunk, &mut out);
                        Bytes::from(out)
                    })
                    .collect();
                let mut last = Vec::new();
                encode_last_chunk(&mut last);
                framed.push_back(last.into());
                framed
            }
        }
    }
}

/// Keeps the first `n` bytes of `segments`.
fn truncate(segments: &mut VecDeque<Bytes>, mut n: usize) {
    let mut kept = 0;
    for segment in segments.iter_mut() {
        if n == 0 {
            break;
        }
        if segment.len() > n {
            segment.truncate(n);
        }
        n -= segment.len();
        kept += 1;
    }
    segments.truncate(kept);
}

#[track_caller]
fn status_code(status: u16, method: &str) -> StatusCode {
    match StatusCode::from_u16(status) {
        Ok(status) => status,
        Err(_) => panic!("MockResponse::{method}: {status} is not an HTTP status code (100..=999)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(wire: &Wire) -> Vec<u8> {
        wire.segments.iter().flat_map(|s| s.to_vec()).collect()
    }

    #[test]
    fn cuts_count_body_bytes_after_the_head() {
        let r = MockResponse::new(200).chunked(["abc", "", "de"]);
        let full = r.wire(&Method::GET);
        let full_text = String::from_utf8(bytes(&full)).unwrap();
        assert!(
            full_text
                .ends_with("transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
            "{full_text}"
        );
        assert_eq!(full.segments.len(), 4);
        assert_eq!(full.then, Then::Next);
        // 8 bytes of the first chunk's framing, then 1 of the second's.
        let cut = r.clone().stall_after(9).wire(&Method::GET);
        let text = String::from_utf8(bytes(&cut)).unwrap();
        assert!(text.ends_with("\r\n\r\n3\r\nabc\r\n2"), "{text}");
        assert_eq!(cut.segments.len(), 3);
        assert_eq!(cut.then, Then::Stall);
        let before = MockResponse::reset().wire(&Method::GET);
        assert!(before.segments.is_empty());
        assert_eq!(before.then, Then::Reset);
    }

    #[test]
    fn head_has_no_body_and_close_hangs_up() {
        let r = MockResponse::new(200)
            .header("Connection", "close")
            .body("x");
        let wire = r.wire(&Method::HEAD);
        assert_eq!(wire.segments.len(), 1);
        assert_eq!(wire.then, Then::HangUp);
    }
}
