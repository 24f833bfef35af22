//! # Exercise `counter`: the tutorial's 4.1 counter, made safe
//!
//! Many threads each take one off a shared `n`; when they are done, `n` must be exactly what it
//! started at minus the number of decrements. The starter file is the tutorial's own code
//! (`temp = n; n = temp - 1`), which loses updates; the lesson `counter-race` shows why.

pub use crate::exercises::counter::*;

#[cfg(feature = "cli")]
use crate::gate::Exercise;
use crate::gate::Property;
use crate::lesson::{Expect, Row};

// Written as a student writes it (`pub` items in a crate of its own).
#[cfg(feature = "cli")]
#[allow(unreachable_pub)]
#[path = "reference.rs"]
pub(crate) mod reference;
// Written as a student writes it (`pub` items in a crate of its own).
#[cfg(feature = "cli")]
#[allow(unreachable_pub)]
#[path = "starter.rs"]
pub(crate) mod starter;

/// The properties over `P`'s counter.
pub fn properties<P: Plug>() -> Vec<Property> {
    vec![
        Property {
            name: "no-lost-update",
            statement: "threads decrementing at once each take exactly one off",
            variant: Row::<Program<P>>::new(
                "counter/no-lost-update",
                Goal::NoLostUpdate,
                Expect::Holds,
                "every decrement counted",
            )
            .variant(),
        },
        Property {
            name: "no-deadlock",
            statement: "decrements and reads from many threads always finish",
            variant: Row::<Program<P>>::new(
                "counter/no-deadlock",
                Goal::NoDeadlock,
                Expect::Holds,
                "every thread finishes",
            )
            .variant(),
        },
        Property {
            name: "value-is-the-count",
            statement: "value() is the start less the decrements made: a thread sees its own at once, and all of them once they are done",
            variant: Row::<Program<P>>::new(
                "counter/value-is-the-count",
                Goal::ValueIsTheCount,
                Expect::Holds,
                "value() follows every decrement",
            )
            .variant(),
        },
    ]
}

#[cfg(feature = "cli")]
pub fn exercise() -> Exercise {
    Exercise {
        name: "counter",
        statement: "the tutorial's 4.1 counter: threads decrement a shared n at once, and none is lost",
        readme: include_str!("README.md"),
        starter: include_str!("starter.rs"),
        reference: include_str!("reference.rs"),
        module: "counter",
        builtins: || {
            vec![
                builtin!(counter, "reference", reference::Submission<R>, None),
                builtin!(
                    counter,
                    "starter",
                    starter::Submission<R>,
                    Some("no-lost-update")
                ),
                builtin!(
                    counter,
                    "counter-race/unlocked",
                    crate::models::counter_race::Unlocked<R>,
                    Some("no-lost-update")
                ),
                builtin!(
                    counter,
                    "counter-race/locked",
                    crate::models::counter_race::Locked<R>,
                    None
                ),
            ]
        },
    }
}
