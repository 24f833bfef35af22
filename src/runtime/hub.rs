//! The native backend's tasks: one hub per OS thread, like gevent's, that runs its tasks one at
//! a time and switches only when a task's poll returns `Pending`. std only (no tokio), so it
//! builds under `--cfg loom`, where tokio cannot run: the native backend's tasks there.
//!
//! - A task runs only while some code of its thread is inside [`block_on`]; tasks still pending
//!   when `block_on`'s own future completes are dropped, as a program's un-joined greenlets end
//!   with it. `block_on` cannot be nested (a task calling it panics).
//! - When no task is ready the hub sleeps until the earliest [`sleep`] is due; when none is due
//!   either, every task waits for another: [`block_on`] blocks for good, as tokio's does, and
//!   the native checker's watchdog reports the deadlock.
//! - A task that blocks its thread (a `std::thread::sleep`) blocks every task of the hub: that
//!   is the unpatched-sleep lesson, not a limitation.
//!
//! The loom backend's tasks use its task handles (`finishing`, [`join`]) and [`YieldOnce`] too.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use crate::util::lock_unpoisoned;

type BoxedTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The id [`block_on`]'s own future is woken with.
const MAIN: usize = usize::MAX;

#[derive(Default)]
struct Hub {
    /// By task id; `None` while the task is being polled, and once it has finished.
    tasks: RefCell<Vec<Option<BoxedTask>>>,
    ready: Arc<Mutex<VecDeque<usize>>>,
    timers: RefCell<Vec<(Instant, Waker)>>,
    running: Cell<bool>,
}

thread_local! {
    static HUB: Rc<Hub> = Rc::new(Hub::default());
}

struct TaskWaker {
    id: usize,
    ready: Arc<Mutex<VecDeque<usize>>>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        lock_unpoisoned(&self.ready).push_back(self.id);
    }
}

impl Hub {
    fn waker(&self, id: usize) -> Waker {
        Waker::from(Arc::new(TaskWaker {
            id,
            ready: self.ready.clone(),
        }))
    }

    fn next_ready(&self) -> Option<usize> {
        lock_unpoisoned(&self.ready).pop_front()
    }

    /// Sleeps until the earliest timer is due and wakes every due one; false if there is none.
    fn wait_for_timers(&self) -> bool {
        let mut timers = self.timers.borrow_mut();
        let Some(earliest) = timers.iter().map(|(due, _)| *due).min() else {
            return false;
        };
        std::thread::sleep(earliest.saturating_duration_since(Instant::now()));
        let now = Instant::now();
        timers.retain(|(due, waker)| {
            let waiting = *due > now;
            if !waiting {
                waker.wake_by_ref();
            }
            waiting
        });
        true
    }

    fn poll_task(&self, id: usize) {
        let Some(mut task) = self.tasks.borrow_mut().get_mut(id).and_then(Option::take) else {
            return; // finished, or a stale wake-up
        };
        let waker = self.waker(id);
        if task
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
        {
            self.tasks.borrow_mut()[id] = Some(task);
        }
    }
}

/// What a finished task left for its joiner.
struct Outcome<T> {
    result: Option<std::thread::Result<T>>,
    joiner: Option<Waker>,
}

/// A handle to a task of this thread's hub.
pub struct Task<T> {
    outcome: Arc<Mutex<Outcome<T>>>,
}

impl<T> std::fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task").finish_non_exhaustive()
    }
}

/// Starts `future` as a task of the calling thread's hub; it first runs at the hub's next turn.
pub fn spawn<F>(future: F) -> Task<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (task, handle) = finishing(future);
    HUB.with(|hub| {
        let mut tasks = hub.tasks.borrow_mut();
        lock_unpoisoned(&hub.ready).push_back(tasks.len());
        tasks.push(Some(Box::pin(task)));
    });
    handle
}

/// `future` as a task body that leaves its value (or its panic) for [`join`], and the handle to
/// join it by; whoever runs the body (this hub, or a loom thread) needs nothing else.
pub(super) fn finishing<F>(
    future: F,
) -> (impl Future<Output = ()> + Send + 'static, Task<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let outcome = Arc::new(Mutex::new(Outcome {
        result: None,
        joiner: None,
    }));
    let finished = outcome.clone();
    let mut future = Box::pin(future);
    let task = std::future::poll_fn(move |cx| {
        let result = match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(value)) => Ok(value),
            Err(panic) => Err(panic),
        };
        let joiner = {
            let mut outcome = lock_unpoisoned(&finished);
            outcome.result = Some(result);
            outcome.joiner.take()
        };
        if let Some(joiner) = joiner {
            joiner.wake();
        }
        Poll::Ready(())
    });
    (task, Task { outcome })
}

/// Completes when the task has; `Err` carries its panic payload.
pub async fn join<T>(task: Task<T>) -> std::thread::Result<T> {
    std::future::poll_fn(|cx| {
        let mut outcome = lock_unpoisoned(&task.outcome);
        match outcome.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                outcome.joiner = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
    .await
}

/// Runs `future` on this thread, and the hub's tasks whenever it waits.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let hub = HUB.with(Rc::clone);
    assert!(
        !hub.running.replace(true),
        "block_on inside a task: the hub is already running"
    );
    let mut future = pin!(future);
    let main_waker = hub.waker(MAIN);
    lock_unpoisoned(&hub.ready).push_front(MAIN);
    let output = loop {
        let Some(id) = hub.next_ready() else {
            if hub.wait_for_timers() {
                continue;
            }
            // Every task waits for another and no sleep is due: a deadlock. Stall as tokio
            // would, so the native checker's watchdog reports it the same in both builds.
            loop {
                std::thread::park();
            }
        };
        if id != MAIN {
            hub.poll_task(id);
        } else if let Poll::Ready(output) =
            future.as_mut().poll(&mut Context::from_waker(&main_waker))
        {
            break output;
        }
    };
    hub.tasks.borrow_mut().clear();
    hub.timers.borrow_mut().clear();
    lock_unpoisoned(&hub.ready).clear();
    hub.running.set(false);
    output
}

/// Returns `Pending` once, having woken itself: every task already ready runs first.
#[derive(Debug, Default)]
pub struct YieldOnce {
    yielded: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Completes `duration` after its first poll, without blocking the hub.
pub async fn sleep(duration: Duration) {
    let due = Instant::now() + duration;
    std::future::poll_fn(|cx| {
        if Instant::now() >= due {
            return Poll::Ready(());
        }
        HUB.with(|hub| hub.timers.borrow_mut().push((due, cx.waker().clone())));
        Poll::Pending
    })
    .await
}
