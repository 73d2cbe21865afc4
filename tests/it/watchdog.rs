//! A watchdog for tests of hangs: the code under test runs on a thread of its own, so a
//! future that never returns (or spins without yielding) fails the test instead of hanging
//! the suite. The client's own timeouts are not trusted for this.

use std::future::Future;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `make()`'s future on its own thread and returns its output, or panics naming `what`
/// if it has not finished within `limit`. A hung thread is left behind.
pub fn within<T, F>(limit: Duration, what: &str, make: impl FnOnce() -> F + Send + 'static) -> T
where
    T: Send + 'static,
    F: Future<Output = T>,
{
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(smol::block_on(make()));
    });
    match result.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("hung: {what} not done after {limit:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// Awaits `fut` in place, failing the test if it takes longer than `limit`: for futures
/// that wait (a spinning one never lets the timer run; use [`within`] for those).
pub async fn awaited_within<T>(limit: Duration, what: &str, fut: impl Future<Output = T>) -> T {
    futures_lite::future::or(fut, async {
        async_io::Timer::after(limit).await;
        panic!("{what} did not finish within {limit:?}");
    })
    .await
}
