//! # interleave: concurrency bugs you can see, explain and replay
//!
//! Write a concurrent model once, over interleave's facade ([`sync`], [`thread`]) and generic
//! over the [`runtime::Runtime`]; check it from your own `cargo test`. Under a plain `cargo test`
//! shuttle explores its schedules, under `RUSTFLAGS="--cfg loom"` loom explores every
//! interleaving, and `.native()` runs it on std threads. A bank account whose withdrawal checks
//! the balance, then takes the money:
//!
//! ```
//! use interleave::sync::{Arc, Shared};
//! use interleave::{Threads, check, model};
//!
//! fn two_withdrawals<R: Threads>() -> i64 {
//!     let balance = Arc::new(Shared::<R, i64>::named("balance", 100));
//!     let withdraw = || {
//!         let balance = balance.clone();
//!         R::spawn(move || {
//!             if balance.load() >= 60 {
//!                 balance.store(balance.load() - 60);
//!             }
//!         })
//!     };
//!     let (first, second) = (withdraw(), withdraw());
//!     first.join();
//!     second.join();
//!     balance.load()
//! }
//!
//! let failure = check(model!(two_withdrawals))
//!     .forbid(|&balance| (balance < 0).then_some("overdraft"))
//!     .assert_violation("overdraft");
//! assert_eq!(failure.outcome.unwrap().text, "-20");
//! ```
//!
//! The failure comes with its timeline (who read and wrote `balance`, step by step) and a line
//! to replay exactly that execution in the same test, and only that test:
//! `INTERLEAVE_REPLAY=<token> cargo test [--lib | --test <target>] <test> -- --exact
//! --include-ignored`. A failing `assert_` call panics with all of it; a [`checker::Report`]
//! prints it too, with the replay line right for where it runs:
//!
//! ```
//! # use interleave::sync::{Arc, Shared};
//! # use interleave::{Threads, check, model};
//! # fn two_withdrawals<R: Threads>() -> i64 {
//! #     let balance = Arc::new(Shared::<R, i64>::named("balance", 100));
//! #     let withdraw = || {
//! #         let balance = balance.clone();
//! #         R::spawn(move || {
//! #             if balance.load() >= 60 {
//! #                 balance.store(balance.load() - 60);
//! #             }
//! #         })
//! #     };
//! #     let (first, second) = (withdraw(), withdraw());
//! #     first.join();
//! #     second.join();
//! #     balance.load()
//! # }
//! use interleave::checker::Verdict;
//!
//! let report = check(model!(two_withdrawals))
//!     .forbid(|&balance| (balance < 0).then_some("overdraft"))
//!     .run()
//!     .unwrap();
//! assert!(matches!(report.verdict, Verdict::Violated(_)), "{report}");
//! println!("{report}"); // the verdict, the timeline, the replay line
//! ```
//!
//! See [`model`](mod@model) for the builder ([`Check`]), the [`model!`](macro@model) macro and
//! the [`Model`] trait.
//!
//! ## From std
//!
//! Code written over std ports by changing its imports and naming the runtime once; every
//! operation is a step the checker may switch at, recorded under the object's name:
//!
//! | std | interleave | what differs |
//! |---|---|---|
//! | `thread::spawn(f)` | `R::spawn(f)` ([`Threads`]) | the thread is named `Thread-N` (`R::spawn_named` names it) |
//! | `JoinHandle::join()` | the same | returns the value, re-raises the thread's panic |
//! | `thread::scope`, `thread::Builder` | [`thread::scope`], [`thread::Builder`]`::<R>` | a scoped thread nobody joined is joined where the scope ends |
//! | `sync::{Arc, Mutex, Condvar}` | [`sync::Arc`], [`sync::Mutex`]`<R, T>`, [`sync::Condvar`]`<R>` | no poisoning: `lock()` returns the guard |
//! | `sync::{RwLock, Barrier, Once, OnceLock}` | [`sync::RwLock`]`<R, T>`, [`sync::Barrier`]`<R>`, [`sync::Once`]`<R>`, [`sync::OnceLock`]`<R, T>` | no poisoning; `RwLock` keeps new readers out while a writer waits, on every backend |
//! | `sync::mpsc` | [`sync::mpsc`]`::{channel, sync_channel}::<R, T>` | `recv_timeout` never times out under loom |
//! | `sync::atomic::*` | [`sync::atomic`]`::*<R>` | orderings accepted; `SeqCst` under shuttle and loom |
//! | a racy `static mut` | [`sync::Shared`]`<R, T>` | `load` and `store` are two steps; a stale store is named a lost update |
//!
//! The README's porting table has every item.
//!
//! ## What each backend sees
//!
//! A verdict claims only what its backend could see: a check that needs what its backend
//! cannot produce is **not checked** there, never passed ([`BlindSpot`], [`Check::needs`]).
//!
//! | backend | explores | cannot see |
//! |---|---|---|
//! | shuttle (`cargo test`) | a seeded sample of schedules | every schedule: "no failure in N executions" is no proof; orderings weaker than `SeqCst` |
//! | loom (`--cfg loom`) | every interleaving, within its bounds | spurious wake-ups, timeouts firing, a `try_lock` finding a lock busy, orderings weaker than `SeqCst` |
//! | native (`.native()`) | nothing: what the OS did this time | the schedules the OS did not pick |
//!
//! ## The tutorial
//!
//! A Python threading tutorial, re-taught as model-checking tests. Take its first lock lesson:
//! a hundred threads each do `temp = n; sleep; n = temp - 1`, and `n` does not end at 0. (The
//! lessons, `interleave::models`, come with the default feature `cli`; a crate that depends on
//! the engine alone, `default-features = false`, has the engine and not them.)
//!
//! ```
//! use interleave::checker::Verdict;
//!
//! let race = interleave::models::find("counter-race/unlocked").unwrap();
//! let report = interleave::check_variant(race).threads(10).shuttle().unwrap();
//! assert!(matches!(report.verdict, Verdict::Violated(_)), "{report}");
//! // Who read and wrote what, and the line that replays exactly that execution.
//! println!("{report}");
//! ```
//!
//! Each concept is written once over the facade ([`sync`], [`thread`]), generic over a
//! [`runtime::Runtime`], and the [`checker`] runs it natively, under shuttle, or under loom; the
//! command line (`cargo run --release -- check counter-race/unlocked`) prints its own replay line,
//! `cargo run --release -- replay <id> <token>`.

// So that code written for a student's crate (`use interleave::...`) also compiles in this one:
// the exercises' starter files and reference solutions are modules here too.
#[cfg(feature = "cli")]
extern crate self as interleave;

// The engine: what a library user's crate (default-features = false) builds.
pub mod checker;
pub mod connection;
pub mod exercises;
pub mod exit_hook;
pub mod greenlet;
pub mod lesson;
pub mod local;
pub mod model;
pub mod program;
pub mod report;
pub mod runtime;
pub mod sync;
pub mod task;
pub mod thread;
pub mod trace;

// The product (the `cli` feature, on by default): the command line and what it runs, the
// lessons and their pictures, the grading gate and the echo servers. Its modules are held to
// every lint but two: `missing_docs` and `missing_debug_implementations` guard the library's
// API (the engine above), not the product's internals.
#[cfg(feature = "cli")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod cli;
#[cfg(feature = "cli")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod console;
#[cfg(feature = "grading")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod exit;
#[cfg(feature = "cli")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod explore;
#[cfg(feature = "grading")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod gate;
#[cfg(feature = "cli")]
#[path = "../models/mod.rs"]
#[allow(missing_docs, missing_debug_implementations)]
pub mod models;
#[cfg(all(feature = "cli", not(loom)))]
#[allow(missing_docs, missing_debug_implementations)]
pub mod net;
#[cfg(feature = "cli")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod picture;
#[cfg(feature = "cli")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod show;
#[cfg(feature = "grading")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod signals;
#[cfg(feature = "cli")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod suggest;
#[cfg(feature = "cli")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod timing;
#[cfg(feature = "cli")]
#[allow(missing_docs, missing_debug_implementations)]
pub mod tour;

mod cargo_target;
mod replay_line;
mod util;

pub use lesson::Class;
pub use model::{Check, Model, ModelFn, check, check_variant};
pub use runtime::Backend;
pub use runtime::sight::BlindSpot;
pub use thread::Threads;

/// What a test of your own uses, in one import: `use interleave::prelude::*;` brings the check
/// builder and `model!`, [`Threads`] (for `R::spawn`), the [`runtime::Runtime`] trait and the
/// facade's sync types.
pub mod prelude {
    pub use crate::runtime::Runtime;
    pub use crate::sync::{
        Arc, AtomicUsize, Barrier, Condvar, Mutex, Once, OnceLock, RwLock, Shared, mpsc,
    };
    pub use crate::{Threads, check, model, thread};
}
