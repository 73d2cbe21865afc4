//! [`Chain`]: one reader over the pieces of a body, in order, each read as it is reached.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use futures_io::AsyncRead;

/// One piece of a body: bytes in memory, or a reader read to its end.
pub(super) enum Segment {
    Bytes(Bytes),
    Reader(Box<dyn AsyncRead + Send + Unpin>),
}

/// Reads its segments one after the other; only the current one is being read.
pub(super) struct Chain {
    segments: VecDeque<Segment>,
}

impl Chain {
    pub(super) fn new(segments: VecDeque<Segment>) -> Chain {
        Chain { segments }
    }
}

impl AsyncRead for Chain {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        while let Some(segment) = self.segments.front_mut() {
            let n = match segment {
                Segment::Bytes(bytes) => {
                    let n = bytes.len().min(out.len());
                    out[..n].copy_from_slice(&bytes[..n]);
                    bytes.advance(n);
                    n
                }
                Segment::Reader(reader) => ready!(Pin::new(reader).poll_read(cx, out))?,
            };
            if n > 0 {
                return Poll::Ready(Ok(n));
            }
            self.segments.pop_front();
        }
        Poll::Ready(Ok(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::AsyncReadExt;

    #[test]
    fn reads_every_segment_in_order() {
        let segments = VecDeque::from([
            Segment::Bytes(Bytes::from_static(b"ab")),
            Segment::Bytes(Bytes::new()),
            Segment::Reader(Box::new(futures_lite::io::Cursor::new(b"cde".to_vec()))),
            Segment::Bytes(Bytes::from_static(b"f")),
        ]);
        let mut all = Vec::new();
        futures_lite::future::block_on(Chain::new(segments).read_to_end(&mut all)).unwrap();
        assert_eq!(all, b"abcdef");
    }
}
