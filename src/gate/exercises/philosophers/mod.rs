//! # Exercise `philosophers`: the noodle and the fork, round a table of any size
//!
//! `n` philosophers sit round a table with one fork between each pair: philosopher `i` eats with
//! fork `i` on their left and fork `i + 1 mod n` on their right. The student decides how a
//! philosopher takes and puts down their two forks ([`TableManners::dine`]); the properties
//! check that no table of 2 to 5 deadlocks, that no fork is ever in two philosophers' hands, and
//! that everyone gets every meal. The starter is the naive rule (left fork, then right), whose
//! ring can close; the lessons `noodle-fork` (a table for two) and `philosophers` show why, and
//! their variants are implementations of the same trait.

pub use crate::exercises::philosophers::*;

#[cfg(feature = "cli")]
use crate::gate::Exercise;
use crate::gate::Property;
use crate::lesson::{Expect, Row};

// Written as a student writes it (`pub` items in a crate of its own).
#[cfg(feature = "cli")]
#[allow(unreachable_pub)]
#[path = "starter.rs"]
pub(crate) mod starter;

/// The properties over `P`'s manners.
pub fn properties<P: Plug>() -> Vec<Property> {
    vec![
        Property {
            name: "no-deadlock",
            statement: "tables of 2 to 5 philosophers (2 to 4 under loom) always finish their \
                        meals",
            variant: Row::<Program<P>>::new(
                "philosophers/no-deadlock",
                Goal::NoDeadlock,
                Expect::Holds,
                "tables of 2 to 5 seats (loom: 2 to 4), one meal at each",
            )
            .threads(5, 4)
            .loom_preemption_bound(2)
            .variant(),
        },
        Property {
            name: "mutual-exclusion",
            statement: "no fork is ever used by two philosophers at once (tables of 2 and 3; 2 \
                        under loom)",
            variant: Row::<Program<P>>::new(
                "philosophers/mutual-exclusion",
                Goal::MutualExclusion,
                Expect::Holds,
                "tables of 2 and 3 (loom: 2), two meals each; each fork counts its diners",
            )
            .variant(),
        },
        Property {
            name: "everyone-eats",
            statement: "every philosopher gets every meal: nobody gives up or waits forever \
                        (tables of 2 and 3; 2 under loom)",
            variant: Row::<Program<P>>::new(
                "philosophers/everyone-eats",
                Goal::EveryoneEats,
                Expect::Holds,
                "tables of 2 and 3 (loom: 2), two meals each; each philosopher counts theirs",
            )
            .variant(),
        },
    ]
}

#[cfg(feature = "cli")]
pub fn exercise() -> Exercise {
    Exercise {
        name: "philosophers",
        statement: "dining philosophers: how each takes their two forks, so that no table \
                    deadlocks, no fork is shared and everyone eats",
        readme: include_str!("README.md"),
        starter: include_str!("starter.rs"),
        reference: include_str!("reference.rs"),
        module: "philosophers",
        builtins: || {
            vec![
                // The reference is compiled once, as the lesson's ordered table.
                builtin!(
                    philosophers,
                    "reference",
                    crate::models::philosophers::reference::Submission<R>,
                    None
                ),
                builtin!(
                    philosophers,
                    "starter",
                    starter::Submission<R>,
                    Some("no-deadlock")
                ),
                builtin!(
                    philosophers,
                    "noodle-fork/two-locks",
                    crate::models::noodle_fork::TwoLocks<R>,
                    Some("no-deadlock")
                ),
                builtin!(
                    philosophers,
                    "noodle-fork/one-rlock",
                    crate::models::noodle_fork::OneRLock<R>,
                    None
                ),
                builtin!(
                    philosophers,
                    "noodle-fork/ordered",
                    crate::models::noodle_fork::Ordered<R>,
                    None
                ),
                builtin!(
                    philosophers,
                    "noodle-fork/try-lock",
                    crate::models::noodle_fork::TryLock<R>,
                    None
                ),
                builtin!(
                    philosophers,
                    "philosophers/naive",
                    crate::models::philosophers::LeftThenRight<R>,
                    Some("no-deadlock")
                ),
                builtin!(
                    philosophers,
                    "philosophers/ordered",
                    crate::models::philosophers::LowerFirst<R>,
                    None
                ),
                builtin!(
                    philosophers,
                    "philosophers/footman",
                    crate::models::philosophers::Footman<R>,
                    None
                ),
            ]
        },
    }
}
