//! HTTPS against an in-process rustls server with a certificate made at test time.

use tls_requests::{AsyncClient, Certificate};

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
