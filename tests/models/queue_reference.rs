//! The three queues, one thread, against reference models: a `VecDeque`, a `Vec`, and a
//! `BinaryHeap` ordered by (priority, insertion sequence). proptest generates operation sequences
//! (put / get, blocking or not, `task_done`, `join`) and a `maxsize`; every result and every
//! `qsize` / `empty` / `full` must agree, and a failure is shrunk to a shortest sequence.
//!
//! Runs are reproducible: a fixed RNG seed, no failure persistence files.

use interleave::models::queue::store::Store;
use interleave::models::queue::store::{FifoStore, LifoStore, PriorityStore};
use interleave::models::queue::{Empty, Full, Queue, TaskDoneTooMany};
use interleave::runtime::Native;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt::Debug;
use std::time::Duration;

/// How a `put` or `get` is called. A blocking call the model says would wait for ever (nothing
/// else runs) is made with a zero timeout instead, which must give up at once.
#[derive(Clone, Copy, Debug)]
enum How {
    Nowait,
    Block,
    Timeout,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    /// Put with this priority (ignored by FIFO and LIFO); the value is the step's index.
    Put(u8, How),
    Get(How),
    TaskDone,
    /// Only called when the model says it returns at once.
    Join,
}

fn how() -> impl Strategy<Value = How> {
    prop_oneof![Just(How::Nowait), Just(How::Block), Just(How::Timeout)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..4, how()).prop_map(|(priority, how)| Op::Put(priority, how)),
        3 => how().prop_map(Op::Get),
        1 => Just(Op::TaskDone),
        1 => Just(Op::Join),
    ]
}

/// The obvious sequential implementation of each order.
trait Reference: Default {
    type Item: Clone + Debug + PartialEq;
    fn item(priority: u8, value: u16) -> Self::Item;
    fn push(&mut self, item: Self::Item);
    fn pop(&mut self) -> Option<Self::Item>;
    fn len(&self) -> usize;
}

#[derive(Default)]
struct RefFifo(VecDeque<u16>);
#[derive(Default)]
struct RefLifo(Vec<u16>);
#[derive(Default)]
struct RefPriority {
    heap: BinaryHeap<Reverse<(u8, u64, u16)>>,
    sequence: u64,
}

impl Reference for RefFifo {
    type Item = u16;
    fn item(_: u8, value: u16) -> u16 {
        value
    }
    fn push(&mut self, item: u16) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<u16> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl Reference for RefLifo {
    type Item = u16;
    fn item(_: u8, value: u16) -> u16 {
        value
    }
    fn push(&mut self, item: u16) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<u16> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl Reference for RefPriority {
    type Item = (u8, u16);
    fn item(priority: u8, value: u16) -> (u8, u16) {
        (priority, value)
    }
    fn push(&mut self, (priority, value): (u8, u16)) {
        self.heap.push(Reverse((priority, self.sequence, value)));
        self.sequence += 1;
    }
    fn pop(&mut self) -> Option<(u8, u16)> {
        self.heap
            .pop()
            .map(|Reverse((priority, _, value))| (priority, value))
    }
    fn len(&self) -> usize {
        self.heap.len()
    }
}

/// Runs `ops` on a real queue and on the model side by side, comparing every result.
fn agree<S, M>(maxsize: usize, ops: &[Op]) -> Result<(), TestCaseError>
where
    S: Store<Item = M::Item>,
    M: Reference,
    M::Item: Send,
{
    let queue = Queue::<Native, S>::new(maxsize);
    let (mut model, mut unfinished) = (M::default(), 0usize);
    let zero = Some(Duration::ZERO);
    for (step, &op) in ops.iter().enumerate() {
        let model_full = maxsize > 0 && model.len() >= maxsize;
        match op {
            Op::Put(priority, how) => {
                let item = M::item(priority, step as u16);
                let got = match (how, model_full) {
                    (How::Nowait, _) => queue.put_nowait(item.clone()),
                    (How::Block, false) => queue.put(item.clone(), true, None),
                    (How::Block, true) | (How::Timeout, _) => queue.put(item.clone(), true, zero),
                };
                let expected = if model_full {
                    Err(Full(item.clone()))
                } else {
                    Ok(())
                };
                prop_assert_eq!(got, expected, "step {}: {:?}", step, op);
                if !model_full {
                    model.push(item);
                    unfinished += 1;
                }
            }
            Op::Get(how) => {
                let got = match (how, model.len() == 0) {
                    (How::Nowait, _) => queue.get_nowait(),
                    (How::Block, false) => queue.get(true, None),
                    (How::Block, true) | (How::Timeout, _) => queue.get(true, zero),
                };
                prop_assert_eq!(got, model.pop().ok_or(Empty), "step {}: {:?}", step, op);
            }
            Op::TaskDone => {
                let expected = if unfinished == 0 {
                    Err(TaskDoneTooMany)
                } else {
                    Ok(())
                };
                unfinished = unfinished.saturating_sub(1);
                prop_assert_eq!(queue.task_done(), expected, "step {}", step);
            }
            Op::Join if unfinished == 0 => queue.join(),
            Op::Join => {}
        }
        prop_assert_eq!(queue.qsize(), model.len(), "qsize after step {}", step);
        prop_assert_eq!(queue.empty(), model.len() == 0, "empty after step {}", step);
        prop_assert_eq!(
            queue.full(),
            maxsize > 0 && model.len() >= maxsize,
            "full after step {}",
            step
        );
    }
    Ok(())
}

fn config() -> Config {
    Config {
        cases: 128,
        rng_seed: RngSeed::Fixed(0x1e55_0b5e),
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fifo_matches_a_vecdeque(maxsize in 0usize..4, ops in prop::collection::vec(op(), 0..40)) {
        agree::<FifoStore<u16>, RefFifo>(maxsize, &ops)?;
    }

    #[test]
    fn lifo_matches_a_vec(maxsize in 0usize..4, ops in prop::collection::vec(op(), 0..40)) {
        agree::<LifoStore<u16>, RefLifo>(maxsize, &ops)?;
    }

    #[test]
    fn priority_matches_a_heap_with_insertion_sequence(maxsize in 0usize..4, ops in prop::collection::vec(op(), 0..40)) {
        agree::<PriorityStore<u8, u16>, RefPriority>(maxsize, &ops)?;
    }
}
