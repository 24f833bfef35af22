//! `Shuttle`: shuttle's tasks and locks; every operation is a point where its scheduler may switch.

#[derive(Debug)]
pub struct Shuttle;

super::std_shaped::impl_runtime!(
    Shuttle,
    "shuttle",
    shuttle,
    explores = true,
    exhaustive = false,
    has_clock = false,
    timeout_by_yielding = true,
    // shuttle models no time: its own `sleep` is a context switch.
    sleep = ::shuttle::thread::sleep,
    // Unused: shuttle 0.9's `wait_timeout` never times out (TIMEOUT_BY_YIELDING stands in).
    // Decided by the scheduler's random source, so a schedule replays it.
    spurious_wakeup = || {
        use ::shuttle::rand::Rng;
        ::shuttle::rand::thread_rng().gen_ratio(1, super::SPURIOUS_WAKEUP_ONE_IN)
    },
    timeout = |duration| duration
);
