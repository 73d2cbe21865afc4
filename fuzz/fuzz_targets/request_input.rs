//! URL and header inputs on their way to the wire, from `Url::parse` to `encode_head`.
//!
//! The input format and the checks: `tls_requests_fuzz::targets::request_input`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tls_requests_fuzz::targets::request_input(data);
});
