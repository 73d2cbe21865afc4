//! What a [`MockTransport`](super::MockTransport) reports: the failures of
//! [`verify`](super::MockTransport::verify) ([`VerifyError`]) and the body of its answer
//! to a request no mock matched. Both list the requests, so a failure explains itself.

use std::fmt::{self, Write};

use super::State;
use super::request::MockRequest;

/// Expectations a [`MockTransport`](super::MockTransport) or [`Mock`](super::Mock) did
/// not meet. `Display` lists each unmet expectation, then every request received, in order,
/// with the mock that answered it.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyError {
    message: String,
}

impl VerifyError {
    pub(crate) fn new(message: String) -> VerifyError {
        VerifyError { message }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `unwrap()` and `?` in tests print `Debug`: keep the lines readable.
        write!(f, "VerifyError:\n{}", self.message)
    }
}

impl std::error::Error for VerifyError {}

/// Who answered a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The mock at this index of the mounts.
    Mock(usize),
    /// The transport's handler (of [`MockTransport::new`](super::MockTransport::new)).
    Fallback,
    /// Nobody: the request got the default `404`.
    Unmatched,
}

/// The failures of `state`, if any: unmet expectations, and unmatched requests unless they
/// are allowed.
pub(crate) fn failures(state: &State, allow_unmatched: bool) -> Option<VerifyError> {
    let mut unmet = Vec::new();
    for (i, mock) in state.mounts.iter().enumerate() {
        if let Some(why) = mock.unmet() {
            unmet.push(format!("mock {} {mock} {why}", i + 1));
        }
    }
    let unmatched = state
        .received
        .iter()
        .filter(|r| r.answer == Answer::Unmatched)
        .count();
    if unmatched > 0 && !allow_unmatched {
        unmet.push(match unmatched {
            1 => "1 request matched no mock".to_owned(),
            n => format!("{n} requests matched no mock"),
        });
    }
    if unmet.is_empty() {
        return None;
    }
    let mut message = String::from("MockTransport verification failed:\n");
    for line in unmet {
        let _ = writeln!(message, "  - {line}");
    }
    received(state, &mut message);
    Some(VerifyError::new(message))
}

fn received(state: &State, out: &mut String) {
    if state.received.is_empty() {
        out.push_str("requests received: none\n");
        return;
    }
    let _ = writeln!(out, "requests received ({}):", state.received.len());
    for (i, r) in state.received.iter().enumerate() {
        let by = match r.answer {
            Answer::Mock(m) => format!("mock {}", m + 1),
            Answer::Fallback => "handler".to_owned(),
            Answer::Unmatched => "no mock matched".to_owned(),
        };
        let _ = writeln!(out, "  {}. [{by}] {}", i + 1, r.request);
    }
}

/// The body of the `404` a request that no mock matched gets: the request, and why each
/// mock did not take it.
pub(crate) fn unmatched_body(state: &State, request: &MockRequest, misses: &[String]) -> String {
    let mut body = format!("no mock matched this request:\n{request}\n");
    if state.mounts.is_empty() {
        body.push_str("no mocks are mounted\n");
        return body;
    }
    let _ = writeln!(body, "mocks mounted ({}):", state.mounts.len());
    for (i, (mock, miss)) in state.mounts.iter().zip(misses).enumerate() {
        let _ = writeln!(body, "  {}. {mock}: {miss}", i + 1);
    }
    body
}
