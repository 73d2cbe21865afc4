//! The exchange's body reading (`BodyDecoder` underneath) over arbitrary bytes, fed whole and in pieces.
//!
//! The input format and the checks: `tls_requests_fuzz::targets::chunked_body`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tls_requests_fuzz::targets::chunked_body(data);
});
