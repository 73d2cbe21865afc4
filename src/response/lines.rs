//! [`Lines`]: a body's text line by line, decoded as it arrives.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{RequestName, ResponseBody};
use crate::charset::{Charset, push_decoded};
use crate::error::{Error, Kind, Result};
use encoding_rs::Decoder;
use futures_core::Stream;

/// The lines of a response body, from [`Response::lines`](crate::Response::lines): a
/// [`Stream`] of `String`s, decoded by the response's charset as the body arrives. `\n` and
/// `\r\n` end a line and are not part of it; a last line without either is still one.
///
/// At most one line is held at a time: a line longer than the client's
/// [`max_body_bytes`](crate::ClientBuilder::max_body_bytes) (in UTF-8) is an error of kind
/// [`Kind::Body`], and the stream ends after any error.
pub struct Lines {
    body: ResponseBody,
    /// What errors name.
    request: RequestName,
    decoder: Decoder,
    /// Decoded text; lines before `start` have been handed out.
    text: String,
    start: usize,
    /// Where to look for the next `\n` (everything from `start` to here has none).
    scanned: usize,
    limit: usize,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Reading,
    /// The body has ended: what is left of `text` is its last lines.
    Ended,
    /// Everything has been handed out, or an error has.
    Done,
}

impl Lines {
    pub(super) fn new(
        body: ResponseBody,
        request: RequestName,
        charset: Charset,
        limit: usize,
    ) -> Lines {
        Lines {
            body,
            request,
            decoder: charset.decoder(),
            text: String::new(),
            start: 0,
            scanned: 0,
            limit,
            state: State::Reading,
        }
    }

    /// The next complete line in `text`, if there is one.
    fn take_line(&mut self) -> Option<String> {
        let newline = self.text[self.scanned..].find('\n');
        let Some(end) = newline.map(|i| self.scanned + i) else {
            self.scanned = self.text.len();
            return None;
        };
        let line = &self.text[self.start..end];
        let line = line.strip_suffix('\r').unwrap_or(line).to_owned();
        self.start = end + 1;
        self.scanned = self.start;
        Some(line)
    }

    /// The next line: a complete one, or once the body has ended, what is left.
    fn next_line(&mut self) -> Option<String> {
        if let Some(line) = self.take_line() {
            return Some(line);
        }
        if self.state != State::Ended {
            return None;
        }
        self.state = State::Done;
        let last = self.text.split_off(self.start);
        (!last.is_empty()).then_some(last)
    }

    /// The error for a line that has grown past the limit.
    fn too_long(&self) -> Error {
        let msg = format!(
            "a line of the body exceeds {} bytes, the limit for holding one \
             (raise ClientBuilder::max_body_bytes, or read the body as a stream)",
            self.limit
        );
        self.request.name(Error::new(Kind::Body, msg))
    }
}

impl Stream for Lines {
    type Item = Result<String>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<String>>> {
        let this = &mut *self;
        loop {
            if this.state == State::Done {
                return Poll::Ready(None);
            }
            if let Some(line) = this.next_line() {
                if line.len() > this.limit {
                    this.state = State::Done;
                    return Poll::Ready(Some(Err(this.too_long())));
                }
                return Poll::Ready(Some(Ok(line)));
            }
            if this.state == State::Done {
                return Poll::Ready(None);
            }
            if this.text.len() - this.start > this.limit {
                this.state = State::Done;
                return Poll::Ready(Some(Err(this.too_long())));
            }
            // Only the unfinished line is kept before more text comes.
            this.text.drain(..this.start);
            this.scanned -= this.start;
            this.start = 0;
            match std::task::ready!(this.body.poll_chunk(cx)) {
                Ok(Some(chunk)) => push_decoded(&mut this.decoder, &chunk, &mut this.text, false),
                Ok(None) => {
                    push_decoded(&mut this.decoder, &[], &mut this.text, true);
                    this.state = State::Ended;
                }
                Err(e) => {
                    this.state = State::Done;
                    return Poll::Ready(Some(Err(this.request.name(e))));
                }
            }
        }
    }
}

impl fmt::Debug for Lines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lines")
            .field("encoding", &self.decoder.encoding().name())
            .finish_non_exhaustive()
    }
}
