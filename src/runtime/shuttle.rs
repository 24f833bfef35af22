//! `Shuttle`: shuttle's tasks and locks; every operation is a point where its scheduler may switch.

#[derive(Debug)]
pub struct Shuttle;

super::std_shaped::impl_runtime!(
    Shuttle,
    "shuttle",
    shuttle,
    explores = true,
    exhaustive = false,
    has_clock = false,
    timeout_by_yielding = true,
    // shuttle models no time: its own `sleep` is a context switch.
    sleep = ::shuttle::thread::sleep,
    // Unused: shuttle 0.9's `wait_timeout` never times out (TIMEOUT_BY_YIELDING stands in).
    // Decided by the scheduler's random source, so a schedule replays it.
    spurious_wakeup = || {
        use ::shuttle::rand::Rng;
        ::shuttle::rand::thread_rng().gen_ratio(1, super::SPURIOUS_WAKEUP_ONE_IN)
    },
    timeout = |duration| duration
);

/// A task is a shuttle future task: shuttle switches away from it only when a poll returns
/// `Pending` (or at a shuttle primitive), which is gevent's rule.
impl super::std_shaped::Tasks for Shuttle {
    type Task<T: Send + 'static> = ::shuttle::future::JoinHandle<T>;

    fn spawn<F>(_name: String, future: F) -> Self::Task<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        ::shuttle::future::spawn(future)
    }

    async fn join<T: Send + 'static>(task: Self::Task<T>) -> std::thread::Result<T> {
        task.await.map_err(|error| {
            Box::new(format!("the task did not finish: {error}")) as Box<dyn std::any::Any + Send>
        })
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        ::shuttle::future::block_on(future)
    }

    async fn yield_now() {
        ::shuttle::future::yield_now().await
    }

    /// No time: a switch point and nothing more.
    async fn sleep(_duration: std::time::Duration) {
        ::shuttle::future::yield_now().await
    }
}
