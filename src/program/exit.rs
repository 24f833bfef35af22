//! How a program's exit stops the threads it stops: the exit flag, the [`ExitHook`] each of the
//! program's threads carries, and the wakers that get a daemon out of a condvar wait.

use crate::exit_hook::{ExitHook, Waker};
use crate::runtime::Runtime;
use crate::util::lock_unpoisoned as lock;
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex as StdMutex};

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

    fn has_exited(&self) -> bool {
        R::fetch_add(&self.exited, 0) == 1
    }

    /// Wakes every stoppable thread waiting on a condvar, so that it stops.
    pub(super) fn wake_waiters(&self) {
        let wakers = std::mem::take(&mut lock(&self.wakers).1);
        wakers.values().for_each(|wake| wake());
    }
}

/// One thread of a program: the [`ExitHook`] that stops it at the program's exit if it is a
/// daemon (or if the harness stops everyone), and what `threading` knows about it.
pub(super) struct ProgramThread<R: Runtime, Info> {
    daemon: bool,
    exit: Arc<ExitState<R>>,
    pub(super) info: Info,
}

impl<R: Runtime, Info: Send + Sync + 'static> ProgramThread<R, Info> {
    pub(super) fn new(daemon: bool, exit: &Arc<ExitState<R>>, info: Info) -> Arc<Self> {
        Arc::new(ProgramThread {
            daemon,
            exit: exit.clone(),
            info,
        })
    }

    fn stoppable(&self) -> bool {
        self.daemon || self.exit.stops_everyone
    }
}

/// Forgets a registered waker when dropped.
struct Registered {
    wakers: Arc<Wakers>,
    id: usize,
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock(&self.wakers).1.remove(&self.id);
    }
}

impl<R: Runtime, Info: Send + Sync + 'static> ExitHook for ProgramThread<R, Info> {
    fn stops_now(&self) -> bool {
        self.stoppable() && self.exit.has_exited()
    }

    fn wake_at_exit(&self, waker: Waker) -> Option<Box<dyn Any>> {
        if !self.stoppable() {
            return None;
        }
        let wakers = self.exit.wakers.clone();
        let id = {
            let mut registered = lock(&wakers);
            registered.0 += 1;
            let id = registered.0;
            registered.1.insert(id, waker);
            id
        };
        Some(Box::new(Registered { wakers, id }))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
