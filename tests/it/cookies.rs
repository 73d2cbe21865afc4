//! The cookie jar over real sockets: cookies set on a redirect and read after it, kept for
//! later requests, shared between clients, and turned off.

use tls_requests::{AsyncClient, CookieJar, Url};

use crate::support::{Reply, Server, fetch, run, text};

/// A login flow: the session cookie comes on the 302 and must go with the hop after it.
fn login_server() -> Server {
    Server::plain(|s| match s.target.as_str() {
        "/login" => Reply::status(
            302,
            &[
                ("Location", "/home"),
                ("Set-Cookie", "session=abc; Path=/; HttpOnly"),
                ("Set-Cookie", "theme=dark; Path=/home"),
                ("Set-Cookie", "=no name; ;;"),
                ("Set-Cookie", "broken"),
            ],
            "moved",
        ),
        "/logout" => Reply::status(200, &[("Set-Cookie", "session=; Max-Age=0; Path=/")], "bye"),
        _ => Reply::ok(s.header("cookie").unwrap_or("none")),
    })
}

#[test]
fn a_cookie_set_on_a_redirect_goes_with_the_next_hop_and_later_requests() {
    let server = login_server();
    run(async {
        let client = AsyncClient::new();
        let home = client
            .post(server.url("/login"))
            .body("u=me")
            .await
            .unwrap();
        assert_eq!(home.url().path(), "/home");
        let sent = home.text().await.unwrap();
        let mut sent: Vec<&str> = sent.split("; ").collect();
        sent.sort();
        assert_eq!(
            sent,
            ["session=abc", "theme=dark"],
            "both cookies of the 302"
        );
        assert_eq!(
            text(&client, server.url("/other")).await,
            "session=abc",
            "path /home only"
        );
        fetch(&client, server.url("/logout")).await;
        assert_eq!(
            text(&client, server.url("/other")).await,
            "none",
            "Max-Age=0 deletes"
        );
    });
}

#[test]
fn a_jar_is_shared_readable_and_can_be_turned_off() {
    let server = login_server();
    run(async {
        let jar = CookieJar::new();
        let a = AsyncClient::builder()
            .cookie_jar(jar.clone())
            .build()
            .unwrap();
        let b = AsyncClient::builder()
            .cookie_jar(jar.clone())
            .build()
            .unwrap();
        fetch(&a, server.url("/login")).await;
        assert_eq!(
            text(&b, server.url("/other")).await,
            "session=abc",
            "b reads a's jar"
        );
        assert_eq!(jar.get("127.0.0.1", "/", "session").as_deref(), Some("abc"));

        let url = Url::parse(&server.url("/")).unwrap();
        assert!(b.cookies().unwrap().add("extra=1; Path=/", &url));
        let sent = text(&a, server.url("/other")).await;
        assert!(
            sent.contains("extra=1") && sent.contains("session=abc"),
            "{sent}"
        );

        // A request's own Cookie header is sent as it is, instead of the jar's.
        let own = a
            .get(server.url("/other"))
            .header("Cookie", "mine=1")
            .await
            .unwrap();
        assert_eq!(own.text().await.unwrap(), "mine=1");

        let off = AsyncClient::builder().cookie_store(false).build().unwrap();
        assert!(off.cookies().is_none());
        fetch(&off, server.url("/login")).await;
        assert_eq!(text(&off, server.url("/other")).await, "none");
    });
}

/// `fetch -c FILE` writes what a login left in the jar, `-b FILE` sends it again, and
/// `-b "a=1; b=2"` sends cookies as given, as curl does.
#[test]
fn fetch_saves_and_sends_cookies_as_curl_does() {
    let server = login_server();
    let dir = std::env::temp_dir().join(format!("tls-requests-cookies-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let jar = dir.join("cookies.txt");
    let jar = jar.to_str().unwrap();
    let fetch = crate::support::fetch_ok;
    let login = server.url("/login");
    assert_eq!(fetch(&["-L", "-c", jar, &login]).split("; ").count(), 2);
    let saved = std::fs::read_to_string(jar).unwrap();
    assert!(
        saved.contains("#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc"),
        "{saved}"
    );
    assert_eq!(fetch(&["-b", jar, &server.url("/other")]), "session=abc");
    assert_eq!(
        fetch(&["-b", "x=1; y=2", &server.url("/other")]),
        "x=1; y=2"
    );
    let missing = std::process::Command::new(crate::support::fetch_example())
        .args(["-b", "/nonexistent/cookies.txt", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/cookies.txt"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Cookies given to one request go with the jar's, over those of the same name, and stay
/// out of the jar; a `Cookie` header replaces both.
#[test]
fn per_request_cookies_join_the_jars_for_that_request_only() {
    let server = login_server();
    run(async {
        let client = AsyncClient::new();
        fetch(&client, server.url("/login")).await;
        let sent = client
            .get(server.url("/home"))
            .cookies([("theme", "light"), ("extra", "1")])
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut sent: Vec<&str> = sent.split("; ").collect();
        sent.sort();
        assert_eq!(sent, ["extra=1", "session=abc", "theme=light"]);
        assert_eq!(
            text(&client, server.url("/home")).await.split("; ").count(),
            2
        );
        let jar = client.cookies().unwrap();
        let home = Url::parse(&server.url("/home")).unwrap();
        assert!(!jar.cookie_header(&home).unwrap().contains("extra"));
        let own = client
            .get(server.url("/home"))
            .cookies([("extra", "1")])
            .header("Cookie", "mine=only")
            .await
            .unwrap();
        assert_eq!(own.text().await.unwrap(), "mine=only");
        let fresh = AsyncClient::builder().cookie_store(false).build().unwrap();
        let alone = fresh
            .get(server.url("/x"))
            .cookies([("a", "b")])
            .await
            .unwrap();
        assert_eq!(alone.text().await.unwrap(), "a=b");
    });
}

/// A request's own cookies are credentials for its origin: a redirect to another origin
/// leaves them behind, and `Debug` never shows their values.
#[test]
fn per_request_cookies_stay_on_their_origin_and_out_of_debug() {
    let other = Server::plain(|s| Reply::ok(s.header("cookie").unwrap_or("none")));
    let elsewhere = other.url("/landing");
    let first = Server::plain(move |_| Reply::status(302, &[("Location", elsewhere.as_str())], ""));
    run(async {
        let client = AsyncClient::new();
        let builder = client
            .get(first.url("/"))
            .cookies([("sid", "s3cret-value")]);
        let printed = format!("{builder:?}");
        assert!(
            printed.contains("sid") && !printed.contains("s3cret-value"),
            "{printed}"
        );
        let landed = builder.await.unwrap();
        assert_eq!(landed.text().await.unwrap(), "none");
    });
    assert_eq!(first.seen()[0].header("cookie"), Some("sid=s3cret-value"));
}
