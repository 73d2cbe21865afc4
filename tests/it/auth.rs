//! Credentials over real sockets: Basic and Bearer, Digest against a server that checks
//! every answer (each algorithm, with and without qop, nonce counts, a stale nonce), an
//! `Auth` of the caller's that refreshes a token once, no credentials past a cross-origin
//! redirect, and fetch's `-u`, `--digest` and `--oauth2-bearer`.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use md5::Md5;
use sha2::{Digest, Sha256, Sha512_256};
use tls_requests::{
    AsyncClient, Auth, AuthRequest, AuthResponse, BasicAuth, BearerAuth, Body, DigestAuth, Kind,
};

use crate::support::{Reply, Seen, Server, fetch_ok as fetch, run, text};
use crate::watchdog::awaited_within;

/// Answers each request with the `Authorization` it came with.
fn echo_server() -> Server {
    Server::plain(|s| Reply::ok(s.header("authorization").unwrap_or("none")))
}

#[test]
fn basic_from_a_pair_from_basic_auth_and_bearer() {
    let server = echo_server();
    run(async {
        let client = AsyncClient::new();
        let url = server.url("/");
        let sent =
            |b: tls_requests::RequestBuilder| async { b.await.unwrap().text().await.unwrap() };
        // RFC 7617 §2's example.
        let aladdin = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
        assert_eq!(
            sent(client.get(&url).auth(("Aladdin", "open sesame"))).await,
            aladdin
        );
        assert_eq!(
            sent(client.get(&url).basic_auth("Aladdin", Some("open sesame"))).await,
            aladdin
        );
        assert_eq!(
            sent(client.get(&url).basic_auth("user", None::<&str>)).await,
            "Basic dXNlcjo="
        );
        assert_eq!(
            sent(client.get(&url).bearer_auth("t0k3n")).await,
            "Bearer t0k3n"
        );
        assert_eq!(
            text(&client, &url).await,
            "none",
            "nothing left on the client"
        );

        // The client's auth on every request; a request's own wins; URL credentials give way.
        let client = AsyncClient::builder()
            .auth(BasicAuth::new("client", "pw"))
            .build()
            .unwrap();
        assert_eq!(text(&client, &url).await, "Basic Y2xpZW50OnB3");
        let with_userinfo = url.replace("://", "://url:creds@");
        assert_eq!(text(&client, &with_userinfo).await, "Basic Y2xpZW50OnB3");
        let own = client.get(&url).auth(BearerAuth::new("mine"));
        assert_eq!(sent(own).await, "Bearer mine");
        let bad = client.get(&url).bearer_auth("new\nline").await.unwrap_err();
        assert_eq!(bad.kind(), Kind::Header);
    });
}

/// A Digest server: it challenges with `algorithm` (none named if `None`) and `qop=auth` or
/// no qop, checks every answer against its own computation and answers `ok nc=N`. After
/// `rotate_after` good answers it takes a new nonce, and answers the old one `stale=true`.
struct DigestServer {
    server: Server,
    state: Arc<Mutex<NonceState>>,
}

struct NonceState {
    nonce: String,
    good: usize,
}

const REALM: &str = "tests@tls-requests";
const USER: &str = "Mufasa";
const PASSWORD: &str = "Circle of Life";

impl DigestServer {
    fn start(algorithm: Option<&'static str>, qop: bool, rotate_after: usize) -> DigestServer {
        let state = Arc::new(Mutex::new(NonceState {
            nonce: "nonce-1".into(),
            good: 0,
        }));
        let st = state.clone();
        let server = Server::plain(move |seen| {
            let mut st = st.lock().unwrap();
            let challenge = |nonce: &str, stale: bool| {
                let mut c = format!("Digest realm=\"{REALM}\", nonce=\"{nonce}\", opaque=\"op-1\"");
                if let Some(algorithm) = algorithm {
                    write!(c, ", algorithm={algorithm}").unwrap();
                }
                if qop {
                    c.push_str(", qop=\"auth,auth-int\"");
                }
                if stale {
                    c.push_str(", stale=true");
                }
                Reply::status(401, &[("WWW-Authenticate", &c)], "challenge")
            };
            let Some(answer) = seen.header("authorization") else {
                return challenge(&st.nonce, false);
            };
            let p = digest_params(answer);
            if p["nonce"] != st.nonce {
                return challenge(&st.nonce, true);
            }
            if expected_response(seen, &p, algorithm.unwrap_or("MD5"), qop) != p["response"]
                || p["opaque"] != "op-1"
                || p.get("algorithm").map(String::as_str) != algorithm
            {
                return challenge(&st.nonce, false);
            }
            st.good += 1;
            if st.good == rotate_after {
                st.nonce = "nonce-2".into();
            }
            Reply::ok(&format!(
                "ok nc={}",
                p.get("nc").map_or("-", String::as_str)
            ))
        });
        DigestServer { server, state }
    }
}

/// The parameters of an `Authorization: Digest` value.
fn digest_params(value: &str) -> HashMap<String, String> {
    let mut params = HashMap::new();
    let mut rest = value.strip_prefix("Digest ").expect("a Digest answer");
    while let Some((name, after)) = rest.split_once('=') {
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').expect("a closing quote");
                (&quoted[..end], &quoted[end + 1..])
            }
            None => after.split_at(after.find(',').unwrap_or(after.len())),
        };
        params.insert(name.trim().to_owned(), value.to_owned());
        rest = next.trim_start_matches([',', ' ']);
    }
    params
}

/// What the answer to `seen` must be (RFC 7616 §3.4.1), computed here on its own.
fn expected_response(
    seen: &Seen,
    p: &HashMap<String, String>,
    algorithm: &str,
    qop: bool,
) -> String {
    let hash = |s: String| -> String {
        let bytes = match algorithm.trim_end_matches("-sess") {
            "MD5" => Md5::digest(s.as_bytes()).to_vec(),
            "SHA-256" => Sha256::digest(s.as_bytes()).to_vec(),
            "SHA-512-256" => Sha512_256::digest(s.as_bytes()).to_vec(),
            other => panic!("no algorithm {other}"),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    let nonce = &p["nonce"];
    let secret = hash(format!("{USER}:{REALM}:{PASSWORD}"));
    let secret = if algorithm.ends_with("-sess") {
        hash(format!("{secret}:{nonce}:{}", p["cnonce"]))
    } else {
        secret
    };
    assert_eq!(p["uri"], seen.target, "the uri is the request target");
    assert_eq!((p["username"].as_str(), p["realm"].as_str()), (USER, REALM));
    let request = hash(format!("{}:{}", seen.method, seen.target));
    if qop {
        assert_eq!(p["qop"], "auth");
        let (nc, cnonce) = (&p["nc"], &p["cnonce"]);
        hash(format!("{secret}:{nonce}:{nc}:{cnonce}:auth:{request}"))
    } else {
        assert!(!p.contains_key("qop") && !p.contains_key("nc"));
        hash(format!("{secret}:{nonce}:{request}"))
    }
}

#[test]
fn digest_answers_each_algorithm_with_and_without_qop() {
    let algorithms = [
        None,
        Some("MD5"),
        Some("MD5-sess"),
        Some("SHA-256"),
        Some("SHA-256-sess"),
        Some("SHA-512-256"),
        Some("SHA-512-256-sess"),
    ];
    for algorithm in algorithms {
        for qop in [true, false] {
            let digest = DigestServer::start(algorithm, qop, usize::MAX);
            run(async {
                let client = AsyncClient::builder()
                    .auth(DigestAuth::new(USER, PASSWORD))
                    .build()
                    .unwrap();
                let r = client
                    .get(digest.server.url("/dir/index.html?a=1"))
                    .await
                    .unwrap();
                let what = format!("{algorithm:?}, qop {qop}");
                assert_eq!(r.status(), 200, "{what}");
                let expected = if qop { "ok nc=00000001" } else { "ok nc=-" };
                assert_eq!(r.text().await.unwrap(), expected, "{what}");
            });
            let seen = digest.server.seen();
            assert_eq!(seen.len(), 2, "the 401, then its answer");
            assert!(seen[0].header("authorization").is_none());
            assert_eq!(
                digest.server.connections(),
                1,
                "the 401's connection is reused"
            );
        }
    }
}

#[test]
fn digest_counts_nc_per_nonce_and_answers_a_stale_nonce_once() {
    let digest = DigestServer::start(Some("SHA-256"), true, 2);
    run(async {
        let client = AsyncClient::builder()
            .auth(DigestAuth::new(USER, PASSWORD))
            .build()
            .unwrap();
        let url = digest.server.url("/a");
        assert_eq!(text(&client, &url).await, "ok nc=00000001");
        // Pre-emptive: the same nonce with the next count, no 401 first.
        let post = client
            .post(digest.server.url("/b"))
            .body("data")
            .await
            .unwrap();
        assert_eq!(post.text().await.unwrap(), "ok nc=00000002");
        assert_eq!(digest.server.seen().len(), 3);
        // The server took a new nonce: the old one is stale, answered once with the new.
        assert_eq!(text(&client, &url).await, "ok nc=00000001");
        let seen = digest.server.seen();
        assert_eq!(seen.len(), 5);
        assert!(
            seen[3]
                .header("authorization")
                .unwrap()
                .contains("nonce=\"nonce-1\"")
        );
        assert!(
            seen[4]
                .header("authorization")
                .unwrap()
                .contains("nonce=\"nonce-2\"")
        );
        assert_eq!(digest.state.lock().unwrap().good, 3);
    });
}

#[test]
fn digest_with_a_wrong_password_or_a_stream_body_gets_the_401() {
    let digest = DigestServer::start(Some("MD5"), true, usize::MAX);
    run(async {
        let wrong = AsyncClient::builder()
            .auth(DigestAuth::new(USER, "wrong"))
            .build()
            .unwrap();
        let r = wrong.get(digest.server.url("/")).await.unwrap();
        assert_eq!(r.status(), 401, "the server's verdict on the one answer");
        assert_eq!(digest.server.seen().len(), 2);
        // Refused for a nonce that is not stale: no second try.
        let r = wrong.get(digest.server.url("/")).await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(digest.server.seen().len(), 3);
        assert!(digest.server.seen()[2].header("authorization").is_some());

        // A stream cannot be sent twice: the 401 comes back as it is...
        let auth = DigestAuth::new(USER, PASSWORD);
        let client = AsyncClient::new();
        let stream = Body::from_reader(futures_lite::io::Cursor::new(b"once".to_vec()));
        let r = client
            .put(digest.server.url("/up"))
            .auth(auth.clone())
            .body(stream)
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(digest.server.seen().len(), 4);
        // ...and the nonce is learnt: the next one goes with credentials at once.
        let stream = Body::from_reader(futures_lite::io::Cursor::new(b"twice".to_vec()));
        let r = client
            .put(digest.server.url("/up"))
            .auth(auth)
            .body(stream)
            .await
            .unwrap();
        assert_eq!(r.text().await.unwrap(), "ok nc=00000001");
        assert_eq!(digest.server.seen()[4].body, b"twice");
    });
}

#[test]
fn an_unanswerable_digest_challenge_is_an_auth_error() {
    let server = Server::plain(|_| {
        let challenge = "Basic realm=\"x\", Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"";
        Reply::status(401, &[("WWW-Authenticate", challenge)], "")
    });
    run(async {
        let client = AsyncClient::builder()
            .auth(DigestAuth::new(USER, PASSWORD))
            .build()
            .unwrap();
        let err = client.get(server.url("/")).await.unwrap_err();
        assert_eq!(err.kind(), Kind::Auth);
        assert!(err.to_string().contains("auth-int"), "{err}");
    });
}

/// A token that expires: on a 401 it takes a fresh one and asks for one resend.
struct Refreshing {
    token: Mutex<String>,
    refreshes: AtomicUsize,
}

impl Auth for Refreshing {
    fn on_request(&self, request: &mut AuthRequest<'_>) -> tls_requests::Result<()> {
        let token = self.token.lock().unwrap().clone();
        request.set_authorization(&format!("Bearer {token}"))
    }

    fn on_response(
        &self,
        _: &AuthRequest<'_>,
        response: &AuthResponse<'_>,
    ) -> tls_requests::Result<bool> {
        if response.status() != 401 {
            return Ok(false);
        }
        let n = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
        *self.token.lock().unwrap() = format!("fresh-{n}");
        Ok(true)
    }
}

#[test]
fn an_auth_refreshes_a_token_once_and_never_loops() {
    let accepts = |token: &'static str| {
        Server::plain(move |s| match s.header("authorization") {
            Some(v) if v == format!("Bearer {token}") => Reply::ok("in"),
            _ => Reply::status(401, &[], "out"),
        })
    };
    let server = accepts("fresh-1");
    let refreshing = Arc::new(Refreshing {
        token: Mutex::new("expired".into()),
        refreshes: AtomicUsize::new(0),
    });
    run(async {
        let client = AsyncClient::builder()
            .auth(refreshing.clone() as Arc<dyn Auth>)
            .build()
            .unwrap();
        assert_eq!(text(&client, server.url("/")).await, "in");
        assert_eq!(
            text(&client, server.url("/")).await,
            "in",
            "the fresh token kept"
        );
        let seen: Vec<_> = server
            .seen()
            .iter()
            .map(|s| s.header("authorization").unwrap().to_owned())
            .collect();
        assert_eq!(seen, ["Bearer expired", "Bearer fresh-1", "Bearer fresh-1"]);

        // A server that always says 401 gets two requests, not a loop.
        let never = accepts("never");
        let limit = Duration::from_secs(10);
        let r = awaited_within(
            limit,
            "the always-401 request",
            client.get(never.url("/")).send(),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(never.seen().len(), 2);
        assert_eq!(refreshing.refreshes.load(Ordering::SeqCst), 2);
    });
}

/// An API key in a header that is no credential to the client: only the rule that an `Auth`
/// stays at its origin keeps it there. It counts the responses it sees.
struct ApiKey(AtomicUsize);

impl Auth for ApiKey {
    fn on_request(&self, request: &mut AuthRequest<'_>) -> tls_requests::Result<()> {
        let key = tls_requests::HeaderValue::from_static("k3y");
        request.headers_mut().insert("X-Api-Key", key).unwrap();
        Ok(())
    }

    fn on_response(&self, _: &AuthRequest<'_>, _: &AuthResponse<'_>) -> tls_requests::Result<bool> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(false)
    }
}

#[test]
fn auth_is_not_sent_past_a_cross_origin_redirect() {
    let other = echo_server();
    let elsewhere = other.url("/there");
    let server = Server::plain(move |s| match s.target.as_str() {
        "/away" => Reply::status(302, &[("Location", &elsewhere)], ""),
        "/near" => Reply::status(302, &[("Location", "/echo")], ""),
        _ => Reply::ok(s.header("authorization").unwrap_or("none")),
    });
    run(async {
        let client = AsyncClient::builder()
            .auth(("user", "pass"))
            .build()
            .unwrap();
        assert_eq!(
            text(&client, server.url("/near")).await,
            "Basic dXNlcjpwYXNz"
        );
        assert_eq!(text(&client, server.url("/away")).await, "none");
        let own = client
            .get(server.url("/away"))
            .bearer_auth("t")
            .await
            .unwrap();
        assert_eq!(own.text().await.unwrap(), "none");
        assert_eq!(other.seen().len(), 2);
        let first_hop = &server.seen()[2];
        assert_eq!(
            first_hop.header("authorization"),
            Some("Basic dXNlcjpwYXNz")
        );

        let key = Arc::new(ApiKey(AtomicUsize::new(0)));
        let r = client
            .get(server.url("/away"))
            .auth(key.clone() as Arc<dyn Auth>)
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            server.seen().last().unwrap().header("x-api-key"),
            Some("k3y")
        );
        assert_eq!(other.seen().last().unwrap().header("x-api-key"), None);
        assert_eq!(
            key.0.load(Ordering::SeqCst),
            1,
            "the first hop's response only"
        );
    });
}

#[test]
fn fetch_sends_basic_digest_and_bearer_as_curl_does() {
    let echo = echo_server();
    let url = echo.url("/");
    assert_eq!(
        fetch(&["-u", "Aladdin:open sesame", &url]),
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
    assert_eq!(
        fetch(&["-u", "user", &url]),
        "Basic dXNlcjo=",
        "no password: empty"
    );
    assert_eq!(
        fetch(&["--digest", "--basic", "-u", "a:b:c", &url]),
        "Basic YTpiOmM="
    );
    assert_eq!(fetch(&["--oauth2-bearer", "t0k3n", &url]), "Bearer t0k3n");

    let digest = DigestServer::start(Some("SHA-256"), true, usize::MAX);
    let credentials = format!("{USER}:{PASSWORD}");
    let url = digest.server.url("/dir/index.html");
    assert_eq!(
        fetch(&["--digest", "-u", &credentials, &url]),
        "ok nc=00000001"
    );
    assert_eq!(digest.server.seen().len(), 2);

    let out = std::process::Command::new(crate::support::fetch_example())
        .args(["-u", "a:b", "--oauth2-bearer", "t", &echo.url("/")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}
