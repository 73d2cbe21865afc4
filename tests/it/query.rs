//! Query parameters: the URL's own, the client's defaults and the request's, merged and
//! encoded as the server receives them.

use tls_requests::AsyncClient;

use crate::support::{Reply, Server, run};

fn echo_target() -> Server {
    Server::plain(|s| Reply::ok(&s.target))
}

async fn target(request: tls_requests::RequestBuilder) -> String {
    request.await.unwrap().text().await.unwrap()
}

#[test]
fn request_pairs_are_encoded_and_appended_in_order() {
    let server = echo_target();
    let client = AsyncClient::new();
    run(async {
        let sent = target(client.get(server.url("/s?own=1")).query(&[
            ("q", "a b&c=d"),
            ("tag", "x"),
            ("tag", "y"),
            ("name", "Zoë 東京"),
            ("empty", ""),
        ]))
        .await;
        assert_eq!(
            sent,
            "/s?own=1&q=a+b%26c%3Dd&tag=x&tag=y&name=Zo%C3%AB+%E6%9D%B1%E4%BA%AC&empty="
        );
        let twice = client
            .get(server.url("/s"))
            .query(&[("a", "1")])
            .query(&vec![("b".to_string(), "2".to_string())]);
        assert_eq!(target(twice).await, "/s?a=1&b=2");
    });
}

#[test]
fn client_defaults_come_between_the_urls_and_the_requests_unless_either_names_them() {
    let server = echo_target();
    let client = AsyncClient::builder()
        .base_url(server.url("/api/"))
        .query(&[("key", "k 1"), ("lang", "en"), ("page", "1")])
        .build()
        .unwrap();
    run(async {
        assert_eq!(
            target(client.get("items")).await,
            "/api/items?key=k+1&lang=en&page=1"
        );
        let overridden = client
            .get("items?page=3")
            .query(&[("lang", "fr"), ("x", "y")]);
        assert_eq!(
            target(overridden).await,
            "/api/items?page=3&key=k+1&lang=fr&x=y"
        );
        let built = client
            .get("items")
            .query(&[("key", "mine")])
            .build()
            .unwrap();
        assert_eq!(built.url().query(), Some("lang=en&page=1&key=mine"));
    });
    let blocking = AsyncClient::builder()
        .query(&[("via", "blocking")])
        .build_blocking()
        .unwrap();
    let text = blocking
        .get(server.url("/b"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(text, "/b?via=blocking");
}

#[derive(serde::Serialize)]
struct Search<'a> {
    q: &'a str,
    page: u32,
    per_page: Option<u8>,
    exact: bool,
}

#[test]
fn any_serialize_is_a_query_numbers_structs_and_maps() {
    let server = echo_target();
    let client = AsyncClient::builder()
        .query(&std::collections::BTreeMap::from([("lang", "en")]))
        .build()
        .unwrap();
    run(async {
        let numbers = client
            .get(server.url("/n"))
            .query(&[("page", 2), ("per_page", 50)]);
        assert_eq!(target(numbers).await, "/n?lang=en&page=2&per_page=50");
        let search = Search {
            q: "rust tls",
            page: 3,
            per_page: None,
            exact: true,
        };
        let structured = client.get(server.url("/s")).query(&search);
        assert_eq!(
            target(structured).await,
            "/s?lang=en&q=rust+tls&page=3&exact=true"
        );
        let mixed = client
            .get(server.url("/m"))
            .query(&[("id", 1.5)])
            .query(&[("lang", "de")]);
        assert_eq!(target(mixed).await, "/m?id=1.5&lang=de");
    });
}

#[test]
fn a_query_that_cannot_be_pairs_is_a_builder_error_before_anything_is_sent() {
    #[derive(serde::Serialize)]
    struct Nested {
        inner: Search<'static>,
    }
    let server = echo_target();
    let nested = Nested {
        inner: Search {
            q: "x",
            page: 1,
            per_page: None,
            exact: false,
        },
    };
    run(async {
        let err = AsyncClient::new()
            .get(server.url("/x"))
            .query(&nested)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), tls_requests::Kind::Builder, "{err}");
        assert!(err.is_builder(), "{err}");
        assert_eq!(err.url().map(|u| u.path()), Some("/x"), "{err}");
    });
    let err = AsyncClient::builder().query(&42).build().unwrap_err();
    assert_eq!(err.kind(), tls_requests::Kind::Builder, "{err}");
    assert_eq!(server.connections(), 0);
}
