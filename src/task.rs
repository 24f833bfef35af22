//! Cooperative tasks over any [`Runtime`], gevent's greenlets: spawn, join (the value), a value
//! several tasks can await ([`SharedHandle`], gevent's `g.get()`), yield, an async sleep, an
//! unpatched blocking sleep, and [`SharedCell`], a variable tasks share with no lock.
//!
//! A task switches only where it awaits something that is not ready ([`yield_now`], [`sleep`],
//! [`JoinHandle::join`], [`SharedHandle::get`]); nothing else in this module is a scheduling
//! point, under any backend. So code between two awaits runs as one step, and a read and a write
//! with no await between them need no lock. See [`crate::runtime`] for what a task is on each backend.
//!
//! Everything a task does is recorded under its own name, like a thread's: each poll installs
//! the task's identity in the backend's per-thread slot and puts the previous one back, since on
//! the native hub (and under shuttle) many tasks take turns on one thread.
//!
//! ```
//! use interleave::runtime::Native;
//! use interleave::task;
//!
//! let doubled = task::block_on::<Native, _>(async {
//!     let handle = task::spawn::<Native, _>(async { 21 * 2 });
//!     handle.join().await
//! });
//! assert_eq!(doubled, 42);
//! ```

use crate::local::{self, Local};
use crate::runtime::Runtime;
use crate::thread::{current_tid, note};
use crate::trace::{self, Action, ObjId, Tid, Waiting};
use std::fmt::Debug;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// The name gevent's users see for the `number`th task started without one.
pub fn greenlet_name(number: usize) -> String {
    format!("Greenlet-{number}")
}

/// An owned permission to join a task (gevent's `join` and `.value` in one).
pub struct JoinHandle<R: Runtime, T: Send + 'static> {
    inner: R::Task<T>,
    name: String,
    /// The task in the trace, when its start was recorded.
    tid: Option<Tid>,
    _runtime: PhantomData<R>,
}

impl<R: Runtime, T: Send + 'static> Debug for JoinHandle<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinHandle")
            .field("name", &self.name)
            .field("tid", &self.tid)
            .finish_non_exhaustive()
    }
}

/// Starts a task named `Greenlet-N` (numbered with the execution's threads).
#[track_caller]
pub fn spawn<R, F>(future: F) -> JoinHandle<R, F::Output>
where
    R: Runtime,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_named::<R, F>(greenlet_name(trace::next_thread_number()), future)
}

/// Starts a task; it first runs when the task (or thread) holding the processor awaits.
#[track_caller]
pub fn spawn_named<R, F>(name: impl Into<String>, future: F) -> JoinHandle<R, F::Output>
where
    R: Runtime,
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let name = name.into();
    let me = current_tid::<R>();
    let tid = me.and_then(|_| trace::register_thread(name.clone()));
    if let (Some(me), Some(child)) = (me, tid) {
        trace::record(me, Action::Spawn { child });
    }
    let local = Arc::new(Local::default());
    if let Some(tid) = tid {
        local.set_trace_id(tid);
    }
    let tracked = Tracked::<R, F> {
        future: Box::pin(future),
        local,
        recorder: Some(trace::current()),
        _runtime: PhantomData,
    };
    JoinHandle {
        inner: R::spawn_task(name.clone(), tracked),
        name,
        tid,
        _runtime: PhantomData,
    }
}

impl<R: Runtime, T: Send + 'static> JoinHandle<R, T> {
    /// The task's name: the one given, or `Greenlet-N`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Waits for the task and returns its value; re-raises its panic in the joiner.
    pub async fn join(self) -> T {
        let me = current_tid::<R>().zip(self.tid);
        if let Some((me, child)) = me {
            trace::begin_wait(me, Waiting::Join(child));
        }
        let result = R::join_task(self.inner).await;
        if let Some((me, child)) = me {
            trace::end_wait(me);
            trace::record(me, Action::Join { child });
        }
        result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// A handle to a task whose value several tasks can await: gevent's `g.get()` / `g.value`,
/// where any greenlet holding `g` may ask. Clone it to hand it to another task.
///
/// ```
/// use interleave::runtime::Native;
/// use interleave::task;
///
/// let sum = task::block_on::<Native, _>(async {
///     let answer = task::spawn_shared::<Native, _>(async { 42 });
///     let asker = answer.clone();
///     let other = task::spawn::<Native, _>(async move { asker.get().await });
///     answer.get().await + other.join().await
/// });
/// assert_eq!(sum, 84);
/// ```
pub struct SharedHandle<R: Runtime, T: Clone + Send + 'static> {
    inner: Arc<Shared<R, T>>,
}

impl<R: Runtime, T: Clone + Send + 'static> Debug for SharedHandle<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedHandle")
            .field("name", &self.inner.name)
            .field("tid", &self.inner.tid)
            .finish_non_exhaustive()
    }
}

struct Shared<R: Runtime, T> {
    name: String,
    tid: Option<Tid>,
    /// The value (or the panic's text), and who waits for it; filled by the task's last poll.
    /// A std mutex nothing contends for: only ever taken inside a poll, and tasks take turns.
    slot: Arc<Mutex<Slot<T>>>,
    /// The task itself, joined by the first `get` to find the value there.
    task: Mutex<Option<R::Task<()>>>,
}

struct Slot<T> {
    value: Option<Result<T, String>>,
    waiters: Vec<std::task::Waker>,
}

impl<R: Runtime, T: Clone + Send + 'static> Clone for SharedHandle<R, T> {
    fn clone(&self) -> Self {
        SharedHandle {
            inner: self.inner.clone(),
        }
    }
}

/// Starts a task named `Greenlet-N`, like [`spawn`], whose value any number of tasks can await.
#[track_caller]
pub fn spawn_shared<R, F>(future: F) -> SharedHandle<R, F::Output>
where
    R: Runtime,
    F: Future + Send + 'static,
    F::Output: Clone + Send + 'static,
{
    let slot = Arc::new(Mutex::new(Slot {
        value: None,
        waiters: Vec::new(),
    }));
    let filled = slot.clone();
    let mut future = Box::pin(future);
    // Leaves the value (or the panic's text) for the waiters and wakes them; the panic itself
    // goes on to the backend, as any task's does.
    let task = std::future::poll_fn(move |cx| {
        let poll =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| future.as_mut().poll(cx)));
        let (value, panic) = match poll {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(value)) => (Ok(value), None),
            Err(panic) => (Err(crate::runtime::panic_text(&*panic)), Some(panic)),
        };
        let waiters = {
            let mut slot = crate::util::lock_unpoisoned(&filled);
            slot.value = Some(value);
            std::mem::take(&mut slot.waiters)
        };
        waiters.into_iter().for_each(std::task::Waker::wake);
        match panic {
            Some(panic) => std::panic::resume_unwind(panic),
            None => Poll::Ready(()),
        }
    });
    let JoinHandle {
        inner, name, tid, ..
    } = spawn::<R, _>(task);
    SharedHandle {
        inner: Arc::new(Shared {
            name,
            tid,
            slot,
            task: Mutex::new(Some(inner)),
        }),
    }
}

impl<R: Runtime, T: Clone + Send + 'static> SharedHandle<R, T> {
    /// The task's name, `Greenlet-N`.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Waits for the task and returns (a clone of) its value, recorded as a join: a deadlock
    /// report says who waits for whom. Re-raises the task's panic in every waiter.
    pub async fn get(&self) -> T {
        note::<R>(format!("await {}.get()", self.name()));
        let me = current_tid::<R>().zip(self.inner.tid);
        if let Some((me, child)) = me {
            trace::begin_wait(me, Waiting::Join(child));
        }
        let value = std::future::poll_fn(|cx| {
            let mut slot = crate::util::lock_unpoisoned(&self.inner.slot);
            match &slot.value {
                Some(value) => Poll::Ready(value.clone()),
                None => {
                    if !slot.waiters.iter().any(|w| w.will_wake(cx.waker())) {
                        slot.waiters.push(cx.waker().clone());
                    }
                    Poll::Pending
                }
            }
        })
        .await;
        // The task ended in the poll that left the value: its join does not wait.
        let task = crate::util::lock_unpoisoned(&self.inner.task).take();
        let joined = match task {
            Some(task) => R::join_task(task).await,
            None => Ok(()),
        };
        if let Some((me, child)) = me {
            trace::end_wait(me);
            trace::record(me, Action::Join { child });
        }
        if let Err(panic) = joined {
            std::panic::resume_unwind(panic);
        }
        value.unwrap_or_else(|panic| {
            std::panic::resume_unwind(Box::new(format!("{} panicked: {panic}", self.name())))
        })
    }
}

/// gevent's `joinall` followed by each `.value`: the values in the order of `handles`, whatever
/// order the tasks finished in.
pub async fn join_all<R: Runtime, T: Send + 'static>(handles: Vec<JoinHandle<R, T>>) -> Vec<T> {
    let mut values = Vec::with_capacity(handles.len());
    for handle in handles {
        values.push(handle.join().await);
    }
    values
}

/// Runs `future` to completion on the calling thread, running the tasks while it waits (the
/// program's main greenlet). Call it from a thread, not from inside a task.
pub fn block_on<R: Runtime, F: Future>(future: F) -> F::Output {
    R::block_on(future)
}

/// gevent's `sleep(0)`: every other ready task runs before this one goes on.
pub async fn yield_now<R: Runtime>() {
    note::<R>("await yield");
    R::yield_task().await;
}

/// gevent's `sleep`: the task waits without blocking the others (the checkers have no clock,
/// so there it is a switch point and nothing more; natively it takes real, scaled, time).
pub async fn sleep<R: Runtime>(duration: Duration) {
    note::<R>(format!("await sleep({} s)", duration.as_secs_f64()));
    R::sleep_task(duration).await;
}

/// An unpatched `time.sleep` inside a task: it blocks the thread, so no other task of the hub
/// runs until it returns. Natively it really sleeps (scaled); the checkers have no clock, so
/// there it is recorded and nothing more, and in particular never a switch point.
pub fn blocking_sleep<R: Runtime>(duration: Duration) {
    note::<R>(format!(
        "time.sleep({} s), unpatched: blocks every task",
        duration.as_secs_f64()
    ));
    if R::HAS_CLOCK {
        R::sleep(duration);
    }
}

/// A variable the tasks of one program share with no lock. `load` and `store` are recorded
/// (with a lost update flagged as for [`crate::sync::Shared`]) but are not scheduling points:
/// no task can run between a `load` and a `store` unless the task awaits in between.
pub struct SharedCell<R: Runtime, T: Copy + Debug + Send> {
    /// A std mutex that nothing ever contends for: tasks take turns; it only makes the cell `Sync`.
    value: Mutex<T>,
    id: ObjId,
    _runtime: PhantomData<R>,
}

/// Its id, name and value (reading it is no step of the model: the cell is not a scheduling
/// point, and the read is not recorded).
impl<R: Runtime, T: Copy + Debug + Send> Debug for SharedCell<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        trace::debug_object(f, "SharedCell", self.id)
            .field("value", &*crate::util::lock_unpoisoned(&self.value))
            .finish()
    }
}

impl<R: Runtime, T: Copy + Debug + Send> SharedCell<R, T> {
    /// A cell holding `value`, named `name` in timelines and lost-update reports.
    pub fn named(name: &str, value: T) -> Self {
        SharedCell {
            value: Mutex::new(value),
            id: trace::register(name.to_owned()),
            _runtime: PhantomData,
        }
    }

    /// The value, recorded as a read.
    #[track_caller]
    pub fn load(&self) -> T {
        let value = *crate::util::lock_unpoisoned(&self.value);
        if let Some(me) = current_tid::<R>() {
            trace::read(me, self.id, format!("{value:?}"));
        }
        value
    }

    /// Sets the value, recorded as a write: one computed from a load that another task's store
    /// has since overtaken is flagged as a lost update.
    #[track_caller]
    pub fn store(&self, value: T) {
        *crate::util::lock_unpoisoned(&self.value) = value;
        if let Some(me) = current_tid::<R>() {
            trace::write(me, self.id, format!("{value:?}"));
        }
    }
}

/// A task's future with its identity: installed in the backend's per-thread slot for each poll.
struct Tracked<R: Runtime, F: Future> {
    future: Pin<Box<F>>,
    local: Arc<Local>,
    /// Handed to the task's thread at its first poll (loom runs each task on a thread of its own).
    recorder: Option<Option<Arc<trace::Recorder>>>,
    /// Not `PhantomData<R>`: keeps the wrapper `Unpin` whatever `R` is.
    _runtime: PhantomData<fn() -> R>,
}

impl<R: Runtime, F: Future> Future for Tracked<R, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        if let Some(recorder) = self.recorder.take() {
            trace::install(recorder);
        }
        let previous = R::thread_slot();
        R::set_thread_slot(Some(self.local.clone()));
        let poll = crate::checker::end_execution_at_panic(|| self.future.as_mut().poll(cx));
        if poll.is_ready()
            && let Some(me) = local::get::<R>().and_then(|local| local.trace_id())
            && trace::recording()
        {
            trace::record(me, Action::Finish);
        }
        R::set_thread_slot(previous);
        poll
    }
}
