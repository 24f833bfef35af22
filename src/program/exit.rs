//! How a program's exit stops the threads it stops: the exit flag, each thread's context in
//! the backend's thread-local storage, the exit points every facade operation passes, and the
//! wakers that get a daemon out of a condvar wait.

use crate::lock_unpoisoned as lock;
use crate::runtime::Runtime;
use std::any::Any;
use std::collections::BTreeMap;
use std::panic::resume_unwind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};

/// The unwinding payload that stops a thread at the program's exit (no panic hook runs for it).
pub struct StoppedAtExit;

pub(crate) type Waker = Box<dyn Fn() + Send + Sync>;

type Wakers = StdMutex<(usize, BTreeMap<usize, Waker>)>;

/// The exit flag is the backend's own atomic, so that loom sees each thread's check of it as a
/// dependency on the exit (a flag it cannot see would let its search skip interleavings). It is
/// only read and written with read-modify-writes, which always see the latest value: loom models
/// `SeqCst` loads as acquire loads, which may still see an older one.
pub(super) struct ExitState<R: Runtime> {
    exited: R::AtomicUsize,
    /// The broken harness: every thread, not only daemons, stops at exit.
    stops_everyone: bool,
    wakers: Arc<Wakers>,
}

impl<R: Runtime> ExitState<R> {
    pub(super) fn new(stops_everyone: bool) -> Arc<Self> {
        Arc::new(ExitState {
            exited: R::new_atomic(0),
            stops_everyone,
            wakers: Arc::default(),
        })
    }

    /// From here on, stoppable threads stop. The caller holds the output lock, so no line can
    /// be printed after it.
    pub(super) fn mark_exited(&self) {
        R::fetch_add(&self.exited, 1);
    }

    /// Wakes every stoppable thread waiting on a condvar, so that it stops.
    pub(super) fn wake_waiters(&self) {
        let wakers = std::mem::take(&mut lock(&self.wakers).1);
        wakers.values().for_each(|wake| wake());
    }
}

/// A thread's place in a program, kept in the backend's thread-local storage.
pub struct ThreadContext {
    daemon: bool,
    stops_everyone: bool,
    /// Facade locks this thread holds: it stops only once it holds none.
    held: AtomicUsize,
    exit: Arc<dyn Any + Send + Sync>,
    info: Arc<dyn Any + Send + Sync>,
}

impl ThreadContext {
    pub(super) fn new<R: Runtime>(
        daemon: bool,
        exit: &Arc<ExitState<R>>,
        info: Arc<dyn Any + Send + Sync>,
    ) -> Arc<Self> {
        Arc::new(ThreadContext {
            daemon,
            stops_everyone: exit.stops_everyone,
            held: AtomicUsize::new(0),
            exit: exit.clone(),
            info,
        })
    }

    pub(super) fn info(&self) -> &Arc<dyn Any + Send + Sync> {
        &self.info
    }

    fn stoppable(&self) -> bool {
        self.daemon || self.stops_everyone
    }

    fn exit<R: Runtime>(&self) -> Option<&ExitState<R>> {
        self.exit.downcast_ref::<ExitState<R>>()
    }
}

/// Called by every facade operation: a thread the exit has stopped goes no further. One that
/// still holds a facade lock goes on until it has released them all (nothing it does after the
/// exit is observable), because unwinding with a lock held would poison loom's mutex.
pub fn exit_point<R: Runtime>() {
    if stopped::<R>().is_some_and(|context| context.held.load(Ordering::SeqCst) == 0) {
        stop();
    }
}

/// [`exit_point`] for an operation that holds `guard`: drops it first if it is the last one.
pub(crate) fn exit_point_releasing<R: Runtime, G>(guard: G) -> G {
    if stopped::<R>().is_some_and(|context| context.held.load(Ordering::SeqCst) == 1) {
        drop(guard);
        stop();
    }
    guard
}

/// This thread took or released a facade lock.
pub(crate) fn count_held<R: Runtime>(taken: bool) {
    if let Some(context) = R::thread_context() {
        if taken {
            context.held.fetch_add(1, Ordering::SeqCst);
        } else {
            context.held.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// The thread's context if the program has exited and the exit stops this thread.
pub(super) fn stopped<R: Runtime>() -> Option<Arc<ThreadContext>> {
    R::thread_context().filter(|context| {
        context.stoppable()
            && context
                .exit::<R>()
                .is_some_and(|exit| R::fetch_add(&exit.exited, 0) == 1)
    })
}

fn stop() -> ! {
    resume_unwind(Box::new(StoppedAtExit))
}

/// While it lives, the program's exit will call its waker (a daemon's condvar wait makes one).
pub(crate) struct ExitWaker {
    wakers: Arc<Wakers>,
    id: usize,
}

impl Drop for ExitWaker {
    fn drop(&mut self) {
        lock(&self.wakers).1.remove(&self.id);
    }
}

/// Registers `make()` if this thread can be stopped at exit; the caller holds the lock the
/// waker takes, so the exit's notify cannot slip in before the wait.
pub(crate) fn wake_at_exit<R: Runtime>(make: impl FnOnce() -> Waker) -> Option<ExitWaker> {
    let context = R::thread_context().filter(|context| context.stoppable())?;
    let wakers = context.exit::<R>()?.wakers.clone();
    let id = {
        let mut registered = lock(&wakers);
        registered.0 += 1;
        let id = registered.0;
        registered.1.insert(id, make());
        id
    };
    Some(ExitWaker { wakers, id })
}
