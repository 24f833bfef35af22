//! # Exercise `rlock`: the tutorial's 4.2 RLock, built by the student
//!
//! A reentrant lock: the thread that owns it may acquire it again without blocking, and it is
//! free again only once its owner has released it as often as it acquired it. Others who try to
//! release it get an error. The starter file is the tutorial's plain `Lock` used as if it were
//! reentrant; the lesson `rlock` (models/09_rlock.rs) runs this exercise's reference as its
//! correct lock and breaks it four ways, and each of those is an implementation graded here too.
//!
//! Six properties, each its own small program over the student's lock:
//! - `mutual-exclusion`: threads contending for the lock are never inside at once;
//! - `reentrancy`: the owner acquires to depth 3 without blocking, and `depth` follows;
//! - `only-owner-releases`: others' releases are refused and leave the owner's hold as it was;
//! - `no-lost-wakeup`: waiters queued behind the owner all get in;
//! - `no-deadlock`: the lesson's program (stray releases, nested acquires, queries, from several
//!   threads) always finishes, and leaves the lock free;
//! - `spurious-wakeups`: a waiter that wakes while the lock is still taken waits again.

pub use crate::exercises::rlock::*;

#[cfg(feature = "cli")]
use crate::gate::Exercise;
use crate::gate::Property;
use crate::lesson::{Expect, Row};
use crate::runtime::sight::BlindSpot;

// Written as a student writes it (`pub` items in a crate of its own).
#[cfg(feature = "cli")]
#[allow(unreachable_pub)]
#[path = "starter.rs"]
pub(crate) mod starter;

/// The properties over `P`'s lock.
pub fn properties<P: Plug>() -> Vec<Property> {
    let row = |id, check, summary| Row::<Program<P>>::new(id, check, Expect::Holds, summary);
    vec![
        Property {
            name: "mutual-exclusion",
            statement: "threads contending for the lock are never inside it at once",
            variant: row(
                "rlock/mutual-exclusion",
                Goal::MutualExclusion,
                "one holder at a time",
            )
            .variant(),
        },
        Property {
            name: "reentrancy",
            statement: "the owner acquires again without blocking, to depth 3, and depth() follows every acquire and release",
            variant: row(
                "rlock/reentrancy",
                Goal::Reentrancy,
                "nested acquires never block, depth is counted",
            )
            .threads(2, 2)
            .variant(),
        },
        Property {
            name: "only-owner-releases",
            statement: "a release by a thread that does not own the lock is refused and changes nothing",
            variant: row(
                "rlock/only-owner-releases",
                Goal::OnlyOwnerReleases,
                "others' releases refused",
            )
            .threads(2, 2)
            .variant(),
        },
        Property {
            name: "no-lost-wakeup",
            statement: "threads waiting for the lock all get in once it is released",
            variant: row(
                "rlock/no-lost-wakeup",
                Goal::NoLostWakeup,
                "every waiter gets in",
            )
            .variant(),
        },
        Property {
            name: "no-deadlock",
            statement: "stray releases, nested acquires and queries from several threads always finish, and leave the lock free",
            variant: row(
                "rlock/no-deadlock",
                Goal::NoDeadlock,
                "every thread finishes, the lock is free",
            )
            .variant(),
        },
        Property {
            name: "spurious-wakeups",
            statement: "a waiter woken while the lock is still taken (with no notify, or beaten to it) waits again",
            variant: row(
                "rlock/spurious-wakeups",
                Goal::SpuriousWakeups,
                "a woken waiter looks again",
            )
            .needs(&[BlindSpot::SpuriousWakeups])
            .variant(),
        },
    ]
}

#[cfg(feature = "cli")]
pub fn exercise() -> Exercise {
    use crate::models::rlock::{Flawed, RLock, Version, reference};
    Exercise {
        name: "rlock",
        statement: "the tutorial's 4.2 RLock: a reentrant lock with an owner and a depth, that only its owner releases",
        readme: include_str!("README.md"),
        starter: include_str!("starter.rs"),
        reference: include_str!("reference.rs"),
        module: "rlock",
        builtins: || {
            vec![
                // The reference is compiled once, as the lesson's correct lock.
                builtin!(rlock, "reference", reference::Submission<R>, None),
                builtin!(rlock, "starter", starter::Submission<R>, Some("reentrancy")),
                builtin!(rlock, "rlock/correct", RLock<R>, None),
                builtin!(
                    rlock,
                    "rlock/no-owner-check",
                    Flawed<R, { Version::NoOwnerCheck as usize }>,
                    Some("only-owner-releases")
                ),
                builtin!(
                    rlock,
                    "rlock/if-not-while",
                    Flawed<R, { Version::IfNotWhile as usize }>,
                    Some("mutual-exclusion")
                ),
                builtin!(
                    rlock,
                    "rlock/lost-wakeup",
                    Flawed<R, { Version::LostWakeup as usize }>,
                    Some("no-lost-wakeup")
                ),
                builtin!(
                    rlock,
                    "rlock/forgets-count",
                    Flawed<R, { Version::ForgetsCount as usize }>,
                    Some("reentrancy")
                ),
            ]
        },
    }
}
