//! `Loom`: loom's threads and locks, explored exhaustively (up to the preemption bound).

#[derive(Debug)]
pub struct Loom;

super::std_shaped::impl_runtime!(
    Loom,
    "loom",
    loom,
    explores = true,
    exhaustive = true,
    has_clock = false,
    timeout_by_yielding = false,
    // Not `yield_now`: loom treats a yielding thread as spinning and prunes around it.
    sleep = |_duration| {},
    // loom 0.7's `wait_timeout` never times out.
    // loom has no way to choose: it would have to explore both.
    spurious_wakeup = || false,
    timeout = |duration| duration
);

/// loom has `block_on` but no task spawn: a task is a loom thread running `block_on` (so at
/// most 4 tasks besides main). The task is the only code on its thread, so a blocking `join`
/// inside a poll is what an await would be.
impl super::std_shaped::Tasks for Loom {
    type Task<T: Send + 'static> = ::loom::thread::JoinHandle<T>;

    fn spawn<F>(name: String, future: F) -> Self::Task<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        ::loom::thread::Builder::new()
            .name(name)
            .spawn(move || ::loom::future::block_on(future))
            .expect("loom refused to start a task's thread")
    }

    async fn join<T: Send + 'static>(task: Self::Task<T>) -> std::thread::Result<T> {
        task.join()
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        ::loom::future::block_on(future)
    }

    async fn yield_now() {
        super::hub::YieldOnce::default().await
    }

    /// No time: a switch point and nothing more.
    async fn sleep(_duration: std::time::Duration) {
        super::hub::YieldOnce::default().await
    }
}
