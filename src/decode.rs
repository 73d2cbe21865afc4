//! Content decoding (RFC 9110 §8.4.1): `gzip`, `deflate`, `br` and `zstd`, as far as the
//! cargo features of the same names are enabled.

use std::io;
use std::task::{Context, Poll};

use futures_io::AsyncBufRead;
#[cfg(any(
    feature = "gzip",
    feature = "deflate",
    feature = "brotli",
    feature = "zstd"
))]
use futures_io::AsyncRead;

#[cfg(feature = "brotli")]
use async_compression::futures::bufread::BrotliDecoder;
#[cfg(feature = "gzip")]
use async_compression::futures::bufread::GzipDecoder;
#[cfg(feature = "deflate")]
use async_compression::futures::bufread::ZlibDecoder;
#[cfg(feature = "zstd")]
use async_compression::futures::bufread::ZstdDecoder;

use crate::headers::Headers;

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

/// A content decoder (`Content-Encoding`: gzip, deflate, br, zstd) over the coded bytes `R`
/// gives; not to be confused with HTTP/1.1's body framing, which is undone below `R`.
pub(crate) struct ContentDecoder<R> {
    inner: Inner<R>,
}

enum Inner<R> {
    #[cfg(feature = "gzip")]
    Gzip(GzipDecoder<R>),
    #[cfg(feature = "deflate")]
    Deflate(ZlibDecoder<R>),
    #[cfg(feature = "brotli")]
    Brotli(BrotliDecoder<R>),
    #[cfg(feature = "zstd")]
    Zstd(ZstdDecoder<R>),
    /// Present so the enum is never empty, whatever the features.
    #[allow(dead_code)]
    Never(std::convert::Infallible, R),
}

impl<R: AsyncBufRead + Unpin> ContentDecoder<R> {
    /// A decoder for the body if `headers` name one coding this build decodes, else `None`.
    /// `identity`, unknown codings and stacked codings leave the body as it is.
    #[allow(unreachable_code)] // without a decoding feature every coding is unknown
    pub(crate) fn for_response(headers: &Headers) -> Option<fn(R) -> ContentDecoder<R>> {
        let mut codings = headers
            .get_all("content-encoding")
            .flat_map(|v| v.as_bytes().split(|&b| b == b','));
        let (Some(coding), None) = (codings.next(), codings.next()) else {
            return None;
        };
        Some(match coding.trim_ascii().to_ascii_lowercase().as_slice() {
            #[cfg(feature = "gzip")]
            b"gzip" | b"x-gzip" => |r| ContentDecoder {
                inner: Inner::Gzip(GzipDecoder::new(r)),
            },
            #[cfg(feature = "deflate")]
            b"deflate" => |r| ContentDecoder {
                inner: Inner::Deflate(ZlibDecoder::new(r)),
            },
            #[cfg(feature = "brotli")]
            b"br" => |r| ContentDecoder {
                inner: Inner::Brotli(BrotliDecoder::new(r)),
            },
            #[cfg(feature = "zstd")]
            b"zstd" => |r| ContentDecoder {
                inner: Inner::Zstd(ZstdDecoder::new(r)),
            },
            _ => return None,
        })
    }

    /// The coded reader underneath.
    pub(crate) fn get_ref(&self) -> &R {
        match &self.inner {
            #[cfg(feature = "gzip")]
            Inner::Gzip(d) => d.get_ref(),
            #[cfg(feature = "deflate")]
            Inner::Deflate(d) => d.get_ref(),
            #[cfg(feature = "brotli")]
            Inner::Brotli(d) => d.get_ref(),
            #[cfg(feature = "zstd")]
            Inner::Zstd(d) => d.get_ref(),
            Inner::Never(never, _) => match *never {},
        }
    }

    /// The coded reader underneath.
    pub(crate) fn get_mut(&mut self) -> &mut R {
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
            Inner::Gzip(d) => std::pin::Pin::new(d).poll_read(cx, buf),
            #[cfg(feature = "deflate")]
            Inner::Deflate(d) => std::pin::Pin::new(d).poll_read(cx, buf),
            #[cfg(feature = "brotli")]
            Inner::Brotli(d) => std::pin::Pin::new(d).poll_read(cx, buf),
            #[cfg(feature = "zstd")]
            Inner::Zstd(d) => std::pin::Pin::new(d).poll_read(cx, buf),
            Inner::Never(never, _) => {
                let _ = (cx, buf); // used by the decoding features
                match *never {}
            }
        }
    }
}
