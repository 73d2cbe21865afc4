//! The blocking client over real sockets, on threads with no executor of their own.

use std::io::Read;

use tls_requests::blocking::Client;

use crate::support::{Reply, Server};

#[test]
fn blocking_client_has_the_async_surface() {
    let server = Server::tls(|s| match s.target.as_str() {
        "/missing" => Reply::status(404, &[], "no"),
        _ => Reply::ok(&format!(
            "{} {}",
            s.method,
            String::from_utf8_lossy(&s.body)
        )),
    });
    let client = server
        .client()
        .timeout(std::time::Duration::from_secs(5))
        .build_blocking()
        .unwrap();
    assert_eq!(
        client.get(server.url("/")).send().unwrap().text().unwrap(),
        "GET "
    );
    assert_eq!(
        client
            .post(server.url("/"))
            .body("b")
            .send()
            .unwrap()
            .text()
            .unwrap(),
        "POST b"
    );
    let mut reader = client
        .put(server.url("/"))
        .body("r")
        .send()
        .unwrap()
        .into_reader();
    let mut text = String::new();
    reader.read_to_string(&mut text).unwrap();
    assert_eq!(text, "PUT r");
    let r = client.get(server.url("/missing")).send().unwrap();
    assert_eq!(r.to_string(), "<Response [404 Not Found]>");
    assert_eq!(
        r.error_for_status()
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(404)
    );

    // Clones on other threads share the pool.
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let (client, url) = (client.clone(), server.url("/"));
            std::thread::spawn(move || client.post(url).body(format!("{i}")).send()?.text())
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        assert_eq!(t.join().unwrap().unwrap(), format!("POST {i}"));
    }
    assert!(server.connections() <= 4);
    client.close();
    assert!(client.get(server.url("/")).send().unwrap_err().is_closed());
    assert!(Client::new().get("nope").send().unwrap_err().is_url());
}

#[test]
fn the_blocking_builder_builds_a_blocking_client_as_reqwests_does() {
    let server = Server::plain(|s| Reply::ok(&format!("{} {}", s.method, s.target)));
    let client = Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .query(&[("page", 2)])
        .build()
        .unwrap();
    let r = client.get(server.url("/list")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().unwrap(), "GET /list?page=2");
    let err = Client::builder().base_url("not a url").build().unwrap_err();
    assert!(err.is_url(), "{err}");
}

#[test]
fn one_shot_gets_need_no_client() {
    let server = Server::plain(|s| Reply::ok(&format!("one {}", s.target)));
    let r = tls_requests::blocking::get(server.url("/b")).unwrap();
    assert_eq!(r.text().unwrap(), "one /b");
    let text = crate::support::run(async {
        let r = tls_requests::get(server.url("/a")).await.unwrap();
        r.text().await.unwrap()
    });
    assert_eq!(text, "one /a", "the body outlives the one-shot client");
}
