//! The `fetch` example's flags for JSON, retries, proxies and progress, each by running the
//! binary against in-process servers, as curl's users would run it.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::proxy::{Asked, Speaks, TestProxy};
use crate::support::{Reply, Server, run_fetch};

/// A server that answers with what it received: method, a few fields, the body.
fn echo() -> Server {
    Server::plain(|s| {
        let field = |name| s.header(name).unwrap_or("-").to_owned();
        let body = String::from_utf8_lossy(&s.body);
        Reply::ok(&format!(
            "{} {} ct={} accept={} ae={} body={body}",
            s.method,
            s.target,
            field("content-type"),
            field("accept"),
            field("accept-encoding"),
        ))
    })
}

#[test]
fn json_is_posted_with_its_content_type_and_accept() {
    let server = echo();
    let dir = std::env::temp_dir().join(format!("tls-requests-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("body.json");
    std::fs::write(&file, r#"{"from": "file"}"#).unwrap();
    let url = server.url("/api");
    let run = run_fetch(&["--json", r#"{"a":"#, "--json", "1}", &url], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        r#"POST /api ct=application/json accept=application/json ae=gzip, deflate, br, zstd body={"a":1}"#
    );
    let from_file = format!("@{}", file.display());
    let run = run_fetch(&["-X", "PUT", "--json", &from_file, &url], &[]);
    assert!(
        run.stdout.starts_with("PUT /api ct=application/json"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(r#"body={"from": "file"}"#),
        "{}",
        run.stdout
    );
    for bad in [
        vec!["--json", "{}", "-d", "a=1", &url],
        vec!["--json", "@/nonexistent/body.json", &url],
    ] {
        let run = run_fetch(&bad, &[]);
        assert_eq!(run.code, Some(1), "{bad:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{bad:?}: {}", run.stderr);
    }
    // --compressed is taken, and the codings offered are what the build decodes.
    let run = run_fetch(&["--compressed", &url], &[]);
    assert!(
        run.stdout.contains("ae=gzip, deflate, br, zstd"),
        "{}",
        run.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn retry_tries_again_after_transient_statuses() {
    let count = AtomicUsize::new(0);
    let server = Server::plain(move |_| match count.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::status(503, &[], "busy"),
        1 => Reply::status(429, &[("Retry-After", "0")], "slow down"),
        _ => Reply::ok("finally"),
    });
    let url = server.url("/");
    let run = run_fetch(&["--retry", "3", "--retry-delay", "0.01", &url], &[]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (Some(0), "finally"),
        "{}",
        run.stderr
    );
    assert_eq!(server.seen().len(), 3);
    // Out of retries: the last answer, with curl's exit status for -f.
    let run = run_fetch(&["-f", "--retry", "1", "--retry-delay", "0.01", &url], &[]);
    assert_eq!(
        run.code,
        Some(0),
        "the third answer is the 200: {}",
        run.stderr
    );
    let always = Server::plain(|_| Reply::status(503, &[], "down"));
    let run = run_fetch(
        &[
            "-f",
            "--retry",
            "2",
            "--retry-delay",
            "0.01",
            &always.url("/"),
        ],
        &[],
    );
    assert_eq!(run.code, Some(22), "{}", run.stderr);
    assert_eq!(always.seen().len(), 3);
    let run = run_fetch(&["--retry", "many", &url], &[]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("--retry"), "{}", run.stderr);
}

#[test]
fn proxy_flags_as_curl_has_them() {
    // An HTTP proxy that answers itself: it sees the absolute form and its credentials.
    let http_proxy = Server::plain(|s| {
        let auth = s.header("proxy-authorization").unwrap_or("none");
        Reply::ok(&format!("proxy got {} with {auth}", s.target))
    });
    let proxy_url = format!("127.0.0.1:{}", http_proxy.addr.port());
    let run = run_fetch(
        &["-x", &proxy_url, "-U", "u:p", "http://origin.test/a?b=1"],
        &[],
    );
    assert_eq!(
        run.stdout, "proxy got http://origin.test/a?b=1 with Basic dTpw",
        "{}",
        run.stderr
    );

    let origin = Server::plain(|s| Reply::ok(&format!("origin got {}", s.target)));
    let port = origin.addr.port();
    let socks = TestProxy::start(Speaks::Socks5(None, 0));
    let socks_at = format!("127.0.0.1:{}", socks.addr().port());
    let by_name = format!("http://origin.test:{port}/via");
    let run = run_fetch(&["--socks5-hostname", &socks_at, &by_name], &[]);
    assert_eq!(run.stdout, "origin got /via", "{}", run.stderr);
    assert_eq!(socks.asked(), [Asked::Socks5("origin.test".into(), port)]);

    // --noproxy goes direct; so does the no_proxy variable with the http_proxy one.
    let direct = origin.url("/direct");
    let run = run_fetch(&["-x", &proxy_url, "--noproxy", "127.0.0.1", &direct], &[]);
    assert_eq!(run.stdout, "origin got /direct", "{}", run.stderr);
    let env_proxy = format!("http://{proxy_url}");
    let run = run_fetch(&[&direct], &[("http_proxy", &env_proxy)]);
    assert_eq!(
        run.stdout,
        format!("proxy got {direct} with none"),
        "{}",
        run.stderr
    );
    let run = run_fetch(
        &[&direct],
        &[("http_proxy", &env_proxy), ("NO_PROXY", "127.0.0.1")],
    );
    assert_eq!(run.stdout, "origin got /direct", "{}", run.stderr);

    let down = format!("127.0.0.1:{}", crate::support::refused_port());
    for bad in [
        vec!["-x", "ftp://p:1", &direct],
        vec!["--socks5", &down, &direct],
    ] {
        let run = run_fetch(&bad, &[]);
        assert_eq!(run.code, Some(1), "{bad:?}");
        assert_eq!(run.stderr.lines().count(), 1, "{bad:?}: {}", run.stderr);
    }
}

#[test]
fn the_progress_bar_shows_on_request_and_silent_wins() {
    let body = "x".repeat(100_000);
    let expected = body.clone();
    let server = Server::plain(move |_| Reply::ok(&body));
    let dir = std::env::temp_dir().join(format!("tls-requests-progress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("body.txt");
    let out = out.to_str().unwrap();
    let url = server.url("/big");
    let run = run_fetch(&["-#", "-o", out, &url], &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{} 100.0%", "#".repeat(50))),
        "{:?}",
        run.stderr
    );
    assert!(run.stderr.ends_with('\n'));
    assert!(std::fs::read_to_string(out).unwrap() == expected);
    // Not a terminal, no -#: no meter; -s silences the bar.
    for quiet in [vec!["-o", out, &url], vec!["-s", "-#", "-o", out, &url]] {
        let run = run_fetch(&quiet, &[]);
        assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{quiet:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// On a terminal, with `-o`, the meter shows on its own: run under `script`, which gives the
/// command a terminal (util-linux, on every Debian).
#[test]
fn the_meter_shows_when_stderr_is_a_terminal() {
    let body = "y".repeat(50_000);
    let server = Server::plain(move |_| Reply::ok(&body));
    let dir = std::env::temp_dir().join(format!("tls-requests-meter-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("body.txt");
    let command = format!(
        "{} -o {} {}",
        crate::support::fetch_example().display(),
        out.display(),
        server.url("/meter")
    );
    let ran = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output();
    let Ok(ran) = ran else {
        eprintln!("no `script` here: the terminal meter is not tested");
        return;
    };
    let shown = String::from_utf8_lossy(&ran.stdout);
    assert!(ran.status.success(), "{shown}");
    assert!(shown.contains("100.0% 48.8k of 48.8k"), "{shown:?}");
    assert_eq!(std::fs::read(&out).unwrap().len(), 50_000);
    let _ = std::fs::remove_dir_all(&dir);
}
