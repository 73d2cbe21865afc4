//! HTTP/1.1: a sans-IO codec and exchange state machine, and the driver that runs it over a
//! connection.
//!
//! The codec is pure: bytes in, parsed heads and body steps out ([`parse_head`],
//! [`framing`], [`BodyDecoder`]); requests out as bytes ([`encode_head`], [`encode_chunk`]).
//! [`Exchange`] owns one request/response exchange on top of it: what to write, when to wait
//! for `100 Continue`, interim responses, the body's framing, and whether the connection can
//! be reused. None of it does I/O, so it is tested and fuzzed on byte slices alone; the
//! driver (`conn.rs`) only moves bytes and arms timers.

mod body;
pub(crate) mod conn;
mod encode;
mod error;
mod exchange;
mod head;
mod limits;
mod read_buf;

pub use super::ResponseHead;
pub use body::{BodyDecoder, Step};
pub(crate) use encode::{BodyFraming, Field, add_framing_fields, encode_fields, find};
pub use encode::{InvalidRequest, encode_chunk, encode_head, encode_last_chunk};
pub use error::ProtoError;
pub use exchange::{
    CloseReason, CloseReasons, Exchange, Head, Next, Request, RequestBody, is_interim,
};
pub use head::{Framing, framing, keep_alive, parse_head};
pub use limits::Limits;
