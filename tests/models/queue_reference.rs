//! The three queues, one thread, against a reference model: the items put and not yet got, in
//! the order they were put, and for each queue the one thing that differs, which of them leaves
//! next (FIFO the oldest, LIFO the newest, priority the oldest of the smallest priority). proptest
//! generates operation sequences (put / get, blocking or not, `task_done`, `join`) and a
//! `maxsize`; every result and every `qsize` / `empty` / `full` must agree, and a failure is
//! shrunk to a shortest sequence. Every queue is put `(priority, step)` items, so that an item
//! says where it came from.
//!
//! Runs are reproducible: a fixed RNG seed, no failure persistence files.

use interleave::models::queue::store::{FifoStore, LifoStore, PriorityStore, Store};
use interleave::models::queue::{Empty, Full, Queue, TaskDoneTooMany};
use interleave::runtime::Native;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
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

/// What every queue is put: `(priority, step)`. FIFO and LIFO ignore the priority.
type Item = (u8, u16);

/// Which of the waiting items (in the order they were put) a queue hands out next.
type LeavesNext = fn(&[Item]) -> usize;

fn oldest(_: &[Item]) -> usize {
    0
}

fn newest(waiting: &[Item]) -> usize {
    waiting.len() - 1
}

/// The oldest of the items with the smallest priority (`min_by_key` keeps the first).
fn oldest_of_the_smallest_priority(waiting: &[Item]) -> usize {
    (0..waiting.len())
        .min_by_key(|&i| waiting[i].0)
        .expect("an item waits")
}

/// Runs `ops` on a real queue and on the model side by side, comparing every result.
fn agree<S: Store<Item = Item>>(
    maxsize: usize,
    ops: &[Op],
    leaves_next: LeavesNext,
) -> Result<(), TestCaseError> {
    let queue = Queue::<Native, S>::new(maxsize);
    let (mut model, mut unfinished) = (Vec::<Item>::new(), 0usize);
    let zero = Some(Duration::ZERO);
    for (step, &op) in ops.iter().enumerate() {
        let model_full = maxsize > 0 && model.len() >= maxsize;
        match op {
            Op::Put(priority, how) => {
                let item = (priority, step as u16);
                let got = match (how, model_full) {
                    (How::Nowait, _) => queue.put_nowait(item),
                    (How::Block, false) => queue.put(item, true, None),
                    (How::Block, true) | (How::Timeout, _) => queue.put(item, true, zero),
                };
                let expected = if model_full { Err(Full(item)) } else { Ok(()) };
                prop_assert_eq!(got, expected, "step {}: {:?}", step, op);
                if !model_full {
                    model.push(item);
                    unfinished += 1;
                }
            }
            Op::Get(how) => {
                let got = match (how, model.is_empty()) {
                    (How::Nowait, _) => queue.get_nowait(),
                    (How::Block, false) => queue.get(true, None),
                    (How::Block, true) | (How::Timeout, _) => queue.get(true, zero),
                };
                let next = (!model.is_empty()).then(|| model.remove(leaves_next(&model)));
                prop_assert_eq!(got, next.ok_or(Empty), "step {}: {:?}", step, op);
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
        prop_assert_eq!(queue.empty(), model.is_empty(), "empty after step {}", step);
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
    fn fifo_hands_out_the_oldest_first(maxsize in 0usize..4, ops in prop::collection::vec(op(), 0..40)) {
        agree::<FifoStore<Item>>(maxsize, &ops, oldest)?;
    }

    #[test]
    fn lifo_hands_out_the_newest_first(maxsize in 0usize..4, ops in prop::collection::vec(op(), 0..40)) {
        agree::<LifoStore<Item>>(maxsize, &ops, newest)?;
    }

    #[test]
    fn priority_hands_out_the_oldest_of_the_smallest_priority_first(maxsize in 0usize..4, ops in prop::collection::vec(op(), 0..40)) {
        agree::<PriorityStore<u8, u16>>(maxsize, &ops, oldest_of_the_smallest_priority)?;
    }
}
