//! The `bounded-queue` exercise's corpus: eight ways students get it wrong, two ways to get it
//! right.

use crate::gate_support::corpus;

corpus!(bounded_queue, "bounded-queue":
    never_waits = "../gate/bounded-queue/never_waits.rs",
    try_lock_nowait = "../gate/bounded-queue/try_lock_nowait.rs",
    signal_lock = "../gate/bounded-queue/signal_lock.rs",
    short_critical_section = "../gate/bounded-queue/short_critical_section.rs",
    join_until_empty = "../gate/bounded-queue/join_until_empty.rs",
    peek_then_pop = "../gate/bounded-queue/peek_then_pop.rs",
    ring_mask = "../gate/bounded-queue/ring_mask.rs",
    timed_wait_ignores_flag = "../gate/bounded-queue/timed_wait_ignores_flag.rs",
    one_condvar_notify_all = "../gate/bounded-queue/one_condvar_notify_all.rs",
    ring_buffer = "../gate/bounded-queue/ring_buffer.rs",
);
