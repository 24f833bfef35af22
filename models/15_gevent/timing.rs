//! # Synchronous and asynchronous (tutorial 三.4, `Gevent`之同步与异步)
//!
//! The tutorial's `task(pid)` sleeps 0.5 s and prints `Task pid done`. `synchronous()` calls it
//! ten times in a row: 5 s. `asynchronous()` spawns ten greenlets and `joinall`s them: their
//! sleeps overlap, so it takes 0.5 s, but only because `monkey.patch_all()` turned `time.sleep`
//! into `gevent.sleep`, a wait the hub can switch away from. Unpatched, `time.sleep` blocks the
//! one thread every greenlet runs on, and the ten sleeps add up again. Ten OS threads overlap
//! their sleeps without any patching: the OS switches threads, not the program.
//!
//! `time gevent` runs the four side by side, natively: the tasks are the project's task facade
//! ([`crate::task`]) on the [`Native`] backend, each row's note lists the tasks in the order they
//! printed `done`. Expected: sequential ~ blocking-sleep tasks ~ 10x cooperative tasks ~ threads.

use crate::lesson::{Ratios, Timing, TimingRow};
use crate::runtime::{Native, sleep_scale};
use crate::task;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The tutorial's ten tasks.
pub const TASKS: usize = 10;
/// The tutorial's `time.sleep(0.5)`.
pub const TUTORIAL_SLEEP: Duration = Duration::from_millis(500);
/// `time gevent` sleeps 1/10 of the tutorial's time: 50 ms, well above timer resolution, and the
/// whole table in about a second.
pub const TIME_SCALE: u32 = 10;

/// One way to run the ten tasks, as a row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// `synchronous()`: one task after another.
    Sequential,
    /// `asynchronous()` with `monkey.patch_all()`: tasks awaiting the async sleep.
    CooperativeTasks,
    /// `asynchronous()` without it: tasks calling the blocking sleep (`task::blocking_sleep`).
    BlockingSleepTasks,
    /// `threading.Thread` instead of greenlets.
    OsThreads,
}

impl Schedule {
    /// In the table's order.
    pub const ALL: [Schedule; 4] = [
        Schedule::Sequential,
        Schedule::CooperativeTasks,
        Schedule::BlockingSleepTasks,
        Schedule::OsThreads,
    ];

    pub fn label(self, tasks: usize) -> String {
        match self {
            Schedule::Sequential => format!("sequential: {tasks} sleeps in a row"),
            Schedule::CooperativeTasks => format!("{tasks} tasks, each awaits sleep"),
            Schedule::BlockingSleepTasks => {
                format!("{tasks} tasks, each calls a blocking sleep")
            }
            Schedule::OsThreads => format!("{tasks} OS threads, each sleeps"),
        }
    }

    /// What the tutorial calls it.
    pub fn tutorial(self) -> &'static str {
        match self {
            Schedule::Sequential => "synchronous()",
            Schedule::CooperativeTasks => "asynchronous() with monkey.patch_all()",
            Schedule::BlockingSleepTasks => "asynchronous() without patch_all: every task waits",
            Schedule::OsThreads => "threads: the OS overlaps the sleeps",
        }
    }

    /// Runs `tasks` tasks that each sleep `sleep` (real time) and returns their pids in the
    /// order they finished.
    pub fn run(self, tasks: usize, sleep: Duration) -> Vec<usize> {
        let done = Arc::new(Mutex::new(Vec::with_capacity(tasks)));
        let finish = |done: &Mutex<Vec<usize>>, pid: usize| {
            done.lock().expect("no task panics").push(pid);
        };
        match self {
            Schedule::Sequential => {
                for pid in 0..tasks {
                    std::thread::sleep(sleep);
                    finish(&done, pid);
                }
            }
            Schedule::CooperativeTasks | Schedule::BlockingSleepTasks => {
                // The facade's sleep takes the tutorial's time and divides it by the backend's
                // scale: ask for `sleep` times that scale to get `sleep`.
                let facade_sleep = sleep * sleep_scale();
                task::block_on::<Native, _>(async {
                    let handles = (0..tasks)
                        .map(|pid| {
                            let done = done.clone();
                            task::spawn::<Native, _>(async move {
                                if self == Schedule::CooperativeTasks {
                                    task::sleep::<Native>(facade_sleep).await;
                                } else {
                                    task::blocking_sleep::<Native>(facade_sleep);
                                }
                                finish(&done, pid);
                            })
                        })
                        .collect();
                    task::join_all(handles).await;
                });
            }
            Schedule::OsThreads => std::thread::scope(|scope| {
                for pid in 0..tasks {
                    let done = &done;
                    scope.spawn(move || {
                        std::thread::sleep(sleep);
                        finish(done, pid);
                    });
                }
            }),
        }
        done.lock().expect("no task panics").clone()
    }
}

/// `time gevent`: the tutorial's ten 0.5 s tasks, at 1/[`TIME_SCALE`] of its time.
pub fn timing() -> Timing {
    measure(TASKS, TUTORIAL_SLEEP / TIME_SCALE)
}

/// The table for `tasks` tasks that each sleep `sleep`, in real time.
pub fn measure(tasks: usize, sleep: Duration) -> Timing {
    let rows = Schedule::ALL
        .into_iter()
        .map(|schedule| {
            let started = Instant::now();
            let order = schedule.run(tasks, sleep);
            let seconds = started.elapsed().as_secs_f64();
            let order: Vec<String> = order.iter().map(usize::to_string).collect();
            TimingRow {
                label: schedule.label(tasks),
                seconds,
                note: format!(
                    "{}; {} done: {}",
                    schedule.tutorial(),
                    order.len(),
                    order.join(" ")
                ),
            }
        })
        .collect();
    Timing {
        title: format!("gevent: {tasks} tasks that each sleep, one after another and at once"),
        setup: format!(
            "the tutorial's {} s sleep scaled to {} ms of real time (1/{:.0}), on every row; the \
             task facade scales its sleeps by 1/{}, so each task asks it for {} ms x {}",
            TUTORIAL_SLEEP.as_secs_f64(),
            sleep.as_millis(),
            TUTORIAL_SLEEP.as_secs_f64() / sleep.as_secs_f64().max(f64::MIN_POSITIVE),
            sleep_scale(),
            sleep.as_millis(),
            sleep_scale()
        ),
        rows,
        // Every row is the same work (the same tasks, each sleeping the same time), scheduled
        // another way: each compares with the sequential row.
        ratios: Ratios::ToFirst,
    }
}
