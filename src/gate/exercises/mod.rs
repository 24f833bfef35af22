//! The exercises, one folder each: `mod.rs` (the trait a student implements, its `Plug`, the
//! properties, the project's own implementations), `starter.rs` (what a student starts from),
//! `reference.rs` (the project's solution) and `README.md` (the statement for students).
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

use super::Exercise;

/// Every exercise, in the tutorial's order.
pub fn all() -> Vec<Exercise> {
    vec![
        counter::exercise(),
        rlock::exercise(),
        bounded_queue::exercise(),
        philosophers::exercise(),
        thread_pool::exercise(),
    ]
}

pub fn find(name: &str) -> Option<Exercise> {
    all().into_iter().find(|exercise| exercise.name == name)
}

/// The exercises' names, for an error that says which exist.
pub fn names() -> Vec<&'static str> {
    all().into_iter().map(|exercise| exercise.name).collect()
}
