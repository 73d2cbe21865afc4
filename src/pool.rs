//! Keep-alive connections ([`Connection`]s of any protocol), per destination: idle reuse, a
//! per-host limit with waiting, idle expiry, and a cap on idle connections across hosts.
//!
//! A connection is counted against its host from the moment a slot is taken to connect it
//! until it is closed. It goes back to the idle list only through [`Pooled::release`], which
//! the response body calls when it has read its message to the end on a reusable connection;
//! every other way of letting go of a [`Pooled`] (an error, a dropped future or response)
//! closes it.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use event_listener::{Event, IntoNotification};

use crate::error::{Error, Kind};
use crate::proto::Connection;
use crate::transport::Destination;

/// Pool settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolConfig {
    pub(crate) max_idle_per_host: usize,
    pub(crate) max_idle: usize,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) max_per_host: Option<usize>,
}

impl Default for PoolConfig {
    fn default() -> PoolConfig {
        PoolConfig {
            max_idle_per_host: usize::MAX,
            max_idle: 256,
            idle_timeout: Some(Duration::from_secs(90)),
            max_per_host: None,
        }
    }
}

#[derive(Clone)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    config: PoolConfig,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    closed: bool,
    hosts: HashMap<Destination, Host>,
    /// Idle connections of all hosts together.
    idle: usize,
    /// When idle connections of every host are next checked for expiry.
    next_sweep: Option<Instant>,
}

/// A connection the pool keeps for a host between requests.
///
/// One variant today: an HTTP/1.1 connection carries one exchange at a time, so it is kept
/// only while idle and checked out whole. HTTP/2 adds a variant for a connection shared by
/// several requests (the connection, its streams in flight and its limit on them), which a
/// checkout does not take out of the list but opens a stream on while there is capacity;
/// expiry, the idle cap and LRU eviction below go through [`Kept::since`] and
/// [`Kept::into_connection`] and need no change for it.
enum Kept {
    /// Idle since this instant, to be checked out by one request (HTTP/1.1).
    Exclusive { conn: Connection, since: Instant },
}

impl Kept {
    /// When the connection was last used.
    fn since(&self) -> Instant {
        match self {
            Kept::Exclusive { since, .. } => *since,
        }
    }

    fn into_connection(self) -> Connection {
        match self {
            Kept::Exclusive { conn, .. } => conn,
        }
    }
}

#[derive(Default)]
struct Host {
    /// In the order they were put back: the first is the least recently used.
    idle: Vec<Kept>,
    /// Connections counted against the limit: connecting, in use, or idle.
    open: usize,
    freed: Event,
}

impl Host {
    /// Closes idle connections idle for `timeout` at `now`, freeing their places; returns how
    /// many.
    fn drop_expired(&mut self, timeout: Duration, now: Instant) -> usize {
        let expired = |since: &Instant| now.saturating_duration_since(*since) >= timeout;
        // The list is in the order connections went idle: the first is the oldest.
        if !self.idle.first().is_some_and(|kept| expired(&kept.since())) {
            return 0;
        }
        let before = self.idle.len();
        self.idle.retain(|kept| !expired(&kept.since()));
        let dropped = before - self.idle.len();
        self.freed_places(dropped);
        dropped
    }

    /// `n` counted connections are gone: as many waiters as places are woken, each one that
    /// is not woken yet (a waiter woken but not yet running does not take a second place's
    /// wake-up).
    fn freed_places(&mut self, n: usize) {
        if n > 0 {
            self.open -= n;
            self.freed.notify(n.additional());
        }
    }
}

impl State {
    /// Removes `dst`'s entry if nothing is counted against it any more. Any waiter still
    /// listening on its event is woken first, to look again (and find a new entry).
    fn remove_if_unused(&mut self, dst: &Destination) {
        if self.hosts.get(dst).is_some_and(|host| host.open == 0) {
            if let Some(host) = self.hosts.remove(dst) {
                host.freed.notify(usize::MAX);
            }
        }
    }

    /// Removes every entry nothing is counted against any more, waking its waiters first
    /// (see [`remove_if_unused`](Self::remove_if_unused)).
    fn remove_unused(&mut self) {
        self.hosts.retain(|_, host| {
            if host.open == 0 {
                host.freed.notify(usize::MAX);
            }
            host.open > 0
        });
    }

    /// Every idle connection, out of the pool, their places freed.
    fn take_idle(&mut self) -> Vec<Connection> {
        self.idle = 0;
        let mut conns = Vec::new();
        for host in self.hosts.values_mut() {
            let n = host.idle.len();
            conns.extend(host.idle.drain(..).map(Kept::into_connection));
            host.freed_places(n);
        }
        self.remove_unused();
        conns
    }

    /// Closes the connection idle longest, of any host, to make room for another.
    fn drop_least_recent_idle(&mut self) -> Option<Connection> {
        let (dst, _) = self
            .hosts
            .iter()
            .filter_map(|(dst, host)| Some((dst, host.idle.first()?.since())))
            .min_by_key(|(_, since)| *since)?;
        let dst = dst.clone();
        let host = self.hosts.get_mut(&dst)?;
        let kept = host.idle.remove(0);
        host.freed_places(1);
        self.idle -= 1;
        self.remove_if_unused(&dst);
        Some(kept.into_connection())
    }
}

/// What [`Pool::checkout`] found: an idle connection, held exclusively until released, or a
/// slot to connect a new one. (HTTP/2 adds a third answer: a stream on a shared connection.)
#[allow(clippy::large_enum_variant)] // boxing the connection would allocate per checkout
pub(crate) enum Checkout {
    Idle(Pooled),
    Connect(Slot),
}

impl Pool {
    pub(crate) fn new(config: PoolConfig) -> Pool {
        Pool {
            shared: Arc::new(Shared {
                config,
                state: Mutex::default(),
            }),
        }
    }

    /// An idle connection to `dst`, or a slot to open one; waits while the host is at its
    /// limit. Cancel-safe: dropping the future gives nothing up.
    ///
    /// An idle connection is first checked to be open and silent (one non-blocking read),
    /// however briefly it was idle: bytes the server sent unasked (or its close) are seen
    /// here, not read as the answer to the next request.
    pub(crate) async fn checkout(&self, dst: &Destination) -> Result<Checkout, Error> {
        loop {
            let listener = {
                let mut state = self.shared.lock();
                if state.closed {
                    return Err(Error::bare(Kind::Closed));
                }
                let state = &mut *state;
                let host = match state.hosts.get_mut(dst) {
                    Some(host) => host,
                    None => state.hosts.entry(dst.clone()).or_default(),
                };
                while let Some(kept) = host.idle.pop() {
                    state.idle -= 1;
                    let since = kept.since();
                    let mut conn = kept.into_connection();
                    if self.shared.expired(since.elapsed()) || !conn.is_idle_usable() {
                        // Its place is this checkout's to take (below), or a waiter's.
                        host.freed_places(1);
                        continue;
                    }
                    return Ok(Checkout::Idle(Pooled {
                        conn,
                        slot: self.slot(dst),
                    }));
                }
                if self
                    .shared
                    .config
                    .max_per_host
                    .is_none_or(|max| host.open < max)
                {
                    host.open += 1;
                    return Ok(Checkout::Connect(self.slot(dst)));
                }
                host.freed.listen()
            };
            listener.await;
        }
    }

    fn slot(&self, dst: &Destination) -> Slot {
        Slot {
            shared: self.shared.clone(),
            dst: dst.clone(),
            armed: true,
        }
    }

    /// Ends the pool: idle connections are returned to be shut down, new checkouts fail, and
    /// connections in use are closed when they come back.
    pub(crate) fn close(&self) -> Vec<Connection> {
        let mut state = self.shared.lock();
        state.closed = true;
        let conns = state.take_idle();
        // Waiters wake to find the pool closed.
        for host in state.hosts.values() {
            host.freed.notify(usize::MAX);
        }
        conns
    }

    /// Takes every idle connection out of the pool, to be closed: when the process is out of
    /// file descriptors, they are what can be given back.
    pub(crate) fn take_idle(&self) -> Vec<Connection> {
        self.shared.lock().take_idle()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the state half-changed: every update is one step.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn expired(&self, idle: Duration) -> bool {
        self.config.idle_timeout.is_some_and(|t| idle >= t)
    }

    /// A counted connection is gone.
    fn free(&self, dst: &Destination) {
        let mut state = self.lock();
        if let Some(host) = state.hosts.get_mut(dst) {
            host.freed_places(1);
            state.remove_if_unused(dst);
        }
    }

    /// A counted connection is idle again. Connections closed to make room are returned, to
    /// be dropped outside the lock.
    fn put_idle(&self, dst: &Destination, conn: Connection) -> Vec<Connection> {
        let mut state = self.lock();
        let state = &mut *state;
        let closed = state.closed;
        let Some(host) = state.hosts.get_mut(dst) else {
            return vec![conn];
        };
        let now = Instant::now();
        if let Some(timeout) = self.config.idle_timeout {
            state.idle -= host.drop_expired(timeout, now);
        }
        let fits = host.idle.len() < self.config.max_idle_per_host && self.config.max_idle > 0;
        if closed || !fits {
            host.freed_places(1);
            state.remove_if_unused(dst);
            return vec![conn];
        }
        host.idle.push(Kept::Exclusive { conn, since: now });
        // The place stays taken, by an idle connection a waiter can check out.
        host.freed.notify(1.additional());
        state.idle += 1;
        let mut closing = Vec::new();
        while state.idle > self.config.max_idle {
            match state.drop_least_recent_idle() {
                Some(conn) => closing.push(conn),
                None => break,
            }
        }
        // Other hosts' idle connections expire here too, at most once per idle timeout: no
        // background task (and no executor thread) is needed for it.
        if let Some(timeout) = self.config.idle_timeout {
            if state.next_sweep.is_none_or(|at| now >= at) {
                state.next_sweep = Some(now + timeout);
                let dropped: usize = state
                    .hosts
                    .values_mut()
                    .map(|host| host.drop_expired(timeout, now))
                    .sum();
                state.idle -= dropped;
                state.remove_unused();
            }
        }
        closing
    }
}

/// A counted place for one connection to a destination; dropping it frees the place.
pub(crate) struct Slot {
    shared: Arc<Shared>,
    dst: Destination,
    armed: bool,
}

impl Slot {
    /// The slot, now holding `conn`.
    pub(crate) fn fill(self, conn: Connection) -> Pooled {
        Pooled { conn, slot: self }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.armed {
            self.shared.free(&self.dst);
        }
    }
}

/// A connection checked out of the pool. Dropping it closes the connection; only
/// [`release`](Pooled::release) puts it back.
pub(crate) struct Pooled {
    conn: Connection,
    slot: Slot,
}

impl Pooled {
    /// Returns the connection to the idle list if it can carry another request, else closes it.
    pub(crate) fn release(self) {
        let Pooled { mut conn, mut slot } = self;
        if conn.can_reuse() {
            conn.trim_for_idle();
            slot.armed = false;
            drop(slot.shared.put_idle(&slot.dst, conn));
        }
    }
}

impl Deref for Pooled {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

#[cfg(all(test, feature = "smol"))]
mod tests {
    use super::*;
    use crate::proto::Protocol;
    use crate::proto::h1::Limits;
    use crate::rt::{Executor, SmolExecutor};
    use crate::transport::Connector;
    use crate::{MockResponse, MockTransport};

    fn conn(exec: &Arc<dyn Executor>, dst: &Destination) -> Connection {
        let mock = MockTransport::new(|_| MockResponse::new(200));
        let connected = futures_lite::future::block_on(mock.connect(dst)).unwrap();
        Connection::new(Protocol::Http1, connected, exec.clone(), Limits::default())
    }

    fn slot(c: Checkout) -> Slot {
        match c {
            Checkout::Connect(slot) => slot,
            Checkout::Idle(_) => panic!("expected a slot to connect"),
        }
    }

    #[test]
    fn expired_idle_connections_free_their_places() {
        let exec: Arc<dyn Executor> = Arc::new(SmolExecutor);
        let config = PoolConfig {
            idle_timeout: Some(Duration::from_millis(20)),
            max_per_host: Some(2),
            ..PoolConfig::default()
        };
        let pool = Pool::new(config);
        let dst = Destination::from_url(&"http://h/".parse().unwrap()).unwrap();
        smol::block_on(async {
            let a = slot(pool.checkout(&dst).await.unwrap()).fill(conn(&exec, &dst));
            let b = slot(pool.checkout(&dst).await.unwrap()).fill(conn(&exec, &dst));
            a.release();
            async_io::Timer::after(Duration::from_millis(30)).await;
            b.release(); // finds `a` expired and closes it
            let reused = pool.checkout(&dst).await.unwrap();
            assert!(matches!(reused, Checkout::Idle(_)), "b is idle and fresh");
            // One place is free again, so this does not wait.
            let wait = async_io::Timer::after(Duration::from_secs(1));
            let next = futures_lite::future::or(async { Some(pool.checkout(&dst).await) }, async {
                wait.await;
                None
            });
            assert!(matches!(next.await, Some(Ok(Checkout::Connect(_)))));
        });
    }

    #[test]
    fn closing_fails_waiters_and_later_checkouts() {
        let pool = Pool::new(PoolConfig {
            max_per_host: Some(1),
            ..PoolConfig::default()
        });
        let dst = Destination::from_url(&"http://h/".parse().unwrap()).unwrap();
        smol::block_on(async {
            let held = slot(pool.checkout(&dst).await.unwrap());
            let waiter = {
                let pool = pool.clone();
                let dst = dst.clone();
                smol::spawn(async move { pool.checkout(&dst).await.map(|_| ()) })
            };
            async_io::Timer::after(Duration::from_millis(10)).await;
            assert!(pool.close().is_empty());
            drop(held);
            assert!(waiter.await.unwrap_err().is_closed());
            assert!(
                pool.checkout(&dst)
                    .await
                    .err()
                    .is_some_and(|e| e.is_closed())
            );
        });
    }
}
