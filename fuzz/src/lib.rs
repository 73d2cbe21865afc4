//! The fuzz targets' code, shared with `cargo test`: a piece-size generator, a byte mover that
//! runs the client's own exchange state machine ([`Exchange`], the one the async driver
//! `src/proto/h1/conn.rs` runs) over input handed out in pieces, checking every step on the
//! way, and the targets' bodies in [`targets`]. `tests/it/fuzz.rs` compiles this file into the
//! integration tests, where `tests/it/corpus.rs` decodes its fixtures with [`decode_response`]
//! and the regression inputs are replayed through [`targets`].
//!
//! Every protocol decision (which heads are interim, the body's framing, trailers, whether the
//! connection could be reused) is the machine's; this file only moves bytes into it, as the
//! driver does.

#[path = "targets.rs"]
pub mod targets;

use tls_requests::proto::h1::{
    CloseReason, Exchange, Framing, Head as ReadHead, Limits, Next, ProtoError, Request,
    RequestBody, ResponseHead, Step, framing, keep_alive,
};
use tls_requests::{Headers, Version};

/// Piece sizes for split feeding, from a seed and a maximum taken from the input.
pub struct Pieces {
    state: u64,
    max: usize,
}

impl Pieces {
    /// Pieces of `1..=max` bytes (at least 1), pseudo-random from `seed`.
    pub fn new(seed: u8, max: usize) -> Pieces {
        Pieces {
            state: 0x9e37_79b9_7f4a_7c15 ^ u64::from(seed).wrapping_mul(0x2545_f491_4f6c_dd1d) | 1,
            max: max.max(1),
        }
    }

    /// The next piece size.
    pub fn next_size(&mut self) -> usize {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let r = self.state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        1 + (r % self.max as u64) as usize
    }
}

/// Header fields as plain data, for comparisons.
pub type Fields = Vec<(String, Vec<u8>)>;

/// `headers` as plain data, checking that names are tokens and values hold no CR, LF or NUL.
pub fn fields(headers: &Headers) -> Fields {
    headers
        .iter()
        .map(|(name, value)| {
            assert!(
                is_token(name.as_bytes()),
                "header name {name:?} is not a token"
            );
            let v = value.as_bytes();
            assert!(
                !v.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0),
                "header value {:?} holds CR, LF or NUL",
                v.escape_ascii().to_string()
            );
            (name.to_owned(), v.to_vec())
        })
        .collect()
}

/// `tchar` of RFC 9110 §5.6.2, non-empty.
pub fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A decoded body: data, trailers, and the bytes of the input left unread.
#[derive(Debug, PartialEq, Eq)]
pub struct Body {
    pub data: Vec<u8>,
    pub trailers: Option<Fields>,
    pub left: Vec<u8>,
    /// The sizes of the `Data` steps, in order (differs between feedings; not compared).
    pub steps: Vec<usize>,
}

/// The input handed out in pieces, as reads from a connection would return it.
pub struct Wire<'a, F> {
    pub input: &'a [u8],
    pub fed: usize,
    pub piece: F,
}

impl<F: FnMut() -> usize> Wire<'_, F> {
    pub fn eof(&self) -> bool {
        self.fed == self.input.len()
    }

    pub fn read_into(&mut self, buf: &mut Vec<u8>) {
        let end = self
            .fed
            .saturating_add((self.piece)())
            .min(self.input.len());
        buf.extend_from_slice(&self.input[self.fed..end]);
        self.fed = end;
    }
}

/// An exchange for a request of `method`, its head written and flushed: ready to read.
fn sent_exchange(is_head: bool) -> Exchange {
    let head = if is_head {
        &b"HEAD / HTTP/1.1\r\n\r\n"[..]
    } else {
        b"GET / HTTP/1.1\r\n\r\n"
    };
    let mut ex = Exchange::new(
        Request {
            head: head.to_vec(),
            body: RequestBody::Empty,
            is_head,
            expect_continue: false,
            close: false,
        },
        Limits::default(),
    );
    loop {
        match ex.next() {
            Next::Write(data) => {
                let n = data.len();
                ex.wrote(n);
            }
            Next::Flush => ex.flushed(),
            Next::ReadHead => return ex,
            other => panic!("{other:?} before the response"),
        }
    }
}

/// Runs the exchange's body reading over what `wire` hands out after `buf`, checking each
/// step.
pub fn read_body<F: FnMut() -> usize>(
    ex: &mut Exchange,
    wire: &mut Wire<'_, F>,
    mut buf: Vec<u8>,
) -> Result<Body, ProtoError> {
    let mut data = Vec::new();
    let mut steps = Vec::new();
    loop {
        if ex.next() == Next::Done {
            // A response without a body: nothing more is read.
            buf.extend_from_slice(&wire.input[wire.fed..]);
            wire.fed = wire.input.len();
            return Ok(Body {
                data,
                trailers: None,
                left: buf,
                steps,
            });
        }
        assert_eq!(ex.next(), Next::ReadBody);
        let eof = wire.eof();
        let step = ex.decode(&buf, eof);
        if step.is_err() {
            assert!(ex.close_reasons().contains(CloseReason::Failed));
            assert_eq!(ex.next(), Next::Done);
        }
        match step? {
            Step::Data { skip, len } => {
                assert!(len > 0, "empty Data step");
                assert!(
                    skip.checked_add(len).is_some_and(|end| end <= buf.len()),
                    "Data {{ skip: {skip}, len: {len} }} past a buffer of {}",
                    buf.len()
                );
                assert_eq!(ex.next(), Next::ReadBody, "Data step from a finished body");
                data.extend_from_slice(&buf[skip..skip + len]);
                steps.push(len);
                buf.drain(..skip + len);
            }
            Step::NeedMore { skip } => {
                assert!(
                    skip <= buf.len(),
                    "NeedMore {{ skip: {skip} }} past {}",
                    buf.len()
                );
                assert!(!eof, "NeedMore after the end of the input");
                assert_eq!(ex.next(), Next::ReadBody, "NeedMore from a finished body");
                buf.drain(..skip);
                wire.read_into(&mut buf);
            }
            Step::End { skip, trailers } => {
                assert!(
                    skip <= buf.len(),
                    "End {{ skip: {skip} }} past {}",
                    buf.len()
                );
                assert_eq!(ex.next(), Next::Done, "End but the exchange is not over");
                assert_eq!(ex.remaining(), Some(0));
                buf.drain(..skip);
                // Bytes already read past the end, or the close, keep the connection from reuse.
                assert_eq!(
                    ex.close_reasons().contains(CloseReason::BytesPastEnd),
                    !buf.is_empty(),
                    "{:?} with {} bytes past the end",
                    ex.close_reasons(),
                    buf.len()
                );
                assert_eq!(ex.close_reasons().contains(CloseReason::PeerClosed), eof);
                // A finished exchange stays finished and consumes nothing more.
                let again = ex.decode(&buf, eof);
                assert_eq!(
                    again,
                    Ok(Step::End {
                        skip: 0,
                        trailers: None
                    })
                );
                buf.extend_from_slice(&wire.input[wire.fed..]);
                wire.fed = wire.input.len();
                return Ok(Body {
                    data,
                    trailers: trailers.as_ref().map(fields),
                    left: buf,
                    steps,
                });
            }
        }
    }
}

/// Decodes a body framed as `framing` from `input`, `piece()` bytes at a time, through an
/// exchange whose response head gives that framing.
pub fn decode_body(
    framing: Framing,
    input: &[u8],
    piece: impl FnMut() -> usize,
) -> Result<Body, ProtoError> {
    let head = match framing {
        Framing::Empty => "HTTP/1.1 204 No Content\r\n\r\n".to_owned(),
        Framing::Length(n) => format!("HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n"),
        Framing::Chunked => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_owned(),
        Framing::Close => "HTTP/1.1 200 OK\r\n\r\n".to_owned(),
    };
    let mut ex = sent_exchange(false);
    match ex.read_head(head.as_bytes(), false) {
        Ok(Some((ReadHead::Final(_), len))) if len == head.len() => {}
        other => panic!("the synthetic head {head:?} gave {other:?}"),
    }
    let mut wire = Wire {
        input,
        fed: 0,
        piece,
    };
    read_body(&mut ex, &mut wire, Vec::new())
}

/// A response head as plain data.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    pub version: Version,
    pub status: u16,
    pub reason: Vec<u8>,
    pub headers: Fields,
}

/// `head` as plain data, checking the invariants every parsed head must hold.
pub fn head_data(head: &ResponseHead, limits: &Limits) -> Head {
    assert!(
        head.version == Version::HTTP_10 || head.version == Version::HTTP_11,
        "version {:?}",
        head.version
    );
    let status = head.status.as_u16();
    assert!((100..=999).contains(&status), "status {status}");
    assert!(
        !head
            .reason
            .iter()
            .any(|&b| b == b'\r' || b == b'\n' || b == 0),
        "reason {:?}",
        head.reason
    );
    assert!(
        head.headers.len() <= limits.max_headers,
        "{} headers over a limit of {}",
        head.headers.len(),
        limits.max_headers
    );
    // Neither answer may panic.
    let _ = framing(false, head.status, &head.headers);
    let _ = framing(true, head.status, &head.headers);
    let _ = keep_alive(head.version, &head.headers);
    Head {
        version: head.version,
        status,
        reason: head.reason.to_vec(),
        headers: fields(&head.headers),
    }
}

/// One decoded response, as plain data.
#[derive(Debug, PartialEq, Eq)]
pub struct Message {
    pub interim: Vec<Head>,
    pub head: Head,
    pub framing: Framing,
    pub keep_alive: bool,
    pub body: Vec<u8>,
    pub trailers: Option<Fields>,
    pub left: Vec<u8>,
}

/// Decodes one response from `input` through the exchange of a GET (or HEAD) request: heads
/// until the final one, then the body, reading `piece()` bytes at a time.
pub fn decode_response(
    input: &[u8],
    is_head: bool,
    piece: impl FnMut() -> usize,
) -> Result<Message, ProtoError> {
    let limits = Limits::default();
    let mut wire = Wire {
        input,
        fed: 0,
        piece,
    };
    let mut ex = sent_exchange(is_head);
    let mut buf = Vec::new();
    let mut interim = Vec::new();
    let head = loop {
        assert_eq!(ex.next(), Next::ReadHead);
        let read = ex.read_head(&buf, wire.eof());
        if read.is_err() {
            assert!(ex.close_reasons().contains(CloseReason::Failed));
        }
        match read? {
            Some((head, len)) => {
                assert!(
                    len <= buf.len(),
                    "head of {len} bytes in a buffer of {}",
                    buf.len()
                );
                assert!(len <= limits.max_head_bytes);
                buf.drain(..len);
                match head {
                    ReadHead::Interim(head) => {
                        assert!(head.status.is_informational() && head.status != 101);
                        interim.push(head_data(&head, &limits));
                    }
                    ReadHead::Final(head) => break head,
                }
            }
            None => {
                assert!(
                    !wire.eof(),
                    "incomplete at the end of the input, not an error"
                );
                wire.read_into(&mut buf);
            }
        }
    };
    assert!(interim.len() <= limits.max_interim);
    let framing = framing(is_head, head.status, &head.headers)?;
    let keep_alive = keep_alive(head.version, &head.headers);
    // The exchange's reuse decision agrees with the head's own rules.
    let reasons = ex.close_reasons();
    assert_eq!(
        !keep_alive,
        reasons.contains(CloseReason::ResponseClose) || reasons.contains(CloseReason::Http10),
        "keep-alive {keep_alive}, {reasons:?}"
    );
    assert_eq!(
        head.status == 101,
        reasons.contains(CloseReason::SwitchingProtocols)
    );
    assert_eq!(
        framing == Framing::Close,
        reasons.contains(CloseReason::ReadToClose)
    );
    let head_plain = head_data(&head, &limits);
    let body = read_body(&mut ex, &mut wire, buf)?;
    assert_eq!(
        ex.can_reuse(),
        keep_alive && framing != Framing::Close && head.status != 101 && {
            let r = ex.close_reasons();
            !r.contains(CloseReason::BytesPastEnd) && !r.contains(CloseReason::PeerClosed)
        }
    );
    Ok(Message {
        interim,
        head: head_plain,
        framing,
        keep_alive,
        body: body.data,
        trailers: body.trailers,
        left: body.left,
    })
}
