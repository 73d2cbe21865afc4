//! Request bodies over real sockets: multipart forms (text, bytes, files from a path, streams)
//! parsed by the server as sent, sized streams held to their length, serde forms, and
//! fetch's `-F`, `--data-urlencode` and `-G`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_lite::io::Cursor;
use tls_requests::multipart::{Form, Part};
use tls_requests::rt::{BoxFuture, Executor, SmolExecutor};
use tls_requests::{AsyncClient, Body, Kind};

use crate::support::{Reply, Seen, Server, run};

/// A part as the server parsed it: its header lines and its content.
#[derive(Debug)]
struct SeenPart {
    head: String,
    content: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Splits a `multipart/form-data` body by the boundary of its `Content-Type`, checking the
/// framing byte for byte on the way.
fn parts(seen: &Seen) -> Vec<SeenPart> {
    let content_type = seen.header("content-type").expect("a Content-Type");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));
    let body = &seen.body[..];
    let first = format!("--{boundary}\r\n");
    let between = format!("\r\n--{boundary}\r\n");
    let last = format!("\r\n--{boundary}--\r\n");
    assert!(body.starts_with(first.as_bytes()), "{body:?}");
    assert!(body.ends_with(last.as_bytes()), "{body:?}");
    let inner = &body[first.len()..body.len() - last.len()];
    let mut pieces = Vec::new();
    let mut at = 0;
    while let Some(i) = find(inner, between.as_bytes(), at) {
        pieces.push(&inner[at..i]);
        at = i + between.len();
    }
    pieces.push(&inner[at..]);
    pieces
        .into_iter()
        .map(|piece| {
            let end = find(piece, b"\r\n\r\n", 0).expect("a part head");
            SeenPart {
                head: String::from_utf8(piece[..end].to_vec()).unwrap(),
                content: piece[end + 4..].to_vec(),
            }
        })
        .collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tls-requests-multipart-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The executor, counting the blocking jobs it runs.
struct Counting(Arc<AtomicUsize>);

impl Executor for Counting {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        SmolExecutor.spawn(task)
    }
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        SmolExecutor.sleep(duration)
    }
    fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()> {
        self.0.fetch_add(1, Ordering::SeqCst);
        SmolExecutor.spawn_blocking(job)
    }
}

#[test]
fn text_bytes_and_a_file_go_with_escaped_names_guessed_types_and_their_length() {
    let server = Server::plain(|_| Reply::ok("ok"));
    let dir = temp_dir("file");
    let path = dir.join("notes.txt");
    std::fs::write(&path, "line one\nline two\n").unwrap();
    run(async {
        let blocking_jobs = Arc::new(AtomicUsize::new(0));
        let client = AsyncClient::builder()
            .executor(Counting(blocking_jobs.clone()))
            .build()
            .unwrap();
        let form = Form::new()
            .text("plain", "value é")
            .text("we\"ird\r\nna\nme", "v")
            .part(
                "pic",
                Part::bytes(&[0u8, 159, 146, 150][..]).file_name("a \"b\".png"),
            )
            .part("raw", Part::bytes("xyz"))
            .file("doc", &path)
            .unwrap();
        let expected_len = form.content_length().unwrap();
        let r = client
            .post(server.url("/up"))
            .multipart(form)
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            blocking_jobs.load(Ordering::SeqCst) >= 2,
            "the file is read (to its end) through spawn_blocking"
        );
        let seen = &server.seen()[0];
        assert_eq!(seen.header("transfer-encoding"), None);
        assert_eq!(
            seen.header("content-length"),
            Some(&*seen.body.len().to_string())
        );
        assert_eq!(seen.body.len() as u64, expected_len);
        let parts = parts(seen);
        let heads: Vec<&str> = parts.iter().map(|p| p.head.as_str()).collect();
        assert_eq!(
            heads,
            [
                "Content-Disposition: form-data; name=\"plain\"",
                "Content-Disposition: form-data; name=\"we%22ird%0D%0Ana%0D%0Ame\"",
                "Content-Disposition: form-data; name=\"pic\"; filename=\"a %22b%22.png\"\r\n\
                 Content-Type: image/png",
                "Content-Disposition: form-data; name=\"raw\"\r\n\
                 Content-Type: application/octet-stream",
                "Content-Disposition: form-data; name=\"doc\"; filename=\"notes.txt\"\r\n\
                 Content-Type: text/plain",
            ]
        );
        let contents: Vec<&[u8]> = parts.iter().map(|p| &p.content[..]).collect();
        assert_eq!(
            contents,
            [
                "value é".as_bytes(),
                b"v",
                &[0, 159, 146, 150],
                b"xyz",
                b"line one\nline two\n"
            ]
        );
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_stream_of_unknown_length_makes_the_form_chunked() {
    let server = Server::plain(|_| Reply::ok("ok"));
    run(async {
        let client = AsyncClient::new();
        let stream = Cursor::new(vec![7u8; 100_000]);
        let sized = Cursor::new(b"exact".to_vec());
        let form = Form::new()
            .text("a", "1")
            .part("s", Part::reader(stream).file_name("s.bin"))
            .part(
                "t",
                Part::reader_with_length(sized, 5)
                    .mime_str("text/x")
                    .unwrap(),
            );
        assert_eq!(form.content_length(), None);
        client.put(server.url("/")).multipart(form).await.unwrap();
        let seen = &server.seen()[0];
        assert_eq!(seen.header("transfer-encoding"), Some("chunked"));
        assert_eq!(seen.header("content-length"), None);
        let parts = parts(seen);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[1].content, vec![7u8; 100_000]);
        assert!(
            parts[1]
                .head
                .ends_with("Content-Type: application/octet-stream")
        );
        assert_eq!(parts[2].content, b"exact");
        assert!(
            parts[2].head.ends_with("Content-Type: text/x"),
            "{}",
            parts[2].head
        );
    });
}

#[test]
fn a_sized_body_is_sent_with_its_length() {
    let server = Server::plain(|s| Reply::ok(&String::from_utf8_lossy(&s.body)));
    run(async {
        let client = AsyncClient::new();
        let body = Body::sized(Cursor::new(b"twelve bytes".to_vec()), 12);
        let r = client.post(server.url("/")).body(body).await.unwrap();
        assert_eq!(r.text().await.unwrap(), "twelve bytes");
        let seen = &server.seen()[0];
        assert_eq!(seen.header("content-length"), Some("12"));
        assert_eq!(seen.header("transfer-encoding"), None);
    });
}

#[test]
fn a_sized_body_that_ends_early_or_goes_on_is_a_body_error_and_its_connection_is_dropped() {
    let server = Server::plain(|_| Reply::ok("ok"));
    run(async {
        let client = AsyncClient::new();
        for (content, declared) in [(&b"abc"[..], 10), (&b"abcdefghijkl"[..], 10)] {
            // A pooled connection first, which the failing request takes.
            client
                .get(server.url("/warm"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let before = server.connections();
            let body = Body::sized(Cursor::new(content.to_vec()), declared);
            let err = client.post(server.url("/")).body(body).await.unwrap_err();
            assert_eq!(err.kind(), Kind::Body, "{err}");
            assert!(err.to_string().contains("declared 10 bytes"), "{err}");
            client
                .get(server.url("/after"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(
                server.connections(),
                before + 1,
                "the request after it needed a new connection"
            );
        }
        // Neither failing request reached the handler: the server saw only the GETs.
        assert!(server.seen().iter().all(|s| s.method == "GET"));
    });
}

#[test]
fn a_serde_form_from_a_struct_a_map_or_pairs() {
    #[derive(serde::Serialize)]
    struct Login<'a> {
        user: &'a str,
        remember: bool,
        tries: u32,
        note: Option<&'a str>,
    }
    let server = Server::plain(|s| Reply::ok(&String::from_utf8_lossy(&s.body)));
    run(async {
        let client = AsyncClient::new();
        let send =
            |r: tls_requests::RequestBuilder| async move { r.await.unwrap().text().await.unwrap() };
        let login = Login {
            user: "a b&c",
            remember: true,
            tries: 3,
            note: None,
        };
        let url = server.url("/");
        assert_eq!(
            send(client.post(&url).form(&login)).await,
            "user=a+b%26c&remember=true&tries=3"
        );
        let map = BTreeMap::from([("k", "v=1"), ("a", "é")]);
        assert_eq!(send(client.post(&url).form(&map)).await, "a=%C3%A9&k=v%3D1");
        assert_eq!(
            send(client.post(&url).form(&[("x", 1), ("y", 2)])).await,
            "x=1&y=2"
        );
        for seen in server.seen() {
            assert_eq!(
                seen.header("content-type"),
                Some("application/x-www-form-urlencoded")
            );
        }
        #[derive(serde::Serialize)]
        struct Nested {
            inner: Login<'static>,
        }
        let nested = Nested {
            inner: Login {
                user: "u",
                remember: false,
                tries: 0,
                note: None,
            },
        };
        let err = client.post(&url).form(&nested).await.unwrap_err();
        assert_eq!(err.kind(), Kind::Body, "{err}");
    });
}

/// Runs the built `fetch` with `args`: its exit code, stdout and stderr.
fn fetch(args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(crate::support::fetch_example())
        .args(args)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.code(), text(out.stdout), text(out.stderr))
}

#[test]
fn fetch_sends_form_parts_as_curl_does() {
    let server = Server::plain(|_| Reply::ok("ok"));
    let dir = temp_dir("fetch-form");
    let (txt, bin) = (dir.join("a.txt"), dir.join("data.bin"));
    std::fs::write(&txt, "hello\n").unwrap();
    std::fs::write(&bin, [1u8, 2, 3]).unwrap();
    let (txt, bin) = (txt.to_str().unwrap(), bin.to_str().unwrap());
    let (code, stdout, stderr) = fetch(&[
        "-F",
        "name=value",
        "-F",
        &format!("up=@{txt}"),
        "--form",
        &format!("typed=@{txt};type=text/x-custom"),
        "-F",
        &format!("renamed=@{bin};filename=x.bin"),
        "-F",
        &format!("field=<{txt}"),
        &server.url("/form"),
    ]);
    assert_eq!((code, stdout.as_str()), (Some(0), "ok"), "{stderr}");
    let seen = &server.seen()[0];
    assert_eq!(seen.method, "POST");
    assert_eq!(
        seen.header("content-length"),
        Some(&*seen.body.len().to_string())
    );
    let parts = parts(seen);
    let disposition = "Content-Disposition: form-data; name=";
    let heads: Vec<String> = parts
        .iter()
        .map(|p| p.head.replace(disposition, ""))
        .collect();
    assert_eq!(
        heads,
        [
            "\"name\"",
            "\"up\"; filename=\"a.txt\"\r\nContent-Type: text/plain",
            "\"typed\"; filename=\"a.txt\"\r\nContent-Type: text/x-custom",
            "\"renamed\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream",
            "\"field\"",
        ]
    );
    let contents: Vec<&[u8]> = parts.iter().map(|p| &p.content[..]).collect();
    assert_eq!(
        contents,
        [
            &b"value"[..],
            b"hello\n",
            b"hello\n",
            &[1, 2, 3],
            b"hello\n"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fetch_urlencodes_data_as_curl_does_and_g_puts_it_in_the_query() {
    let server = Server::plain(|_| Reply::ok("ok"));
    let dir = temp_dir("fetch-urlencode");
    let file = dir.join("v.txt");
    std::fs::write(&file, "x y\n").unwrap();
    let file = file.to_str().unwrap();
    let (code, _, stderr) = fetch(&[
        "--data-urlencode",
        "a b",
        "--data-urlencode",
        "=c&d",
        "--data-urlencode",
        "n=v w=é",
        "--data-urlencode",
        &format!("@{file}"),
        "--data-urlencode",
        &format!("f@{file}"),
        "-d",
        "raw=1",
        &server.url("/post"),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = fetch(&[
        "-G",
        "-d",
        "x=1",
        "--data-urlencode",
        "q=a b",
        &server.url("/get?z=0"),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = fetch(&["--get", "--data-urlencode", "q=1", &server.url("/g")]);
    assert_eq!(code, Some(0), "{stderr}");
    let seen = server.seen();
    assert_eq!(seen[0].method, "POST");
    assert_eq!(
        String::from_utf8_lossy(&seen[0].body),
        "a%20b&c%26d&n=v%20w%3D%C3%A9&x%20y%0A&f=x%20y%0A&raw=1"
    );
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    for (s, target) in seen[1..].iter().zip(["/get?z=0&x=1&q=a%20b", "/g?q=1"]) {
        assert_eq!((s.method.as_str(), s.target.as_str()), ("GET", target));
        assert!(s.body.is_empty());
        assert_eq!(s.header("content-type"), None);
        assert_eq!(s.header("content-length"), None);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fetch_form_errors_are_one_line_and_a_failing_exit() {
    let server = Server::plain(|_| Reply::ok("ok"));
    let url = server.url("/");
    let dir = temp_dir("fetch-errors");
    let file = dir.join("f.txt");
    std::fs::write(&file, "x").unwrap();
    let (unknown, bad_type) = (
        format!("a=@{};size=3", file.display()),
        format!("a=@{};type=bad\u{7f}", file.display()),
    );
    for (args, says) in [
        (
            vec!["-F", "up=@/nonexistent/upload.bin"],
            "/nonexistent/upload.bin",
        ),
        (
            vec!["-F", "up=</nonexistent/field.txt"],
            "/nonexistent/field.txt",
        ),
        (
            vec!["--data-urlencode", "n@/nonexistent/d.txt"],
            "/nonexistent/d.txt",
        ),
        (vec!["-F", "novalue"], "NAME=VALUE"),
        (vec!["-F", "a=1", "-d", "b=2"], "-F cannot be used with -d"),
        (vec!["-F", &unknown], "unknown parameter"),
        (vec!["-F", &bad_type], "-F a"),
        (vec!["-I", "-F", "a=1"], "-I cannot be used"),
    ] {
        let mut all = args.clone();
        all.push(&url);
        let (code, stdout, stderr) = fetch(&all);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(says),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(server.connections(), 0, "nothing was sent");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A form of parts in memory only is bytes: a 307 sends it again, whole, as httpx does.
#[test]
fn an_in_memory_form_follows_a_307_with_its_body() {
    let server = Server::plain(|s| match s.target.as_str() {
        "/first" => Reply::status(307, &[("Location", "/second")], ""),
        _ => Reply::ok(&format!(
            "{} {}",
            s.header("content-length").unwrap_or("-"),
            String::from_utf8_lossy(&s.body).contains("name=\"note\"\r\n\r\nhello")
        )),
    });
    let form = Form::new()
        .text("note", "hello")
        .part("blob", Part::bytes(vec![1u8, 2, 3]).file_name("b.bin"));
    let length = form.content_length().unwrap();
    let text = run(async {
        let client = AsyncClient::new();
        let response = client
            .post(server.url("/first"))
            .multipart(form)
            .await
            .unwrap();
        response.text().await.unwrap()
    });
    assert_eq!(text, format!("{length} true"));
    assert_eq!(server.seen()[0].body, server.seen()[1].body);
}
