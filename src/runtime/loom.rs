//! `Loom`: loom's threads and locks, explored exhaustively (up to the preemption bound).

use std::sync::Arc;

#[derive(Debug)]
pub struct Loom;

super::std_shaped::impl_runtime!(
    Loom,
    "loom",
    loom,
    explores = true,
    exhaustive = true,
    has_clock = false,
    // Not `yield_now`: loom treats a yielding thread as spinning and prunes around it.
    sleep = |_duration| {},
    // loom 0.7's `wait_timeout` never times out.
    // loom has no way to choose: it would have to explore both.
    spurious_wakeup = || false,
    timeout = |duration| duration
);

/// loom has no task spawn: a task is a loom thread polling it (so at most 4 tasks besides
/// main). Every poll holds [`PROCESSOR`], so tasks take turns as on gevent's one thread, and loom
/// sees them conflict there: it tries every order of their polls (the code inside a poll uses no
/// loom object, so without the lock loom would find nothing to reorder).
impl super::std_shaped::Tasks for Loom {
    type Task<T: Send + 'static> = LoomTask<T>;

    fn spawn<F>(name: String, future: F) -> Self::Task<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (body, task) = super::hub::finishing(future);
        let thread = ::loom::thread::Builder::new()
            .name(name)
            .spawn(move || block_on(body))
            .expect("loom refused to start a task's thread");
        LoomTask { task, thread }
    }

    /// Awaits the task's end (its thread is joined once it has handed over its result).
    async fn join<T: Send + 'static>(task: Self::Task<T>) -> std::thread::Result<T> {
        let LoomTask { task, thread } = task;
        let result = super::hub::join(task).await;
        thread
            .join()
            .expect("a task's thread catches its task's panic");
        result
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        block_on(future)
    }

    async fn yield_now() {
        super::hub::YieldOnce::default().await
    }

    /// No time: a switch point and nothing more.
    async fn sleep(_duration: std::time::Duration) {
        super::hub::YieldOnce::default().await
    }
}

/// A task under loom: its thread, and where its result is left for the joiner (a std mutex,
/// only ever taken inside a poll, which holds [`PROCESSOR`], so never contended).
pub struct LoomTask<T> {
    task: super::hub::Task<T>,
    thread: ::loom::thread::JoinHandle<()>,
}

::loom::lazy_static! {
    /// The one processor the tasks of an execution share: held for each poll.
    static ref PROCESSOR: ::loom::sync::Mutex<()> = ::loom::sync::Mutex::new(());
}

/// Wakes a task's thread: a flag under a loom mutex, and a loom condvar to wait on it.
#[derive(Default)]
struct Wakeup {
    woken: ::loom::sync::Mutex<bool>,
    condvar: ::loom::sync::Condvar,
}

impl std::task::Wake for Wakeup {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        *self.woken.lock().expect("never poisoned") = true;
        self.condvar.notify_one();
    }
}

/// Polls `future` on this thread, holding [`PROCESSOR`] for each poll, and between polls waits
/// on a loom condvar until it is woken. Not `loom::future::block_on`: when tasks deadlock, loom
/// drops that one's parked state while unwinding and aborts the process; a thread parked on a
/// condvar is a deadlock loom reports like any other.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let wakeup = Arc::new(Wakeup::default());
    let waker = std::task::Waker::from(wakeup.clone());
    let mut context = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        let poll = {
            let _processor = PROCESSOR
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            future.as_mut().poll(&mut context)
        };
        if let std::task::Poll::Ready(output) = poll {
            return output;
        }
        let mut woken = wakeup.woken.lock().expect("never poisoned");
        while !*woken {
            woken = wakeup.condvar.wait(woken).expect("never poisoned");
        }
        *woken = false;
    }
}
