//! `Native`: std threads and std locks, in real time (the tutorial's sleeps scaled down).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

#[derive(Debug)]
pub struct Native;

/// The tutorial's durations are divided by this before a native thread sleeps or times out
/// (default 100: the tutorial's 0.1 s becomes 1 ms).
static SLEEP_SCALE: AtomicU32 = AtomicU32::new(100);

pub fn set_sleep_scale(divisor: u32) {
    SLEEP_SCALE.store(divisor.max(1), Ordering::Relaxed);
}

pub fn sleep_scale() -> u32 {
    SLEEP_SCALE.load(Ordering::Relaxed)
}

fn scaled(duration: Duration) -> Duration {
    duration / sleep_scale()
}

super::std_shaped::impl_runtime!(
    Native,
    "native",
    std,
    explores = false,
    exhaustive = false,
    has_clock = true,
    timeout_by_yielding = false,
    sleep = |duration| std::thread::sleep(scaled(duration)),
    // The OS decides; std threads rarely see one.
    spurious_wakeup = || false,
    timeout = scaled
);
