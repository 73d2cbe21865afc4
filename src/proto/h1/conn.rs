//! The async driver of an [`Exchange`]: moves bytes between the state machine and the stream,
//! arms the timers it asks for (the read timeout, the wait for `100 Continue`) under the
//! request's deadlines, and reports what happened. It decides nothing about the protocol.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;

use bytes::Bytes;
use futures_io::{AsyncRead, AsyncWrite};

use super::body::Step;
use super::exchange::{Exchange, Head, Next, Request};
use super::read_buf::ReadBuf;
use super::{Limits, ProtoError};
use crate::error::{Error, Kind, TimeoutPhase};
use crate::headers::Headers;
use crate::proto::ResponseHead;
use crate::rt::{Deadlines, Executor, IdleTimer};
use crate::transport::{BoxIo, IdleProbe};

/// Bytes of buffer offered to one read while waiting for a head or a short body.
const SMALL_READ: usize = 8 * 1024;
/// Bytes offered to one read while a large body is streaming.
const LARGE_READ: usize = 64 * 1024;
/// Bytes read from a streamed request body at a time.
const REQUEST_CHUNK: usize = 16 * 1024;

/// A request body as the driver sends it.
pub(crate) enum OutBody<'a> {
    /// No body.
    Empty,
    /// A body of known bytes, sent with `Content-Length`.
    Full(&'a Bytes),
    /// A body read from a stream, sent chunked or with its declared length.
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

/// One HTTP/1.1 connection: the stream, its read buffer, the current deadlines, and the
/// state machine of its current (or last) exchange, which alone decides reuse.
pub(crate) struct Conn {
    io: BoxIo,
    /// A look at the idle socket from beside the stream, when the stream is plain TCP.
    probe: Option<IdleProbe>,
    buf: ReadBuf,
    timer: IdleTimer,
    exchange: Exchange,
    eof: bool,
    /// A response has been completed on this connection before.
    reused: bool,
    /// The peer's address, when the connector said.
    remote_addr: Option<std::net::SocketAddr>,
}

impl Conn {
    pub(crate) fn new(
        io: BoxIo,
        probe: Option<IdleProbe>,
        exec: Arc<dyn Executor>,
        limits: Limits,
    ) -> Conn {
        Conn {
            io,
            probe,
            buf: ReadBuf::default(),
            timer: IdleTimer::new(exec),
            exchange: Exchange::idle(limits),
            eof: false,
            reused: false,
            remote_addr: None,
        }
    }

    /// The same connection, its peer at `addr`.
    pub(crate) fn with_remote_addr(mut self, addr: Option<std::net::SocketAddr>) -> Conn {
        self.remote_addr = addr;
        self
    }

    /// The peer's address, when the connector said.
    pub(crate) fn remote_addr(&self) -> Option<std::net::SocketAddr> {
        self.remote_addr
    }

    pub(crate) fn is_reused(&self) -> bool {
        self.reused
    }

    /// Checks, without waiting, that an idle connection is still open and silent.
    pub(crate) fn is_idle_usable(&mut self) -> bool {
        if !self.buf.is_empty() || self.eof || !self.exchange.can_reuse() {
            return false;
        }
        if let Some(probe) = &self.probe {
            return probe.is_quiet();
        }
        let mut probe = [0u8; 1];
        let mut cx = Context::from_waker(Waker::noop());
        matches!(
            Pin::new(&mut self.io).poll_read(&mut cx, &mut probe),
            Poll::Pending
        )
    }

    /// True if the connection can carry another request: its exchange says so.
    pub(crate) fn can_reuse(&self) -> bool {
        self.exchange.can_reuse()
    }

    /// True once the response body has been read to its end (or there was none).
    pub(crate) fn body_done(&self) -> bool {
        matches!(self.exchange.next(), Next::Done)
    }

    /// Bytes of body still expected, when the framing says.
    pub(crate) fn body_remaining(&self) -> Option<u64> {
        self.exchange.remaining()
    }

    /// Gives back the read buffer before the connection waits idle: an idle connection keeps
    /// none (the next request's first read makes one).
    pub(crate) fn trim_for_idle(&mut self) {
        self.buf.free_if_empty();
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
        request: Request<'_>,
        mut body: OutBody<'_>,
    ) -> Result<ResponseHead, ExchangeError> {
        self.timer.set(deadlines);
        self.exchange = Exchange::new(request, *self.exchange.limits());
        match self.drive(&mut body).await {
            Ok(response) => {
                self.reused = true;
                Ok(response)
            }
            Err(error) => {
                self.exchange.fail();
                Err(ExchangeError {
                    nothing_sent: self.exchange.nothing_sent(),
                    closed_before_response: self.eof && self.buf.is_empty(),
                    error,
                })
            }
        }
    }

    /// Does what the exchange asks until it has the final response head.
    async fn drive(&mut self, body: &mut OutBody<'_>) -> Result<ResponseHead, Error> {
        let mut chunk = Vec::new();
        loop {
            let n = match self.exchange.next() {
                Next::Write(data) => write(&mut self.io, &mut self.timer, data).await?,
                Next::WriteBody { from } => {
                    let OutBody::Full(bytes) = body else {
                        return Err(mismatch());
                    };
                    write(&mut self.io, &mut self.timer, &bytes[from..]).await?
                }
                Next::ReadRequestBody => {
                    let OutBody::Stream(reader) = body else {
                        return Err(mismatch());
                    };
                    chunk.resize(REQUEST_CHUNK, 0);
                    let n = poll_fn(|cx| Pin::new(&mut **reader).poll_read(cx, &mut chunk))
                        .await
                        .map_err(|e| Error::new(Kind::Body, e))?;
                    self.exchange
                        .request_body_read(&chunk[..n])
                        .map_err(|e| Error::new(Kind::Body, e))?;
                    continue;
                }
                Next::Flush => {
                    self.flush().await?;
                    self.exchange.flushed();
                    continue;
                }
                Next::ReadHead => {
                    if let Some(head) = self.read_head().await? {
                        return Ok(head);
                    }
                    continue;
                }
                Next::AwaitContinue(wait) => {
                    if let Some(head) = self.await_continue(wait).await? {
                        return Ok(head);
                    }
                    continue;
                }
                // The final head is returned as soon as it is read: never reached.
                Next::ReadBody | Next::Done => return Err(mismatch()),
            };
            self.exchange.wrote(n);
        }
    }

    /// Parses what is buffered into a head, reading more first if nothing is: the final head,
    /// or `None` after an interim one or a read.
    async fn read_head(&mut self) -> Result<Option<ResponseHead>, Error> {
        if !self.buf.is_empty() || self.eof {
            match self.exchange.read_head(self.buf.data(), self.eof) {
                Ok(Some((head, len))) => {
                    self.buf.consume(len);
                    return Ok(match head {
                        Head::Final(head) => Some(head),
                        Head::Interim(_) => None,
                    });
                }
                Ok(None) => {}
                Err(e) => return Err(Error::new(Kind::Protocol, e)),
            }
        }
        poll_fn(|cx| self.poll_fill(cx, SMALL_READ))
            .await
            .map_err(|e| Error::from_io(Kind::Io, e))?;
        Ok(None)
    }

    /// Waits up to `wait` for `100 Continue`; a final response instead is returned.
    ///
    /// The read timeout does not run meanwhile (the exchange asks for none); the total
    /// deadline still holds.
    async fn await_continue(&mut self, wait: Duration) -> Result<Option<ResponseHead>, Error> {
        let exec = self.timer.executor().clone();
        let deadlines = self.timer.deadlines();
        self.timer.set(Deadlines {
            idle: None,
            ..deadlines
        });
        let mut timer = exec.sleep(wait);
        let result = loop {
            let read = async { Some(self.read_head().await) };
            let expired = async {
                (&mut timer).await;
                None
            };
            match futures_lite::future::or(read, expired).await {
                None => {
                    self.exchange.continue_timed_out();
                    break Ok(None);
                }
                Some(Ok(None)) if matches!(self.exchange.next(), Next::AwaitContinue(_)) => {}
                Some(other) => break other,
            }
        };
        self.timer.set(deadlines);
        result
    }

    /// Reads the next piece of a body: `Some(data)`, or `None` at its end.
    pub(crate) fn poll_body(
        &mut self,
        cx: &mut Context<'_>,
        trailers: &mut Option<Headers>,
    ) -> Poll<Result<Option<Bytes>, Error>> {
        loop {
            let step = self
                .exchange
                .decode(self.buf.data(), self.eof)
                .map_err(body_error)?;
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
                    let window = match self.exchange.remaining() {
                        Some(n) if n <= SMALL_READ as u64 => SMALL_READ,
                        _ => LARGE_READ,
                    };
                    if let Err(e) = ready!(self.poll_fill(cx, window)) {
                        self.exchange.fail();
                        return Poll::Ready(Err(Error::from_io(Kind::Body, e)));
                    }
                }
            }
        }
    }

    /// Consumes the rest of a body if it is already in the buffer, without any I/O; true if
    /// the body ended there (so the connection may be reused, if its exchange says so).
    pub(crate) fn skip_buffered_body(&mut self) -> bool {
        loop {
            match self.exchange.decode(self.buf.data(), false) {
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
    pub(crate) async fn read_length_body(&mut self, out: &mut [u8]) -> Result<(), Error> {
        debug_assert_eq!(self.exchange.remaining(), Some(out.len() as u64));
        let buffered = self.buf.data();
        let mut filled = out.len().min(buffered.len());
        out[..filled].copy_from_slice(&buffered[..filled]);
        self.buf.consume(filled);
        while filled < out.len() {
            let read = poll_fn(|cx| self.poll_read_timed(cx, &mut out[filled..])).await;
            let n = match read {
                Ok(0) => {
                    self.exchange.fail();
                    let missing = Some((out.len() - filled) as u64);
                    return Err(Error::new(
                        Kind::Body,
                        ProtoError::TruncatedBody { missing },
                    ));
                }
                Ok(n) => n,
                Err(e) => {
                    self.exchange.fail();
                    return Err(Error::from_io(Kind::Body, e));
                }
            };
            filled += n;
        }
        // The exchange takes the body as read: it is then at the body's end.
        match self.exchange.decode(out, false) {
            Ok(Step::Data { skip: 0, len }) if len == out.len() => Ok(()),
            _ => {
                self.exchange.fail();
                Err(Error::new(
                    Kind::Body,
                    "the body decoder disagrees with the body's length",
                ))
            }
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
        match timed(&mut self.timer, cx, TimeoutPhase::Read, result) {
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

    async fn flush(&mut self) -> Result<(), Error> {
        poll_fn(|cx| {
            let result = Pin::new(&mut self.io).poll_flush(cx);
            timed(&mut self.timer, cx, TimeoutPhase::Write, result)
        })
        .await
        .map_err(|e| Error::from_io(Kind::Io, e))
    }
}

/// Writes some of `data` (at least one byte), under the deadlines.
async fn write(io: &mut BoxIo, timer: &mut IdleTimer, data: &[u8]) -> Result<usize, Error> {
    let n = poll_fn(|cx| {
        let result = Pin::new(&mut *io).poll_write(cx, data);
        timed(timer, cx, TimeoutPhase::Write, result)
    })
    .await
    .map_err(|e| Error::from_io(Kind::Io, e))?;
    if n == 0 {
        return Err(Error::new(
            Kind::Io,
            io::Error::from(io::ErrorKind::WriteZero),
        ));
    }
    Ok(n)
}

/// An I/O poll's result under the deadlines: progress disarms the idle timer; waiting arms
/// it, and its expiry becomes a timeout error of `phase`.
fn timed<T>(
    timer: &mut IdleTimer,
    cx: &mut Context<'_>,
    phase: TimeoutPhase,
    result: Poll<io::Result<T>>,
) -> Poll<io::Result<T>> {
    match result {
        Poll::Ready(result) => {
            timer.disarm();
            Poll::Ready(result)
        }
        Poll::Pending => timer.poll_expired(cx, phase).map(Err),
    }
}

/// The exchange asked for what the driver was not given (a bug, reported rather than panicked).
fn mismatch() -> Error {
    Error::new(
        Kind::Body,
        "the request body does not match what the exchange was told",
    )
}

/// A body's framing error: a body cut short by the connection ending is a body error;
/// malformed framing is the server breaking the protocol.
fn body_error(e: ProtoError) -> Error {
    let kind = match e {
        ProtoError::TruncatedBody { .. } => Kind::Body,
        _ => Kind::Protocol,
    };
    Error::new(kind, e)
}
