//! Name resolution: the [`Resolve`] trait, the system resolver, and a small cache in front.
//!
//! A crawler opening many connections to one host would otherwise run one blocking lookup
//! per connection, each on a thread of the blocking pool. [`DnsCache`] runs one lookup per
//! name at a time, however many connections wait for it, and keeps the answer for a minute
//! as Chrome's host cache does.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use event_listener::Event;

use crate::rt::{self, BoxFuture, Executor};

/// Turns a host name into the addresses to connect to.
///
/// [`TcpConnector`](super::TcpConnector) calls it for every host that is not an IP address.
/// The addresses are tried in the order given (interleaving IPv6 and IPv4), so a resolver
/// that puts the preferred address first gets it tried first. The port of each address is
/// used as it is: return `port` unless you mean to send the connection elsewhere.
///
/// ```
/// use std::io;
/// use std::net::SocketAddr;
/// use tls_requests::rt::BoxFuture;
/// use tls_requests::transport::Resolve;
///
/// /// Sends every name to one address, as curl's `--resolve` does.
/// struct Pinned(std::net::IpAddr);
///
/// impl Resolve for Pinned {
///     fn resolve<'a>(
///         &'a self,
///         _host: &'a str,
///         port: u16,
///     ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
///         Box::pin(async move { Ok(vec![SocketAddr::new(self.0, port)]) })
///     }
/// }
/// ```
pub trait Resolve: Send + Sync + 'static {
    /// The addresses of `host`, with `port`. An empty list is reported as "no address".
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>>;
}

impl<R: Resolve + ?Sized> Resolve for Arc<R> {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        (**self).resolve(host, port)
    }
}

/// The operating system's resolver (`getaddrinfo` through the standard library), run on the
/// executor's blocking pool since it blocks. It caches nothing itself; the client puts a
/// [`DnsCache`] in front of it.
#[derive(Clone)]
pub struct SystemResolver {
    exec: Arc<dyn Executor>,
}

impl SystemResolver {
    /// A resolver that runs its lookups on `exec`'s blocking pool.
    pub fn new(exec: Arc<dyn Executor>) -> SystemResolver {
        SystemResolver { exec }
    }
}

impl Resolve for SystemResolver {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        let target = (host.to_owned(), port);
        Box::pin(async move {
            rt::unblock(&*self.exec, move || {
                target.to_socket_addrs().map(Vec::from_iter)
            })
            .await
            .unwrap_or_else(|| Err(io::Error::other("the executor dropped the DNS lookup")))
        })
    }
}

/// A resolver in front of another that coalesces and caches lookups.
///
/// - **Coalescing.** Concurrent lookups of one host and port share one lookup of the inner
///   resolver. That lookup runs as a task of its own on the executor, so it finishes and
///   answers every other waiter even when the caller that started it is dropped.
/// - **Caching.** An answer is kept for [`DEFAULT_TTL`](DnsCache::DEFAULT_TTL) (one minute,
///   as Chrome's host cache for system lookups), for at most
///   [`DEFAULT_CAPACITY`](DnsCache::DEFAULT_CAPACITY) names; when full, the oldest answer
///   makes room. Failures and empty answers are not cached (Chrome's negative TTL is zero
///   too): the next request asks again.
///
/// `TcpConnector::new` uses one in front of the [`SystemResolver`]. Put one in front of your
/// own resolver the same way:
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use tls_requests::rt::{Executor, SmolExecutor};
/// use tls_requests::transport::{DnsCache, SystemResolver, TcpConnector};
///
/// let exec: Arc<dyn Executor> = Arc::new(SmolExecutor);
/// let cache = DnsCache::new(exec.clone(), SystemResolver::new(exec.clone()))
///     .with_ttl(Duration::from_secs(10))
///     .with_capacity(100);
/// let tcp = TcpConnector::with_resolver(exec, cache);
/// let client = tls_requests::AsyncClient::builder().transport(tcp).build().unwrap();
/// # drop(client);
/// ```
#[derive(Clone)]
pub struct DnsCache {
    inner: Arc<dyn Resolve>,
    exec: Arc<dyn Executor>,
    ttl: Duration,
    capacity: usize,
    state: Arc<Mutex<State>>,
}

/// A cache key: the host as the URL spells it (lowercase for domains) and the port.
type Key = (Box<str>, u16);

/// What a lookup gave, in a form every waiter can have a copy of (`io::Error` is not `Clone`).
type Answer = Result<Vec<SocketAddr>, (io::ErrorKind, String)>;

#[derive(Default)]
struct State {
    entries: HashMap<Key, Entry>,
    /// Counts answers stored, so the oldest one can be told apart without comparing clocks.
    stored: u64,
}

enum Entry {
    /// A lookup is running; waiters listen on it.
    Pending(Arc<Lookup>),
    /// A cached answer.
    Ready {
        addrs: Vec<SocketAddr>,
        expires: Instant,
        stored: u64,
    },
}

/// One lookup in flight, shared by everyone waiting for it.
#[derive(Default)]
struct Lookup {
    answer: Mutex<Option<Answer>>,
    done: Event,
}

impl Lookup {
    fn answer(&self) -> Option<Answer> {
        lock(&self.answer).clone()
    }

    async fn wait(&self) -> Answer {
        loop {
            if let Some(answer) = self.answer() {
                return answer;
            }
            let listener = self.done.listen();
            if let Some(answer) = self.answer() {
                return answer;
            }
            listener.await;
        }
    }
}

impl DnsCache {
    /// How long an answer is kept: one minute, as Chrome keeps system lookups.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

    /// How many names are kept at most: 1,000, as Chrome's host cache.
    pub const DEFAULT_CAPACITY: usize = 1000;

    /// A cache in front of `resolver`, running its lookups as tasks on `exec`.
    pub fn new(exec: Arc<dyn Executor>, resolver: impl Resolve) -> DnsCache {
        DnsCache {
            inner: Arc::new(resolver),
            exec,
            ttl: DnsCache::DEFAULT_TTL,
            capacity: DnsCache::DEFAULT_CAPACITY,
            state: Arc::default(),
        }
    }

    /// Keeps answers for `ttl`. `Duration::ZERO` caches nothing but still coalesces
    /// concurrent lookups.
    pub fn with_ttl(mut self, ttl: Duration) -> DnsCache {
        self.ttl = ttl;
        self
    }

    /// Keeps at most `capacity` answers; `0` caches nothing but still coalesces.
    pub fn with_capacity(mut self, capacity: usize) -> DnsCache {
        self.capacity = capacity;
        self
    }

    /// A cached answer, or the lookup to wait for (started here when none is running).
    fn find_or_start(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, Arc<Lookup>> {
        let key: Key = (host.into(), port);
        let lookup = {
            let mut state = lock(&self.state);
            match state.entries.get(&key) {
                Some(Entry::Ready { addrs, expires, .. }) if *expires > Instant::now() => {
                    return Ok(addrs.clone());
                }
                Some(Entry::Pending(lookup)) => return Err(lookup.clone()),
                _ => {}
            }
            let lookup = Arc::new(Lookup::default());
            state
                .entries
                .insert(key.clone(), Entry::Pending(lookup.clone()));
            lookup
        };
        // Spawned with the lock released: an executor that drops the task at once runs the
        // publisher's drop, which takes the lock.
        let publisher = Publisher {
            cache: self.clone(),
            key,
            lookup: lookup.clone(),
            answer: None,
        };
        let inner = self.inner.clone();
        self.exec.spawn(Box::pin(async move {
            let mut publisher = publisher;
            let (host, port) = (&*publisher.key.0, publisher.key.1);
            let answer = inner.resolve(host, port).await;
            publisher.answer = Some(answer.map_err(|e| (e.kind(), e.to_string())));
        }));
        Err(lookup)
    }

    /// Stores `answer` for `key` if it is worth keeping, making room if the cache is full.
    fn store(&self, key: &Key, lookup: &Arc<Lookup>, answer: &Answer) {
        let mut state = lock(&self.state);
        let ours =
            matches!(state.entries.get(key), Some(Entry::Pending(l)) if Arc::ptr_eq(l, lookup));
        if !ours {
            return;
        }
        state.entries.remove(key);
        let addrs = match answer {
            Ok(addrs) if !addrs.is_empty() && !self.ttl.is_zero() && self.capacity > 0 => addrs,
            _ => return,
        };
        let now = Instant::now();
        if state.entries.len() >= self.capacity {
            state.entries.retain(|_, entry| match entry {
                Entry::Ready { expires, .. } => *expires > now,
                Entry::Pending(_) => true,
            });
        }
        if state.entries.len() >= self.capacity {
            let oldest = state
                .entries
                .iter()
                .filter_map(|(key, entry)| match entry {
                    Entry::Ready { stored, .. } => Some((*stored, key.clone())),
                    Entry::Pending(_) => None,
                })
                .min();
            if let Some((_, key)) = oldest {
                state.entries.remove(&key);
            }
        }
        state.stored += 1;
        let stored = state.stored;
        state.entries.insert(
            key.clone(),
            Entry::Ready {
                addrs: addrs.clone(),
                expires: now + self.ttl,
                stored,
            },
        );
    }
}

impl Resolve for DnsCache {
    fn resolve<'a>(
        &'a self,
        host: &'a str,
        port: u16,
    ) -> BoxFuture<'a, io::Result<Vec<SocketAddr>>> {
        Box::pin(async move {
            let answer = match self.find_or_start(host, port) {
                Ok(addrs) => return Ok(addrs),
                Err(lookup) => lookup.wait().await,
            };
            answer.map_err(|(kind, message)| io::Error::new(kind, message))
        })
    }
}

/// Publishes a lookup's answer when its task ends, however it ends: an executor that drops
/// the task unfinished still wakes the waiters, with an error.
struct Publisher {
    cache: DnsCache,
    key: Key,
    lookup: Arc<Lookup>,
    answer: Option<Answer>,
}

impl Drop for Publisher {
    fn drop(&mut self) {
        let answer = self.answer.take().unwrap_or_else(|| {
            Err((
                io::ErrorKind::Other,
                "the executor dropped the DNS lookup".to_owned(),
            ))
        });
        self.cache.store(&self.key, &self.lookup, &answer);
        *lock(&self.lookup.answer) = Some(answer);
        self.lookup.done.notify(usize::MAX);
    }
}

/// Locks `m`, ignoring poisoning: nothing panics while holding these locks, and a cache
/// entry is valid whatever happened to another thread.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl fmt::Debug for SystemResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SystemResolver")
    }
}

impl fmt::Debug for DnsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DnsCache")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}
