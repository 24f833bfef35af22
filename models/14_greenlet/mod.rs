//! # greenlet (tutorial 三.2): coroutines switch only where the program says so
//!
//! The tutorial's two greenlets take turns by naming each other:
//!
//! ```python
//! def eat(name):                     def play(name):
//!     print('%s eat 1' % name)           print('%s play 1' % name)
//!     g2.switch('egon')                  g1.switch()
//!     print('%s eat 2' % name)           print('%s play 2' % name)
//!     g2.switch()
//! g1 = greenlet(eat); g2 = greenlet(play); g1.switch('egon')
//! ```
//!
//! `switch` hands over the processor *and a value*: the first switch into a greenlet starts it
//! with that value as its argument, a later one is what the suspended `switch` returns. When
//! `play` returns, control goes back to its parent, the main greenlet, and the program ends...
//! with `eat` still suspended in its second `g2.switch()`. Python drops it silently.
//!
//! Here every greenlet is a task of the [`crate::greenlet`] facade, and the program waits for
//! its greenlets before it ends (`join`), so a greenlet left suspended is not lost silently:
//!
//! - `switch`: main switches back to `eat` once `play` has returned, and `eat` finishes. Under
//!   every schedule the same four lines come out in the same order: a switch names who runs
//!   next, so there is nothing left to choose. loom proves it: one outcome, exhaustively.
//! - `missing-switch-back` (DEADLOCK): the tutorial's program as written. Nobody switches back
//!   to `eat`; main waits for it to finish; the checkers report the deadlock, naming `eat` as
//!   waiting for a switch back and main as waiting for `eat`.
//!
//! The switch's cost is the tutorial's other point: its loop with a switch per iteration took
//! 52.76 s against 10.99 s plain (4.8x). `time greenlet` measures a plain call, a stackful
//! coroutine switch, an async task handoff and an OS thread handoff side by side.

#[cfg(not(loom))]
pub mod timing;

use crate::greenlet::{Greenlet, Greenlets};
use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row, Threads};
use crate::program::Printed;
use crate::runtime::Runtime;
use crate::task;
use std::fmt;

/// What a switch carries: the tutorial passes a name once, and nothing after.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    Name(&'static str),
    Nothing,
}

impl fmt::Debug for Passed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Passed::Name(name) => write!(f, "'{name}'"),
            Passed::Nothing => write!(f, "()"),
        }
    }
}

impl Passed {
    fn name(self) -> &'static str {
        match self {
            Passed::Name(name) => name,
            Passed::Nothing => "(no name)",
        }
    }
}

/// Whether main switches back to `eat` once `play` has returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    SwitchBack,
    MissingSwitchBack,
}

/// The tutorial's output, in its order.
pub const LINES: [&str; 4] = ["egon eat 1", "egon play 1", "egon eat 2", "egon play 2"];

async fn eat<R: Runtime>(out: Greenlets<R, Passed>, play: Greenlet<R, Passed>, name: Passed) {
    let name = name.name();
    out.print(format!("{name} eat 1"));
    play.switch(Passed::Name(name)).await;
    out.print(format!("{name} eat 2"));
    play.switch(Passed::Nothing).await;
}

async fn play<R: Runtime>(out: Greenlets<R, Passed>, eat: Greenlet<R, Passed>, name: Passed) {
    let name = name.name();
    out.print(format!("{name} play 1"));
    eat.switch(Passed::Nothing).await;
    out.print(format!("{name} play 2"));
}

/// Two greenlets, `eat` and `play`, switching to each other by name.
pub struct EatPlay;

impl Lesson for EatPlay {
    type Version = Version;
    type Outcome = Printed;
    /// Always the tutorial's two greenlets (`--threads` is not used).
    const THREADS: Threads = Threads::same(2);
    /// Every schedule is the same one: a few thousand samples say as much as fifty thousand.
    const CHECK_EXECUTIONS: usize = 2_000;

    fn run<R: Runtime>(version: Version, _params: &Params) -> Printed {
        task::block_on::<R, _>(async move {
            let greenlets = Greenlets::<R, Passed>::new();
            let (g1, g2) = (greenlets.greenlet("eat"), greenlets.greenlet("play"));
            let (out, other) = (greenlets.clone(), g2.clone());
            g1.run(move |name| async move {
                eat(out, other, name).await;
                Passed::Nothing
            });
            let (out, other) = (greenlets.clone(), g1.clone());
            g2.run(move |name| async move {
                play(out, other, name).await;
                Passed::Nothing
            });
            // Back here when `play` returns, `eat` suspended in its second switch.
            g1.switch(Passed::Name("egon")).await;
            if version == Version::SwitchBack {
                g1.switch(Passed::Nothing).await;
            }
            g1.join().await;
            g2.join().await;
            Printed(greenlets.printed())
        })
    }

    fn classify(_: Version, outcome: &Printed, _: &Params) -> (Class, &'static str) {
        if *outcome == Printed::lines(&LINES) {
            (Class::Acceptable, "the tutorial's order, every time")
        } else {
            (Class::Forbidden, "a switch went somewhere it did not name")
        }
    }

    fn possible_outcomes(version: Version, _: &Params) -> Option<Vec<Printed>> {
        match version {
            Version::SwitchBack => Some(vec![Printed::lines(&LINES)]),
            Version::MissingSwitchBack => Some(Vec::new()),
        }
    }
}

pub const SWITCH: Row<EatPlay> = Row::new(
    "greenlet/switch",
    Version::SwitchBack,
    Expect::Holds,
    "eat and play switch by name, values passed; main switches back to eat at the end",
)
.max_threads(2);
pub const MISSING_SWITCH_BACK: Row<EatPlay> = Row::new(
    "greenlet/missing-switch-back",
    Version::MissingSwitchBack,
    Expect::Deadlock,
    "the tutorial as written: nobody switches back to eat, and main waits for it",
)
.max_threads(2);

pub fn concept() -> Concept {
    let concept = Concept::new(
        "greenlet",
        "greenlet: coroutines switch only where the program says so (tutorial 三.2)",
        file!(),
    )
    .rows(&[SWITCH, MISSING_SWITCH_BACK]);
    #[cfg(not(loom))]
    let concept = concept.timing(timing::timing);
    concept
}
