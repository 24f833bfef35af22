//! `Loom`: loom's threads and locks, explored exhaustively (up to the preemption bound).

use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The loom backend: loom's threads and locks, every interleaving explored up to the
/// preemption bound; only in a `--cfg loom` build.
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
    timeout = |duration| duration,
    atomic = SeqCstAtomic<T>,
    atomic_usize = SeqCstAtomicUsize
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

impl<T> std::fmt::Debug for LoomTask<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoomTask").finish_non_exhaustive()
    }
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

/// The facade's `AtomicUsize` under loom: a `usize` under a loom mutex, every operation one
/// critical section. loom models `SeqCst` loads and stores as acquire/release (its README says
/// so): over loom's own atomics, store buffering ends (0, 0) and IRIW's readers disagree on the
/// order of two writes, which Python's memory never allows. A plain value under a lock is read
/// as last written, in the one order loom ran the operations, which is the timeline's order:
/// sequentially consistent by construction, as `Shared` is.
///
/// Chosen by measurement (`tests/models/litmus.rs`, loom 0.7.3, preemption bound 3) over loom's
/// atomics with `fence(SeqCst)` on each side of every operation, and over loom's atomics with
/// every operation a read-modify-write (which reads the newest store). All three are SC on every
/// litmus test and explore the same executions for every lesson (their atomics are counters
/// bumped with `fetch_add` and read after a join). On the litmus tests the lock and the
/// read-modify-writes explore the same executions, and fewer than the fences (store buffering
/// 26 against 35, Peterson's lock 127 against 168): a fenced load still picks among the stores
/// made while it waited to run, so a timeline could show it read 0 after a write of 1.
#[derive(Debug)]
pub struct SeqCstAtomicUsize(::loom::sync::Mutex<usize>);

/// std's `AtomicUsize` methods, so that `impl_runtime!` calls them as it calls std's. The
/// orderings are moot: every operation is sequentially consistent.
impl SeqCstAtomicUsize {
    pub fn new(value: usize) -> Self {
        SeqCstAtomicUsize(::loom::sync::Mutex::new(value))
    }

    pub fn load(&self, _: Ordering) -> usize {
        self.update(|value| *value)
    }

    pub fn store(&self, new: usize, _: Ordering) {
        self.update(|value| *value = new)
    }

    pub fn fetch_add(&self, delta: usize, _: Ordering) -> usize {
        self.update(|value| std::mem::replace(value, value.wrapping_add(delta)))
    }

    pub fn fetch_sub(&self, delta: usize, _: Ordering) -> usize {
        self.update(|value| std::mem::replace(value, value.wrapping_sub(delta)))
    }

    pub fn compare_exchange(
        &self,
        current: usize,
        new: usize,
        _: Ordering,
        _: Ordering,
    ) -> Result<usize, usize> {
        self.update(|value| {
            if *value != current {
                return Err(*value);
            }
            *value = new;
            Ok(current)
        })
    }

    /// One critical section, with no loom operation inside: loom never switches in the middle.
    fn update<T>(&self, operation: impl FnOnce(&mut usize) -> T) -> T {
        let mut value = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        operation(&mut value)
    }
}

/// The facade's `sync::atomic` cells under loom: a value under a loom mutex, each operation one
/// critical section, sequentially consistent for the reasons [`SeqCstAtomicUsize`] gives (loom's
/// own atomics model `SeqCst` as acquire/release). The orderings are moot.
#[derive(Debug)]
pub struct SeqCstAtomic<T>(::loom::sync::Mutex<T>);

impl<T: super::atomic::AtomicValue> super::atomic::AtomicCell<T> for SeqCstAtomic<T> {
    fn new(value: T) -> Self {
        SeqCstAtomic(::loom::sync::Mutex::new(value))
    }

    fn load(&self, _: Ordering) -> T {
        *self.lock()
    }

    fn store(&self, value: T, _: Ordering) {
        *self.lock() = value;
    }

    fn read_modify_write(
        &self,
        _: Ordering,
        _: Ordering,
        f: &mut dyn FnMut(T) -> Option<T>,
    ) -> Result<T, T> {
        let mut value = self.lock();
        let old = *value;
        match f(old) {
            Some(new) => {
                *value = new;
                Ok(old)
            }
            None => Err(old),
        }
    }

    fn get_mut(&mut self) -> &mut T {
        self.0
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn into_inner(self) -> T {
        self.0
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<T> SeqCstAtomic<T> {
    /// One critical section, with no loom operation inside: loom never switches in the middle.
    fn lock(&self) -> ::loom::sync::MutexGuard<'_, T> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
