//! The `philosophers` exercise's corpus: six ways students get it wrong, three ways to get it
//! right.

use crate::gate_support::{assert_graded_as, corpus};
use interleave::runtime::Backend;

corpus!(philosophers:
    let_underscore = "../gate/philosophers/let_underscore.rs",
    only_left = "../gate/philosophers/only_left.rs",
    checked_then_taken = "../gate/philosophers/checked_then_taken.rs",
    give_up = "../gate/philosophers/give_up.rs",
    spin_try_lock = "../gate/philosophers/spin_try_lock.rs",
    footman_of_four = "../gate/philosophers/footman_of_four.rs",
    waiter = "../gate/philosophers/waiter.rs",
    odd_even = "../gate/philosophers/odd_even.rs",
    pick_up_together = "../gate/philosophers/pick_up_together.rs",
);

#[test]
fn philosophers_corpus_gets_its_intended_verdicts() {
    for (name, source, properties) in corpus() {
        assert_graded_as("philosophers", name, source, &properties, Backend::Shuttle);
    }
}

#[cfg(loom)]
#[test]
fn loom_philosophers_corpus_gets_its_intended_verdicts() {
    for (name, source, properties) in corpus() {
        assert_graded_as("philosophers", name, source, &properties, Backend::Loom);
    }
}
