//! The request head on the wire: for every profile and a range of requests, the fields the
//! server receives are `Host`, the profile's own headers ([`Profile::headers`]) and the
//! request's, layered and framed as the rules say, written out by hand here; and the bytes
//! equal `encode_head` over [`AsyncClient::wire_headers`], which says the same.

use std::net::SocketAddr;

use async_io::Async;
use tls_requests::proto::h1::encode_head;
use tls_requests::rt::BoxFuture;
use tls_requests::transport::{Connected, Connector, Destination};
use tls_requests::{AsyncClient, Body, BoxError, Method, Profile, Request};

use crate::support::{Reply, Server, run};

/// Every connection, whatever its destination, goes to one plain test server.
struct ToServer(SocketAddr);

impl Connector for ToServer {
    fn connect<'a>(&'a self, _: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
        Box::pin(async move {
            let tcp = Async::<std::net::TcpStream>::connect(self.0).await?;
            Ok(Connected::new(tcp))
        })
    }
}

type Fields = Vec<(String, String)>;

fn fields(list: &[(&str, &str)]) -> Fields {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Sends `request` and returns the fields the server received, after checking that the head
/// is exactly `encode_head` over `wire_headers()`.
async fn sent(client: &AsyncClient, server: &Server, request: Request) -> Fields {
    let wire = client.wire_headers(&request).unwrap();
    let target = &request.url()[url::Position::BeforePath..url::Position::AfterQuery];
    let mut expected = Vec::new();
    encode_head(request.method(), target, &wire, &mut expected).unwrap();
    let before = server.seen().len();
    client.send(request).await.unwrap().bytes().await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), before + 1);
    assert_eq!(seen[before].head, String::from_utf8_lossy(&expected));
    seen[before].headers.clone()
}

/// A profile's default headers, as the profile states them.
fn profile_headers(profile: &Profile) -> Fields {
    profile
        .headers()
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_str().unwrap().to_owned()))
        .collect()
}

fn request(client: &AsyncClient, method: Method, url: &str, headers: &[(&str, &str)]) -> Request {
    let mut request = client.build_request(method, url).unwrap();
    for (name, value) in headers {
        request
            .headers_mut()
            .append(name, value.parse().unwrap())
            .unwrap();
    }
    request
}

fn with_body(mut request: Request, body: impl Into<Body>) -> Request {
    request.set_body(body);
    request
}

fn streamed(data: &'static [u8]) -> Body {
    Body::from_reader(futures_lite::io::Cursor::new(data))
}

/// `defaults` with `name` (matched ignoring case) replaced in place by `(name, value)`.
fn replaced(defaults: &Fields, name: &str, value: &str) -> Fields {
    let mut out = defaults.clone();
    let i = out
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no default {name}"));
    out[i] = (name.to_owned(), value.to_owned());
    out
}

fn cat(parts: &[&[(String, String)]]) -> Fields {
    parts.concat()
}

#[test]
fn every_profile_sends_exactly_its_wire_headers() {
    let server = Server::plain(|_| Reply::ok("ok"));
    run(async {
        for name in Profile::list() {
            let profile = Profile::by_name(name).unwrap();
            let defaults = profile_headers(&profile);
            let client = AsyncClient::builder()
                .profile(profile)
                .connector(ToServer(server.addr))
                .build()
                .unwrap();
            let get =
                |url: &str, headers: &[(&str, &str)]| request(&client, Method::GET, url, headers);
            let host = |v: &str| fields(&[("Host", v)]);

            // A plain GET: Host, then the profile's headers in its order, nothing else.
            let plain = sent(&client, &server, get("http://example.com/", &[])).await;
            assert_eq!(plain, cat(&[&host("example.com"), &defaults]), "{name}");
            let ua = defaults
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
                .map(|(n, _)| n.clone())
                .unwrap_or_else(|| panic!("{name} has no User-Agent"));
            let with_host = |h: &str| cat(&[&host(h), &defaults]);

            let head = request(&client, Method::HEAD, "https://example.com/a?b=1", &[]);
            assert_eq!(sent(&client, &server, head).await, with_host("example.com"));

            // Ports: only a non-default one is written; IPv6 in brackets; IDNA as punycode.
            for (url, value) in [
                ("https://example.com:443/", "example.com"),
                ("http://example.com:80/", "example.com"),
                ("http://example.com:8080/", "example.com:8080"),
                ("https://example.com:80/", "example.com:80"),
                ("http://[::1]/", "[::1]"),
                ("https://[2001:db8::1]:8443/x", "[2001:db8::1]:8443"),
                ("http://Bücher.Example/", "xn--bcher-kva.example"),
            ] {
                assert_eq!(
                    sent(&client, &server, get(url, &[])).await,
                    with_host(value),
                    "{name} {url}"
                );
            }

            // URL credentials: not in Host, sent as Basic after the defaults.
            let basic = fields(&[("Authorization", "Basic dXNlcjpwdw==")]);
            assert_eq!(
                sent(&client, &server, get("http://user:pw@127.0.0.1:9/", &[])).await,
                cat(&[&host("127.0.0.1:9"), &defaults, &basic]),
                "{name}"
            );

            // Framing last: an empty POST says so; a body its length; a stream is chunked.
            let post = |headers: &[(&str, &str)]| {
                request(&client, Method::POST, "http://example.com/", headers)
            };
            let length = |v: &str| fields(&[("Content-Length", v)]);
            assert_eq!(
                sent(&client, &server, post(&[])).await,
                cat(&[&with_host("example.com"), &length("0")])
            );
            let full = with_body(post(&[]), "hello");
            assert_eq!(
                sent(&client, &server, full).await,
                cat(&[&with_host("example.com"), &length("5")])
            );
            let chunked = fields(&[("Transfer-Encoding", "chunked")]);
            let stream = with_body(post(&[]), streamed(b"streamed"));
            assert_eq!(
                sent(&client, &server, stream).await,
                cat(&[&with_host("example.com"), &chunked])
            );
            // The request's framing fields: replaced in place or removed.
            let full = with_body(
                post(&[
                    ("content-length", "99"),
                    ("Transfer-Encoding", "gzip"),
                    ("X-After", "1"),
                    ("CONTENT-LENGTH", "98"),
                ]),
                "hello",
            );
            assert_eq!(
                sent(&client, &server, full).await,
                cat(&[
                    &with_host("example.com"),
                    &length("5"),
                    &fields(&[("X-After", "1")])
                ])
            );
            let stream = with_body(
                post(&[("transfer-encoding", "gzip"), ("Content-Length", "8")]),
                streamed(b"streamed"),
            );
            assert_eq!(
                sent(&client, &server, stream).await,
                cat(&[&with_host("example.com"), &chunked])
            );

            // A request field takes its default's place with its own case; repeats and new
            // names follow in request order.
            let lower = ua.to_ascii_lowercase();
            let request_fields = [
                (lower.as_str(), "mine"),
                ("X-Rep", "1"),
                (ua.as_str(), "second"),
                ("x-rep", "2"),
            ];
            assert_eq!(
                sent(
                    &client,
                    &server,
                    get("http://example.com/", &request_fields)
                )
                .await,
                cat(&[
                    &host("example.com"),
                    &replaced(&defaults, &lower, "mine"),
                    &fields(&[("X-Rep", "1"), (&ua, "second"), ("x-rep", "2")]),
                ])
            );

            // A request's own Host stays where it is, and no other is added.
            let own_host = [("X-A", "1"), ("host", "other.example:1")];
            assert_eq!(
                sent(&client, &server, get("http://example.com/", &own_host)).await,
                cat(&[&defaults, &fields(&own_host)])
            );

            // Connection: close in the final list closes the connection after the response.
            let conns = server.connections();
            let close = [("Connection", "keep-alive, Close")];
            sent(&client, &server, get("http://example.com/", &close)).await;
            sent(&client, &server, get("http://example.com/", &[])).await;
            assert_eq!(server.connections(), conns + 1, "{name}");

            // Expect: 100-continue waits for the server's interim response (it sends one).
            let expect = with_body(post(&[("expect", "100-Continue")]), "hello");
            sent(&client, &server, expect).await;

            // header_order reorders the final list, Host and framing included.
            let ordered = AsyncClient::builder()
                .profile(Profile::by_name(name).unwrap())
                .connector(ToServer(server.addr))
                .header_order(["content-length", "X-Late", &lower, "HOST"])
                .build()
                .unwrap();
            let request = with_body(
                request(
                    &ordered,
                    Method::PUT,
                    "http://[::1]:8080/",
                    &[("X-Late", "1")],
                ),
                "hello",
            );
            let mut expected = cat(&[
                &length("5"),
                &fields(&[("X-Late", "1"), (&ua, &defaults_value(&defaults, &ua))]),
                &host("[::1]:8080"),
            ]);
            expected.extend(
                defaults
                    .iter()
                    .filter(|(n, _)| !n.eq_ignore_ascii_case(&ua))
                    .cloned(),
            );
            assert_eq!(sent(&ordered, &server, request).await, expected, "{name}");
        }
    });
}

fn defaults_value(defaults: &Fields, name: &str) -> String {
    defaults
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap()
}
