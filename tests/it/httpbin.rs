//! The client against a real third-party server: httpbin (the Python one, under gunicorn), at
//! `HTTPBIN_URL`, one endpoint family per test. httpbin's echoes are read with serde_json.
//!
//! `.ci/run` starts it (`.ci/httpbin.sh start`, which prints the URL) and sets
//! `TLS_REQUESTS_REQUIRE_HTTPBIN=1`, so these tests cannot pass there without it. Elsewhere,
//! when `HTTPBIN_URL` is unset or nothing answers there, they are skipped, and say so on the
//! terminal past the test harness's output capture. To run them locally:
//! `export HTTPBIN_URL=$(.ci/httpbin.sh start); cargo test --test it httpbin`.

use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use tls_requests::{AsyncClient, Kind, Profile, Response, TimeoutPhase, Url};

use crate::support::run;

/// The httpbin to test against, or why there is none.
fn httpbin_url() -> &'static Result<Url, String> {
    static URL: OnceLock<Result<Url, String>> = OnceLock::new();
    URL.get_or_init(|| {
        let raw = std::env::var("HTTPBIN_URL")
            .map_err(|_| "HTTPBIN_URL is not set (see .ci/httpbin.sh)".to_owned())?;
        let url = Url::parse(raw.trim_end_matches('/'))
            .map_err(|e| format!("HTTPBIN_URL={raw:?} is not a URL: {e}"))?;
        let addrs = url
            .socket_addrs(|| None)
            .map_err(|e| format!("HTTPBIN_URL={raw}: {e}"))?;
        let reachable = addrs
            .iter()
            .any(|a| TcpStream::connect_timeout(a, Duration::from_secs(2)).is_ok());
        if reachable {
            Ok(url)
        } else {
            Err(format!("nothing answers at HTTPBIN_URL={raw}"))
        }
    })
}

/// The base URL of httpbin (no trailing slash), or `None` (the test skips) where there is
/// none and none is required. Says once per run, on the process's stderr (`eprintln!` would
/// be captured with a passing test's output and never shown), that the tests were skipped.
fn httpbin() -> Option<String> {
    static SAID: std::sync::Once = std::sync::Once::new();
    match httpbin_url() {
        Ok(url) => Some(url.as_str().trim_end_matches('/').to_owned()),
        Err(why) => {
            assert!(
                std::env::var_os("TLS_REQUESTS_REQUIRE_HTTPBIN").is_none(),
                "httpbin is required (TLS_REQUESTS_REQUIRE_HTTPBIN) but missing: {why}"
            );
            SAID.call_once(|| {
                use std::io::Write as _;
                let line = format!(
                    "\nhttpbin tests SKIPPED (they passed without running): {why}; \
                     export HTTPBIN_URL=$(.ci/httpbin.sh start) to run them\n"
                );
                let _ = std::io::stderr().write_all(line.as_bytes());
            });
            None
        }
    }
}

/// A client with the default profile and a total timeout, so that no test can hang.
fn client() -> AsyncClient {
    AsyncClient::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// The response's body as JSON, after checking its status.
async fn echo(response: Response) -> Value {
    let status = response.status();
    assert_eq!(status, 200, "{}", response.url());
    response.json().await.unwrap()
}

async fn get_json(client: &AsyncClient, url: String) -> Value {
    echo(client.get(url).await.unwrap()).await
}

#[test]
fn query_parameters_arrive_in_order_with_spaces_unicode_and_repeated_keys() {
    let Some(base) = httpbin() else { return };
    run(async {
        let pairs = [
            ("q", "a b"),
            ("u", "ünï ✓"),
            ("k", "1"),
            ("k", "2"),
            ("z", "last"),
        ];
        let r = client()
            .get(format!("{base}/get?first=1"))
            .query(&pairs)
            .await
            .unwrap();
        let got = echo(r).await;
        assert_eq!(
            got["args"],
            json!({"first": "1", "q": "a b", "u": "ünï ✓", "k": ["1", "2"], "z": "last"})
        );
        // httpbin echoes the URL it was asked for (percent-decoded): the order as sent.
        assert_eq!(
            got["url"],
            format!("{base}/get?first=1&q=a+b&u=ünï+✓&k=1&k=2&z=last")
        );
    });
}

#[test]
fn a_form_is_posted_urlencoded() {
    let Some(base) = httpbin() else { return };
    run(async {
        let form = [("name", "Ada Lovelace"), ("odd", "ü&=+%"), ("k", "1")];
        let r = client()
            .post(format!("{base}/post"))
            .form(&form)
            .await
            .unwrap();
        let got = echo(r).await;
        assert_eq!(
            got["form"],
            json!({"name": "Ada Lovelace", "odd": "ü&=+%", "k": "1"})
        );
        assert_eq!(
            got["headers"]["Content-Type"],
            "application/x-www-form-urlencoded"
        );
    });
}

#[test]
fn json_is_echoed() {
    let Some(base) = httpbin() else { return };
    run(async {
        let body = json!({"a": 1, "nested": {"b": [1, 2.5, "ü", null, true]}, "empty": {}});
        let r = client()
            .put(format!("{base}/anything"))
            .json(&body)
            .await
            .unwrap();
        let got = echo(r).await;
        assert_eq!(got["json"], body);
        assert_eq!(got["method"], "PUT");
        assert_eq!(got["headers"]["Content-Type"], "application/json");
    });
}

#[test]
fn a_mebibyte_of_random_bytes_is_echoed_byte_for_byte() {
    let Some(base) = httpbin() else { return };
    run(async {
        let mut rng = fastrand::Rng::with_seed(10);
        let sent: Vec<u8> = std::iter::repeat_with(|| rng.u8(..))
            .take(1 << 20)
            .collect();
        let r = client()
            .post(format!("{base}/anything"))
            .header("Content-Type", "application/octet-stream")
            .body(sent.clone())
            .await
            .unwrap();
        let got = echo(r).await;
        assert_eq!(got["headers"]["Content-Length"], "1048576");
        // Bytes that are not UTF-8 come back as a base64 `data:` URL.
        let data = got["data"].as_str().unwrap();
        let encoded = data
            .strip_prefix("data:application/octet-stream;base64,")
            .unwrap_or_else(|| panic!("not a base64 data URL: {:.80}", data));
        let echoed = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert!(echoed == sent, "the echo differs from what was sent");
    });
}

#[test]
fn basic_auth_from_url_credentials() {
    let Some(base) = httpbin() else { return };
    let with_credentials = |userinfo: &str, path: &str| {
        let mut url = Url::parse(&format!("{base}{path}")).unwrap();
        let (user, password) = userinfo.split_once(':').unwrap();
        url.set_username(user).unwrap();
        url.set_password(Some(password)).unwrap();
        url
    };
    run(async {
        let client = client();
        let url = with_credentials("u:p", "/basic-auth/u/p");
        let got = echo(client.get(url).await.unwrap()).await;
        assert_eq!(got, json!({"authenticated": true, "user": "u"}));
        // Percent-encoded in the URL, decoded on the wire.
        let url = with_credentials("us%40er:p%20w", "/basic-auth/us@er/p%20w");
        let got = echo(client.get(url).await.unwrap()).await;
        assert_eq!(got, json!({"authenticated": true, "user": "us@er"}));
        let wrong = with_credentials("u:wrong", "/basic-auth/u/p");
        let r = client.get(wrong).await.unwrap();
        assert_eq!(r.status(), 401);
        assert!(r.headers().get("www-authenticate").is_some());
        let err = r.error_for_status().unwrap_err();
        assert_eq!(err.kind(), Kind::Status(http::StatusCode::UNAUTHORIZED));
        let none = client.get(format!("{base}/basic-auth/u/p")).await.unwrap();
        assert_eq!(none.status(), 401);
    });
}

#[test]
fn cookies_are_set_read_and_deleted_through_redirects() {
    let Some(base) = httpbin() else { return };
    run(async {
        let client = client();
        let r = client
            .get(format!("{base}/cookies/set?a=1&b=two"))
            .await
            .unwrap();
        assert_eq!(r.url().path(), "/cookies");
        assert_eq!(r.history().len(), 1);
        assert_eq!(r.history()[0].status(), 302);
        assert_eq!(echo(r).await, json!({"cookies": {"a": "1", "b": "two"}}));
        let jar = client.cookies().unwrap();
        assert_eq!(jar.get("127.0.0.1", "/", "a").as_deref(), Some("1"));
        let r = client
            .get(format!("{base}/cookies/delete?a"))
            .await
            .unwrap();
        assert_eq!(r.url().path(), "/cookies");
        assert_eq!(echo(r).await, json!({"cookies": {"b": "two"}}));
        assert_eq!(jar.get("127.0.0.1", "/", "a"), None);
        let later = get_json(&client, format!("{base}/cookies")).await;
        assert_eq!(later, json!({"cookies": {"b": "two"}}));
    });
}

#[test]
fn redirects_relative_and_absolute_keep_their_history() {
    let Some(base) = httpbin() else { return };
    run(async {
        let client = client();
        for kind in ["redirect", "relative-redirect", "absolute-redirect"] {
            let r = client.get(format!("{base}/{kind}/4")).await.unwrap();
            assert_eq!(r.url().as_str(), format!("{base}/get"), "{kind}");
            let statuses: Vec<u16> = r.history().iter().map(|h| h.status().as_u16()).collect();
            assert_eq!(statuses, [302; 4], "{kind}");
            assert_eq!(
                r.history()[0].url().as_str(),
                format!("{base}/{kind}/4"),
                "{kind}"
            );
            echo(r).await;
        }
        let err = client
            .get(format!("{base}/redirect/4"))
            .max_redirects(3)
            .await
            .unwrap_err();
        assert!(err.is_redirect(), "{err}");
        let r = client
            .get(format!("{base}/redirect/1"))
            .follow_redirects(false)
            .await
            .unwrap();
        assert_eq!(r.status(), 302);
        assert_eq!(r.headers().get("location").unwrap(), "/get");
    });
}

#[test]
fn redirect_to_keeps_a_post_body_on_307_and_308_and_drops_it_on_303() {
    let Some(base) = httpbin() else { return };
    run(async {
        let client = client();
        for (status, method, data) in [
            ("307", "POST", "payload"),
            ("308", "POST", "payload"),
            ("303", "GET", ""),
            ("302", "GET", ""),
        ] {
            let r = client
                .post(format!("{base}/redirect-to"))
                .query(&[("url", "/anything?after=1"), ("status_code", status)])
                .header("Content-Type", "text/plain")
                .body("payload")
                .await
                .unwrap();
            assert_eq!(r.history().len(), 1, "{status}");
            assert_eq!(r.history()[0].status().as_str(), status);
            let got = echo(r).await;
            assert_eq!(got["method"], method, "{status}");
            assert_eq!(got["data"], data, "{status}");
            assert_eq!(got["args"], json!({"after": "1"}), "{status}");
            let sent_type = &got["headers"]["Content-Type"];
            assert_eq!(
                sent_type.is_string(),
                method == "POST",
                "{status}: {sent_type}"
            );
        }
    });
}

#[test]
fn gzip_deflate_and_brotli_are_decoded() {
    let Some(base) = httpbin() else { return };
    run(async {
        let client = client();
        for (path, coding, flag) in [
            ("gzip", "gzip", "gzipped"),
            ("deflate", "deflate", "deflated"),
            ("brotli", "br", "brotli"),
        ] {
            let r = client.get(format!("{base}/{path}")).await.unwrap();
            assert_eq!(r.headers().get("content-encoding").unwrap(), coding);
            let got = echo(r).await;
            assert_eq!(got[flag], true, "{path}");
            let offered = got["headers"]["Accept-Encoding"].as_str().unwrap();
            assert!(offered.contains(coding), "{path}: {offered}");
        }
    });
}

#[test]
fn stream_gives_n_json_lines() {
    let Some(base) = httpbin() else { return };
    run(async {
        let r = client().get(format!("{base}/stream/7")).await.unwrap();
        assert_eq!(r.headers().get("transfer-encoding").unwrap(), "chunked");
        let text = r.text().await.unwrap();
        let ids: Vec<u64> = text
            .lines()
            .map(|line| {
                serde_json::from_str::<Value>(line).unwrap()["id"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert_eq!(ids, (0..7).collect::<Vec<_>>());
    });
}

#[test]
fn drip_is_streamed_chunk_by_chunk() {
    let Some(base) = httpbin() else { return };
    run(async {
        // 4 bytes, 0.3 s apart: the first chunk comes before the rest exists.
        let url = format!("{base}/drip?numbytes=4&duration=1.2&delay=0&code=200");
        let mut r = client().get(url).await.unwrap();
        assert_eq!(r.content_length(), Some(4));
        let mut chunks = Vec::new();
        while let Some(chunk) = r.chunk().await.unwrap() {
            chunks.push(chunk);
        }
        assert!(chunks[0].len() < 4, "one chunk: {chunks:?}");
        assert_eq!(chunks.concat(), b"****");
    });
}

#[test]
fn bytes_and_stream_bytes_have_their_exact_length() {
    let Some(base) = httpbin() else { return };
    run(async {
        let client = client();
        for n in [0usize, 1, 65536, 102400] {
            let r = client
                .get(format!("{base}/bytes/{n}?seed=7"))
                .await
                .unwrap();
            assert_eq!(r.content_length(), Some(n as u64));
            assert_eq!(r.bytes().await.unwrap().len(), n);
        }
        // Chunked, 1000 bytes a chunk; the same seed gives the same bytes.
        let url = format!("{base}/stream-bytes/100000?chunk_size=1000&seed=7");
        let r = client.get(&url).await.unwrap();
        assert_eq!(r.headers().get("transfer-encoding").unwrap(), "chunked");
        let first = r.bytes().await.unwrap();
        assert_eq!(first.len(), 100_000);
        assert_eq!(
            client.get(&url).await.unwrap().bytes().await.unwrap(),
            first
        );
    });
}

#[test]
fn a_range_request_gets_206_and_the_range() {
    let Some(base) = httpbin() else { return };
    run(async {
        let client = client();
        // /range/N serves N bytes of the alphabet, repeated.
        for (range, body, content_range) in [
            ("bytes=10-19", "klmnopqrst", "bytes 10-19/1024"),
            ("bytes=1020-", "ghij", "bytes 1020-1023/1024"),
        ] {
            let r = client
                .get(format!("{base}/range/1024"))
                .header("Range", range)
                .await
                .unwrap();
            assert_eq!(r.status(), 206, "{range}");
            assert_eq!(r.headers().get("content-range").unwrap(), content_range);
            assert_eq!(r.text().await.unwrap(), body);
        }
        let whole = client.get(format!("{base}/range/52")).await.unwrap();
        assert_eq!(whole.status(), 200);
        assert_eq!(
            whole.text().await.unwrap(),
            "abcdefghijklmnopqrstuvwxyz".repeat(2)
        );
    });
}

#[test]
fn status_codes_with_and_without_bodies() {
    let Some(base) = httpbin() else { return };
    run(async {
        let client = client();
        let teapot = client.get(format!("{base}/status/418")).await.unwrap();
        assert_eq!(teapot.status(), 418);
        assert!(teapot.text().await.unwrap().contains("teapot"));
        for code in [200u16, 201, 204, 304, 404, 500, 503] {
            let r = client.get(format!("{base}/status/{code}")).await.unwrap();
            assert_eq!(r.status(), code);
            let raised = r.raise_for_status();
            assert_eq!(raised.is_err(), code >= 400, "{code}");
            if let Err(err) = raised {
                assert_eq!(err.status().unwrap(), code, "{err}");
            }
            let body = r.bytes().await.unwrap();
            if matches!(code, 204 | 304) {
                assert!(body.is_empty(), "{code}: {body:?}");
            }
        }
        // A status list is httpbin's random pick among them.
        let r = client
            .post(format!("{base}/status/201,202"))
            .body("x")
            .await
            .unwrap();
        assert!(matches!(r.status().as_u16(), 201 | 202), "{r}");
    });
}

#[test]
fn delay_runs_into_a_shorter_timeout_of_the_right_phase() {
    let Some(base) = httpbin() else { return };
    run(async {
        let client = client();
        let url = format!("{base}/delay/5");
        let total = client
            .get(&url)
            .timeout(Duration::from_millis(300))
            .await
            .unwrap_err();
        assert_eq!(total.timeout_phase(), Some(TimeoutPhase::Total), "{total}");
        let read = client
            .get(&url)
            .read_timeout(Duration::from_millis(300))
            .await
            .unwrap_err();
        assert_eq!(read.timeout_phase(), Some(TimeoutPhase::Read), "{read}");
        assert!(read.is_timeout() && total.is_timeout());
        assert_eq!(read.url().unwrap().path(), "/delay/5");
    });
}

#[test]
fn encoding_utf8_is_read_as_text() {
    let Some(base) = httpbin() else { return };
    run(async {
        let client = client();
        let url = format!("{base}/encoding/utf8");
        let r = client.get(&url).await.unwrap();
        assert_eq!(
            r.headers().get("content-type").unwrap(),
            "text/html; charset=utf-8"
        );
        let text = r.text().await.unwrap();
        assert!(text.contains("Markus Kuhn [ˈmaʳkʊs kuːn]"), "{text:.200}");
        assert!(text.contains("∮ E⋅da = Q"));
        // Valid UTF-8 throughout (the page has a U+FFFD of its own), read unchanged.
        let bytes = client.get(&url).await.unwrap().bytes().await.unwrap();
        assert_eq!(std::str::from_utf8(&bytes).unwrap(), text);
    });
}

#[test]
fn response_headers_keep_repeated_names_in_order() {
    let Some(base) = httpbin() else { return };
    run(async {
        let r = client()
            .get(format!("{base}/response-headers"))
            .query(&[
                ("X-Rep", "1"),
                ("X-Other", "o"),
                ("X-Rep", "2"),
                ("X-Rep", "3"),
            ])
            .await
            .unwrap();
        let reps: Vec<&str> = r
            .headers()
            .get_all("x-rep")
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(reps, ["1", "2", "3"]);
        assert_eq!(r.headers().get("x-other").unwrap(), "o");
        // Names in the case they came in.
        assert!(r.headers().names().any(|n| n == "X-Rep"));
        let got = echo(r).await;
        assert_eq!(got["X-Rep"], json!(["1", "2", "3"]));
    });
}

#[test]
fn images_start_with_their_magic_bytes() {
    let Some(base) = httpbin() else { return };
    run(async {
        let client = client();
        for (path, content_type, magic) in [
            ("png", "image/png", &b"\x89PNG\r\n\x1a\n"[..]),
            ("jpeg", "image/jpeg", b"\xff\xd8\xff"),
        ] {
            let r = client.get(format!("{base}/image/{path}")).await.unwrap();
            assert_eq!(r.headers().get("content-type").unwrap(), content_type);
            let length = r.content_length();
            let body = r.bytes().await.unwrap();
            assert!(body.starts_with(magic), "{path}: {:?}", &body[..8]);
            assert_eq!(length, Some(body.len() as u64));
        }
    });
}

#[test]
fn headers_show_the_profile_user_agent() {
    let Some(base) = httpbin() else { return };
    run(async {
        for profile in [Profile::chrome(), Profile::firefox()] {
            let expected = profile.headers().get("user-agent").unwrap().clone();
            let client = AsyncClient::builder()
                .profile(profile)
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap();
            let r = client
                .get(format!("{base}/headers"))
                .header("X-Custom", "yes")
                .await
                .unwrap();
            let got = echo(r).await;
            let headers = &got["headers"];
            assert_eq!(headers["User-Agent"], expected.to_str().unwrap());
            assert_eq!(headers["X-Custom"], "yes");
            let ua = get_json(&client, format!("{base}/user-agent")).await;
            assert_eq!(ua["user-agent"], expected.to_str().unwrap());
        }
    });
}

#[test]
fn the_fetch_example_against_httpbin() {
    let Some(base) = httpbin() else { return };
    let fetch = |args: &[&str]| {
        let out = std::process::Command::new(crate::support::fetch_example())
            .args(args)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (
            out.status.code(),
            stdout,
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let redirect = format!("{base}/redirect-to?url=/anything&status_code=307");
    let (code, body, stderr) = fetch(&["-L", "-d", "a=1", "-d", "b=2", &redirect]);
    assert_eq!(code, Some(0), "{stderr}");
    let got: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(got["method"], "POST");
    assert_eq!(got["form"], json!({"a": "1", "b": "2"}));
    // Failures: one line on stderr, curl's exit status.
    for (args, status) in [
        (vec!["-f", "/status/500"], 22),
        (vec!["-m", "0.3", "/delay/5"], 1),
        (vec!["--max-redirs", "1", "-L", "/redirect/3"], 1),
    ] {
        let (flags, path) = args.split_at(args.len() - 1);
        let url = format!("{base}{}", path[0]);
        let (code, _, stderr) = fetch(&[flags, &[url.as_str()]].concat());
        assert_eq!(code, Some(status), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

/// The bytes of a value httpbin echoes: text as it is, other bytes as a base64 `data:` URL.
fn echoed_bytes(value: &Value) -> Vec<u8> {
    let text = value.as_str().unwrap();
    match text
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(";base64,"))
    {
        Some((_, encoded)) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
        None => text.as_bytes().to_vec(),
    }
}

#[test]
fn multipart_fields_and_a_mebibyte_file_are_echoed_byte_for_byte() {
    use tls_requests::multipart::{Form, Part};
    let Some(base) = httpbin() else { return };
    let dir = std::env::temp_dir().join(format!("tls-requests-httpbin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("random.bin");
    let mut rng = fastrand::Rng::with_seed(7);
    let sent: Vec<u8> = std::iter::repeat_with(|| rng.u8(..))
        .take(1 << 20)
        .collect();
    std::fs::write(&path, &sent).unwrap();
    run(async {
        let form = Form::new()
            .text("title", "holiday snaps")
            .text("note", "Zoë 東京")
            .file("upload", &path)
            .unwrap()
            .part("small", Part::bytes(b"tiny".to_vec()).file_name("t.txt"));
        let r = client()
            .post(format!("{base}/post"))
            .multipart(form)
            .await
            .unwrap();
        let got = echo(r).await;
        assert_eq!(
            got["form"],
            json!({"title": "holiday snaps", "note": "Zoë 東京"})
        );
        assert!(
            got["headers"]["Content-Type"]
                .as_str()
                .unwrap()
                .starts_with("multipart/form-data; boundary="),
            "{}",
            got["headers"]
        );
        assert_eq!(got["files"]["small"], "tiny");
        assert!(
            echoed_bytes(&got["files"]["upload"]) == sent,
            "the file differs from the echo"
        );
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn digest_auth_with_md5_and_sha256() {
    let Some(base) = httpbin() else { return };
    run(async {
        for algorithm in ["MD5", "SHA-256"] {
            let url = format!("{base}/digest-auth/auth/alice/s3cret/{algorithm}");
            let ok = client()
                .get(&url)
                .auth(tls_requests::DigestAuth::new("alice", "s3cret"))
                .await
                .unwrap();
            assert_eq!(ok.status(), 200, "{algorithm}");
            assert_eq!(
                ok.json::<Value>().await.unwrap(),
                json!({"authenticated": true, "user": "alice"})
            );
            let wrong = client()
                .get(&url)
                .auth(tls_requests::DigestAuth::new("alice", "wrong"))
                .await
                .unwrap();
            assert_eq!(wrong.status(), 401, "{algorithm}");
        }
        let bearer = client()
            .get(format!("{base}/bearer"))
            .bearer_auth("token-1")
            .await
            .unwrap();
        assert_eq!(echo(bearer).await["token"], "token-1");
    });
}

#[test]
fn client_query_defaults_retries_and_lines() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let Some(base) = httpbin() else { return };
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = attempts.clone();
    let client = AsyncClient::builder()
        .timeout(Duration::from_secs(20))
        .query(&[("key", "k 1"), ("lang", "en")])
        .retry(
            tls_requests::Retry::new(2)
                .backoff(Duration::from_millis(5), Duration::from_millis(20)),
        )
        .on_response(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .build()
        .unwrap();
    run(async {
        let got = echo(client.get(format!("{base}/get?lang=fr")).await.unwrap()).await;
        assert_eq!(got["args"], json!({"key": "k 1", "lang": "fr"}));
        attempts.store(0, Ordering::SeqCst);
        let down = client.get(format!("{base}/status/503")).await.unwrap();
        assert_eq!(down.status(), 503);
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            3,
            "two retries, each seen by the hook"
        );
        attempts.store(0, Ordering::SeqCst);
        let post = client.post(format!("{base}/status/503")).await.unwrap();
        assert_eq!(
            (post.status().as_u16(), attempts.load(Ordering::SeqCst)),
            (503, 1),
            "a POST is not retried"
        );

        use futures_lite::StreamExt as _;
        let lines: Vec<String> = client
            .get(format!("{base}/stream/5"))
            .await
            .unwrap()
            .lines()
            .map(|l| l.unwrap())
            .collect()
            .await;
        assert_eq!(lines.len(), 5, "{lines:?}");
        for (i, line) in lines.iter().enumerate() {
            let v: Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["id"], i);
        }
        let text = client.get(format!("{base}/encoding/utf8")).await.unwrap();
        assert_eq!(text.encoding(), "UTF-8");
        assert!(text.text().await.unwrap().contains("∮ E⋅da = Q"));
    });
}
