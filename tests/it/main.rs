//! Integration tests: the client against in-process servers over real sockets (plain TCP and
//! TLS with certificates made at test time), the codec against a corpus of raw responses,
//! and MockTransport.

mod auth;
mod blocking;
mod cancel;
mod client;
mod clienthello;
mod connect;
mod cookies;
mod corpus;
mod decode;
mod fetch_flags;
mod fingerprint;
mod fuzz;
mod hostile;
mod httpbin;
mod mock;
mod mock_expect;
mod mock_faults;
mod mock_matchers;
mod multipart;
mod nginx;
mod pool;
mod pproxy;
mod profile;
mod profile_mode;
mod proxy;
mod query;
mod redirect;
mod reqwest_names;
mod response;
mod retry;
mod secrets;
mod streaming;
mod support;
mod timeout;
mod tls;
mod tls_fallback;
mod watchdog;
mod wire;
