//! Expectations as a user writes them: `expect`, `times`, `verify`, the check when the last
//! handle is dropped, and the messages a failing test shows.

use std::panic::{AssertUnwindSafe, catch_unwind};

use tls_requests::mock::{Matcher, Mock, MockResponse, MockTransport};
use tls_requests::{AsyncClient, StatusCode};

use crate::support::{USER_AGENT, minimal_profile};

/// A client with only `Host`, `User-Agent` and `Accept` of its own, so reports are exact.
fn client(mock: &MockTransport) -> AsyncClient {
    AsyncClient::builder()
        .profile(minimal_profile())
        .decompress(false)
        .connector(mock.clone())
        .build()
        .unwrap()
}

async fn get(client: &AsyncClient, url: &str) -> StatusCode {
    let r = client.get(url).await.unwrap();
    let status = r.status();
    r.bytes().await.unwrap();
    status
}

/// The message `f` panicked with.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("no panic");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload.downcast::<&str>().map(|s| s.to_string()).unwrap(),
    }
}

#[test]
fn met_expectations_verify_and_drop_quietly() {
    smol::block_on(async {
        let mock = MockTransport::default();
        let users = mock
            .on(Matcher::get().path("/users"))
            .respond(MockResponse::new(200))
            .expect(2);
        mock.on(Matcher::get().path("/never"))
            .respond(MockResponse::new(200))
            .expect(0);
        let c = client(&mock);
        get(&c, "https://api.test/users").await;
        get(&c, "https://api.test/users").await;
        mock.verify().unwrap();
        users.verify().unwrap();
        drop(c);
        drop(mock); // verifies again, and passes: no panic.
    });
}

#[test]
fn verify_lists_the_unmet_expectation_and_every_request() {
    smol::block_on(async {
        let mock = MockTransport::default();
        mock.on(Matcher::get().path("/users").query("page", "2"))
            .respond(MockResponse::new(200))
            .named("second page")
            .expect(1);
        mock.on(Matcher::post().path("/users"))
            .respond(MockResponse::new(201));
        let c = client(&mock);
        assert_eq!(get(&c, "https://api.test/users?page=3").await, 404);
        c.post("https://api.test/users").body("ann").await.unwrap();
        let err = mock.verify().unwrap_err();
        let expected = format!(
            "MockTransport verification failed:
  - mock 1 `second page` (GET, path /users, query page=2) expected exactly 1 request, received 0
  - 1 request matched no mock
requests received (2):
  1. [no mock matched] GET https://api.test/users?page=3
    Host: api.test
    User-Agent: {USER_AGENT}
    Accept: */*
  2. [mock 2] POST https://api.test/users
    Host: api.test
    User-Agent: {USER_AGENT}
    Accept: */*
    Content-Length: 3
    body (3 bytes): \"ann\"
"
        );
        assert_eq!(err.to_string(), expected);
        // `unwrap()` in a test prints the same lines.
        assert_eq!(format!("{err:?}"), format!("VerifyError:\n{expected}"));
        mock.reset(); // or the drop would report it again, with nothing new
    });
}

#[test]
fn dropping_the_last_handle_panics_with_the_report() {
    let mock = MockTransport::default();
    mock.on(Matcher::get().path("/health"))
        .respond(MockResponse::new(200))
        .expect(1..);
    let c = client(&mock);
    smol::block_on(async {
        assert_eq!(get(&c, "https://api.test/healthz").await, 404);
    });
    // The client's handle is not the last one: dropping it checks nothing.
    drop(c);
    let clone = mock.clone();
    catch_unwind(AssertUnwindSafe(|| drop(clone))).expect("only the last handle verifies");
    let message = panic_message(|| drop(mock));
    assert!(
        message.starts_with(
            "MockTransport verification failed:
  - mock 1 `GET, path /health` expected at least 1 request, received 0
  - 1 request matched no mock
requests received (1):
  1. [no mock matched] GET https://api.test/healthz
    Host: api.test
"
        ),
        "{message}"
    );
}

#[test]
fn a_test_that_panics_first_keeps_its_own_message() {
    let message = panic_message(|| {
        let mock = MockTransport::default();
        mock.on(Matcher::any())
            .respond(MockResponse::new(200))
            .expect(1);
        panic!("the assertion that failed");
    });
    assert_eq!(message, "the assertion that failed");
}

#[test]
fn ranges_and_their_messages() {
    smol::block_on(async {
        let mock = MockTransport::default();
        let at_least = mock
            .on(Matcher::get().path("/a"))
            .respond(MockResponse::new(200))
            .expect(1..);
        let at_most = mock
            .on(Matcher::get().path("/b"))
            .respond(MockResponse::new(200))
            .expect(..=1);
        let between = mock
            .on(Matcher::get().path("/c"))
            .respond(MockResponse::new(200))
            .expect(2..4);
        let never = mock
            .on(Matcher::get().path("/d"))
            .respond(MockResponse::new(200))
            .expect(0);
        let c = client(&mock);
        for path in ["/a", "/a", "/a", "/b", "/b", "/c", "/d"] {
            get(&c, &format!("https://h.test{path}")).await;
        }
        at_least.verify().unwrap();
        let err = |m: &Mock| m.verify().unwrap_err().to_string();
        assert_eq!(
            err(&at_most),
            "`GET, path /b` expected at most 1 request, received 2"
        );
        assert_eq!(
            err(&between),
            "`GET, path /c` expected between 2 and 3 requests, received 1"
        );
        assert_eq!(
            err(&never),
            "`GET, path /d` expected no requests, received 1"
        );
        let report = mock.verify().unwrap_err().to_string();
        assert!(!report.contains("mock 1 "), "{report}");
        for line in [
            "  - mock 2 `GET, path /b` expected at most 1 request, received 2\n",
            "  - mock 3 `GET, path /c` expected between 2 and 3 requests, received 1\n",
            "  - mock 4 `GET, path /d` expected no requests, received 1\n",
            "requests received (7):\n",
        ] {
            assert!(report.contains(line), "{line:?} not in\n{report}");
        }
        mock.reset();
    });
}

#[test]
#[should_panic(expected = "Mock::expect: the range of requests is empty")]
fn an_empty_range_is_refused_where_written() {
    let mock = MockTransport::default();
    let _ = mock
        .on(Matcher::any())
        .respond(MockResponse::new(200))
        .expect(3..3);
}

#[test]
fn unmatched_requests_fail_verification_unless_allowed() {
    smol::block_on(async {
        let strict = MockTransport::default();
        get(&client(&strict), "https://h.test/stray").await;
        let report = strict.verify().unwrap_err().to_string();
        assert!(
            report.contains("  - 1 request matched no mock\n"),
            "{report}"
        );
        assert!(
            report.contains("  1. [no mock matched] GET https://h.test/stray\n"),
            "{report}"
        );
        strict.reset();

        let lenient = MockTransport::builder().allow_unmatched().build();
        get(&client(&lenient), "https://h.test/stray").await;
        lenient.verify().unwrap();
        assert_eq!(lenient.unmatched().len(), 1);
    });
}

#[test]
fn a_failure_verify_returned_is_not_reported_again_but_a_new_one_is() {
    smol::block_on(async {
        let mock = MockTransport::default();
        mock.on(Matcher::get().path("/once"))
            .respond(MockResponse::new(200))
            .expect(1);
        let c = client(&mock);
        get(&c, "https://h.test/once").await;
        get(&c, "https://h.test/once").await;
        assert!(mock.verify().is_err());
        let quiet = mock.clone();
        drop(c);
        drop(mock);
        // Nothing new since `verify`: the last drop is quiet...
        catch_unwind(AssertUnwindSafe(|| drop(quiet))).expect("reported already");

        let mock = MockTransport::default();
        mock.on(Matcher::get().path("/once"))
            .respond(MockResponse::new(200))
            .expect(1);
        let c = client(&mock);
        get(&c, "https://h.test/once").await;
        get(&c, "https://h.test/once").await;
        assert!(mock.verify().is_err());
        get(&c, "https://h.test/once").await;
        drop(c);
        // ...but a request after it changes the report, which the drop then panics with.
        let message = panic_message(|| drop(mock));
        assert!(
            message.contains("expected exactly 1 request, received 3"),
            "{message}"
        );
    });
}

#[test]
fn verify_on_drop_can_be_turned_off() {
    let mock = MockTransport::builder().verify_on_drop(false).build();
    mock.on(Matcher::any())
        .respond(MockResponse::new(200))
        .expect(1);
    assert!(mock.verify().is_err());
    smol::block_on(async { get(&client(&mock), "https://h.test/").await });
    mock.verify().unwrap();
    mock.on(Matcher::any())
        .respond(MockResponse::new(200))
        .expect(5);
    drop(mock);
}

#[test]
fn times_makes_a_sequence_of_answers() {
    smol::block_on(async {
        let mock = MockTransport::default();
        let job = Matcher::get().path("/job/1");
        let pending = mock
            .on(job.clone())
            .respond(MockResponse::new(202))
            .times(2)
            .expect(2);
        let done = mock
            .on(job)
            .respond(MockResponse::new(200).body("done"))
            .times(1);
        let c = client(&mock);
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(get(&c, "https://h.test/job/1").await.as_u16());
        }
        assert_eq!(statuses, [202, 202, 200]);
        assert_eq!(pending.received().len(), 2);
        assert_eq!(done.received().len(), 1);
        // The sequence is used up: the next request is unmatched, and the 404 says why.
        let r = c.get("https://h.test/job/1").await.unwrap();
        assert_eq!(r.status(), 404);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("  1. `GET, path /job/1`: matches but is used up (answers 2 requests)\n"),
            "{body}"
        );
        assert!(
            body.contains("  2. `GET, path /job/1`: matches but is used up (answers 1 request)\n"),
            "{body}"
        );
        assert_eq!(mock.unmatched().len(), 1);
        mock.reset();
    });
}

#[test]
fn received_is_every_request_in_order_across_connections() {
    smol::block_on(async {
        let mock = MockTransport::new(|_| MockResponse::new(200));
        let c = client(&mock);
        for url in ["https://a.test/1", "https://b.test/2", "https://a.test/3"] {
            get(&c, url).await;
        }
        let urls: Vec<_> = mock.received().iter().map(|r| r.url.to_string()).collect();
        assert_eq!(
            urls,
            ["https://a.test/1", "https://b.test/2", "https://a.test/3"]
        );
        assert_eq!(mock.requests().len(), 3);
        assert_eq!(mock.connections(), 2);
    });
}

#[test]
fn reset_clears_mocks_records_and_counts() {
    smol::block_on(async {
        let mock = MockTransport::default();
        let ok = mock
            .on(Matcher::any())
            .respond(MockResponse::new(200))
            .expect(5);
        let c = client(&mock);
        assert_eq!(get(&c, "https://h.test/").await, 200);
        mock.reset();
        assert!(mock.received().is_empty());
        assert_eq!(mock.connections(), 0);
        mock.verify().unwrap(); // the expectation went with its mock
        mock.on(Matcher::any())
            .respond(MockResponse::new(204))
            .expect(1);
        // The open connection is kept and reaches the new mock.
        assert_eq!(get(&c, "https://h.test/").await, 204);
        assert_eq!(mock.connections(), 0);
        assert_eq!(mock.received().len(), 1);
        // A mock that reset removed may be mounted again (after the others).
        mock.reset();
        let ok = ok.expect(1..).mount(&mock);
        assert_eq!(get(&c, "https://h.test/").await, 200);
        assert_eq!(ok.received().len(), 2);
    });
}

#[test]
fn expectations_on_a_transport_with_a_handler() {
    smol::block_on(async {
        let mock = MockTransport::new(|_| MockResponse::new(200).body("handler"));
        mock.on(Matcher::post().path("/login"))
            .respond(MockResponse::new(204))
            .expect(1);
        let c = client(&mock);
        get(&c, "https://h.test/home").await;
        let report = mock.verify().unwrap_err().to_string();
        assert!(
            report.contains("  1. [handler] GET https://h.test/home\n"),
            "{report}"
        );
        c.post("https://h.test/login").await.unwrap();
        mock.verify().unwrap();
    });
}
