//! What the threads of a property program did to the queue, each call with the moments it was
//! made and returned, and the two judgements made of it: whether a sequential FIFO of the same
//! `maxsize` explains every result (linearizability), and whether the queue was ever seen holding
//! more than `maxsize` items.
//!
//! The moments come from a plain counter, not from the facade: reading it is no scheduling point,
//! so it adds nothing to the search and nothing to the timeline. Under the checkers one thread
//! runs at a time, so the counter's order is the order the execution ran in; natively it is read
//! with `SeqCst` before the call and after the return, so a call that returned before another
//! was made has the smaller number.

use super::{BoundedQueue, Empty, Full};
use crate::runtime::Runtime;
use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// How a `put` or `get` was asked to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// `block=True, timeout=None`: waits as long as it takes.
    Block,
    /// `block=True` with a timeout: may give up.
    Timeout(Duration),
    /// `put_nowait` / `get_nowait`.
    Nowait,
}

/// One call and what it returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `put` of the item, waiting as [`How`] says, and what it returned.
    Put(usize, How, Result<(), Full<usize>>),
    /// `get`, waiting as [`How`] says, and what it returned: the item, or `Empty`.
    Get(How, Result<usize, Empty>),
    /// `qsize()`, and the size it returned.
    Qsize(usize),
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::Put(item, How::Block, _) => write!(f, "put({item}, block=True)")?,
            Call::Put(item, How::Timeout(t), _) => {
                write!(f, "put({item}, block=True, timeout={})", t.as_secs_f64())?
            }
            Call::Put(item, How::Nowait, _) => write!(f, "put_nowait({item})")?,
            Call::Get(How::Block, _) => write!(f, "get(block=True)")?,
            Call::Get(How::Timeout(t), _) => {
                write!(f, "get(block=True, timeout={})", t.as_secs_f64())?
            }
            Call::Get(How::Nowait, _) => write!(f, "get_nowait()")?,
            Call::Qsize(_) => write!(f, "qsize()")?,
        }
        match self {
            Call::Put(_, _, Ok(())) => write!(f, " -> ok"),
            Call::Put(_, _, Err(Full(back))) => write!(f, " -> Full({back})"),
            Call::Get(_, Ok(item)) => write!(f, " -> {item}"),
            Call::Get(_, Err(Empty)) => write!(f, " -> Empty"),
            Call::Qsize(n) => write!(f, " -> {n}"),
        }
    }
}

/// A call, who made it, and when: made at `called`, returned at `returned` (the counter's values).
#[derive(Clone, Debug)]
pub struct Op {
    /// The name of the thread that made it (`producer 0`, `main`).
    pub who: String,
    /// The call and its result.
    pub call: Call,
    /// The counter's value just before the call was made.
    pub called: usize,
    /// The counter's value just after it returned: always above `called`.
    pub returned: usize,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({}..{})",
            self.who, self.call, self.called, self.returned
        )
    }
}

/// A thread's view of the queue: every call it makes through it is recorded.
pub struct Recorder<R: Runtime, Q: BoundedQueue<R>> {
    queue: Arc<Q>,
    clock: Arc<AtomicUsize>,
    who: String,
    ops: Vec<Op>,
    runtime: std::marker::PhantomData<R>,
}

/// Whose it is and what it has recorded so far; not the queue, which may not be `Debug`.
impl<R: Runtime, Q: BoundedQueue<R>> fmt::Debug for Recorder<R, Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("who", &self.who)
            .field("ops", &self.ops)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime, Q: BoundedQueue<R>> Recorder<R, Q> {
    /// A recorder for the thread `who`; the first one makes the clock, the others share it
    /// ([`Recorder::another`]).
    pub fn new(queue: Arc<Q>, who: impl Into<String>) -> Self {
        Recorder {
            queue,
            clock: Arc::new(AtomicUsize::new(0)),
            who: who.into(),
            ops: Vec::new(),
            runtime: std::marker::PhantomData,
        }
    }

    /// A recorder for another thread, on the same queue and clock.
    pub fn another(&self, who: impl Into<String>) -> Self {
        Recorder {
            queue: self.queue.clone(),
            clock: self.clock.clone(),
            who: who.into(),
            ops: Vec::new(),
            runtime: std::marker::PhantomData,
        }
    }

    fn record(&mut self, call: impl FnOnce(&Q) -> Call) -> Call {
        let called = self.clock.fetch_add(1, Ordering::SeqCst);
        let call = call(&self.queue);
        let returned = self.clock.fetch_add(1, Ordering::SeqCst);
        self.ops.push(Op {
            who: self.who.clone(),
            call: call.clone(),
            called,
            returned,
        });
        call
    }

    /// Puts `item`, waiting `how`, and records the call.
    pub fn put(&mut self, item: usize, how: How) -> Result<(), Full<usize>> {
        let call = self.record(|queue| {
            let result = match how {
                How::Block => queue.put(item, true, None),
                How::Timeout(timeout) => queue.put(item, true, Some(timeout)),
                How::Nowait => queue.put_nowait(item),
            };
            Call::Put(item, how, result)
        });
        match call {
            Call::Put(_, _, result) => result,
            _ => unreachable!("a put records a put"),
        }
    }

    /// Gets an item, waiting `how`, and records the call.
    pub fn get(&mut self, how: How) -> Result<usize, Empty> {
        let call = self.record(|queue| {
            let result = match how {
                How::Block => queue.get(true, None),
                How::Timeout(timeout) => queue.get(true, Some(timeout)),
                How::Nowait => queue.get_nowait(),
            };
            Call::Get(how, result)
        });
        match call {
            Call::Get(_, result) => result,
            _ => unreachable!("a get records a get"),
        }
    }

    /// Asks the queue's size, and records the call.
    pub fn qsize(&mut self) -> usize {
        match self.record(|queue| Call::Qsize(queue.qsize())) {
            Call::Qsize(n) => n,
            _ => unreachable!("a qsize records a qsize"),
        }
    }

    /// Every call this thread made, in order.
    pub fn into_ops(self) -> Vec<Op> {
        self.ops
    }
}

/// The history on one line (a failure's message is one line), in the order the calls were made.
pub fn listing(history: &[Op]) -> String {
    let mut ops: Vec<&Op> = history.iter().collect();
    ops.sort_by_key(|op| op.called);
    let calls: Vec<String> = ops.iter().map(|op| op.to_string()).collect();
    format!("the calls (made..returned): {}", calls.join("; "))
}

/// Results no queue may ever give, whatever the other threads did: said plainly, before any
/// search for an order.
fn impossible_result(op: &Op, maxsize: usize) -> Option<String> {
    match &op.call {
        Call::Get(How::Block, Err(Empty)) => Some(format!(
            "{}'s get(block=True) returned Empty: without a timeout, a blocking get waits until \
             there is an item",
            op.who
        )),
        Call::Put(_, How::Block, Err(Full(_))) => Some(format!(
            "{}'s put(block=True) returned Full: without a timeout, a blocking put waits until \
             there is room",
            op.who
        )),
        Call::Put(item, _, Err(Full(back))) if back != item => Some(format!(
            "{}'s put of {item} returned Full({back}): Full gives back the item that did not go in",
            op.who
        )),
        Call::Put(_, _, Err(Full(_))) if maxsize == 0 => Some(format!(
            "{}'s put returned Full on a queue of maxsize 0, which is unbounded",
            op.who
        )),
        _ => None,
    }
}

/// The sequential queue's answer to `op` in `state`, and the state after it; `None` when a
/// sequential FIFO of `maxsize` could not have answered so.
fn apply(state: &VecDeque<usize>, op: &Op, maxsize: usize) -> Option<VecDeque<usize>> {
    let full = maxsize > 0 && state.len() >= maxsize;
    let mut next = state.clone();
    match &op.call {
        Call::Put(item, _, Ok(())) => {
            if full {
                return None;
            }
            next.push_back(*item);
        }
        Call::Put(_, How::Block, Err(_)) => return None,
        Call::Put(_, _, Err(_)) => {
            if !full {
                return None;
            }
        }
        Call::Get(_, Ok(item)) => {
            if next.pop_front() != Some(*item) {
                return None;
            }
        }
        Call::Get(How::Block, Err(Empty)) => return None,
        Call::Get(_, Err(Empty)) => {
            if !state.is_empty() {
                return None;
            }
        }
        Call::Qsize(n) => {
            if *n != state.len() {
                return None;
            }
        }
    }
    Some(next)
}

/// Whether the calls not yet in `done` can be put in an order that respects real time (a call
/// that returned before another was made comes first) and that a sequential FIFO of `maxsize`,
/// starting from `state`, answers exactly as the queue did. Wing and Gong's search: at each step
/// any call made before every remaining call returned may take effect next.
fn explained(
    history: &[Op],
    done: u64,
    state: &VecDeque<usize>,
    maxsize: usize,
    dead_ends: &mut HashSet<(u64, VecDeque<usize>)>,
) -> bool {
    if done.count_ones() as usize == history.len() {
        return true;
    }
    if dead_ends.contains(&(done, state.clone())) {
        return false;
    }
    let left = || (0..history.len()).filter(move |&i| done & (1 << i) == 0);
    let first_return = left()
        .map(|i| history[i].returned)
        .min()
        .expect("a call is left");
    let found = left()
        .filter(|&i| history[i].called < first_return)
        .any(|i| match apply(state, &history[i], maxsize) {
            Some(next) => explained(history, done | (1 << i), &next, maxsize, dead_ends),
            None => false,
        });
    if !found {
        dead_ends.insert((done, state.clone()));
    }
    found
}

/// Panics (the `linearizable` property's failure) unless a sequential FIFO of `maxsize` explains
/// every call of `history`.
pub fn assert_linearizable(history: &[Op], maxsize: usize) {
    assert_explained(history, maxsize, "linearizable");
}

/// Panics, its message beginning with `property`, unless a sequential FIFO of `maxsize` explains
/// every call of `history` (the check [`assert_linearizable`] makes, for another property).
pub fn assert_explained(history: &[Op], maxsize: usize, property: &str) {
    assert!(history.len() <= 64, "a property program makes few calls");
    if let Some(why) = history.iter().find_map(|op| impossible_result(op, maxsize)) {
        panic!("{property}: {why}; {}", listing(history));
    }
    assert!(
        explained(history, 0, &VecDeque::new(), maxsize, &mut HashSet::new()),
        "{property}: no FIFO queue of maxsize {maxsize} answers as this queue did, each call \
         taking effect at one instant between the moment it was made and the moment it \
         returned; {}",
        listing(history)
    );
}

/// Panics (the `capacity` property's failure) if the queue was seen holding more than `maxsize`
/// items: a `qsize()` above it, or, at the moment a `put` returned, more `put`s returned than
/// successful `get`s made.
pub fn assert_within_capacity(history: &[Op], maxsize: usize) {
    let fail = |why: String| -> ! {
        panic!(
            "capacity: {why}, in a queue of maxsize {maxsize}; {}",
            listing(history)
        )
    };
    if maxsize == 0 {
        return;
    }
    if let Some(op) = history
        .iter()
        .find(|op| matches!(op.call, Call::Qsize(n) if n > maxsize))
    {
        fail(format!("{} saw {}", op.who, op.call));
    }
    for op in history {
        let Call::Put(item, _, Ok(())) = op.call else {
            continue;
        };
        let puts = history
            .iter()
            .filter(|p| matches!(p.call, Call::Put(_, _, Ok(()))) && p.returned <= op.returned)
            .count();
        let gets = history
            .iter()
            .filter(|g| matches!(g.call, Call::Get(_, Ok(_))) && g.called < op.returned)
            .count();
        if puts > gets + maxsize {
            fail(format!(
                "when {}'s put({item}) returned, {puts} puts had returned and only {gets} gets \
                 had been made: {} items in the queue",
                op.who,
                puts - gets
            ));
        }
    }
}
