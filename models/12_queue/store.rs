//! Where the three queues differ: which item leaves first. Everything else (locking, waiting,
//! `maxsize`, `task_done`) is shared, in [`super::blocking`].

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::marker::PhantomData;

/// The order a queue keeps its items in. Only ever touched with the queue's lock held.
pub trait Store: Send + 'static {
    type Item: Send + 'static;
    fn new() -> Self;
    fn push(&mut self, item: Self::Item);
    /// The next item to leave, `None` when there is none.
    fn pop(&mut self) -> Option<Self::Item>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Items kept in the order they were put; `E` says which end leaves first.
pub struct ArrivalOrder<T, E> {
    items: VecDeque<T>,
    leaving: PhantomData<E>,
}

/// Which end of the arrival order leaves first.
pub trait LeavingEnd: Send + 'static {
    fn take<T>(items: &mut VecDeque<T>) -> Option<T>;
}

/// The oldest item leaves first.
pub enum Oldest {}

/// The newest item leaves first.
pub enum Newest {}

impl LeavingEnd for Oldest {
    fn take<T>(items: &mut VecDeque<T>) -> Option<T> {
        items.pop_front()
    }
}

impl LeavingEnd for Newest {
    fn take<T>(items: &mut VecDeque<T>) -> Option<T> {
        items.pop_back()
    }
}

/// First in, first out: Python's `queue.Queue`.
pub type FifoStore<T> = ArrivalOrder<T, Oldest>;

/// Last in, first out: Python's `queue.LifoQueue`, a stack.
pub type LifoStore<T> = ArrivalOrder<T, Newest>;

impl<T: Send + 'static, E: LeavingEnd> Store for ArrivalOrder<T, E> {
    type Item = T;
    fn new() -> Self {
        ArrivalOrder {
            items: VecDeque::new(),
            leaving: PhantomData,
        }
    }
    fn push(&mut self, item: T) {
        self.items.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        E::take(&mut self.items)
    }
    fn len(&self) -> usize {
        self.items.len()
    }
}

/// Smallest priority first: Python's `queue.PriorityQueue`, items put as `(priority, value)`.
///
/// Equal priorities leave in the order they were put: each entry carries an insertion sequence
/// number, and the heap orders by `(priority, sequence)`. Only the priority is compared, never the
/// value, so values need no order. (Python's `PriorityQueue` promises neither: `heapq` is not
/// stable, and on a tie it compares the values, failing if they cannot be compared.)
pub struct PriorityStore<P, T> {
    heap: BinaryHeap<Entry<P, T>>,
    next_sequence: u64,
}

struct Entry<P, T> {
    priority: P,
    sequence: u64,
    value: T,
}

impl<P: Ord, T> Entry<P, T> {
    /// The order in which entries leave: `Less` leaves first.
    fn leaves_before(&self, other: &Self) -> Ordering {
        self.priority
            .cmp(&other.priority)
            .then(self.sequence.cmp(&other.sequence))
    }
}

// `BinaryHeap` pops the greatest, so "greater" here means "leaves first".
impl<P: Ord, T> Ord for Entry<P, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        other.leaves_before(self)
    }
}

impl<P: Ord, T> PartialOrd for Entry<P, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<P: Ord, T> PartialEq for Entry<P, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<P: Ord, T> Eq for Entry<P, T> {}

impl<P: Ord + Send + 'static, T: Send + 'static> Store for PriorityStore<P, T> {
    type Item = (P, T);
    fn new() -> Self {
        PriorityStore {
            heap: BinaryHeap::new(),
            next_sequence: 0,
        }
    }
    fn push(&mut self, (priority, value): (P, T)) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.heap.push(Entry {
            priority,
            sequence,
            value,
        });
    }
    fn pop(&mut self) -> Option<(P, T)> {
        self.heap.pop().map(|entry| (entry.priority, entry.value))
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
}
