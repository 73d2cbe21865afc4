//! [`Rotator`]: one value of a list per use, round-robin, at random or by weight, with the
//! values that failed taken out for a while. Python TLS Requests has a `ProxyRotator`, a
//! `TLSIdentifierRotator` and a `HeaderRotator`; this is the one of them all.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{Error, Kind, Result};
use crate::transport::Proxy;

/// How a [`Rotator`] picks the next value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// Each value in turn.
    #[default]
    RoundRobin,
    /// Any value, each as likely.
    Random,
    /// Any value, as likely as its weight says.
    Weighted,
}

/// Values taken in turn (see [`Strategy`]), shared by its clones and safe to use from many
/// tasks. A value marked failed ([`mark_result`](Self::mark_result)) is left out for the
/// cooldown (a minute by default), unless every value is out, when the one back soonest is
/// used.
///
/// ```
/// use tls_requests::{AsyncClient, Proxy, Rotator};
/// let proxies = Rotator::from_proxy_lines(
///     "http://user:pass@10.0.0.1:3128|3|eu\nsocks5h://10.0.0.2:1080|1|us\n# a comment\n",
/// )?;
/// assert_eq!(proxies.len(), 2);
/// let client = AsyncClient::builder().proxy_rotator(proxies.weighted()).build()?;
/// # drop(client);
/// # Ok::<(), tls_requests::Error>(())
/// ```
pub struct Rotator<T> {
    shared: Arc<Mutex<State<T>>>,
}

struct State<T> {
    entries: Vec<Entry<T>>,
    strategy: Strategy,
    cooldown: Duration,
    /// The round-robin position.
    next: usize,
}

struct Entry<T> {
    value: T,
    weight: u32,
    region: Option<String>,
    /// Left out until then, after a failure.
    out_until: Option<Instant>,
}

impl<T> Clone for Rotator<T> {
    fn clone(&self) -> Self {
        Rotator {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Clone + PartialEq> Default for Rotator<T> {
    fn default() -> Self {
        Rotator::new(Vec::new())
    }
}

impl<T: Clone + PartialEq> Rotator<T> {
    /// A round-robin rotator over `values`, each of weight 1.
    pub fn new(values: impl IntoIterator<Item = T>) -> Rotator<T> {
        let entries = values.into_iter().map(|value| Entry {
            value,
            weight: 1,
            region: None,
            out_until: None,
        });
        Rotator {
            shared: Arc::new(Mutex::new(State {
                entries: entries.collect(),
                strategy: Strategy::RoundRobin,
                cooldown: Duration::from_secs(60),
                next: 0,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Every change is one step: a panic elsewhere cannot leave the state half-made.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Picks values as `strategy` says.
    pub fn strategy(self, strategy: Strategy) -> Rotator<T> {
        self.lock().strategy = strategy;
        self
    }

    /// Picks by weight ([`Strategy::Weighted`]).
    pub fn weighted(self) -> Rotator<T> {
        self.strategy(Strategy::Weighted)
    }

    /// Picks at random ([`Strategy::Random`]).
    pub fn random(self) -> Rotator<T> {
        self.strategy(Strategy::Random)
    }

    /// How long a value marked failed is left out. Default: 60 seconds.
    pub fn cooldown(self, cooldown: Duration) -> Rotator<T> {
        self.lock().cooldown = cooldown;
        self
    }

    /// Adds `value` with `weight` (for [`Strategy::Weighted`]; 0 is never picked while
    /// another value can be) and an optional region label.
    pub fn add(&self, value: T, weight: u32, region: Option<&str>) {
        self.lock().entries.push(Entry {
            value,
            weight,
            region: region.map(str::to_owned),
            out_until: None,
        });
    }

    /// Removes every entry equal to `value`; true if there was one.
    pub fn remove(&self, value: &T) -> bool {
        let mut state = self.lock();
        let before = state.entries.len();
        state.entries.retain(|e| e.value != *value);
        state.entries.len() != before
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True if there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values of `region`, in order.
    pub fn in_region(&self, region: &str) -> Vec<T> {
        let state = self.lock();
        let of_region = state
            .entries
            .iter()
            .filter(|e| e.region.as_deref() == Some(region));
        of_region.map(|e| e.value.clone()).collect()
    }

    /// The next value, or `None` if there is none.
    pub fn next_value(&self) -> Option<T> {
        let now = Instant::now();
        let mut state = self.lock();
        let count = state.entries.len();
        if count == 0 {
            return None;
        }
        let usable: Vec<usize> = (0..count)
            .filter(|&i| state.entries[i].out_until.is_none_or(|until| until <= now))
            .collect();
        let chosen = if usable.is_empty() {
            // All out: the one back soonest.
            (0..count).min_by_key(|&i| state.entries[i].out_until)?
        } else {
            match state.strategy {
                Strategy::RoundRobin => {
                    let start = state.next % count;
                    let i = usable
                        .iter()
                        .copied()
                        .find(|&i| i >= start)
                        .unwrap_or(usable[0]);
                    state.next = i + 1;
                    i
                }
                Strategy::Random => usable[fastrand::usize(..usable.len())],
                Strategy::Weighted => {
                    let total: u64 = usable
                        .iter()
                        .map(|&i| u64::from(state.entries[i].weight))
                        .sum();
                    if total == 0 {
                        usable[fastrand::usize(..usable.len())]
                    } else {
                        let mut ticket = fastrand::u64(..total);
                        let mut chosen = usable[0];
                        for &i in &usable {
                            let weight = u64::from(state.entries[i].weight);
                            if ticket < weight {
                                chosen = i;
                                break;
                            }
                            ticket -= weight;
                        }
                        chosen
                    }
                }
            }
        };
        Some(state.entries[chosen].value.clone())
    }

    /// Says how using `value` went: a failure leaves it out for the cooldown, a success
    /// brings it back at once.
    pub fn mark_result(&self, value: &T, success: bool) {
        let mut state = self.lock();
        let until = (!success).then(|| Instant::now() + state.cooldown);
        for entry in state.entries.iter_mut().filter(|e| e.value == *value) {
            entry.out_until = until;
        }
    }
}

impl Rotator<Proxy> {
    /// A round-robin rotator over the proxies of `text`, one a line in Python TLS Requests'
    /// format, `URL|WEIGHT|REGION` (weight and region optional; a URL without a scheme is
    /// `http`); blank lines and lines starting with `#` are skipped. A bad line is an error
    /// of kind [`Kind::Builder`](crate::Kind::Builder) naming its number.
    pub fn from_proxy_lines(text: &str) -> Result<Rotator<Proxy>> {
        let rotator = Rotator::new(Vec::new());
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad =
                |why: String| Error::new(Kind::Builder, format!("proxy line {}: {why}", n + 1));
            let mut fields = line.split('|').map(str::trim);
            let proxy =
                Proxy::all(fields.next().unwrap_or_default()).map_err(|e| bad(e.to_string()))?;
            let weight = match fields.next().filter(|w| !w.is_empty()) {
                Some(w) => w
                    .parse()
                    .map_err(|_| bad(format!("invalid weight {w:?}")))?,
                None => 1,
            };
            let region = fields.next().filter(|r| !r.is_empty());
            rotator.add(proxy, weight, region);
        }
        Ok(rotator)
    }
}

impl<T> fmt::Debug for Rotator<T> {
    /// The number of values and the strategy, never the values (proxy credentials).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("Rotator")
            .field("values", &state.entries.len())
            .field("strategy", &state.strategy)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_lines_in_pythons_format() {
        let r = Rotator::from_proxy_lines(
            "# mine\nhttp://u:p@10.0.0.1:3128|5|eu\n\n  10.0.0.2:8080 | | us\nsocks5h://10.0.0.3:1080\n",
        )
        .unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(
            r.in_region("us"),
            [Proxy::all("http://10.0.0.2:8080").unwrap()]
        );
        for (bad, says) in [
            ("ftp://x:1", "line 1"),
            ("\nhttp://x:1|heavy", "line 2: invalid weight"),
        ] {
            let err = Rotator::from_proxy_lines(bad).unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        }
        let secret = Rotator::from_proxy_lines("http://u:hunter2@h:1").unwrap();
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn round_robin_takes_each_in_turn_and_skips_the_failed() {
        let r = Rotator::new(["a", "b", "c"]);
        let picks: Vec<_> = (0..6).map(|_| r.next_value().unwrap()).collect();
        assert_eq!(picks, ["a", "b", "c", "a", "b", "c"]);
        r.mark_result(&"b", false);
        let picks: Vec<_> = (0..4).map(|_| r.next_value().unwrap()).collect();
        assert_eq!(picks, ["a", "c", "a", "c"]);
        r.mark_result(&"b", true);
        assert!((0..3).any(|_| r.next_value() == Some("b")));
    }

    #[test]
    fn when_all_failed_the_one_back_soonest_is_used() {
        let r = Rotator::new(["a", "b"]).cooldown(Duration::from_secs(60));
        r.mark_result(&"b", false);
        std::thread::sleep(Duration::from_millis(2));
        r.mark_result(&"a", false);
        assert_eq!(r.next_value(), Some("b"));
        let gone = Rotator::new(["x"]).cooldown(Duration::ZERO);
        gone.mark_result(&"x", false);
        assert_eq!(
            gone.next_value(),
            Some("x"),
            "a zero cooldown leaves nothing out"
        );
        assert_eq!(Rotator::<&str>::default().next_value(), None);
    }

    #[test]
    fn weights_shape_the_picks_and_zero_is_never_picked() {
        let r = Rotator::new(Vec::<&str>::new()).weighted();
        r.add("heavy", 9, Some("eu"));
        r.add("light", 1, Some("us"));
        r.add("never", 0, Some("eu"));
        let heavy = (0..10_000)
            .filter(|_| r.next_value() == Some("heavy"))
            .count();
        assert!((8_500..9_500).contains(&heavy), "{heavy} of 10000");
        assert!((0..1000).all(|_| r.next_value() != Some("never")));
        assert_eq!(r.in_region("eu"), ["heavy", "never"]);
        assert!(r.remove(&"heavy") && !r.remove(&"heavy"));
        assert_eq!(r.len(), 2);
        let random = Rotator::new(["a", "b"]).random();
        assert!((0..200).any(|_| random.next_value() == Some("b")));
        assert_eq!(
            format!("{random:?}"),
            "Rotator { values: 2, strategy: Random }"
        );
    }
}
