//! The `counter` exercise's corpus: five ways students get it wrong, one way to get it right.

use crate::gate_support::corpus;

corpus!(counter, "counter":
    atomic_load_store = "../gate/counter/atomic_load_store.rs",
    lock_per_call = "../gate/counter/lock_per_call.rs",
    lock_around_read = "../gate/counter/lock_around_read.rs",
    crossed_locks = "../gate/counter/crossed_locks.rs",
    batched_decrements = "../gate/counter/batched_decrements.rs",
    fetch_sub = "../gate/counter/fetch_sub.rs",
);
