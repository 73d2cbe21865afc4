//! Keep-alive connections, per destination: idle reuse, a per-host limit with waiting, and
//! idle expiry.
//!
//! A connection is counted against its host from the moment a slot is taken to connect it
//! until it is closed. It goes back to the idle list only through [`Pooled::release`], which
//! the response body calls when it has read its message to the end on a reusable connection;
//! every other way of letting go of a [`Pooled`] (an error, a dropped future or response)
//! closes it.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use event_listener::Event;

use crate::error::{Error, Kind};
use crate::proto::h1::conn::Conn;
use crate::rt::Executor;
use crate::transport::Destination;

/// Pool settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PoolConfig {
    pub(crate) max_idle_per_host: usize,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) max_per_host: Option<usize>,
}

impl Default for PoolConfig {
    fn default() -> PoolConfig {
        PoolConfig {
            max_idle_per_host: usize::MAX,
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
}

#[derive(Default)]
struct Host {
    idle: Vec<(Conn, Instant)>,
    /// Connections counted against the limit: connecting, in use, or idle.
    open: usize,
    freed: Event,
}

/// What [`Pool::checkout`] found: an idle connection, or a slot to connect a new one.
pub(crate) enum Checkout {
    Idle(Pooled),
    Connect(Slot),
}

impl Pool {
    pub(crate) fn new(config: PoolConfig, exec: &Arc<dyn Executor>) -> Pool {
        let pool = Pool {
            shared: Arc::new(Shared {
                config,
                state: Mutex::default(),
            }),
        };
        if let Some(every) = config.idle_timeout {
            let weak = Arc::downgrade(&pool.shared);
            let sleeper = exec.clone();
            exec.spawn(Box::pin(reap(weak, sleeper, every)));
        }
        pool
    }

    /// An idle connection to `dst`, or a slot to open one; waits while the host is at its
    /// limit. Cancel-safe: dropping the future gives nothing up.
    pub(crate) async fn checkout(&self, dst: &Destination) -> Result<Checkout, Error> {
        loop {
            let listener = {
                let mut state = self.shared.lock();
                if state.closed {
                    return Err(Error::bare(Kind::Closed));
                }
                let host = state.hosts.entry(dst.clone()).or_default();
                while let Some((mut conn, since)) = host.idle.pop() {
                    if self.shared.expired(since) || !conn.is_idle_usable() {
                        host.open -= 1;
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
    pub(crate) fn close(&self) -> Vec<Conn> {
        let mut state = self.shared.lock();
        state.closed = true;
        let mut conns = Vec::new();
        for host in state.hosts.values_mut() {
            host.open -= host.idle.len();
            conns.extend(host.idle.drain(..).map(|(c, _)| c));
            host.freed.notify(usize::MAX);
        }
        conns
    }

    /// Idle connections to `dst` (for tests and diagnostics).
    #[cfg(test)]
    pub(crate) fn idle_count(&self, dst: &Destination) -> usize {
        self.shared
            .lock()
            .hosts
            .get(dst)
            .map_or(0, |h| h.idle.len())
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the state half-changed: every update is one step.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn expired(&self, since: Instant) -> bool {
        self.config
            .idle_timeout
            .is_some_and(|t| since.elapsed() >= t)
    }

    /// A counted connection is gone.
    fn free(&self, dst: &Destination) {
        let mut state = self.lock();
        if let Some(host) = state.hosts.get_mut(dst) {
            host.open -= 1;
            host.freed.notify(1);
            if host.open == 0 {
                state.hosts.remove(dst);
            }
        }
    }

    /// A counted connection is idle again.
    fn put_idle(&self, dst: &Destination, conn: Conn) {
        let mut state = self.lock();
        let closed = state.closed;
        let Some(host) = state.hosts.get_mut(dst) else {
            return;
        };
        host.idle.retain(|(_, since)| !self.expired(*since));
        if closed || host.idle.len() >= self.config.max_idle_per_host {
            drop(state);
            drop(conn);
            self.free(dst);
            return;
        }
        host.idle.push((conn, Instant::now()));
        host.freed.notify(1);
    }

    /// Drops idle connections past the idle timeout, in every host.
    fn reap(&self) {
        let mut state = self.lock();
        state.hosts.retain(|_, host| {
            let before = host.idle.len();
            host.idle.retain(|(_, since)| !self.expired(*since));
            host.open -= before - host.idle.len();
            if before != host.idle.len() {
                host.freed.notify(usize::MAX);
            }
            host.open > 0
        });
    }
}

async fn reap(shared: Weak<Shared>, exec: Arc<dyn Executor>, every: Duration) {
    loop {
        exec.sleep(every).await;
        match shared.upgrade() {
            Some(shared) => shared.reap(),
            None => return,
        }
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
    pub(crate) fn fill(self, conn: Conn) -> Pooled {
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
    conn: Conn,
    slot: Slot,
}

impl Pooled {
    /// Returns the connection to the idle list if it can carry another request, else closes it.
    pub(crate) fn release(self) {
        let Pooled { conn, mut slot } = self;
        if conn.can_reuse() {
            slot.armed = false;
            slot.shared.put_idle(&slot.dst, conn);
        }
    }
}

impl Deref for Pooled {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}
