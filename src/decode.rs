//! Content decoding (RFC 9110 §8.4.1): `gzip`, `deflate`, `br` and `zstd`, as far as the
//! cargo features of the same names are enabled.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures_io::{AsyncBufRead, AsyncRead};

#[cfg(feature = "brotli")]
use async_compression::futures::bufread::BrotliDecoder;
#[cfg(feature = "gzip")]
use async_compression::futures::bufread::GzipDecoder;
#[cfg(feature = "deflate")]
use async_compression::futures::bufread::ZlibDecoder;
#[cfg(feature = "zstd")]
use async_compression::futures::bufread::ZstdDecoder;

use crate::headers::Headers;
use crate::response::RawBody;

/// The `Accept-Encoding` value naming every coding this build decodes, in browser order.
pub(crate) fn accept_encoding() -> Option<String> {
    let all = [
        ("gzip", cfg!(feature = "gzip")),
        ("deflate", cfg!(feature = "deflate")),
        ("br", cfg!(feature = "brotli")),
        ("zstd", cfg!(feature = "zstd")),
    ];
    let names: Vec<&str> = all
        .iter()
        .filter(|(_, on)| *on)
        .map(|(name, _)| *name)
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// A response body read through its decoder.
pub(crate) struct Decoder {
    inner: Inner,
}

enum Inner {
    #[cfg(feature = "gzip")]
    Gzip(GzipDecoder<RawBuf>),
    #[cfg(feature = "deflate")]
    Deflate(ZlibDecoder<RawBuf>),
    #[cfg(feature = "brotli")]
    Brotli(BrotliDecoder<RawBuf>),
    #[cfg(feature = "zstd")]
    Zstd(ZstdDecoder<RawBuf>),
    /// Present so the enum is never empty, whatever the features.
    #[allow(dead_code)]
    Never(std::convert::Infallible, RawBuf),
}

impl Decoder {
    /// A decoder for the body if `headers` name one coding this build decodes, else the
    /// body back. `identity`, unknown codings and stacked codings leave the body as it is.
    #[allow(unreachable_code)] // without a decoding feature every coding is unknown
    pub(crate) fn for_response(headers: &Headers) -> Option<fn(RawBody) -> Decoder> {
        let mut codings = headers
            .get_all("content-encoding")
            .flat_map(|v| v.as_bytes().split(|&b| b == b','));
        let (Some(coding), None) = (codings.next(), codings.next()) else {
            return None;
        };
        Some(match coding.trim_ascii().to_ascii_lowercase().as_slice() {
            #[cfg(feature = "gzip")]
            b"gzip" | b"x-gzip" => |raw| Decoder {
                inner: Inner::Gzip(GzipDecoder::new(RawBuf::new(raw))),
            },
            #[cfg(feature = "deflate")]
            b"deflate" => |raw| Decoder {
                inner: Inner::Deflate(ZlibDecoder::new(RawBuf::new(raw))),
            },
            #[cfg(feature = "brotli")]
            b"br" => |raw| Decoder {
                inner: Inner::Brotli(BrotliDecoder::new(RawBuf::new(raw))),
            },
            #[cfg(feature = "zstd")]
            b"zstd" => |raw| Decoder {
                inner: Inner::Zstd(ZstdDecoder::new(RawBuf::new(raw))),
            },
            _ => return None,
        })
    }

    /// The raw body underneath.
    pub(crate) fn raw_mut(&mut self) -> &mut RawBody {
        &mut self.buf_mut().raw
    }

    pub(crate) fn raw(&self) -> &RawBody {
        match &self.inner {
            #[cfg(feature = "gzip")]
            Inner::Gzip(d) => &d.get_ref().raw,
            #[cfg(feature = "deflate")]
            Inner::Deflate(d) => &d.get_ref().raw,
            #[cfg(feature = "brotli")]
            Inner::Brotli(d) => &d.get_ref().raw,
            #[cfg(feature = "zstd")]
            Inner::Zstd(d) => &d.get_ref().raw,
            Inner::Never(never, _) => match *never {},
        }
    }

    fn buf_mut(&mut self) -> &mut RawBuf {
        match &mut self.inner {
            #[cfg(feature = "gzip")]
            Inner::Gzip(d) => d.get_mut(),
            #[cfg(feature = "deflate")]
            Inner::Deflate(d) => d.get_mut(),
            #[cfg(feature = "brotli")]
            Inner::Brotli(d) => d.get_mut(),
            #[cfg(feature = "zstd")]
            Inner::Zstd(d) => d.get_mut(),
            Inner::Never(never, _) => match *never {},
        }
    }

    /// Decoded bytes into `buf`; 0 at the end of the decoded stream.
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.inner {
            #[cfg(feature = "gzip")]
            Inner::Gzip(d) => Pin::new(d).poll_read(cx, buf),
            #[cfg(feature = "deflate")]
            Inner::Deflate(d) => Pin::new(d).poll_read(cx, buf),
            #[cfg(feature = "brotli")]
            Inner::Brotli(d) => Pin::new(d).poll_read(cx, buf),
            #[cfg(feature = "zstd")]
            Inner::Zstd(d) => Pin::new(d).poll_read(cx, buf),
            Inner::Never(never, _) => {
                let _ = (cx, buf); // used by the decoding features
                match *never {}
            }
        }
    }
}

/// The raw body as an [`AsyncBufRead`], which the decoders read from.
pub(crate) struct RawBuf {
    raw: RawBody,
    current: Bytes,
}

impl RawBuf {
    #[allow(dead_code)]
    fn new(raw: RawBody) -> RawBuf {
        RawBuf {
            raw,
            current: Bytes::new(),
        }
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
