//! `BodyDecoder` over arbitrary bytes, fed whole and in pieces.
//!
//! Input: `[selector, seed, max_piece, body...]`. `selector % 4`: 0 and 1 chunked, 2
//! `Length(n)` with `n = seed * 4 + max_piece % 4` (0..=1023), 3 close-delimited. Pieces are
//! 1..=`max_piece % 32 + 1` bytes, from `seed`; inputs up to 256 bytes are also fed byte by
//! byte.
//!
//! Checked: every `Step`'s offsets stay within the buffer, `Data` is never empty, `NeedMore`
//! never comes at EOF, a finished decoder stays finished; whole and split feeding give the
//! same body, trailers, error and leftover; `Length` and close-delimited bodies are exactly
//! what the framing says; a decoded chunked body, re-encoded with `encode_chunk` and
//! `encode_last_chunk`, decodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_requests::proto::h1::{Framing, ProtoError, encode_chunk, encode_last_chunk};
use tls_requests_fuzz::{Pieces, decode_body};

fuzz_target!(|data: &[u8]| {
    let [selector, seed, max_piece, ref body @ ..] = *data else {
        return;
    };
    let framing = match selector % 4 {
        0 | 1 => Framing::Chunked,
        2 => Framing::Length(u64::from(seed) * 4 + u64::from(max_piece % 4)),
        _ => Framing::Close,
    };
    let whole = decode_body(framing, body, || usize::MAX);

    let mut pieces = Pieces::new(seed, usize::from(max_piece % 32) + 1);
    let split = decode_body(framing, body, || pieces.next_size());
    assert_eq!(
        whole.as_ref().map(|b| (&b.data, &b.trailers, &b.left)),
        split.as_ref().map(|b| (&b.data, &b.trailers, &b.left)),
        "whole vs split ({framing:?})"
    );
    if body.len() <= 256 {
        let bytes = decode_body(framing, body, || 1);
        assert_eq!(
            whole.as_ref().map(|b| (&b.data, &b.trailers, &b.left)),
            bytes.as_ref().map(|b| (&b.data, &b.trailers, &b.left)),
            "whole vs byte by byte ({framing:?})"
        );
    }

    match framing {
        Framing::Length(n) => {
            let n = n as usize;
            if body.len() >= n {
                let b = whole.expect("enough bytes for the length");
                assert_eq!(b.data, &body[..n]);
                assert_eq!(b.left, &body[n..]);
                assert_eq!(b.trailers, None);
            } else {
                assert_eq!(
                    whole.unwrap_err(),
                    ProtoError::TruncatedBody {
                        missing: Some((n - body.len()) as u64)
                    }
                );
            }
        }
        Framing::Close => {
            let b = whole.expect("a close-delimited body cannot fail");
            assert_eq!(b.data, body);
            assert!(b.left.is_empty());
            assert_eq!(b.trailers, None);
        }
        Framing::Chunked => {
            if let Ok(b) = whole {
                assert!(
                    b.trailers.is_some(),
                    "a chunked body ends with a trailer section"
                );
                // Re-encode the decoded body, chunk by chunk, and decode it again.
                let mut wire = Vec::new();
                let mut at = 0;
                for len in &b.steps {
                    encode_chunk(&b.data[at..at + len], &mut wire);
                    at += len;
                }
                encode_chunk(&[], &mut wire);
                encode_last_chunk(&mut wire);
                wire.extend_from_slice(b"NEXT");
                let again = decode_body(Framing::Chunked, &wire, || usize::MAX)
                    .expect("our own chunked encoding decodes");
                assert_eq!(again.data, b.data);
                assert_eq!(again.trailers, Some(Vec::new()));
                assert_eq!(again.left, b"NEXT");
            }
        }
        Framing::Empty => unreachable!(),
    }
});
