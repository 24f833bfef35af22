//! `Shuttle`: shuttle's tasks and locks; every operation is a point where its scheduler may switch.
//! The condvar is our own ([`sync`]): a timed wait that ends either way, a wait that says when
//! it took effect; so is the `sync::atomic` cell ([`atomic`]): any read-modify-write in one step.

mod atomic;
mod sync;

/// The shuttle backend: shuttle's tasks and locks, our own condvar; a schedule is explored by
/// the checker's seeded schedulers and replays from its token.
#[derive(Debug)]
pub struct Shuttle;

super::std_shaped::impl_runtime!(
    Shuttle,
    "shuttle",
    shuttle,
    sync = sync,
    explores = true,
    exhaustive = false,
    has_clock = false,
    // shuttle models no time: its own `sleep` is a context switch.
    sleep = ::shuttle::thread::sleep,
    // Decided by the scheduler's random source, so a schedule replays it.
    spurious_wakeup = || {
        use ::shuttle::rand::Rng;
        ::shuttle::rand::thread_rng().gen_ratio(1, super::SPURIOUS_WAKEUP_ONE_IN)
    },
    // Unused: a timed waiter's timer is a scheduler choice (see `sync`).
    timeout = |duration| duration,
    atomic = atomic::ShuttleAtomic<T>,
    overrides {
        fn wait_noting<'a, T: Send>(
            condvar: &Self::Condvar,
            guard: Self::Guard<'a, T>,
            timeout: Option<std::time::Duration>,
            waiting: &mut dyn FnMut(),
        ) -> (Self::Guard<'a, T>, bool) {
            condvar.wait_noting(guard, timeout, waiting)
        }
    }
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
