//! `parse_head` on arbitrary bytes, with the default limits and with small ones.
//!
//! The input format and the checks: `tls_requests_fuzz::targets::response_head`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tls_requests_fuzz::targets::response_head(data);
});
