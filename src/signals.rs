//! Stop signals. SIGINT (Ctrl-C) and SIGTERM (what `timeout`, `kill` and CI runners send) ask a
//! long command (`check`, `outcomes`, `time`, the tour, `grade`) to stop where it can and report
//! what it did, marked cut short, with exit code [`CUT_SHORT`]; a second signal ends the process
//! at once.

use std::sync::atomic::{AtomicI32, Ordering};

/// The exit code of a command cut short by a stop signal (128 + SIGINT, as a shell reports a
/// Ctrl-C), whichever of the two it was.
pub const CUT_SHORT: i32 = 130;

/// The first stop signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_stop(signal: libc::c_int) {
    if RECEIVED.swap(signal, Ordering::SeqCst) != 0 {
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
