//! The exercises, one folder each: `mod.rs` (the exercise's contract, re-exported whole from
//! [`crate::exercises`]: the trait a student implements, its `Plug`, the properties' programs;
//! then what is the gate's own: the named [`Property`](super::Property) list, the statement, and
//! the builtins, the project's own implementations, lessons' variants among them),
//! `starter.rs` (what a student starts from), `reference.rs` (the project's solution) and
//! `README.md` (the statement for students).
//!
//! A reference is a student's file like any other (it names `interleave::gate::exercises::…`,
//! and passes the screen), and for `rlock`, `bounded-queue`, `philosophers` and `thread-pool` it
//! is also the lesson's correct variant: the lesson compiles it (`models/09_rlock.rs`,
//! `models/12_queue/mod.rs`, `models/11_philosophers.rs`, `models/13_executor/mod.rs`), and the
//! builtin `reference` names the lesson's copy, so the file is compiled once. (The lesson
//! `executor` wraps the pool's reference in futures of any result type that carry a task's
//! panic, `catch_unwind` being the lesson's, which the screen refuses in a submission.)
//!
//! A harness names an exercise's module like this, for a student's `Submission` type:
//!
//! ```ignore
//! struct Plugged;
//! impl interleave::gate::exercises::counter::Plug for Plugged {
//!     type Submission<R: interleave::runtime::Runtime> = submission::Submission<R>;
//! }
//! interleave::gate::child::main("counter", interleave::gate::exercises::counter::properties::<Plugged>())
//! ```

pub mod bounded_queue;
pub mod counter;
pub mod philosophers;
pub mod rlock;
pub mod thread_pool;

#[cfg(feature = "cli")]
use super::Exercise;

/// Every exercise, in the tutorial's order.
#[cfg(feature = "cli")]
pub fn all() -> Vec<Exercise> {
    vec![
        counter::exercise(),
        rlock::exercise(),
        bounded_queue::exercise(),
        philosophers::exercise(),
        thread_pool::exercise(),
    ]
}

#[cfg(feature = "cli")]
pub fn find(name: &str) -> Option<Exercise> {
    all().into_iter().find(|exercise| exercise.name == name)
}

/// The exercises' names, for an error that says which exist.
#[cfg(feature = "cli")]
pub fn names() -> Vec<&'static str> {
    all().into_iter().map(|exercise| exercise.name).collect()
}
