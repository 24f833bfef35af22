//! What the facade records about the execution being explored: every operation (thread,
//! operation, object, value), who holds and who waits for what, and what the program printed.
//!
//! The checker installs a [`Recorder`] on the thread that runs the model. Shuttle and loom run
//! every model thread on that one OS thread, so they all see it; the native backend hands it to
//! each thread it spawns. With no recorder installed (native timing runs), recording is a no-op.
//! The recorder's own lock is never held across a backend operation, so it never blocks a model.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Index of a facade object (lock, condvar, shared variable) within one execution.
pub type ObjId = usize;

/// Events kept per execution; past this a model is too big to explain line by line anyway.
const MAX_EVENTS: usize = 50_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub thread: String,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Spawn {
        child: String,
    },
    Finish,
    Join {
        child: String,
    },
    Acquire {
        lock: String,
    },
    Release {
        lock: String,
    },
    TryLockFailed {
        lock: String,
    },
    Wait {
        condvar: String,
        lock: String,
    },
    Woken {
        condvar: String,
        timed_out: bool,
    },
    Notify {
        condvar: String,
        all: bool,
    },
    Read {
        var: String,
        value: String,
    },
    Write {
        var: String,
        value: String,
    },
    Print {
        line: String,
    },
    /// The program exited: daemons stop at their next operation.
    Exit,
    StoppedAtExit,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Spawn { child } => write!(f, "starts {child}"),
            Action::Finish => write!(f, "finishes"),
            Action::Join { child } => write!(f, "joined {child}"),
            Action::Acquire { lock } => write!(f, "acquires {lock}"),
            Action::Release { lock } => write!(f, "releases {lock}"),
            Action::TryLockFailed { lock } => write!(f, "try_lock {lock}: busy"),
            Action::Wait { condvar, lock } => write!(f, "waits on {condvar} (releases {lock})"),
            Action::Woken {
                condvar,
                timed_out: false,
            } => write!(f, "woken on {condvar}"),
            Action::Woken {
                condvar,
                timed_out: true,
            } => write!(f, "timed out on {condvar}"),
            Action::Notify {
                condvar,
                all: false,
            } => write!(f, "notify_one {condvar}"),
            Action::Notify { condvar, all: true } => write!(f, "notify_all {condvar}"),
            Action::Read { var, value } => write!(f, "read  {var} = {value}"),
            Action::Write { var, value } => write!(f, "write {var} = {value}"),
            Action::Print { line } => write!(f, "prints {line:?}"),
            Action::Exit => write!(f, "exits the program"),
            Action::StoppedAtExit => write!(f, "stopped by the exit"),
        }
    }
}

/// What a thread is blocked on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waiting {
    Lock(ObjId),
    Condvar { condvar: ObjId, lock: ObjId },
    Join(String),
}

/// A blocked thread as a deadlock report shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    pub thread: String,
    pub holds: Vec<String>,
    pub waits_for: String,
}

/// A write computed from a stale read: `events` are indices into the timeline, in order
/// (the other thread's read and write, and the stale thread's read and write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostUpdate {
    pub var: String,
    pub overwritten: String,
    pub stale: String,
    pub events: Vec<usize>,
}

/// Everything recorded about one execution.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub events: Vec<Event>,
    pub events_dropped: usize,
    pub blocked: Vec<Blocked>,
    pub lost_update: Option<LostUpdate>,
    pub output: Vec<String>,
}

impl Trace {
    /// Blocked threads that wait for one another in a ring, in order: each waits for a lock the
    /// next one holds, and the last for one the first holds. A thread waiting for a lock it holds
    /// itself is a ring of one. Empty when no such ring exists (a lost wake-up, say).
    pub fn deadlock_cycle(&self) -> Vec<&Blocked> {
        let holder_of = |lock: &str| {
            self.blocked
                .iter()
                .position(|b| b.holds.iter().any(|h| h == lock))
        };
        for start in 0..self.blocked.len() {
            let mut path = vec![start];
            while let Some(next) =
                holder_of(&self.blocked[*path.last().expect("path starts non-empty")].waits_for)
            {
                if let Some(at) = path.iter().position(|&p| p == next) {
                    return path[at..].iter().map(|&i| &self.blocked[i]).collect();
                }
                path.push(next);
            }
        }
        Vec::new()
    }

    /// Names the kind of deadlock the trace shows (`deadlock: ...`), when it shows one.
    pub fn deadlock_explanation(&self) -> Option<String> {
        match self.deadlock_cycle().as_slice() {
            [] => self
                .blocked
                .iter()
                .find(|b| b.waits_for.starts_with("a notify on"))
                .map(|b| format!(
                    "deadlock: {} waits for {} that never comes (no thread is left to send it: a lost wake-up or a missing notify)",
                    b.thread, b.waits_for
                )),
            [alone] => Some(format!(
                "deadlock: {} waits for {}, a lock it already holds",
                alone.thread, alone.waits_for
            )),
            ring => Some(format!(
                "deadlock: {} threads wait in a ring, each for a lock the next one holds",
                ring.len()
            )),
        }
    }
}

#[derive(Default)]
struct State {
    trace: Trace,
    objects: Vec<String>,
    holders: HashMap<ObjId, (String, usize)>,
    waiting: BTreeMap<String, Waiting>,
    writes: HashMap<ObjId, Vec<Write>>,
    reads: HashMap<(String, ObjId), (usize, usize)>,
    threads_named: usize,
}

struct Write {
    event: Option<usize>,
    thread: String,
    read_event: Option<usize>,
}

#[derive(Default)]
pub struct Recorder {
    state: Mutex<State>,
    /// Set at the first panic: what came after (unwinding, teardown) is not the execution.
    frozen: AtomicBool,
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Recorder>>> = const { RefCell::new(None) };
}

/// Makes `recorder` the one the facade records into on this OS thread.
pub fn install(recorder: Option<Arc<Recorder>>) {
    CURRENT.with(|current| *current.borrow_mut() = recorder);
}

pub fn current() -> Option<Arc<Recorder>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Whether facade operations on this OS thread are being recorded.
pub fn recording() -> bool {
    current().is_some_and(|recorder| !recorder.frozen.load(Ordering::SeqCst))
}

fn with_state<T: Default>(body: impl FnOnce(&mut State) -> T) -> T {
    match current() {
        Some(recorder) if !recorder.frozen.load(Ordering::SeqCst) => {
            body(&mut crate::util::lock_unpoisoned(&recorder.state))
        }
        _ => T::default(),
    }
}

impl State {
    fn push(&mut self, thread: &str, action: Action) -> Option<usize> {
        if self.trace.events.len() >= MAX_EVENTS {
            self.trace.events_dropped += 1;
            return None;
        }
        self.trace.events.push(Event {
            thread: thread.to_owned(),
            action,
        });
        Some(self.trace.events.len() - 1)
    }

    fn acquire(&mut self, thread: &str, lock: ObjId) {
        self.waiting.remove(thread);
        self.holders
            .entry(lock)
            .or_insert_with(|| (thread.to_owned(), 0))
            .1 += 1;
    }

    fn release(&mut self, lock: ObjId) {
        if let Some((_, depth)) = self.holders.get_mut(&lock) {
            *depth -= 1;
            if *depth == 0 {
                self.holders.remove(&lock);
            }
        }
    }

    fn name(&self, object: ObjId) -> String {
        self.objects
            .get(object)
            .cloned()
            .unwrap_or_else(|| format!("#{object}"))
    }

    fn describe(&self, waiting: &Waiting) -> String {
        match waiting {
            Waiting::Lock(lock) => self.name(*lock),
            Waiting::Condvar { condvar, .. } => format!("a notify on {}", self.name(*condvar)),
            Waiting::Join(child) => format!("{child} to finish"),
        }
    }
}

impl Recorder {
    /// Forgets everything: a new execution starts.
    pub fn reset(&self) {
        *crate::util::lock_unpoisoned(&self.state) = State::default();
        self.frozen.store(false, Ordering::SeqCst);
    }

    /// A number that grows whenever any thread does something recorded.
    pub fn progress(&self) -> usize {
        let state = crate::util::lock_unpoisoned(&self.state);
        state.trace.events.len() + state.trace.events_dropped
    }

    /// Stops recording: the execution failed here.
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    /// The execution so far, with who is blocked on what right now.
    pub fn snapshot(&self) -> Trace {
        let state = crate::util::lock_unpoisoned(&self.state);
        let mut trace = state.trace.clone();
        trace.blocked = state
            .waiting
            .iter()
            .map(|(thread, waiting)| {
                let mut holds: Vec<String> = state
                    .holders
                    .iter()
                    .filter(|(_, (holder, _))| holder == thread)
                    .map(|(lock, _)| state.name(*lock))
                    .collect();
                holds.sort();
                Blocked {
                    thread: thread.clone(),
                    holds,
                    waits_for: state.describe(waiting),
                }
            })
            .collect();
        trace
    }
}

pub fn record(thread: &str, action: Action) {
    with_state(|state| {
        state.push(thread, action);
    });
}

/// Names a new object of this execution.
pub fn register(name: String) -> ObjId {
    with_state(|state| {
        state.objects.push(name);
        state.objects.len() - 1
    })
}

pub fn object_name(object: ObjId) -> String {
    with_state(|state| state.name(object))
}

/// The next default thread name, `Thread-1`, `Thread-2`, ... as Python numbers them.
pub fn next_thread_name() -> String {
    let number = with_state(|state| {
        state.threads_named += 1;
        state.threads_named
    });
    format!("Thread-{}", number.max(1))
}

pub fn begin_wait(thread: &str, waiting: Waiting) {
    with_state(|state| {
        state.waiting.insert(thread.to_owned(), waiting);
    });
}

pub fn end_wait(thread: &str) {
    with_state(|state| {
        state.waiting.remove(thread);
    });
}

/// `thread` now holds `lock` (once more, for a reentrant lock).
pub fn acquired(thread: &str, lock: ObjId) {
    with_state(|state| {
        state.acquire(thread, lock);
        let name = state.name(lock);
        state.push(thread, Action::Acquire { lock: name });
    });
}

pub fn released(thread: &str, lock: ObjId) {
    with_state(|state| {
        state.release(lock);
        let name = state.name(lock);
        state.push(thread, Action::Release { lock: name });
    });
}

/// A condvar wait gives the lock up; its own event says so.
pub fn released_silently(_thread: &str, lock: ObjId) {
    with_state(|state| state.release(lock));
}

/// A condvar wait takes the lock back; its own event says so.
pub fn acquired_silently(thread: &str, lock: ObjId) {
    with_state(|state| state.acquire(thread, lock));
}

pub fn read(thread: &str, var: ObjId, value: String) {
    with_state(|state| {
        let version = state.writes.get(&var).map_or(0, Vec::len);
        let name = state.name(var);
        if let Some(event) = state.push(thread, Action::Read { var: name, value }) {
            state
                .reads
                .insert((thread.to_owned(), var), (version, event));
        }
    });
}

/// Records a write; a write computed from a read that another thread's write has since
/// overtaken is the first lost update of the execution.
pub fn write(thread: &str, var: ObjId, value: String) {
    with_state(|state| {
        let name = state.name(var);
        let event = state.push(
            thread,
            Action::Write {
                var: name.clone(),
                value,
            },
        );
        let read = state.reads.remove(&(thread.to_owned(), var));
        let writes = state.writes.entry(var).or_default();
        if let (None, Some((version, read_event))) = (&state.trace.lost_update, read)
            && let Some(overtaking) = writes.get(version).filter(|w| w.thread != thread)
        {
            let mut events: Vec<usize> = [
                overtaking.read_event,
                Some(read_event),
                overtaking.event,
                event,
            ]
            .into_iter()
            .flatten()
            .collect();
            events.sort_unstable();
            state.trace.lost_update = Some(LostUpdate {
                var: name,
                overwritten: overtaking.thread.clone(),
                stale: thread.to_owned(),
                events,
            });
        }
        writes.push(Write {
            event,
            thread: thread.to_owned(),
            read_event: read.map(|(_, e)| e),
        });
    });
}

/// An indivisible read-modify-write: it overtakes other threads' reads but is never stale itself.
pub fn update(thread: &str, var: ObjId, value: String) {
    with_state(|state| {
        let name = state.name(var);
        let event = state.push(thread, Action::Write { var: name, value });
        state.reads.remove(&(thread.to_owned(), var));
        state.writes.entry(var).or_default().push(Write {
            event,
            thread: thread.to_owned(),
            read_event: None,
        });
    });
}

pub fn print(thread: &str, line: String) {
    with_state(|state| {
        state.trace.output.push(line.clone());
        state.push(thread, Action::Print { line });
    });
}
