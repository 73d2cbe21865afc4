//! [`Matcher`]s as a user mounts them: each condition, first match wins, and what a request
//! that no mock matched gets back.

use tls_requests::mock::{Matcher, Mock, MockResponse, MockTransport};
use tls_requests::{AsyncClient, BasicAuth, BearerAuth, Method, StatusCode};

use crate::support::minimal_profile;

fn client(mock: &MockTransport) -> AsyncClient {
    AsyncClient::builder()
        .profile(minimal_profile())
        .connector(mock.clone())
        .build()
        .unwrap()
}

/// A transport whose unmatched requests are part of the test, not a failure.
fn lenient() -> MockTransport {
    MockTransport::builder().allow_unmatched().build()
}

/// The status and body `client` gets for `request`.
async fn answer(request: tls_requests::RequestBuilder) -> (u16, String) {
    let r = request.await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn ok(body: &str) -> MockResponse {
    MockResponse::new(200).body(body.to_owned())
}

#[test]
fn method_and_exact_path() {
    smol::block_on(async {
        let mock = lenient();
        mock.on(Matcher::get().path("/users")).respond(ok("list"));
        mock.on(Matcher::post().path("/users")).respond(ok("made"));
        mock.on(Matcher::method(Method::from_bytes(b"PURGE").unwrap()).path("/cache"))
            .respond(ok("purged"));
        let c = client(&mock);
        assert_eq!(
            answer(c.get("https://api.test/users")).await,
            (200, "list".into())
        );
        assert_eq!(
            answer(c.post("https://api.test/users")).await,
            (200, "made".into())
        );
        let purge = Method::from_bytes(b"PURGE").unwrap();
        assert_eq!(
            answer(c.request(purge, "https://api.test/cache")).await,
            (200, "purged".into())
        );
        assert_eq!(answer(c.put("https://api.test/users")).await.0, 404);
        assert_eq!(answer(c.get("https://api.test/users/")).await.0, 404);
        assert_eq!(answer(c.get("https://api.test/user")).await.0, 404);
        assert_eq!(mock.unmatched().len(), 3);
    });
}

#[test]
fn path_is_compared_percent_encoded_and_the_query_apart() {
    smol::block_on(async {
        let mock = MockTransport::default();
        mock.on(Matcher::get().path("/files/my report.pdf"))
            .respond(ok("pdf"));
        let c = client(&mock);
        let r = answer(c.get("https://api.test/files/my%20report.pdf?download=1")).await;
        assert_eq!(r, (200, "pdf".into()));
    });
}

#[test]
fn path_prefix_is_a_string_prefix() {
    smol::block_on(async {
        let mock = lenient();
        mock.on(Matcher::any().path_prefix("/api/"))
            .respond(ok("api"));
        mock.on(Matcher::any().path_prefix("/v")).respond(ok("v"));
        let c = client(&mock);
        assert_eq!(answer(c.get("https://h.test/api/a/b")).await.1, "api");
        assert_eq!(answer(c.delete("https://h.test/api/")).await.1, "api");
        assert_eq!(answer(c.get("https://h.test/v2/x")).await.1, "v");
        assert_eq!(answer(c.get("https://h.test/api")).await.0, 404);
    });
}

#[test]
fn query_parameters_are_compared_decoded_whatever_their_order() {
    smol::block_on(async {
        let mock = lenient();
        mock.on(Matcher::get()
            .path("/search")
            .query("q", "a b")
            .query("page", "2"))
            .respond(ok("found"));
        let c = client(&mock);
        let found = c.get("https://h.test/search?page=2&x=1&q=a+b");
        assert_eq!(answer(found).await.1, "found");
        let built = c
            .get("https://h.test/search")
            .query(&[("q", "a b"), ("page", "2")]);
        assert_eq!(answer(built).await.1, "found");
        // One value among repeated ones is enough.
        let repeated = c.get("https://h.test/search?page=1&page=2&q=a%20b");
        assert_eq!(answer(repeated).await.1, "found");
        assert_eq!(
            answer(c.get("https://h.test/search?q=a+b&page=3")).await.0,
            404
        );
        assert_eq!(answer(c.get("https://h.test/search?q=a+b")).await.0, 404);
    });
}

#[test]
fn headers_by_name_in_any_case_and_exact_value() {
    smol::block_on(async {
        let mock = lenient();
        mock.on(Matcher::get()
            .header("x-api-version", "2")
            .header_exists("X-Request-Id"))
            .respond(ok("v2"));
        let c = client(&mock);
        let v2 = c
            .get("https://h.test/")
            .header("X-API-Version", "2")
            .header("x-request-id", "abc");
        assert_eq!(answer(v2).await.1, "v2");
        let no_id = c.get("https://h.test/").header("X-API-Version", "2");
        assert_eq!(answer(no_id).await.0, 404);
        let other = c
            .get("https://h.test/")
            .header("X-API-Version", "20")
            .header("X-Request-Id", "abc");
        assert_eq!(answer(other).await.0, 404);
    });
}

#[test]
fn host_tells_apart_origins_on_one_transport() {
    smol::block_on(async {
        let mock = MockTransport::default();
        mock.on(Matcher::any().host("a.test")).respond(ok("a"));
        mock.on(Matcher::any().host("B.test")).respond(ok("b"));
        let c = client(&mock);
        assert_eq!(answer(c.get("https://a.test/")).await.1, "a");
        assert_eq!(answer(c.get("http://b.test:8080/")).await.1, "b");
        assert_eq!(mock.connections(), 2);
    });
}

#[cfg(feature = "json")]
#[test]
fn json_body_equals_a_value_whatever_its_key_order() {
    #[derive(serde::Serialize)]
    struct NewUser {
        name: &'static str,
        admin: bool,
    }
    use serde_json::json;
    smol::block_on(async {
        let mock = lenient();
        mock.on(Matcher::post().path("/users").json(&NewUser {
            name: "ann",
            admin: false,
        }))
        .respond(MockResponse::json(&json!({"id": 7})).status(201));
        let c = client(&mock);
        let r = c
            .post("https://api.test/users")
            .body(r#"{ "admin": false, "name": "ann" }"#)
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers().get("content-type").unwrap(), "application/json");
        assert_eq!(
            r.json::<serde_json::Value>().await.unwrap(),
            json!({"id": 7})
        );
        let admin = c
            .post("https://api.test/users")
            .json(&json!({"name": "ann", "admin": true}));
        assert_eq!(answer(admin).await.0, 404);
        let not_json = c.post("https://api.test/users").body("name=ann");
        assert_eq!(answer(not_json).await.0, 404);
    });
}

#[test]
fn exact_body() {
    smol::block_on(async {
        let mock = lenient();
        mock.on(Matcher::put().body(&b"\x00\x01raw"[..]))
            .respond(MockResponse::new(204));
        let c = client(&mock);
        let raw = c.put("https://h.test/blob").body(b"\x00\x01raw".to_vec());
        assert_eq!(answer(raw).await.0, 204);
        assert_eq!(
            answer(c.put("https://h.test/blob").body("raw")).await.0,
            404
        );
    });
}

#[test]
fn basic_and_bearer_credentials() {
    smol::block_on(async {
        let mock = lenient();
        mock.on(Matcher::get().path("/basic").basic_auth("ann", "s3cret"))
            .respond(ok("basic"));
        mock.on(Matcher::get().path("/bearer").bearer_auth("t0k"))
            .respond(ok("bearer"));
        let c = client(&mock);
        let basic = c
            .get("https://h.test/basic")
            .auth(BasicAuth::new("ann", "s3cret"));
        assert_eq!(answer(basic).await.1, "basic");
        let wrong = c.get("https://h.test/basic").auth(("ann", "guess"));
        assert_eq!(answer(wrong).await.0, 404);
        let bearer = c.get("https://h.test/bearer").auth(BearerAuth::new("t0k"));
        assert_eq!(answer(bearer).await.1, "bearer");
        let by_hand = c
            .get("https://h.test/bearer")
            .header("Authorization", "bearer t0k");
        assert_eq!(
            answer(by_hand).await.1,
            "bearer",
            "the scheme is case-insensitive"
        );
        let other = c.get("https://h.test/bearer").auth(BearerAuth::new("t0k2"));
        assert_eq!(answer(other).await.0, 404);
    });
}

#[test]
fn custom_closure() {
    smol::block_on(async {
        let mock = lenient();
        mock.on(Matcher::post().matches(|req| req.body.len() > 4))
            .respond(ok("big"));
        mock.on(Matcher::post()).respond(ok("small"));
        let c = client(&mock);
        assert_eq!(
            answer(c.post("https://h.test/").body("12345")).await.1,
            "big"
        );
        assert_eq!(
            answer(c.post("https://h.test/").body("1234")).await.1,
            "small"
        );
    });
}

#[test]
fn first_mounted_match_wins_and_later_ones_catch_the_rest() {
    smol::block_on(async {
        let mock = MockTransport::default();
        let special = mock
            .on(Matcher::get().path("/items/1"))
            .respond(ok("special"));
        let any_item = mock
            .on(Matcher::get().path_prefix("/items/"))
            .respond(ok("item"));
        // Mounted after the catch-all: never reached.
        let shadowed = mock
            .on(Matcher::get().path("/items/2"))
            .respond(ok("shadowed"));
        let c = client(&mock);
        assert_eq!(answer(c.get("https://h.test/items/1")).await.1, "special");
        assert_eq!(answer(c.get("https://h.test/items/2")).await.1, "item");
        assert_eq!(answer(c.get("https://h.test/items/3")).await.1, "item");
        assert_eq!(special.received().len(), 1);
        let paths: Vec<_> = any_item
            .received()
            .iter()
            .map(|r| r.url.path().to_owned())
            .collect();
        assert_eq!(paths, ["/items/2", "/items/3"]);
        assert!(shadowed.received().is_empty());
    });
}

#[test]
fn a_mock_built_apart_is_mounted_later() {
    fn health() -> Mock {
        Mock::when(Matcher::get().path("/health"))
            .respond(ok("up"))
            .named("health check")
    }
    smol::block_on(async {
        let mock = MockTransport::default();
        let c = client(&mock);
        let unmounted = health();
        assert!(unmounted.received().is_empty());
        let mounted = health().mount(&mock);
        assert_eq!(answer(c.get("https://h.test/health")).await.1, "up");
        assert_eq!(mounted.received().len(), 1);
        assert_eq!(mounted.to_string(), "`health check` (GET, path /health)");
    });
}

#[test]
fn respond_with_makes_the_answer_from_the_request() {
    smol::block_on(async {
        let mock = MockTransport::default();
        mock.on(Matcher::post().path("/echo")).respond_with(|req| {
            MockResponse::new(200)
                .header("X-Method", req.method.as_str())
                .body(req.body.clone())
        });
        let r = client(&mock)
            .post("https://h.test/echo")
            .body("back")
            .await
            .unwrap();
        assert_eq!(r.headers().get("x-method").unwrap(), "POST");
        assert_eq!(r.text().await.unwrap(), "back");
    });
}

#[test]
fn mounted_mocks_come_before_the_handler() {
    smol::block_on(async {
        let mock = MockTransport::new(|_| MockResponse::new(200).body("handler"));
        mock.on(Matcher::get().path("/special")).respond(ok("mock"));
        let c = client(&mock);
        assert_eq!(answer(c.get("https://h.test/special")).await.1, "mock");
        assert_eq!(answer(c.get("https://h.test/other")).await.1, "handler");
        assert!(mock.unmatched().is_empty());
        mock.verify().unwrap();
    });
}

#[test]
fn an_unmatched_request_gets_a_404_saying_why_each_mock_missed() {
    smol::block_on(async {
        let mock = lenient();
        mock.on(Matcher::get().path("/users").query("page", "2"))
            .respond(ok("p2"));
        mock.on(Matcher::post().path("/users")).respond(ok("made"));
        mock.on(Matcher::get().path("/users").bearer_auth("t"))
            .respond(ok("me"));
        mock.on(Matcher::get().path("/users"))
            .respond(ok("once"))
            .times(1);
        let c = client(&mock);
        assert_eq!(answer(c.get("https://api.test/users")).await.1, "once");
        let r = c
            .get("https://api.test/users?page=3")
            .header("X-Trace", "t1")
            .header("Authorization", "Bearer wrong")
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            r.headers().get("content-type").unwrap(),
            "text/plain; charset=utf-8"
        );
        let body = r.text().await.unwrap();
        let expected = [
            "no mock matched this request:",
            "GET https://api.test/users?page=3",
            "    Host: api.test",
            "    User-Agent: ",
            "    Accept: */*",
            "    X-Trace: t1",
            "    Authorization: <hidden>",
            "mocks mounted (4):",
            "  1. `GET, path /users, query page=2`: query page is \"3\", not \"2\"",
            "  2. `POST, path /users`: method is GET, not POST",
            "  3. `GET, path /users, Bearer auth`: another Bearer token",
            "  4. `GET, path /users`: matches but is used up (answers 1 request)",
        ];
        let mut lines = body.lines().filter(|l| !l.contains("Accept-Encoding"));
        for want in expected {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("missing {want:?} in\n{body}"));
            assert!(
                line.starts_with(want),
                "{line:?} is not {want:?} in\n{body}"
            );
        }
        assert!(!body.contains("wrong"), "a credential leaked:\n{body}");
        assert_eq!(mock.unmatched().len(), 1);
        assert_eq!(mock.unmatched()[0].url.query(), Some("page=3"));
    });
}

#[test]
fn with_nothing_mounted_the_404_says_so() {
    smol::block_on(async {
        let mock = lenient();
        let (status, body) = answer(client(&mock).delete("https://api.test/x")).await;
        assert_eq!(status, 404);
        assert!(
            body.starts_with("no mock matched this request:\nDELETE https://api.test/x\n"),
            "{body}"
        );
        assert!(body.ends_with("no mocks are mounted\n"), "{body}");
    });
}
