//! [`Retry`]: when a request is tried again, and how long to wait first. The decision is
//! pure ([`Retry::wait`]): the send path asks it after each attempt and sleeps on the
//! executor's timer.

use std::time::{Duration, SystemTime};

use http::{HeaderValue, Method, StatusCode};

use crate::error::{Error, Kind, TimeoutPhase};

/// A retry policy, off unless set on the client ([`ClientBuilder::retry`]) or the request
/// ([`RequestBuilder::retry`], which wins).
///
/// A request is tried again when it could not connect (DNS, TCP or the connect timeout;
/// nothing was sent, whatever the method; a failed TLS handshake, [`Kind::Tls`], is not
/// retried: it is most often the certificate, which a retry does not change), and, for idempotent methods (`GET`, `HEAD`,
/// `OPTIONS`, `PUT`, `DELETE`, `TRACE`), when the connection failed mid-exchange or the
/// status is one of [`statuses`](Self::statuses) (429, 502, 503, 504 by default). Between
/// attempts it waits as the response's `Retry-After` says (seconds or an HTTP date), else
/// exponentially longer with jitter: a random wait between half and all of `base × 2ⁿ`,
/// capped at the backoff's maximum. It stops once the next wait would take it past
/// [`max_elapsed`](Self::max_elapsed) or the request's total timeout, and hands back the
/// last response or error as it is. A request whose body is a one-shot stream
/// ([`Body::from_reader`]) is never retried: the stream is gone after one try.
///
/// Every attempt's response goes to the response hooks and the cookie jar. Each hop of a
/// redirect chain has retries of its own.
///
/// ```
/// use std::time::Duration;
/// use tls_requests::{AsyncClient, MockResponse, MockTransport, Retry};
/// # smol::block_on(async {
/// let attempts = std::sync::atomic::AtomicUsize::new(0);
/// let mock = MockTransport::new(move |_| {
///     match attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
///         0 => MockResponse::new(503).header("Retry-After", "0"),
///         _ => MockResponse::new(200).body("ok"),
///     }
/// });
/// let client = AsyncClient::builder()
///     .connector(mock)
///     .retry(Retry::new(3).backoff(Duration::from_millis(10), Duration::from_secs(1)))
///     .build()?;
/// assert_eq!(client.get("https://example.com/").await?.text().await?, "ok");
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
///
/// [`ClientBuilder::retry`]: crate::ClientBuilder::retry
/// [`RequestBuilder::retry`]: crate::RequestBuilder::retry
/// [`Body::from_reader`]: crate::Body::from_reader
/// [`Kind::Tls`]: crate::Kind::Tls
#[derive(Debug, Clone)]
pub struct Retry {
    max_retries: u32,
    statuses: Vec<u16>,
    base: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
}

/// What an attempt ended with, as far as retrying goes.
pub(crate) enum Outcome<'a> {
    /// A response head, with its `Retry-After` field if it has one.
    Status(StatusCode, Option<&'a HeaderValue>),
    /// No response.
    Failed(&'a Error),
}

impl Retry {
    /// At most `max_retries` retries (so `max_retries + 1` attempts), with the defaults for
    /// the rest: statuses 429, 502, 503 and 504; backoff from 250 ms, each wait at most
    /// 10 s; at most 60 s spent in all. `Retry::new(0)` turns retrying off (for one request
    /// of a client that retries).
    pub fn new(max_retries: u32) -> Retry {
        Retry {
            max_retries,
            statuses: vec![429, 502, 503, 504],
            base: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(60),
        }
    }

    /// The statuses retried for idempotent methods, replacing the default list.
    pub fn statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Retry {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// Exponential backoff: the n-th retry (from 0) waits between half and all of
    /// `base × 2ⁿ`, and never more than `max` (a `Retry-After` is not capped by `max`).
    pub fn backoff(mut self, base: Duration, max: Duration) -> Retry {
        self.base = base;
        self.max_backoff = max;
        self
    }

    /// The most time spent on one request's attempts and waits: no retry starts whose wait
    /// would end past it (a longer `Retry-After` ends retrying too).
    pub fn max_elapsed(mut self, max: Duration) -> Retry {
        self.max_elapsed = max;
        self
    }

    /// How long to wait before retry number `retry` (from 0) after `outcome`, or `None` to
    /// stop. `spent` is the time since the first attempt began, `left` the time until the
    /// request's total deadline, if it has one.
    pub(crate) fn wait(
        &self,
        retry: u32,
        method: &Method,
        outcome: Outcome<'_>,
        spent: Duration,
        left: Option<Duration>,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let asked = match outcome {
            Outcome::Status(status, retry_after) => {
                if !is_idempotent(method) || !self.statuses.contains(&status.as_u16()) {
                    return None;
                }
                retry_after.and_then(|v| retry_after_delay(v, SystemTime::now()))
            }
            Outcome::Failed(e) if is_connect_failure(e) => None,
            Outcome::Failed(e) if e.kind() == Kind::Io && is_idempotent(method) => None,
            Outcome::Failed(_) => return None,
        };
        let wait = asked.unwrap_or_else(|| self.backoff_wait(retry));
        let fits_budget = spent.saturating_add(wait) <= self.max_elapsed;
        let fits_deadline = left.is_none_or(|left| wait < left);
        (fits_budget && fits_deadline).then_some(wait)
    }

    /// A random wait in `[d/2, d]` for `d = min(base × 2^retry, max)`.
    fn backoff_wait(&self, retry: u32) -> Duration {
        let doubled = self.base.saturating_mul(1u32 << retry.min(31));
        let ceiling = doubled.min(self.max_backoff);
        let half = ceiling / 2;
        let jitter = fastrand::u64(0..=(ceiling - half).as_nanos().min(u64::MAX.into()) as u64);
        half + Duration::from_nanos(jitter)
    }
}

/// Nothing went on the wire: retrying is safe for any method.
fn is_connect_failure(e: &Error) -> bool {
    matches!(
        e.kind(),
        Kind::Connect | Kind::Timeout(TimeoutPhase::Connect)
    )
}

/// Methods that RFC 9110 (section 9.2.2) calls idempotent: sending one twice does what
/// sending it once does.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// The wait a `Retry-After` value asks for, as delay-seconds or an HTTP date (RFC 9110,
/// section 10.2.3); a date in the past asks for none. `None` if it is neither.
fn retry_after_delay(value: &HeaderValue, now: SystemTime) -> Option<Duration> {
    let text = value.to_str().ok()?.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(text).ok()?;
    Some(date.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GET: Method = Method::GET;
    const SECOND: Duration = Duration::from_secs(1);

    fn status(code: u16) -> Outcome<'static> {
        Outcome::Status(StatusCode::from_u16(code).unwrap(), None)
    }

    #[test]
    fn retries_the_listed_statuses_for_idempotent_methods_only() {
        let retry = Retry::new(3);
        for code in [429, 502, 503, 504] {
            assert!(retry.wait(0, &GET, status(code), SECOND, None).is_some());
            assert!(
                retry
                    .wait(0, &Method::POST, status(code), SECOND, None)
                    .is_none()
            );
        }
        for code in [200, 301, 404, 500] {
            assert!(retry.wait(0, &GET, status(code), SECOND, None).is_none());
        }
        let custom = Retry::new(3).statuses([500]);
        assert!(custom.wait(0, &GET, status(500), SECOND, None).is_some());
        assert!(custom.wait(0, &GET, status(503), SECOND, None).is_none());
    }

    #[test]
    fn connect_failures_are_retried_for_any_method_io_failures_for_idempotent_ones() {
        let retry = Retry::new(1);
        let connect = Error::new(Kind::Connect, "refused");
        let connect_timeout = Error::timeout(TimeoutPhase::Connect);
        let io = Error::new(Kind::Io, "reset");
        let read_timeout = Error::timeout(TimeoutPhase::Read);
        let tls = Error::new(Kind::Tls, "bad certificate");
        let post = Method::POST;
        let wait = |method: &Method, e: &Error| {
            retry
                .wait(0, method, Outcome::Failed(e), Duration::ZERO, None)
                .is_some()
        };
        assert!(wait(&post, &connect) && wait(&post, &connect_timeout));
        assert!(wait(&GET, &io) && !wait(&post, &io));
        assert!(!wait(&GET, &read_timeout) && !wait(&GET, &tls));
    }

    #[test]
    fn stops_after_max_retries() {
        let retry = Retry::new(2);
        assert!(retry.wait(1, &GET, status(503), SECOND, None).is_some());
        assert!(retry.wait(2, &GET, status(503), SECOND, None).is_none());
        assert!(
            Retry::new(0)
                .wait(0, &GET, status(503), SECOND, None)
                .is_none()
        );
    }

    #[test]
    fn backoff_doubles_within_jitter_and_is_capped() {
        let retry = Retry::new(40).backoff(Duration::from_millis(100), Duration::from_secs(2));
        for (n, full) in [(0, 100), (1, 200), (2, 400), (3, 800), (4, 1600), (5, 2000)] {
            let full = Duration::from_millis(full);
            let waits: Vec<_> = (0..200).map(|_| retry.backoff_wait(n)).collect();
            assert!(
                waits.iter().all(|w| (full / 2..=full).contains(w)),
                "retry {n}: {waits:?} outside {:?}..={full:?}",
                full / 2
            );
            assert!(waits.iter().any(|w| *w != waits[0]), "retry {n}: no jitter");
        }
        assert!(
            retry.backoff_wait(39) <= Duration::from_secs(2),
            "no overflow"
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date_is_honoured() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        let value = |s: &str| HeaderValue::from_str(s).unwrap();
        let delay = |s: &str| retry_after_delay(&value(s), now);
        assert_eq!(delay("120"), Some(Duration::from_secs(120)));
        assert_eq!(delay(" 0 "), Some(Duration::ZERO));
        // RFC 9110's example date is `now` itself; a minute later asks for a minute.
        assert_eq!(delay("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(
            delay("Sun, 06 Nov 1994 08:50:37 GMT"),
            Some(Duration::from_secs(60))
        );
        assert_eq!(delay("Sat, 05 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(delay("soon"), None);
        assert_eq!(delay("-5"), None);

        let retry = Retry::new(1).backoff(Duration::from_secs(100), Duration::from_secs(100));
        let asked = value("3");
        let outcome = Outcome::Status(StatusCode::SERVICE_UNAVAILABLE, Some(&asked));
        assert_eq!(
            retry.wait(0, &GET, outcome, Duration::ZERO, None),
            Some(Duration::from_secs(3)),
            "Retry-After wins over the backoff"
        );
    }

    #[test]
    fn a_wait_past_the_budget_or_the_deadline_ends_retrying() {
        let retry = Retry::new(5)
            .backoff(SECOND, SECOND)
            .max_elapsed(Duration::from_secs(10));
        let long = HeaderValue::from_static("30");
        let outcome = || Outcome::Status(StatusCode::TOO_MANY_REQUESTS, Some(&long));
        assert_eq!(retry.wait(0, &GET, outcome(), Duration::ZERO, None), None);
        assert!(
            retry
                .wait(0, &GET, status(503), Duration::from_millis(9_600), None)
                .is_none()
        );
        assert!(
            retry
                .wait(
                    0,
                    &GET,
                    status(503),
                    Duration::ZERO,
                    Some(Duration::from_millis(100))
                )
                .is_none()
        );
        assert!(
            retry
                .wait(
                    0,
                    &GET,
                    status(503),
                    Duration::ZERO,
                    Some(Duration::from_secs(5))
                )
                .is_some()
        );
    }
}
