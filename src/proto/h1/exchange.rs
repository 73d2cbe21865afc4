//! One request/response exchange on an HTTP/1.1 connection, as a sans-IO state machine.
//!
//! ```text
//! SendHead ──► [FlushForContinue ──► AwaitContinue] ──► SendBody | SendChunks ──► Flush
//!   Flush ──► RecvHead (interim heads: stay) ──► RecvBody (or no body) ──► Done
//! ```
//!
//! The machine holds no stream and does no I/O: [`Exchange::next`] says what the driver must
//! do now (write these bytes, read the request body, flush, read, wait for `100 Continue`),
//! and the driver reports back what happened ([`wrote`](Exchange::wrote),
//! [`flushed`](Exchange::flushed), [`read_head`](Exchange::read_head),
//! [`decode`](Exchange::decode), ...). Whether the connection can carry another request is
//! decided here alone, as a set of [`CloseReason`]s.

use std::fmt;
use std::time::Duration;

use http::{StatusCode, Version};

use super::body::{BodyDecoder, Step};
use super::head::{Framing, framing, keep_alive, parse_head_copied};
use super::{Limits, ProtoError, encode_chunk, encode_last_chunk};
use crate::proto::ResponseHead;

/// Request bodies up to this size are written together with the head, in one write.
const COALESCE: usize = 16 * 1024;

/// The request's body, as the exchange frames it.
#[derive(Debug, Clone, Copy)]
pub enum RequestBody<'a> {
    /// No body.
    Empty,
    /// A body of known bytes, sent with `Content-Length` (small ones in the head's write).
    Full(&'a [u8]),
    /// A body the driver reads from a stream, sent chunked.
    Stream,
    /// A body the driver reads from a stream of exactly this many bytes, sent with
    /// `Content-Length`: a stream that ends early or goes on past it fails the exchange.
    Sized(u64),
}

/// What the request is, for the exchange: the encoded head and what its fields said.
#[derive(Debug)]
pub struct Request<'a> {
    /// The encoded head, framing fields included (`encode_fields`, `add_framing_fields`).
    pub head: Vec<u8>,
    /// The body.
    pub body: RequestBody<'a>,
    /// The method is `HEAD`: the response has no body, whatever its fields say.
    pub is_head: bool,
    /// The head carries `Expect: 100-continue`.
    pub expect_continue: bool,
    /// The head carries `Connection: close`.
    pub close: bool,
}

/// What the driver must do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next<'a> {
    /// Write these bytes to the connection, then report how many went with
    /// [`Exchange::wrote`].
    Write(&'a [u8]),
    /// Write the request body's bytes from this offset on, then report with
    /// [`Exchange::wrote`].
    WriteBody {
        /// Offset into the body of the first byte still to send.
        from: usize,
    },
    /// Read the next piece of the request's body stream and hand it to
    /// [`Exchange::request_body_read`] (empty at its end).
    ReadRequestBody,
    /// Flush the connection, then call [`Exchange::flushed`].
    Flush,
    /// Read from the connection (the read timeout runs) and hand what is buffered to
    /// [`Exchange::read_head`].
    ReadHead,
    /// Read as for [`ReadHead`](Next::ReadHead), but for at most this long and without the
    /// read timeout: a server that ignores `Expect` is not a silent one. When the time is
    /// up, call [`Exchange::continue_timed_out`] and the body is sent anyway.
    AwaitContinue(Duration),
    /// The final head has been read: read the body with [`Exchange::decode`].
    ReadBody,
    /// The exchange is over; [`Exchange::close_reasons`] says whether the connection can be
    /// reused.
    Done,
}

/// A response head read by [`Exchange::read_head`].
#[derive(Debug)]
pub enum Head {
    /// An interim (1xx but 101) response; the final one is still to come.
    Interim(ResponseHead),
    /// The final response (101 included: the connection then speaks another protocol).
    Final(ResponseHead),
}

/// Why a connection cannot carry another request after its exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The request said `Connection: close`.
    RequestClose,
    /// The response said `Connection: close` (or, HTTP/1.0 with `Transfer-Encoding`, was
    /// framed faultily).
    ResponseClose,
    /// An HTTP/1.0 response without `Connection: keep-alive`.
    Http10,
    /// The final response came before the request body was sent (after `Expect`): the
    /// server would read the unsent body as the next request.
    BodyNotSent,
    /// `101 Switching Protocols`: the connection speaks another protocol now.
    SwitchingProtocols,
    /// The body ran until the server closed the connection.
    ReadToClose,
    /// The server closed its side.
    PeerClosed,
    /// Bytes arrived past the end of the response: they belong to no request.
    BytesPastEnd,
    /// The exchange failed (a protocol violation, an I/O error, a timeout).
    Failed,
}

const ALL_REASONS: [CloseReason; 9] = [
    CloseReason::RequestClose,
    CloseReason::ResponseClose,
    CloseReason::Http10,
    CloseReason::BodyNotSent,
    CloseReason::SwitchingProtocols,
    CloseReason::ReadToClose,
    CloseReason::PeerClosed,
    CloseReason::BytesPastEnd,
    CloseReason::Failed,
];

/// A set of [`CloseReason`]s; empty if the connection can be reused.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct CloseReasons(u16);

impl CloseReasons {
    /// True if there is no reason to close.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True if `reason` is in the set.
    pub fn contains(self, reason: CloseReason) -> bool {
        self.0 & bit(reason) != 0
    }

    /// Adds `reason`.
    pub fn insert(&mut self, reason: CloseReason) {
        self.0 |= bit(reason);
    }

    /// The reasons in the set.
    pub fn iter(self) -> impl Iterator<Item = CloseReason> {
        ALL_REASONS.into_iter().filter(move |&r| self.contains(r))
    }
}

fn bit(reason: CloseReason) -> u16 {
    1 << ALL_REASONS.iter().position(|&r| r == reason).unwrap_or(0)
}

impl fmt::Debug for CloseReasons {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// The body the exchange still has to send, after the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// Nothing (no body, or one coalesced with the head).
    Nothing,
    /// This many bytes of a known body.
    Full(usize),
    /// A streamed body: chunked, or of this declared length.
    Stream(Option<u64>),
}

#[derive(Debug)]
enum State {
    /// `out[at..]` is still to be written: the head (and a small body after it).
    SendHead { out: Vec<u8>, at: usize },
    /// The head is out; flushed before waiting for `100 Continue`.
    FlushForContinue { out: Vec<u8> },
    /// Waiting for `100 Continue` (or a final response) before sending the body.
    AwaitContinue { out: Vec<u8> },
    /// Body bytes `at..len` are still to be written.
    SendBody { at: usize, len: usize },
    /// A streamed body: `out[at..]` (an encoded chunk, or a piece of a sized body) is to be
    /// written; when empty, the next piece is to be read. `last` once the last chunk is in
    /// `out`. `sized`: the declared length and the bytes of it still to come, for a body
    /// sent with `Content-Length`.
    SendStream {
        out: Vec<u8>,
        at: usize,
        last: bool,
        sized: Option<(u64, u64)>,
    },
    /// The request is written; flushed before the response is read.
    Flush,
    /// Reading response heads until the final one.
    RecvHead,
    /// Reading the response body.
    RecvBody(BodyDecoder),
    /// Over.
    Done,
}

/// One request/response exchange on an HTTP/1.1 connection, as a sans-IO state machine:
/// [`next`](Exchange::next) says what to do, the other methods report what was done.
#[derive(Debug)]
pub struct Exchange {
    state: State,
    /// The body still to send once the head is out.
    pending: Pending,
    /// The body waits for `100 Continue`.
    expect: bool,
    limits: Limits,
    close: CloseReasons,
    is_head: bool,
    /// Interim heads read so far (saturating: the limit is far below).
    interim: u16,
    /// Some byte of the request has been written.
    sent_any: bool,
}

impl Exchange {
    /// An exchange sending `request`, reading its response within `limits`.
    pub fn new(request: Request<'_>, limits: Limits) -> Exchange {
        let Request {
            mut head,
            body,
            is_head,
            expect_continue,
            close,
        } = request;
        let pending = match body {
            RequestBody::Empty => Pending::Nothing,
            RequestBody::Full(bytes) if bytes.len() <= COALESCE && !expect_continue => {
                head.extend_from_slice(bytes);
                Pending::Nothing
            }
            RequestBody::Full(bytes) => Pending::Full(bytes.len()),
            RequestBody::Stream => Pending::Stream(None),
            RequestBody::Sized(len) => Pending::Stream(Some(len)),
        };
        let mut reasons = CloseReasons::default();
        if close {
            reasons.insert(CloseReason::RequestClose);
        }
        Exchange {
            state: State::SendHead { out: head, at: 0 },
            pending,
            // `Expect` only matters when there is a body to hold back.
            expect: expect_continue && pending != Pending::Nothing,
            limits,
            close: reasons,
            is_head,
            interim: 0,
            sent_any: false,
        }
    }

    /// An exchange that is over, with nothing to close for: a new connection's state.
    pub fn idle(limits: Limits) -> Exchange {
        Exchange {
            state: State::Done,
            pending: Pending::Nothing,
            expect: false,
            limits,
            close: CloseReasons::default(),
            is_head: false,
            interim: 0,
            sent_any: false,
        }
    }

    /// The limits this exchange enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// What the driver must do now.
    pub fn next(&self) -> Next<'_> {
        match &self.state {
            State::SendHead { out, at } => Next::Write(&out[*at..]),
            State::FlushForContinue { .. } | State::Flush => Next::Flush,
            State::AwaitContinue { .. } => Next::AwaitContinue(self.limits.continue_wait),
            State::SendBody { at, .. } => Next::WriteBody { from: *at },
            State::SendStream { out, at, .. } if out.is_empty() => {
                debug_assert_eq!(*at, 0);
                Next::ReadRequestBody
            }
            State::SendStream { out, at, .. } => Next::Write(&out[*at..]),
            State::RecvHead => Next::ReadHead,
            State::RecvBody(_) => Next::ReadBody,
            State::Done => Next::Done,
        }
    }

    /// `n` bytes of what [`Next::Write`] or [`Next::WriteBody`] asked for were written.
    pub fn wrote(&mut self, n: usize) {
        self.sent_any |= n > 0;
        match &mut self.state {
            State::SendHead { out, at } => {
                *at += n;
                debug_assert!(*at <= out.len(), "wrote more than was asked");
                if *at >= out.len() {
                    let out = std::mem::take(out);
                    self.state = if self.expect {
                        State::FlushForContinue { out }
                    } else {
                        self.body_state(out)
                    };
                }
            }
            State::SendBody { at, len } => {
                *at += n;
                if *at >= *len {
                    self.state = State::Flush;
                }
            }
            State::SendStream { out, at, last, .. } => {
                *at += n;
                if *at >= out.len() {
                    if *last {
                        self.state = State::Flush;
                    } else {
                        out.clear();
                        *at = 0;
                    }
                }
            }
            _ => debug_assert!(false, "wrote in {:?}", self.state),
        }
    }

    /// The state that sends the body after the head, `out` being the head's buffer (reused
    /// for chunks).
    fn body_state(&self, mut out: Vec<u8>) -> State {
        match self.pending {
            Pending::Nothing => State::Flush,
            Pending::Full(len) => State::SendBody { at: 0, len },
            Pending::Stream(len) => {
                out.clear();
                State::SendStream {
                    out,
                    at: 0,
                    last: false,
                    sized: len.map(|len| (len, len)),
                }
            }
        }
    }

    /// The driver read `data` from the request's body stream, as [`Next::ReadRequestBody`]
    /// asked; empty `data` is the stream's end. A body of declared length
    /// ([`RequestBody::Sized`]) that ends before it or goes on past it is an error; the
    /// exchange has then failed.
    pub fn request_body_read(&mut self, data: &[u8]) -> Result<(), ProtoError> {
        let State::SendStream {
            out, last, sized, ..
        } = &mut self.state
        else {
            debug_assert!(false, "request body read in {:?}", self.state);
            return Ok(());
        };
        let result = match sized {
            None if data.is_empty() => {
                encode_last_chunk(out);
                *last = true;
                Ok(())
            }
            None => {
                encode_chunk(data, out);
                Ok(())
            }
            Some((_, 0)) if data.is_empty() => {
                self.state = State::Flush;
                Ok(())
            }
            &mut Some((declared, left)) if data.is_empty() => {
                Err(ProtoError::RequestBodyTooShort {
                    declared,
                    read: declared - left,
                })
            }
            &mut Some((declared, left)) if data.len() as u64 > left => {
                Err(ProtoError::RequestBodyTooLong { declared })
            }
            Some((_, left)) => {
                *left -= data.len() as u64;
                out.extend_from_slice(data);
                Ok(())
            }
        };
        if result.is_err() {
            self.fail();
        }
        result
    }

    /// The connection was flushed, as [`Next::Flush`] asked.
    pub fn flushed(&mut self) {
        match std::mem::replace(&mut self.state, State::Done) {
            State::FlushForContinue { out } => self.state = State::AwaitContinue { out },
            State::Flush => self.state = State::RecvHead,
            other => self.state = other,
        }
    }

    /// The wait of [`Next::AwaitContinue`] is over without an answer: the body goes now.
    pub fn continue_timed_out(&mut self) {
        if let State::AwaitContinue { out } = &mut self.state {
            let out = std::mem::take(out);
            self.state = self.body_state(out);
        }
    }

    /// Reads one response head from the front of `buf` (`eof`: the connection has closed
    /// after it), as [`Next::ReadHead`] and [`Next::AwaitContinue`] ask: `None` if more bytes
    /// are needed, else the head and the bytes it took.
    ///
    /// An interim head during [`Next::AwaitContinue`] lets the body go; the final head
    /// decides the body's framing and whether the connection can be reused.
    pub fn read_head(
        &mut self,
        buf: &[u8],
        eof: bool,
    ) -> Result<Option<(Head, usize)>, ProtoError> {
        let result = self.try_read_head(buf, eof);
        if result.is_err() {
            self.fail();
        }
        result
    }

    fn try_read_head(
        &mut self,
        buf: &[u8],
        eof: bool,
    ) -> Result<Option<(Head, usize)>, ProtoError> {
        let waiting = match self.state {
            State::AwaitContinue { .. } => true,
            State::RecvHead => false,
            _ => {
                debug_assert!(false, "read_head in {:?}", self.state);
                return Ok(None);
            }
        };
        let Some((head, len)) = parse_head_copied(buf, &self.limits)? else {
            return if eof {
                Err(ProtoError::IncompleteHead)
            } else {
                Ok(None)
            };
        };
        if is_interim(head.status) {
            self.interim = self.interim.saturating_add(1);
            if usize::from(self.interim) > self.limits.max_interim {
                return Err(ProtoError::TooManyInterim);
            }
            // `100 Continue` or another interim response: the body goes, the final answer is
            // still to come.
            self.continue_timed_out();
            return Ok(Some((Head::Interim(head), len)));
        }
        if waiting {
            // The server answered without reading the body.
            self.close.insert(CloseReason::BodyNotSent);
        }
        if head.status == StatusCode::SWITCHING_PROTOCOLS {
            self.close.insert(CloseReason::SwitchingProtocols);
        }
        if !keep_alive(head.version, &head.headers) {
            self.close.insert(if head.version == Version::HTTP_10 {
                CloseReason::Http10
            } else {
                CloseReason::ResponseClose
            });
        }
        match framing(self.is_head, head.status, &head.headers)? {
            Framing::Empty => self.end(buf.len() - len, eof),
            framing => {
                if framing == Framing::Close {
                    self.close.insert(CloseReason::ReadToClose);
                }
                self.state = State::RecvBody(BodyDecoder::with_limits(framing, &self.limits));
            }
        }
        Ok(Some((Head::Final(head), len)))
    }

    /// Decodes the body's framing at the front of `buf` (`eof`: the connection has closed
    /// after it), as [`Next::ReadBody`] asks. The driver discards what the [`Step`] says; at
    /// [`Step::End`] the exchange is over.
    pub fn decode(&mut self, buf: &[u8], eof: bool) -> Result<Step, ProtoError> {
        let State::RecvBody(decoder) = &mut self.state else {
            return Ok(Step::End {
                skip: 0,
                trailers: None,
            });
        };
        match decoder.decode(buf, eof) {
            Ok(step) => {
                if let Step::End { skip, .. } = step {
                    self.end(buf.len() - skip, eof);
                }
                Ok(step)
            }
            Err(e) => {
                self.fail();
                Err(e)
            }
        }
    }

    /// Bytes of body still expected, when the framing says (`Some(0)` once it has ended).
    pub fn remaining(&self) -> Option<u64> {
        match &self.state {
            State::RecvBody(decoder) => decoder.remaining(),
            _ => Some(0),
        }
    }

    /// The response has ended with `left` bytes after it.
    fn end(&mut self, left: usize, eof: bool) {
        if left > 0 {
            self.close.insert(CloseReason::BytesPastEnd);
        }
        if eof {
            self.close.insert(CloseReason::PeerClosed);
        }
        self.state = State::Done;
    }

    /// The exchange failed (an I/O error, a timeout, a protocol violation): the connection
    /// cannot be reused.
    pub fn fail(&mut self) {
        self.close.insert(CloseReason::Failed);
        self.state = State::Done;
    }

    /// No byte of the request has been written yet.
    pub fn nothing_sent(&self) -> bool {
        !self.sent_any
    }

    /// Why the connection cannot carry another request; empty if it can (once
    /// [`Next::Done`]).
    pub fn close_reasons(&self) -> CloseReasons {
        self.close
    }

    /// True if the exchange is over and the connection can carry another request.
    pub fn can_reuse(&self) -> bool {
        matches!(self.state, State::Done) && self.close.is_empty()
    }
}

/// An interim (1xx) response, after which the final one is still to come: every 1xx but 101.
pub fn is_interim(status: StatusCode) -> bool {
    status.is_informational() && status != StatusCode::SWITCHING_PROTOCOLS
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &[u8] = b"POST / HTTP/1.1\r\nHost: h\r\n\r\n";

    fn request(body: RequestBody<'_>) -> Request<'_> {
        Request {
            head: HEAD.to_vec(),
            body,
            is_head: false,
            expect_continue: false,
            close: false,
        }
    }

    fn exchange(body: RequestBody<'_>) -> Exchange {
        Exchange::new(request(body), Limits::default())
    }

    /// Writes what the exchange asks, all at once, until it wants to read; returns the bytes.
    fn send_all(ex: &mut Exchange, full: &[u8], mut stream: Vec<&[u8]>) -> Vec<u8> {
        let mut wire = Vec::new();
        loop {
            match ex.next() {
                Next::Write(data) => {
                    let n = data.len();
                    wire.extend_from_slice(data);
                    ex.wrote(n);
                }
                Next::WriteBody { from } => {
                    wire.extend_from_slice(&full[from..]);
                    ex.wrote(full.len() - from);
                }
                Next::ReadRequestBody => {
                    let piece = if stream.is_empty() {
                        &b""[..]
                    } else {
                        stream.remove(0)
                    };
                    ex.request_body_read(piece).unwrap();
                }
                Next::Flush => ex.flushed(),
                _ => return wire,
            }
        }
    }

    /// Reads a final head from `input`; returns it and the bytes it took (interim heads too).
    fn receive(ex: &mut Exchange, input: &[u8]) -> (ResponseHead, usize) {
        let mut at = 0;
        loop {
            match ex.read_head(&input[at..], false).unwrap().unwrap() {
                (Head::Interim(_), len) => at += len,
                (Head::Final(head), len) => return (head, at + len),
            }
        }
    }

    mod send_head {
        use super::*;

        #[test]
        fn a_small_body_goes_with_the_head_in_one_write() {
            let ex = exchange(RequestBody::Full(b"hello"));
            assert_eq!(ex.next(), Next::Write(&[HEAD, b"hello"].concat()));
        }

        #[test]
        fn partial_writes_resume_where_they_stopped() {
            let mut ex = exchange(RequestBody::Empty);
            ex.wrote(4);
            assert_eq!(ex.next(), Next::Write(&HEAD[4..]));
            ex.wrote(HEAD.len() - 4);
            assert_eq!(ex.next(), Next::Flush);
            assert!(!ex.nothing_sent());
        }

        #[test]
        fn nothing_is_sent_until_a_write_is_reported() {
            assert!(exchange(RequestBody::Empty).nothing_sent());
        }
    }

    mod send_body {
        use super::*;

        #[test]
        fn a_large_body_is_written_from_the_callers_bytes_after_the_head() {
            let body = vec![b'x'; COALESCE + 1];
            let mut ex = exchange(RequestBody::Full(&body));
            assert_eq!(ex.next(), Next::Write(HEAD));
            ex.wrote(HEAD.len());
            assert_eq!(ex.next(), Next::WriteBody { from: 0 });
            ex.wrote(10);
            assert_eq!(ex.next(), Next::WriteBody { from: 10 });
            ex.wrote(body.len() - 10);
            assert_eq!(ex.next(), Next::Flush);
            ex.flushed();
            assert_eq!(ex.next(), Next::ReadHead);
        }

        #[test]
        fn a_stream_is_sent_chunked_with_a_last_chunk() {
            let mut ex = exchange(RequestBody::Stream);
            let wire = send_all(&mut ex, b"", vec![b"abc", b"defgh"]);
            assert_eq!(
                wire,
                [HEAD, b"3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n"].concat()
            );
            assert_eq!(ex.next(), Next::ReadHead);
        }

        #[test]
        fn a_sized_stream_is_sent_as_is_and_must_end_at_its_length() {
            let mut ex = exchange(RequestBody::Sized(8));
            let wire = send_all(&mut ex, b"", vec![b"abc", b"defgh"]);
            assert_eq!(wire, [HEAD, b"abcdefgh"].concat());
            assert_eq!(ex.next(), Next::ReadHead);
            assert!(ex.close_reasons().is_empty());
        }

        /// Feeds `pieces` to a sized exchange until it errs.
        fn sized_error(len: u64, pieces: &[&[u8]]) -> (ProtoError, Exchange) {
            let mut ex = exchange(RequestBody::Sized(len));
            for piece in pieces {
                loop {
                    match ex.next() {
                        Next::Write(data) => {
                            let n = data.len();
                            ex.wrote(n);
                        }
                        Next::ReadRequestBody => break,
                        other => panic!("{other:?}"),
                    }
                }
                if let Err(e) = ex.request_body_read(piece) {
                    return (e, ex);
                }
            }
            panic!("no error");
        }

        #[test]
        fn a_sized_stream_that_ends_early_or_goes_on_fails_the_exchange() {
            let (e, ex) = sized_error(8, &[b"abc", b""]);
            assert_eq!(
                e,
                ProtoError::RequestBodyTooShort {
                    declared: 8,
                    read: 3
                }
            );
            assert!(ex.close_reasons().contains(CloseReason::Failed));
            let (e, ex) = sized_error(4, &[b"abc", b"de"]);
            assert_eq!(e, ProtoError::RequestBodyTooLong { declared: 4 });
            assert!(ex.close_reasons().contains(CloseReason::Failed));
            // Exactly its length, then more instead of the end.
            let (e, _) = sized_error(3, &[b"abc", b"d"]);
            assert_eq!(e, ProtoError::RequestBodyTooLong { declared: 3 });
        }
    }

    mod await_continue {
        use super::*;

        fn expecting(body: &[u8]) -> Exchange {
            let mut ex = Exchange::new(
                Request {
                    expect_continue: true,
                    ..request(RequestBody::Full(body))
                },
                Limits::default(),
            );
            assert_eq!(ex.next(), Next::Write(HEAD), "the body is held back");
            ex.wrote(HEAD.len());
            assert_eq!(ex.next(), Next::Flush);
            ex.flushed();
            assert_eq!(ex.next(), Next::AwaitContinue(Duration::from_secs(1)));
            ex
        }

        #[test]
        fn continue_lets_the_body_go() {
            let mut ex = expecting(b"body");
            let got = ex
                .read_head(b"HTTP/1.1 100 Continue\r\n\r\n", false)
                .unwrap();
            assert!(matches!(got, Some((Head::Interim(_), 25))));
            assert_eq!(ex.next(), Next::WriteBody { from: 0 });
        }

        #[test]
        fn the_body_goes_anyway_when_the_wait_is_over() {
            let mut ex = expecting(b"body");
            assert_eq!(
                ex.read_head(b"HTTP/1.1 1", false).unwrap().map(|_| ()),
                None
            );
            ex.continue_timed_out();
            assert_eq!(ex.next(), Next::WriteBody { from: 0 });
        }

        #[test]
        fn a_final_answer_instead_closes_the_connection() {
            let mut ex = expecting(b"body");
            let (head, _) = receive(&mut ex, b"HTTP/1.1 417 No\r\ncontent-length: 0\r\n\r\n");
            assert_eq!(head.status, 417);
            assert_eq!(ex.next(), Next::Done);
            assert!(ex.close_reasons().contains(CloseReason::BodyNotSent));
            assert!(!ex.can_reuse());
        }

        #[test]
        fn an_empty_body_does_not_wait() {
            let mut ex = Exchange::new(
                Request {
                    expect_continue: true,
                    ..request(RequestBody::Empty)
                },
                Limits::default(),
            );
            send_all(&mut ex, b"", Vec::new());
            assert_eq!(ex.next(), Next::ReadHead);
        }
    }

    mod recv_head {
        use super::*;

        fn reading() -> Exchange {
            let mut ex = exchange(RequestBody::Empty);
            send_all(&mut ex, b"", Vec::new());
            ex
        }

        #[test]
        fn interim_heads_are_skipped_up_to_the_limit() {
            let mut ex = reading();
            let interim = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n";
            let mut input = interim.repeat(16);
            input.extend_from_slice(b"HTTP/1.1 204 No Content\r\n\r\n");
            let (head, used) = receive(&mut ex, &input);
            assert_eq!((head.status.as_u16(), used), (204, input.len()));
            assert!(ex.can_reuse());

            let mut ex = reading();
            let input = interim.repeat(17);
            let mut at = 0;
            let err = loop {
                match ex.read_head(&input[at..], false) {
                    Ok(Some((_, len))) => at += len,
                    other => break other.map(|_| ()).unwrap_err(),
                }
            };
            assert_eq!(err, ProtoError::TooManyInterim);
            assert!(ex.close_reasons().contains(CloseReason::Failed));
        }

        #[test]
        fn a_partial_head_needs_more_and_eof_makes_it_an_error() {
            let mut ex = reading();
            assert!(
                ex.read_head(b"HTTP/1.1 200 OK\r\n", false)
                    .unwrap()
                    .is_none()
            );
            assert_eq!(
                ex.read_head(b"HTTP/1.1 200 OK\r\n", true).unwrap_err(),
                ProtoError::IncompleteHead
            );
            assert!(!ex.can_reuse());
        }

        #[test]
        fn each_reason_to_close_is_recorded() {
            let cases: [(&[u8], CloseReason); 5] = [
                (
                    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                    CloseReason::ResponseClose,
                ),
                (
                    b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
                    CloseReason::Http10,
                ),
                (
                    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
                    CloseReason::SwitchingProtocols,
                ),
                (b"HTTP/1.1 200 OK\r\n\r\n", CloseReason::ReadToClose),
                (
                    b"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n",
                    CloseReason::BytesPastEnd,
                ),
            ];
            for (input, reason) in cases {
                let mut ex = reading();
                receive(&mut ex, input);
                assert!(
                    ex.close_reasons().contains(reason),
                    "{reason:?}: {:?}",
                    ex.close_reasons()
                );
            }
            let mut ex = Exchange::new(
                Request {
                    close: true,
                    ..request(RequestBody::Empty)
                },
                Limits::default(),
            );
            send_all(&mut ex, b"", Vec::new());
            receive(&mut ex, b"HTTP/1.1 204 No Content\r\n\r\n");
            assert_eq!(
                ex.close_reasons().iter().collect::<Vec<_>>(),
                [CloseReason::RequestClose]
            );
        }

        #[test]
        fn bad_framing_fails_the_exchange() {
            let mut ex = reading();
            let input = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n";
            assert_eq!(
                ex.read_head(input, false).unwrap_err(),
                ProtoError::InvalidContentLength
            );
            assert!(ex.close_reasons().contains(CloseReason::Failed));
        }

        #[test]
        fn a_head_request_has_no_body() {
            let mut ex = Exchange::new(
                Request {
                    is_head: true,
                    ..request(RequestBody::Empty)
                },
                Limits::default(),
            );
            send_all(&mut ex, b"", Vec::new());
            receive(&mut ex, b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n");
            assert_eq!(ex.next(), Next::Done);
            assert!(ex.can_reuse());
        }
    }

    mod recv_body {
        use super::*;

        fn body_of(head: &[u8]) -> Exchange {
            let mut ex = exchange(RequestBody::Empty);
            send_all(&mut ex, b"", Vec::new());
            receive(&mut ex, head);
            assert_eq!(ex.next(), Next::ReadBody);
            ex
        }

        #[test]
        fn a_length_body_ends_and_the_connection_is_reusable() {
            let mut ex = body_of(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n");
            assert_eq!(ex.remaining(), Some(3));
            assert_eq!(ex.decode(b"abc", false), Ok(Step::Data { skip: 0, len: 3 }));
            assert!(matches!(
                ex.decode(b"", false),
                Ok(Step::End { skip: 0, .. })
            ));
            assert_eq!(ex.next(), Next::Done);
            assert!(ex.can_reuse());
        }

        #[test]
        fn chunked_trailers_are_returned() {
            let mut ex = body_of(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            let Ok(Step::End {
                trailers: Some(t), ..
            }) = ex.decode(b"0\r\nX-T: 1\r\n\r\n", false)
            else {
                panic!("no trailers")
            };
            assert_eq!(t.get("x-t").unwrap(), "1");
            assert!(ex.can_reuse());
        }

        #[test]
        fn bytes_past_the_end_or_a_close_at_it_prevent_reuse() {
            let head = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n";
            let mut ex = body_of(head);
            ex.decode(b"a", false).unwrap();
            ex.decode(b"junk", false).unwrap();
            assert_eq!(
                ex.close_reasons().iter().collect::<Vec<_>>(),
                [CloseReason::BytesPastEnd]
            );
            let mut ex = body_of(head);
            ex.decode(b"a", false).unwrap();
            ex.decode(b"", true).unwrap();
            assert!(ex.close_reasons().contains(CloseReason::PeerClosed));
        }

        #[test]
        fn a_truncated_body_fails() {
            let mut ex = body_of(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
            assert_eq!(
                ex.decode(b"", true),
                Err(ProtoError::TruncatedBody { missing: Some(5) })
            );
            assert!(ex.close_reasons().contains(CloseReason::Failed));
        }

        #[test]
        fn the_body_limits_are_the_exchanges() {
            let limits = Limits {
                max_chunk_line: 8,
                ..Limits::default()
            };
            let mut ex = Exchange::new(request(RequestBody::Empty), limits);
            send_all(&mut ex, b"", Vec::new());
            receive(
                &mut ex,
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
            );
            assert_eq!(
                ex.decode(b"1;ext=long\r\n", false),
                Err(ProtoError::InvalidChunkSize)
            );
        }
    }

    mod done {
        use super::*;

        #[test]
        fn a_new_connection_is_idle_and_reusable() {
            let ex = Exchange::idle(Limits::default());
            assert_eq!(ex.next(), Next::Done);
            assert!(ex.can_reuse());
        }

        #[test]
        fn a_failure_at_any_point_prevents_reuse() {
            let mut ex = exchange(RequestBody::Empty);
            ex.fail();
            assert_eq!(ex.next(), Next::Done);
            assert_eq!(
                ex.close_reasons().iter().collect::<Vec<_>>(),
                [CloseReason::Failed]
            );
        }
    }
}
