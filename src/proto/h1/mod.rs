//! HTTP/1.1: a sans-IO codec and the driver that runs it over a connection.
//!
//! The codec is pure: bytes in, parsed heads and body steps out ([`parse_head`],
//! [`framing`], [`BodyDecoder`]); requests out as bytes ([`encode_head`], [`encode_chunk`]).
//! It does no I/O, so it is tested and fuzzed on byte slices alone.

mod body;
pub(crate) mod conn;
mod encode;
mod error;
mod head;
mod read_buf;

pub use body::{BodyDecoder, Step};
pub(crate) use encode::{BodyFraming, Field, add_framing_fields, encode_fields, find};
pub use encode::{InvalidRequest, encode_chunk, encode_head, encode_last_chunk};
pub use error::ProtoError;
pub use head::{Framing, Limits, ResponseHead, framing, keep_alive, parse_head};
