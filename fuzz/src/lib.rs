//! The fuzz targets' code, shared with `cargo test`: a piece-size generator, decoders that
//! drive the public sans-IO codec, checking every `Step` on the way, and the targets' bodies
//! in [`targets`]. `tests/it/fuzz.rs` compiles this file into the integration tests, where
//! `tests/it/corpus.rs` decodes its fixtures with [`decode_response`] and the regression inputs
//! are replayed through [`targets`].
//!
//! [`decode_response`] and [`run_body`] are a copy of what the client's driver
//! (`src/proto/h1/conn.rs`: `Conn::read_final_head`, `read_head` and `poll_body`) does with the
//! same codec calls; they do not run the driver itself.

#[path = "targets.rs"]
pub mod targets;

use bytes::Bytes;
use tls_requests::proto::h1::{
    BodyDecoder, Framing, Limits, ProtoError, ResponseHead, Step, framing, keep_alive, parse_head,
};
use tls_requests::{Headers, StatusCode, Version};

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

/// Runs `decoder` over what `wire` hands out after `buf`, checking each step.
pub fn run_body<F: FnMut() -> usize>(
    decoder: &mut BodyDecoder,
    wire: &mut Wire<'_, F>,
    mut buf: Vec<u8>,
) -> Result<Body, ProtoError> {
    let mut data = Vec::new();
    let mut steps = Vec::new();
    loop {
        let eof = wire.eof();
        let step = decoder.decode(&buf, eof);
        match step? {
            Step::Data { skip, len } => {
                assert!(len > 0, "empty Data step");
                assert!(
                    skip.checked_add(len).is_some_and(|end| end <= buf.len()),
                    "Data {{ skip: {skip}, len: {len} }} past a buffer of {}",
                    buf.len()
                );
                assert!(!decoder.is_done(), "Data step from a finished decoder");
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
                assert!(!decoder.is_done(), "NeedMore from a finished decoder");
                buf.drain(..skip);
                wire.read_into(&mut buf);
            }
            Step::End { skip, trailers } => {
                assert!(
                    skip <= buf.len(),
                    "End {{ skip: {skip} }} past {}",
                    buf.len()
                );
                assert!(decoder.is_done(), "End but the decoder is not done");
                assert_eq!(decoder.remaining(), Some(0));
                buf.drain(..skip);
                // A finished decoder stays finished and consumes nothing more.
                let again = decoder.decode(&buf, eof);
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

/// Decodes a body framed as `framing` from `input`, `piece()` bytes at a time.
pub fn decode_body(
    framing: Framing,
    input: &[u8],
    piece: impl FnMut() -> usize,
) -> Result<Body, ProtoError> {
    let mut wire = Wire {
        input,
        fed: 0,
        piece,
    };
    run_body(&mut BodyDecoder::new(framing), &mut wire, Vec::new())
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

/// Decodes one response from `input`: heads until a final one (1xx except 101 are interim),
/// then the body, reading `piece()` bytes at a time.
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
    let mut buf = Vec::new();
    let mut interim = Vec::new();
    let head = loop {
        match parse_head(&Bytes::copy_from_slice(&buf), &limits)? {
            Some((head, len)) => {
                assert!(
                    len <= buf.len(),
                    "head of {len} bytes in a buffer of {}",
                    buf.len()
                );
                assert!(len <= limits.max_head_bytes);
                buf.drain(..len);
                if !head.status.is_informational() || head.status == StatusCode::SWITCHING_PROTOCOLS
                {
                    break head;
                }
                interim.push(head_data(&head, &limits));
            }
            None if wire.eof() => return Err(ProtoError::IncompleteHead),
            None => wire.read_into(&mut buf),
        }
    };
    let framing = framing(is_head, head.status, &head.headers)?;
    let keep_alive = keep_alive(head.version, &head.headers);
    let head_plain = head_data(&head, &limits);
    let mut decoder = BodyDecoder::new(framing);
    let body = run_body(&mut decoder, &mut wire, buf)?;
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
