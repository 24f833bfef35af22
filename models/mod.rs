//! The concepts, one file each, numbered in the tutorial's order (see docs/curriculum.md).
//!
//! A lesson drawn into an exercise implements that exercise's contract, which lives below both
//! the lessons and the grading gate, in [`crate::exercises`] (the traits, their errors, the
//! property programs): `counter-race`, `rlock`, `noodle-fork`, `philosophers`, `queue` and
//! `executor` import it from there, never from `crate::gate`, and the gate names their variants
//! as implementations to grade. Where a lesson's correct variant and the exercise's reference
//! solution are one and the same, the lesson compiles the reference's file with `#[path]`:
//! `rlock`'s [`RLock`](rlock::RLock) and `queue`'s core ([`queue::blocking`]) are
//! `src/gate/exercises/{rlock,bounded_queue}/reference.rs`. `tests/models/architecture.rs`
//! checks that the files here and in `src/` import each other without a circle.

#[path = "07_counter_race.rs"]
pub mod counter_race;
#[path = "06_daemon.rs"]
pub mod daemon;
#[path = "08_double_acquire.rs"]
pub mod double_acquire;
#[path = "16_echo/mod.rs"]
pub mod echo;
#[path = "13_executor/mod.rs"]
pub mod executor;
#[path = "15_gevent/mod.rs"]
pub mod gevent;
#[path = "05_gil.rs"]
pub mod gil;
#[path = "14_greenlet/mod.rs"]
pub mod greenlet;
#[path = "10_noodle_fork.rs"]
pub mod noodle_fork;
#[path = "11_philosophers.rs"]
pub mod philosophers;
#[path = "12_queue/mod.rs"]
pub mod queue;
#[path = "09_rlock.rs"]
pub mod rlock;
#[path = "03_start_order.rs"]
pub mod start_order;
#[path = "04_thread_api.rs"]
pub mod thread_api;
#[path = "02_thread_create.rs"]
pub mod thread_create;
#[path = "01_thread_vs_process.rs"]
pub mod thread_vs_process;

use crate::lesson::{Concept, Variant};

/// Every concept with its variants, in the tutorial's order.
pub fn all() -> Vec<Concept> {
    vec![
        thread_vs_process::concept(),
        thread_create::concept(),
        start_order::concept(),
        thread_api::concept(),
        gil::concept(),
        daemon::concept(),
        counter_race::concept(),
        double_acquire::concept(),
        rlock::concept(),
        noodle_fork::concept(),
        philosophers::concept(),
        queue::concept(),
        executor::concept(),
        greenlet::concept(),
        gevent::concept(),
        echo::concept(),
    ]
}

/// The variant with this `concept/variant` id.
pub fn find(id: &str) -> Option<Variant> {
    all()
        .into_iter()
        .flat_map(|c| c.variants)
        .find(|v| v.id == id)
}

/// Every `concept/variant` id, in order.
pub fn ids() -> Vec<&'static str> {
    all()
        .into_iter()
        .flat_map(|c| c.variants)
        .map(|v| v.id)
        .collect()
}

/// A hidden command: how a concept's child processes (this binary re-executed) are started.
pub struct ChildCommand {
    pub name: &'static str,
    /// Runs the child with the words after the command; returns its exit code.
    pub main: fn(&[&str]) -> i32,
}

/// Every child-process entry point, in one place; the command line dispatches them and hides
/// them from its usage.
pub const CHILD_COMMANDS: &[ChildCommand] = &[
    ChildCommand {
        name: thread_vs_process::native::CHILD_COMMAND,
        main: thread_vs_process::native::child_main,
    },
    ChildCommand {
        name: executor::native::WORKER_COMMAND,
        main: executor::native::worker_main,
    },
];
