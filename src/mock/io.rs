//! The client's end of an in-memory connection to the mock server: bytes written are parsed
//! into requests, each answered in turn (keep-alive, `100 Continue`), the answers read back as
//! their [`Wire`] bytes say, and the connection ended as the answer's fault says.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker, ready};

use bytes::{Buf, Bytes};
use futures_io::{AsyncRead, AsyncWrite};
use http::Method;

use super::Shared;
use super::fault::Then;
use super::request::{Parsed, parse};
use super::response::{MockResponse, Wire};
use crate::rt::BoxFuture;

pub(crate) struct MockIo {
    shared: Arc<Shared>,
    scheme: &'static str,
    inbound: Vec<u8>,
    /// Bytes to be read, a segment per read at most.
    outbound: VecDeque<Bytes>,
    phase: Phase,
    continue_sent: bool,
    /// The reader waiting for a request to arrive.
    reader: Option<Waker>,
}

enum Phase {
    /// Waiting for a whole request.
    Idle,
    /// The request's answer is being made.
    Answering {
        method: Method,
        response: BoxFuture<'static, MockResponse>,
    },
    /// The answer waits out its delay.
    Delaying {
        sleep: BoxFuture<'static, ()>,
        wire: Wire,
    },
    /// The answer is in `outbound`; then this.
    Sending(Then),
    /// Nothing more: end-of-file, a reset, or a stall.
    Ended(Then),
}

impl MockIo {
    pub(crate) fn new(shared: Arc<Shared>, scheme: &'static str) -> MockIo {
        MockIo {
            shared,
            scheme,
            inbound: Vec::new(),
            outbound: VecDeque::new(),
            phase: Phase::Idle,
            continue_sent: false,
            reader: None,
        }
    }

    /// Starts answering once a whole request has arrived.
    fn dispatch(&mut self) {
        if !matches!(self.phase, Phase::Idle) {
            return;
        }
        match parse(&self.inbound, self.scheme) {
            Parsed::Request(request, used) => {
                self.inbound.drain(..used);
                self.continue_sent = false;
                let method = request.method.clone();
                let response = self.shared.answer(*request);
                self.phase = Phase::Answering { method, response };
            }
            Parsed::Partial { wants_continue } => {
                if wants_continue && !self.continue_sent && self.outbound.is_empty() {
                    self.continue_sent = true;
                    self.outbound
                        .push_back(Bytes::from_static(b"HTTP/1.1 100 Continue\r\n\r\n"));
                }
            }
            Parsed::Invalid => {
                self.outbound.push_back(Bytes::from_static(
                    b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
                ));
                self.phase = Phase::Sending(Then::HangUp);
            }
        }
    }

    fn send(&mut self, wire: Wire) {
        self.outbound.extend(wire.segments);
        self.phase = Phase::Sending(wire.then);
    }
}

impl AsyncRead for MockIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        loop {
            if let Some(front) = this.outbound.front_mut() {
                let n = buf.len().min(front.len());
                buf[..n].copy_from_slice(&front[..n]);
                front.advance(n);
                if front.is_empty() {
                    this.outbound.pop_front();
                }
                return Poll::Ready(Ok(n));
            }
            match &mut this.phase {
                Phase::Idle => {
                    this.reader = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                Phase::Answering { method, response } => {
                    let wire = ready!(response.as_mut().poll(cx)).wire(method);
                    match wire.delay {
                        Some(delay) => {
                            let sleep = this.shared.sleep(delay);
                            this.phase = Phase::Delaying { sleep, wire };
                        }
                        None => this.send(wire),
                    }
                }
                Phase::Delaying { sleep, .. } => {
                    ready!(sleep.as_mut().poll(cx));
                    if let Phase::Delaying { wire, .. } =
                        std::mem::replace(&mut this.phase, Phase::Idle)
                    {
                        this.send(wire);
                    }
                }
                Phase::Sending(Then::Next) => {
                    this.phase = Phase::Idle;
                    this.dispatch();
                }
                Phase::Sending(then) => this.phase = Phase::Ended(*then),
                Phase::Ended(Then::HangUp) => return Poll::Ready(Ok(0)),
                Phase::Ended(Then::Reset) => {
                    return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
                }
                // A stall: nothing will ever wake this read; the client's timer ends it.
                Phase::Ended(Then::Stall | Then::Next) => return Poll::Pending,
            }
        }
    }
}

impl AsyncWrite for MockIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.phase {
            Phase::Ended(Then::HangUp) => {
                return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
            }
            Phase::Ended(Then::Reset) => {
                return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
            }
            _ => {}
        }
        self.inbound.extend_from_slice(data);
        self.dispatch();
        if let Some(waker) = self.reader.take() {
            waker.wake();
        }
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.phase = Phase::Ended(Then::HangUp);
        Poll::Ready(Ok(()))
    }
}
