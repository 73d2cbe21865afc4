#!/usr/bin/env python3
"""Regenerates fuzz/seeds/ from tests/corpus/*.response (run from the repository root).

The committed seeds are this script's output; rerun it when the test corpus grows.
"""
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
SEEDS = ROOT / "fuzz" / "seeds"
MAX_FILES = 40
SENTINEL = b"SENTINEL-NEXT-MESSAGE"

# Every fixture under 4 KiB; the 64 KiB head-limit fixtures are left out (libFuzzer's
# -max_len is 4096 in fuzz/run.sh).
responses = sorted(p for p in CORPUS.glob("*.response") if p.stat().st_size <= 4096)
# Keep the ones that exercise the most distinct paths first, then fill up in name order.
FIRST = [
    "chunked", "chunked-extensions-trailers", "chunked-32-trailers", "chunked-33-trailers",
    "chunked-invalid-trailer", "chunk-size-17-digits", "chunk-missing-crlf",
    "continue-then-ok", "early-hints-then-ok", "multiple-interim", "switching-protocols-101",
    "head-chunked", "head-content-length", "obs-fold", "obs-fold-tab", "leading-empty-lines",
    "lf-line-endings-chunked", "version-http12", "http2-preface", "http2-settings-frame",
    "content-length-list-identical", "content-length-and-transfer-encoding",
    "transfer-encoding-gzip-chunked", "transfer-encoding-chunked-not-last",
    "close-delimited-http10", "reason-obs-text", "header-value-obs-text", "too-many-headers",
    "exactly-100-headers", "truncated-chunked", "truncated-length", "status-four-digits",
]
by_name = {p.stem: p for p in responses}
chosen = [by_name[n] for n in FIRST if n in by_name]
chosen += [p for p in responses if p not in chosen]
chosen = chosen[:MAX_FILES]


def split_head(raw):
    """The bytes after the first blank line (the final head's end is not needed: seeds)."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            return raw[at + len(sep):]
    return b""


def reset(target):
    d = SEEDS / target
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


head_dir = reset("response_head")
stream_dir = reset("response_stream")
body_dir = reset("chunked_body")
for i, p in enumerate(chosen):
    raw = p.read_bytes()
    (head_dir / p.stem).write_bytes(raw)
    is_head = 1 if p.stem.startswith("head-") else 0
    # Pieces of 1..=8 bytes for half of them, 1..=64 for the others.
    flags = (7 << 1 if i % 2 == 0 else 63 << 1) | is_head
    (stream_dir / p.stem).write_bytes(bytes([flags, i]) + raw)
    body = split_head(raw)
    lower = raw.lower()
    if b"transfer-encoding" in lower and b"chunked" in lower:
        prefix = bytes([0, i, 7])
    elif b"content-length:" in lower:
        line = lower.split(b"content-length:", 1)[1].split(b"\n", 1)[0]
        digits = line.strip().split(b",")[0].strip()
        n = int(digits) if digits.isdigit() and int(digits) < 1024 else 5
        prefix = bytes([2, n // 4, 0x10 | n % 4])
    else:
        prefix = bytes([3, i, 15])
    (body_dir / p.stem).write_bytes(prefix + body)

request_dir = reset("request_input")
REQUESTS = {
    "get-simple": b"GET\nhttps://example.com/\nAccept:*/*",
    "post-query": b"POST\nhttp://example.com:8080/a/b?c=d&e=f\nContent-Type:application/json\n+X-Tag:a\n+X-Tag:b",
    "ipv6": b"GET\nhttp://[::1]:8080/x\nHost:[::1]:8080",
    "ipv4-default-port": b"HEAD\nhttps://127.0.0.1:443/\nUser-Agent:fuzz",
    "relative": b"GET\nusers/42?fields=name\nX-Empty:",
    "relative-absolute-path": b"DELETE\n/root/item#frag\nAuthorization:Bearer abc",
    "unicode-host": b"GET\nhttps://b\\xc3\\xbccher.example/\\xc3\\xa9t\\xc3\\xa9?q=\\xe2\\x9c\\x93\nAccept-Language:fr",
    "crlf-in-value": b"GET\nhttps://example.com/\nX-Injected:a\\r\\nEvil: 1",
    "crlf-in-url": b"GET\nhttps://example.com/a\\r\\nX: y\nAccept:*/*",
    "nul-in-name": b"GET\nhttps://example.com/\nX\\0Y:1",
    "space-in-target": b"GET\n/a b\nX:1",
    "obs-text-value": b"GET\nhttps://example.com/\nX-Latin:caf\\xe9",
    "ows-value": b"GET\nhttps://example.com/\nX-Pad: \\t padded \\t",
    "tab-value": b"GET\nhttps://example.com/\nX-Tab:a\\tb",
    "extension-method": b"PROPFIND\nhttps://dav.example/collection/\nDepth:1",
    "userinfo": b"GET\nhttp://user:pass@example.com/private\nCookie:a=b; c=d",
    "cookie-header": b"GET\nhttps://example.com/\nCookie:session=abc123; Path=/; HttpOnly\n+Cookie:theme=dark",
    "set-host": b"GET\nhttps://example.com/\nhost:other.example\nHOST:third.example",
    "percent-path": b"GET\nhttps://example.com/%2e%2e/%00/%ZZ?x=%0d%0a\nAccept:*/*",
    "non-special": b"GET\nftp://example.com/file\nAccept:*/*",
    "no-host": b"GET\nhttp:///path\nAccept:*/*",
    "data-url": b"GET\ndata:text/plain,hello\nAccept:*/*",
    "huge-port": b"GET\nhttp://example.com:65536/\nAccept:*/*",
    "backslashes": b"GET\nhttps:\\\\\\\\example.com\\\\a\\\\b\nAccept:*/*",
    "del-byte": b"GET\nhttps://example.com/\\x7f\nX:\\x7f",
    "long-header-list": b"GET\nhttps://example.com/\n" + b"\n".join(b"+H%d:v%d" % (i, i) for i in range(20)),
    "bad-names": b"GET\nhttps://example.com/\nX Y:1\nX:Y:2\n:3\n\\xc3\\xa9:4",
}
for name, data in REQUESTS.items():
    (request_dir / name).write_bytes(data)

for d in sorted(SEEDS.iterdir()):
    print(d.name, len(list(d.iterdir())), "files")
