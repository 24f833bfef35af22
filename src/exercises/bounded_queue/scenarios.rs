//! The lesson `queue`'s programs that are also the exercise's properties, over any
//! [`BoundedQueue`]: the lesson runs them over its own queues (correct and broken), the exercise
//! over a student's.

use super::{BoundedQueue, TaskDoneTooMany};
use crate::lesson::Class;
use crate::runtime::Runtime;
use crate::sync::AtomicUsize;
use crate::thread::{self, JoinHandle};
use std::fmt;
use std::sync::Arc;

/// Items each producer puts.
pub const ITEMS: usize = 2;

/// What the consumers received, judged as a whole.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Delivery {
    /// Every item exactly once, each producer's items in the order it put them.
    Intact {
        /// How many items were put (and got): `producers * ITEMS`.
        items: usize,
    },
    /// No consumer got item `item` (0 to `ITEMS - 1`) of producer `producer`.
    Lost {
        /// The producer's number, from 0.
        producer: usize,
        /// The item's number within that producer's, from 0.
        item: usize,
    },
    /// Item `item` of producer `producer` was got more than once.
    Duplicated {
        /// The producer's number, from 0.
        producer: usize,
        /// The item's number within that producer's, from 0.
        item: usize,
    },
    /// Consumer `consumer` got producer `producer`'s items in another order than they were put
    /// (or one of them twice).
    OutOfOrder {
        /// The producer's number, from 0.
        producer: usize,
        /// The consumer's number, from 0.
        consumer: usize,
    },
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delivery::Intact { items } => {
                write!(f, "all {items} items, each once, each producer's in order")
            }
            Delivery::Lost { producer, item } => {
                write!(f, "item {item} of producer {producer} lost")
            }
            Delivery::Duplicated { producer, item } => {
                write!(f, "item {item} of producer {producer} delivered twice")
            }
            Delivery::OutOfOrder { producer, consumer } => {
                write!(
                    f,
                    "consumer {consumer} got producer {producer}'s items out of order"
                )
            }
        }
    }
}

impl Delivery {
    /// How the lesson `queue` classes it.
    pub fn class(&self) -> (Class, &'static str) {
        match self {
            Delivery::Intact { .. } => (Class::Acceptable, "every item delivered once, in order"),
            Delivery::Lost { .. } => (Class::Forbidden, "an item was lost"),
            Delivery::Duplicated { .. } => (Class::Forbidden, "an item was delivered twice"),
            Delivery::OutOfOrder { .. } => {
                (Class::Forbidden, "a FIFO reordered a producer's items")
            }
        }
    }
}

/// Judges what each consumer got, from `producers` producers of [`ITEMS`] items each.
fn judge(producers: usize, received: &[Vec<(usize, usize)>]) -> Delivery {
    for (consumer, got) in received.iter().enumerate() {
        for producer in 0..producers {
            let mine: Vec<usize> = got
                .iter()
                .filter(|(p, _)| *p == producer)
                .map(|(_, i)| *i)
                .collect();
            if mine.windows(2).any(|pair| pair[0] >= pair[1]) {
                return Delivery::OutOfOrder { producer, consumer };
            }
        }
    }
    for producer in 0..producers {
        for item in 0..ITEMS {
            match received
                .iter()
                .flatten()
                .filter(|&&got| got == (producer, item))
                .count()
            {
                0 => return Delivery::Lost { producer, item },
                1 => {}
                _ => return Delivery::Duplicated { producer, item },
            }
        }
    }
    Delivery::Intact {
        items: producers * ITEMS,
    }
}

/// `threads` workers, half producers (rounded up) and the rest consumers, at least one of each,
/// over a queue of `maxsize`: producers block while it is full, consumers while it is empty.
/// (The exercise's `no-deadlock` runs it over a student's queue, the lesson's
/// `queue/producers-consumers` over its FIFO.) An item is `producer * ITEMS + item`.
pub fn producers_consumers_over<R: Runtime, Q: BoundedQueue<R>>(
    threads: usize,
    maxsize: usize,
) -> Delivery {
    let producers = threads.div_ceil(2).max(1);
    let consumers = (threads - producers.min(threads)).max(1);
    let queue = Arc::new(Q::new(maxsize));
    let putting: Vec<JoinHandle<R, ()>> = (0..producers)
        .map(|producer| {
            let queue = queue.clone();
            thread::spawn::<R, _, _>(move || {
                for item in 0..ITEMS {
                    queue
                        .put(producer * ITEMS + item, true, None)
                        .expect("a blocking put without timeout succeeds");
                }
            })
        })
        .collect();
    let total = producers * ITEMS;
    let getting: Vec<JoinHandle<R, Vec<(usize, usize)>>> = (0..consumers)
        .map(|consumer| {
            let (queue, share) = (
                queue.clone(),
                total / consumers + usize::from(consumer < total % consumers),
            );
            thread::spawn::<R, _, _>(move || {
                (0..share)
                    .map(|_| {
                        let got = queue
                            .get(true, None)
                            .expect("a blocking get without timeout succeeds");
                        (got / ITEMS, got % ITEMS)
                    })
                    .collect()
            })
        })
        .collect();
    putting.into_iter().for_each(JoinHandle::join);
    let received: Vec<_> = getting.into_iter().map(JoinHandle::join).collect();
    judge(producers, &received)
}

/// What `join` saw when it returned, and whether one `task_done` too many was refused.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct JoinSaw {
    /// How many workers had counted their item processed when `join` returned.
    pub processed: usize,
    /// How many items main put: one per worker.
    pub items: usize,
    /// Whether a `task_done` after every item was marked returned `Err(TaskDoneTooMany)`.
    pub extra_task_done_refused: bool,
}

impl fmt::Display for JoinSaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "join returned with {} of {} items processed",
            self.processed, self.items
        )?;
        if !self.extra_task_done_refused {
            write!(f, "; an extra task_done was accepted")?;
        }
        Ok(())
    }
}

impl JoinSaw {
    /// How the lesson `queue` classes it.
    pub fn class(&self) -> (Class, &'static str) {
        match self {
            JoinSaw {
                extra_task_done_refused: false,
                ..
            } => (Class::Forbidden, "task_done too many was not an error"),
            JoinSaw {
                processed, items, ..
            } if processed == items => (Class::Acceptable, "join waited for every task"),
            _ => (Class::Forbidden, "join returned before every task_done"),
        }
    }
}

/// Main puts one item per worker into an unbounded queue; each worker gets one, counts it
/// processed, marks it done; main joins. (The exercise's `join-waits-for-task-done` runs it
/// over a student's queue, the lesson's `queue/join` over its FIFO.)
pub fn join_after_task_done_over<R: Runtime, Q: BoundedQueue<R>>(workers: usize) -> JoinSaw {
    let queue = Arc::new(Q::new(0));
    let processed = Arc::new(AtomicUsize::<R>::named("processed", 0));
    let handles: Vec<JoinHandle<R, ()>> = (0..workers)
        .map(|_| {
            let (queue, processed) = (queue.clone(), processed.clone());
            thread::spawn::<R, _, _>(move || {
                queue.get(true, None).expect("a blocking get succeeds");
                processed.fetch_add(1);
                queue.task_done().expect("one task_done per item got");
            })
        })
        .collect();
    for item in 0..workers {
        queue.put(item, true, None).expect("unbounded");
    }
    queue.join();
    let seen = processed.load();
    handles.into_iter().for_each(JoinHandle::join);
    JoinSaw {
        processed: seen,
        items: workers,
        extra_task_done_refused: queue.task_done() == Err(TaskDoneTooMany),
    }
}

/// What a scenario's threads got; the bugs show as a panic or a deadlock, not as an outcome.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ThreadsGot(pub Vec<String>);

impl fmt::Display for ThreadsGot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(", "))
    }
}

/// Runs each body on a thread of its own, then joins them all: what each returned, in order.
pub fn spawn_all<R: Runtime, T: Send + 'static>(
    bodies: Vec<Box<dyn FnOnce() -> T + Send>>,
) -> Vec<T> {
    let handles: Vec<JoinHandle<R, T>> = bodies
        .into_iter()
        .map(|body| thread::spawn::<R, _, _>(body))
        .collect();
    handles.into_iter().map(JoinHandle::join).collect()
}

/// One producer puts two items into a queue of `maxsize`; two consumers get one each. (The
/// exercise's `nothing-lost-or-duplicated` runs it over a student's queue, the lesson's
/// `queue/if-not-while` and its fix over theirs.)
pub fn one_producer_two_consumers<R: Runtime, Q: BoundedQueue<R>>(maxsize: usize) -> ThreadsGot {
    let queue = Arc::new(Q::new(maxsize));
    let (q1, q2, q3) = (queue.clone(), queue.clone(), queue.clone());
    let mut got: Vec<usize> = spawn_all::<R, Vec<usize>>(vec![
        Box::new(move || {
            vec![
                q1.get(true, None)
                    .expect("a blocking get without timeout returns an item"),
            ]
        }),
        Box::new(move || {
            vec![
                q2.get(true, None)
                    .expect("a blocking get without timeout returns an item"),
            ]
        }),
        Box::new(move || {
            q3.put(1, true, None)
                .expect("a blocking put without timeout succeeds");
            q3.put(2, true, None)
                .expect("a blocking put without timeout succeeds");
            vec![]
        }),
    ])
    .concat();
    got.sort();
    ThreadsGot(got.iter().map(|item| format!("got {item}")).collect())
}
