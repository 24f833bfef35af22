//! The tutorial's three demos. Each execution first runs the tutorial's code as written (one
//! thread puts three items, then gets three: the order is fixed, and asserted), then the same
//! items through one producer and one consumer thread, whose received order is the outcome.
//! Concurrently a consumer may get an item before the later ones are put, so a LIFO or priority
//! queue can hand out other orders than the tutorial shows: each is possible, none is a bug.
//!
//! The tutorial says a priority "is usually a number, but non-numbers can be compared too", and
//! shows only numbers. Two more demos put non-numeric priorities, in the order Python compares
//! them: tuples element by element (`(0, 'z') < (1, 'a') < (1, 'b')`), strings by code point, so
//! every capital comes before every small letter (`'Zebra' < 'apple' < 'banana'`). Their
//! "tutorial" order is what Python 3.11's `PriorityQueue` prints for the same puts.

use super::blocking::Queue;
use super::store::{FifoStore, LifoStore, PriorityStore, Store};
use crate::lesson::{Class, Expect, Lesson, Params, Row};
use crate::runtime::Runtime;
use crate::thread::{self, record_print};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// The lines a consumer printed, in order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConsumerPrinted(pub Vec<String>);

impl fmt::Display for ConsumerPrinted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// How the tutorial prints an item it got.
pub trait Shown {
    fn shown(&self) -> String;
}

impl Shown for &'static str {
    fn shown(&self) -> String {
        self.to_string()
    }
}

/// A `(priority, value)` pair, as Python prints a tuple.
impl Shown for (u32, &'static str) {
    fn shown(&self) -> String {
        format!("({}, '{}')", self.0, self.1)
    }
}

/// A tuple priority and its value, as Python prints them: `((1, 'a'), 'y')`.
impl Shown for ((u32, &'static str), &'static str) {
    fn shown(&self) -> String {
        let ((number, letter), value) = self;
        format!("(({number}, '{letter}'), '{value}')")
    }
}

/// A string priority and its value, as Python prints them: `('apple', 'z')`.
impl Shown for (&'static str, &'static str) {
    fn shown(&self) -> String {
        format!("('{}', '{}')", self.0, self.1)
    }
}

/// One of the tutorial's three queues with the items it puts and the order it prints.
pub trait TutorialQueue: Send + Sync + 'static {
    type Store: Store<Item: Shown>;
    /// The items, in the order the tutorial puts them.
    const ITEMS: [<Self::Store as Store>::Item; 3];
    /// The tutorial's printed output, one line per `get`.
    const TUTORIAL: [&'static str; 3];
}

pub struct FifoDemo;
pub struct LifoDemo;
pub struct PriorityDemo;

impl TutorialQueue for FifoDemo {
    type Store = FifoStore<&'static str>;
    const ITEMS: [&'static str; 3] = ["first", "second", "third"];
    const TUTORIAL: [&'static str; 3] = ["first", "second", "third"];
}

impl TutorialQueue for LifoDemo {
    type Store = LifoStore<&'static str>;
    const ITEMS: [&'static str; 3] = ["first", "second", "third"];
    const TUTORIAL: [&'static str; 3] = ["third", "second", "first"];
}

impl TutorialQueue for PriorityDemo {
    type Store = PriorityStore<u32, &'static str>;
    const ITEMS: [(u32, &'static str); 3] = [(20, "a"), (10, "b"), (30, "c")];
    const TUTORIAL: [&'static str; 3] = ["(10, 'b')", "(20, 'a')", "(30, 'c')"];
}

/// Tuple priorities: compared element by element, the first element first.
pub struct PriorityTuplesDemo;
/// String priorities: compared by code point, so `'Z'` (90) sorts before `'a'` (97).
pub struct PriorityStringsDemo;

impl TutorialQueue for PriorityTuplesDemo {
    type Store = PriorityStore<(u32, &'static str), &'static str>;
    const ITEMS: [((u32, &'static str), &'static str); 3] =
        [((1, "b"), "x"), ((1, "a"), "y"), ((0, "z"), "w")];
    const TUTORIAL: [&'static str; 3] = ["((0, 'z'), 'w')", "((1, 'a'), 'y')", "((1, 'b'), 'x')"];
}

impl TutorialQueue for PriorityStringsDemo {
    type Store = PriorityStore<&'static str, &'static str>;
    const ITEMS: [(&'static str, &'static str); 3] =
        [("banana", "x"), ("Zebra", "y"), ("apple", "z")];
    const TUTORIAL: [&'static str; 3] = ["('Zebra', 'y')", "('apple', 'z')", "('banana', 'x')"];
}

/// The tutorial's code as written: put the three items, then get and print three.
pub fn tutorial<R: Runtime, L: TutorialQueue>() -> Vec<String> {
    let queue = Queue::<R, L::Store>::new(0);
    for item in L::ITEMS {
        assert!(
            queue.put(item, true, None).is_ok(),
            "an unbounded put succeeds"
        );
    }
    (0..3)
        .map(|_| queue.get(true, None).expect("three were put").shown())
        .collect()
}

fn producer_consumer<R: Runtime, L: TutorialQueue>() -> ConsumerPrinted {
    let queue = Arc::new(Queue::<R, L::Store>::new(0));
    let producer = {
        let queue = queue.clone();
        thread::spawn_named::<R, _, _>("producer", move || {
            for item in L::ITEMS {
                assert!(
                    queue.put(item, true, None).is_ok(),
                    "an unbounded put succeeds"
                );
            }
        })
    };
    let consumer = thread::spawn_named::<R, _, _>("consumer", move || {
        let lines: Vec<String> = (0..3)
            .map(|_| queue.get(true, None).expect("a blocking get").shown())
            .collect();
        lines
            .iter()
            .for_each(|line| record_print::<R>(line.clone()));
        lines
    });
    producer.join();
    ConsumerPrinted(consumer.join())
}

/// Every order one consumer can see: all interleavings of the three puts with the three gets,
/// where a get waits while the queue is empty, replayed on a plain store.
pub fn reachable<L: TutorialQueue>() -> BTreeSet<ConsumerPrinted> {
    let mut orders = BTreeSet::new();
    for mask in 0u32..64 {
        let puts_first: Vec<bool> = (0..6).map(|bit| mask & (1 << bit) != 0).collect();
        if puts_first.iter().filter(|&&put| put).count() != 3 {
            continue;
        }
        let (mut store, mut items, mut lines) = (L::Store::new(), L::ITEMS.into_iter(), Vec::new());
        let completed = puts_first.into_iter().all(|put| match put {
            true => {
                store.push(items.next().expect("three items"));
                true
            }
            false => store.pop().map(|item| lines.push(item.shown())).is_some(),
        });
        if completed {
            orders.insert(ConsumerPrinted(lines));
        }
    }
    orders
}

/// The three demos, one per queue.
pub struct QueueDemos;

/// Which of the tutorial's queues a demo runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueKind {
    Fifo,
    Lifo,
    Priority,
    PriorityTuples,
    PriorityStrings,
}

/// One demo: the tutorial's code, its order asserted, then one producer and one consumer.
fn demo<R: Runtime, L: TutorialQueue>(id: &str) -> ConsumerPrinted {
    let printed = tutorial::<R, L>();
    assert_eq!(
        printed,
        L::TUTORIAL,
        "{id}: the tutorial's code printed another order"
    );
    producer_consumer::<R, L>()
}

fn classify_demo<L: TutorialQueue>(outcome: &ConsumerPrinted) -> (Class, &'static str) {
    if outcome.0 == L::TUTORIAL {
        (
            Class::Acceptable,
            "the tutorial's order (Python's, for non-numeric priorities)",
        )
    } else if reachable::<L>().contains(outcome) {
        (Class::Interesting, "the consumer got ahead of the producer")
    } else {
        (Class::Forbidden, "an order no interleaving allows")
    }
}

impl Lesson for QueueDemos {
    type Version = QueueKind;
    type Outcome = ConsumerPrinted;

    fn run<R: Runtime>(kind: QueueKind, _: &Params) -> ConsumerPrinted {
        match kind {
            QueueKind::Fifo => demo::<R, FifoDemo>(FIFO.id),
            QueueKind::Lifo => demo::<R, LifoDemo>(LIFO.id),
            QueueKind::Priority => demo::<R, PriorityDemo>(PRIORITY.id),
            QueueKind::PriorityTuples => demo::<R, PriorityTuplesDemo>(PRIORITY_TUPLES.id),
            QueueKind::PriorityStrings => demo::<R, PriorityStringsDemo>(PRIORITY_STRINGS.id),
        }
    }

    fn classify(kind: QueueKind, outcome: &ConsumerPrinted, _: &Params) -> (Class, &'static str) {
        match kind {
            QueueKind::Fifo => classify_demo::<FifoDemo>(outcome),
            QueueKind::Lifo => classify_demo::<LifoDemo>(outcome),
            QueueKind::Priority => classify_demo::<PriorityDemo>(outcome),
            QueueKind::PriorityTuples => classify_demo::<PriorityTuplesDemo>(outcome),
            QueueKind::PriorityStrings => classify_demo::<PriorityStringsDemo>(outcome),
        }
    }

    fn possible_outcomes(kind: QueueKind, _: &Params) -> Option<Vec<ConsumerPrinted>> {
        let orders = match kind {
            QueueKind::Fifo => reachable::<FifoDemo>(),
            QueueKind::Lifo => reachable::<LifoDemo>(),
            QueueKind::Priority => reachable::<PriorityDemo>(),
            QueueKind::PriorityTuples => reachable::<PriorityTuplesDemo>(),
            QueueKind::PriorityStrings => reachable::<PriorityStringsDemo>(),
        };
        Some(orders.into_iter().collect())
    }
}

pub const FIFO: Row<QueueDemos> = Row::new(
    "queue/fifo",
    QueueKind::Fifo,
    Expect::Holds,
    "queue.Queue: first in, first out (tutorial 5)",
)
.max_threads(2);
pub const LIFO: Row<QueueDemos> = Row::new(
    "queue/lifo",
    QueueKind::Lifo,
    Expect::Holds,
    "queue.LifoQueue: last in, first out (tutorial 5)",
)
.max_threads(2);
pub const PRIORITY: Row<QueueDemos> = Row::new(
    "queue/priority",
    QueueKind::Priority,
    Expect::Holds,
    "queue.PriorityQueue: smallest priority first (tutorial 5)",
)
.max_threads(2);
pub const PRIORITY_TUPLES: Row<QueueDemos> = Row::new(
    "queue/priority-tuples",
    QueueKind::PriorityTuples,
    Expect::Holds,
    "PriorityQueue with tuple priorities: compared element by element, as Python compares tuples",
)
.max_threads(2);
pub const PRIORITY_STRINGS: Row<QueueDemos> = Row::new(
    "queue/priority-strings",
    QueueKind::PriorityStrings,
    Expect::Holds,
    "PriorityQueue with string priorities: by code point, so 'Zebra' < 'apple' < 'banana'",
)
.max_threads(2);
