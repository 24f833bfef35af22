//! `Loom`: loom's threads and locks, explored exhaustively (up to the preemption bound).

#[derive(Debug)]
pub struct Loom;

super::std_shaped::impl_runtime!(
    Loom,
    "loom",
    loom,
    explores = true,
    exhaustive = true,
    has_clock = false,
    timeout_by_yielding = false,
    // Not `yield_now`: loom treats a yielding thread as spinning and prunes around it.
    sleep = |_duration| {},
    // loom 0.7's `wait_timeout` never times out.
    // loom has no way to choose: it would have to explore both.
    spurious_wakeup = || false,
    timeout = |duration| duration
);
