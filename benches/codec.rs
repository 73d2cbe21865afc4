//! The HTTP/1.1 codec on its own, without I/O: `cargo bench --bench codec`.
//!
//! - parse a typical response head (nginx's), beside httparse alone as the baseline;
//! - encode a typical browser request head (the Chrome profile's);
//! - decode a chunked body of 64 chunks of 1 KiB;
//! - one whole exchange through the state machine (`Exchange`): a GET's head out, nginx's
//!   response head and a 100-byte body in, the reuse decision.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tls_requests::proto::h1::{
    BodyDecoder, Exchange, Framing, Head, Limits, Next, Request, RequestBody, Step, encode_head,
    parse_head,
};
use tls_requests::{HeaderValue, Headers, Method, Profile};

const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 23 Nov 2026 22:00:00 GMT\r\n\
Content-Type: text/html; charset=utf-8\r\nContent-Length: 100\r\nLast-Modified: Mon, 23 Nov 2026 21:00:00 GMT\r\n\
Connection: keep-alive\r\nETag: \"6563a1b0-64\"\r\nAccept-Ranges: bytes\r\n\r\n";

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse response head");
    group.throughput(Throughput::Bytes(HEAD.len() as u64));
    let head = Bytes::from_static(HEAD);
    group.bench_function("httparse alone", |b| {
        b.iter(|| {
            let mut fields = [httparse::EMPTY_HEADER; 100];
            let mut res = httparse::Response::new(&mut fields);
            black_box(res.parse(black_box(HEAD)).unwrap());
        })
    });
    group.bench_function("tls-requests parse_head", |b| {
        b.iter(|| black_box(parse_head(black_box(&head), &Limits::default()).unwrap()))
    });
    group.finish();
}

fn encode(c: &mut Criterion) {
    let mut headers = Headers::new();
    headers
        .append("Host", HeaderValue::from_static("www.example.com"))
        .unwrap();
    for (name, value) in Profile::chrome().headers() {
        headers.append(name, value.clone()).unwrap();
    }
    let mut out = Vec::with_capacity(1024);
    c.bench_function("encode Chrome request head", |b| {
        b.iter(|| {
            out.clear();
            encode_head(
                &Method::GET,
                black_box("/index.html?q=1"),
                black_box(&headers),
                &mut out,
            )
            .unwrap();
            black_box(&out);
        })
    });
}

fn chunked(c: &mut Criterion) {
    let mut body = Vec::new();
    for _ in 0..64 {
        body.extend_from_slice(b"400\r\n");
        body.extend_from_slice(&[b'x'; 1024]);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let mut group = c.benchmark_group("decode chunked body");
    group.throughput(Throughput::Bytes(64 * 1024));
    group.bench_function("64 x 1 KiB", |b| {
        b.iter(|| {
            let mut decoder = BodyDecoder::new(Framing::Chunked);
            let (mut at, mut data) = (0, 0);
            loop {
                match decoder.decode(&body[at..], true).unwrap() {
                    Step::Data { skip, len } => {
                        at += skip + len;
                        data += len;
                    }
                    Step::End { .. } => break,
                    Step::NeedMore { .. } => unreachable!("the whole body is there"),
                }
            }
            black_box(data)
        })
    });
    group.finish();
}

fn exchange(c: &mut Criterion) {
    let mut response = HEAD.to_vec();
    response.extend_from_slice(&[b'x'; 100]);
    let request = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
    c.bench_function("exchange: GET, 100-byte response", |b| {
        b.iter(|| {
            let mut head = Vec::with_capacity(request.len());
            head.extend_from_slice(request);
            let mut ex = Exchange::new(
                Request {
                    head,
                    body: RequestBody::Empty,
                    is_head: false,
                    expect_continue: false,
                    close: false,
                },
                Limits::default(),
            );
            while let Next::Write(data) = ex.next() {
                let n = data.len();
                ex.wrote(n);
            }
            ex.flushed();
            let input = black_box(&response[..]);
            let Ok(Some((Head::Final(head), mut at))) = ex.read_head(input, false) else {
                unreachable!("a whole head")
            };
            loop {
                match ex.decode(&input[at..], false).unwrap() {
                    Step::Data { skip, len } => at += skip + len,
                    Step::End { .. } => break,
                    Step::NeedMore { .. } => unreachable!("the whole body is there"),
                }
            }
            black_box((head, ex.can_reuse()))
        })
    });
}

criterion_group!(benches, parse, encode, chunked, exchange);
criterion_main!(benches);
