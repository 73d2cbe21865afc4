//! Credentials never show in what the client prints: `Debug` of requests, builders, clients
//! and headers, and `Display` and `Debug` of errors, and `fetch`'s error line. Header values
//! of `Authorization`, `Proxy-Authorization`, `Cookie` and `Set-Cookie` print as `Sensitive`;
//! URLs print without their userinfo. What goes on the wire is unchanged.

use std::process::Command;

use tls_requests::{AsyncClient, HeaderValue, Headers};

use crate::support::{Reply, Server, fetch_example, refused_port, run};

/// Each secret is unique, so a hit names the one that leaked.
const BEARER: &str = "Bearer tok-AUTH-1f3e";
const COOKIE: &str = "session=tok-COOKIE-77ad";
const PROXY: &str = "Basic tok-PROXY-9c2b";
const PASSWORD: &str = "pw-URL-4d1a";
const BASE_PASSWORD: &str = "pw-BASE-e5c0";
const SECRETS: [&str; 5] = [BEARER, COOKIE, PROXY, PASSWORD, BASE_PASSWORD];

/// Fails naming the secret if `printed` holds any of them.
fn assert_no_secret(what: &str, printed: &str) {
    for secret in SECRETS {
        // Each value's distinctive token alone, so a partial print is caught too.
        let token = secret.rsplit([' ', '=']).next().unwrap();
        assert!(
            !printed.contains(token),
            "{what} shows {token:?}: {printed}"
        );
    }
}

#[test]
fn debug_of_requests_builders_and_clients_hides_credentials() {
    let client = AsyncClient::builder()
        .base_url(format!("http://bob:{BASE_PASSWORD}@127.0.0.1:1/api/"))
        .header("Authorization", BEARER)
        .build()
        .unwrap();
    let url = format!("http://alice:{PASSWORD}@127.0.0.1:1/items?page=2");
    let builder = client
        .get(&url)
        .header("authorization", BEARER)
        .header("Cookie", COOKIE)
        .header("Proxy-Authorization", PROXY)
        .header("X-Trace", "visible-42");
    for printed in [format!("{builder:?}"), format!("{builder:#?}")] {
        assert_no_secret("RequestBuilder", &printed);
        // Still useful: names, other values, the URL's host and path are there.
        for shown in [
            "Cookie",
            "visible-42",
            "Sensitive",
            "127.0.0.1:1/items?page=2",
        ] {
            assert!(printed.contains(shown), "{shown:?} missing: {printed}");
        }
    }

    let mut request = builder.build().unwrap();
    // Added through `headers_mut`, as `fetch -H` does: marked there too.
    let appended = HeaderValue::from_static("Basic tok-PROXY-9c2b");
    request
        .headers_mut()
        .append("proxy-authorization", appended)
        .unwrap();
    assert!(request.headers().get("cookie").unwrap().is_sensitive());
    assert!(
        request
            .headers()
            .get("proxy-authorization")
            .unwrap()
            .is_sensitive()
    );
    assert!(!request.headers().get("x-trace").unwrap().is_sensitive());
    for printed in [format!("{request:?}"), format!("{:?}", request.headers())] {
        assert_no_secret("Request", &printed);
        assert!(printed.contains("visible-42"), "{printed}");
    }

    let printed = format!("{client:?}");
    assert_no_secret("AsyncClient", &printed);
    assert!(printed.contains("127.0.0.1:1/api/"), "{printed}");

    // A builder holding an error prints the error, without the password either.
    let failed = client.get(format!("http://alice:{PASSWORD}@127.0.0.1:99999/"));
    let printed = format!("{failed:?}");
    assert_no_secret("RequestBuilder with an error", &printed);
    assert!(printed.contains("invalid port"), "{printed}");
}

#[test]
fn headers_debug_hides_sensitive_values_and_credential_names() {
    let mut headers = Headers::new();
    let mut marked = HeaderValue::from_static("tok-AUTH-1f3e");
    marked.set_sensitive(true);
    headers.append("X-Api-Key", marked).unwrap();
    headers
        .append("SET-COOKIE", HeaderValue::from_static(COOKIE))
        .unwrap();
    headers
        .insert("Accept", HeaderValue::from_static("*/*"))
        .unwrap();
    let printed = format!("{headers:?}");
    assert_no_secret("Headers", &printed);
    assert!(
        printed.contains("X-Api-Key") && printed.contains("*/*"),
        "{printed}"
    );
}

#[test]
fn credentials_reach_the_server_unchanged() {
    let server = Server::plain(|s| {
        let got = |n| s.header(n).unwrap_or("none").to_owned();
        Reply::ok(
            &[
                got("authorization"),
                got("cookie"),
                got("proxy-authorization"),
            ]
            .join("|"),
        )
    });
    run(async {
        let client = server.client().header("Cookie", COOKIE).build().unwrap();
        let r = client
            .get(server.url("/"))
            .header("Authorization", BEARER)
            .header("Proxy-Authorization", PROXY)
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), [BEARER, COOKIE, PROXY].join("|"));
    });
}

#[test]
fn errors_print_urls_without_the_password() {
    let port = refused_port();
    run(async {
        let client = AsyncClient::new();
        let err = client
            .get(format!("http://alice:{PASSWORD}@127.0.0.1:{port}/a?b=1"))
            .await
            .unwrap_err();
        assert!(err.is_connect(), "{err}");
        for printed in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
            assert_no_secret("Error", &printed);
            assert!(
                printed.contains(&format!("127.0.0.1:{port}/a?b=1")),
                "{printed}"
            );
        }
        // The error still names the request's host; callers can read it.
        assert_eq!(err.url().unwrap().port(), Some(port));

        // An error from a response: error_for_status, against a real server.
        let server = Server::plain(|_| Reply::status(401, &[], "no"));
        let url = server
            .url("/private")
            .replace("://", &format!("://alice:{PASSWORD}@"));
        let err = client
            .get(&url)
            .await
            .unwrap()
            .error_for_status()
            .unwrap_err();
        assert!(err.is_status(), "{err}");
        for printed in [err.to_string(), format!("{err:?}")] {
            assert_no_secret("status Error", &printed);
            assert!(printed.contains("/private"), "{printed}");
        }

        // A URL that does not parse is printed as given, less its userinfo.
        let err = client
            .get(format!("http://alice:{PASSWORD}@127.0.0.1:99999/"))
            .await
            .unwrap_err();
        assert!(err.is_url(), "{err}");
        for printed in [err.to_string(), format!("{err:?}")] {
            assert_no_secret("URL Error", &printed);
            assert!(printed.contains("127.0.0.1:99999"), "{printed}");
        }
    });
}

#[test]
fn fetch_error_line_hides_the_password() {
    let port = refused_port();
    let url = format!("http://alice:{PASSWORD}@127.0.0.1:{port}/x");
    let out = Command::new(fetch_example())
        .args(["-H", &format!("Authorization: {BEARER}"), &url])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: connection failed"), "{stderr}");
    assert!(
        stderr.contains(&format!("http://127.0.0.1:{port}/x")),
        "{stderr}"
    );
    assert_no_secret("fetch's error line", &stderr);
}
