//! Every profile against a real third-party server: nginx (Debian's nginx-light, OpenSSL),
//! started here with an RSA certificate, as a TLS 1.3 server, a TLS 1.2-only server, and a
//! TLS 1.2 server whose only suites are CBC ones that profiles merely advertise.
//!
//! `.ci/run` installs nginx and sets `TLS_REQUESTS_REQUIRE_NGINX=1`, so these tests cannot
//! pass there without it. Elsewhere, when nginx is missing, they are skipped, and say so on
//! the terminal past the test harness's output capture (a line `cargo test` shows, beside
//! `test nginx::every_profile_against_nginx ... ok`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tls_requests::{AsyncClient, Certificate, Profile};

use crate::support::run;

/// Where Debian puts nginx; `TLS_REQUESTS_NGINX` names another binary.
const NGINX: &str = "/usr/sbin/nginx";

struct Nginx {
    child: Child,
    dir: PathBuf,
    /// Ports of the TLS 1.3, TLS 1.2 and TLS 1.2 CBC-only servers.
    ports: [u16; 3],
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Tells the developer that the nginx tests did not run. `eprintln!` would be captured with
/// the output of a passing test and never shown, so this writes to the process's stderr.
fn skipped(why: &str) {
    use std::io::Write as _;
    let line = format!("\nnginx tests SKIPPED (they passed without running): {why}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts nginx, or returns `None` (skipping) where it is not installed and not required.
fn nginx() -> Option<Nginx> {
    let binary = std::env::var("TLS_REQUESTS_NGINX").unwrap_or_else(|_| NGINX.to_owned());
    if !Path::new(&binary).exists() {
        assert!(
            std::env::var_os("TLS_REQUESTS_REQUIRE_NGINX").is_none(),
            "nginx is required but missing at {binary}"
        );
        skipped(&format!(
            "{binary} is not installed (apt-get install nginx-light; \
             TLS_REQUESTS_REQUIRE_NGINX=1 makes this a failure)"
        ));
        return None;
    }
    let dir = std::env::temp_dir().join(format!(
        "tls-requests-nginx-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    // An end-entity RSA certificate (`req -x509` alone would make a CA, which webpki refuses).
    let openssl_conf = "[req]\ndistinguished_name = dn\nx509_extensions = ext\nprompt = no\n[dn]\nCN = localhost\n\
        [ext]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\n\
        extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost,IP:127.0.0.1\n";
    std::fs::write(dir.join("openssl.cnf"), openssl_conf).unwrap();
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-config",
        ])
        .arg(dir.join("openssl.cnf"))
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "openssl could not make a certificate");
    // A port free when picked may be another test's by the time nginx binds it; nginx then
    // exits, and it is started again on other ports.
    for _ in 0..3 {
        let ports = [free_port(), free_port(), free_port()];
        if let Some(nginx) = start(&binary, &dir, ports) {
            return Some(nginx);
        }
    }
    let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
    panic!("nginx did not start: {log}");
}

/// nginx on `ports` with the configuration of `dir`, once it listens on all of them; `None`
/// if it exited first (a port was taken).
fn start(binary: &str, dir: &Path, ports: [u16; 3]) -> Option<Nginx> {
    let d = dir.display();
    let server = |port: u16, protocols: &str, ciphers: &str| {
        format!(
            "server {{ listen 127.0.0.1:{port} ssl; ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem;
               ssl_protocols {protocols}; ssl_ciphers {ciphers};
               location / {{ return 200 \"$ssl_protocol $ssl_cipher\"; }} }}\n"
        )
    };
    let conf = format!(
        "pid {d}/nginx.pid; error_log {d}/error.log; events {{}}\nhttp {{ access_log off; client_body_temp_path {d}/tmp;\n{}{}{}}}\n",
        server(ports[0], "TLSv1.3", "HIGH"),
        server(
            ports[1],
            "TLSv1.2",
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305"
        ),
        server(
            ports[2],
            "TLSv1.2",
            "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA"
        ),
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let child = Command::new(binary)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-g", "daemon off; master_process off;"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = child;
    let exited = |child: &mut Child| child.try_wait().ok().flatten().is_some();
    for _ in 0..100 {
        if exited(&mut child) {
            return None;
        }
        let listening = ports
            .iter()
            .all(|p| std::net::TcpStream::connect(("127.0.0.1", *p)).is_ok());
        // Alive and every port answers: the ports are nginx's (it exits when one is taken).
        if listening && !exited(&mut child) {
            let dir = dir.to_owned();
            return Some(Nginx { child, dir, ports });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn client(nginx: &Nginx, profile: Profile) -> AsyncClient {
    let pem = std::fs::read(nginx.dir.join("cert.pem")).unwrap();
    let cert = Certificate::from_pem(&pem).unwrap().remove(0);
    AsyncClient::builder()
        .profile(profile)
        .add_root_certificate(cert)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[test]
fn every_profile_against_nginx() {
    let Some(nginx) = nginx() else { return };
    for name in Profile::list() {
        run(async {
            let client = client(&nginx, Profile::by_name(name).unwrap());
            let get = |port: u16| {
                let client = client.clone();
                async move {
                    client
                        .get(format!("https://localhost:{port}/"))
                        .await?
                        .text()
                        .await
                }
            };
            let tls13 = get(nginx.ports[0]).await.unwrap();
            assert!(tls13.starts_with("TLSv1.3 TLS_"), "{name}: {tls13}");
            let tls12 = get(nginx.ports[1]).await.unwrap();
            assert!(tls12.starts_with("TLSv1.2 ECDHE-RSA-"), "{name}: {tls12}");
            // Only suites the profile advertises but rustls cannot use: a clear TLS error
            // after the fallback retry, no hang.
            let err = get(nginx.ports[2]).await.unwrap_err();
            assert!(err.is_tls(), "{name}: {err}");
            assert!(
                err.to_string().contains("HandshakeFailure"),
                "{name}: {err}"
            );
        });
    }
}
