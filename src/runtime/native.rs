//! `Native`: std threads and std locks, in real time (the tutorial's sleeps scaled down).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The native backend: std threads, std locks, real time. Explores nothing: one run is one
/// schedule, the one the OS picked.
#[derive(Debug)]
pub struct Native;

/// The tutorial's durations are divided by this before a native thread sleeps or times out
/// (default 100: the tutorial's 0.1 s becomes 1 ms).
static SLEEP_SCALE: AtomicU32 = AtomicU32::new(100);

/// Divides the tutorial's durations by `divisor` (at least 1) from now on, for every native sleep
/// and timed wait.
pub fn set_sleep_scale(divisor: u32) {
    SLEEP_SCALE.store(divisor.max(1), Ordering::Relaxed);
}

/// The divisor [`set_sleep_scale`] set; 100 unless it was called.
pub fn sleep_scale() -> u32 {
    SLEEP_SCALE.load(Ordering::Relaxed)
}

fn scaled(duration: Duration) -> Duration {
    duration / sleep_scale()
}

super::std_shaped::impl_runtime!(
    Native,
    "native",
    std,
    explores = false,
    exhaustive = false,
    has_clock = true,
    sleep = |duration| std::thread::sleep(scaled(duration)),
    // The OS decides; std threads rarely see one.
    spurious_wakeup = || false,
    timeout = scaled,
    // std's own atomic of each type, with the orderings given.
    atomic = <T as super::AtomicValue>::Std
);

/// A task is a task of tokio's current-thread runtime, started by [`Tasks::block_on`] on the
/// calling OS thread: one thread, switching only at awaits, as gevent's hub does. Tasks still
/// running when `block_on`'s own future completes are dropped with the runtime, as a program's
/// un-joined greenlets end with it; `spawn` outside `block_on` panics.
///
/// [`Tasks::block_on`]: super::std_shaped::Tasks::block_on
#[cfg(all(feature = "tokio", not(loom)))]
impl super::std_shaped::Tasks for Native {
    type Task<T: Send + 'static> = tokio::task::JoinHandle<T>;

    fn spawn<F>(_name: String, future: F) -> Self::Task<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::task::spawn(future)
    }

    async fn join<T: Send + 'static>(task: Self::Task<T>) -> std::thread::Result<T> {
        task.await.map_err(|error| match error.try_into_panic() {
            Ok(payload) => payload,
            Err(error) => Box::new(format!("the task did not finish: {error}")),
        })
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("the OS refused tokio's runtime (a timer or an event fd)")
            .block_on(future)
    }

    async fn yield_now() {
        tokio::task::yield_now().await
    }

    async fn sleep(duration: Duration) {
        tokio::time::sleep(scaled(duration)).await
    }
}

/// In a loom build (no tokio there), or without the `tokio` feature: a future on the calling OS
/// thread's std-only [`super::hub`], with the same rules.
#[cfg(any(loom, not(feature = "tokio")))]
impl super::std_shaped::Tasks for Native {
    type Task<T: Send + 'static> = super::hub::Task<T>;

    fn spawn<F>(_name: String, future: F) -> Self::Task<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        super::hub::spawn(future)
    }

    async fn join<T: Send + 'static>(task: Self::Task<T>) -> std::thread::Result<T> {
        super::hub::join(task).await
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        super::hub::block_on(future)
    }

    async fn yield_now() {
        super::hub::YieldOnce::default().await
    }

    async fn sleep(duration: Duration) {
        super::hub::sleep(scaled(duration)).await
    }
}
