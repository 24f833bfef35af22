//! # Threads vs processes (tutorial 2.1, 3.3.2): one address space, or a copy of it
//!
//! Every thread of a process runs in the same memory: the tutorial's `work` sets the global
//! `n = 0` in a thread, and after `join` the main thread reads 0. A child process starts with a
//! *copy* of its parent's memory: it sets its own `n` to 0 and the parent's `n` is still 100. The
//! only way a process can tell its parent anything is a message (a pipe, a queue, its stdout).
//! That is also why threads share one pid and processes do not, and why a thread starts so much
//! faster: there is no new address space to build.
//!
//! In the models a "process" is exactly that: a worker that gets a copy of the parent's `n` when
//! it starts, owns it, and reports through a [`Pipe`] built from the facade's Mutex and Condvar.
//! It cannot touch the parent's `n` at all: the parent's variable is not `'static`, so the
//! compiler refuses to move a reference to it into the worker. Isolation is a type, not a rule.
//!
//! - `thread`: each thread writes the shared `n = 0`; the parent always sees 0.
//! - `process`: each child sets its copy to 0 and says so; the parent's `n` is always 100.
//!
//! The native half, [`native`], re-executes this very binary as real OS processes: the pids,
//! the global `n` seen or not seen, the start + join cost of a thread next to a process, what a
//! switch costs between two threads and between two processes ([`switch`]), and a daemon
//! process next to a daemon thread ([`daemon`]: the process is terminated when the parent's
//! code ends; the thread runs on while main waits for the non-daemon one).

#[path = "01_thread_vs_process/child.rs"]
pub mod child;

#[path = "01_thread_vs_process/native.rs"]
pub mod native;

#[path = "01_thread_vs_process/switch.rs"]
pub mod switch;

#[path = "01_thread_vs_process/daemon.rs"]
pub mod daemon;

pub use self::native::{child_main, timing};

use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row};
use crate::runtime::Runtime;
use crate::sync::{Condvar, Mutex, Shared};
use crate::thread::{self, JoinHandle};
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

/// The tutorial's `n = 100` before `work` runs.
pub const START_N: usize = 100;

/// The same `work` run by threads, which share the parent's `n`, or by child processes, which
/// each get a copy of it.
pub struct ThreadVsProcess;

/// Who runs `work`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Thread,
    Process,
}

/// The tutorial's `work`: `global n; n = 0`.
fn work<R: Runtime>(n: &Shared<R, usize>) {
    n.store(0);
}

/// A one-way message channel: the only thing a parent and its child processes share.
pub struct Pipe<R: Runtime, T: Send + 'static> {
    messages: Mutex<R, VecDeque<T>>,
    arrived: Condvar<R>,
}

impl<R: Runtime, T: Send + 'static> Pipe<R, T> {
    pub fn named(name: &str) -> Self {
        Pipe {
            messages: Mutex::named(name, VecDeque::new()),
            arrived: Condvar::named(&format!("{name} not empty")),
        }
    }

    pub fn send(&self, message: T) {
        self.messages.lock().push_back(message);
        self.arrived.notify_one();
    }

    /// Blocks until a message is there.
    pub fn recv(&self) -> T {
        let mut messages = self
            .arrived
            .wait_while(self.messages.lock(), |queue| queue.is_empty());
        messages.pop_front().expect("woken with a message")
    }
}

/// What the parent can tell about `n` once its workers have been joined.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NSeen {
    /// Threads: the parent's own `n`, which every thread wrote.
    Shared(usize),
    /// Processes: the parent's own `n`, and the `n` each child reported over the pipe (in arrival
    /// order it would vary; sorted, it does not).
    Copied { parent: usize, children: Vec<usize> },
}

impl fmt::Display for NSeen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NSeen::Shared(parent) => write!(f, "parent n = {parent}"),
            NSeen::Copied { parent, children } => {
                let children: Vec<String> = children.iter().map(usize::to_string).collect();
                write!(f, "parent n = {parent}, child n = {}", children.join(", "))
            }
        }
    }
}

fn threads<R: Runtime>(count: usize) -> NSeen {
    let n = Arc::new(Shared::<R, usize>::named("n", START_N));
    let workers: Vec<JoinHandle<R, ()>> = (0..count)
        .map(|_| {
            let n = n.clone();
            thread::spawn::<R, _, _>(move || work(&n))
        })
        .collect();
    workers.into_iter().for_each(JoinHandle::join);
    NSeen::Shared(n.load())
}

fn processes<R: Runtime>(count: usize) -> NSeen {
    let n = Shared::<R, usize>::named("parent's n", START_N);
    let pipe = Arc::new(Pipe::<R, usize>::named("pipe"));
    let children: Vec<JoinHandle<R, ()>> = (1..=count)
        .map(|number| {
            // What fork does: the child's memory starts as a copy of the parent's.
            let copy = n.load();
            let pipe = pipe.clone();
            thread::spawn_named::<R, _, _>(format!("Process-{number}"), move || {
                let n = Shared::<R, usize>::named("child's n", copy);
                work(&n);
                pipe.send(n.load());
            })
        })
        .collect();
    let mut reported: Vec<usize> = (0..count).map(|_| pipe.recv()).collect();
    children.into_iter().for_each(JoinHandle::join);
    reported.sort_unstable();
    NSeen::Copied {
        parent: n.load(),
        children: reported,
    }
}

impl Lesson for ThreadVsProcess {
    type Version = Version;
    type Outcome = NSeen;

    fn run<R: Runtime>(version: Version, params: &Params) -> NSeen {
        match version {
            Version::Thread => threads::<R>(params.threads),
            Version::Process => processes::<R>(params.threads),
        }
    }

    fn classify(_: Version, outcome: &NSeen, _: &Params) -> (Class, &'static str) {
        match outcome {
            NSeen::Shared(0) => (
                Class::Acceptable,
                "the thread wrote the parent's own n: one memory",
            ),
            NSeen::Shared(_) => (Class::Forbidden, "a thread's write is missing"),
            NSeen::Copied { parent, .. } if *parent != START_N => (
                Class::Forbidden,
                "a child process wrote the parent's memory",
            ),
            NSeen::Copied { children, .. } if children.iter().any(|&n| n != 0) => (
                Class::Forbidden,
                "a child's write to its own copy is missing",
            ),
            NSeen::Copied { .. } => (Class::Acceptable, "each child changed only its copy"),
        }
    }

    fn possible_outcomes(version: Version, params: &Params) -> Option<Vec<NSeen>> {
        Some(vec![match version {
            Version::Thread => NSeen::Shared(0),
            Version::Process => NSeen::Copied {
                parent: START_N,
                children: vec![0; params.threads],
            },
        }])
    }
}

pub const THREAD: Row<ThreadVsProcess> = Row::new(
    "thread-vs-process/thread",
    Version::Thread,
    Expect::Holds,
    "threads set the global n = 0: the parent sees 0",
)
.max_threads(100);
pub const PROCESS: Row<ThreadVsProcess> = Row::new(
    "thread-vs-process/process",
    Version::Process,
    Expect::Holds,
    "child processes set their copy of n = 0: the parent keeps 100",
)
.max_threads(100);

pub fn concept() -> Concept {
    Concept::new(
        "thread-vs-process",
        "threads vs processes: one memory, or a copy of it (tutorial 2.1, 3.3.2)",
        file!(),
    )
    .rows(&[THREAD, PROCESS])
    .timing(timing)
}
