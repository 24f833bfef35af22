//! The core queue under producers and consumers: what must hold in every interleaving.

use super::blocking::Fifo;
use crate::exercises::bounded_queue::scenarios::{
    Delivery, ITEMS, JoinSaw, join_after_task_done_over, producers_consumers_over,
};
use crate::exercises::bounded_queue::{Empty, Full};
use crate::lesson::{Class, Expect, Lesson, Params, Row};
use crate::runtime::Runtime;
use crate::thread::{self};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The core queue under threads that put, get, join and time out.
pub struct QueueProperties;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Property {
    /// Producers and consumers over one bounded FIFO: what the consumers received.
    ProducersConsumers,
    /// `join` against workers marking their items `task_done`.
    Join,
    /// A timed `get` against two timed `put`s.
    Timeout,
}

/// `threads` workers, half producers (rounded up) and the rest consumers, at least one of each,
/// over a FIFO of `maxsize` 1: producers block while it is full, consumers while it is empty.
fn producers_consumers<R: Runtime>(threads: usize) -> Delivery {
    producers_consumers_over::<R, Fifo<R, usize>>(threads, 1)
}

/// Main puts one item per worker; each worker gets one, counts it processed, marks it done.
fn join_after_task_done<R: Runtime>(workers: usize) -> JoinSaw {
    join_after_task_done_over::<R, Fifo<R, usize>>(workers)
}

/// What the two timed operations did, and how many items were left in the queue.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timed {
    pub got: Result<u32, Empty>,
    pub second_put: Result<(), Full<u32>>,
    pub left: usize,
}

impl fmt::Display for Timed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.got {
            Ok(item) => write!(f, "get got {item}")?,
            Err(_) => write!(f, "get timed out")?,
        }
        match self.second_put {
            Ok(()) => write!(f, ", second put went in")?,
            Err(_) => write!(f, ", second put timed out")?,
        }
        write!(f, ", {} left", self.left)
    }
}

impl Timed {
    /// Items are conserved: two put attempts, one get attempt. Under loom no wait ever times out
    /// (loom 0.7 has no clock), so only the first outcome appears there; shuttle shows all three.
    fn class(&self) -> (Class, &'static str) {
        let put = 1 + usize::from(self.second_put.is_ok());
        if put - usize::from(self.got.is_ok()) != self.left {
            return (Class::Forbidden, "an item appeared or vanished");
        }
        match self {
            Timed {
                got: Ok(1),
                second_put: Ok(()),
                ..
            } => (Class::Acceptable, "both waits were satisfied"),
            Timed { got: Ok(1), .. }
            | Timed {
                got: Err(Empty), ..
            } => (Class::Interesting, "a timeout fired first"),
            _ => (Class::Forbidden, "get returned an item never put first"),
        }
    }
}

/// The tutorial's unit for a timeout: 0.1 s (natively scaled, see [`crate::runtime`]).
const TUTORIAL_TIMEOUT: Duration = Duration::from_millis(100);

/// A consumer's `get(timeout)` against a producer's two `put(timeout)`s into a queue of maxsize 1.
fn timed<R: Runtime>() -> Timed {
    let queue = Arc::new(Fifo::<R, u32>::new(1));
    let consumer = {
        let queue = queue.clone();
        thread::spawn::<R, _, _>(move || queue.get(true, Some(TUTORIAL_TIMEOUT)))
    };
    let producer = {
        let queue = queue.clone();
        thread::spawn::<R, _, _>(move || {
            queue
                .put(1, true, Some(TUTORIAL_TIMEOUT))
                .expect("the queue starts empty");
            queue.put(2, true, Some(TUTORIAL_TIMEOUT))
        })
    };
    let got = consumer.join();
    let second_put = producer.join();
    Timed {
        got,
        second_put,
        left: queue.qsize(),
    }
}

/// What a property program reported.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum QueueReport {
    Delivered(Delivery),
    Joined(JoinSaw),
    Timed(Timed),
}

impl fmt::Display for QueueReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueReport::Delivered(delivery) => write!(f, "{delivery}"),
            QueueReport::Joined(saw) => write!(f, "{saw}"),
            QueueReport::Timed(timed) => write!(f, "{timed}"),
        }
    }
}

impl Lesson for QueueProperties {
    type Version = Property;
    type Outcome = QueueReport;

    fn run<R: Runtime>(property: Property, params: &Params) -> QueueReport {
        let threads = params.threads;
        match property {
            Property::ProducersConsumers => {
                QueueReport::Delivered(producers_consumers::<R>(threads))
            }
            Property::Join => QueueReport::Joined(join_after_task_done::<R>(threads)),
            Property::Timeout => QueueReport::Timed(timed::<R>()),
        }
    }

    fn classify(_: Property, outcome: &QueueReport, _: &Params) -> (Class, &'static str) {
        match outcome {
            QueueReport::Delivered(delivery) => delivery.class(),
            QueueReport::Joined(saw) => saw.class(),
            QueueReport::Timed(timed) => timed.class(),
        }
    }

    fn possible_outcomes(property: Property, params: &Params) -> Option<Vec<QueueReport>> {
        match property {
            Property::ProducersConsumers => Some(vec![QueueReport::Delivered(Delivery::Intact {
                items: params.threads.div_ceil(2).max(1) * ITEMS,
            })]),
            Property::Join => Some(vec![QueueReport::Joined(JoinSaw {
                processed: params.threads,
                items: params.threads,
                extra_task_done_refused: true,
            })]),
            Property::Timeout => None,
        }
    }
}

pub const PRODUCERS_CONSUMERS: Row<QueueProperties> = Row::new(
    "queue/producers-consumers",
    Property::ProducersConsumers,
    Expect::Holds,
    "producers and consumers over a FIFO of maxsize 1: nothing lost, duplicated or reordered",
)
.threads(4, 3)
.max_threads(16);
pub const JOIN: Row<QueueProperties> = Row::new(
    "queue/join",
    Property::Join,
    Expect::Holds,
    "join returns only after every item put is marked task_done",
)
.threads(3, 2);
pub const TIMEOUT: Row<QueueProperties> = Row::new(
    "queue/timeout",
    Property::Timeout,
    Expect::Holds,
    "get and put with a timeout return (an item, or Empty / Full) instead of hanging",
)
.max_threads(2);
