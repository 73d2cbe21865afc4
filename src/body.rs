//! [`RawBody`]: a response body as it comes off its connection, before any content coding is
//! undone; the protocol-neutral body source that [`Response`](crate::Response) reads from.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures_io::{AsyncBufRead, AsyncRead};

use crate::error::{Error, Kind, Result};
use crate::headers::Headers;
use crate::pool::Pooled;

/// Bodies at least this large, of known length, are read whole straight into their buffer.
const DIRECT_READ: u64 = 64 * 1024;

/// Where a body's bytes come from.
enum Source {
    /// A connection held by this body alone until the body ends (HTTP/1.1): it goes back to
    /// the pool then, if its protocol says it can be reused. An HTTP/2 stream of a shared
    /// connection will be another variant.
    Exclusive(Pooled),
}

/// The body of a response as it comes off the connection.
pub(crate) struct RawBody {
    source: Option<Source>,
    trailers: Option<Headers>,
}

impl RawBody {
    /// A body with nothing to read.
    pub(crate) fn empty() -> RawBody {
        RawBody {
            source: None,
            trailers: None,
        }
    }

    /// The body being read from `conn`, held alone; it must not have ended yet.
    pub(crate) fn exclusive(conn: Pooled) -> RawBody {
        RawBody {
            source: Some(Source::Exclusive(conn)),
            trailers: None,
        }
    }

    /// The trailer fields, once the body has ended (a chunked HTTP/1.1 body's).
    pub(crate) fn trailers(&self) -> Option<&Headers> {
        self.trailers.as_ref()
    }

    /// The next piece of the body, or `None` at its end.
    pub(crate) fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Bytes>>> {
        let Some(Source::Exclusive(conn)) = &mut self.source else {
            return Poll::Ready(Ok(None));
        };
        let result = std::task::ready!(conn.poll_body(cx, &mut self.trailers));
        match result {
            Ok(Some(chunk)) => return Poll::Ready(Ok(Some(chunk))),
            Ok(None) => {
                if let Some(Source::Exclusive(conn)) = self.source.take() {
                    conn.release();
                }
            }
            // Dropping the connection closes it: it is never put back mid-message.
            Err(_) => self.source = None,
        }
        Poll::Ready(result)
    }

    /// Stops reading: the connection closes, mid-message.
    pub(crate) fn abandon(&mut self) {
        self.source = None;
    }

    /// A whole body of known length, of [`DIRECT_READ`] bytes or more (and within `limit`),
    /// read straight into one buffer of its size; `None` for any other body, which is read
    /// chunk by chunk.
    pub(crate) async fn read_length_body(&mut self, limit: usize) -> Option<Result<Bytes>> {
        let Some(Source::Exclusive(conn)) = &mut self.source else {
            return None;
        };
        let len = conn
            .body_remaining()
            .filter(|&n| n >= DIRECT_READ && n <= limit as u64)?;
        // Zeroed by the allocator (fresh pages for a large body), so it costs no pass of ours.
        let mut body = vec![0u8; usize::try_from(len).ok()?];
        if let Err(e) = conn.read_length_body(&mut body).await {
            self.source = None;
            return Some(Err(e));
        }
        // The body is at its end: this releases the connection.
        match std::future::poll_fn(|cx| self.poll_chunk(cx)).await {
            Ok(None) => Some(Ok(Bytes::from(body))),
            Ok(Some(_)) => Some(Err(Error::new(Kind::Body, "data past the body's length"))),
            Err(e) => Some(Err(e)),
        }
    }
}

impl Drop for RawBody {
    /// A body whose rest has already arrived is consumed, so its connection can be reused;
    /// any other unread body closes its connection.
    fn drop(&mut self) {
        if let Some(Source::Exclusive(mut conn)) = self.source.take() {
            if conn.skip_buffered_body() {
                conn.release();
            }
        }
    }
}

/// A [`RawBody`] as an [`AsyncBufRead`], which the content decoders read from.
pub(crate) struct RawBuf {
    raw: RawBody,
    current: Bytes,
}

impl RawBuf {
    pub(crate) fn new(raw: RawBody) -> RawBuf {
        RawBuf {
            raw,
            current: Bytes::new(),
        }
    }

    pub(crate) fn raw(&self) -> &RawBody {
        &self.raw
    }

    pub(crate) fn raw_mut(&mut self) -> &mut RawBody {
        &mut self.raw
    }
}

impl AsyncRead for RawBuf {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let available = std::task::ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = buf.len().min(available.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}

impl AsyncBufRead for RawBuf {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        while this.current.is_empty() {
            match std::task::ready!(this.raw.poll_chunk(cx)) {
                Ok(Some(chunk)) => this.current = chunk,
                Ok(None) => break,
                Err(e) => return Poll::Ready(Err(e.into_io())),
            }
        }
        Poll::Ready(Ok(&this.current))
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        self.current.advance(amt);
    }
}
