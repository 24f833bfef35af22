//! What each backend can and cannot see, declared once. A variant names the behaviours its
//! verdict depends on ([`crate::lesson::Variant::needs`]); a backend that cannot produce one of
//! them reports the variant as [`crate::checker::Verdict::NotChecked`], never as holding. This file
//! depends on nothing but the backends' names, so lessons and the checker can both use it.

use super::Backend;

/// A behaviour of real threads that some backend never produces, so a property that needs it to
/// happen cannot be checked there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlindSpot {
    /// `Condvar::wait` returning with no notify, as POSIX and Rust allow.
    SpuriousWakeups,
    /// A timed wait (`wait_timeout`, `get(timeout)`, `result(timeout)`) ending because its time
    /// ran out.
    TimeoutsFiring,
    /// A `try_lock` finding its lock taken by a thread that does nothing else while it holds it.
    BusyLockForTryLock,
}

impl BlindSpot {
    /// How a report names it.
    pub fn name(self) -> &'static str {
        match self {
            BlindSpot::SpuriousWakeups => "spurious wake-ups",
            BlindSpot::TimeoutsFiring => "timeouts firing",
            BlindSpot::BusyLockForTryLock => "a try_lock finding its lock busy",
        }
    }

    /// Why `backend` cannot produce it, or `None` when it can.
    pub fn blind(self, backend: Backend) -> Option<&'static str> {
        CANNOT_SEE
            .iter()
            .find(|blind| blind.backend == backend && blind.spot == Some(self))
            .map(|blind| blind.why)
    }
}

/// One thing a backend cannot see.
#[derive(Clone, Copy, Debug)]
pub struct Blind {
    /// The backend that cannot see it.
    pub backend: Backend,
    /// The behaviour, when a variant can depend on it; `None` for a limit of the whole search.
    pub spot: Option<BlindSpot>,
    /// What it cannot see, as the README's table says it (`"spurious wake-ups"`).
    pub what: &'static str,
    /// Why not, in one sentence: what a report prints next to a variant it could not check.
    pub why: &'static str,
}

/// Every backend's blind spots: the README's table "what each backend can see" is this table.
pub const CANNOT_SEE: &[Blind] = &[
    Blind {
        backend: Backend::Loom,
        spot: Some(BlindSpot::SpuriousWakeups),
        what: "spurious wake-ups",
        why: "loom cannot inject spurious wake-ups (it has no way to choose without exploring both)",
    },
    Blind {
        backend: Backend::Loom,
        spot: Some(BlindSpot::TimeoutsFiring),
        what: "timeouts firing",
        why: "loom's wait_timeout never times out (loom has no notion of time)",
    },
    Blind {
        backend: Backend::Loom,
        spot: Some(BlindSpot::BusyLockForTryLock),
        what: "a try_lock finding its lock busy",
        why: "loom switches threads only at their operations, and releasing a lock is none: a thread that takes a lock and releases it with nothing in between is never interrupted there, so another thread's try_lock never finds that lock busy",
    },
    Blind {
        backend: Backend::Loom,
        spot: None,
        what: "orderings weaker than SeqCst; spurious compare_exchange_weak failures",
        why: "sync::atomic runs every operation as SeqCst under loom (a value under a loom mutex), so loom's model of weaker orderings is not used, and its compare_exchange_weak never fails spuriously: a bug that needs either is not found",
    },
    Blind {
        backend: Backend::Shuttle,
        spot: None,
        what: "every schedule",
        why: "shuttle samples schedules from a seed: no failure in N executions is not a proof",
    },
    Blind {
        backend: Backend::Shuttle,
        spot: None,
        what: "orderings weaker than SeqCst; spurious compare_exchange_weak failures",
        why: "sync::atomic runs every operation as SeqCst under shuttle, and its compare_exchange_weak never fails spuriously: a bug that needs either is not found",
    },
    Blind {
        backend: Backend::Native,
        spot: Some(BlindSpot::SpuriousWakeups),
        what: "spurious wake-ups, on demand",
        why: "std's Condvar may wake with no notify, but rarely and never when asked to",
    },
    Blind {
        backend: Backend::Native,
        spot: None,
        what: "schedules the OS did not pick",
        why: "a native run explores nothing: it shows what the hardware did this time",
    },
    Blind {
        backend: Backend::Native,
        spot: None,
        what: "spurious compare_exchange_weak failures",
        why: "sync::atomic's compare_exchange_weak is std's fetch_update loop natively, which retries: it never fails spuriously",
    },
];
