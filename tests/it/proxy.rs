//! Proxies over real sockets: an HTTP proxy taking `http` requests in absolute form, a
//! `CONNECT` tunnel to a TLS origin, SOCKS5 with and without names resolved at the proxy,
//! SOCKS4a, credentials, refusals, a proxy that is down, `no_proxy`, and the pool keeping
//! connections through different proxies apart. The proxies here are small in-process
//! ones, so that each test sees the exact bytes the client sent them.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

use async_io::Async;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use tls_requests::rt::BoxFuture;
use tls_requests::transport::Resolve;
use tls_requests::{AsyncClient, Kind, Proxy};

use crate::support::{Reply, Server, refused_port, run};

/// What a test proxy saw of one connection: the `CONNECT` head or the SOCKS request.
#[derive(Debug, Clone, PartialEq)]
pub enum Asked {
    Connect(String),
    /// The SOCKS5 target: a name (`socks5h`) or an address, then the port.
    Socks5(String, u16),
    Socks4(String, u16),
}

/// A proxy on 127.0.0.1 speaking one protocol, with what it was asked.
pub struct TestProxy {
    addr: SocketAddr,
    asked: Arc<Mutex<Vec<Asked>>>,
    /// For a proxy spoken to over TLS, its certificate.
    cert_pem: Option<String>,
    _task: smol::Task<()>,
}

#[derive(Clone, Copy)]
pub enum Speaks {
    /// `CONNECT`, answering 407 unless `Proxy-Authorization` is this value (when given).
    Connect(Option<&'static str>),
    /// SOCKS5, wanting this user and password (when given), answering `reply` to the
    /// request (0: success).
    Socks5(Option<(&'static str, &'static str)>, u8),
    Socks4a,
}

impl TestProxy {
    pub fn start(speaks: Speaks) -> TestProxy {
        TestProxy::start_with(speaks, None)
    }

    /// A proxy spoken to over TLS, as an `https://` proxy is, with a certificate for
    /// 127.0.0.1.
    pub fn start_tls(speaks: Speaks) -> TestProxy {
        let (acceptor, pem) =
            crate::support::tls_acceptor(&["127.0.0.1"], rustls::DEFAULT_VERSIONS);
        let mut proxy = TestProxy::start_with(speaks, Some(acceptor));
        proxy.cert_pem = Some(pem);
        proxy
    }

    fn start_with(speaks: Speaks, tls: Option<futures_rustls::TlsAcceptor>) -> TestProxy {
        let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let task = smol::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (log, tls) = (log.clone(), tls.clone());
                smol::spawn(async move {
                    let _ = match tls {
                        Some(tls) => match tls.accept(stream).await {
                            Ok(stream) => serve(stream, speaks, &log).await,
                            Err(e) => Err(e),
                        },
                        None => serve(stream, speaks, &log).await,
                    };
                })
                .detach();
            }
        });
        TestProxy {
            addr,
            asked,
            cert_pem: None,
            _task: task,
        }
    }

    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.addr.port())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn asked(&self) -> Vec<Asked> {
        self.asked.lock().unwrap().clone()
    }
}

/// Where the test proxies connect a name to: every name is 127.0.0.1.
fn resolve_here(host: &str, port: u16) -> io::Result<SocketAddr> {
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => Ok(SocketAddr::new(ip, port)),
        Err(_) => Ok(SocketAddr::from(([127, 0, 0, 1], port))),
    }
}

async fn serve(
    mut client: impl futures_lite::AsyncRead + futures_lite::AsyncWrite + Unpin,
    speaks: Speaks,
    log: &Mutex<Vec<Asked>>,
) -> io::Result<()> {
    let target = match speaks {
        Speaks::Connect(wanted) => {
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                let mut byte = [0u8; 1];
                client.read_exact(&mut byte).await?;
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            log.lock().unwrap().push(Asked::Connect(head.clone()));
            let given = head
                .lines()
                .find_map(|l| l.strip_prefix("Proxy-Authorization: "));
            if wanted.is_some_and(|w| given != Some(w)) {
                client
                    .write_all(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
                    )
                    .await?;
                return Ok(());
            }
            let authority = head.split(' ').nth(1).unwrap_or_default().to_owned();
            let (host, port) = authority.rsplit_once(':').unwrap();
            let target = resolve_here(host.trim_matches(['[', ']']), port.parse().unwrap())?;
            client
                .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                .await?;
            target
        }
        Speaks::Socks5(wanted, reply) => {
            let mut greeting = [0u8; 2];
            client.read_exact(&mut greeting).await?;
            let mut methods = vec![0u8; usize::from(greeting[1])];
            client.read_exact(&mut methods).await?;
            if let Some((user, password)) = wanted {
                client.write_all(&[5, 2]).await?;
                let mut version_len = [0u8; 2];
                client.read_exact(&mut version_len).await?;
                let mut given_user = vec![0u8; usize::from(version_len[1])];
                client.read_exact(&mut given_user).await?;
                let mut len = [0u8; 1];
                client.read_exact(&mut len).await?;
                let mut given_password = vec![0u8; usize::from(len[0])];
                client.read_exact(&mut given_password).await?;
                let ok = given_user == user.as_bytes() && given_password == password.as_bytes();
                client.write_all(&[1, if ok { 0 } else { 1 }]).await?;
                if !ok {
                    return Ok(());
                }
            } else {
                client.write_all(&[5, 0]).await?;
            }
            let mut request = [0u8; 4];
            client.read_exact(&mut request).await?;
            let host = match request[3] {
                1 => {
                    let mut ip = [0u8; 4];
                    client.read_exact(&mut ip).await?;
                    std::net::Ipv4Addr::from(ip).to_string()
                }
                4 => {
                    let mut ip = [0u8; 16];
                    client.read_exact(&mut ip).await?;
                    std::net::Ipv6Addr::from(ip).to_string()
                }
                _ => {
                    let mut len = [0u8; 1];
                    client.read_exact(&mut len).await?;
                    let mut name = vec![0u8; usize::from(len[0])];
                    client.read_exact(&mut name).await?;
                    String::from_utf8_lossy(&name).into_owned()
                }
            };
            let mut port = [0u8; 2];
            client.read_exact(&mut port).await?;
            let port = u16::from_be_bytes(port);
            log.lock().unwrap().push(Asked::Socks5(host.clone(), port));
            // The bound address: a domain, to exercise the client's reading of it.
            let mut answer = vec![5, reply, 0, 3, 4];
            answer.extend_from_slice(b"here\x00\x00");
            client.write_all(&answer).await?;
            if reply != 0 {
                return Ok(());
            }
            resolve_here(&host, port)?
        }
        Speaks::Socks4a => {
            let mut fixed = [0u8; 8];
            client.read_exact(&mut fixed).await?;
            let port = u16::from_be_bytes([fixed[2], fixed[3]]);
            let mut rest = Vec::new();
            let zeros = if fixed[4..7] == [0, 0, 0] && fixed[7] != 0 {
                2
            } else {
                1
            };
            while rest.iter().filter(|&&b| b == 0).count() < zeros {
                let mut byte = [0u8; 1];
                client.read_exact(&mut byte).await?;
                rest.push(byte[0]);
            }
            let host = if zeros == 2 {
                let name = rest.split(|&b| b == 0).nth(1).unwrap_or_default();
                String::from_utf8_lossy(name).into_owned()
            } else {
                std::net::Ipv4Addr::new(fixed[4], fixed[5], fixed[6], fixed[7]).to_string()
            };
            log.lock().unwrap().push(Asked::Socks4(host.clone(), port));
            client.write_all(&[0, 0x5a, 0, 0, 0, 0, 0, 0]).await?;
            resolve_here(&host, port)?
        }
    };
    let origin = Async::<std::net::TcpStream>::connect(target).await?;
    let (client_read, client_write) = futures_lite::io::split(client);
    let (origin_read, origin_write) = futures_lite::io::split(origin);
    let up = futures_lite::io::copy(client_read, origin_write);
    let down = futures_lite::io::copy(origin_read, client_write);
    let _ = futures_lite::future::zip(up, down).await;
    Ok(())
}

/// Every name resolves to 127.0.0.1, and each lookup is logged.
#[derive(Clone, Default)]
struct LoggedResolver(Arc<Mutex<Vec<String>>>);

impl Resolve for LoggedResolver {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        self.0.lock().unwrap().push(host.to_owned());
        Box::pin(async move { Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))]) })
    }
}

#[test]
fn an_http_proxy_gets_http_requests_in_absolute_form_with_its_credentials() {
    // The "proxy" is a plain server: it answers what it was asked.
    let proxy = Server::plain(|s| Reply::ok(&s.target));
    let url = format!("http://us%40er:p%3Ass@127.0.0.1:{}", proxy.addr.port());
    let client = AsyncClient::builder()
        .proxy(Proxy::all(&url).unwrap())
        .build()
        .unwrap();
    run(async {
        let response = client
            .get("http://user:pw@origin.example:8080/a/b?q=1#frag")
            .await
            .unwrap();
        assert_eq!(
            response.text().await.unwrap(),
            "http://origin.example:8080/a/b?q=1"
        );
    });
    let seen = &proxy.seen()[0];
    // RFC 7617's encoding of `us@er:p:ss`.
    assert_eq!(
        seen.header("proxy-authorization"),
        Some("Basic dXNAZXI6cDpzcw==")
    );
    assert_eq!(seen.header("host"), Some("origin.example:8080"));
    assert_eq!(seen.header("authorization"), Some("Basic dXNlcjpwdw=="));
}

#[test]
fn https_goes_through_a_connect_tunnel_that_sees_only_chromes_connect_head() {
    let origin = Server::tls(|s| {
        let forwarded = s.header("proxy-authorization").unwrap_or("none");
        Reply::ok(&format!("{} {} {forwarded}", s.method, s.target))
    });
    let proxy = TestProxy::start(Speaks::Connect(Some("Basic dTpw")));
    let client = origin
        .client()
        .proxy(Proxy::all(&proxy.url("http")).unwrap().basic_auth("u", "p"))
        // A layer's own Proxy-Authorization would reach the origin through the tunnel.
        .header("Proxy-Authorization", "Basic bGVhazpsZWFr")
        .build()
        .unwrap();
    run(async {
        let response = client.get(origin.url("/secret?x=1")).await.unwrap();
        assert_eq!(response.text().await.unwrap(), "GET /secret?x=1 none");
        // The tunnel is a pooled connection: the next request takes it.
        let big = client.get(origin.url("/again")).await.unwrap();
        assert_eq!(big.text().await.unwrap(), "GET /again none");
    });
    let port = origin.addr.port();
    let agent = tls_requests::Profile::chrome()
        .headers()
        .get("user-agent")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        proxy.asked(),
        [Asked::Connect(format!(
            "CONNECT localhost:{port} HTTP/1.1\r\nHost: localhost:{port}\r\n\
             Proxy-Connection: keep-alive\r\nUser-Agent: {agent}\r\n\
             Proxy-Authorization: Basic dTpw\r\n\r\n"
        ))]
    );
    assert_eq!(origin.connections(), 1);
    // The profile's headers went to the origin, inside the tunnel.
    assert_eq!(origin.seen()[0].header("user-agent"), Some(agent.as_str()));
}

#[test]
fn a_megabyte_comes_through_the_tunnel_intact() {
    let body: String = (0..1 << 20)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    let expected = body.clone();
    let origin = Server::tls(move |_| Reply::ok(&body));
    let proxy = TestProxy::start(Speaks::Connect(None));
    let client = origin
        .client()
        .proxy(Proxy::https(&proxy.url("http")).unwrap())
        .build()
        .unwrap();
    let got = run(async {
        client
            .get(origin.url("/big"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(
        got == expected,
        "{} bytes, not the megabyte sent",
        got.len()
    );
}

#[test]
fn proxy_refusals_are_proxy_errors_that_name_the_status_not_the_secret() {
    let origin = Server::tls(|_| Reply::ok("never"));
    let proxy = TestProxy::start(Speaks::Connect(Some("Basic right")));
    let client = origin
        .client()
        .proxy(Proxy::all(&format!("http://u:hunter2@127.0.0.1:{}", proxy.addr.port())).unwrap())
        .build()
        .unwrap();
    let err = run(client.get(origin.url("/")).send()).unwrap_err();
    assert_eq!(err.kind(), Kind::Proxy, "{err}");
    assert!(err.is_proxy());
    let printed = format!("{err} {err:?}");
    assert!(
        printed.contains("407 Proxy Authentication Required"),
        "{printed}"
    );
    assert!(!printed.contains("hunter2"), "{printed}");
    assert_eq!(origin.connections(), 0);
}

#[test]
fn a_proxy_that_is_down_is_a_connect_error_naming_the_proxy() {
    let port = refused_port();
    let client = AsyncClient::builder()
        .proxy(Proxy::all(&format!("socks5://u:hunter2@127.0.0.1:{port}")).unwrap())
        .build()
        .unwrap();
    let err = run(client.get("https://example.com/").send()).unwrap_err();
    assert!(err.is_connect(), "{err}");
    let printed = err.to_string();
    assert!(
        printed.contains(&format!("proxy http://127.0.0.1:{port}")),
        "{printed}"
    );
    assert!(!printed.contains("hunter2"), "{printed}");
}

#[test]
fn socks5_resolves_here_and_socks5h_at_the_proxy() {
    let origin = Server::plain(|s| Reply::ok(&format!("via socks {}", s.target)));
    let port = origin.addr.port();
    let url = format!("http://origin.test:{port}/x");
    for (scheme, asked_for, looked_up) in [
        ("socks5", "127.0.0.1", vec!["origin.test".to_owned()]),
        ("socks5h", "origin.test", vec![]),
    ] {
        let proxy = TestProxy::start(Speaks::Socks5(Some(("alice", "s3cret")), 0));
        let resolver = LoggedResolver::default();
        let proxy_url = format!("{scheme}://alice:s3cret@127.0.0.1:{}", proxy.addr.port());
        let client = AsyncClient::builder()
            .resolver(resolver.clone())
            .proxy(Proxy::all(&proxy_url).unwrap())
            .build()
            .unwrap();
        let text = run(async { client.get(&url).await.unwrap().text().await.unwrap() });
        assert_eq!(text, "via socks /x");
        assert_eq!(
            proxy.asked(),
            [Asked::Socks5(asked_for.into(), port)],
            "{scheme}"
        );
        // The proxy's own address is an IP: nothing else is looked up.
        assert_eq!(*resolver.0.lock().unwrap(), looked_up, "{scheme}");
    }
}

#[test]
fn socks5_failures_say_what_failed() {
    let wrong = TestProxy::start(Speaks::Socks5(Some(("alice", "right")), 0));
    let client = AsyncClient::builder()
        .proxy(
            Proxy::all(&wrong.url("socks5h"))
                .unwrap()
                .basic_auth("alice", "wrong"),
        )
        .build()
        .unwrap();
    let err = run(client.get("http://origin.test/").send()).unwrap_err();
    assert_eq!(err.kind(), Kind::Proxy, "{err}");
    assert!(err.to_string().contains("authentication failed"), "{err}");
    assert!(!err.to_string().contains("wrong"), "{err}");

    let no_credentials = AsyncClient::builder()
        .proxy(Proxy::all(&wrong.url("socks5h")).unwrap())
        .build()
        .unwrap();
    let err = run(no_credentials.get("http://origin.test/").send()).unwrap_err();
    assert!(
        err.to_string().contains("wants a user name and password"),
        "{err}"
    );

    let refusing = TestProxy::start(Speaks::Socks5(None, 5));
    let client = AsyncClient::builder()
        .proxy(Proxy::all(&refusing.url("socks5h")).unwrap())
        .build()
        .unwrap();
    let err = run(client.get("http://origin.test/").send()).unwrap_err();
    assert_eq!(err.kind(), Kind::Proxy, "{err}");
    assert!(
        err.to_string()
            .contains("connection refused (reply code 5)"),
        "{err}"
    );

    // A plain HTTP server is no SOCKS proxy.
    let http = Server::plain(|_| Reply::ok("hello"));
    let client = AsyncClient::builder()
        .proxy(Proxy::all(&format!("socks5h://127.0.0.1:{}", http.addr.port())).unwrap())
        .build()
        .unwrap();
    let err = run(client.get("http://origin.test/").send()).unwrap_err();
    assert_eq!(err.kind(), Kind::Proxy, "{err}");
}

#[test]
fn socks4a_sends_names_to_the_proxy() {
    let origin = Server::plain(|_| Reply::ok("via socks4a"));
    let port = origin.addr.port();
    let proxy = TestProxy::start(Speaks::Socks4a);
    let client = AsyncClient::builder()
        .proxy(Proxy::all(&format!("socks4a://me@127.0.0.1:{}", proxy.addr.port())).unwrap())
        .build()
        .unwrap();
    run(async {
        let by_name = client
            .get(format!("http://origin.test:{port}/"))
            .await
            .unwrap();
        assert_eq!(by_name.text().await.unwrap(), "via socks4a");
        let by_ip = client.get(origin.url("/")).await.unwrap();
        assert_eq!(by_ip.text().await.unwrap(), "via socks4a");
    });
    assert_eq!(
        proxy.asked(),
        [
            Asked::Socks4("origin.test".into(), port),
            Asked::Socks4("127.0.0.1".into(), port)
        ]
    );
}

#[test]
fn no_proxy_hosts_go_direct_and_tunnels_are_pooled() {
    let origin = Server::plain(|s| Reply::ok(&s.target));
    let proxy = TestProxy::start(Speaks::Socks5(None, 0));
    let direct = AsyncClient::builder()
        .proxy(
            Proxy::all(&proxy.url("socks5"))
                .unwrap()
                .no_proxy("127.0.0.1"),
        )
        .build()
        .unwrap();
    run(async {
        let text = direct
            .get(origin.url("/direct"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text, "/direct");
    });
    assert!(proxy.asked().is_empty());
    assert_eq!(origin.connections(), 1);

    // Through the proxy, the tunnel is pooled like any connection.
    let proxied = AsyncClient::builder()
        .proxy(
            Proxy::http(&proxy.url("socks5h"))
                .unwrap()
                .no_proxy("localhost"),
        )
        .build()
        .unwrap();
    run(async {
        for _ in 0..2 {
            proxied
                .get(origin.url("/p"))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
        }
    });
    assert_eq!(proxy.asked().len(), 1, "one tunnel, reused");
    assert_eq!(origin.connections(), 2);
}

#[test]
fn a_rotator_skips_a_failing_proxy_and_pools_each_proxy_apart() {
    use std::time::Duration;
    use tls_requests::{Retry, Rotator};
    let origin = Server::plain(|s| Reply::ok(&s.target));
    let (first, second) = (
        TestProxy::start(Speaks::Socks5(None, 0)),
        TestProxy::start(Speaks::Socks5(None, 0)),
    );
    let down = format!("socks5h://127.0.0.1:{}", refused_port());
    let rotator = Rotator::new([
        Proxy::all(&first.url("socks5h")).unwrap(),
        Proxy::all(&down).unwrap(),
        Proxy::all(&second.url("socks5h")).unwrap(),
    ]);
    let client = AsyncClient::builder()
        .proxy_rotator(rotator.clone())
        .retry(Retry::new(1).backoff(Duration::from_millis(1), Duration::from_millis(2)))
        .build()
        .unwrap();
    run(async {
        for n in 0..5 {
            let path = format!("/{n}");
            let text = client
                .get(origin.url(&path))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(text, path);
        }
        // A request's own proxy wins over the rotator.
        let own = client
            .get(origin.url("/own"))
            .proxy(Proxy::all(&second.url("socks5h")).unwrap())
            .await
            .unwrap();
        own.bytes().await.unwrap();
    });
    // The down proxy was tried once, then left out; each good one carried its requests on
    // one tunnel of its own, never the other's.
    assert_eq!((first.asked().len(), second.asked().len()), (1, 1));
    assert_eq!(origin.connections(), 2);
    assert_eq!(origin.seen().len(), 6);
}

#[test]
fn an_https_proxy_is_spoken_to_over_tls_then_tunnels_the_origins_tls() {
    let origin = Server::tls(|s| Reply::ok(&format!("secure {}", s.target)));
    let proxy = TestProxy::start_tls(Speaks::Connect(Some("Basic dTpw")));
    let proxy_cert =
        tls_requests::Certificate::from_pem(proxy.cert_pem.as_ref().unwrap().as_bytes());
    let client = origin
        .client()
        .add_root_certificate(proxy_cert.unwrap().remove(0))
        .proxy(Proxy::all(&format!("https://u:p@127.0.0.1:{}", proxy.addr.port())).unwrap())
        .build()
        .unwrap();
    run(async {
        let secure = client
            .get(origin.url("/s"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(secure, "secure /s");
    });
    assert!(
        matches!(&proxy.asked()[..], [Asked::Connect(head)] if head.starts_with("CONNECT localhost:"))
    );
    // An http URL goes to an https proxy over TLS, in absolute form.
    let forwarding = Server::tls(|s| Reply::ok(&format!("forwarded {}", s.target)));
    let via_tls = format!("https://127.0.0.1:{}", forwarding.addr.port());
    let client = forwarding
        .client()
        .proxy(Proxy::all(&via_tls).unwrap())
        .build()
        .unwrap();
    let text = run(async {
        client
            .get("http://origin.test/x")
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert_eq!(text, "forwarded http://origin.test/x");
    assert_eq!(
        forwarding.seen()[0]
            .tls_version
            .as_deref()
            .map(|v| v.starts_with("TLS")),
        Some(true)
    );
    // A proxy whose certificate is not trusted is a TLS error naming the proxy.
    let untrusting = AsyncClient::builder()
        .proxy(Proxy::all(&format!("https://127.0.0.1:{}", proxy.addr.port())).unwrap())
        .build()
        .unwrap();
    let err = run(untrusting.get(origin.url("/")).send()).unwrap_err();
    assert!(
        err.is_tls() && err.to_string().contains("proxy https://127.0.0.1:"),
        "{err}"
    );
}
