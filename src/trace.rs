//! What the facade records about the execution being explored: every operation (thread,
//! operation, object, value), who holds and who waits for what, and what the program printed.
//!
//! Events and the recorder's state keep identities, not names: objects by [`ObjId`], threads by
//! [`Tid`] (a number per model thread of the execution), so two objects or threads with the same
//! name stay two. The trace carries the tables of names; a report turns ids into names when it
//! renders events. A failure's summaries ([`Blocked`], [`LostUpdate`]) carry each id with its
//! name ([`Named`]), resolved once when the snapshot is taken.
//!
//! The checker installs a [`Recorder`] on the thread that runs the model. Shuttle and loom run
//! every model thread on that one OS thread, so they all see it; the native backend hands it to
//! each thread it spawns. With no recorder installed (native timing runs), recording is a no-op.
//! The recorder's own lock is never held across a backend operation, so it never blocks a model.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::Deref;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Index of a facade object (lock, condvar, shared variable) within one execution.
pub type ObjId = usize;

/// A model thread of one execution, numbered as the recorder learns of it: [`Tid::MAIN`] is the
/// thread the checker started, then each thread the facade spawns, in order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tid(pub usize);

impl Tid {
    /// The thread the checker started; every thread the facade did not spawn counts as it.
    pub const MAIN: Tid = Tid(0);
}

/// Events kept per execution; past this a model is too big to explain line by line anyway.
const MAX_EVENTS: usize = 50_000;

/// One step of the timeline: which thread did what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The thread that did it.
    pub thread: Tid,
    /// What it did.
    pub action: Action,
    /// Where the operation was called, when locations are recorded (see [`record_locations`]).
    pub at: Option<&'static Location<'static>>,
}

static LOCATIONS: AtomicBool = AtomicBool::new(false);

/// Record, with every event, the source line that called the facade (the gate turns this on, so
/// a student's counterexample points at the student's own lines). Off, timelines are as before.
pub fn record_locations(on: bool) {
    LOCATIONS.store(on, Ordering::Relaxed);
}

static THREAD_LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Caps the threads one execution may start (the gate's child sets it, where a thread started in
/// a loop would otherwise run the model checker out of memory). Unset, there is no cap.
pub fn limit_threads(limit: usize) {
    THREAD_LIMIT.store(limit, Ordering::Relaxed);
}

/// The cap [`limit_threads`] set, if any.
pub fn thread_limit() -> Option<usize> {
    let limit = THREAD_LIMIT.load(Ordering::Relaxed);
    (limit != usize::MAX).then_some(limit)
}

/// Counts a thread or task started in this execution, by any path: the facade's
/// [`crate::thread::spawn`] and tasks, or a `Runtime`'s own `spawn` and `spawn_task` called
/// directly (every backend's goes through here). Past the cap [`limit_threads`] set, panics.
pub fn count_spawn() {
    let Some(limit) = thread_limit() else {
        return;
    };
    let started = with_state(|state| {
        state.spawned += 1;
        state.spawned
    });
    if started > limit {
        panic!(
            "thread limit: more than {limit} threads started in one execution \
             (the gate's limit; a thread started in a loop?)"
        );
    }
}

/// The facade's caller, for an event recorded later with [`record_at`] (a wait, recorded when
/// the backend has made the thread a waiter).
#[track_caller]
pub fn here() -> Option<&'static Location<'static>> {
    caller()
}

/// The facade's caller, through every `#[track_caller]` frame between; none for the facade's
/// own bookkeeping (a thread's finish, recorded inside `thread::spawn`) or a call from std.
#[track_caller]
fn caller() -> Option<&'static Location<'static>> {
    if !LOCATIONS.load(Ordering::Relaxed) {
        return None;
    }
    let at = Location::caller();
    let facade = file!().strip_suffix("trace.rs").unwrap_or_default();
    let internal = at
        .file()
        .strip_prefix(facade)
        .is_some_and(|rest| !rest.starts_with("gate") && !rest.starts_with("../models/"));
    // A facade function passed by value (`for_each(JoinHandle::join)`) is called from std's
    // closure shims, whose lines say nothing to the model's reader.
    let std_shim = at.file().starts_with("/rustc/");
    (!internal && !std_shim).then_some(at)
}

/// What a thread did; objects and threads by id (a report names them from the trace's tables).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Started a thread (or a task).
    Spawn {
        /// The thread started.
        child: Tid,
    },
    /// Its body returned: the thread's last event.
    Finish,
    /// Joined a thread (or awaited a task) that had finished.
    Join {
        /// The thread joined.
        child: Tid,
    },
    /// Took a lock (once more, for a reentrant lock).
    Acquire {
        /// The lock taken.
        lock: ObjId,
    },
    /// Gave up one hold of a lock.
    Release {
        /// The lock released.
        lock: ObjId,
    },
    /// A `try_lock` that found the lock held, and returned without it.
    TryLockFailed {
        /// The lock that was busy.
        lock: ObjId,
    },
    /// Releases `lock` and waits: recorded where the thread became a waiter.
    Wait {
        /// The condvar waited on.
        condvar: ObjId,
        /// The lock the wait releases, and takes back before it returns.
        lock: ObjId,
    },
    /// A wait returned, holding its lock again.
    Woken {
        /// The condvar it waited on.
        condvar: ObjId,
        /// Its timeout ended it, not a notify.
        timed_out: bool,
    },
    /// A wait that ended with no notify (shuttle injects them; see `Runtime::spurious_wakeup`).
    WokenSpuriously {
        /// The condvar it waited on.
        condvar: ObjId,
    },
    /// Notified a condvar (recorded once the notify has taken effect).
    Notify {
        /// The condvar notified.
        condvar: ObjId,
        /// `notify_all`, not `notify_one`.
        all: bool,
    },
    /// Read a shared variable or an atomic.
    Read {
        /// The variable read.
        var: ObjId,
        /// The value read, as `{:?}` shows it.
        value: String,
    },
    /// Wrote a shared variable or an atomic.
    Write {
        /// The variable written.
        var: ObjId,
        /// The value written, as `{:?}` shows it; `old -> new` for an atomic read-modify-write.
        value: String,
    },
    /// Printed a line of the program's output.
    Print {
        /// The line, without its newline.
        line: String,
    },
    /// A step a model names itself ([`crate::thread::note`]).
    Note {
        /// The step, in the model's words.
        text: String,
    },
    /// The program exited: daemons stop at their next operation.
    Exit,
    /// The program's exit stopped the thread at this operation (a daemon, or any thread when
    /// the program exits at once): its last event.
    StoppedAtExit,
}

/// What a thread is blocked on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// A lock to be free.
    Lock(ObjId),
    /// A notify on a condvar.
    Condvar {
        /// The condvar waited on.
        condvar: ObjId,
        /// The lock the wait released, which it takes back when woken.
        lock: ObjId,
        /// A `wait_timeout`: a timer would end it, where the backend has one.
        timed: bool,
    },
    /// A thread (or a task) to finish.
    Join(Tid),
    /// A greenlet suspended in a `switch`, waiting for another to switch back to it.
    Switch,
}

/// A thread, an object or a wait as a failure shows it: its identity, and its name (for a wait,
/// what it waits for, e.g. `a notify on not_empty`). Matching goes by `id`; compared with a
/// string, and read as one, it is its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named<Id> {
    /// What it is: the identity matching and comparing go by.
    pub id: Id,
    /// What a report calls it.
    pub name: String,
}

impl<Id> PartialEq<&str> for Named<Id> {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

impl<Id> Deref for Named<Id> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.name
    }
}

impl<Id> fmt::Display for Named<Id> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.name)
    }
}

/// A blocked thread as a deadlock report shows it; `holds` in name order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// The blocked thread.
    pub thread: Named<Tid>,
    /// The locks it holds while it waits.
    pub holds: Vec<Named<ObjId>>,
    /// What it waits for.
    pub waits_for: Named<Waiting>,
}

impl Blocked {
    /// The lock this thread waits for, if it waits for a lock.
    pub fn lock_wanted(&self) -> Option<ObjId> {
        match self.waits_for.id {
            Waiting::Lock(lock) => Some(lock),
            _ => None,
        }
    }

    /// Whether this thread holds `lock`.
    pub fn holds_lock(&self, lock: ObjId) -> bool {
        self.holds.iter().any(|held| held.id == lock)
    }
}

/// A write computed from a stale read: `events` are indices into the timeline, in order
/// (the other thread's read and write, and the stale thread's read and write).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostUpdate {
    /// The variable whose update was lost.
    pub var: Named<ObjId>,
    /// The thread whose write the stale one overwrote.
    pub overwritten: Named<Tid>,
    /// The thread that wrote a value computed from a read older than the other's write.
    pub stale: Named<Tid>,
    /// Indices into [`Trace::events`], in timeline order (one past the timeline's cap is left out).
    pub events: Vec<usize>,
}

impl LostUpdate {
    /// Whether it explains how the execution ended: the last read after the stale write is of
    /// its variable, or nothing was read after it. A lost update of a variable the end did not
    /// read (a flag written 1 over 1, when what failed is a count) explains nothing there.
    pub fn explains(&self, events: &[Event]) -> bool {
        let after = self.events.last().map_or(0, |last| last + 1);
        let last_read = events
            .iter()
            .skip(after)
            .rev()
            .find_map(|event| match &event.action {
                Action::Read { var, .. } => Some(*var),
                _ => None,
            });
        last_read.is_none_or(|var| var == self.var.id)
    }
}

/// Everything recorded about one execution.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// The timeline, in the order the backend ran the operations; at most 50,000 events.
    pub events: Vec<Event>,
    /// Events that came after the timeline was full, and were only counted.
    pub events_dropped: usize,
    /// The threads blocked when the trace was taken, in name order: at a deadlock, who waits
    /// for what.
    pub blocked: Vec<Blocked>,
    /// The execution's first lost update that explains its end (see [`LostUpdate::explains`]):
    /// a write computed from a stale read, on the variable last read before the end.
    pub lost_update: Option<LostUpdate>,
    /// The lines the program printed, in order.
    pub output: Vec<String>,
    /// Object names, by [`ObjId`].
    pub objects: Vec<String>,
    /// Thread names, by [`Tid`].
    pub threads: Vec<String>,
}

impl Trace {
    /// The object's name; `#<id>` for an id the trace has no name for.
    pub fn object_name(&self, object: ObjId) -> Cow<'_, str> {
        match self.objects.get(object) {
            Some(name) => Cow::Borrowed(name),
            None => Cow::Owned(format!("#{object}")),
        }
    }

    /// The thread's name; `thread #<n>` for one the trace has no name for.
    pub fn thread_name(&self, thread: Tid) -> Cow<'_, str> {
        match self.threads.get(thread.0) {
            Some(name) => Cow::Borrowed(name),
            None if thread == Tid::MAIN => Cow::Borrowed("main"),
            None => Cow::Owned(format!("thread #{}", thread.0)),
        }
    }

    fn object(&self, object: ObjId) -> Named<ObjId> {
        Named {
            id: object,
            name: self.object_name(object).into_owned(),
        }
    }

    fn thread(&self, thread: Tid) -> Named<Tid> {
        Named {
            id: thread,
            name: self.thread_name(thread).into_owned(),
        }
    }

    /// What a report says a thread waits for: a lock's name, `a notify on <condvar>`,
    /// `<thread> to finish`.
    fn waiting(&self, waiting: &Waiting) -> Named<Waiting> {
        let name = match waiting {
            Waiting::Lock(lock) => self.object_name(*lock).into_owned(),
            Waiting::Condvar { condvar, .. } => {
                format!("a notify on {}", self.object_name(*condvar))
            }
            Waiting::Join(child) => format!("{} to finish", self.thread_name(*child)),
            Waiting::Switch => "a switch back to it".to_owned(),
        };
        Named {
            id: waiting.clone(),
            name,
        }
    }

    /// Blocked threads that wait for one another in a ring, in order: each waits for a lock the
    /// next one holds, and the last for one the first holds. A thread waiting for a lock it holds
    /// itself is a ring of one. Empty when no such ring exists (a lost wake-up, say).
    pub fn deadlock_cycle(&self) -> Vec<&Blocked> {
        let holder_of = |lock: ObjId| self.blocked.iter().position(|b| b.holds_lock(lock));
        for start in 0..self.blocked.len() {
            let mut path = vec![start];
            while let Some(next) = self.blocked[*path.last().expect("path starts non-empty")]
                .lock_wanted()
                .and_then(holder_of)
            {
                if let Some(at) = path.iter().position(|&p| p == next) {
                    return path[at..].iter().map(|&i| &self.blocked[i]).collect();
                }
                path.push(next);
            }
        }
        Vec::new()
    }

    /// Blocked threads (or tasks) each waiting for the next to finish, and the last for the
    /// first: tasks awaiting each other's results. Empty when no such ring exists.
    pub fn join_ring(&self) -> Vec<&Blocked> {
        let blocked_thread = |thread: Tid| self.blocked.iter().position(|b| b.thread.id == thread);
        for start in 0..self.blocked.len() {
            let mut path = vec![start];
            while let Waiting::Join(child) = self.blocked[*path.last().expect("never empty")]
                .waits_for
                .id
                && let Some(next) = blocked_thread(child)
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
                .join_ring_explanation()
                .or_else(|| self.missing_switch_explanation())
                .or_else(|| self.missing_notify_explanation()),
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

    /// `deadlock: A waits for B to finish, which waits for A to finish`.
    fn join_ring_explanation(&self) -> Option<String> {
        let ring = self.join_ring();
        let (first, rest) = ring.split_first()?;
        let mut text = format!("deadlock: {} waits for {}", first.thread, first.waits_for);
        for blocked in rest {
            text += &format!(", which waits for {}", blocked.waits_for);
        }
        Some(text)
    }

    /// A thread waiting on a condvar for a notify that no thread is left to send; a lost wake-up
    /// when the last notify on it came before the wait.
    fn missing_notify_explanation(&self) -> Option<String> {
        let (blocked, condvar, timed) = self.blocked.iter().find_map(|b| match b.waits_for.id {
            Waiting::Condvar { condvar, timed, .. } => Some((b, condvar, timed)),
            _ => None,
        })?;
        let with_timeout = if timed { " (with a timeout)" } else { "" };
        let head = format!(
            "deadlock: {} waits{with_timeout} for {} that never comes",
            blocked.thread, blocked.waits_for
        );
        let notified =
            |action: &Action| matches!(action, Action::Notify { condvar: c, .. } if *c == condvar);
        let waited =
            |action: &Action| matches!(action, Action::Wait { condvar: c, .. } if *c == condvar);
        let wait = self
            .events
            .iter()
            .rposition(|e| e.thread == blocked.thread.id && waited(&e.action));
        let notify = self.events.iter().rposition(|e| notified(&e.action));
        Some(match (notify, wait) {
            (Some(notify), Some(wait)) if notify < wait => format!(
                "{head}: the last notify on {} (step {}, by {}) came before {} waited (step {}): a lost wake-up",
                self.object_name(condvar),
                notify + 1,
                self.thread_name(self.events[notify].thread),
                blocked.thread,
                wait + 1
            ),
            _ => {
                format!("{head} (no thread is left to send it: a lost wake-up or a missing notify)")
            }
        })
    }

    /// A greenlet suspended in a switch that no greenlet is left to make, and who waits on it.
    fn missing_switch_explanation(&self) -> Option<String> {
        let suspended = self
            .blocked
            .iter()
            .find(|b| b.waits_for.id == Waiting::Switch)?;
        let mut text = format!(
            "deadlock: {} waits for a switch back to it that never comes (every other greenlet has finished or waits itself: a missing switch back)",
            suspended.thread
        );
        for other in self.blocked.iter().filter(|b| b.thread != suspended.thread) {
            text += &format!("; {} waits for {}", other.thread, other.waits_for);
        }
        Some(text)
    }
}

struct State {
    trace: Trace,
    /// Who holds each lock, and how many times (a reentrant lock's count).
    holders: HashMap<ObjId, (Tid, usize)>,
    waiting: BTreeMap<Tid, Waiting>,
    writes: HashMap<ObjId, Vec<Write>>,
    reads: HashMap<(Tid, ObjId), (usize, usize)>,
    /// The first lost update of each variable, in the order they happened.
    lost_updates: Vec<LostUpdate>,
    /// Locks some thread called `try_lock` on.
    try_locked: BTreeSet<ObjId>,
    /// Locks some thread released right after taking them, with nothing recorded between.
    bare_sections: BTreeSet<ObjId>,
    threads_named: usize,
    /// Threads and tasks started in this execution, by any spawn path ([`count_spawn`]).
    spawned: usize,
}

impl Default for State {
    fn default() -> Self {
        State {
            trace: Trace {
                threads: vec!["main".to_owned()],
                ..Trace::default()
            },
            holders: HashMap::new(),
            waiting: BTreeMap::new(),
            writes: HashMap::new(),
            reads: HashMap::new(),
            lost_updates: Vec::new(),
            try_locked: BTreeSet::new(),
            bare_sections: BTreeSet::new(),
            threads_named: 0,
            spawned: 0,
        }
    }
}

struct Write {
    event: Option<usize>,
    thread: Tid,
    read_event: Option<usize>,
}

/// Records one execution at a time into a [`Trace`]: [`install`] it, run the execution, take a
/// [`Recorder::snapshot`], [`Recorder::reset`] it for the next.
#[derive(Default)]
pub struct Recorder {
    state: Mutex<State>,
    /// Set at the first panic: what came after (unwinding, teardown) is not the execution.
    frozen: AtomicBool,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("frozen", &self.frozen.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Recorder>>> = const { RefCell::new(None) };
}

/// Makes `recorder` the one the facade records into on this OS thread.
pub fn install(recorder: Option<Arc<Recorder>>) {
    CURRENT.with(|current| *current.borrow_mut() = recorder);
}

/// The recorder installed on this OS thread, if any (a thread the facade spawns installs it too).
pub fn current() -> Option<Arc<Recorder>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Whether facade operations on this OS thread are being recorded.
pub fn recording() -> bool {
    CURRENT.with(|current| {
        current
            .borrow()
            .as_ref()
            .is_some_and(|recorder| !recorder.frozen.load(Ordering::SeqCst))
    })
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
    fn push(
        &mut self,
        thread: Tid,
        action: Action,
        at: Option<&'static Location<'static>>,
    ) -> Option<usize> {
        if self.trace.events.len() >= MAX_EVENTS {
            self.trace.events_dropped += 1;
            return None;
        }
        self.trace.events.push(Event { thread, action, at });
        Some(self.trace.events.len() - 1)
    }

    fn acquire(&mut self, thread: Tid, lock: ObjId) {
        self.waiting.remove(&thread);
        self.holders.entry(lock).or_insert((thread, 0)).1 += 1;
    }

    fn release(&mut self, lock: ObjId) {
        if let Some((_, depth)) = self.holders.get_mut(&lock) {
            *depth -= 1;
            if *depth == 0 {
                self.holders.remove(&lock);
            }
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

    /// The locks of this execution that a `try_lock` was called on, and those some thread held
    /// with nothing recorded between taking and releasing them (a section loom never
    /// interrupts: see [`crate::runtime::sight::BlindSpot::BusyLockForTryLock`]).
    pub fn lock_sections(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        let state = crate::util::lock_unpoisoned(&self.state);
        let named = |locks: &BTreeSet<ObjId>| {
            locks
                .iter()
                .map(|&lock| format!("`{}`", state.trace.object_name(lock)))
                .collect()
        };
        (named(&state.try_locked), named(&state.bare_sections))
    }

    /// Stops recording: the execution failed here.
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    /// The execution so far, with who is blocked on what right now (in name order).
    pub fn snapshot(&self) -> Trace {
        let state = crate::util::lock_unpoisoned(&self.state);
        let mut trace = state.trace.clone();
        let mut blocked: Vec<Blocked> = state
            .waiting
            .iter()
            .map(|(&thread, waiting)| {
                let mut holds: Vec<Named<ObjId>> = state
                    .holders
                    .iter()
                    .filter(|(_, (holder, _))| *holder == thread)
                    .map(|(&lock, _)| trace.object(lock))
                    .collect();
                holds.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
                Blocked {
                    thread: trace.thread(thread),
                    holds,
                    waits_for: trace.waiting(waiting),
                }
            })
            .collect();
        blocked.sort_by(|a, b| (&a.thread.name, a.thread.id).cmp(&(&b.thread.name, b.thread.id)));
        trace.blocked = blocked;
        trace.lost_update = state
            .lost_updates
            .iter()
            .find(|lost| lost.explains(&trace.events))
            .cloned();
        trace
    }
}

/// Records `action`, done by `thread`, as called from the facade's caller.
#[track_caller]
pub fn record(thread: Tid, action: Action) {
    record_at(thread, action, caller());
}

/// Records `action` as called from `at` (see [`here`]).
pub fn record_at(thread: Tid, action: Action, at: Option<&'static Location<'static>>) {
    with_state(|state| {
        state.push(thread, action, at);
    });
}

/// Names a new object of this execution.
pub fn register(name: String) -> ObjId {
    with_state(|state| {
        state.trace.objects.push(name);
        state.trace.objects.len() - 1
    })
}

/// The name of an object of this execution (see [`Trace::object_name`]); empty when nothing
/// records.
pub fn object_name(object: ObjId) -> String {
    with_state(|state| state.trace.object_name(object).into_owned())
}

/// Starts a facade object's `Debug`: its id and its name in this execution (empty when nothing
/// records). Never its value: reading that would be a step of the model.
pub(crate) fn debug_object<'a, 'b: 'a>(
    f: &'a mut fmt::Formatter<'b>,
    kind: &str,
    id: ObjId,
) -> fmt::DebugStruct<'a, 'b> {
    let mut out = f.debug_struct(kind);
    out.field("id", &id).field("name", &object_name(id));
    out
}

/// A new thread of this execution, named `name`; `None` when nothing records.
pub fn register_thread(name: String) -> Option<Tid> {
    with_state(|state| {
        state.trace.threads.push(name);
        Some(Tid(state.trace.threads.len() - 1))
    })
}

/// The name of a thread of this execution (see [`Trace::thread_name`]); empty when nothing
/// records.
pub fn thread_name(thread: Tid) -> String {
    with_state(|state| state.trace.thread_name(thread).into_owned())
}

/// The number of the next unnamed thread of this execution: 1, 2, ...
pub fn next_thread_number() -> usize {
    let number = with_state(|state| {
        state.threads_named += 1;
        state.threads_named
    });
    number.max(1)
}

/// `thread` is about to block on `waiting`: until [`end_wait`] (or an [`acquired`]), a
/// snapshot lists it as blocked.
pub fn begin_wait(thread: Tid, waiting: Waiting) {
    with_state(|state| {
        state.waiting.insert(thread, waiting);
    });
}

/// `thread` no longer waits (see [`begin_wait`]).
pub fn end_wait(thread: Tid) {
    with_state(|state| {
        state.waiting.remove(&thread);
    });
}

/// `thread` now holds `lock` (once more, for a reentrant lock).
#[track_caller]
pub fn acquired(thread: Tid, lock: ObjId) {
    let at = caller();
    with_state(|state| {
        state.acquire(thread, lock);
        state.push(thread, Action::Acquire { lock }, at);
    });
}

/// `thread` gave up one hold of `lock`.
#[track_caller]
pub fn released(thread: Tid, lock: ObjId) {
    let at = caller();
    with_state(|state| {
        state.release(lock);
        let last_of_thread = state
            .trace
            .events
            .iter()
            .rev()
            .find(|event| event.thread == thread);
        if matches!(last_of_thread, Some(Event { action: Action::Acquire { lock: taken }, .. }) if *taken == lock)
        {
            state.bare_sections.insert(lock);
        }
        state.push(thread, Action::Release { lock }, at);
    });
}

/// `thread` called `try_lock` on `lock` (whether it got it or not).
pub fn try_lock_called(lock: ObjId) {
    with_state(|state| {
        state.try_locked.insert(lock);
    });
}

/// A condvar wait gives the lock up; its own event says so.
pub fn released_silently(lock: ObjId) {
    with_state(|state| state.release(lock));
}

/// A condvar wait takes the lock back; its own event says so.
pub fn acquired_silently(thread: Tid, lock: ObjId) {
    with_state(|state| state.acquire(thread, lock));
}

/// `thread` read `value` from `var`; a write it computes next is checked against this read.
#[track_caller]
pub fn read(thread: Tid, var: ObjId, value: String) {
    let at = caller();
    with_state(|state| {
        let version = state.writes.get(&var).map_or(0, Vec::len);
        if let Some(event) = state.push(thread, Action::Read { var, value }, at) {
            state.reads.insert((thread, var), (version, event));
        }
    });
}

/// Records a write; a write computed from a read that another thread's write has since
/// overtaken is the first lost update of the execution.
#[track_caller]
pub fn write(thread: Tid, var: ObjId, value: String) {
    let at = caller();
    with_state(|state| {
        let event = state.push(thread, Action::Write { var, value }, at);
        let read = state.reads.remove(&(thread, var));
        let writes = state.writes.entry(var).or_default();
        let first_of_var = !state.lost_updates.iter().any(|lost| lost.var.id == var);
        if let (true, Some((version, read_event))) = (first_of_var, read)
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
            state.lost_updates.push(LostUpdate {
                var: state.trace.object(var),
                overwritten: state.trace.thread(overtaking.thread),
                stale: state.trace.thread(thread),
                events,
            });
        }
        writes.push(Write {
            event,
            thread,
            read_event: read.map(|(_, e)| e),
        });
    });
}

/// An indivisible read-modify-write: it overtakes other threads' reads but is never stale itself.
#[track_caller]
pub fn update(thread: Tid, var: ObjId, value: String) {
    let at = caller();
    with_state(|state| {
        let event = state.push(thread, Action::Write { var, value }, at);
        state.reads.remove(&(thread, var));
        state.writes.entry(var).or_default().push(Write {
            event,
            thread,
            read_event: None,
        });
    });
}

/// A line `thread` printed: into the output and the timeline.
#[track_caller]
pub fn printed(thread: Tid, line: String) {
    let at = caller();
    with_state(|state| {
        state.trace.output.push(line.clone());
        state.push(thread, Action::Print { line }, at);
    });
}
