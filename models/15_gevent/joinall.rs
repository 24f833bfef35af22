//! # gevent/joinall (tutorial 三.3): spawn, `joinall`, then each `.value`
//!
//! The tutorial spawns greenlets that sleep for different times and waits for them all with
//! `gevent.joinall([g1, g2, ...])`, then reads each `g.value`. Here three tasks sleep 3, 1 and 2
//! of the tutorial's seconds and return that number; main joins them all and collects the values.
//! Two things are observed: the order the tasks finished in, and the values in spawn order.
//!
//! The claim: whatever order the tasks finish in, `joinall` hands back the values in the order
//! of the handles. A value out of spawn order is forbidden, and never happens.
//!
//! - shuttle and loom have no clock: a sleep is a switch point and nothing more, so every finish
//!   order the scheduler allows occurs. loom finds exactly the 3! = 6 orders, each with the
//!   values `3, 1, 2`.
//! - natively the sleeps order the finish, shortest first: task 2, then 3, then 1.

use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use crate::task::{self, SharedCell};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Each task's sleep, in the tutorial's seconds, in spawn order.
pub const SLEEPS: [u64; 3] = [3, 1, 2];

/// Tasks (numbered from 1 in spawn order) in the order they finished, and the values `joinall`
/// collected, in spawn order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finished {
    pub order: Vec<usize>,
    pub values: Vec<u64>,
}

impl fmt::Display for Finished {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |items: &[String]| items.join(" ");
        let order: Vec<String> = self.order.iter().map(|t| format!("g{t}")).collect();
        let values: Vec<String> = self.values.iter().map(u64::to_string).collect();
        write!(f, "finished {}; values {}", list(&order), list(&values))
    }
}

/// What one task returns: its value, and how many tasks had finished before it.
#[derive(Clone, Copy, Debug)]
struct Done {
    value: u64,
    position: usize,
}

/// The tutorial's spawn of sleeping tasks and `joinall`.
pub struct JoinAll;

impl Lesson for JoinAll {
    type Version = ();
    type Outcome = Finished;
    // The tutorial's three sleeps; loom allows 4 tasks besides main.
    const THREADS: Threads = Threads::same(3);

    fn run<R: Runtime>(_: (), params: &Params) -> Finished {
        let finished = Arc::new(SharedCell::<R, usize>::named("finished", 0));
        let sleeps = &SLEEPS[..params.threads];
        task::block_on::<R, _>(async move {
            let handles = sleeps
                .iter()
                .map(|&seconds| {
                    let finished = finished.clone();
                    task::spawn::<R, _>(async move {
                        task::sleep::<R>(Duration::from_secs(seconds)).await;
                        // No await between the read and the write: one step.
                        let position = finished.load();
                        finished.store(position + 1);
                        Done {
                            value: seconds,
                            position,
                        }
                    })
                })
                .collect();
            let done = task::join_all(handles).await;
            let mut order: Vec<usize> = (1..=done.len()).collect();
            order.sort_by_key(|&t| done[t - 1].position);
            Finished {
                order,
                values: done.iter().map(|d| d.value).collect(),
            }
        })
    }

    fn classify(_: (), outcome: &Finished, params: &Params) -> (Class, &'static str) {
        if outcome.values == SLEEPS[..params.threads] {
            (
                Class::Acceptable,
                "values in spawn order, whatever the finish order",
            )
        } else {
            (Class::Forbidden, "a value out of spawn order")
        }
    }

    /// Every finish order, each with the values in spawn order.
    fn possible_outcomes(_: (), params: &Params) -> Option<Vec<Finished>> {
        let values = SLEEPS[..params.threads].to_vec();
        let orders = permutations(&(1..=params.threads).collect::<Vec<_>>());
        Some(
            orders
                .into_iter()
                .map(|order| Finished {
                    order,
                    values: values.clone(),
                })
                .collect(),
        )
    }
}

fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut all = Vec::new();
    for (i, &first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            all.push(tail);
        }
    }
    all
}

pub const JOINALL: Row<JoinAll> = Row::new(
    "gevent/joinall",
    (),
    Expect::Holds,
    "three tasks sleep 3, 1, 2 s; joinall, then each value",
)
.max_threads(SLEEPS.len());
