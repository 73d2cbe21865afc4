//! Hostile servers: a table of misbehaving servers, each answering with raw bytes, stalls,
//! trickles, closes or resets, and the outcome the client must reach.
//!
//! Every case runs against one client per group and checks, besides its outcome, that:
//! - it did not panic (each case runs under `catch_unwind`);
//! - it did not hang: it ended before the group's total timeout plus [`SLACK`] (a watchdog
//!   ends a case that does not, and reports it as hung);
//! - the pool is not poisoned: afterwards the same client gets `200 ok` for `/ok` from the
//!   same hostile server (same host and port, so the same pool entry; a broken connection
//!   left idle would be reused there) and `200 good` from well-behaved servers. The hostile
//!   server numbers its connections, and the `/ok` must arrive on the one the case says
//!   ([`After`]): after an error, on a new one.
//!
//! Groups marked warm run every case twice: on a fresh connection, and on a kept-alive one
//! (a `/ok` request first, whose connection the case must go on), so the retry rule for
//! reused connections is crossed too. The `defaults` group runs the cases that could hang
//! with a client of the builder's defaults, under a watchdog of its own.
//!
//! `RELIABILITY.md` lists every case; [`reliability_md_lists_every_case`] keeps it in sync,
//! and `cargo test --test it print_hostile_table -- --ignored --nocapture` prints the rows.

use std::net::{TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use async_compression::Level;
use async_compression::futures::bufread::{BrotliEncoder, GzipEncoder, ZlibEncoder, ZstdEncoder};
use async_io::{Async, Timer};
use futures_lite::io::{BufReader, Cursor};
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, FutureExt};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tls_requests::{AsyncClient, Certificate, Kind, TimeoutPhase};

use crate::support::{Reply, Server, refused_port, run, text};

/// Cases that fail because of a library bug, as (group, case, the report). A case listed
/// here that passes fails the suite, so the list stays true: remove it once the library is
/// fixed.
const KNOWN_BUGS: &[(&str, &str, &str)] = &[];

/// The watchdog of a known bug in the group without timeouts: a hang there is the bug, and
/// a fix ends the case far sooner.
const KNOWN_HANG_WATCHDOG: Duration = Duration::from_secs(2);
/// The watchdog of the group without timeouts: no case there may take this long.
const DEFAULTS_WATCHDOG: Duration = Duration::from_secs(5);

/// How far past its group's total timeout a case may end.
const SLACK: Duration = Duration::from_millis(750);
/// The pause after a case before the pool is checked, so late bytes have arrived.
const SETTLE: Duration = Duration::from_millis(50);
/// The answer to `/ok` on every hostile server that speaks HTTP.
const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
/// Replaced by the hostile server's own port in the bytes it sends.
const PORT: &[u8] = b"{PORT}";
/// How long an endless step goes on if the client never goes away.
const ENDLESS: Duration = Duration::from_secs(10);
/// The body limit of the clients, for bombs and endless bodies.
const MAX_BODY: usize = 64 * 1024;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---------------------------------------------------------------------------------------
// The table's vocabulary.

/// One thing a hostile server does.
#[derive(Clone, Debug)]
enum Step {
    /// Writes these bytes (`{PORT}` becomes the server's port).
    Send(Vec<u8>),
    /// Sleeps.
    Wait(Duration),
    /// Writes these bytes one at a time, sleeping after each.
    Trickle(Vec<u8>, Duration),
    /// Writes these bytes over and over until the client goes away (at most [`ENDLESS`]:
    /// a bound in time, not in bytes, so that a client that reads without end is seen to).
    Endless(Vec<u8>),
    /// Reads what the client sent first (a TLS ClientHello), without answering.
    ReadHello,
    /// Says nothing more and keeps the connection open until the client closes it (10 s at
    /// most).
    Hold,
    /// Closes cleanly: a FIN (over TLS, `close_notify` first).
    Close,
    /// Drops the connection: a FIN over plain TCP, no `close_notify` over TLS.
    Abort,
    /// Resets the connection: it is dropped with the request still unread in its receive
    /// buffer, which makes Linux send an RST instead of a FIN (std has no stable
    /// `SO_LINGER`, and no new dependency is needed this way). Plain TCP only.
    Reset,
}

fn send(bytes: impl AsRef<[u8]>) -> Step {
    Step::Send(bytes.as_ref().to_vec())
}

fn wait(n: u64) -> Step {
    Step::Wait(ms(n))
}

fn trickle(bytes: impl AsRef<[u8]>, every: Duration) -> Step {
    Step::Trickle(bytes.as_ref().to_vec(), every)
}

fn endless(unit: impl AsRef<[u8]>) -> Step {
    let unit = unit.as_ref();
    Step::Endless(unit.repeat((16 * 1024 / unit.len()).max(1)))
}

/// What serves the case.
#[derive(Clone)]
enum Setup {
    /// Plain TCP: `/ok` gets [`OK`], every other request the steps; the connection stays
    /// open for the next request unless a step ends it.
    Http(Vec<Step>),
    /// The same over TLS with `config`. `serves_ok`: whether the client can complete a
    /// handshake with it at all (for the `/ok` check afterwards).
    Https {
        config: Arc<rustls::ServerConfig>,
        steps: Vec<Step>,
        serves_ok: bool,
    },
    /// Plain TCP behind an `https` URL: the steps run as soon as a connection is accepted.
    RawTls(Vec<Step>),
}

/// The outcome a case must reach.
#[derive(Clone, Debug)]
enum Expect {
    /// A response with this status and whole body, and this header if named.
    Ok {
        status: u16,
        body: &'static [u8],
        header: Option<(&'static str, &'static str)>,
    },
    /// An error of this kind whose message contains this text (ignoring case).
    Err(Kind, &'static str),
}

fn ok(status: u16, body: &'static [u8]) -> Expect {
    Expect::Ok {
        status,
        body,
        header: None,
    }
}

fn err(kind: Kind, text: &'static str) -> Expect {
    Expect::Err(kind, text)
}

fn timeout(phase: TimeoutPhase) -> Expect {
    Expect::Err(Kind::Timeout(phase), "timeout")
}

struct Case {
    name: &'static str,
    /// What the server does, in words (for RELIABILITY.md).
    what: &'static str,
    setup: Setup,
    expect: Expect,
    after: After,
}

/// Which connection the `/ok` after a case must arrive on, as the hostile server counts
/// them: this is what shows a connection put back in the pool that should have been closed,
/// which the retry rule and the pool's probe would otherwise hide.
#[derive(Clone, Copy, Debug, PartialEq)]
enum After {
    /// The one that carried the case's last request: its response ended cleanly and left
    /// it open for another. The default for a response.
    Reused,
    /// One accepted after the case ended: the case's connections failed, were closed by the
    /// server or have bytes past their response, and must not be reused. The default for an
    /// error.
    Fresh,
    /// Either: the error is not in the framing of the case's exchanges, which all
    /// completed (the default for `Redirect` and `Connect` errors; also a body received
    /// whole that fails to decode).
    Any,
}

impl After {
    fn default_for(expect: &Expect) -> After {
        match expect {
            Expect::Ok { .. } => After::Reused,
            Expect::Err(Kind::Redirect | Kind::Connect, _) => After::Any,
            Expect::Err(..) => After::Fresh,
        }
    }
}

fn case(name: &'static str, what: &'static str, setup: Setup, expect: Expect) -> Case {
    Case {
        name,
        what,
        setup,
        after: After::default_for(&expect),
        expect,
    }
}

fn http(name: &'static str, what: &'static str, steps: Vec<Step>, expect: Expect) -> Case {
    case(name, what, Setup::Http(steps), expect)
}

// ---------------------------------------------------------------------------------------
// The tables.

/// `HTTP/1.1 200 OK` with `extra` header lines (each ending in CRLF) and `body` by length.
fn resp(extra: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn many_headers(count: usize, value_len: usize) -> String {
    (0..count)
        .map(|i| format!("X-H{i}: {}\r\n", "v".repeat(value_len)))
        .collect()
}

/// Status lines, header lines, head limits, and bytes that are not HTTP/1.x at all.
fn protocol_cases() -> Vec<Case> {
    use Kind::Protocol;
    vec![
        http(
            "status-non-numeric",
            "`HTTP/1.1 abc OK`",
            vec![send("HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n")],
            err(Protocol, "status"),
        ),
        http(
            "status-two-digits",
            "`HTTP/1.1 20 OK`",
            vec![send("HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n")],
            err(Protocol, "status"),
        ),
        http(
            "status-four-digits",
            "`HTTP/1.1 2000 OK`",
            vec![send("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n")],
            err(Protocol, "status"),
        ),
        http(
            "status-below-100",
            "`HTTP/1.1 099 Low`",
            vec![send("HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n")],
            err(Protocol, "status"),
        ),
        http(
            "status-line-double-space",
            "`HTTP/1.1  200 OK` (two spaces)",
            vec![send("HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n")],
            err(Protocol, "malformed"),
        ),
        http(
            "status-line-only-version",
            "`HTTP/1.1` and nothing else on the line",
            vec![send("HTTP/1.1\r\nContent-Length: 0\r\n\r\n")],
            err(Protocol, "malformed"),
        ),
        http(
            "version-lowercase",
            "`http/1.1 200 OK`",
            vec![send("http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")],
            err(Protocol, "not HTTP/1.x"),
        ),
        http(
            "version-http2-status-line",
            "`HTTP/2 200` as a status line",
            vec![send("HTTP/2 200\r\nContent-Length: 0\r\n\r\n")],
            err(Protocol, "not HTTP/1.x"),
        ),
        http(
            "version-http12",
            "`HTTP/1.2 200 OK` (a higher minor version)",
            vec![send("HTTP/1.2 200 OK\r\nContent-Length: 5\r\n\r\nhello")],
            ok(200, b"hello"),
        ),
        http(
            "status-without-reason",
            "`HTTP/1.1 200` with no space and no reason",
            vec![send("HTTP/1.1 200\r\nContent-Length: 5\r\n\r\nhello")],
            ok(200, b"hello"),
        ),
        http(
            "bare-lf-line-endings",
            "every line ends in LF alone",
            vec![send("HTTP/1.1 200 OK\nContent-Length: 5\n\nhello")],
            ok(200, b"hello"),
        ),
        http(
            "header-without-colon",
            "a header line `NoColonHere`",
            vec![send(resp("NoColonHere\r\n", "hello"))],
            err(Protocol, "header"),
        ),
        http(
            "header-name-with-space",
            "`Bad Name: x`",
            vec![send(resp("Bad Name: x\r\n", "hello"))],
            err(Protocol, "header"),
        ),
        http(
            "header-space-before-colon",
            "`Content-Length : 5` (RFC 9112 §5.1: must be rejected)",
            vec![send("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello")],
            err(Protocol, "header"),
        ),
        http(
            "header-value-nul",
            "a NUL byte inside a header value",
            vec![send(resp("X-Nul: a\0b\r\n", "hello"))],
            err(Protocol, "header value"),
        ),
        http(
            "header-value-bare-cr",
            "a bare CR inside a header value",
            vec![send(resp("X-Cr: a\rb\r\n", "hello"))],
            err(Protocol, "malformed"),
        ),
        http(
            "whitespace-before-first-header",
            "a space before the first header line (RFC 9112 §2.2)",
            vec![send(resp(" X-Indented: y\r\n", "hello"))],
            err(Protocol, "malformed"),
        ),
        http(
            "header-obs-fold",
            "a value folded over two lines (obs-fold)",
            vec![send(resp("X-Fold: a\r\n   b\r\n", "hello"))],
            Expect::Ok {
                status: 200,
                body: b"hello",
                header: Some(("x-fold", "a b")),
            },
        ),
        http(
            "header-huge-value",
            "one header with a 100 KiB value (limit 64 KiB)",
            vec![send(resp(
                &format!("X-Huge: {}\r\n", "h".repeat(100 * 1024)),
                "hello",
            ))],
            err(Protocol, "exceeds 65536 bytes"),
        ),
        http(
            "header-endless",
            "a header value that never ends",
            vec![send("HTTP/1.1 200 OK\r\nX-Endless: "), endless("a")],
            err(Protocol, "exceeds 65536 bytes"),
        ),
        http(
            "head-oversized",
            "99 headers of 700 bytes: a 69 KiB head under the field limit",
            vec![send(resp(&many_headers(99, 700), "hello"))],
            err(Protocol, "exceeds 65536 bytes"),
        ),
        http(
            "too-many-headers",
            "101 header fields (limit 100)",
            vec![send(resp(&many_headers(100, 1), "hello"))],
            err(Protocol, "more than 100 header fields"),
        ),
        http(
            "exactly-100-headers",
            "100 header fields, the limit",
            vec![send(resp(&many_headers(99, 1), "hello"))],
            ok(200, b"hello"),
        ),
        http(
            "http2-preface",
            "the HTTP/2 connection preface `PRI * HTTP/2.0`",
            vec![send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")],
            err(Protocol, "HTTP/2"),
        ),
        http(
            "http2-settings-frame",
            "an HTTP/2 SETTINGS frame, as an h2-only server sends",
            vec![send(
                b"\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64",
            )],
            err(Protocol, "HTTP/2"),
        ),
        http(
            "garbage-html",
            "`<html>` with no status line, then a close",
            vec![send("<html><body>hello</body></html>"), Step::Close],
            err(Protocol, "not HTTP/1.x"),
        ),
        http(
            "garbage-binary",
            "256 bytes of binary noise",
            vec![send(noise(256)), Step::Close],
            err(Protocol, "not HTTP/1.x"),
        ),
        http(
            "tls-alert-on-plain-http",
            "a TLS alert record, as a TLS server answers plain text",
            vec![send(b"\x15\x03\x01\x00\x02\x02\x46"), Step::Close],
            err(Protocol, "not HTTP/1.x"),
        ),
        http(
            "empty-lines-then-close",
            "three CRLFs (allowed before a message), then a close",
            vec![send("\r\n\r\n\r\n"), Step::Close],
            err(Protocol, "closed before the response head"),
        ),
        http(
            "empty-lines-endless",
            "CRLFs without end, never a status line",
            vec![endless("\r\n")],
            err(Protocol, "exceeds 65536 bytes"),
        ),
    ]
}

/// Message framing: lengths, chunked coding, bytes past the end, interim and bodiless
/// responses.
fn framing_cases() -> Vec<Case> {
    use Kind::{Body, Protocol};
    let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let c = |body: &str| format!("{chunked}{body}").into_bytes();
    vec![
        http(
            "content-length-and-transfer-encoding",
            "`Content-Length: 5` and `Transfer-Encoding: chunked` together",
            vec![send(
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n\
                 5\r\nhello\r\n0\r\n\r\n",
            )],
            err(Protocol, "both Content-Length and Transfer-Encoding"),
        ),
        http(
            "content-length-differing-duplicates",
            "`Content-Length: 5` and `Content-Length: 6`",
            vec![send(
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            )],
            err(Protocol, "invalid Content-Length"),
        ),
        http(
            "content-length-differing-list",
            "`Content-Length: 5, 6`",
            vec![send(
                "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello!",
            )],
            err(Protocol, "invalid Content-Length"),
        ),
        http(
            "content-length-identical-duplicates",
            "`Content-Length: 5` twice (RFC 9110 §8.6 allows it)",
            vec![send(
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            )],
            ok(200, b"hello"),
        ),
        http(
            "content-length-negative",
            "`Content-Length: -1`",
            vec![send("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nhello")],
            err(Protocol, "invalid Content-Length"),
        ),
        http(
            "content-length-overflow",
            "`Content-Length: 99999999999999999999` (past u64)",
            vec![send(
                "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nhello",
            )],
            err(Protocol, "invalid Content-Length"),
        ),
        http(
            "content-length-non-numeric",
            "`Content-Length: five`",
            vec![send("HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\nhello")],
            err(Protocol, "invalid Content-Length"),
        ),
        http(
            "content-length-plus-sign",
            "`Content-Length: +5`",
            vec![send("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello")],
            err(Protocol, "invalid Content-Length"),
        ),
        http(
            "content-length-hex",
            "`Content-Length: 0x5`",
            vec![send("HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\nhello")],
            err(Protocol, "invalid Content-Length"),
        ),
        http(
            "content-length-empty",
            "`Content-Length:` with no value",
            vec![send("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nhello")],
            err(Protocol, "invalid Content-Length"),
        ),
        http(
            "content-length-max-u64-truncated",
            "`Content-Length: 18446744073709551615`, 3 bytes, close",
            vec![
                send("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nabc"),
                Step::Close,
            ],
            err(Body, "body bytes missing"),
        ),
        http(
            "content-length-huge-endless-body",
            "`Content-Length: 10^12` and bytes without end",
            vec![
                send("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n"),
                endless("x"),
            ],
            err(Body, "exceeds 65536 bytes"),
        ),
        http(
            "close-delimited-endless-body",
            "no length at all and bytes without end",
            vec![send("HTTP/1.1 200 OK\r\n\r\n"), endless("x")],
            err(Body, "exceeds 65536 bytes"),
        ),
        http(
            "chunk-size-not-hex",
            "chunk size `zz`",
            vec![send(c("zz\r\nhello\r\n0\r\n\r\n"))],
            err(Protocol, "invalid chunk size"),
        ),
        http(
            "chunk-size-negative",
            "chunk size `-5`",
            vec![send(c("-5\r\nhello\r\n0\r\n\r\n"))],
            err(Protocol, "invalid chunk size"),
        ),
        http(
            "chunk-size-overflow",
            "chunk size of 17 hex digits",
            vec![send(c("10000000000000000\r\nhello\r\n0\r\n\r\n"))],
            err(Protocol, "invalid chunk size"),
        ),
        http(
            "chunk-size-junk-after",
            "chunk size `5 x` (junk, not an extension)",
            vec![send(c("5 x\r\nhello\r\n0\r\n\r\n"))],
            err(Protocol, "invalid chunk size"),
        ),
        http(
            "chunk-size-empty",
            "an empty chunk-size line",
            vec![send(c("\r\nhello\r\n0\r\n\r\n"))],
            err(Protocol, "invalid chunk size"),
        ),
        http(
            "chunk-size-line-endless",
            "a chunk-size line of digits without end",
            vec![send(chunked), endless("0")],
            err(Protocol, "invalid chunk size"),
        ),
        http(
            "chunk-data-without-crlf",
            "chunk data followed by `XX` instead of CRLF",
            vec![send(c("5\r\nhelloXX0\r\n\r\n"))],
            err(Protocol, "not followed by CRLF"),
        ),
        http(
            "chunked-invalid-trailer",
            "a trailer line `Bad Trailer` after the last chunk",
            vec![send(c("5\r\nhello\r\n0\r\nBad Trailer\r\n\r\n"))],
            err(Protocol, "trailer"),
        ),
        http(
            "chunked-trailers-endless",
            "the last chunk, then trailer fields without end",
            vec![send(c("5\r\nhello\r\n0\r\n")), endless("X-Trailer: y\r\n")],
            err(Protocol, "trailer"),
        ),
        http(
            "chunk-size-max-endless-data",
            "chunk size `ffffffffffffffff` and data without end",
            vec![send(c("ffffffffffffffff\r\n")), endless("x")],
            err(Body, "exceeds 65536 bytes"),
        ),
        http(
            "chunked-endless-chunks",
            "3-byte chunks without end, never the last chunk",
            vec![send(chunked), endless("3\r\nabc\r\n")],
            err(Body, "exceeds 65536 bytes"),
        ),
        http(
            "chunked-bytes-after-last-chunk",
            "a complete chunked body, then `JUNK` in the same write",
            vec![send(c("5\r\nhello\r\n0\r\n\r\nJUNK"))],
            ok(200, b"hello"),
        )
        .after(After::Fresh),
        http(
            "bytes-past-content-length",
            "`Content-Length: 5` and 10 bytes in the same write",
            vec![send(
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA",
            )],
            ok(200, b"hello"),
        )
        .after(After::Fresh),
        http(
            "bytes-past-content-length-late",
            "a complete response, then 10 ms later a second, unasked-for response",
            vec![
                send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
                wait(10),
                send("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"),
            ],
            ok(200, b"hello"),
        )
        .after(After::Fresh),
        http(
            "no-content-204-with-body",
            "`204` with `Content-Length: 5` and 5 bytes",
            vec![send(
                "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
            )],
            ok(204, b""),
        )
        .after(After::Fresh),
        http(
            "no-content-204-with-late-body",
            "`204`, then 10 ms later 5 bytes of body",
            vec![
                send("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
                wait(10),
                send("hello"),
            ],
            ok(204, b""),
        )
        .after(After::Fresh),
        http(
            "not-modified-304-with-body",
            "`304` with `Content-Length: 5` and 5 bytes",
            vec![send(
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello",
            )],
            ok(304, b""),
        )
        .after(After::Fresh),
        http(
            "not-modified-304-chunked-body",
            "`304` with a chunked body",
            vec![send(
                "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n\
                 5\r\nhello\r\n0\r\n\r\n",
            )],
            ok(304, b""),
        )
        .after(After::Fresh),
        http(
            "interim-endless",
            "`100 Continue` without end",
            vec![endless("HTTP/1.1 100 Continue\r\n\r\n")],
            err(Protocol, "too many interim"),
        ),
        http(
            "interim-then-final",
            "three `103 Early Hints`, then `200`",
            vec![
                send("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n".repeat(3)),
                send(resp("", "hello")),
            ],
            ok(200, b"hello"),
        ),
        http(
            "interim-with-content-length",
            "`100 Continue` with `Content-Length: 5` (ignored), then `200`",
            vec![send(format!(
                "HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n{}",
                String::from_utf8(resp("", "hello")).unwrap()
            ))],
            ok(200, b"hello"),
        ),
    ]
}

/// Connections closed or reset at each point of a response.
fn abrupt_cases() -> Vec<Case> {
    use Kind::{Body, Io, Protocol};
    let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    vec![
        http(
            "close-without-answer",
            "reads the request, closes (FIN)",
            vec![Step::Close],
            err(Protocol, "closed before the response head"),
        ),
        http(
            "close-mid-status-line",
            "`HTTP/1.1 20`, close",
            vec![send("HTTP/1.1 20"), Step::Close],
            err(Protocol, "closed before the response head"),
        ),
        http(
            "close-mid-headers",
            "status line and half a header, close",
            vec![send("HTTP/1.1 200 OK\r\nContent-Le"), Step::Close],
            err(Protocol, "closed before the response head"),
        ),
        http(
            "close-mid-body-content-length",
            "`Content-Length: 10`, 5 bytes, close",
            vec![
                send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
                Step::Close,
            ],
            err(Body, "5 body bytes missing"),
        ),
        http(
            "close-mid-chunk-data",
            "a 10-byte chunk cut after 3 bytes, close",
            vec![send(format!("{chunked}a\r\nhel")), Step::Close],
            err(Body, "before the last chunk"),
        ),
        http(
            "close-before-last-chunk",
            "one complete chunk, no last chunk, close",
            vec![send(format!("{chunked}5\r\nhello\r\n")), Step::Close],
            err(Body, "before the last chunk"),
        ),
        http(
            "close-after-complete-response",
            "a complete keep-alive response, then 10 ms later a close",
            vec![send(resp("", "hello")), wait(10), Step::Close],
            ok(200, b"hello"),
        )
        .after(After::Fresh),
        http(
            "reset-before-response",
            "leaves the request unread, resets (RST)",
            vec![wait(20), Step::Reset],
            err(Io, "reset"),
        ),
        http(
            "reset-mid-head",
            "status line and half a header, reset",
            vec![send("HTTP/1.1 200 OK\r\nContent-Le"), wait(50), Step::Reset],
            err(Io, "reset"),
        ),
        http(
            "reset-mid-body-content-length",
            "`Content-Length: 10`, 5 bytes, reset",
            vec![
                send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
                wait(50),
                Step::Reset,
            ],
            err(Body, "reset"),
        ),
        http(
            "reset-mid-chunked-body",
            "one complete chunk, reset",
            vec![
                send(format!("{chunked}5\r\nhello\r\n")),
                wait(50),
                Step::Reset,
            ],
            err(Body, "reset"),
        ),
        http(
            "reset-after-complete-response",
            "a complete keep-alive response, then 10 ms later a reset",
            vec![send(resp("", "hello")), wait(10), Step::Reset],
            ok(200, b"hello"),
        )
        .after(After::Fresh),
    ]
}

/// Servers that stall or trickle; the read (idle) and total timeouts must end them.
fn timing_cases() -> Vec<Case> {
    use TimeoutPhase::{Read, Total};
    let slow_head = "HTTP/1.1 200 OK\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\
                     Content-Length: 5\r\n\r\nhello";
    vec![
        http(
            "never-answers",
            "reads the request, says nothing, keeps the connection open",
            vec![Step::Hold],
            timeout(Read),
        ),
        http(
            "silent-after-100-continue",
            "`100 Continue`, then nothing",
            vec![send("HTTP/1.1 100 Continue\r\n\r\n"), Step::Hold],
            timeout(Read),
        ),
        http(
            "stall-mid-status-line",
            "`HTTP/1.1 2`, then nothing",
            vec![send("HTTP/1.1 2"), Step::Hold],
            timeout(Read),
        ),
        http(
            "stall-mid-headers",
            "status line and half a header, then nothing",
            vec![send("HTTP/1.1 200 OK\r\nContent-Le"), Step::Hold],
            timeout(Read),
        ),
        http(
            "stall-mid-body-content-length",
            "`Content-Length: 10`, 5 bytes, then nothing",
            vec![
                send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
                Step::Hold,
            ],
            timeout(Read),
        ),
        http(
            "stall-before-last-chunk",
            "one complete chunk, then nothing (no last chunk)",
            vec![
                send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"),
                Step::Hold,
            ],
            timeout(Read),
        ),
        http(
            "close-delimited-never-closes",
            "no length, 5 bytes, and the connection is never closed",
            vec![send("HTTP/1.1 200 OK\r\n\r\nhello"), Step::Hold],
            timeout(Read),
        ),
        http(
            "trickle-head-byte-per-second",
            "the head one byte a second",
            vec![trickle(slow_head, Duration::from_secs(1))],
            timeout(Read),
        ),
        http(
            "trickle-head-under-read-timeout",
            "the head one byte every 50 ms (under the read timeout)",
            vec![trickle(slow_head, ms(50))],
            timeout(Total),
        ),
        http(
            "trickle-body-under-read-timeout",
            "the head at once, then 100 body bytes one every 50 ms",
            vec![
                send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
                trickle([b'x'; 100], ms(50)),
            ],
            timeout(Total),
        ),
        http(
            "trickle-head-fast",
            "the head one byte every 2 ms",
            vec![trickle(slow_head, ms(2))],
            ok(200, b"hello"),
        ),
        http(
            "trickle-http2-preface",
            "the HTTP/2 preface one byte every 2 ms",
            vec![trickle("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ms(2))],
            err(Kind::Protocol, "HTTP/2"),
        ),
        http(
            "trickle-http2-frame",
            "an HTTP/2 SETTINGS frame one byte every 2 ms",
            vec![trickle(
                b"\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64",
                ms(2),
            )],
            err(Kind::Protocol, "HTTP/2"),
        ),
        http(
            "large-head-in-tiny-writes",
            "a 60 KiB head (under the limit) in one-byte writes, no pause",
            vec![trickle(
                resp(&many_headers(60, 1000), "hello"),
                Duration::ZERO,
            )],
            ok(200, b"hello"),
        ),
    ]
}

fn redirect(code: u16, location: &str) -> Vec<u8> {
    format!("HTTP/1.1 {code} Moved\r\nLocation: {location}\r\nContent-Length: 5\r\n\r\nmoved")
        .into_bytes()
}

/// Redirect loops, bad targets, and redirect bodies that misbehave.
fn redirect_cases() -> Vec<Case> {
    use Kind::{Connect, Redirect, Tls};
    let refused = format!("http://127.0.0.1:{}/ok", refused_port());
    vec![
        http(
            "redirect-loop",
            "`302` to itself, every time",
            vec![send(redirect(302, "/loop"))],
            err(Redirect, "too many redirects"),
        ),
        http(
            "redirect-loop-empty-location",
            "`302` with an empty `Location` (the same URL)",
            vec![send(redirect(302, ""))],
            err(Redirect, "too many redirects"),
        ),
        http(
            "redirect-to-ftp",
            "`302` to `ftp://127.0.0.1/file`",
            vec![send(redirect(302, "ftp://127.0.0.1/file"))],
            err(Redirect, "unsupported scheme"),
        ),
        http(
            "redirect-to-file",
            "`301` to `file:///etc/passwd`",
            vec![send(redirect(301, "file:///etc/passwd"))],
            err(Redirect, "unsupported scheme"),
        ),
        http(
            "redirect-to-javascript",
            "`302` to `javascript:alert(1)`",
            vec![send(redirect(302, "javascript:alert(1)"))],
            err(Redirect, "unsupported scheme"),
        ),
        http(
            "redirect-invalid-location-host",
            "`302` to `http://[::1/` (broken IPv6 literal)",
            vec![send(redirect(302, "http://[::1/"))],
            err(Redirect, "invalid Location"),
        ),
        http(
            "redirect-invalid-location-port",
            "`307` to `http://127.0.0.1:99999/`",
            vec![send(redirect(307, "http://127.0.0.1:99999/"))],
            err(Redirect, "invalid Location"),
        ),
        http(
            "redirect-location-empty-host",
            "`302` to `http://`",
            vec![send(redirect(302, "http://"))],
            err(Redirect, "invalid Location"),
        ),
        http(
            "redirect-location-not-utf8",
            "`302` to a path with the byte 0xE9 (obs-text, not UTF-8)",
            vec![send(redirect(302, "/caf\u{e9}"))],
            err(Redirect, "UTF-8"),
        )
        .latin1_location(),
        http(
            "redirect-to-https-on-plain-port",
            "`302` to `https://` on its own plain-HTTP port",
            vec![send(redirect(302, "https://127.0.0.1:{PORT}/ok"))],
            err(Tls, "corrupt message"),
        )
        .after(After::Any),
        http(
            "redirect-to-refused-port",
            "`302` to a port where nothing listens",
            vec![send(redirect(302, &refused))],
            err(Connect, "connection failed"),
        ),
        http(
            "redirect-without-location",
            "`302` with no `Location`",
            vec![send("HTTP/1.1 302 Found\r\nContent-Length: 5\r\n\r\nmoved")],
            ok(302, b"moved"),
        ),
        http(
            "redirect-305-use-proxy",
            "`305 Use Proxy` to `/ok` (must not be followed, RFC 9110 §15.4.6)",
            vec![send(redirect(305, "/ok"))],
            ok(305, b"moved"),
        ),
        http(
            "redirect-huge-body",
            "`302` to `/ok` with a 10 MiB body, sent without end",
            vec![
                send("HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 10485760\r\n\r\n"),
                endless("x"),
            ],
            ok(200, b"ok"),
        ),
        http(
            "redirect-truncated-body",
            "`302` to `/ok`, `Content-Length: 100`, 3 bytes, close",
            vec![
                send("HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 100\r\n\r\nabc"),
                Step::Close,
            ],
            ok(200, b"ok"),
        ),
        http(
            "redirect-body-stalls",
            "`302` to `/ok`, `Content-Length: 100`, 3 bytes, then nothing",
            vec![
                send("HTTP/1.1 302 Found\r\nLocation: /ok\r\nContent-Length: 100\r\n\r\nabc"),
                Step::Hold,
            ],
            ok(200, b"ok"),
        ),
    ]
}

impl Case {
    /// Sets which connection the `/ok` after the case must arrive on.
    fn after(mut self, after: After) -> Case {
        self.after = after;
        self
    }

    /// Turns the `é` (two bytes in UTF-8) of a `Send` into the single Latin-1 byte 0xE9.
    fn latin1_location(mut self) -> Case {
        if let Setup::Http(steps) = &mut self.setup {
            for step in steps {
                if let Step::Send(bytes) = step {
                    let text = String::from_utf8(bytes.clone()).unwrap();
                    *bytes = text.chars().map(|c| c as u32 as u8).collect();
                }
            }
        }
        self
    }
}

async fn encode(coding: &str, data: &[u8]) -> Vec<u8> {
    let input = BufReader::new(Cursor::new(data.to_vec()));
    let mut out = Vec::new();
    let fast = Level::Fastest;
    match coding {
        "gzip" => {
            GzipEncoder::with_quality(input, fast)
                .read_to_end(&mut out)
                .await
        }
        "deflate" => {
            ZlibEncoder::with_quality(input, fast)
                .read_to_end(&mut out)
                .await
        }
        "br" => {
            BrotliEncoder::with_quality(input, fast)
                .read_to_end(&mut out)
                .await
        }
        _ => {
            ZstdEncoder::with_quality(input, fast)
                .read_to_end(&mut out)
                .await
        }
    }
    .unwrap();
    out
}

fn encoded(coding: &str, body: &[u8]) -> Vec<u8> {
    let mut raw = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    raw
}

/// Deterministic pseudo-random bytes.
fn noise(n: usize) -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(7);
    (0..n).map(|_| rng.u8(..)).collect()
}

/// Compression bombs and broken compressed data.
fn compression_cases() -> Vec<Case> {
    use Kind::{Body, Decode};
    let text = b"the same sentence, over and over; ".repeat(100);
    /// Compressed once for all the tests that build the table (64 MiB take a while).
    struct Encoded {
        bombs: Vec<Vec<u8>>,
        text: Vec<u8>,
        hello: Vec<u8>,
    }
    static ENCODED: OnceLock<Encoded> = OnceLock::new();
    let encoded_once = ENCODED.get_or_init(|| {
        futures_lite::future::block_on(async {
            let zeros = vec![0u8; 16 << 20];
            let mut bombs = Vec::new();
            for coding in ["gzip", "deflate", "br", "zstd"] {
                bombs.push(encode(coding, &zeros).await);
            }
            Encoded {
                bombs,
                text: encode("gzip", &text).await,
                hello: encode("gzip", b"hello").await,
            }
        })
    });
    let (zeros, gzip_text, gzip_hello) =
        (&encoded_once.bombs, &encoded_once.text, &encoded_once.hello);
    let mut gzip_then_endless = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
    gzip_then_endless.extend_from_slice(gzip_hello);
    let bomb = |i: usize, coding: &str| vec![send(encoded(coding, &zeros[i]))];
    let garbage = |coding: &str| vec![send(encoded(coding, b"this is not compressed data"))];
    let mut truncated = gzip_text.clone();
    truncated.truncate(gzip_text.len() / 2);
    let mut bad_crc = gzip_text.clone();
    let at = bad_crc.len() - 8;
    bad_crc[at] ^= 0xff;
    let mut trailing = gzip_text.clone();
    trailing.extend_from_slice(b"TRAILING GARBAGE");
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    chunked.extend_from_slice(format!("{:x}\r\n", gzip_text.len()).as_bytes());
    chunked.extend_from_slice(gzip_text);
    chunked.extend_from_slice(b"\r\n");
    let text: &'static [u8] = text.leak();
    vec![
        case(
            "gzip-bomb",
            "16 MiB of zeros, gzip-compressed (limit 64 KiB)",
            Setup::Http(bomb(0, "gzip")),
            err(Body, "exceeds 65536 bytes"),
        ),
        case(
            "deflate-bomb",
            "16 MiB of zeros, deflate-compressed",
            Setup::Http(bomb(1, "deflate")),
            err(Body, "exceeds 65536 bytes"),
        ),
        case(
            "brotli-bomb",
            "16 MiB of zeros, brotli-compressed",
            Setup::Http(bomb(2, "br")),
            err(Body, "exceeds 65536 bytes"),
        ),
        case(
            "zstd-bomb",
            "16 MiB of zeros, zstd-compressed",
            Setup::Http(bomb(3, "zstd")),
            err(Body, "exceeds 65536 bytes"),
        )
        .after(After::Any),
        case(
            "gzip-garbage",
            "`Content-Encoding: gzip` over plain text",
            Setup::Http(garbage("gzip")),
            err(Decode, "decoding"),
        )
        .after(After::Any),
        case(
            "deflate-garbage",
            "`Content-Encoding: deflate` over plain text",
            Setup::Http(garbage("deflate")),
            err(Decode, "decoding"),
        )
        .after(After::Any),
        case(
            "brotli-garbage",
            "`Content-Encoding: br` over plain text",
            Setup::Http(garbage("br")),
            err(Decode, "decoding"),
        )
        .after(After::Any),
        case(
            "zstd-garbage",
            "`Content-Encoding: zstd` over plain text",
            Setup::Http(garbage("zstd")),
            err(Decode, "decoding"),
        )
        .after(After::Any),
        case(
            "gzip-truncated",
            "the first half of a gzip stream, with a matching length",
            Setup::Http(vec![send(encoded("gzip", &truncated))]),
            err(Decode, "decoding"),
        )
        .after(After::Any),
        case(
            "gzip-bad-crc",
            "a gzip stream whose CRC-32 is wrong",
            Setup::Http(vec![send(encoded("gzip", &bad_crc))]),
            err(Decode, "decoding"),
        )
        .after(After::Any),
        case(
            "gzip-trailing-garbage",
            "a gzip stream, then 16 bytes that are not gzip, inside the length",
            Setup::Http(vec![send(encoded("gzip", &trailing))]),
            ok(200, text),
        ),
        case(
            "gzip-empty-body",
            "`Content-Encoding: gzip` with `Content-Length: 0`",
            Setup::Http(vec![send(encoded("gzip", b""))]),
            ok(200, b""),
        ),
        case(
            "unknown-content-encoding",
            "`Content-Encoding: x-custom` (left as is)",
            Setup::Http(vec![send(encoded("x-custom", b"as is"))]),
            ok(200, b"as is"),
        ),
        case(
            "gzip-then-endless-bytes",
            "a gzip stream of `hello` with no length (read to close), then bytes without end",
            Setup::Http(vec![send(gzip_then_endless), endless("x")]),
            ok(200, b"hello"),
        )
        .after(After::Fresh),
        case(
            "gzip-chunked-missing-last-chunk",
            "a whole gzip stream in one chunk, no last chunk, close",
            Setup::Http(vec![send(chunked), Step::Close]),
            err(Body, "before the last chunk"),
        ),
    ]
}

/// A certificate and its key, made at test time.
struct TestCert {
    der: CertificateDer<'static>,
    key: Vec<u8>,
}

impl TestCert {
    /// Self-signed for `names`, with its own subject `cn` (webpki looks roots up by subject,
    /// so certificates sharing one would meet the wrong key); valid from `years.0` to
    /// `years.1` if given, else for ages.
    fn new(cn: &str, names: &[&str], years: Option<(i32, i32)>) -> TestCert {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = rcgen::CertificateParams::new(names).unwrap();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, format!("hostile {cn}"));
        if let Some((from, to)) = years {
            params.not_before = rcgen::date_time_ymd(from, 1, 1);
            params.not_after = rcgen::date_time_ymd(to, 1, 1);
        }
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        TestCert {
            der: cert.der().clone(),
            key: key.serialize_der(),
        }
    }

    fn root(&self) -> Certificate {
        Certificate::from_der(&self.der)
    }

    fn config(&self, alpn: &[&[u8]]) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![self.der.clone()], key)
            .unwrap();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }
}

const H1: &[&[u8]] = &[b"http/1.1"];

/// TLS faults, and HTTP over TLS ending with and without `close_notify`. Also returns the
/// roots the client must trust (every certificate but the untrusted one).
fn tls_cases() -> (Vec<Case>, Vec<Certificate>) {
    use Kind::{Body, Protocol, Tls};
    let good = TestCert::new("good", &["localhost"], None);
    let expired = TestCert::new("expired", &["localhost"], Some((2000, 2001)));
    let not_yet = TestCert::new("not yet valid", &["localhost"], Some((2999, 3000)));
    let other_name = TestCert::new("other name", &["other.test"], None);
    let untrusted = TestCert::new("untrusted", &["localhost"], None);
    let roots = [&good, &expired, &not_yet, &other_name]
        .iter()
        .map(|c| c.root())
        .collect();
    let https = |config, steps, serves_ok| Setup::Https {
        config,
        steps,
        serves_ok,
    };
    let fault = |config| https(config, vec![], false);
    let cases = vec![
        case(
            "tls-expired-certificate",
            "a trusted certificate that expired in 2001",
            fault(expired.config(H1)),
            err(Tls, "certificate expired"),
        ),
        case(
            "tls-not-yet-valid-certificate",
            "a trusted certificate valid from 2999",
            fault(not_yet.config(H1)),
            err(Tls, "not valid yet"),
        ),
        case(
            "tls-self-signed-untrusted",
            "a self-signed certificate the client does not trust",
            fault(untrusted.config(H1)),
            err(Tls, "UnknownIssuer"),
        ),
        case(
            "tls-wrong-host",
            "a trusted certificate for `other.test` only",
            fault(other_name.config(H1)),
            err(Tls, "not valid for name"),
        ),
        case(
            "tls-alpn-h2-only",
            "ALPN `h2` only: no protocol in common",
            fault(good.config(&[b"h2"])),
            err(Tls, "NoApplicationProtocol"),
        ),
        case(
            "tls-no-alpn",
            "no ALPN at all (RFC 7301 allows it): HTTP/1.1 is assumed",
            https(good.config(&[]), vec![send(resp("", "hello"))], true),
            ok(200, b"hello"),
        ),
        case(
            "tls-handshake-aborted",
            "reads the ClientHello, closes (FIN)",
            Setup::RawTls(vec![Step::ReadHello, Step::Close]),
            err(Tls, "eof"),
        ),
        case(
            "tls-handshake-reset",
            "leaves the ClientHello unread, resets (RST)",
            Setup::RawTls(vec![wait(50), Step::Reset]),
            err(Tls, "reset"),
        ),
        case(
            "tls-plain-http-answer",
            "answers the ClientHello with a plain-HTTP `400`",
            Setup::RawTls(vec![
                Step::ReadHello,
                send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
                Step::Close,
            ]),
            err(Tls, "corrupt message"),
        ),
        case(
            "tls-garbage",
            "answers the ClientHello with 256 bytes of noise",
            Setup::RawTls(vec![Step::ReadHello, send(noise(256)), Step::Close]),
            err(Tls, "corrupt message"),
        ),
        case(
            "tls-handshake-stalls",
            "reads the ClientHello, never answers (connect timeout 500 ms)",
            Setup::RawTls(vec![Step::ReadHello, Step::Hold]),
            timeout(TimeoutPhase::Connect),
        ),
        case(
            "tls-http2-preface",
            "a good handshake, then the HTTP/2 preface",
            https(
                good.config(H1),
                vec![send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")],
                true,
            ),
            err(Protocol, "HTTP/2"),
        ),
        case(
            "tls-close-delimited-with-close-notify",
            "a body delimited by close, ended with `close_notify`",
            https(
                good.config(H1),
                vec![send("HTTP/1.1 200 OK\r\n\r\nhello"), Step::Close],
                true,
            ),
            ok(200, b"hello"),
        )
        .after(After::Fresh),
        case(
            "tls-close-delimited-without-close-notify",
            "a body delimited by close, ended by TCP alone (RFC 9112 §9.8: incomplete)",
            https(
                good.config(H1),
                vec![send("HTTP/1.1 200 OK\r\n\r\nhello"), wait(20), Step::Abort],
                true,
            ),
            err(Body, "close_notify"),
        ),
        case(
            "tls-content-length-then-abrupt-close",
            "a complete length-delimited response, then TCP closed without `close_notify`",
            https(
                good.config(H1),
                vec![send(resp("", "hello")), wait(10), Step::Abort],
                true,
            ),
            ok(200, b"hello"),
        )
        .after(After::Fresh),
        case(
            "tls-truncated-without-close-notify",
            "`Content-Length: 10`, 5 bytes, TCP closed without `close_notify`",
            https(
                good.config(H1),
                vec![
                    send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"),
                    wait(20),
                    Step::Abort,
                ],
                true,
            ),
            err(Body, "close_notify"),
        ),
    ];
    (cases, roots)
}

// ---------------------------------------------------------------------------------------
// Late bytes on an idle connection.

/// A server answers a request in full; once the client has read it (so the connection is
/// idle in its pool), the server sends a whole unasked-for response and signals that it is
/// written; 0, 1, 5 or 9 ms later the client sends its next request, which must get its own
/// answer, never those bytes. What is tested is bytes already there at checkout, however
/// soon after they came the connection is reused (issue 15 item 4: when the pool trusted a
/// connection idle under 10 ms, they were read as the answer).
#[test]
fn late_bytes_on_an_idle_connection_are_never_an_answer() {
    const EVIL: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil";
    let mut wrong = Vec::new();
    run(async {
        for settle in [0, 1, 5, 9] {
            let (go, wait_for_go) = smol::channel::unbounded();
            let (written, wait_for_written) = smol::channel::unbounded();
            let server = Server::plain(move |seen| match seen.target.as_str() {
                "/first" => Reply::ok("first")
                    .until(wait_for_go.clone())
                    .send(EVIL)
                    .signal(written.clone()),
                path => Reply::ok(path),
            });
            let client = server.client().build().unwrap();
            assert_eq!(text(&client, server.url("/first")).await, "first");
            go.send(()).await.unwrap();
            wait_for_written.recv().await.unwrap();
            Timer::after(ms(settle)).await;
            let got = text(&client, server.url("/second")).await;
            if got != "/second" {
                wrong.push(format!("{settle} ms: /second was answered {got:?}"));
            }
        }
    });
    assert!(
        wrong.is_empty(),
        "unsolicited bytes read as an answer: {wrong:?}"
    );
}

// ---------------------------------------------------------------------------------------
// The hostile server.

/// A running hostile server; it stops accepting when dropped.
struct Hostile {
    port: u16,
    https: bool,
    log: Arc<Log>,
    _task: smol::Task<()>,
}

/// What a hostile server saw: connections in accept order, and which one carried each
/// request.
#[derive(Default)]
struct Log {
    accepted: AtomicUsize,
    requests: Mutex<Vec<Arrival>>,
}

/// One request head as a hostile server read (or peeked) it.
#[derive(Clone, Debug)]
struct Arrival {
    /// The connection (0-based, in accept order) that carried it.
    conn: usize,
    path: String,
}

impl Log {
    fn arrived(&self, conn: usize, path: &str) {
        self.requests.lock().unwrap().push(Arrival {
            conn,
            path: path.to_owned(),
        });
    }
}

impl Hostile {
    fn start(setup: &Setup) -> Hostile {
        let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).expect("bind");
        let port = listener.get_ref().local_addr().unwrap().port();
        let setup = setup.clone();
        let https = !matches!(setup, Setup::Http(_));
        let log = Arc::new(Log::default());
        let log_ = log.clone();
        let task = smol::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                // Small writes go out as small segments, as the cases mean them.
                let _ = tcp.get_ref().set_nodelay(true);
                let peer = Peer {
                    port,
                    conn: log_.accepted.fetch_add(1, Ordering::SeqCst),
                    log: log_.clone(),
                };
                let setup = setup.clone();
                smol::spawn(async move {
                    match setup {
                        Setup::Http(steps) => serve_http(tcp, &steps, &peer).await,
                        Setup::Https { config, steps, .. } => {
                            let acceptor = futures_rustls::TlsAcceptor::from(config);
                            if let Ok(tls) = acceptor.accept(tcp).await {
                                serve_https(tls, &steps, &peer).await;
                            }
                        }
                        Setup::RawTls(steps) => {
                            let mut tcp = tcp;
                            perform(&mut tcp, &steps, port).await;
                        }
                    }
                })
                .detach();
            }
        });
        Hostile {
            port,
            https,
            log,
            _task: task,
        }
    }

    fn url(&self, path: &str) -> String {
        if self.https {
            format!("https://localhost:{}{path}", self.port)
        } else {
            format!("http://127.0.0.1:{}{path}", self.port)
        }
    }

    /// Connections accepted so far.
    fn accepted(&self) -> usize {
        self.log.accepted.load(Ordering::SeqCst)
    }

    /// Requests received so far, in order.
    fn requests(&self) -> Vec<Arrival> {
        self.log.requests.lock().unwrap().clone()
    }
}

/// One accepted connection of a hostile server.
struct Peer {
    port: u16,
    conn: usize,
    log: Arc<Log>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn path_of(head: &[u8]) -> String {
    let line = &head[..find(head, b"\r\n").unwrap_or(head.len())];
    let line = String::from_utf8_lossy(line);
    line.split(' ').nth(1).unwrap_or_default().to_owned()
}

/// Plain HTTP, keep-alive. Each request head is peeked first, so that a case that resets
/// can leave it unread (which is what makes the close an RST).
async fn serve_http(mut tcp: Async<TcpStream>, steps: &[Step], peer: &Peer) {
    let port = peer.port;
    let resets = steps.iter().any(|s| matches!(s, Step::Reset));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let (len, path) = loop {
            match tcp.peek(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => match find(&buf[..n], b"\r\n\r\n") {
                    Some(end) => break (end + 4, path_of(&buf[..n])),
                    // Not HTTP (a TLS ClientHello): answer as a web server does, and close.
                    None if !buf[0].is_ascii_uppercase() => {
                        let _ = write(&mut tcp, b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
                        return;
                    }
                    None => Timer::after(ms(1)).await,
                },
            };
        };
        peer.log.arrived(peer.conn, &path);
        if path == "/ok" || !resets {
            let mut head = vec![0u8; len];
            if tcp.read_exact(&mut head).await.is_err() {
                return;
            }
        }
        if path == "/ok" {
            if !write(&mut tcp, OK).await {
                return;
            }
            continue;
        }
        if !perform(&mut tcp, steps, port).await {
            return;
        }
    }
}

/// HTTP over TLS, keep-alive.
async fn serve_https<S: AsyncRead + AsyncWrite + Unpin>(mut tls: S, steps: &[Step], peer: &Peer) {
    let port = peer.port;
    let mut buf = Vec::new();
    loop {
        let len = loop {
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                break end + 4;
            }
            let mut chunk = [0u8; 4096];
            match tls.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let path = path_of(&buf[..len]);
        peer.log.arrived(peer.conn, &path);
        buf.drain(..len);
        let more = if path == "/ok" {
            write(&mut tls, OK).await
        } else {
            perform(&mut tls, steps, port).await
        };
        if !more {
            return;
        }
    }
}

async fn write<S: AsyncWrite + Unpin>(s: &mut S, bytes: &[u8]) -> bool {
    s.write_all(bytes).await.is_ok() && s.flush().await.is_ok()
}

fn with_port(bytes: &[u8], port: u16) -> Vec<u8> {
    match find(bytes, PORT) {
        Some(at) => {
            let mut out = bytes[..at].to_vec();
            out.extend_from_slice(port.to_string().as_bytes());
            out.extend_from_slice(&with_port(&bytes[at + PORT.len()..], port));
            out
        }
        None => bytes.to_vec(),
    }
}

/// Runs `steps` on one connection; true if it stays open for another request.
async fn perform<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, steps: &[Step], port: u16) -> bool {
    for step in steps {
        match step {
            Step::Send(bytes) => {
                if !write(s, &with_port(bytes, port)).await {
                    return false;
                }
            }
            Step::Wait(d) => {
                Timer::after(*d).await;
            }
            Step::Trickle(bytes, every) => {
                for &b in bytes {
                    if !write(s, &[b]).await {
                        return false;
                    }
                    if every.is_zero() {
                        futures_lite::future::yield_now().await;
                    } else {
                        Timer::after(*every).await;
                    }
                }
            }
            Step::Endless(unit) => {
                let started = Instant::now();
                while started.elapsed() < ENDLESS && write(s, unit).await {}
                return false;
            }
            Step::ReadHello => {
                let mut hello = [0u8; 16 * 1024];
                let read = async { s.read(&mut hello).await.is_ok_and(|n| n > 0) };
                let limit = async {
                    Timer::after(Duration::from_secs(2)).await;
                    false
                };
                if !read.or(limit).await {
                    return false;
                }
            }
            Step::Hold => {
                let drain = async {
                    let mut sink = [0u8; 4096];
                    while let Ok(1..) = s.read(&mut sink).await {}
                };
                drain
                    .or(async {
                        Timer::after(Duration::from_secs(10)).await;
                    })
                    .await;
                return false;
            }
            Step::Close => {
                let _ = s.close().await;
                return false;
            }
            Step::Abort | Step::Reset => return false,
        }
    }
    true
}

// ---------------------------------------------------------------------------------------
// Running a group.

/// What a request came to.
#[derive(Debug)]
enum Got {
    Ok {
        status: u16,
        body: Vec<u8>,
        headers: Vec<(String, String)>,
    },
    Err(Kind, String),
    Panicked(String),
    Hung,
}

async fn fetch(client: &AsyncClient, url: &str) -> Got {
    let response = match client.get(url).await {
        Ok(r) => r,
        Err(e) => return Got::Err(e.kind(), e.to_string()),
    };
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_owned(), String::from_utf8_lossy(v.as_bytes()).into()))
        .collect();
    match response.bytes().await {
        Ok(body) => Got::Ok {
            status,
            body: body.to_vec(),
            headers,
        },
        Err(e) => Got::Err(e.kind(), e.to_string()),
    }
}

/// `fetch`, guarded against panics and hangs.
async fn guarded_fetch(client: &AsyncClient, url: &str, watchdog: Duration) -> Got {
    let guarded = async {
        match AssertUnwindSafe(fetch(client, url)).catch_unwind().await {
            Ok(got) => got,
            Err(p) => Got::Panicked(
                p.downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default(),
            ),
        }
    };
    guarded
        .or(async {
            Timer::after(watchdog).await;
            Got::Hung
        })
        .await
}

fn check(expect: &Expect, got: &Got) -> Result<(), String> {
    let fail = || Err(format!("expected {expect:?}, got {}", short(got)));
    match (expect, got) {
        (
            Expect::Ok {
                status,
                body,
                header,
            },
            Got::Ok {
                status: s,
                body: b,
                headers,
            },
        ) => {
            let header_ok = header.is_none_or(|(name, value)| {
                headers
                    .iter()
                    .any(|(n, v)| n.eq_ignore_ascii_case(name) && v == value)
            });
            if status == s && body == b && header_ok {
                Ok(())
            } else {
                fail()
            }
        }
        (Expect::Err(kind, text), Got::Err(k, msg))
            if kind == k && msg.to_lowercase().contains(&text.to_lowercase()) =>
        {
            Ok(())
        }
        _ => fail(),
    }
}

fn short(got: &Got) -> String {
    match got {
        Got::Ok { status, body, .. } => {
            let shown: Vec<u8> = body.iter().take(40).copied().collect();
            format!(
                "Ok({status}, {:?}{})",
                String::from_utf8_lossy(&shown),
                if body.len() > 40 { "..." } else { "" }
            )
        }
        Got::Err(kind, msg) => format!("Err({kind:?}: {msg})"),
        Got::Panicked(msg) => format!("PANIC: {msg}"),
        Got::Hung => "HUNG past the watchdog".to_owned(),
    }
}

struct Group {
    name: &'static str,
    client: AsyncClient,
    /// The client's total timeout, if it has one.
    total: Option<Duration>,
    /// How long a case may take before it counts as hung.
    watchdog: Duration,
    /// Also run every case on a kept-alive connection.
    warm: bool,
    /// URLs of well-behaved servers answering `200 good`.
    good: Vec<String>,
}

impl Group {
    /// The group's watchdog; a shorter one for known bugs in a group without a total
    /// timeout, so that their hangs cost little (a fix ends them far sooner).
    fn watchdog_for(&self, case: &Case) -> Duration {
        if self.total.is_none() && self.known_bug(case.name) {
            KNOWN_HANG_WATCHDOG.min(self.watchdog)
        } else {
            self.watchdog
        }
    }

    fn known_bug(&self, case: &str) -> bool {
        KNOWN_BUGS
            .iter()
            .any(|&(g, c, _)| g == self.name && c == case)
    }
}

/// Runs every case of a group; panics listing the failures that are not known bugs, and
/// the known bugs that no longer fail.
fn run_group(group: Group, cases: Vec<Case>) {
    let mut failed: Vec<(&'static str, String)> = Vec::new();
    let started = Instant::now();
    run(async {
        for case in &cases {
            // A known bug runs once: a second run would only repeat its failure, slowly.
            let both = group.warm && !group.known_bug(case.name);
            let modes: &[bool] = if both { &[false, true] } else { &[false] };
            for &warm in modes {
                let label = if warm { "warm" } else { "cold" };
                if let Err(why) = run_case(&group, case, warm).await {
                    eprintln!("[{}] {} ({label}): FAIL {why}", group.name, case.name);
                    failed.push((case.name, format!("({label}) {why}")));
                }
            }
        }
    });
    eprintln!(
        "[{}] {} cases in {:?}",
        group.name,
        cases.len(),
        started.elapsed()
    );
    let unexpected: Vec<_> = failed
        .iter()
        .filter(|(name, _)| !group.known_bug(name))
        .collect();
    let fixed: Vec<_> = cases
        .iter()
        .map(|c| c.name)
        .filter(|name| group.known_bug(name) && !failed.iter().any(|(n, _)| n == name))
        .collect();
    for (name, why) in failed.iter().filter(|(n, _)| group.known_bug(n)) {
        eprintln!("[{}] known bug {name}: {why}", group.name);
    }
    assert!(
        unexpected.is_empty() && fixed.is_empty(),
        "group {}: failures {unexpected:#?}; known bugs that now pass (remove them from \
         KNOWN_BUGS): {fixed:?}",
        group.name
    );
}

async fn run_case(group: &Group, case: &Case, warm: bool) -> Result<(), String> {
    let server = Hostile::start(&case.setup);
    let serves_ok = match &case.setup {
        Setup::Http(_) => true,
        Setup::Https { serves_ok, .. } => *serves_ok,
        Setup::RawTls(_) => false,
    };
    let watchdog = group.watchdog_for(case);
    let ok_again = |when: &str, url: String, body: &'static [u8]| {
        let when = when.to_owned();
        async move {
            let got = guarded_fetch(&group.client, &url, watchdog).await;
            check(&ok(200, body), &got).map_err(|e| format!("{when}: {url}: {e}"))
        }
    };
    let warm_conn = if warm {
        ok_again("warm-up", server.url("/ok"), b"ok").await?;
        server.requests().last().map(|r| r.conn)
    } else {
        None
    };
    let before = server.requests().len();

    let started = Instant::now();
    let got = guarded_fetch(&group.client, &server.url("/case"), watchdog).await;
    let elapsed = started.elapsed();
    eprintln!(
        "[{}] {} ({}) {elapsed:?}: {}",
        group.name,
        case.name,
        if warm { "warm" } else { "cold" },
        short(&got)
    );
    check(&case.expect, &got)?;
    if let Some(total) = group.total {
        if elapsed > total + SLACK {
            return Err(format!("took {elapsed:?}, past the total timeout"));
        }
    }
    let during = server.requests()[before..].to_vec();
    if let (Some(warm), Some(first)) = (warm_conn, during.first()) {
        if first.conn != warm {
            return Err(format!(
                "the case went on connection {}, not on the kept-alive {warm}",
                first.conn
            ));
        }
    }
    let accepted = server.accepted();

    // The pool: the same hostile server (same pool entry), then the well-behaved ones.
    Timer::after(SETTLE).await;
    if serves_ok {
        ok_again("poisoned pool? same server", server.url("/ok"), b"ok").await?;
        let requests = server.requests();
        let follow_up = requests.iter().rev().find(|r| r.path == "/ok");
        let conn = follow_up.map_or(usize::MAX, |r| r.conn);
        let last = during.last().map(|r| r.conn);
        match case.after {
            After::Fresh if conn < accepted => {
                return Err(format!(
                    "poisoned pool: the `/ok` after the case went on connection {conn}, \
                     opened before the case ended (requests: {during:?})"
                ));
            }
            After::Reused if Some(conn) != last => {
                return Err(format!(
                    "the `/ok` after the case went on connection {conn}, not on {last:?}, \
                     which the case's response left open (requests: {during:?})"
                ));
            }
            _ => {}
        }
    }
    for url in &group.good {
        ok_again("poisoned pool? good server", url.clone(), b"good").await?;
    }
    Ok(())
}

/// A client with short deadlines, so hangs end fast.
fn client(read: u64, total: u64) -> tls_requests::ClientBuilder {
    AsyncClient::builder()
        .connect_timeout(Duration::from_secs(1))
        .read_timeout(ms(read))
        .timeout(ms(total))
        .max_body_bytes(MAX_BODY)
        .max_redirects(5)
}

fn good_server() -> Server {
    Server::plain(|_| Reply::ok("good"))
}

fn plain_group(name: &'static str, cases: Vec<Case>, read: u64, total: u64, warm: bool) {
    let good = good_server();
    let group = Group {
        name,
        client: client(read, total).build().unwrap(),
        total: Some(ms(total)),
        watchdog: ms(total) + Duration::from_secs(3),
        warm,
        good: vec![good.url("/")],
    };
    run_group(group, cases);
}

#[test]
fn hostile_protocol() {
    plain_group("protocol", protocol_cases(), 300, 2000, true);
}

#[test]
fn hostile_framing() {
    plain_group("framing", framing_cases(), 300, 2000, true);
}

#[test]
fn hostile_abrupt() {
    plain_group("abrupt", abrupt_cases(), 300, 2000, true);
}

#[test]
fn hostile_timing() {
    plain_group("timing", timing_cases(), 250, 1000, false);
}

#[test]
fn hostile_redirect() {
    plain_group("redirect", redirect_cases(), 300, 2000, true);
}

#[test]
fn hostile_compression() {
    plain_group("compression", compression_cases(), 300, 2000, true);
}

/// Trusts `roots` and a well-behaved TLS server's certificate.
fn trusting(
    mut builder: tls_requests::ClientBuilder,
    roots: Vec<Certificate>,
    good_tls: &Server,
) -> tls_requests::ClientBuilder {
    for root in roots
        .into_iter()
        .chain(Certificate::from_pem(good_tls.cert_pem.as_bytes()).unwrap())
    {
        builder = builder.add_root_certificate(root);
    }
    builder
}

#[test]
fn hostile_tls() {
    let (cases, roots) = tls_cases();
    let good = good_server();
    let good_tls = Server::tls(|_| Reply::ok("good"));
    let builder = trusting(client(300, 2000).connect_timeout(ms(500)), roots, &good_tls);
    let group = Group {
        name: "tls",
        client: builder.build().unwrap(),
        total: Some(ms(2000)),
        watchdog: ms(2000) + Duration::from_secs(3),
        warm: false,
        good: vec![good.url("/"), good_tls.url("/")],
    };
    run_group(group, cases);
}

/// The cases where a timeout could end a wait and still let the outcome be reached (every
/// case whose server [waits](Case::waits), and every redirect, for the drain between hops;
/// but none whose outcome is a timeout), with a client of the builder's defaults: no total timeout, connect and read timeouts as they
/// are by default, only the body limit set (which the outcomes name). A hang here is one a
/// user of the defaults meets; the watchdog is the test's own timer.
#[test]
fn hostile_defaults() {
    let good = good_server();
    let good_tls = Server::tls(|_| Reply::ok("good"));
    let (tls, roots) = tls_cases();
    let cases = [
        protocol_cases(),
        framing_cases(),
        abrupt_cases(),
        timing_cases(),
        compression_cases(),
        tls,
    ]
    .into_iter()
    .flatten()
    .filter(Case::waits)
    .chain(redirect_cases())
    .filter(|c| !matches!(c.expect, Expect::Err(Kind::Timeout(_), _)))
    .collect();
    let builder = AsyncClient::builder().max_body_bytes(MAX_BODY);
    let group = Group {
        name: "defaults",
        client: trusting(builder, roots, &good_tls).build().unwrap(),
        total: None,
        watchdog: DEFAULTS_WATCHDOG,
        warm: false,
        good: vec![good.url("/"), good_tls.url("/")],
    };
    run_group(group, cases);
}

impl Case {
    /// Whether the server does more than send bytes and wait for the next request: it
    /// pauses, trickles, streams without end, holds, closes or resets.
    fn waits(&self) -> bool {
        match &self.setup {
            Setup::Http(steps) | Setup::Https { steps, .. } => {
                steps.iter().any(|s| !matches!(s, Step::Send(_)))
            }
            Setup::RawTls(_) => true,
        }
    }
}

/// The groups, as `KNOWN_BUGS` names them.
const GROUPS: &[&str] = &[
    "protocol",
    "framing",
    "abrupt",
    "timing",
    "redirect",
    "compression",
    "tls",
    "defaults",
];

fn all_cases() -> Vec<(&'static str, Vec<Case>)> {
    vec![
        ("protocol", protocol_cases()),
        ("framing", framing_cases()),
        ("abrupt", abrupt_cases()),
        ("timing", timing_cases()),
        ("redirect", redirect_cases()),
        ("compression", compression_cases()),
        ("tls", tls_cases().0),
    ]
}

#[test]
fn reliability_md_lists_every_case() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/RELIABILITY.md");
    let doc = std::fs::read_to_string(path).expect("RELIABILITY.md");
    let mut names = Vec::new();
    for (_, cases) in all_cases() {
        for case in cases {
            assert!(
                doc.contains(&format!("| `{}` |", case.name)),
                "RELIABILITY.md has no row for `{}`",
                case.name
            );
            assert!(!names.contains(&case.name), "two cases named {}", case.name);
            names.push(case.name);
        }
    }
    for (group, bug, _) in KNOWN_BUGS {
        assert!(names.contains(bug), "KNOWN_BUGS names no case: {bug}");
        assert!(GROUPS.contains(group), "KNOWN_BUGS names no group: {group}");
    }
    let rows: Vec<&str> = doc
        .lines()
        .filter(|l| l.starts_with("| `") && l.contains("` |"))
        .collect();
    assert_eq!(rows.len(), names.len(), "RELIABILITY.md rows vs cases");
    // A row says "known bug" exactly when the case is one.
    for row in rows {
        let marked = row.contains("known bug");
        let listed = KNOWN_BUGS
            .iter()
            .any(|(_, case, _)| row.starts_with(&format!("| `{case}` |")));
        assert_eq!(marked, listed, "RELIABILITY.md row vs KNOWN_BUGS: {row}");
    }
}

/// Prints the rows of RELIABILITY.md's table.
#[test]
#[ignore = "prints the table for RELIABILITY.md"]
fn print_hostile_table() {
    for (group, cases) in all_cases() {
        println!("\n### {group}\n");
        println!("| Case | The server | Outcome |");
        println!("|---|---|---|");
        for case in cases {
            let outcome = match &case.expect {
                Expect::Ok {
                    status,
                    body,
                    header,
                } => {
                    let body = String::from_utf8_lossy(body);
                    let shown = if body.len() > 20 {
                        format!("{}…", &body[..20])
                    } else {
                        body.into_owned()
                    };
                    let mut s = if shown.is_empty() {
                        format!("`{status}`, empty body")
                    } else {
                        format!("`{status}`, body `{shown}`")
                    };
                    if let Some((n, v)) = header {
                        s.push_str(&format!(", `{n}: {v}`"));
                    }
                    s
                }
                Expect::Err(Kind::Timeout(phase), _) => format!("`Timeout({phase:?})`"),
                Expect::Err(kind, text) => format!("`{kind:?}`: “{text}”"),
            };
            let outcome = match case.after {
                a if a == After::default_for(&case.expect) => outcome,
                After::Reused => format!("{outcome}; connection reused"),
                After::Fresh => format!("{outcome}; connection not reused"),
                After::Any => format!("{outcome}; connection may be reused"),
            };
            let bugs: Vec<_> = KNOWN_BUGS
                .iter()
                .filter(|(_, c, _)| *c == case.name)
                .map(|(g, _, _)| *g)
                .collect();
            let bug = if bugs.is_empty() {
                String::new()
            } else {
                format!(" **(known bug: {})**", bugs.join(", "))
            };
            println!("| `{}` | {} | {outcome}{bug} |", case.name, case.what);
        }
    }
}
