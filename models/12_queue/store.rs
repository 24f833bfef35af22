//! Where the three queues differ: which item leaves first. Everything else (locking, waiting,
//! `maxsize`, `task_done`) is shared, in [`super::blocking`], which also has the [`Store`] trait
//! and the FIFO ([`FifoStore`]): they are the `bounded-queue` exercise's reference solution. The
//! LIFO and the priority order are here.

use super::blocking::Queue;
pub use super::blocking::{FifoStore, Store};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// `queue.LifoQueue`: last in, first out.
pub type Lifo<R, T> = Queue<R, LifoStore<T>>;
/// `queue.PriorityQueue`: put `(priority, value)`; smallest priority first, ties in insertion order.
pub type Priority<R, P, T> = Queue<R, PriorityStore<P, T>>;

/// Last in, first out: Python's `queue.LifoQueue`, a stack.
pub struct LifoStore<T> {
    items: VecDeque<T>,
}

impl<T: Send + 'static> Store for LifoStore<T> {
    type Item = T;
    fn new() -> Self {
        LifoStore {
            items: VecDeque::new(),
        }
    }
    fn push(&mut self, item: T) {
        self.items.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.items.pop_back()
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
