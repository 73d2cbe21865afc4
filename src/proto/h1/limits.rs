//! Every limit an HTTP/1.1 exchange enforces, in one place.

use std::time::Duration;

/// Limits on what a response may contain, and how long to wait for `100 Continue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest status line plus header section, in bytes.
    pub max_head_bytes: usize,
    /// Most header fields in one head.
    pub max_headers: usize,
    /// Interim (1xx) responses accepted before the final one.
    pub max_interim: usize,
    /// Longest chunk-size line (with its extensions), in bytes.
    pub max_chunk_line: usize,
    /// Largest trailer section of a chunked body, in bytes.
    pub max_trailer_bytes: usize,
    /// How long a request with `Expect: 100-continue` waits for `100 Continue` before it
    /// sends its body anyway (as curl does).
    pub continue_wait: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_head_bytes: 64 * 1024,
            max_headers: 100,
            max_interim: 16,
            max_chunk_line: 4096,
            max_trailer_bytes: 16 * 1024,
            continue_wait: Duration::from_secs(1),
        }
    }
}
