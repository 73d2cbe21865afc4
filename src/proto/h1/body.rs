//! Response bodies: a push decoder for the three framings of RFC 9112 §6–7.
//!
//! ```text
//! chunked-body = *chunk last-chunk trailer-section CRLF
//! chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//! last-chunk   = 1*("0") [ chunk-ext ] CRLF
//! ```

use bytes::Bytes;

use super::head::Framing;
use super::{Limits, ProtoError};
use crate::headers::Headers;

/// What the decoder found at the front of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Discard `skip` bytes of framing, then the next `len` bytes are body data.
    Data {
        /// Framing bytes before the data.
        skip: usize,
        /// Body bytes after them.
        len: usize,
    },
    /// Discard `skip` bytes of framing, then more input is needed.
    NeedMore {
        /// Framing bytes to discard.
        skip: usize,
    },
    /// Discard `skip` bytes; the body is complete. Bytes after them belong to no message.
    End {
        /// Framing bytes to discard.
        skip: usize,
        /// The trailer fields of a chunked body.
        trailers: Option<Headers>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Length(u64),
    Close,
    ChunkSize,
    ChunkData(u64),
    ChunkEnd,
    Trailers,
    Done,
}

/// Decodes one response body's HTTP/1.1 framing (`Content-Length`, chunked, or until close)
/// from bytes pushed in: the body as sent, before any content coding is undone.
///
/// ```
/// use tls_requests::proto::h1::{BodyDecoder, Framing, Step};
/// let mut dec = BodyDecoder::new(Framing::Chunked);
/// let buf = b"3;ext=1\r\nabc\r\n0\r\n\r\n";
/// assert_eq!(dec.decode(buf, false).unwrap(), Step::Data { skip: 9, len: 3 });
/// assert!(matches!(dec.decode(&buf[12..], false).unwrap(), Step::End { skip: 7, .. }));
/// ```
#[derive(Debug, Clone)]
pub struct BodyDecoder {
    state: State,
    max_chunk_line: usize,
    max_trailer_bytes: usize,
}

impl BodyDecoder {
    /// A decoder for a body framed as `framing`, with the default [`Limits`].
    pub fn new(framing: Framing) -> BodyDecoder {
        BodyDecoder::with_limits(framing, &Limits::default())
    }

    /// A decoder for a body framed as `framing`, within `limits`' chunk-line and trailer
    /// sizes.
    pub fn with_limits(framing: Framing, limits: &Limits) -> BodyDecoder {
        let state = match framing {
            Framing::Empty => State::Done,
            Framing::Length(n) => State::Length(n),
            Framing::Chunked => State::ChunkSize,
            Framing::Close => State::Close,
        };
        BodyDecoder {
            state,
            max_chunk_line: limits.max_chunk_line,
            max_trailer_bytes: limits.max_trailer_bytes,
        }
    }

    /// True once the whole body has been decoded.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Bytes of body still expected, when the framing says.
    pub fn remaining(&self) -> Option<u64> {
        match self.state {
            State::Length(n) => Some(n),
            State::Done => Some(0),
            _ => None,
        }
    }

    /// Looks at the front of `buf`; `eof` says the connection has closed after it.
    ///
    /// The caller discards what the returned [`Step`] says, then calls again with the rest.
    pub fn decode(&mut self, buf: &[u8], eof: bool) -> Result<Step, ProtoError> {
        let mut skip = 0;
        loop {
            let rest = &buf[skip..];
            match self.state {
                State::Done => {
                    return Ok(Step::End {
                        skip,
                        trailers: None,
                    });
                }
                State::Length(0) => self.state = State::Done,
                State::Length(n) => {
                    if rest.is_empty() {
                        return if eof {
                            Err(ProtoError::TruncatedBody { missing: Some(n) })
                        } else {
                            Ok(Step::NeedMore { skip })
                        };
                    }
                    let len = clamp(n, rest.len());
                    self.state = State::Length(n - len as u64);
                    return Ok(Step::Data { skip, len });
                }
                State::Close => {
                    if !rest.is_empty() {
                        return Ok(Step::Data {
                            skip,
                            len: rest.len(),
                        });
                    }
                    if eof {
                        self.state = State::Done;
                        return Ok(Step::End {
                            skip,
                            trailers: None,
                        });
                    }
                    return Ok(Step::NeedMore { skip });
                }
                State::ChunkSize => match chunk_size_line(rest, self.max_chunk_line)? {
                    Some((size, used)) => {
                        skip += used;
                        self.state = if size == 0 {
                            State::Trailers
                        } else {
                            State::ChunkData(size)
                        };
                    }
                    None => return self.need_more(skip, eof),
                },
                State::ChunkData(n) => {
                    if rest.is_empty() {
                        return self.need_more(skip, eof);
                    }
                    let len = clamp(n, rest.len());
                    let left = n - len as u64;
                    self.state = if left == 0 {
                        State::ChunkEnd
                    } else {
                        State::ChunkData(left)
                    };
                    return Ok(Step::Data { skip, len });
                }
                State::ChunkEnd => match rest {
                    [b'\r', b'\n', ..] | [b'\n', ..] => {
                        skip += if rest[0] == b'\r' { 2 } else { 1 };
                        self.state = State::ChunkSize;
                    }
                    [] | [b'\r'] => return self.need_more(skip, eof),
                    _ => return Err(ProtoError::InvalidChunkEnd),
                },
                State::Trailers => {
                    let mut fields = [httparse::EMPTY_HEADER; 32];
                    match httparse::parse_headers(rest, &mut fields) {
                        Ok(httparse::Status::Complete((used, fields)))
                            if used <= self.max_trailer_bytes =>
                        {
                            self.state = State::Done;
                            let trailers = trailer_headers(fields)?;
                            return Ok(Step::End {
                                skip: skip + used,
                                trailers: Some(trailers),
                            });
                        }
                        Ok(httparse::Status::Partial) if rest.len() <= self.max_trailer_bytes => {
                            return self.need_more(skip, eof);
                        }
                        _ => return Err(ProtoError::InvalidTrailers),
                    }
                }
            }
        }
    }

    fn need_more(&self, skip: usize, eof: bool) -> Result<Step, ProtoError> {
        if eof {
            Err(ProtoError::TruncatedBody { missing: None })
        } else {
            Ok(Step::NeedMore { skip })
        }
    }
}

fn clamp(n: u64, available: usize) -> usize {
    usize::try_from(n).map_or(available, |n| n.min(available))
}

/// Parses `chunk-size [ chunk-ext ] CRLF` at the front of `buf`: the size and the line's
/// length, or `None` if the line is not complete yet.
fn chunk_size_line(buf: &[u8], max: usize) -> Result<Option<(u64, usize)>, ProtoError> {
    let Some(lf) = buf.iter().take(max).position(|&b| b == b'\n') else {
        return if buf.len() >= max {
            Err(ProtoError::InvalidChunkSize)
        } else {
            Ok(None)
        };
    };
    let line = buf[..lf].strip_suffix(b"\r").unwrap_or(&buf[..lf]);
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 16 {
        return Err(ProtoError::InvalidChunkSize);
    }
    // After the size only extensions may follow: BWS ";" ... (their content is ignored).
    let after = line[digits..].trim_ascii_start();
    if !after.is_empty() && after[0] != b';' {
        return Err(ProtoError::InvalidChunkSize);
    }
    if line.iter().any(|&b| b == b'\r' || b == 0) {
        return Err(ProtoError::InvalidChunkSize);
    }
    let size = line[..digits].iter().fold(0u64, |n, &d| {
        (n << 4) | u64::from((d as char).to_digit(16).unwrap_or(0))
    });
    Ok(Some((size, lf + 1)))
}

fn trailer_headers(fields: &[httparse::Header<'_>]) -> Result<Headers, ProtoError> {
    let entries = fields
        .iter()
        .map(|f| {
            let value =
                http::HeaderValue::from_bytes(f.value).map_err(|_| ProtoError::InvalidTrailers)?;
            Ok((Bytes::copy_from_slice(f.name.as_bytes()), value))
        })
        .collect::<Result<_, _>>()?;
    Ok(Headers::from_entries(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` fed in pieces of `split` bytes; returns the body and trailers.
    fn decode_split(
        framing: Framing,
        input: &[u8],
        split: usize,
    ) -> Result<(Vec<u8>, usize), ProtoError> {
        let mut dec = BodyDecoder::new(framing);
        let mut buf = Vec::new();
        let mut fed = 0;
        let mut body = Vec::new();
        loop {
            let eof = fed == input.len();
            match dec.decode(&buf, eof)? {
                Step::Data { skip, len } => {
                    body.extend_from_slice(&buf[skip..skip + len]);
                    buf.drain(..skip + len);
                }
                Step::NeedMore { skip } => {
                    buf.drain(..skip);
                    let end = (fed + split).min(input.len());
                    buf.extend_from_slice(&input[fed..end]);
                    fed = end;
                }
                Step::End { skip, .. } => {
                    buf.drain(..skip);
                    return Ok((body, buf.len() + input.len() - fed));
                }
            }
        }
    }

    #[test]
    fn chunked_in_every_split() {
        let input = b"5\r\nhello\r\n1;a=b\r\n \r\n00\r\nX-T: 1\r\n\r\nNEXT";
        for split in 1..input.len() {
            let (body, left) = decode_split(Framing::Chunked, input, split).unwrap();
            assert_eq!(body, b"hello ", "split {split}");
            assert_eq!(left, 4, "split {split}");
        }
    }

    #[test]
    fn length_and_close() {
        assert_eq!(
            decode_split(Framing::Length(3), b"abcdef", 2).unwrap(),
            (b"abc".to_vec(), 3)
        );
        assert_eq!(
            decode_split(Framing::Close, b"abcdef", 4).unwrap(),
            (b"abcdef".to_vec(), 0)
        );
        assert_eq!(
            decode_split(Framing::Length(9), b"abc", 2).unwrap_err(),
            ProtoError::TruncatedBody { missing: Some(6) }
        );
    }

    #[test]
    fn bad_chunks() {
        for bad in [
            &b"g\r\n"[..],
            b"-1\r\n",
            b"\r\n",
            b"11111111111111111\r\n",
            b"5 x\r\n",
            b"5\r\nhelloX",
        ] {
            assert!(decode_split(Framing::Chunked, bad, 64).is_err(), "{bad:?}");
        }
        assert_eq!(
            decode_split(Framing::Chunked, b"5\r\nhel", 64).unwrap_err(),
            ProtoError::TruncatedBody { missing: None }
        );
        assert_eq!(
            decode_split(Framing::Chunked, &[b'a'; 5000], 5000).unwrap_err(),
            ProtoError::InvalidChunkSize
        );
    }

    #[test]
    fn trailers_over_the_limit_fail_however_they_arrive() {
        // Found by fuzzing: a whole oversized section in one read used to be accepted.
        let mut input = b"0\r\nX-Big: ".to_vec();
        input.extend_from_slice(&[b'a'; 17_000]);
        input.extend_from_slice(b"\r\n\r\nNEXT");
        for split in [input.len(), 4096, 32] {
            assert_eq!(
                decode_split(Framing::Chunked, &input, split).unwrap_err(),
                ProtoError::InvalidTrailers,
                "{split}"
            );
        }
    }

    #[test]
    fn trailers_are_returned() {
        let mut dec = BodyDecoder::new(Framing::Chunked);
        let step = dec.decode(b"0\r\nExpires: never\r\n\r\n", false).unwrap();
        let Step::End {
            skip,
            trailers: Some(t),
        } = step
        else {
            panic!("{step:?}")
        };
        assert_eq!(skip, 21);
        assert_eq!(t.get("expires").unwrap(), "never");
    }
}
