//! The concepts, one file each, numbered in the tutorial's order (see CURRICULUM.md).

#[path = "07_counter_race.rs"]
pub mod counter_race;
#[path = "06_daemon.rs"]
pub mod daemon;
#[path = "08_double_acquire.rs"]
pub mod double_acquire;
#[path = "13_executor/mod.rs"]
pub mod executor;
#[path = "05_gil.rs"]
pub mod gil;
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

use crate::model::{Concept, Variant};

/// Every concept with its variants, in the tutorial's order.
pub fn all() -> Vec<Concept> {
    vec![
        Concept {
            id: "thread-vs-process",
            title: "threads vs processes: one memory, or a copy of it (tutorial 2.1, 3.3.2)",
            file: "models/01_thread_vs_process.rs",
            variants: vec![
                Variant::of::<thread_vs_process::Thread>(),
                Variant::of::<thread_vs_process::Process>(),
            ],
            timing: Some(thread_vs_process::timing),
        },
        Concept {
            id: "thread-create",
            title: "two ways to create a thread: a target, or a run() of its own (tutorial 3.3.1)",
            file: "models/02_thread_create.rs",
            variants: vec![
                Variant::of::<thread_create::Target>(),
                Variant::of::<thread_create::RunTrait>(),
            ],
            timing: None,
        },
        Concept {
            id: "start-order",
            title: "start order: hello before main is typical, not promised (tutorial 3.3.2)",
            file: "models/03_start_order.rs",
            variants: vec![
                Variant::of::<start_order::Thread>(),
                Variant::of::<start_order::Process>(),
            ],
            timing: Some(start_order::timing),
        },
        Concept {
            id: "thread-api",
            title: "the thread API: names, current_thread, enumerate, active_count, is_alive (tutorial 3.3.4)",
            file: "models/04_thread_api.rs",
            variants: vec![
                Variant::of::<thread_api::Registry>(),
                Variant::of::<thread_api::RacyCount>(),
            ],
            timing: None,
        },
        Concept {
            id: "gil",
            title: "the GIL: one thread at a time, and still a lost update (tutorial 3.1)",
            file: "models/05_gil.rs",
            variants: vec![
                Variant::of::<gil::CounterRace>(),
                Variant::of::<gil::SwitchBetweenUpdates>(),
            ],
            timing: Some(gil::timing),
        },
        Concept {
            id: "daemon",
            title: "daemon threads: what is printed before the exit (tutorial 3.3.5)",
            file: "models/06_daemon.rs",
            variants: vec![
                Variant::of::<daemon::Example1>(),
                Variant::of::<daemon::Example2>(),
                Variant::of::<daemon::ExitEarly>(),
                Variant::of::<daemon::BlockedServer>(),
            ],
            timing: Some(daemon::timing),
        },
        counter_race::concept(),
        Concept {
            id: "double-acquire",
            title: "double acquire: a thread waits for itself (tutorial 4.2)",
            file: "models/08_double_acquire.rs",
            variants: vec![
                Variant::of::<double_acquire::Lock>(),
                Variant::of::<double_acquire::Reentrant>(),
            ],
            timing: None,
        },
        Concept {
            id: "rlock",
            title: "RLock: a reentrant lock, verified, and four broken ones caught (tutorial 4.2)",
            file: "models/09_rlock.rs",
            variants: vec![
                Variant::of::<rlock::Correct>(),
                Variant::of::<rlock::NoOwnerCheck>(),
                Variant::of::<rlock::IfNotWhile>(),
                Variant::of::<rlock::LostWakeup>(),
                Variant::of::<rlock::ForgetsCount>(),
            ],
            timing: None,
        },
        Concept {
            id: "noodle-fork",
            title: "noodle and fork: a deadlock and three fixes (tutorial 4.3)",
            file: "models/10_noodle_fork.rs",
            variants: vec![
                Variant::of::<noodle_fork::TwoLocks>(),
                Variant::of::<noodle_fork::OneRLock>(),
                Variant::of::<noodle_fork::Ordered>(),
                Variant::of::<noodle_fork::TryLock>(),
            ],
            timing: Some(noodle_fork::timing),
        },
        Concept {
            id: "philosophers",
            title: "dining philosophers: the ring in general (tutorial 4.3, generalised)",
            file: "models/11_philosophers.rs",
            variants: vec![
                Variant::of::<philosophers::Naive>(),
                Variant::of::<philosophers::Ordered>(),
                Variant::of::<philosophers::Footman>(),
            ],
            timing: None,
        },
        queue::concept(),
        executor::concept(),
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
