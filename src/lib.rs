//! # interleave: concurrency bugs you can see, explain and replay
//!
//! A Python threading tutorial, re-taught as model-checking tests. Take its first lock lesson:
//! a hundred threads each do `temp = n; sleep; n = temp - 1`, and `n` does not end at 0.
//!
//! ```
//! use interleave::checker::{self, Budget, Mode, Verdict};
//! use interleave::lesson::Params;
//! use interleave::runtime::Backend;
//!
//! let race = interleave::models::find("counter-race/unlocked").unwrap();
//! let budget = Budget::defaults(Backend::Shuttle, Mode::Check);
//! let report = checker::check(&race, Backend::Shuttle, &Params { threads: 10 }, &budget, Mode::Check).unwrap();
//! assert!(matches!(report.verdict, Verdict::Violated(_)));
//! // The report carries who read and wrote what, and a token that replays exactly that execution.
//! println!("{}", interleave::report::verdict(&report));
//! ```
//!
//! Each concept is written once over the facade ([`sync`], [`thread`]), generic over a
//! [`runtime::Runtime`], and the [`checker`] runs it natively, under shuttle, or under loom.

// So that code written for a student's crate (`use interleave::...`) also compiles in this one:
// the exercises' starter files and reference solutions are modules here too.
extern crate self as interleave;

pub mod checker;
pub mod cli;
pub mod connection;
pub mod exit_hook;
pub mod gate;
pub mod greenlet;
pub mod lesson;
pub mod picture;
pub mod local;
#[path = "../models/mod.rs"]
pub mod models;
#[cfg(not(loom))]
pub mod net;
pub mod program;
pub mod report;
pub mod runtime;
pub mod sync;
pub mod task;
pub mod thread;
pub mod trace;
mod util;
