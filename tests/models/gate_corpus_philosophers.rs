//! The `philosophers` exercise's corpus: six ways students get it wrong, three ways to get it
//! right.

use crate::gate_support::corpus;

corpus!(philosophers, "philosophers":
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
