//! The whole response decoder (heads, interim 1xx, framing, body) fed whole and in pieces.
//!
//! The input format and the checks: `tls_requests_fuzz::targets::response_stream`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tls_requests_fuzz::targets::response_stream(data);
});
