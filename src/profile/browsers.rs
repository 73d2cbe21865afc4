//! The built-in profiles. Chrome and Firefox come from the captures in `shared/refdata`
//! (Chromium 156 and Firefox ESR 153, Debian 12, 2026-11-23) and, for `fetch()`, in
//! `tests/fixtures/chromium-fetch` and `tests/fixtures/firefox-fetch` (Chromium
//! 156.0.8078.114, Firefox 153.8.0esr, 2026-12-02); the others from published values, cited
//! on each.

use super::{FetchRules, Profile, TlsSpec, profile};

/// Identifier, alias of the newest of its kind (or ""), constructor.
pub(super) type Entry = (&'static str, &'static str, fn() -> Profile);

pub(super) const ALL: &[Entry] = &[
    ("chrome_156", "chrome", chrome_156),
    ("edge_156", "edge", edge_156),
    ("firefox_153", "firefox", firefox_153),
    ("safari_18", "safari", safari_18),
    ("safari_ios_18", "safari_ios", safari_ios_18),
    ("okhttp4_android", "okhttp", okhttp4_android),
];

fn alpn() -> Vec<String> {
    // Browsers offer h2 first; until HTTP/2 is spoken, offering it would break connections.
    vec!["http/1.1".to_owned()]
}

/// Chromium's TLS: the same for Chrome and Edge of one version.
pub(super) fn chromium_tls() -> TlsSpec {
    TlsSpec {
        cipher_suites: vec![
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
            0x009c, 0x009d, 0x002f, 0x0035,
        ],
        groups: vec![0x11ec, 0x001d, 0x0017, 0x0018],
        signature_algorithms: vec![
            0x0904, 0x0905, 0x0906, 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
        ],
        alpn: alpn(),
        cert_compression: vec![2],
        ech_grease: true,
    }
}

/// Chromium's `fetch()`, as captured (`tests/fixtures/chromium-fetch`): the client hints move
/// around `User-Agent`, the body's fields come early (`Content-Length` right after
/// `Connection`, `Content-Type` after `sec-ch-ua`), a script's `Accept` goes after
/// `User-Agent` where Chromium's own `*/*` goes after `sec-ch-ua-mobile`, `Origin` before the
/// `Sec-Fetch-*` fields, `Referer` after them, `Cookie` last.
const CHROMIUM_FETCH: FetchRules = FetchRules {
    order: &[
        "Host",
        "Connection",
        "Content-Length",
        "sec-ch-ua-platform",
        "User-Agent",
        "Accept",
        "sec-ch-ua",
        "Content-Type",
        "sec-ch-ua-mobile",
        "Accept",
        "Origin",
        "Sec-Fetch-Site",
        "Sec-Fetch-Mode",
        "Sec-Fetch-Dest",
        "Referer",
        "Accept-Encoding",
        "Accept-Language",
        "Cookie",
    ],
    values: &[
        ("Accept", "*/*"),
        ("Sec-Fetch-Site", "same-origin"),
        ("Sec-Fetch-Mode", "cors"),
        ("Sec-Fetch-Dest", "empty"),
    ],
};

/// Firefox's `fetch()`, as captured (`tests/fixtures/firefox-fetch`): the navigation's
/// order, with `Referer`, the body's fields and `Origin` before `Connection`, `Cookie` after
/// it, and `Priority: u=4`.
const FIREFOX_FETCH: FetchRules = FetchRules {
    order: &[
        "Host",
        "User-Agent",
        "Accept",
        "Accept-Language",
        "Accept-Encoding",
        "Referer",
        "Content-Type",
        "Content-Length",
        "Origin",
        "Connection",
        "Cookie",
        "Sec-Fetch-Dest",
        "Sec-Fetch-Mode",
        "Sec-Fetch-Site",
        "Priority",
    ],
    values: &[
        ("Accept", "*/*"),
        ("Sec-Fetch-Dest", "empty"),
        ("Sec-Fetch-Mode", "cors"),
        ("Sec-Fetch-Site", "same-origin"),
        ("Priority", "u=4"),
    ],
};

/// Safari's `fetch()`, derived (no capture is published): WebKit follows the Fetch standard,
/// so `Accept: */*` (Fetch §4.1, "fetch" step 12), `Sec-Fetch-Mode: cors`,
/// `Sec-Fetch-Dest: empty` and `Sec-Fetch-Site` (Fetch Metadata, which Safari sends since
/// 16.4), `Origin` and `Referer`, in the navigation's order, `Origin` and `Referer` after
/// it. `Priority` is left out: Safari's value for a fetch is not published.
const SAFARI_FETCH: FetchRules = FetchRules {
    order: &[
        "Host",
        "Sec-Fetch-Dest",
        "User-Agent",
        "Accept",
        "Sec-Fetch-Site",
        "Sec-Fetch-Mode",
        "Accept-Language",
        "Accept-Encoding",
        "Connection",
        "Origin",
        "Referer",
    ],
    values: &[
        ("Sec-Fetch-Dest", "empty"),
        ("Accept", "*/*"),
        ("Sec-Fetch-Site", "same-origin"),
        ("Sec-Fetch-Mode", "cors"),
    ],
};

/// Chrome 156 on Windows. TLS, header order and case, and the values of the other headers
/// (`Accept` with `image/jxl` included) from the Chromium 156 capture
/// (`refdata/tls/chrome-*.bin`, `refdata/http/chrome-*.txt`); the User-Agent and client hints
/// are those of Google Chrome on Windows rather than headless Chromium on Linux. The GREASE
/// brand `"Not:A-Brand";v="8"` and the brand order follow Chromium's algorithm for major
/// version 156 (`GetGreasedUserAgentBrandVersion`), which the capture confirms.
pub(super) fn chrome_156() -> Profile {
    profile(
        "chrome_156",
        chromium_tls(),
        &[
            ("Connection", "keep-alive"),
            (
                "sec-ch-ua",
                r#""Not:A-Brand";v="8", "Chromium";v="156", "Google Chrome";v="156""#,
            ),
            ("sec-ch-ua-mobile", "?0"),
            ("sec-ch-ua-platform", r#""Windows""#),
            ("Upgrade-Insecure-Requests", "1"),
            (
                "User-Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
            ),
            (
                "Accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
            ),
            ("Sec-Fetch-Site", "none"),
            ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-User", "?1"),
            ("Sec-Fetch-Dest", "document"),
            ("Accept-Encoding", "gzip, deflate, br, zstd"),
            ("Accept-Language", "en-US,en;q=0.9"),
        ],
        Some(&CHROMIUM_FETCH),
    )
}

/// Microsoft Edge 156 on Windows. No Edge capture newer than Edge 101 is published; published
/// Edge profiles reuse Chrome's TLS of the same Chromium version (0x676e67/wreq-util
/// `emulation/device/chrome`), so this is Chromium 156's TLS and HTTP/1.1 header order (the
/// order bogdanfinn/tls-client `profiles/headers.go` read off the wire from Chrome, Edge and
/// Brave 152), with `Edg/156.0.0.0` in the User-Agent and Edge's brand in `sec-ch-ua`. The
/// brand list follows Chromium's GREASE and shuffle algorithm for major version 156, which
/// reproduces published Edge 141–149 values.
pub(super) fn edge_156() -> Profile {
    chrome_156()
        .to_builder()
        .name("edge_156")
        .header("sec-ch-ua", r#""Not:A-Brand";v="8", "Chromium";v="156", "Microsoft Edge";v="156""#)
        .header(
            "User-Agent",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 Edg/156.0.0.0",
        )
        .build()
        .unwrap_or_else(|_| chrome_156())
}

/// Firefox 153 on Windows. TLS and header order and case from the Firefox ESR 153 capture
/// (`refdata/tls/firefox-*.bin`, `refdata/http/firefox-*.txt`); the User-Agent is that of
/// Firefox on Windows rather than Linux.
pub(super) fn firefox_153() -> Profile {
    let tls = TlsSpec {
        cipher_suites: vec![
            0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030, 0xc00a, 0xc013,
            0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
        ],
        groups: vec![0x11ec, 0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101],
        signature_algorithms: vec![
            0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201,
        ],
        alpn: alpn(),
        cert_compression: vec![1, 2, 3],
        ech_grease: true,
    };
    profile(
        "firefox_153",
        tls,
        &[
            (
                "User-Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:153.0) Gecko/20100101 Firefox/153.0",
            ),
            (
                "Accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            ),
            ("Accept-Language", "en-US,en;q=0.9"),
            ("Accept-Encoding", "gzip, deflate, br, zstd"),
            ("Connection", "keep-alive"),
            ("Upgrade-Insecure-Requests", "1"),
            ("Sec-Fetch-Dest", "document"),
            ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-Site", "none"),
            ("Priority", "u=0, i"),
        ],
        Some(&FIREFOX_FETCH),
    )
}

/// Safari 18.0 on macOS: the newest Safari with one unambiguous published capture
/// (lexiforest/curl-impersonate `tests/signatures/safari_18.0_macOS.yaml`; the Safari 26
/// captures there disagree between versions of the file). Signature algorithms as captured:
/// `0x0805` twice, no `0x0203`. No HTTP/1.1 capture of Safari is published, so the headers
/// are its HTTP/2 ones from the same capture, in that order, with HTTP/1.1 name case.
pub(super) fn safari_18() -> Profile {
    let tls = TlsSpec {
        cipher_suites: vec![
            0x1301, 0x1302, 0x1303, 0xc02c, 0xc02b, 0xcca9, 0xc030, 0xc02f, 0xcca8, 0xc00a, 0xc009,
            0xc014, 0xc013, 0x009d, 0x009c, 0x0035, 0x002f, 0xc008, 0xc012, 0x000a,
        ],
        groups: vec![0x001d, 0x0017, 0x0018, 0x0019],
        signature_algorithms: vec![
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201,
        ],
        alpn: alpn(),
        cert_compression: vec![1],
        ech_grease: false,
    };
    profile(
        "safari_18",
        tls,
        &[
            ("Sec-Fetch-Dest", "document"),
            (
                "User-Agent",
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
            ),
            (
                "Accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            ),
            ("Sec-Fetch-Site", "none"),
            ("Sec-Fetch-Mode", "navigate"),
            ("Accept-Language", "en-US,en;q=0.9"),
            ("Priority", "u=0, i"),
            ("Accept-Encoding", "gzip, deflate, br"),
            ("Connection", "keep-alive"),
        ],
        Some(&SAFARI_FETCH),
    )
}

/// Safari 18.0 on iOS: the same TLS and headers as on macOS, with the iPhone User-Agent
/// (lexiforest/curl-impersonate `tests/signatures/safari_18.0_iOS.yaml`).
pub(super) fn safari_ios_18() -> Profile {
    safari_18()
        .to_builder()
        .name("safari_ios_18")
        .header(
            "User-Agent",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
        )
        .build()
        .unwrap_or_else(|_| safari_18())
}

/// OkHttp 4.12 on Android 10 and later. TLS: bogdanfinn/tls-client
/// `profiles/contributed_custom_profiles.go` (`Okhttp4Android10`, the Conscrypt order; no
/// certificate compression, no GREASE). Headers: what OkHttp's `BridgeInterceptor` adds, in
/// its order (square/okhttp `okhttp3/internal/http/BridgeInterceptor.kt`): `Host`,
/// `Connection: Keep-Alive`, `Accept-Encoding: gzip`, `User-Agent: okhttp/4.12.0`. OkHttp puts
/// `Content-Type` and `Content-Length` before `Host`; this client puts them last. OkHttp does
/// not tell a page load from a script's request: one set serves both modes.
pub(super) fn okhttp4_android() -> Profile {
    let tls = TlsSpec {
        cipher_suites: vec![
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8, 0xc013, 0xc014,
            0x009c, 0x009d, 0x002f, 0x0035,
        ],
        groups: vec![0x001d, 0x0017, 0x0018],
        signature_algorithms: vec![
            0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201,
        ],
        alpn: alpn(),
        cert_compression: vec![],
        ech_grease: false,
    };
    profile(
        "okhttp4_android",
        tls,
        &[
            ("Connection", "Keep-Alive"),
            ("Accept-Encoding", "gzip"),
            ("User-Agent", "okhttp/4.12.0"),
        ],
        None,
    )
}
