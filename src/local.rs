//! The facade's state for one model thread, kept in the backend's per-thread slot
//! ([`crate::runtime::Runtime::thread_slot`]): under the checkers every model thread shares one
//! OS thread, so std's thread-locals would not tell them apart.

use crate::runtime::Runtime;
use crate::trace::Tid;
use crate::util::lock_unpoisoned;
use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Called to get a thread out of a blocking wait so that it can stop.
pub type Waker = Box<dyn Fn() + Send + Sync>;

/// A rule that may stop the thread it is installed on.
pub trait ExitHook: Any + Send + Sync {
    /// Whether the thread must stop at its next exit point.
    fn stops_now(&self) -> bool;
    /// Keeps `waker` to call when the rule starts stopping threads; `None` if it never stops
    /// this thread. Dropping the returned guard forgets the waker.
    fn wake_at_exit(&self, waker: Waker) -> Option<Box<dyn Any>>;
    /// The hook as `Any`, for its owner to find its own type again.
    fn as_any(&self) -> &dyn Any;
}

/// What the facade knows about the calling thread.
#[derive(Default)]
pub struct Local {
    /// Facade locks the thread holds now.
    held: AtomicUsize,
    /// Installed by whatever may stop the thread (a program that exits).
    exit_hook: Mutex<Option<Arc<dyn ExitHook>>>,
    /// The thread in the trace, set when the facade spawned it (none: the checker's `main`).
    trace_id: OnceLock<Tid>,
}

impl std::fmt::Debug for Local {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Local")
            .field("held", &self.held())
            .field("exit_hook", &self.exit_hook().is_some())
            .field("trace_id", &self.trace_id())
            .finish()
    }
}

impl Local {
    /// Facade locks the thread holds now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    /// The thread took (`true`) or released a facade lock.
    pub fn count_held(&self, taken: bool) {
        if taken {
            self.held.fetch_add(1, Ordering::SeqCst);
        } else {
            self.held.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// The rule that may stop the thread, if one is installed.
    pub fn exit_hook(&self) -> Option<Arc<dyn ExitHook>> {
        lock_unpoisoned(&self.exit_hook).clone()
    }

    /// Installs the rule that may stop the thread (`None`: none).
    pub fn set_exit_hook(&self, hook: Option<Arc<dyn ExitHook>>) {
        *lock_unpoisoned(&self.exit_hook) = hook;
    }

    /// The thread in the trace; `None` for one the facade did not spawn (the checker's `main`).
    pub fn trace_id(&self) -> Option<Tid> {
        self.trace_id.get().copied()
    }

    /// Set once, when the thread starts.
    pub fn set_trace_id(&self, tid: Tid) {
        let _ = self.trace_id.set(tid);
    }
}

/// The calling thread's state, if the facade has stored any.
pub fn get<R: Runtime>() -> Option<Arc<Local>> {
    R::thread_slot()?.downcast::<Local>().ok()
}

/// The calling thread's state, created empty on first use.
pub fn get_or_create<R: Runtime>() -> Arc<Local> {
    get::<R>().unwrap_or_else(|| {
        let local = Arc::new(Local::default());
        R::set_thread_slot(Some(local.clone()));
        local
    })
}
