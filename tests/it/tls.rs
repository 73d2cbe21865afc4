//! HTTPS against an in-process rustls server with a certificate made at test time.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use async_io::Async;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use rcgen::{PublicKeyData, SigningKey};
use rustls::HandshakeKind;
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use tls_requests::{AsyncClient, Certificate, Kind, Profile};

use crate::support::{Reply, Server, get_all, run, text};

#[test]
fn https_with_an_added_root_reuses_the_connection() {
    let server =
        Server::tls(|s| Reply::ok(&format!("alpn={}", s.alpn.as_deref().unwrap_or("none"))));
    run(async {
        let client = server.client().build().unwrap();
        for _ in 0..5 {
            let r = client.get(server.url("/")).await.unwrap();
            assert_eq!(r.text().await.unwrap(), "alpn=http/1.1");
        }
        assert_eq!(server.connections(), 1);
        let seen = &server.seen()[0];
        assert_eq!(
            seen.header("host"),
            Some(format!("localhost:{}", server.addr.port()).as_str())
        );
    });
}

#[test]
fn untrusted_certificate_is_a_tls_error_unless_accepted() {
    let server = Server::tls(|_| Reply::ok("secret"));
    run(async {
        let err = AsyncClient::new().get(server.url("/")).await.unwrap_err();
        assert!(err.is_tls(), "{err}");
        assert!(
            err.to_string().contains("UnknownIssuer") || err.to_string().contains("issuer"),
            "{err}"
        );

        let insecure = AsyncClient::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap();
        assert_eq!(text(&insecure, server.url("/")).await, "secret");
    });
}

#[test]
fn certificate_for_another_name_is_rejected() {
    let server = Server::tls_for(&["other.test"], |_| Reply::ok("x"));
    run(async {
        let client = server.client().build().unwrap();
        let err = client.get(server.url("/")).await.unwrap_err();
        assert!(err.is_tls(), "{err}");
        assert!(err.to_string().to_lowercase().contains("name"), "{err}");
    });
}

#[test]
fn tls_to_a_plain_http_server_fails_cleanly() {
    let server = Server::plain(|_| Reply::ok("plain"));
    run(async {
        let url = format!("https://127.0.0.1:{}/", server.addr.port());
        let err = AsyncClient::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap()
            .get(url)
            .await
            .unwrap_err();
        assert!(err.is_tls(), "{err}");
    });
}

#[test]
fn pem_without_certificates_is_a_builder_error() {
    let err = Certificate::from_pem(b"not a pem").unwrap_err();
    assert_eq!(err.kind(), tls_requests::Kind::Builder);
}

#[test]
fn many_tasks_over_tls() {
    let server = Server::tls(|s| Reply::ok(&s.target));
    run(async {
        let client = server.client().max_connections_per_host(8).build().unwrap();
        let paths: Vec<String> = (0..64).map(|i| format!("/{i}")).collect();
        assert_eq!(get_all(&client, &server, &paths).await, paths);
        assert!(server.connections() <= 8);
    });
}

/// A TLS server of its own rustls configuration, for certificates `Server` cannot serve and
/// for the server's view of the handshake. Answers every request with `200 ok` and closes.
struct TlsServer {
    port: u16,
    /// The kind of each handshake, in order.
    kinds: Arc<Mutex<Vec<HandshakeKind>>>,
    _task: smol::Task<()>,
}

impl TlsServer {
    fn start(config: Arc<ServerConfig>) -> TlsServer {
        let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let port = listener.get_ref().local_addr().unwrap().port();
        let acceptor = futures_rustls::TlsAcceptor::from(config);
        let kinds = Arc::new(Mutex::new(Vec::new()));
        let seen = kinds.clone();
        let task = smol::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, seen) = (acceptor.clone(), seen.clone());
                smol::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    seen.lock()
                        .unwrap()
                        .extend(tls.get_ref().1.handshake_kind());
                    let mut head = Vec::new();
                    let mut byte = [0u8];
                    while !head.ends_with(b"\r\n\r\n") {
                        match tls.read(&mut byte).await {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let reply =
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                    let _ = tls.write_all(reply).await;
                    let _ = tls.close().await;
                })
                .detach();
            }
        });
        TlsServer {
            port,
            kinds,
            _task: task,
        }
    }

    /// Serves `cert` as it is, signing with `key`: no check that they fit together or that
    /// the certificate parses.
    fn with_cert(cert: Vec<u8>, key: &PrivateKeyDer<'_>) -> TlsServer {
        let key = rustls::crypto::aws_lc_rs::sign::any_supported_type(key).unwrap();
        let certified = CertifiedKey::new(vec![CertificateDer::from(cert)], key);
        TlsServer::start(Arc::new(
            server_config().with_cert_resolver(Arc::new(SingleCertAndKey::from(certified))),
        ))
    }

    fn url(&self) -> String {
        format!("https://localhost:{}/", self.port)
    }

    fn kinds(&self) -> Vec<HandshakeKind> {
        self.kinds.lock().unwrap().clone()
    }
}

fn server_config() -> rustls::ConfigBuilder<ServerConfig, rustls::server::WantsServerCert> {
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
}

fn insecure() -> AsyncClient {
    AsyncClient::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap()
}

/// DER: `tag`, the definite length of `content`, `content`.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    match len {
        0..=0x7f => out.push(len as u8),
        0x80..=0xff => out.extend([0x81, len as u8]),
        _ => out.extend([0x82, (len >> 8) as u8, len as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// A self-signed X.509 **v1** certificate for CN=localhost (no version field, no
/// extensions), signed with `key` (ECDSA P-256 with SHA-256), made by hand: rcgen writes v3.
fn v1_certificate(key: &rcgen::KeyPair) -> Vec<u8> {
    let ecdsa_with_sha256 = der(0x30, &der(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 4, 3, 2]));
    let common_name = [der(0x06, &[0x55, 4, 3]), der(0x0c, b"localhost")].concat();
    let name = der(0x30, &der(0x31, &der(0x30, &common_name)));
    let validity = [der(0x17, b"250101000000Z"), der(0x17, b"491231235959Z")].concat();
    let tbs = der(
        0x30,
        &[
            der(0x02, &[1]),
            ecdsa_with_sha256.clone(),
            name.clone(),
            der(0x30, &validity),
            name,
            key.subject_public_key_info(),
        ]
        .concat(),
    );
    let signature = key.sign(&tbs).unwrap();
    let signature = der(0x03, &[&[0][..], &signature].concat());
    der(0x30, &[tbs, ecdsa_with_sha256, signature].concat())
}

fn pkcs8(key: &rcgen::KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
}

#[test]
fn accept_invalid_certs_takes_an_x509_v1_certificate() {
    let key = rcgen::KeyPair::generate().unwrap();
    let server = TlsServer::with_cert(v1_certificate(&key), &pkcs8(&key));
    run(async {
        assert_eq!(text(&insecure(), server.url()).await, "ok");
        // Verified, it is refused for what it is.
        let err = AsyncClient::new().get(server.url()).await.unwrap_err();
        assert!(err.is_tls(), "{err}");
        assert!(err.to_string().contains("UnsupportedCertVersion"), "{err}");
    });
}

#[test]
fn accept_invalid_certs_takes_an_unknown_critical_extension() {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    // An OID under the IANA private enterprise arc, meaning nothing to anyone.
    let mut unknown = rcgen::CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 4, 1, 32473, 15, 16],
        der(0x05, &[]),
    );
    unknown.set_criticality(true);
    params.custom_extensions.push(unknown);
    let cert = params.self_signed(&key).unwrap();
    let server = TlsServer::with_cert(cert.der().to_vec(), &pkcs8(&key));
    run(async {
        assert_eq!(text(&insecure(), server.url()).await, "ok");
        let trusting = AsyncClient::builder()
            .add_root_certificate(Certificate::from_der(cert.der()))
            .build()
            .unwrap();
        let err = trusting.get(server.url()).await.unwrap_err();
        assert!(err.is_tls(), "{err}");
        assert!(
            err.to_string().contains("UnsupportedCriticalExtension"),
            "{err}"
        );
    });
}

/// `openssl s_server` with a fresh RSA-1024 key, in a certificate for localhost issued by a
/// fresh ECDSA CA: aws-lc, behind rustls, refuses to sign with an RSA key under 2048 bits.
struct OpensslServer {
    port: u16,
    child: Child,
    ca_pem: Vec<u8>,
    dir: PathBuf,
}

impl OpensslServer {
    fn rsa_1024() -> OpensslServer {
        let dir = std::env::temp_dir().join(format!(
            "tls-requests-rsa1024-{}-{:x}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ext.cnf"), "subjectAltName=DNS:localhost\n").unwrap();
        let openssl = |args: &str| {
            let status = Command::new("openssl")
                .args(args.split(' '))
                .current_dir(&dir)
                .stderr(Stdio::null())
                .status()
                .expect("the openssl command (apt-get install openssl), needed for this test");
            assert!(status.success(), "openssl {args}");
        };
        openssl(
            "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
             -subj /CN=test-ca -keyout ca.key -out ca.pem",
        );
        openssl(
            "req -new -newkey rsa:1024 -nodes -subj /CN=localhost -keyout key.pem -out leaf.csr",
        );
        openssl(
            "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -days 2 -extfile ext.cnf \
             -out cert.pem",
        );
        let mut child = Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", "-www"])
            .args(["-cert", "cert.pem", "-key", "key.pem"])
            // Debian's default security level 2 refuses a 1024-bit key.
            .args(["-cipher", "DEFAULT@SECLEVEL=0"])
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.starts_with("ACCEPT") {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "s_server ended");
        }
        let port = line.trim().rsplit(':').next().unwrap().parse().unwrap();
        // It reports each connection on stdout: keep reading, or it blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        OpensslServer {
            port,
            child,
            ca_pem: std::fs::read(dir.join("ca.pem")).unwrap(),
            dir,
        }
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn accept_invalid_certs_takes_an_rsa_1024_key() {
    let server = OpensslServer::rsa_1024();
    let url = format!("https://localhost:{}/", server.port);
    run(async {
        let r = insecure().get(&url).await.unwrap();
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(page.contains("TLSv1.3"), "{page}");

        // Verified, the key is refused as too small, not as a bad signature.
        let certs = Certificate::from_pem(&server.ca_pem).unwrap();
        let trusting = AsyncClient::builder()
            .add_root_certificate(certs[0].clone())
            .build()
            .unwrap();
        let err = trusting.get(&url).await.unwrap_err();
        assert!(err.is_tls(), "{err}");
        assert!(err.to_string().contains("1024-bit RSA"), "{err}");
    });
}

#[test]
fn tls_sessions_are_kept_per_host_and_port() {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let config = Arc::new(
        server_config()
            .with_single_cert(vec![cert.der().clone()], pkcs8(&key))
            .unwrap(),
    );
    // One configuration, so one session cache: B would resume a session A handed out.
    let (a, b) = (TlsServer::start(config.clone()), TlsServer::start(config));
    let client = AsyncClient::builder()
        .add_root_certificate(Certificate::from_der(cert.der()))
        .build()
        .unwrap();
    run(async {
        for url in [a.url(), b.url(), a.url()] {
            assert_eq!(text(&client, url).await, "ok");
        }
    });
    assert_eq!(
        b.kinds(),
        [HandshakeKind::Full],
        "the ticket from localhost:{} was offered to localhost:{}",
        a.port,
        b.port
    );
    assert_eq!(
        a.kinds(),
        [HandshakeKind::Full, HandshakeKind::Resumed],
        "A's own ticket resumes A"
    );
}

#[test]
fn a_server_choosing_h2_is_refused_before_http1_is_sent() {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let mut config = server_config()
        .with_single_cert(vec![cert.der().clone()], pkcs8(&key))
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    // It answers HTTP/1.1 whatever ALPN chose: only the client can tell.
    let server = TlsServer::start(Arc::new(config));
    let client = |profile: Profile| {
        AsyncClient::builder()
            .profile(profile)
            .add_root_certificate(Certificate::from_der(cert.der()))
            .build()
            .unwrap()
    };
    let h2_first = Profile::chrome()
        .to_builder()
        .alpn(["h2", "http/1.1"])
        .build()
        .unwrap();
    run(async {
        // The profiles offer http/1.1 only, which the server takes.
        assert_eq!(text(&client(Profile::chrome()), server.url()).await, "ok");
        let err = client(h2_first).get(server.url()).await.unwrap_err();
        assert_eq!(err.kind(), Kind::Protocol, "{err}");
        assert!(err.to_string().contains("chose HTTP/2"), "{err}");
    });
}
