//! The driver: moves bytes between the codec and a connection, under the request's deadlines.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use bytes::Bytes;
use futures_io::{AsyncRead, AsyncWrite};
use http::StatusCode;

use super::body::{BodyDecoder, Step};
use super::head::{Limits, ResponseHead, parse_head_copied};
use super::read_buf::ReadBuf;
use super::{ProtoError, encode_chunk, encode_last_chunk};
use crate::error::{Error, Kind, TimeoutPhase};
use crate::headers::Headers;
use crate::rt::{Deadlines, Executor, IdleTimer};
use crate::transport::BoxIo;

/// Bytes of buffer offered to one read while waiting for a head or a short body.
const SMALL_READ: usize = 8 * 1024;
/// Bytes offered to one read while a large body is streaming.
const LARGE_READ: usize = 64 * 1024;
/// Request bodies up to this size are written together with the head.
const COALESCE: usize = 16 * 1024;
/// Interim responses accepted before the final one.
const MAX_INTERIM: usize = 16;
/// How long to wait for `100 Continue` before sending the body anyway (as curl does).
const CONTINUE_WAIT: Duration = Duration::from_secs(1);

/// A request body as the driver sends it.
pub(crate) enum OutBody<'a> {
    /// No body.
    Empty,
    /// A body of known bytes, sent with `Content-Length`.
    Full(&'a Bytes),
    /// A body read from a stream, sent chunked.
    Stream(&'a mut (dyn AsyncRead + Send + Unpin)),
}

/// Why an exchange failed, with what the retry rule needs to know.
#[derive(Debug)]
pub(crate) struct ExchangeError {
    pub(crate) error: Error,
    /// No byte of the request reached the connection.
    pub(crate) nothing_sent: bool,
    /// The connection ended before any byte of a response arrived.
    pub(crate) closed_before_response: bool,
}

/// One HTTP/1.1 connection: the stream, its read buffer, and the current deadlines.
pub(crate) struct Conn {
    io: BoxIo,
    buf: ReadBuf,
    timer: IdleTimer,
    limits: Limits,
    eof: bool,
    /// A response has been completed on this connection before.
    reused: bool,
    /// The connection cannot carry another request (an unsent body, a broken exchange).
    must_close: bool,
    written: u64,
}

impl Conn {
    pub(crate) fn new(io: BoxIo, exec: Arc<dyn Executor>, limits: Limits) -> Conn {
        Conn {
            io,
            buf: ReadBuf::default(),
            timer: IdleTimer::new(exec),
            limits,
            eof: false,
            reused: false,
            must_close: false,
            written: 0,
        }
    }

    pub(crate) fn is_reused(&self) -> bool {
        self.reused
    }

    /// Checks, without waiting, that an idle connection is still open and silent.
    pub(crate) fn is_idle_usable(&mut self) -> bool {
        if !self.buf.is_empty() || self.eof || self.must_close {
            return false;
        }
        let mut probe = [0u8; 1];
        let mut cx = Context::from_waker(Waker::noop());
        matches!(
            Pin::new(&mut self.io).poll_read(&mut cx, &mut probe),
            Poll::Pending
        )
    }

    /// True if the connection can carry another request now that a body ended.
    pub(crate) fn can_reuse(&self) -> bool {
        !self.must_close && !self.eof && self.buf.is_empty()
    }

    /// Gives back the read buffer before the connection waits idle: an idle connection keeps
    /// none (the next request's first read makes one).
    pub(crate) fn trim_for_idle(&mut self) {
        self.buf.free_if_empty();
    }

    pub(crate) fn mark_closed(&mut self) {
        self.must_close = true;
    }

    /// Shuts the stream down (a TLS close_notify, a TCP FIN), bounded by `limit`.
    pub(crate) async fn shutdown(mut self, limit: Duration) {
        let exec = self.timer.executor().clone();
        let close = poll_fn(|cx| Pin::new(&mut self.io).poll_close(cx));
        futures_lite::future::or(async { drop(close.await) }, exec.sleep(limit)).await;
    }

    /// Sends a request (head, then body) and reads the final response head.
    pub(crate) async fn exchange(
        &mut self,
        deadlines: Deadlines,
        mut head: Vec<u8>,
        body: OutBody<'_>,
        expect_continue: bool,
    ) -> Result<ResponseHead, ExchangeError> {
        self.timer.set(deadlines);
        self.written = 0;
        match self.send_and_read(&mut head, body, expect_continue).await {
            Ok(response) => {
                self.reused = true;
                Ok(response)
            }
            Err(error) => {
                self.must_close = true;
                Err(ExchangeError {
                    nothing_sent: self.written == 0,
                    closed_before_response: self.eof && self.buf.is_empty(),
                    error,
                })
            }
        }
    }

    async fn send_and_read(
        &mut self,
        head: &mut Vec<u8>,
        body: OutBody<'_>,
        expect_continue: bool,
    ) -> Result<ResponseHead, Error> {
        match body {
            OutBody::Empty => self.write_all(head).await?,
            OutBody::Full(bytes) if bytes.len() <= COALESCE && !expect_continue => {
                head.extend_from_slice(bytes);
                self.write_all(head).await?;
            }
            mut body => {
                self.write_all(head).await?;
                if expect_continue {
                    self.flush().await?;
                    if let Some(response) = self.await_continue().await? {
                        // The server answered without reading the body: it cannot be reused.
                        self.must_close = true;
                        return Ok(response);
                    }
                }
                head.clear();
                self.write_body(&mut body, head).await?;
            }
        }
        self.flush().await?;
        self.read_final_head().await
    }

    /// Waits a short while for `100 Continue`; a final response instead is returned.
    ///
    /// The read timeout does not run meanwhile: a server that ignores `Expect` is not a
    /// silent one, and gets the body when the wait is over. The total deadline still holds.
    async fn await_continue(&mut self) -> Result<Option<ResponseHead>, Error> {
        let exec = self.timer.executor().clone();
        let deadlines = self.timer.deadlines();
        self.timer.set(Deadlines {
            idle: None,
            ..deadlines
        });
        let read = async { Some(self.read_head().await) };
        let waited = futures_lite::future::or(read, async {
            exec.sleep(CONTINUE_WAIT).await;
            None
        })
        .await;
        self.timer.set(deadlines);
        match waited {
            None => Ok(None),
            // `100 Continue` or another interim response: send the body, the final answer is
            // still to come.
            Some(head) => head.map(|head| (!is_interim(head.status)).then_some(head)),
        }
    }

    async fn write_body(
        &mut self,
        body: &mut OutBody<'_>,
        scratch: &mut Vec<u8>,
    ) -> Result<(), Error> {
        match body {
            OutBody::Empty => Ok(()),
            OutBody::Full(bytes) => self.write_all(bytes).await,
            OutBody::Stream(reader) => {
                let mut chunk = vec![0u8; 16 * 1024];
                loop {
                    let n = poll_fn(|cx| Pin::new(&mut **reader).poll_read(cx, &mut chunk))
                        .await
                        .map_err(|e| Error::new(Kind::Body, e))?;
                    scratch.clear();
                    if n == 0 {
                        encode_last_chunk(scratch);
                        return self.write_all(scratch).await;
                    }
                    encode_chunk(&chunk[..n], scratch);
                    self.write_all(scratch).await?;
                }
            }
        }
    }

    async fn read_final_head(&mut self) -> Result<ResponseHead, Error> {
        for _ in 0..=MAX_INTERIM {
            let head = self.read_head().await?;
            if !is_interim(head.status) {
                // After 101 the connection speaks another protocol.
                self.must_close |= head.status == StatusCode::SWITCHING_PROTOCOLS;
                return Ok(head);
            }
        }
        Err(Error::new(Kind::Protocol, ProtoError::TooManyInterim))
    }

    /// Reads one response head (interim or final) from the connection.
    async fn read_head(&mut self) -> Result<ResponseHead, Error> {
        loop {
            if !self.buf.is_empty() {
                match parse_head_copied(self.buf.data(), &self.limits) {
                    Ok(Some((head, len))) => {
                        self.buf.consume(len);
                        return Ok(head);
                    }
                    Ok(None) => {}
                    Err(e) => return Err(Error::new(Kind::Protocol, e)),
                }
            }
            if self.eof {
                return Err(Error::new(Kind::Protocol, ProtoError::IncompleteHead));
            }
            poll_fn(|cx| self.poll_fill(cx, SMALL_READ))
                .await
                .map_err(|e| Error::from_io(Kind::Io, e))?;
        }
    }

    /// Reads the next piece of a body: `Some(data)`, or `None` at its end.
    pub(crate) fn poll_body(
        &mut self,
        cx: &mut Context<'_>,
        decoder: &mut BodyDecoder,
        trailers: &mut Option<Headers>,
    ) -> Poll<Result<Option<Bytes>, Error>> {
        loop {
            let step = decoder.decode(self.buf.data(), self.eof).map_err(|e| {
                self.must_close = true;
                // Malformed framing is the server breaking the protocol; a body cut short by
                // the connection ending is a body error.
                let kind = match e {
                    ProtoError::TruncatedBody { .. } => Kind::Body,
                    _ => Kind::Protocol,
                };
                Error::new(kind, e)
            })?;
            match step {
                Step::Data { skip, len } => {
                    self.buf.consume(skip);
                    return Poll::Ready(Ok(Some(self.buf.take(len))));
                }
                Step::End {
                    skip,
                    trailers: found,
                } => {
                    self.buf.consume(skip);
                    *trailers = found;
                    return Poll::Ready(Ok(None));
                }
                Step::NeedMore { skip } => {
                    self.buf.consume(skip);
                    let window = match decoder.remaining() {
                        Some(n) if n <= SMALL_READ as u64 => SMALL_READ,
                        _ => LARGE_READ,
                    };
                    if let Err(e) = ready!(self.poll_fill(cx, window)) {
                        self.must_close = true;
                        return Poll::Ready(Err(Error::from_io(Kind::Body, e)));
                    }
                }
            }
        }
    }

    /// Consumes the rest of a body if it is already in the buffer, without any I/O; true if
    /// the body ended there (so the connection can be reused).
    pub(crate) fn skip_buffered_body(&mut self, decoder: &mut BodyDecoder) -> bool {
        loop {
            match decoder.decode(self.buf.data(), false) {
                Ok(Step::Data { skip, len }) => self.buf.consume(skip + len),
                Ok(Step::End { skip, .. }) => {
                    self.buf.consume(skip);
                    return true;
                }
                Ok(Step::NeedMore { .. }) | Err(_) => return false,
            }
        }
    }

    /// Reads the rest of a `Content-Length` body straight into `out`, which has exactly its
    /// size: what is buffered first, then from the stream, with no copy in between.
    pub(crate) async fn read_length_body(
        &mut self,
        decoder: &mut BodyDecoder,
        out: &mut [u8],
    ) -> Result<(), Error> {
        debug_assert_eq!(decoder.remaining(), Some(out.len() as u64));
        let buffered = self.buf.data();
        let mut filled = out.len().min(buffered.len());
        out[..filled].copy_from_slice(&buffered[..filled]);
        self.buf.consume(filled);
        while filled < out.len() {
            let n = poll_fn(|cx| self.poll_read_timed(cx, &mut out[filled..]))
                .await
                .map_err(|e| {
                    self.must_close = true;
                    Error::from_io(Kind::Body, e)
                })?;
            if n == 0 {
                self.must_close = true;
                let missing = Some((out.len() - filled) as u64);
                return Err(Error::new(
                    Kind::Body,
                    ProtoError::TruncatedBody { missing },
                ));
            }
            filled += n;
        }
        // The decoder takes the body as read: it is then at the body's end.
        match decoder.decode(out, false) {
            Ok(Step::Data { skip: 0, len }) if len == out.len() => Ok(()),
            _ => Err(Error::new(
                Kind::Body,
                "the body decoder disagrees with the body's length",
            )),
        }
    }

    /// Reads more bytes into the buffer, offering at least `window` bytes to the stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>, window: usize) -> Poll<io::Result<usize>> {
        let mut buf = std::mem::take(&mut self.buf);
        let result = self.poll_read_timed(cx, buf.spare(window));
        if let Poll::Ready(Ok(n)) = result {
            buf.filled(n);
        }
        self.buf = buf;
        result
    }

    /// One read from the stream into `out`, under the idle and total deadlines.
    fn poll_read_timed(&mut self, cx: &mut Context<'_>, out: &mut [u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.io).poll_read(cx, out);
        match self.timed(cx, TimeoutPhase::Read, result) {
            Poll::Ready(Ok(n)) => {
                self.eof |= n == 0;
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => {
                // A reset, or TLS ended without close_notify: the peer is gone, as with a clean
                // close (this is what lets a stale reused connection be retried).
                self.eof |= matches!(
                    e.kind(),
                    io::ErrorKind::UnexpectedEof
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionAborted
                );
                Poll::Ready(Err(e))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// An I/O poll's result under the deadlines: progress disarms the idle timer; waiting
    /// arms it, and its expiry becomes a timeout error of `phase`.
    fn timed<T>(
        &mut self,
        cx: &mut Context<'_>,
        phase: TimeoutPhase,
        result: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Ready(result) => {
                self.timer.disarm();
                Poll::Ready(result)
            }
            Poll::Pending => self.timer.poll_expired(cx, phase).map(Err),
        }
    }

    async fn write_all(&mut self, mut data: &[u8]) -> Result<(), Error> {
        while !data.is_empty() {
            let n = poll_fn(|cx| self.poll_write(cx, data))
                .await
                .map_err(|e| Error::from_io(Kind::Io, e))?;
            if n == 0 {
                return Err(Error::new(
                    Kind::Io,
                    io::Error::from(io::ErrorKind::WriteZero),
                ));
            }
            self.written += n as u64;
            data = &data[n..];
        }
        Ok(())
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.io).poll_write(cx, data);
        self.timed(cx, TimeoutPhase::Write, result)
    }

    async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| {
            let result = Pin::new(&mut self.io).poll_flush(cx);
            self.timed(cx, TimeoutPhase::Write, result)
        })
        .await
        .map_err(|e| Error::from_io(Kind::Io, e))
    }
}

/// An interim (1xx) response, after which the final one is still to come: every 1xx but 101.
fn is_interim(status: StatusCode) -> bool {
    status.is_informational() && status != StatusCode::SWITCHING_PROTOCOLS
}
