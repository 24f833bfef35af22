//! Stop signals. SIGINT (Ctrl-C) and SIGTERM (what `timeout`, `kill` and CI runners send) ask a
//! long command (`check`, `outcomes`, `time`, the tour, `grade`) to stop where it can and report
//! what it did, marked cut short, with exit code [`CUT_SHORT`]; a second signal ends the process
//! at once. Signals within a quarter of a second of the first are that same stop: GNU `timeout` sends
//! SIGTERM to the command and then to its whole process group, so the command gets two at once.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

/// The exit code of a command cut short by a stop signal (128 + SIGINT, as a shell reports a
/// Ctrl-C), whichever of the two it was.
pub const CUT_SHORT: i32 = 130;

/// The first stop signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// When the first stop signal came, in nanoseconds of the monotonic clock.
static FIRST_AT_NS: AtomicU64 = AtomicU64::new(0);

/// Signals this close to the first are one stop (a sender that signals a process and its group).
const SAME_STOP_NS: u64 = 250_000_000;

/// The monotonic clock in nanoseconds (`clock_gettime` is async-signal-safe).
fn now_ns() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes only `now`.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    (now.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(now.tv_nsec as u64)
}

extern "C" fn on_stop(signal: libc::c_int) {
    let now = now_ns();
    if RECEIVED.load(Ordering::SeqCst) == 0 {
        FIRST_AT_NS.store(now, Ordering::SeqCst);
    }
    if RECEIVED.swap(signal, Ordering::SeqCst) != 0
        && now.saturating_sub(FIRST_AT_NS.load(Ordering::SeqCst)) >= SAME_STOP_NS
    {
        // SAFETY: async-signal-safe.
        unsafe { libc::_exit(CUT_SHORT) };
    }
}

/// From now on a stop signal is noted (see [`received`]) instead of ending the process. A signal
/// the process was started ignoring (a shell's background job ignores SIGINT) stays ignored.
pub fn catch() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only touches an atomic (and `_exit`).
        unsafe {
            let previous = libc::signal(
                signal,
                on_stop as extern "C" fn(libc::c_int) as libc::sighandler_t,
            );
            if previous == libc::SIG_IGN {
                libc::signal(signal, libc::SIG_IGN);
            }
        }
    }
}

/// The stop signal received since [`catch`], by name.
pub fn received() -> Option<&'static str> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        libc::SIGINT => Some("SIGINT"),
        libc::SIGTERM => Some("SIGTERM"),
        _ => Some("a stop signal"),
    }
}
