//! The whole response decoder of `tests/it/corpus.rs` (heads, interim 1xx skipped except
//! 101, framing, body) fed whole and in random pieces.
//!
//! Input: `[flags, seed, response...]`. `flags & 1`: the request was HEAD; pieces are
//! 1..=`(flags >> 1) + 1` bytes from `seed`; inputs up to 512 bytes are also fed byte by byte.
//!
//! Checked: the `Step` and head invariants of `tls_requests_fuzz` on every call, and the
//! same interim heads, final head, framing, keep-alive, body, trailers, error and leftover
//! for every feeding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_requests_fuzz::{Pieces, decode_response};

fuzz_target!(|data: &[u8]| {
    let [flags, seed, ref input @ ..] = *data else {
        return;
    };
    let is_head = flags & 1 == 1;
    let whole = decode_response(input, is_head, || usize::MAX);
    let mut pieces = Pieces::new(seed, usize::from(flags >> 1) + 1);
    let split = decode_response(input, is_head, || pieces.next_size());
    assert_eq!(whole, split, "whole vs split");
    if input.len() <= 512 {
        let bytes = decode_response(input, is_head, || 1);
        assert_eq!(whole, bytes, "whole vs byte by byte");
    }
    if let Ok(m) = &whole {
        // Nothing is invented: the body and what is left fit in the input.
        assert!(m.body.len() + m.left.len() <= input.len());
        assert!(input.ends_with(&m.left), "left is not the end of the input");
    }
});
