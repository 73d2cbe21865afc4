use std::fmt;

/// A violation of HTTP/1.1 by the server, or a limit it exceeded; or a request body that
/// broke the length it was declared with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtoError {
    /// The bytes do not start like an HTTP/1.x response.
    NotHttp,
    /// The server answered with the HTTP/2 connection preface or a frame.
    Http2Preface,
    /// The status line or a header line is malformed; the text says which part.
    MalformedHead(&'static str),
    /// The response head is longer than the limit.
    HeadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The response head has more header fields than the limit.
    TooManyHeaders {
        /// The limit, in fields.
        limit: usize,
    },
    /// The status code is outside 100–999.
    InvalidStatus,
    /// The connection closed before the response head was complete.
    IncompleteHead,
    /// More interim (1xx) responses than the limit.
    TooManyInterim,
    /// Both `Transfer-Encoding` and `Content-Length` were sent (RFC 9112 §6.3 ¶3).
    LengthAndTransferEncoding,
    /// A `Transfer-Encoding` with a coding other than one `chunked` (such as `gzip`), which
    /// this client did not ask for with `TE` and does not decode.
    UnsupportedTransferCoding,
    /// A `Content-Length` that is not a number, or several that differ.
    InvalidContentLength,
    /// A chunk-size line that is not valid hex, overflows, or is too long.
    InvalidChunkSize,
    /// Chunk data not followed by CRLF.
    InvalidChunkEnd,
    /// The trailer section is malformed or too large.
    InvalidTrailers,
    /// The connection closed before the body was complete.
    TruncatedBody {
        /// Bytes still expected, when the length was known.
        missing: Option<u64>,
    },
    /// A request body of declared length ended before it.
    RequestBodyTooShort {
        /// The declared length, sent as `Content-Length`.
        declared: u64,
        /// The bytes the body gave.
        read: u64,
    },
    /// A request body of declared length went on past it.
    RequestBodyTooLong {
        /// The declared length, sent as `Content-Length`.
        declared: u64,
    },
}

impl fmt::Display for ProtoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtoError::NotHttp => f.write_str("response is not HTTP/1.x"),
            ProtoError::Http2Preface => {
                f.write_str("server answered with HTTP/2 to an HTTP/1.1 request")
            }
            ProtoError::MalformedHead(what) => write!(f, "malformed response head: {what}"),
            ProtoError::HeadTooLarge { limit } => write!(f, "response head exceeds {limit} bytes"),
            ProtoError::TooManyHeaders { limit } => {
                write!(f, "response head has more than {limit} header fields")
            }
            ProtoError::InvalidStatus => f.write_str("invalid status code"),
            ProtoError::IncompleteHead => {
                f.write_str("connection closed before the response head was complete")
            }
            ProtoError::TooManyInterim => f.write_str("too many interim (1xx) responses"),
            ProtoError::LengthAndTransferEncoding => {
                f.write_str("response has both Content-Length and Transfer-Encoding")
            }
            ProtoError::UnsupportedTransferCoding => f.write_str(
                "response uses a transfer coding other than chunked, which this client neither asked for nor decodes",
            ),
            ProtoError::InvalidContentLength => f.write_str("invalid Content-Length"),
            ProtoError::InvalidChunkSize => f.write_str("invalid chunk size line"),
            ProtoError::InvalidChunkEnd => f.write_str("chunk data not followed by CRLF"),
            ProtoError::InvalidTrailers => f.write_str("invalid trailer section"),
            ProtoError::TruncatedBody { missing: Some(n) } => {
                write!(f, "connection closed with {n} body bytes missing")
            }
            ProtoError::TruncatedBody { missing: None } => {
                f.write_str("connection closed before the last chunk")
            }
            ProtoError::RequestBodyTooShort { declared, read } => write!(
                f,
                "request body ended after {read} of its declared {declared} bytes"
            ),
            ProtoError::RequestBodyTooLong { declared } => {
                write!(f, "request body is longer than its declared {declared} bytes")
            }
        }
    }
}

impl std::error::Error for ProtoError {}
