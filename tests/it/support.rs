//! In-process test servers over real sockets: plain TCP and TLS (a certificate made at
//! start), each answering requests with a scripted [`Reply`] and counting connections.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_io::{Async, Timer};
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A request as the test server read it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// The request head exactly as received.
    pub head: String,
    pub method: String,
    pub target: String,
    /// Names and values in order, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which connection (0-based, in accept order) carried it.
    pub conn: usize,
    /// The ALPN protocol negotiated, on TLS connections.
    pub alpn: Option<String>,
    /// The TLS version negotiated, on TLS connections.
    pub tls_version: Option<String>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does for one request, step by step. A request with
/// `Expect: 100-continue` gets `100 Continue` before its body is read, as real servers do.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    steps: Vec<Step>,
}

#[derive(Debug, Clone)]
enum Step {
    Send(Vec<u8>),
    Wait(Duration),
    /// `count` copies of `chunk`.
    Repeat(Vec<u8>, usize),
    /// Tells the test that every step before it has been written out.
    Signal(smol::channel::Sender<()>),
    /// Waits for the test's go.
    Until(smol::channel::Receiver<()>),
    Close,
}

impl Reply {
    /// `200 OK` with `body` and its length.
    pub fn ok(body: &str) -> Reply {
        Reply::status(200, &[], body)
    }

    /// `code` with extra headers and `body`; `Content-Length` is added.
    pub fn status(code: u16, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut head = format!("HTTP/1.1 {code} {}\r\n", reason(code));
        for (n, v) in headers {
            head.push_str(&format!("{n}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        Reply::raw(head.as_bytes())
    }

    /// Bytes exactly as given.
    pub fn raw(bytes: &[u8]) -> Reply {
        Reply {
            steps: vec![Step::Send(bytes.to_vec())],
        }
    }

    /// Nothing yet: the steps come from the builder methods.
    pub fn new() -> Reply {
        Reply::default()
    }

    pub fn send(mut self, bytes: &[u8]) -> Reply {
        self.steps.push(Step::Send(bytes.to_vec()));
        self
    }

    pub fn wait(mut self, d: Duration) -> Reply {
        self.steps.push(Step::Wait(d));
        self
    }

    pub fn repeat(mut self, chunk: &[u8], count: usize) -> Reply {
        self.steps.push(Step::Repeat(chunk.to_vec(), count));
        self
    }

    /// Sends `()` on `done` once the steps before have been written to the socket, so that a
    /// test can act after bytes it knows have reached the client's side.
    pub fn signal(mut self, done: smol::channel::Sender<()>) -> Reply {
        self.steps.push(Step::Signal(done));
        self
    }

    /// Waits, once the steps before have been written, until the test sends `()` on `go`'s
    /// channel (or drops it), so that what follows comes when the test says.
    pub fn until(mut self, go: smol::channel::Receiver<()>) -> Reply {
        self.steps.push(Step::Until(go));
        self
    }

    pub fn close(mut self) -> Reply {
        self.steps.push(Step::Close);
        self
    }
}

fn reason(code: u16) -> &'static str {
    http::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// A running server; it stops accepting when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub tls: bool,
    /// PEM of the self-signed certificate, for TLS servers.
    pub cert_pem: String,
    state: Arc<State>,
    _task: smol::Task<()>,
}

#[derive(Default)]
struct State {
    accepted: AtomicUsize,
    open: AtomicUsize,
    peak_open: AtomicUsize,
    seen: Mutex<Vec<Seen>>,
}

const LOOPBACK_V4: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
const LOOPBACK_V6: std::net::IpAddr = std::net::IpAddr::V6(std::net::Ipv6Addr::LOCALHOST);

impl Server {
    /// A plain HTTP server answering with `handler`.
    pub fn plain(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        Server::start(LOOPBACK_V4, None, String::new(), Arc::new(handler))
    }

    /// A plain HTTP server on `::1`.
    pub fn plain_v6(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        Server::start(LOOPBACK_V6, None, String::new(), Arc::new(handler))
    }

    /// A TLS server on `::1`, with a certificate for it.
    pub fn tls_v6(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        let (acceptor, pem) = tls_acceptor(&["::1"], rustls::DEFAULT_VERSIONS);
        Server::start(LOOPBACK_V6, Some(acceptor), pem, Arc::new(handler))
    }

    /// A TLS server (TLS 1.2 and 1.3, ALPN http/1.1) with a certificate for `localhost`.
    pub fn tls(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        Server::tls_for(&["localhost", "127.0.0.1"], handler)
    }

    /// A TLS server whose certificate names only `names`.
    pub fn tls_for(
        names: &[&str],
        handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Server::tls_with(names, rustls::DEFAULT_VERSIONS, handler)
    }

    /// A TLS server that speaks TLS 1.2 only.
    pub fn tls12_only(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Server {
        Server::tls_with(&["localhost"], &[&rustls::version::TLS12], handler)
    }

    fn tls_with(
        names: &[&str],
        versions: &[&'static rustls::SupportedProtocolVersion],
        handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let (acceptor, pem) = tls_acceptor(names, versions);
        Server::start(LOOPBACK_V4, Some(acceptor), pem, Arc::new(handler))
    }

    fn start(
        ip: std::net::IpAddr,
        tls: Option<futures_rustls::TlsAcceptor>,
        cert_pem: String,
        handler: Arc<Handler>,
    ) -> Server {
        let listener = Async::<TcpListener>::bind((ip, 0)).expect("bind");
        let addr = listener.get_ref().local_addr().expect("addr");
        let state = Arc::new(State::default());
        let is_tls = tls.is_some();
        let st = state.clone();
        let task = smol::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let conn = st.accepted.fetch_add(1, Ordering::SeqCst);
                let open = st.open.fetch_add(1, Ordering::SeqCst) + 1;
                st.peak_open.fetch_max(open, Ordering::SeqCst);
                let (st, handler, tls) = (st.clone(), handler.clone(), tls.clone());
                smol::spawn(async move {
                    let _ = serve(stream, tls, conn, &st, &*handler).await;
                    st.open.fetch_sub(1, Ordering::SeqCst);
                })
                .detach();
            }
        });
        Server {
            addr,
            tls: is_tls,
            cert_pem,
            state,
            _task: task,
        }
    }

    /// `scheme://127.0.0.1:port` + `path` (or `localhost` for TLS, to match the certificate).
    pub fn url(&self, path: &str) -> String {
        let port = self.addr.port();
        match (self.tls, self.addr.is_ipv6()) {
            (true, false) => format!("https://localhost:{port}{path}"),
            (false, false) => format!("http://127.0.0.1:{port}{path}"),
            (true, true) => format!("https://[::1]:{port}{path}"),
            (false, true) => format!("http://[::1]:{port}{path}"),
        }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.accepted.load(Ordering::SeqCst)
    }

    /// Connections open right now.
    pub fn open(&self) -> usize {
        self.state.open.load(Ordering::SeqCst)
    }

    /// The most connections that were open at once.
    pub fn peak_open(&self) -> usize {
        self.state.peak_open.load(Ordering::SeqCst)
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    /// A client that trusts this server's certificate.
    pub fn client(&self) -> tls_requests::ClientBuilder {
        let builder = tls_requests::AsyncClient::builder();
        if self.tls {
            let certs = tls_requests::Certificate::from_pem(self.cert_pem.as_bytes()).unwrap();
            certs
                .into_iter()
                .fold(builder, |b, c| b.add_root_certificate(c))
        } else {
            builder
        }
    }
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

async fn serve(
    tcp: Async<std::net::TcpStream>,
    tls: Option<futures_rustls::TlsAcceptor>,
    conn: usize,
    state: &State,
    handler: &Handler,
) -> io::Result<()> {
    let (mut stream, (alpn, tls_version)): (Pin<Box<dyn Stream>>, _) = match tls {
        Some(acceptor) => {
            let s = acceptor.accept(tcp).await?;
            let conn = s.get_ref().1;
            let alpn = conn
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned());
            let version = conn.protocol_version().map(|v| format!("{v:?}"));
            (Box::pin(s), (alpn, version))
        }
        None => (Box::pin(tcp), (None, None)),
    };
    let mut buf = Vec::new();
    loop {
        let Some((mut seen, used)) = read_head(&mut stream, &mut buf).await? else {
            return Ok(());
        };
        seen.conn = conn;
        seen.alpn = alpn.clone();
        seen.tls_version = tls_version.clone();
        buf.drain(..used);
        if seen
            .header("expect")
            .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        {
            stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
            stream.flush().await?;
        }
        seen.body = read_body(&mut stream, &mut buf, &seen).await?;
        let reply = handler(&seen);
        let is_head = seen.method == "HEAD";
        state.seen.lock().unwrap().push(seen);
        for step in reply.steps {
            match step {
                // A response to HEAD ends with its head.
                Step::Send(bytes) if is_head => stream.write_all(head_only(&bytes)).await?,
                Step::Send(bytes) => stream.write_all(&bytes).await?,
                Step::Repeat(chunk, count) => {
                    for _ in 0..count {
                        stream.write_all(&chunk).await?;
                    }
                }
                Step::Wait(d) => {
                    // Waits, but notices at once if the client goes away meanwhile.
                    stream.flush().await?;
                    let sleep = async {
                        Timer::after(d).await;
                        Ok(1)
                    };
                    if futures_lite::future::or(sleep, fill(&mut stream, &mut buf)).await? == 0 {
                        return Ok(());
                    }
                }
                Step::Until(go) => {
                    stream.flush().await?;
                    let _ = go.recv().await;
                }
                Step::Signal(done) => {
                    stream.flush().await?;
                    let _ = done.try_send(());
                }
                Step::Close => {
                    stream.flush().await?;
                    stream.close().await?;
                    return Ok(());
                }
            }
        }
        stream.flush().await?;
    }
}

fn head_only(bytes: &[u8]) -> &[u8] {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(bytes, |i| &bytes[..i + 4])
}

async fn fill(stream: &mut Pin<Box<dyn Stream>>, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut chunk = [0u8; 16384];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n)
}

async fn read_head(
    stream: &mut Pin<Box<dyn Stream>>,
    buf: &mut Vec<u8>,
) -> io::Result<Option<(Seen, usize)>> {
    loop {
        let mut fields = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut fields);
        if let httparse::Status::Complete(used) = req
            .parse(buf)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
        {
            let seen = Seen {
                head: String::from_utf8_lossy(&buf[..used]).into_owned(),
                method: req.method.unwrap_or_default().to_owned(),
                target: req.path.unwrap_or_default().to_owned(),
                headers: req
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect(),
                body: Vec::new(),
                conn: 0,
                alpn: None,
                tls_version: None,
            };
            return Ok(Some((seen, used)));
        }
        if fill(stream, buf).await? == 0 {
            return Ok(None);
        }
    }
}

/// The body by Content-Length or chunked; decoded here independently of the client's codec.
async fn read_body(
    stream: &mut Pin<Box<dyn Stream>>,
    buf: &mut Vec<u8>,
    seen: &Seen,
) -> io::Result<Vec<u8>> {
    let eof = || io::Error::from(io::ErrorKind::UnexpectedEof);
    if seen
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = buf.windows(2).position(|w| w == b"\r\n") {
                    break i;
                }
                if fill(stream, buf).await? == 0 {
                    return Err(eof());
                }
            };
            let size_str = std::str::from_utf8(&buf[..line_end]).map_err(|_| eof())?;
            let size = usize::from_str_radix(size_str.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| eof())?;
            while buf.len() < line_end + 2 + size + 2 {
                if fill(stream, buf).await? == 0 {
                    return Err(eof());
                }
            }
            body.extend_from_slice(&buf[line_end + 2..line_end + 2 + size]);
            buf.drain(..line_end + 2 + size + 2);
            if size == 0 {
                return Ok(body);
            }
        }
    }
    let len: usize = seen
        .header("content-length")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < len {
        if fill(stream, buf).await? == 0 {
            return Err(eof());
        }
    }
    Ok(buf.drain(..len).collect())
}

/// The `User-Agent` of [`minimal_profile`].
pub const USER_AGENT: &str = concat!("tls-requests/", env!("CARGO_PKG_VERSION"));

/// [`Profile::none`](tls_requests::Profile::none) (Chrome's TLS) with two default headers only
/// (`User-Agent`, `Accept`), the same in both modes, for tests of how the client layers
/// headers, apart from the browser data.
pub fn minimal_profile() -> tls_requests::Profile {
    let mut headers = tls_requests::Headers::new();
    headers
        .append(
            "User-Agent",
            tls_requests::HeaderValue::from_static(USER_AGENT),
        )
        .unwrap();
    headers
        .append("Accept", tls_requests::HeaderValue::from_static("*/*"))
        .unwrap();
    tls_requests::Profile::none()
        .to_builder()
        .name("minimal")
        .headers(headers)
        .build()
        .unwrap()
}

/// [`minimal_profile`] with `extra` fields appended to its headers.
pub fn minimal_profile_with(extra: &[(&str, &'static str)]) -> tls_requests::Profile {
    let mut headers = minimal_profile().headers().clone();
    for (name, value) in extra {
        let value = tls_requests::HeaderValue::from_static(value);
        headers.append(name, value).unwrap();
    }
    minimal_profile()
        .to_builder()
        .headers(headers)
        .build()
        .unwrap()
}

/// GETs `url` with `client` and reads the body to its end.
pub async fn fetch(
    client: &tls_requests::AsyncClient,
    url: impl tls_requests::IntoUrl,
) -> bytes::Bytes {
    client.get(url).await.unwrap().bytes().await.unwrap()
}

/// GETs `url` and reads the body as text.
pub async fn text(client: &tls_requests::AsyncClient, url: impl tls_requests::IntoUrl) -> String {
    client.get(url).await.unwrap().text().await.unwrap()
}

/// GETs `paths` at once, each from a task of its own, with one client; the bodies in order.
pub async fn get_all(
    client: &tls_requests::AsyncClient,
    server: &Server,
    paths: &[String],
) -> Vec<String> {
    let tasks: Vec<_> = paths
        .iter()
        .map(|path| {
            let (client, url) = (client.clone(), server.url(path));
            smol::spawn(async move { client.get(url).await?.text().await })
        })
        .collect();
    let mut bodies = Vec::new();
    for task in tasks {
        bodies.push(task.await.unwrap());
    }
    bodies
}

/// Runs `f` on smol's executor; every test body goes through here.
pub fn run<T>(f: impl std::future::Future<Output = T>) -> T {
    smol::block_on(f)
}

/// An address on `ip` where connecting is refused, for as long as the test process runs.
///
/// A socket stays bound there without listening and without `SO_REUSEADDR`, so no other
/// test's listener (std binds with `SO_REUSEADDR`) can be given the port meanwhile: a port
/// merely bound and closed again could be, and the "refused" connect would then succeed.
pub fn refused_addr(ip: std::net::IpAddr) -> SocketAddr {
    use rustix::net::{AddressFamily, SocketType};
    let family = if ip.is_ipv4() {
        AddressFamily::INET
    } else {
        AddressFamily::INET6
    };
    let socket = rustix::net::socket(family, SocketType::STREAM, None).expect("a TCP socket");
    rustix::net::bind(&socket, &SocketAddr::new(ip, 0)).expect("bind the refused port");
    let addr = SocketAddr::try_from(rustix::net::getsockname(&socket).expect("its address"))
        .expect("an IP address");
    // Kept open until the process ends, so the port stays taken.
    std::mem::forget(socket);
    addr
}

/// A port on 127.0.0.1 where connecting is refused (see [`refused_addr`]).
pub fn refused_port() -> u16 {
    refused_addr(std::net::Ipv4Addr::LOCALHOST.into()).port()
}

/// The `fetch` example of this build. `cargo test` builds examples, but `cargo test --test
/// it` does not, and would leave a missing or stale one: so it is built here, in the same
/// profile (a no-op, well under a second, when it is fresh; cargo holds no lock while tests
/// run).
pub fn fetch_example() -> std::path::PathBuf {
    // Test binaries live in target/<profile>/deps, examples in target/<profile>/examples.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(name) => name,
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--example",
            "fetch",
            "--profile",
            profile,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "cargo build --example fetch: {stderr}"
    );
    let path = profile_dir
        .join("examples")
        .join(format!("fetch{}", std::env::consts::EXE_SUFFIX));
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// What a run of the `fetch` example gave: its exit status, stdout and stderr.
pub struct FetchRun {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the `fetch` example with `args`, and the environment variables `env` besides the
/// test's own (minus any proxy variables of the machine's, which would change what it does).
pub fn run_fetch(args: &[&str], env: &[(&str, &str)]) -> FetchRun {
    let mut command = std::process::Command::new(fetch_example());
    for name in ["http_proxy", "https_proxy", "all_proxy", "no_proxy"] {
        command
            .env_remove(name)
            .env_remove(name.to_ascii_uppercase());
    }
    let out = command
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    FetchRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A TLS acceptor (ALPN http/1.1, `versions`) with a self-signed certificate made now for
/// `names`, and that certificate's PEM.
pub fn tls_acceptor(
    names: &[&str],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> (futures_rustls::TlsAcceptor, String) {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let cert = rcgen::generate_simple_self_signed(names).expect("certificate");
    let pem = cert.cert.pem();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert.cert.der().to_vec())], key)
        .expect("server config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (futures_rustls::TlsAcceptor::from(Arc::new(config)), pem)
}

/// The stdout of a `fetch` run that must succeed (a panic with its stderr otherwise).
pub fn fetch_ok(args: &[&str]) -> String {
    let run = run_fetch(args, &[]);
    assert_eq!(run.code, Some(0), "fetch {args:?}: {}", run.stderr);
    run.stdout
}
