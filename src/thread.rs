//! Threads over any [`Runtime`]: named spawn, join, sleep, yield, the current thread's name;
//! scoped threads ([`scope`]) and a [`Builder`], as std has them.
//!
//! A model generic over `R` starts a thread as std does, naming the runtime once:
//! `R::spawn(move || …)` ([`Threads`], implemented for every runtime), or
//! `thread::spawn::<R, _, _>(move || …)`, the same call.

mod builder;
mod scope;

pub use self::builder::Builder;
pub use self::scope::{Scope, ScopedJoinHandle, scope};

use crate::exit_hook::exit_point;
use crate::local;
use crate::runtime::Runtime;
use crate::trace::{self, Action, Tid, Waiting};
use std::marker::PhantomData;
use std::time::Duration;

/// An owned permission to join a thread; `join` re-raises the thread's panic in the joiner.
pub struct JoinHandle<R: Runtime, T: Send + 'static> {
    inner: R::JoinHandle<T>,
    name: String,
    /// The thread in the trace, when its start was recorded.
    tid: Option<Tid>,
    _runtime: PhantomData<R>,
}

impl<R: Runtime, T: Send + 'static> std::fmt::Debug for JoinHandle<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("name", &self.name)
            .field("tid", &self.tid)
            .finish_non_exhaustive()
    }
}

/// std's thread functions on the runtime itself, so that a model generic over `R` starts a
/// thread without a turbofish: `R::spawn(move || …)`, `R::spawn_named("worker", …)`,
/// `R::scope(|s| { s.spawn(|| …); })`. Implemented for every [`Runtime`]; bring it into scope
/// with `use interleave::Threads;` or `use interleave::prelude::*;` (the compiler suggests it).
pub trait Threads: Runtime {
    /// [`spawn`]: starts a thread named `Thread-N`, as Python numbers them.
    #[track_caller]
    fn spawn<F, T>(body: F) -> JoinHandle<Self, T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        spawn::<Self, F, T>(body)
    }

    /// [`spawn_named`]: starts a thread named `name`.
    #[track_caller]
    fn spawn_named<F, T>(name: impl Into<String>, body: F) -> JoinHandle<Self, T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        spawn_named::<Self, F, T>(name, body)
    }

    /// [`scope`]: threads that may borrow from the caller, all joined before it returns.
    #[track_caller]
    fn scope<'env, F, T>(body: F) -> T
    where
        F: for<'scope> FnOnce(&'scope Scope<'scope, 'env, Self>) -> T,
    {
        scope::<Self, F, T>(body)
    }
}

impl<R: Runtime> Threads for R {}

/// The name Python gives the `number`th thread started without one: `Thread-1`, `Thread-2`, ...
/// (the main thread does not count). A program numbers its own threads; a model that spawns
/// facade threads directly gets them numbered per execution.
pub fn python_name(number: usize) -> String {
    format!("Thread-{number}")
}

/// Starts a thread named `Thread-N`, numbered as Python numbers them.
#[track_caller]
pub fn spawn<R, F, T>(body: F) -> JoinHandle<R, T>
where
    R: Runtime,
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    spawn_named::<R, F, T>(python_name(trace::next_thread_number()), body)
}

/// Starts a thread named `name` (in timelines, deadlock reports and [`current_name`]).
#[track_caller]
pub fn spawn_named<R, F, T>(name: impl Into<String>, body: F) -> JoinHandle<R, T>
where
    R: Runtime,
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    exit_point::<R>();
    let name = name.into();
    let me = current_tid::<R>();
    let tid = me.and_then(|_| trace::register_thread(name.clone()));
    if let (Some(me), Some(child)) = (me, tid) {
        trace::record(me, Action::Spawn { child });
    }
    let recorder = trace::current();
    let inner = R::spawn_thread(name.clone(), move || {
        trace::install(recorder);
        if let Some(tid) = tid {
            local::get_or_create::<R>().set_trace_id(tid);
        }
        let value = crate::checker::end_execution_at_panic(body);
        if let Some(me) = current_tid::<R>() {
            trace::record(me, Action::Finish);
        }
        value
    });
    JoinHandle {
        inner,
        name,
        tid,
        _runtime: PhantomData,
    }
}

impl<R: Runtime, T: Send + 'static> JoinHandle<R, T> {
    /// The thread's name: the one given, or `Thread-N`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Waits for the thread to finish and returns its body's value; re-raises its panic.
    #[track_caller]
    pub fn join(self) -> T {
        self.join_result()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// [`JoinHandle::join`], with the thread's panic as std's `join` gives it.
    #[track_caller]
    fn join_result(self) -> std::thread::Result<T> {
        exit_point::<R>();
        let me = current_tid::<R>().zip(self.tid);
        if let Some((me, child)) = me {
            trace::begin_wait(me, Waiting::Join(child));
        }
        let result = R::join(self.inner);
        if let Some((me, child)) = me {
            trace::end_wait(me);
            trace::record(me, Action::Join { child });
        }
        result
    }
}

/// The calling thread in the trace while an execution is being recorded ([`Tid::MAIN`] for a
/// thread the facade did not spawn: the one the checker started), `None` when nothing records.
pub(crate) fn current_tid<R: Runtime>() -> Option<Tid> {
    trace::recording().then(|| {
        local::get::<R>()
            .and_then(|local| local.trace_id())
            .unwrap_or(Tid::MAIN)
    })
}

/// The current thread's name while an execution is being recorded (`main` for the thread the
/// checker started), `None` when nothing records.
pub fn current_name<R: Runtime>() -> Option<String> {
    current_tid::<R>().map(trace::thread_name)
}

/// Sleeps for `duration` in the tutorial's time (see [`crate::runtime`] for each backend).
#[track_caller]
pub fn sleep<R: Runtime>(duration: Duration) {
    exit_point::<R>();
    R::sleep(duration);
    exit_point::<R>();
}

/// Offers the processor to another thread: a scheduling point under the checkers.
#[track_caller]
pub fn yield_now<R: Runtime>() {
    exit_point::<R>();
    R::yield_now();
}

/// Puts a line the calling thread printed into the timeline (a program's own output goes
/// through `program::Program::print`; this is for models that keep their own).
#[track_caller]
pub fn record_print<R: Runtime>(line: impl Into<String>) {
    if let Some(me) = current_tid::<R>() {
        trace::printed(me, line.into());
    }
}

/// Puts a step of the calling thread's own into the timeline, in its words: a primitive built
/// over the facade (a student's lock, say) can say `"took the ticket"` where the facade alone
/// would show only the mutex it used. Not a scheduling point.
#[track_caller]
pub fn note<R: Runtime>(text: impl Into<String>) {
    if let Some(me) = current_tid::<R>() {
        trace::record(me, Action::Note { text: text.into() });
    }
}
