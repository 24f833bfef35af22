//! The exercises' contracts, one module each: the trait a student implements, its errors, the
//! `Plug` that names a submission for every backend, and the properties' programs, over the
//! facade ([`crate::sync`], [`crate::thread`]) and the lesson types ([`crate::lesson`]).
//!
//! They sit below both their users: the lessons in `models/` implement these traits (a lesson's
//! versions are implementations too) and run some of these programs, and the grading gate
//! (`interleave::gate::exercises`, with the `cli` feature, which re-exports each module whole, so a student names
//! `interleave::gate::exercises::rlock::ReentrantLock`) grades implementations with them. Neither
//! reaches the other through here.

pub mod bounded_queue;
pub mod counter;
pub mod philosophers;
pub mod rlock;
pub mod thread_pool;
