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

/// The two ways to give a thread its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `Thread(target=sayhi, args=('egon',))`: a closure as the body.
    Target,
    /// A `Thread` subclass: a type that implements [`Run`].
    RunTrait,
}

/// The tutorial's program: a thread that greets after 2 s, created the `version` way, and main's
/// own line.
fn greeting<R: Runtime>(version: Version) -> Printed {
    let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| {
        match version {
            Version::Target => {
                let out = main.clone();
                main.thread(move || say_hi(&out, "egon")).start();
            }
            Version::RunTrait => {
                main.thread_of(SayHi { out: main.clone() })
                    .name("egon")
                    .start();
            }
        }
        main.print("main thread");
    });
    Printed(exit.output)
}

/// Two lines printed by two threads: the order that is typical, why, and why the other order is
/// rare. Both orders can occur, a missing line cannot.
pub struct TwoLines {
    pub typical: [&'static str; 2],
    pub why_typical: &'static str,
    pub why_rare: &'static str,
    pub why_missing: &'static str,
}

impl TwoLines {
    /// Both orders, sorted.
    pub fn both_orders(&self) -> Vec<Printed> {
        let [first, second] = self.typical;
        let mut both = vec![
            Printed::lines(&[first, second]),
            Printed::lines(&[second, first]),
        ];
        both.sort();
        both
    }

    pub fn classify(&self, outcome: &Printed) -> (Class, &'static str) {
        if *outcome == Printed::lines(&self.typical) {
            (Class::Acceptable, self.why_typical)
        } else if self.both_orders().contains(outcome) {
            (Class::Interesting, self.why_rare)
        } else {
            (Class::Forbidden, self.why_missing)
        }
    }
}

const GREETING: TwoLines = TwoLines {
    typical: ["main thread", "egon say hello"],
    why_typical: "the tutorial's order: the thread is still asleep",
    why_rare: "the thread greeted first: a sleep orders nothing",
    why_missing: "a non-daemon thread's greeting went missing",
};

/// The same greeting, started either way.
pub struct ThreadCreate;

impl Lesson for ThreadCreate {
    type Version = Version;
    type Outcome = Printed;
    const THREADS: Threads = Threads::same(1);

    fn run<R: Runtime>(version: Version, _: &Params) -> Printed {
        greeting::<R>(version)
    }

    fn classify(_: Version, outcome: &Printed, _: &Params) -> (Class, &'static str) {
        GREETING.classify(outcome)
    }

    fn possible_outcomes(_: Version, _: &Params) -> Option<Vec<Printed>> {
        Some(GREETING.both_orders())
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
