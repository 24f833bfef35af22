//! Python's rules for a program with threads, which neither loom nor shuttle has: the program's
//! output is a log; when the main thread's code ends, the program waits for every non-daemon
//! thread, then exits, and daemon threads stop where they are. Nothing a daemon does after the
//! exit is observable.
//!
//! Both checkers keep running threads after main returns, and call a thread still blocked then a
//! deadlock. So the exit is built here: once the program has exited, a daemon's next facade
//! operation unwinds it quietly ([`StoppedAtExit`], caught where the thread started), and a
//! daemon waiting on a [`crate::sync::Condvar`] is woken to meet that fate. Limits: a daemon that
//! loops forever without a facade operation is a spin (step limit under the checkers, a leaked
//! thread natively); a daemon that holds one lock while it waits on another lock's condvar at
//! exit can keep the exit from waking the others.

mod exit;

pub use crate::exit_hook::StoppedAtExit;

use self::exit::{ExitState, ProgramThread};
use crate::exit_hook::{self, exit_point};
use crate::runtime::Runtime;
use crate::thread::{self as facade_thread, JoinHandle};
use crate::trace::{self, Action};
use crate::util::lock_unpoisoned as lock;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex as StdMutex};

const NEW: usize = 0;
const ALIVE: usize = 1;
const DONE: usize = 2;

/// What `threading.Thread` knows about a thread: its name, whether it is a daemon, whether alive.
pub struct ThreadInfo<R: Runtime> {
    name: StdMutex<String>,
    daemon: bool,
    state: R::AtomicUsize,
}

impl<R: Runtime> ThreadInfo<R> {
    fn new(name: String, daemon: bool) -> Arc<Self> {
        Arc::new(ThreadInfo {
            name: StdMutex::new(name),
            daemon,
            state: R::new_atomic(NEW),
        })
    }

    /// `thread.name`: `MainThread`, the name given, or `Thread-N`.
    pub fn name(&self) -> String {
        lock(&self.name).clone()
    }

    /// `thread.name = ...`: what `name` returns from now on (the timeline keeps the name the
    /// thread started with).
    pub fn set_name(&self, name: impl Into<String>) {
        *lock(&self.name) = name.into();
    }

    /// `thread.daemon`: the program's exit does not wait for it, and stops it.
    pub fn is_daemon(&self) -> bool {
        self.daemon
    }

    /// True from `start` until the thread's body has returned.
    pub fn is_alive(&self) -> bool {
        exit_point::<R>();
        R::load(&self.state) == ALIVE
    }
}

/// Its name and whether it is a daemon; not whether it is alive, which is a step of the model.
impl<R: Runtime> std::fmt::Debug for ThreadInfo<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadInfo")
            .field("name", &self.name())
            .field("daemon", &self.daemon)
            .finish_non_exhaustive()
    }
}

/// How the program ends once the main thread's code is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// Python's rule: wait for every non-daemon thread, then exit.
    WaitForNonDaemons,
    /// A broken harness: exit at once, stopping every thread.
    ExitAtOnce,
}

struct ProgramState<R: Runtime> {
    output: R::Mutex<Vec<String>>,
    running: R::Mutex<usize>,
    all_done: R::Condvar,
    threads: R::Mutex<Vec<Arc<ThreadInfo<R>>>>,
    exit: Arc<ExitState<R>>,
}

/// A running program: print to its output, start threads, list them.
pub struct Program<R: Runtime> {
    shared: Arc<ProgramState<R>>,
}

impl<R: Runtime> std::fmt::Debug for Program<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program").finish_non_exhaustive()
    }
}

impl<R: Runtime> Clone for Program<R> {
    fn clone(&self) -> Self {
        Program {
            shared: self.shared.clone(),
        }
    }
}

/// The lines a program printed before it exited, in order: the observable outcome of most
/// thread lessons.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Printed(pub Vec<String>);

impl Printed {
    /// `lines`, owned: an expected outcome, written as a list of string literals.
    pub fn lines(lines: &[&str]) -> Printed {
        Printed(lines.iter().map(|line| line.to_string()).collect())
    }
}

impl std::fmt::Display for Printed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return write!(f, "(nothing)");
        }
        write!(f, "{}", self.0.join(" | "))
    }
}

/// What a finished program returned and printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exit<T> {
    /// What the main thread's code returned.
    pub value: T,
    /// The lines printed before the exit, in order (what daemons printed after it is lost).
    pub output: Vec<String>,
}

/// Runs `main` as a program's main thread, then shuts down as `shutdown` says.
pub fn run<R: Runtime, T>(shutdown: Shutdown, main: impl FnOnce(&Program<R>) -> T) -> Exit<T> {
    let exit = ExitState::<R>::new(shutdown == Shutdown::ExitAtOnce);
    let program = Program {
        shared: Arc::new(ProgramState {
            output: R::new_mutex(Vec::new()),
            running: R::new_mutex(0),
            all_done: R::new_condvar(),
            threads: R::new_mutex(Vec::new()),
            exit: exit.clone(),
        }),
    };
    let main_info = ThreadInfo::<R>::new("MainThread".to_owned(), false);
    R::store(&main_info.state, ALIVE);
    R::lock::<Vec<Arc<ThreadInfo<R>>>>(&program.shared.threads).push(main_info.clone());
    exit_hook::install::<R>(Some(ProgramThread::new(false, &exit, main_info.clone())));

    let value = main(&program);

    if shutdown == Shutdown::WaitForNonDaemons {
        let mut running = R::lock(&program.shared.running);
        while *running > 0 {
            running = R::wait(&program.shared.all_done, running);
        }
    }
    let output = {
        let output = R::lock(&program.shared.output);
        exit.mark_exited();
        output.clone()
    };
    if let Some(me) = facade_thread::current_tid::<R>() {
        trace::record(me, Action::Exit);
    }
    R::store(&main_info.state, DONE);
    exit.wake_waiters();
    exit_hook::install::<R>(None);
    Exit { value, output }
}

impl<R: Runtime> Program<R> {
    /// Appends a line to the program's output, unless the program has exited.
    pub fn print(&self, line: impl Into<String>) {
        exit_point::<R>();
        let line = line.into();
        let mut output = R::lock(&self.shared.output);
        if exit_hook::stopping::<R>() {
            // The exit came first: the line is lost, and the thread stops if it can.
            drop(output);
            exit_point::<R>();
            return;
        }
        if let Some(me) = facade_thread::current_tid::<R>() {
            trace::printed(me, line.clone());
        }
        output.push(line);
    }

    /// `threading.Thread(target=...)`: configure, then `start`.
    pub fn thread<F, T>(&self, target: F) -> ThreadBuilder<R, F>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        ThreadBuilder {
            program: self.clone(),
            target,
            name: None,
            daemon: false,
        }
    }

    /// The subclass style: a type whose `run` is the thread's body.
    pub fn thread_of<W: Run>(
        &self,
        work: W,
    ) -> ThreadBuilder<R, impl FnOnce() -> W::Output + Send + 'static> {
        self.thread(move || work.run())
    }

    /// `threading.enumerate()`: every thread alive now, main included, in start order.
    pub fn enumerate(&self) -> Vec<Arc<ThreadInfo<R>>> {
        exit_point::<R>();
        let threads = R::lock(&self.shared.threads).clone();
        threads
            .into_iter()
            .filter(|t| R::load(&t.state) == ALIVE)
            .collect()
    }

    /// `threading.active_count()`.
    pub fn active_count(&self) -> usize {
        self.enumerate().len()
    }

    /// `threading.current_thread()`.
    pub fn current_thread(&self) -> Arc<ThreadInfo<R>> {
        exit_hook::current::<R>()
            .and_then(|hook| {
                let thread = hook
                    .as_any()
                    .downcast_ref::<ProgramThread<R, Arc<ThreadInfo<R>>>>()?;
                Some(thread.info.clone())
            })
            .expect("current_thread() is called from a thread of this program")
    }
}

/// The subclass style of `threading.Thread`: override `run`.
pub trait Run: Send + 'static {
    /// What the thread's body returns ([`ThreadHandle::join`] hands it over).
    type Output: Send + 'static;
    /// The thread's body.
    fn run(self) -> Self::Output;
}

/// A thread configured and not started yet ([`Program::thread`]): name it, make it a daemon,
/// then [`start`](ThreadBuilder::start) it.
pub struct ThreadBuilder<R: Runtime, F> {
    program: Program<R>,
    target: F,
    name: Option<String>,
    daemon: bool,
}

impl<R: Runtime, F> std::fmt::Debug for ThreadBuilder<R, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadBuilder")
            .field("name", &self.name)
            .field("daemon", &self.daemon)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime, F, T> ThreadBuilder<R, F>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    /// `Thread(name=...)`; unnamed, it is `Thread-N`, numbered by start order as Python does.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// `Thread(daemon=...)`: a daemon is not waited for at exit, and stops there.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Starts the thread; it is alive from here until its target returns. (CPython's `start()`
    /// also waits until the new thread runs. That adds no outcome, only interleavings to
    /// explore, so it is left out.)
    pub fn start(self) -> ThreadHandle<R, T> {
        exit_point::<R>();
        let shared = self.program.shared.clone();
        let info = {
            let mut threads = R::lock(&shared.threads);
            let name = self
                .name
                .unwrap_or_else(|| facade_thread::python_name(threads.len()));
            let info = ThreadInfo::<R>::new(name, self.daemon);
            threads.push(info.clone());
            info
        };
        R::store(&info.state, ALIVE);
        if !self.daemon {
            *R::lock(&shared.running) += 1;
        }
        let hook = ProgramThread::new(self.daemon, &shared.exit, info.clone());
        let (target, daemon, thread_info) = (self.target, self.daemon, info.clone());
        let join = facade_thread::spawn_named::<R, _, _>(info.name(), move || {
            exit_hook::install::<R>(Some(hook));
            let value = match catch_unwind(AssertUnwindSafe(target)) {
                Ok(value) => Some(value),
                Err(payload) if payload.is::<StoppedAtExit>() => {
                    if let Some(me) = facade_thread::current_tid::<R>() {
                        trace::record(me, Action::StoppedAtExit);
                    }
                    None
                }
                // Under a checker the failure ends the execution here: touching the backend
                // again would only disturb it. Natively the program must still be able to exit.
                Err(payload) if R::EXPLORES => resume_unwind(payload),
                Err(payload) => {
                    finish(&shared, &thread_info, daemon);
                    resume_unwind(payload)
                }
            };
            finish(&shared, &thread_info, daemon);
            value
        });
        ThreadHandle { join, info }
    }
}

/// A thread's body has returned: it is no longer alive, and the exit need not wait for it.
fn finish<R: Runtime>(shared: &ProgramState<R>, info: &ThreadInfo<R>, daemon: bool) {
    R::store(&info.state, DONE);
    if !daemon {
        *R::lock(&shared.running) -= 1;
        R::notify_all(&shared.all_done);
    }
}

/// A started thread: join it, ask whether it is alive, read or change its name.
pub struct ThreadHandle<R: Runtime, T: Send + 'static> {
    join: JoinHandle<R, Option<T>>,
    info: Arc<ThreadInfo<R>>,
}

impl<R: Runtime, T: Send + 'static> std::fmt::Debug for ThreadHandle<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadHandle")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime, T: Send + 'static> ThreadHandle<R, T> {
    /// `thread.join()`: waits for the thread and returns what its target returned; re-raises
    /// its panic. Joining a daemon the exit stopped stops the joiner too.
    pub fn join(self) -> T {
        exit_point::<R>();
        match self.join.join() {
            Some(value) => value,
            None => resume_unwind(Box::new(StoppedAtExit)),
        }
    }

    /// `thread.is_alive()`: see [`ThreadInfo::is_alive`].
    pub fn is_alive(&self) -> bool {
        self.info.is_alive()
    }

    /// What `threading` knows about the thread (shared with [`Program::enumerate`]).
    pub fn info(&self) -> &Arc<ThreadInfo<R>> {
        &self.info
    }
}
