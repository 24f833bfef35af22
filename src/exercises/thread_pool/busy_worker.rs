//! Programs that know where each task is: a pool of one worker that main keeps busy (its first
//! task has started and waits for main to let it go), so that a second task certainly has not
//! started and the first certainly has not finished; and a count of the tasks running at once.
//! The exercise's `done-when-finished`, `cancel-before-start` and `at-most-max-workers` run them.

use super::{CancelledError, Executor, Future as _, PoolReport, value};
use crate::runtime::Runtime;
use crate::sync::{AtomicUsize, Condvar, Mutex};
use std::sync::Arc;

/// A one-way gate over the facade: shut until [`Latch::open`], and [`Latch::wait`] waits for it.
struct Latch<R: Runtime> {
    open: Mutex<R, bool>,
    opened: Condvar<R>,
}

impl<R: Runtime> Latch<R> {
    fn named(name: &str) -> Arc<Self> {
        Arc::new(Latch {
            open: Mutex::named(name, false),
            opened: Condvar::named(&format!("{name}.opened")),
        })
    }

    fn open(&self) {
        *self.open.lock() = true;
        self.opened.notify_all();
    }

    fn wait(&self) {
        drop(self.opened.wait_while(self.open.lock(), |open| !*open));
    }
}

/// A pool of one worker, busy with a first task that has started and waits for `release`; then
/// a second task, submitted once the first had started, which the only worker cannot start until
/// the first has finished. A pool that runs a task in `submit` itself never returns from the
/// first `submit` (the task waits for main): a deadlock, as the contract's "returns its future at
/// once" forbids.
struct Busy<R: Runtime, P: Executor<R>> {
    pool: P,
    running: P::Future,
    waiting: P::Future,
    /// How many times the second task ran.
    runs: Arc<AtomicUsize<R>>,
    release: Arc<Latch<R>>,
}

fn busy<R: Runtime, P: Executor<R>>(property: &str) -> Busy<R, P> {
    let pool = P::new(1);
    let started = Latch::<R>::named("first task started");
    let release = Latch::<R>::named("first task let go");
    let running = {
        let (started, release) = (started.clone(), release.clone());
        pool.submit(Box::new(move || {
            started.open();
            release.wait();
            value(0)
        }))
        .unwrap_or_else(|e| panic!("{property}: submit refused a task before shutdown: {e}"))
    };
    started.wait();
    let runs = Arc::new(AtomicUsize::<R>::named("second task runs", 0));
    let waiting = {
        let runs = runs.clone();
        pool.submit(Box::new(move || {
            runs.fetch_add(1);
            value(1)
        }))
        .unwrap_or_else(|e| panic!("{property}: submit refused a task before shutdown: {e}"))
    };
    Busy {
        pool,
        running,
        waiting,
        runs,
        release,
    }
}

/// `done-when-finished`: neither task is done while the first runs and the second waits; each is
/// once its `result()` has returned its value.
pub fn done_when_finished<R: Runtime, P: Executor<R>>() -> PoolReport {
    let says = "done when finished";
    let Busy {
        pool,
        running,
        waiting,
        release,
        ..
    } = busy::<R, P>(says);
    assert!(
        !running.done(),
        "{says}: done() is true for a task that has started and not finished (it waits for main)"
    );
    assert!(
        !waiting.done(),
        "{says}: done() is true for a task no worker has started (the only worker is busy)"
    );
    release.open();
    for (i, future) in [&running, &waiting].into_iter().enumerate() {
        let got = future.result();
        assert!(
            got == Ok(value(i)),
            "{says}: task {i} returns {}, but result() gave {got:?}",
            value(i)
        );
        assert!(
            future.done(),
            "{says}: result() returned task {i}'s value, yet done() is false"
        );
    }
    pool.shutdown(true);
    PoolReport(vec![
        "done() false while running and while waiting, true after".to_owned(),
    ])
}

/// `cancel-before-start`: the waiting task's `cancel()` succeeds, and it is done at once; it
/// never runs, and its `result()` is `CancelledError`.
pub fn cancel_before_start<R: Runtime, P: Executor<R>>() -> PoolReport {
    let says = "cancel before start";
    let Busy {
        pool,
        running,
        waiting,
        runs,
        release,
    } = busy::<R, P>(says);
    assert!(
        waiting.cancel(),
        "{says}: cancel() returned false for a task no worker has started (the pool's only \
         worker is busy with another task, which waits for main)"
    );
    assert!(
        waiting.done(),
        "{says}: cancel() succeeded, yet done() is false"
    );
    release.open();
    let _ = running.result();
    pool.shutdown(true);
    let ran = runs.load();
    assert!(
        ran == 0,
        "{says}: cancel() succeeded, yet the task ran {ran} time(s)"
    );
    let result = waiting.result();
    assert!(
        result == Err(CancelledError),
        "{says}: cancel() succeeded, yet result() gave {result:?}, not CancelledError"
    );
    PoolReport(vec![
        "the waiting task was cancelled and never ran".to_owned(),
    ])
}

/// How many times a task in `at-most-max-workers` looks at how many are running, after counting
/// itself in: each look a facade step, so that another task can start in between.
const LOOKS: usize = 3;

/// `at-most-max-workers`: `max_workers + 2` tasks submitted at once to a pool of `max_workers`,
/// each counting itself in among the tasks running, looking at that count `LOOKS` times, and
/// counting itself out: never more than `max_workers` at once. And each looks at which thread it
/// runs in: never main's.
pub fn at_most_max_workers<R: Runtime, P: Executor<R>>(max_workers: usize) -> PoolReport {
    let says = "at most max_workers";
    let pool = P::new(max_workers);
    let running = Arc::new(AtomicUsize::<R>::named("tasks running", 0));
    let main = R::current_id();
    let tasks = max_workers + 2;
    let futures: Vec<P::Future> = (0..tasks)
        .map(|i| {
            let running = running.clone();
            pool.submit(Box::new(move || {
                assert!(
                    R::current_id() != main,
                    "{says}: task {i} ran in the thread that submitted it, not on a worker"
                );
                running.fetch_add(1);
                for _ in 0..LOOKS {
                    let now = running.load();
                    assert!(
                        now <= max_workers,
                        "{says}: {now} tasks ran at once (task {i} among them) on a pool of \
                         max_workers = {max_workers}"
                    );
                }
                running.fetch_sub(1);
                value(i)
            }))
            .unwrap_or_else(|e| panic!("{says}: submit refused a task before shutdown: {e}"))
        })
        .collect();
    for future in &futures {
        let _ = future.result();
    }
    pool.shutdown(true);
    PoolReport(vec![format!(
        "{tasks} tasks, never more than {max_workers} at once, none in main"
    )])
}
