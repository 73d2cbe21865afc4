//! The fuzz targets' bodies, one function per target. `fuzz_targets/*.rs` only hand libFuzzer's
//! input to these, and `tests/it/fuzz.rs` replays `regressions/` and `seeds/` through them in
//! `cargo test`: a fixed bug stays fixed without cargo-fuzz. Each returns the outcome of the
//! whole-input decoding, which the replay compares with the documented one; every check is an
//! assertion, so a violated invariant panics.

use std::sync::OnceLock;

use bytes::Bytes;
use tls_requests::proto::h1::{
    Framing, Limits, ProtoError, encode_chunk, encode_head, encode_last_chunk, parse_head,
};
use tls_requests::{AsyncClient, Destination, HeaderValue, Headers, Method, Url};
use url::Position;

use super::{Body, Head, Message, Pieces, decode_body, decode_response, head_data, is_token};

/// `response_head`: `parse_head` on arbitrary bytes, with the default limits and with small
/// limits taken from the first two bytes.
///
/// Checked: the consumed length is within the input and the limit; names are non-empty
/// tokens; values and the reason hold no CR, LF or NUL; `framing` and `keep_alive` don't
/// panic; the small limits give the same head or exactly the limit error the default-limit
/// head predicts; a complete head is unchanged by what follows it, and every shorter prefix
/// of it is incomplete, never an error.
pub fn response_head(data: &[u8]) -> Result<Option<(Head, usize)>, ProtoError> {
    let default = Limits::default();
    let whole = parse_checked(data, &default);

    // Small limits from the first bytes: 0..=510 bytes of head, 0..=15 fields.
    if let [a, b, ..] = *data {
        let small = Limits {
            max_head_bytes: usize::from(a) * 2,
            max_headers: usize::from(b % 16),
            ..default
        };
        let limited = parse_checked(data, &small);
        match (&whole, &limited) {
            (Ok(Some((head, len))), _) => {
                // Fields are counted by httparse before the length is checked.
                let want: Result<Option<(&Head, usize)>, ProtoError> =
                    if head.headers.len() > small.max_headers {
                        Err(ProtoError::TooManyHeaders {
                            limit: small.max_headers,
                        })
                    } else if *len > small.max_head_bytes {
                        Err(ProtoError::HeadTooLarge {
                            limit: small.max_head_bytes,
                        })
                    } else {
                        Ok(Some((head, *len)))
                    };
                let got: Result<Option<(&Head, usize)>, ProtoError> = limited
                    .as_ref()
                    .map(|o| o.as_ref().map(|(h, l)| (h, *l)))
                    .map_err(Clone::clone);
                assert_eq!(got, want, "small limits {small:?}");
            }
            (Ok(None), r) => assert!(
                matches!(r, Ok(None)) || matches!(r, Err(e) if is_limit_error(e)),
                "incomplete with default limits, {r:?} with {small:?}"
            ),
            (Err(e), r) => assert!(
                match r {
                    Ok(_) => false,
                    Err(f) => f == e || is_limit_error(f),
                },
                "{e:?} with default limits, {r:?} with {small:?}"
            ),
        }
    }

    if let Ok(Some((head, len))) = &whole {
        let len = *len;
        // What follows a head does not change it.
        let mut extended = data[..len].to_vec();
        extended.extend_from_slice(b"\r\nHTTP/1.1 200 OK\r\n\0\0garbage");
        let again = parse_checked(&extended, &default).expect("a head followed by more bytes");
        assert_eq!(again.as_ref().map(|(h, l)| (h, *l)), Some((head, len)));
        let exact = parse_checked(&data[..len], &default).expect("the head alone");
        assert_eq!(exact.as_ref().map(|(h, l)| (h, *l)), Some((head, len)));
        // Every shorter prefix is incomplete (a few of them: all would be quadratic).
        let pick = data.get(2).map_or(0, |&b| usize::from(b));
        for cut in [0, 1, len / 2, len - 1, pick % len] {
            let cut = cut.min(len - 1);
            let r = parse_checked(&data[..cut], &default);
            assert!(
                matches!(r, Ok(None)),
                "prefix of {cut} bytes of a {len}-byte head: {r:?}"
            );
        }
    }

    // An error found in a prefix stays an error once more bytes arrive.
    if let Some(&b) = data.get(3) {
        let cut = usize::from(b) % (data.len() + 1);
        let prefix = parse_checked(&data[..cut], &default);
        if let Err(e) = &prefix {
            if !is_limit_error(e) {
                assert!(
                    whole.is_err(),
                    "{e:?} on the first {cut} bytes, but {whole:?} on all"
                );
            }
        }
    }
    whole
}

fn parse_checked(buf: &[u8], limits: &Limits) -> Result<Option<(Head, usize)>, ProtoError> {
    let bytes = Bytes::copy_from_slice(buf);
    let parsed = parse_head(&bytes, limits)?;
    Ok(parsed.map(|(head, len)| {
        assert!(len <= buf.len(), "consumed {len} of {} bytes", buf.len());
        assert!(len > 0, "a head of 0 bytes");
        assert!(
            len <= limits.max_head_bytes,
            "consumed {len} over the limit"
        );
        (head_data(&head, limits), len)
    }))
}

fn is_limit_error(e: &ProtoError) -> bool {
    matches!(
        e,
        ProtoError::HeadTooLarge { .. } | ProtoError::TooManyHeaders { .. }
    )
}

/// `chunked_body`: the exchange's body reading (`BodyDecoder` underneath) over arbitrary
/// bytes, fed whole and in pieces.
///
/// Input: `[selector, seed, max_piece, body...]`. `selector % 4`: 0 and 1 chunked, 2
/// `Length(n)` with `n = seed * 4 + max_piece % 4` (0..=1023), 3 close-delimited. Pieces are
/// 1..=`max_piece % 32 + 1` bytes, from `seed`; inputs up to 256 bytes are also fed byte by
/// byte. Inputs under 3 bytes are not decoded (`None`).
///
/// Checked: every `Step`'s offsets stay within the buffer, `Data` is never empty, `NeedMore`
/// never comes at EOF, a finished decoder stays finished; whole and split feeding give the
/// same body, trailers, error and leftover; `Length` and close-delimited bodies are exactly
/// what the framing says; a decoded chunked body, re-encoded with `encode_chunk` and
/// `encode_last_chunk`, decodes to the same bytes.
pub fn chunked_body(data: &[u8]) -> Option<Result<Body, ProtoError>> {
    let [selector, seed, max_piece, ref body @ ..] = *data else {
        return None;
    };
    let framing = match selector % 4 {
        0 | 1 => Framing::Chunked,
        2 => Framing::Length(u64::from(seed) * 4 + u64::from(max_piece % 4)),
        _ => Framing::Close,
    };
    let whole = decode_body(framing, body, || usize::MAX);

    let mut pieces = Pieces::new(seed, usize::from(max_piece % 32) + 1);
    let split = decode_body(framing, body, || pieces.next_size());
    assert_eq!(
        whole.as_ref().map(|b| (&b.data, &b.trailers, &b.left)),
        split.as_ref().map(|b| (&b.data, &b.trailers, &b.left)),
        "whole vs split ({framing:?})"
    );
    if body.len() <= 256 {
        let bytes = decode_body(framing, body, || 1);
        assert_eq!(
            whole.as_ref().map(|b| (&b.data, &b.trailers, &b.left)),
            bytes.as_ref().map(|b| (&b.data, &b.trailers, &b.left)),
            "whole vs byte by byte ({framing:?})"
        );
    }

    match (framing, &whole) {
        (Framing::Length(n), _) => {
            let n = n as usize;
            if body.len() >= n {
                let b = whole.as_ref().expect("enough bytes for the length");
                assert_eq!(b.data, &body[..n]);
                assert_eq!(b.left, &body[n..]);
                assert_eq!(b.trailers, None);
            } else {
                assert_eq!(
                    whole.as_ref().unwrap_err(),
                    &ProtoError::TruncatedBody {
                        missing: Some((n - body.len()) as u64)
                    }
                );
            }
        }
        (Framing::Close, _) => {
            let b = whole.as_ref().expect("a close-delimited body cannot fail");
            assert_eq!(b.data, body);
            assert!(b.left.is_empty());
            assert_eq!(b.trailers, None);
        }
        (Framing::Chunked, Ok(b)) => {
            assert!(
                b.trailers.is_some(),
                "a chunked body ends with a trailer section"
            );
            // Re-encode the decoded body, chunk by chunk, and decode it again.
            let mut wire = Vec::new();
            let mut at = 0;
            for len in &b.steps {
                encode_chunk(&b.data[at..at + len], &mut wire);
                at += len;
            }
            encode_chunk(&[], &mut wire);
            encode_last_chunk(&mut wire);
            wire.extend_from_slice(b"NEXT");
            let again = decode_body(Framing::Chunked, &wire, || usize::MAX)
                .expect("our own chunked encoding decodes");
            assert_eq!(again.data, b.data);
            assert_eq!(again.trailers, Some(Vec::new()));
            assert_eq!(again.left, b"NEXT");
        }
        (Framing::Chunked, Err(_)) => {}
        (Framing::Empty, _) => unreachable!(),
    }
    Some(whole)
}

/// `response_stream`: the client's exchange state machine through [`decode_response`] (heads,
/// interim 1xx skipped except 101, framing, body, reuse decision) fed whole and in random
/// pieces.
///
/// Input: `[flags, seed, response...]`. `flags & 1`: the request was HEAD; pieces are
/// 1..=`(flags >> 1) + 1` bytes from `seed`; inputs up to 512 bytes are also fed byte by byte.
/// Inputs under 2 bytes are not decoded (`None`).
///
/// Checked: the `Step` and head invariants of the helpers on every call, and the same interim
/// heads, final head, framing, keep-alive, body, trailers, error and leftover for every
/// feeding.
pub fn response_stream(data: &[u8]) -> Option<Result<Message, ProtoError>> {
    let [flags, seed, ref input @ ..] = *data else {
        return None;
    };
    let is_head = flags & 1 == 1;
    let whole = decode_response(input, is_head, || usize::MAX);
    let mut pieces = Pieces::new(seed, usize::from(flags >> 1) + 1);
    let split = decode_response(input, is_head, || pieces.next_size());
    assert_eq!(whole, split, "whole vs split");
    if input.len() <= 512 {
        let bytes = decode_response(input, is_head, || 1);
        assert_eq!(whole, bytes, "whole vs byte by byte");
    }
    if let Ok(m) = &whole {
        // Nothing is invented: the body and what is left fit in the input.
        assert!(m.body.len() + m.left.len() <= input.len());
        assert!(input.ends_with(&m.left), "left is not the end of the input");
    }
    Some(whole)
}

/// `request_input`: URL and header inputs on their way to the wire: `Url::parse` →
/// `Destination::from_url`; `AsyncClient::build_request` (URL resolution, with and without a
/// base URL) → user headers through `Headers::insert`/`append` and `HeaderValue::from_bytes`
/// → `wire_headers` → `encode_head` with the URL's path and query as target; and
/// `encode_head` on the raw strings directly.
///
/// Input: lines separated by `\n`, each unescaped (`\n`, `\r`, `\t`, `\0`, `\\`, `\xHH`):
/// the method, the URL, then header lines `name:value` (a leading `+` appends instead of
/// inserting).
///
/// Checked: a destination has a host and the URL's port, and its `Display` parses back to the
/// same destination; a header name is accepted exactly when it is a token, a value exactly
/// when it holds no control byte but HTAB; a URL the client accepts always encodes; whenever
/// `encode_head` succeeds, `httparse` reads back exactly the same method, target and header
/// names, values equal up to the optional whitespace HTTP strips (RFC 9110 §5.5), and nothing
/// more: no CR, LF or NUL can inject a line. Returns how many heads were encoded.
pub fn request_input(data: &[u8]) -> usize {
    let mut lines = data.split(|&b| b == b'\n').map(unescape);
    let (Some(method), Some(url)) = (lines.next(), lines.next()) else {
        return 0;
    };
    let Ok(method) = Method::from_bytes(&method) else {
        return 0;
    };
    let url = String::from_utf8_lossy(&url).into_owned();
    let mut fields = Vec::new();
    for line in lines.take(64) {
        let (append, line) = match line.split_first() {
            Some((b'+', rest)) => (true, rest),
            _ => (false, &line[..]),
        };
        let colon = line.iter().position(|&b| b == b':').unwrap_or(line.len());
        let name = String::from_utf8_lossy(&line[..colon]).into_owned();
        let value = line.get(colon + 1..).unwrap_or_default();
        let parsed = HeaderValue::from_bytes(value);
        assert_eq!(
            parsed.is_ok(),
            value_ok(value),
            "HeaderValue::from_bytes({value:?})"
        );
        if let Ok(value) = parsed {
            fields.push((append, name, value));
        }
    }
    let add = |headers: &mut Headers| {
        for (append, name, value) in &fields {
            let r = if *append {
                headers.append(name, value.clone())
            } else {
                headers.insert(name, value.clone())
            };
            assert_eq!(r.is_ok(), is_token(name.as_bytes()), "header name {name:?}");
        }
    };

    // The raw strings straight into the encoder.
    let mut direct = Headers::new();
    add(&mut direct);
    let mut encoded = usize::from(roundtrip(&method, &url, &direct));

    if let Ok(parsed) = Url::parse(&url) {
        check_destination(&parsed);
    }

    // The way a request goes: resolution, the user's headers, the client's wire headers.
    for client in clients() {
        let Ok(mut request) = client.build_request(method.clone(), &url) else {
            continue;
        };
        check_destination(request.url());
        Destination::from_url(request.url()).expect("a built request has a destination");
        add(request.headers_mut());
        let Ok(headers) = client.wire_headers(&request) else {
            continue;
        };
        let u = request.url();
        let target = &u[Position::BeforePath..Position::AfterQuery];
        assert!(
            roundtrip(&method, target, &headers),
            "URL {u} accepted but its head does not encode (target {target:?})"
        );
        encoded += 1;
        if !request.headers().contains("host") {
            let host = match u.port() {
                Some(port) => format!("{}:{port}", u.host_str().unwrap_or_default()),
                None => u.host_str().unwrap_or_default().to_owned(),
            };
            assert_eq!(
                headers.get("host").map(|v| v.as_bytes()),
                Some(host.as_bytes())
            );
        }
    }
    encoded
}

fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'\\' && i + 1 < raw.len() {
            let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
            match raw[i + 1] {
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'0' => out.push(0),
                b'\\' => out.push(b'\\'),
                b'x' if i + 3 < raw.len() => match (hex(raw[i + 2]), hex(raw[i + 3])) {
                    (Some(h), Some(l)) => {
                        out.push((h << 4) | l);
                        i += 4;
                        continue;
                    }
                    _ => out.extend_from_slice(&raw[i..i + 2]),
                },
                _ => out.extend_from_slice(&raw[i..i + 2]),
            }
            i += 2;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

fn value_ok(v: &[u8]) -> bool {
    v.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

fn trim_ows(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |e| e + 1);
    &v[start..end]
}

/// Encodes a head and reads it back with httparse: it must say exactly what was encoded.
fn roundtrip(method: &Method, target: &str, headers: &Headers) -> bool {
    let mut out = Vec::new();
    if encode_head(method, target, headers, &mut out).is_err() {
        return false;
    }
    let mut slots = vec![httparse::EMPTY_HEADER; headers.len() + 1];
    let mut req = httparse::Request::new(&mut slots);
    let status = req.parse(&out);
    assert_eq!(
        status,
        Ok(httparse::Status::Complete(out.len())),
        "encoded head does not parse back whole: {:?}",
        out.escape_ascii().to_string()
    );
    assert_eq!(req.method, Some(method.as_str()));
    assert_eq!(req.path, Some(target));
    assert_eq!(req.version, Some(1));
    assert_eq!(
        req.headers.len(),
        headers.len(),
        "header count changed: {:?}",
        out.escape_ascii().to_string()
    );
    for (parsed, (name, value)) in req.headers.iter().zip(headers.iter()) {
        assert_eq!(parsed.name, name);
        assert_eq!(
            parsed.value,
            trim_ows(value.as_bytes()),
            "value of {name} changed: {:?}",
            out.escape_ascii().to_string()
        );
    }
    true
}

fn check_destination(url: &Url) {
    let Ok(dst) = Destination::from_url(url) else {
        return;
    };
    assert!(matches!(url.scheme(), "http" | "https"));
    assert!(!dst.host().is_empty());
    assert_eq!(Some(dst.port()), url.port_or_known_default());
    assert_eq!(dst.is_https(), url.scheme() == "https");
    let shown = dst.to_string();
    let back = Url::parse(&shown).unwrap_or_else(|e| panic!("{shown:?} does not parse: {e}"));
    let again = Destination::from_url(&back).expect("a destination's URL has one");
    assert_eq!(again, dst, "{shown:?}");
}

fn clients() -> &'static [AsyncClient; 2] {
    static CLIENTS: OnceLock<[AsyncClient; 2]> = OnceLock::new();
    CLIENTS.get_or_init(|| {
        let plain = AsyncClient::new();
        let based = AsyncClient::builder()
            .base_url("https://base.test:8443/api/v1?x=1")
            .header_order(["accept", "host", "user-agent"])
            .build()
            .expect("client");
        [plain, based]
    })
}
