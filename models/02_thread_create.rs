//! # Two ways to create a thread (tutorial 3.3.1)
//!
//! Python offers a function target (`Thread(target=sayhi, args=('egon',))`) or a subclass of
//! `Thread` that overrides `run()`. They are the same thing: a body for a new thread to run.
//! Here the target is a closure, and the "subclass" is a type that implements [`Run`]; both are
//! started by the same [`Program::thread`] machinery.
//!
//! The thread sleeps 2 s before it greets, so the tutorial shows `main thread` first; but the
//! sleep is no promise, and a checker also finds the greeting first. Neither thread is a
//! daemon, so the greeting is always printed: those two outputs are all there is.

use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row, Threads};
use crate::program::{self, Printed, Program, Run, Shutdown};
use crate::runtime::Runtime;
use crate::thread;
use std::time::Duration;

fn say_hi<R: Runtime>(out: &Program<R>, name: &str) {
    thread::sleep::<R>(Duration::from_secs(2));
    out.print(format!("{name} say hello"));
}

fn with_target<R: Runtime>() -> Printed {
    let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| {
        let out = main.clone();
        main.thread(move || say_hi(&out, "egon")).start();
        main.print("main thread");
    });
    Printed(exit.output)
}

/// The subclass style: the thread's state is the struct, its body is `run`.
struct SayHi<R: Runtime> {
    out: Program<R>,
}

impl<R: Runtime> Run for SayHi<R> {
    type Output = ();

    fn run(self) {
        // The subclass named the thread; `run` reads its own name back, as `self.name` does.
        let name = self.out.current_thread().name();
        say_hi(&self.out, &name);
    }
}

fn with_run_trait<R: Runtime>() -> Printed {
    let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| {
        main.thread_of(SayHi { out: main.clone() })
            .name("egon")
            .start();
        main.print("main thread");
    });
    Printed(exit.output)
}

fn possible() -> Vec<Printed> {
    vec![
        Printed::lines(&["egon say hello", "main thread"]),
        Printed::lines(&["main thread", "egon say hello"]),
    ]
}

fn classify(outcome: &Printed) -> (Class, &'static str) {
    if *outcome == Printed::lines(&["main thread", "egon say hello"]) {
        (
            Class::Acceptable,
            "the tutorial's order: the thread is still asleep",
        )
    } else if possible().contains(outcome) {
        (
            Class::Interesting,
            "the thread greeted first: a sleep orders nothing",
        )
    } else {
        (
            Class::Forbidden,
            "a non-daemon thread's greeting went missing",
        )
    }
}

/// The same greeting, started either way.
pub struct ThreadCreate;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `Thread(target=sayhi, args=('egon',))`: a closure as the body.
    Target,
    /// A `Thread` subclass: a type that implements [`Run`].
    RunTrait,
}

impl Lesson for ThreadCreate {
    type Version = Version;
    type Outcome = Printed;
    const THREADS: Threads = Threads::same(1);

    fn run<R: Runtime>(version: Version, _: &Params) -> Printed {
        match version {
            Version::Target => with_target::<R>(),
            Version::RunTrait => with_run_trait::<R>(),
        }
    }

    fn classify(_: Version, outcome: &Printed, _: &Params) -> (Class, &'static str) {
        classify(outcome)
    }

    fn possible_outcomes(_: Version, _: &Params) -> Option<Vec<Printed>> {
        Some(possible())
    }
}

pub const TARGET: Row<ThreadCreate> = Row::new(
    "thread-create/target",
    Version::Target,
    Expect::Holds,
    "Thread(target=...): a closure as the body",
)
.max_threads(1);
pub const RUN_TRAIT: Row<ThreadCreate> = Row::new(
    "thread-create/run-trait",
    Version::RunTrait,
    Expect::Holds,
    "a Thread subclass: a type whose run() is the body",
)
.max_threads(1);

pub fn concept() -> Concept {
    Concept::new(
        "thread-create",
        "two ways to create a thread: a target, or a run() of its own (tutorial 3.3.1)",
        file!(),
    )
    .rows(&[TARGET, RUN_TRAIT])
}
