//! Wire protocols. HTTP/1.1 today; HTTP/2 will sit beside it, chosen by ALPN.

pub mod h1;
