//! [`Mock`]: a [`Matcher`] and its answer, mounted on a transport, with how many requests it
//! may answer ([`times`](Mock::times)) and must receive ([`expect`](Mock::expect)).

use std::fmt;
use std::ops::{Range, RangeFrom, RangeInclusive, RangeTo, RangeToInclusive};
use std::sync::{Arc, Mutex, MutexGuard};

use super::matcher::Matcher;
use super::request::MockRequest;
use super::response::MockResponse;
use super::verify::VerifyError;
use super::{MockTransport, lock};

/// The first half of a [`Mock`]: its matcher, waiting for the answer.
/// [`MockTransport::on`] makes one that mounts the mock it makes; [`Mock::when`] one that
/// does not.
#[derive(Debug)]
#[must_use = "a `When` answers nothing until `respond` or `respond_with` makes it a `Mock`"]
pub struct When<'a> {
    matcher: Matcher,
    on: Option<&'a MockTransport>,
}

/// How a mock makes its answer.
#[derive(Clone)]
pub(crate) enum Responder {
    Fixed(MockResponse),
    With(Arc<dyn Fn(&MockRequest) -> MockResponse + Send + Sync>),
}

impl<'a> When<'a> {
    pub(crate) fn new(matcher: Matcher, on: Option<&'a MockTransport>) -> When<'a> {
        When { matcher, on }
    }

    /// Answers each matching request with a copy of `response`.
    pub fn respond(self, response: MockResponse) -> Mock {
        self.finish(Responder::Fixed(response))
    }

    /// Answers each matching request with what `f` makes of it.
    pub fn respond_with(
        self,
        f: impl Fn(&MockRequest) -> MockResponse + Send + Sync + 'static,
    ) -> Mock {
        self.finish(Responder::With(Arc::new(f)))
    }

    fn finish(self, responder: Responder) -> Mock {
        let mock = Mock {
            state: Arc::new(MountState {
                matcher: self.matcher,
                responder,
                inner: Mutex::new(Inner {
                    name: None,
                    times: None,
                    expect: None,
                    received: Vec::new(),
                    mounted: false,
                }),
            }),
        };
        match self.on {
            Some(transport) => mock.mount(transport),
            None => mock,
        }
    }
}

/// A mounted (or mountable) answer: requests its [`Matcher`] matches get its response, in
/// mount order, the first mock that matches and is not used up winning.
///
/// A `Mock` is a handle: a copy kept after mounting sees the requests the mock answered
/// ([`received`](Self::received)) and can change its limits; [`expect`](Self::expect) and
/// [`times`](Self::times) apply from the next request.
///
/// ```
/// use tls_requests::AsyncClient;
/// use tls_requests::mock::{Matcher, Mock, MockResponse, MockTransport};
/// # smol::block_on(async {
/// let mock = MockTransport::default();
/// // Mounted at once: first match wins, so the specific mock goes first.
/// mock.on(Matcher::get().path("/users").query("page", "2"))
///     .respond(MockResponse::new(200).body("page two"))
///     .expect(1);
/// // Built apart and mounted later, say from a helper shared by tests.
/// let users = Mock::when(Matcher::get().path("/users"))
///     .respond(MockResponse::new(200).body("page one"))
///     .named("first page")
///     .mount(&mock);
///
/// let client = AsyncClient::builder().connector(mock.clone()).build()?;
/// assert_eq!(client.get("https://api.test/users?page=2").await?.text().await?, "page two");
/// assert_eq!(client.get("https://api.test/users").await?.text().await?, "page one");
/// assert_eq!(users.received().len(), 1);
/// mock.verify()?; // (also done when the last handle of `mock` is dropped)
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct Mock {
    state: Arc<MountState>,
}

struct MountState {
    matcher: Matcher,
    responder: Responder,
    inner: Mutex<Inner>,
}

struct Inner {
    name: Option<String>,
    times: Option<usize>,
    expect: Option<Times>,
    received: Vec<MockRequest>,
    mounted: bool,
}

impl Mock {
    /// A mock for requests `matcher` matches, to be mounted with [`mount`](Self::mount).
    pub fn when(matcher: Matcher) -> When<'static> {
        When::new(matcher, None)
    }

    /// Mounts this mock on `transport`, after those mounted before.
    ///
    /// # Panics
    ///
    /// If the mock is mounted already (here or on another transport) and was not removed
    /// by [`MockTransport::reset`] since.
    #[track_caller]
    pub fn mount(self, transport: &MockTransport) -> Mock {
        let already = std::mem::replace(&mut self.inner().mounted, true);
        if already {
            panic!(
                "Mock::mount: mock `{}` is mounted already",
                self.state.matcher
            );
        }
        transport.mount(self.clone());
        self
    }

    /// Taken off its transport (by [`MockTransport::reset`]): it may be mounted again.
    pub(crate) fn unmount(&self) {
        self.inner().mounted = false;
    }

    /// A name for the reports, in place of the matcher.
    pub fn named(self, name: impl Into<String>) -> Mock {
        self.inner().name = Some(name.into());
        self
    }

    /// Answers only `n` requests; later ones go on to the mocks mounted after it. Mount the
    /// answers of a sequence in order, each but the last with `times`.
    ///
    /// ```
    /// use tls_requests::AsyncClient;
    /// use tls_requests::mock::{Matcher, MockResponse, MockTransport};
    /// # smol::block_on(async {
    /// let mock = MockTransport::default();
    /// mock.on(Matcher::get().path("/job")).respond(MockResponse::new(202)).times(2);
    /// mock.on(Matcher::get().path("/job")).respond(MockResponse::new(200).body("done"));
    /// let client = AsyncClient::builder().connector(mock).build()?;
    /// let statuses = [
    ///     client.get("https://api.test/job").await?.status(),
    ///     client.get("https://api.test/job").await?.status(),
    ///     client.get("https://api.test/job").await?.status(),
    /// ];
    /// assert_eq!(statuses, [202, 202, 200]);
    /// # Ok::<(), tls_requests::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn times(self, n: usize) -> Mock {
        self.inner().times = Some(n);
        self
    }

    /// Expects this mock to answer `n` requests: `3`, `1..`, `..=2`, `2..4`; checked by
    /// [`MockTransport::verify`], and when the transport's last handle is dropped.
    ///
    /// # Panics
    ///
    /// If the range is empty (`2..2`, `3..=1`).
    #[track_caller]
    pub fn expect(self, n: impl Into<Times>) -> Mock {
        let n = n.into();
        if n.max.is_some_and(|max| max < n.min) {
            panic!("Mock::expect: the range of requests is empty");
        }
        self.inner().expect = Some(n);
        self
    }

    /// The requests this mock answered, in order.
    pub fn received(&self) -> Vec<MockRequest> {
        self.inner().received.clone()
    }

    /// Checks this mock's [`expect`](Self::expect)ation alone.
    pub fn verify(&self) -> Result<(), VerifyError> {
        match self.unmet() {
            None => Ok(()),
            Some(unmet) => Err(VerifyError::new(format!("{self} {unmet}"))),
        }
    }

    /// What this mock's expectation missed, if it did: "expected ..., received n".
    pub(crate) fn unmet(&self) -> Option<String> {
        let inner = self.inner();
        let expect = inner.expect?;
        let got = inner.received.len();
        (!expect.contains(got)).then(|| format!("expected {expect}, received {got}"))
    }

    /// How to answer `req` if it is for this mock (which counts it), else why it is not.
    pub(crate) fn take(&self, req: &MockRequest) -> Result<Responder, String> {
        self.state.matcher.check(req)?;
        let mut inner = self.inner();
        if let Some(times) = inner.times.filter(|&t| inner.received.len() >= t) {
            return Err(format!(
                "matches but is used up (answers {})",
                plural(times)
            ));
        }
        inner.received.push(req.clone());
        Ok(self.state.responder.clone())
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        lock(&self.state.inner)
    }
}

impl fmt::Display for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner().name {
            Some(name) => write!(f, "`{name}` ({})", self.state.matcher),
            None => write!(f, "`{}`", self.state.matcher),
        }
    }
}

impl fmt::Debug for Mock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner();
        f.debug_struct("Mock")
            .field("matcher", &self.state.matcher)
            .field("name", &inner.name)
            .field("times", &inner.times)
            .field("expect", &inner.expect)
            .field("received", &inner.received.len())
            .finish()
    }
}

/// How many requests a mock expects: a number or a range of them, as [`Mock::expect`]
/// takes it (`3`, `1..`, `..=2`, `2..4`, `1..=3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    min: usize,
    /// Inclusive; `None`: no bound.
    max: Option<usize>,
}

impl Times {
    /// Empty when `max < min`: [`Mock::expect`] refuses it.
    fn new(min: usize, max: Option<usize>) -> Times {
        Times { min, max }
    }

    /// True if `n` requests meet this expectation.
    pub fn contains(&self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|max| n <= max)
    }
}

impl From<usize> for Times {
    fn from(n: usize) -> Times {
        Times::new(n, Some(n))
    }
}

impl From<RangeFrom<usize>> for Times {
    fn from(r: RangeFrom<usize>) -> Times {
        Times::new(r.start, None)
    }
}

impl From<Range<usize>> for Times {
    fn from(r: Range<usize>) -> Times {
        match r.end.checked_sub(1) {
            Some(max) => Times::new(r.start, Some(max)),
            None => Times::new(1, Some(0)),
        }
    }
}

impl From<RangeInclusive<usize>> for Times {
    fn from(r: RangeInclusive<usize>) -> Times {
        Times::new(*r.start(), Some(*r.end()))
    }
}

impl From<RangeTo<usize>> for Times {
    fn from(r: RangeTo<usize>) -> Times {
        Times::from(0..r.end)
    }
}

impl From<RangeToInclusive<usize>> for Times {
    fn from(r: RangeToInclusive<usize>) -> Times {
        Times::new(0, Some(r.end))
    }
}

fn plural(n: usize) -> String {
    match n {
        1 => "1 request".to_owned(),
        n => format!("{n} requests"),
    }
}

impl fmt::Display for Times {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.min, self.max) {
            (0, Some(0)) => f.write_str("no requests"),
            (min, Some(max)) if min == max => write!(f, "exactly {}", plural(min)),
            (0, Some(max)) => write!(f, "at most {}", plural(max)),
            (min, None) => write!(f, "at least {}", plural(min)),
            (min, Some(max)) => write!(f, "between {min} and {max} requests"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_the_ranges_they_are() {
        let cases: [(Times, &str, &[usize], &[usize]); 6] = [
            (0.into(), "no requests", &[0], &[1]),
            (1.into(), "exactly 1 request", &[1], &[0, 2]),
            ((1..).into(), "at least 1 request", &[1, 9], &[0]),
            ((..=2).into(), "at most 2 requests", &[0, 2], &[3]),
            ((2..4).into(), "between 2 and 3 requests", &[2, 3], &[1, 4]),
            ((1..=1).into(), "exactly 1 request", &[1], &[2]),
        ];
        for (times, text, yes, no) in cases {
            assert_eq!(times.to_string(), text);
            assert!(yes.iter().all(|&n| times.contains(n)), "{text}");
            assert!(!no.iter().any(|&n| times.contains(n)), "{text}");
        }
    }

    #[test]
    fn empty_ranges_contain_nothing() {
        let (three, one) = (3, 1);
        for times in [
            Times::from(2..2),
            Times::from(..0),
            Times::from(three..=one),
        ] {
            assert!((0..5).all(|n| !times.contains(n)), "{times:?}");
        }
    }
}
