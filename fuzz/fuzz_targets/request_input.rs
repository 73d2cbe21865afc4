//! URL and header inputs on their way to the wire: `Url::parse` → `Destination::from_url`;
//! `AsyncClient::build_request` (URL resolution, with and without a base URL) → user headers
//! through `Headers::insert`/`append` and `HeaderValue::from_bytes` → `wire_headers` →
//! `encode_head` with the URL's path and query as target; and `encode_head` on the raw
//! strings directly.
//!
//! Input: lines separated by `\n`, each unescaped (`\n`, `\r`, `\t`, `\0`, `\\`, `\xHH`):
//! the method, the URL, then header lines `name:value` (a leading `+` appends instead of
//! inserting).
//!
//! Checked: a destination has a host and the URL's port, and its `Display` parses back to the
//! same destination; a header name is accepted exactly when it is a token, a value exactly
//! when it holds no control byte but HTAB; a URL the client accepts always encodes; whenever
//! `encode_head` succeeds, `httparse` reads back exactly the same method, target and header
//! names, values equal up to the optional whitespace HTTP strips (RFC 9110 §5.5), and nothing
//! more: no CR, LF or NUL can inject a line.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tls_requests::proto::h1::encode_head;
use tls_requests::{AsyncClient, Destination, HeaderValue, Headers, Method, Url};
use tls_requests_fuzz::is_token;
use url::Position;

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
                        out.push(h << 4 | l);
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

fuzz_target!(|data: &[u8]| {
    let mut lines = data.split(|&b| b == b'\n').map(unescape);
    let (Some(method), Some(url)) = (lines.next(), lines.next()) else {
        return;
    };
    let Ok(method) = Method::from_bytes(&method) else {
        return;
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
    roundtrip(&method, &url, &direct);

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
});
