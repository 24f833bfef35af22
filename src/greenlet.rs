//! Greenlets: coroutines that run only when another switches to them, passing a value, over
//! the [`crate::task`] facade (so under every backend).
//!
//! One greenlet of a [`Greenlets`] group runs at a time: [`Greenlet::switch`] hands the value
//! to the target and suspends the caller until some greenlet switches back to it, and the value
//! it then receives is what `switch` returns. A greenlet's first switch-in starts it, with the
//! value as its argument; when it returns, its value goes to the group's main greenlet (its
//! parent), whose pending `switch` returns it, as in Python's `greenlet`.
//!
//! The only point where control moves is a switch, and a switch names its target, so every
//! schedule a checker tries runs the same steps in the same order: explicit switching is
//! deterministic. What is left to find is a greenlet that waits for a switch nobody makes: it
//! waits forever, and the checkers report a deadlock naming it (`Waiting::Switch`).
//!
//! ```
//! use interleave::greenlet::Greenlets;
//! use interleave::runtime::Native;
//! use interleave::task;
//!
//! let got = task::block_on::<Native, _>(async {
//!     let group = Greenlets::<Native, i32>::new();
//!     let double = group.greenlet("double");
//!     double.run(|x| async move { x * 2 });
//!     double.switch(21).await // back when `double` returns
//! });
//! assert_eq!(got, 42);
//! ```

use crate::runtime::Runtime;
use crate::task::{self, JoinHandle};
use crate::thread::{current_tid, note};
use crate::trace::{self, Waiting};
use crate::util::lock_unpoisoned;
use std::fmt::Debug;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

/// Where a greenlet is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
    /// Created, no body yet.
    Created,
    /// Its body is a task, waiting for its first switch-in or running.
    Started,
    /// Its body returned.
    Finished,
}

/// One greenlet's mailbox: the value switched to it, and how to wake it.
struct Slot<R: Runtime, V: Send + 'static> {
    name: String,
    life: Life,
    delivered: Option<V>,
    waker: Option<Waker>,
    task: Option<JoinHandle<R, ()>>,
}

/// The greenlets of one program, the main one (index 0, the caller of [`Greenlets::new`])
/// included, and which of them runs. A std mutex guards them: greenlets take turns, so nothing
/// ever contends for it.
struct Group<R: Runtime, V: Send + 'static> {
    state: Mutex<State<R, V>>,
}

struct State<R: Runtime, V: Send + 'static> {
    slots: Vec<Slot<R, V>>,
    running: usize,
    printed: Vec<String>,
}

/// A program's greenlets, passing values of type `V`; a clone is the same group.
pub struct Greenlets<R: Runtime, V: Send + 'static> {
    group: Arc<Group<R, V>>,
}

impl<R: Runtime, V: Send + 'static> Debug for Greenlets<R, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Greenlets").finish_non_exhaustive()
    }
}

impl<R: Runtime, V: Send + 'static> Clone for Greenlets<R, V> {
    fn clone(&self) -> Self {
        Greenlets {
            group: self.group.clone(),
        }
    }
}

/// A greenlet of a group: cheap to clone, as Python code refers to `g1` and `g2` from anywhere.
pub struct Greenlet<R: Runtime, V: Send + 'static> {
    group: Arc<Group<R, V>>,
    index: usize,
}

impl<R: Runtime, V: Send + 'static> Debug for Greenlet<R, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = lock_unpoisoned(&self.group.state).slots[self.index]
            .name
            .clone();
        f.debug_struct("Greenlet")
            .field("index", &self.index)
            .field("name", &name)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime, V: Send + 'static> Clone for Greenlet<R, V> {
    fn clone(&self) -> Self {
        Greenlet {
            group: self.group.clone(),
            index: self.index,
        }
    }
}

const MAIN: usize = 0;

impl<R: Runtime, V: Debug + Send + 'static> Greenlets<R, V> {
    /// A group whose main greenlet is the caller (inside [`task::block_on`]).
    pub fn new() -> Self {
        let main = Slot {
            name: "main".to_owned(),
            life: Life::Started,
            delivered: None,
            waker: None,
            task: None,
        };
        Greenlets {
            group: Arc::new(Group {
                state: Mutex::new(State {
                    slots: vec![main],
                    running: MAIN,
                    printed: Vec::new(),
                }),
            }),
        }
    }

    /// The main greenlet: the parent every other greenlet returns to.
    pub fn main(&self) -> Greenlet<R, V> {
        Greenlet {
            group: self.group.clone(),
            index: MAIN,
        }
    }

    /// A greenlet with no body yet (Python's `greenlet(f)` is this and [`Greenlet::run`]).
    pub fn greenlet(&self, name: &str) -> Greenlet<R, V> {
        let slots = &mut lock_unpoisoned(&self.group.state).slots;
        slots.push(Slot {
            name: name.to_owned(),
            life: Life::Created,
            delivered: None,
            waker: None,
            task: None,
        });
        Greenlet {
            group: self.group.clone(),
            index: slots.len() - 1,
        }
    }
}

impl<R: Runtime, V: Send + 'static> Greenlets<R, V> {
    /// Python's `print` from a greenlet: kept in order, and in the timeline. Not a switch point.
    #[track_caller]
    pub fn print(&self, line: impl Into<String>) {
        let line = line.into();
        crate::thread::record_print::<R>(line.clone());
        lock_unpoisoned(&self.group.state).printed.push(line);
    }

    /// Every line printed so far, in order.
    pub fn printed(&self) -> Vec<String> {
        lock_unpoisoned(&self.group.state).printed.clone()
    }
}

impl<R: Runtime, V: Debug + Send + 'static> Default for Greenlets<R, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime, V: Debug + Send + 'static> Greenlet<R, V> {
    /// The name it was created with (`main` for the main greenlet).
    pub fn name(&self) -> String {
        lock_unpoisoned(&self.group.state).slots[self.index]
            .name
            .clone()
    }

    /// Gives the greenlet its body: `body(first)` runs from the first switch to it, `first` being
    /// the value switched in, and what it returns goes to the main greenlet.
    pub fn run<F, Fut>(&self, body: F)
    where
        F: FnOnce(V) -> Fut + Send + 'static,
        Fut: Future<Output = V> + Send + 'static,
    {
        let name = {
            let slots = &mut lock_unpoisoned(&self.group.state).slots;
            let slot = &mut slots[self.index];
            assert_eq!(slot.life, Life::Created, "{} already has a body", slot.name);
            slot.life = Life::Started;
            slot.name.clone()
        };
        let me = self.clone();
        let handle = task::spawn_named::<R, _>(name, async move {
            let first = me.clone().suspended().await;
            let value = body(first).await;
            me.finish(value);
        });
        lock_unpoisoned(&self.group.state).slots[self.index].task = Some(handle);
    }

    /// Python's `g.switch(value)`: hands `value` to this greenlet and suspends the caller (the
    /// running greenlet, `from`) until another switches back to it; returns the value it brings.
    #[track_caller]
    pub fn switch(&self, value: V) -> impl Future<Output = V> + Send + 'static {
        let from = self.running();
        note::<R>(format!("switch to {} with {value:?}", self.name()));
        self.deliver(value);
        from.suspended()
    }

    /// Waits until the greenlet's body has returned (the program's own wait at its end).
    pub async fn join(&self) {
        let handle = lock_unpoisoned(&self.group.state).slots[self.index]
            .task
            .take()
            .expect("a started greenlet, joined once");
        handle.join().await
    }

    /// The greenlet that holds the processor now.
    fn running(&self) -> Greenlet<R, V> {
        Greenlet {
            group: self.group.clone(),
            index: lock_unpoisoned(&self.group.state).running,
        }
    }

    fn deliver(&self, value: V) {
        let waker = {
            let mut state = lock_unpoisoned(&self.group.state);
            state.running = self.index;
            let slot = &mut state.slots[self.index];
            assert!(
                slot.life == Life::Started,
                "switch to {}, which {}",
                slot.name,
                if slot.life == Life::Finished {
                    "has finished"
                } else {
                    "has no body"
                }
            );
            slot.delivered = Some(value);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Completes with the next value switched to this greenlet.
    async fn suspended(self) -> V {
        let me = current_tid::<R>();
        let mut waiting = false;
        let value = std::future::poll_fn(|context| {
            let slot = &mut lock_unpoisoned(&self.group.state).slots[self.index];
            match slot.delivered.take() {
                Some(value) => Poll::Ready(value),
                None => {
                    slot.waker = Some(context.waker().clone());
                    if let Some(me) = me
                        && !waiting
                    {
                        trace::begin_wait(me, Waiting::Switch);
                        waiting = true;
                    }
                    Poll::Pending
                }
            }
        })
        .await;
        if let Some(me) = me
            && waiting
        {
            trace::end_wait(me);
        }
        value
    }

    /// The body returned: the greenlet is dead and its value goes to its parent, main.
    fn finish(&self, value: V) {
        lock_unpoisoned(&self.group.state).slots[self.index].life = Life::Finished;
        Greenlet {
            group: self.group.clone(),
            index: MAIN,
        }
        .deliver(value);
    }
}
