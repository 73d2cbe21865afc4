//! The runtime the client runs on: an [`Executor`] spawns tasks, sleeps and runs blocking work.
//!
//! The client calls only this trait for those three things, so it runs on any executor.
//! Sockets are [`async_io`] sources, whose reactor drives itself on its own thread when no
//! `block_on` of async-io is driving it, so they work under any executor too.
//!
//! ```
//! use std::time::Duration;
//! use tls_requests::rt::{BoxFuture, Executor};
//!
//! /// Runs everything on threads: no async runtime at all.
//! struct Threads;
//!
//! impl Executor for Threads {
//!     fn spawn(&self, task: BoxFuture<'static, ()>) {
//!         std::thread::spawn(move || futures_lite::future::block_on(task));
//!     }
//!     fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
//!         Box::pin(async move { async_io::Timer::after(duration).await; })
//!     }
//!     fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()> {
//!         // Every task has a thread of its own here, so blocking in place is fine.
//!         Box::pin(async move { job() })
//!     }
//! }
//!
//! let client = tls_requests::AsyncClient::builder().executor(Threads).build().unwrap();
//! # drop(client);
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{Error, TimeoutPhase};

/// A boxed, `Send` future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Spawns tasks, sleeps, and runs blocking work: everything the client needs from a runtime.
pub trait Executor: Send + Sync + 'static {
    /// Runs `task` to completion in the background.
    fn spawn(&self, task: BoxFuture<'static, ()>);

    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;

    /// Runs `job` where blocking is allowed (a thread pool), and completes when it has run.
    /// DNS resolution goes through here.
    fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()>;
}

/// The default executor: smol's global executor, async-io timers and the `blocking` pool.
#[cfg(feature = "smol")]
#[derive(Debug, Clone, Copy, Default)]
pub struct SmolExecutor;

#[cfg(feature = "smol")]
impl Executor for SmolExecutor {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        smol::spawn(task).detach();
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            async_io::Timer::after(duration).await;
        })
    }

    fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send>) -> BoxFuture<'static, ()> {
        Box::pin(smol::unblock(job))
    }
}

/// The executor a client gets when none is given.
pub(crate) fn default_executor() -> Option<Arc<dyn Executor>> {
    #[cfg(feature = "smol")]
    return Some(Arc::new(SmolExecutor));
    #[cfg(not(feature = "smol"))]
    None
}

/// Runs `f` through [`Executor::spawn_blocking`] and returns its result.
pub(crate) async fn unblock<T: Send + 'static>(
    exec: &dyn Executor,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let slot = Arc::new(Mutex::new(None));
    let filled = slot.clone();
    exec.spawn_blocking(Box::new(move || {
        let value = f();
        if let Ok(mut slot) = filled.lock() {
            *slot = Some(value);
        }
    }))
    .await;
    slot.lock().ok()?.take()
}

/// Runs `fut`, failing with a timeout of `phase` if `limit` passes first. `None` waits forever.
pub(crate) async fn timeout<T>(
    exec: &dyn Executor,
    limit: Option<Duration>,
    phase: TimeoutPhase,
    fut: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match limit {
        None => fut.await,
        Some(limit) => {
            let sleep = exec.sleep(limit);
            futures_lite::future::or(fut, async {
                sleep.await;
                Err(Error::timeout(phase))
            })
            .await
        }
    }
}

/// The deadlines of one request: an idle limit between bytes and an absolute end.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Deadlines {
    pub(crate) idle: Option<Duration>,
    pub(crate) end: Option<Instant>,
}

/// An idle timer for poll-based I/O: a wait starts when an operation returns `Pending` and
/// ends when one makes progress; a wait longer than the idle limit (or past the end) is a
/// timeout.
///
/// Ready I/O never touches the timer, and the sleep behind it is kept across waits (and
/// across the requests of a connection): arming a sleep wakes the reactor to reprogram its
/// timer, which at default timeouts would cost a few system calls per request. A kept sleep
/// that ends before the current wait's deadline (it was set for an earlier wait) is set
/// again for what is left, so a busy connection re-arms about once per idle limit.
pub(crate) struct IdleTimer {
    exec: Arc<dyn Executor>,
    deadlines: Deadlines,
    /// When the current wait began; `None` when not waiting.
    waiting_since: Option<Instant>,
    /// The sleep, and the instant it ends.
    sleep: Option<(BoxFuture<'static, ()>, Instant)>,
}

impl IdleTimer {
    pub(crate) fn new(exec: Arc<dyn Executor>) -> IdleTimer {
        IdleTimer {
            exec,
            deadlines: Deadlines::default(),
            waiting_since: None,
            sleep: None,
        }
    }

    /// New deadlines, for the next exchange; the sleep is kept.
    pub(crate) fn set(&mut self, deadlines: Deadlines) {
        self.deadlines = deadlines;
        self.waiting_since = None;
    }

    pub(crate) fn deadlines(&self) -> Deadlines {
        self.deadlines
    }

    pub(crate) fn executor(&self) -> &Arc<dyn Executor> {
        &self.exec
    }

    /// An operation made progress: the wait is over.
    pub(crate) fn disarm(&mut self) {
        self.waiting_since = None;
    }

    /// Called after an operation returned `Pending`: `Ready(err)` if its deadline has passed.
    pub(crate) fn poll_expired(
        &mut self,
        cx: &mut std::task::Context<'_>,
        phase: TimeoutPhase,
    ) -> std::task::Poll<std::io::Error> {
        use std::task::Poll;
        let Deadlines { idle, end } = self.deadlines;
        if idle.is_none() && end.is_none() {
            return Poll::Pending;
        }
        let since = *self.waiting_since.get_or_insert_with(Instant::now);
        let (deadline, phase) = match (idle.map(|d| since + d), end) {
            (Some(idle_end), Some(end)) if end < idle_end => (end, TimeoutPhase::Total),
            (Some(idle_end), _) => (idle_end, phase),
            (None, Some(end)) => (end, TimeoutPhase::Total),
            (None, None) => return Poll::Pending,
        };
        loop {
            if let Some((sleep, at)) = &mut self.sleep {
                let at = *at;
                if at <= deadline {
                    if sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    self.sleep = None;
                    if at == deadline {
                        self.waiting_since = None;
                        return Poll::Ready(Error::timeout(phase).into_io());
                    }
                    // Set for an earlier wait: set again for what is left of this one.
                    continue;
                }
            }
            let now = Instant::now();
            if now >= deadline {
                self.waiting_since = None;
                return Poll::Ready(Error::timeout(phase).into_io());
            }
            self.sleep = Some((self.exec.sleep(deadline - now), deadline));
        }
    }
}
