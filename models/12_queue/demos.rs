//! The tutorial's three demos. Each execution first runs the tutorial's code as written (one
//! thread puts three items, then gets three: the order is fixed, and asserted), then the same
//! items through one producer and one consumer thread, whose received order is the outcome.
//! Concurrently a consumer may get an item before the later ones are put, so a LIFO or priority
//! queue can hand out other orders than the tutorial shows: each is possible, none is a bug.

use super::blocking::Queue;
use super::store::{FifoStore, LifoStore, PriorityStore, Store};
use crate::model::{Class, Expect, Params, Program};
use crate::runtime::Runtime;
use crate::thread::{self, current_name};
use crate::trace;
use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// The lines a consumer printed, in order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Printed(pub Vec<String>);

impl fmt::Display for Printed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// One of the tutorial's three queues with the items it puts and the order it prints.
pub trait Lesson: Send + Sync + 'static {
    type Store: Store;
    const ID: &'static str;
    const SUMMARY: &'static str;
    /// The tutorial's printed output, one line per `get`.
    const TUTORIAL: [&'static str; 3];
    fn items() -> Vec<<Self::Store as Store>::Item>;
    fn show(item: &<Self::Store as Store>::Item) -> String;
}

pub struct FifoLesson;
pub struct LifoLesson;
pub struct PriorityLesson;

impl Lesson for FifoLesson {
    type Store = FifoStore<&'static str>;
    const ID: &'static str = "queue/fifo";
    const SUMMARY: &'static str = "queue.Queue: first in, first out (tutorial 5)";
    const TUTORIAL: [&'static str; 3] = ["first", "second", "third"];
    fn items() -> Vec<&'static str> {
        vec!["first", "second", "third"]
    }
    fn show(item: &&'static str) -> String {
        item.to_string()
    }
}

impl Lesson for LifoLesson {
    type Store = LifoStore<&'static str>;
    const ID: &'static str = "queue/lifo";
    const SUMMARY: &'static str = "queue.LifoQueue: last in, first out (tutorial 5)";
    const TUTORIAL: [&'static str; 3] = ["third", "second", "first"];
    fn items() -> Vec<&'static str> {
        vec!["first", "second", "third"]
    }
    fn show(item: &&'static str) -> String {
        item.to_string()
    }
}

impl Lesson for PriorityLesson {
    type Store = PriorityStore<u32, &'static str>;
    const ID: &'static str = "queue/priority";
    const SUMMARY: &'static str = "queue.PriorityQueue: smallest priority first (tutorial 5)";
    const TUTORIAL: [&'static str; 3] = ["(10, 'b')", "(20, 'a')", "(30, 'c')"];
    fn items() -> Vec<(u32, &'static str)> {
        vec![(20, "a"), (10, "b"), (30, "c")]
    }
    fn show((priority, value): &(u32, &'static str)) -> String {
        format!("({priority}, '{value}')")
    }
}

/// The tutorial's code as written: put the three items, then get and print three.
pub fn tutorial<R: Runtime, L: Lesson>() -> Vec<String> {
    let queue = Queue::<R, L::Store>::new(0);
    for item in L::items() {
        assert!(
            queue.put(item, true, None).is_ok(),
            "an unbounded put succeeds"
        );
    }
    (0..3)
        .map(|_| L::show(&queue.get(true, None).expect("three were put")))
        .collect()
}

fn producer_consumer<R: Runtime, L: Lesson>() -> Printed {
    let queue = Arc::new(Queue::<R, L::Store>::new(0));
    let producer = {
        let queue = queue.clone();
        thread::spawn_named::<R, _, _>("producer", move || {
            for item in L::items() {
                assert!(
                    queue.put(item, true, None).is_ok(),
                    "an unbounded put succeeds"
                );
            }
        })
    };
    let consumer = thread::spawn_named::<R, _, _>("consumer", move || {
        let lines: Vec<String> = (0..3)
            .map(|_| L::show(&queue.get(true, None).expect("a blocking get")))
            .collect();
        if let Some(me) = current_name::<R>() {
            lines
                .iter()
                .for_each(|line| trace::print(&me, line.clone()));
        }
        lines
    });
    producer.join();
    Printed(consumer.join())
}

/// Every order one consumer can see: all interleavings of the three puts with the three gets,
/// where a get waits while the queue is empty, replayed on a plain store.
pub fn reachable<L: Lesson>() -> BTreeSet<Printed> {
    let mut orders = BTreeSet::new();
    for mask in 0u32..64 {
        let puts_first: Vec<bool> = (0..6).map(|bit| mask & (1 << bit) != 0).collect();
        if puts_first.iter().filter(|&&put| put).count() != 3 {
            continue;
        }
        let (mut store, mut items, mut lines) =
            (L::Store::new(), L::items().into_iter(), Vec::new());
        let completed = puts_first.into_iter().all(|put| match put {
            true => {
                store.push(items.next().expect("three items"));
                true
            }
            false => store.pop().map(|item| lines.push(L::show(&item))).is_some(),
        });
        if completed {
            orders.insert(Printed(lines));
        }
    }
    orders
}

/// A demo as a checked program.
pub struct Demo<L>(PhantomData<L>);

impl<L: Lesson> Program for Demo<L> {
    const ID: &'static str = L::ID;
    const SUMMARY: &'static str = L::SUMMARY;
    const EXPECT: Expect = Expect::Holds;
    const THREADS: usize = 2;
    const LOOM_THREADS: usize = 2;
    const MAX_THREADS: usize = 2;
    type Outcome = Printed;

    fn run<R: Runtime>(_: &Params) -> Printed {
        let printed = tutorial::<R, L>();
        assert_eq!(
            printed,
            L::TUTORIAL,
            "{}: the tutorial's code printed another order",
            L::ID
        );
        producer_consumer::<R, L>()
    }

    fn classify(outcome: &Printed, _: &Params) -> (Class, &'static str) {
        if outcome.0 == L::TUTORIAL {
            (Class::Acceptable, "the tutorial's order")
        } else if reachable::<L>().contains(outcome) {
            (Class::Interesting, "the consumer got ahead of the producer")
        } else {
            (Class::Forbidden, "an order no interleaving allows")
        }
    }

    fn possible_outcomes(_: &Params) -> Option<Vec<Printed>> {
        Some(reachable::<L>().into_iter().collect())
    }
}
