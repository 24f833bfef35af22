//! The grading gate: a student's implementation of an exercise's trait, checked by the
//! exercise's properties under shuttle (and loom), with reports a course's CI can read.
//!
//! An exercise is a trait over the facade (a counter, a reentrant lock, a queue, a table of
//! philosophers, a thread pool) and a list of named [`Property`] programs, each generic over any
//! implementation of that trait. The lessons' own correct and broken versions are
//! implementations too ([`Builtin`]), checked by the same properties. A student's file is
//! compiled in a harness crate the gate owns ([`harness`]) and graded in a child process
//! ([`child`]); the JSON [`report`] is what every other format is made from.

#[cfg(feature = "cli")]
/// A [`Builtin`] over `$submission` (a type naming `R`): the plug the harness writes for a
/// student's file, made here for one of the project's own implementations.
macro_rules! builtin {
    ($module:ident, $name:expr, $submission:ty, $fails:expr $(,)?) => {{
        struct Plugged;
        impl $crate::gate::exercises::$module::Plug for Plugged {
            type Submission<R: $crate::runtime::Runtime> = $submission;
        }
        $crate::gate::Builtin {
            name: $name,
            properties: $crate::gate::exercises::$module::properties::<Plugged>,
            fails: $fails,
        }
    }};
}

// What a harness links (the `grading` feature): the contracts and properties, the child.
pub mod child;
pub mod exercises;
pub mod grade;
pub mod limits;
pub mod report;
pub mod sanitise;

// The command line's grading: building harnesses, running children, reports.
#[cfg(feature = "cli")]
pub mod command;
#[cfg(feature = "cli")]
pub mod formats;
#[cfg(feature = "cli")]
pub mod harness;
#[cfg(feature = "cli")]
pub mod run;
#[cfg(feature = "cli")]
pub mod sandbox;
#[cfg(feature = "cli")]
pub mod screen;
#[cfg(feature = "cli")]
pub mod shard;

use crate::lesson::Variant;

#[cfg(feature = "cli")]
pub use exercises::{all as exercises, find as find_exercise};

/// One property of an exercise: a program over the submission that panics (or deadlocks) when
/// the property fails.
#[derive(Clone, Debug)]
pub struct Property {
    /// Kebab-case, unique within its exercise: `no-lost-update`.
    pub name: &'static str,
    /// One line for students: what holds when the property holds.
    pub statement: &'static str,
    /// The program, as the checker runs it (its id is `exercise/property`).
    pub variant: Variant,
}

/// An exercise: its statement, the files a student starts from, and its properties.
#[cfg(feature = "cli")]
pub struct Exercise {
    /// Kebab-case: `bounded-queue`.
    pub name: &'static str,
    /// One line, for `interleave exercises`.
    pub statement: &'static str,
    /// The README written beside the starter file (markdown).
    pub readme: &'static str,
    /// The file a student starts from: compiles, and fails at least one property.
    pub starter: &'static str,
    /// The project's own solution: passes every property.
    pub reference: &'static str,
    /// The module under `interleave::gate::exercises` whose `Plug` trait and `properties`
    /// function the harness names.
    pub module: &'static str,
    /// Implementations kept in the project: the reference, the starter, the lesson's variants.
    pub builtins: fn() -> Vec<Builtin>,
}

/// An implementation of an exercise that lives in this crate, graded without compiling.
#[cfg(feature = "cli")]
pub struct Builtin {
    /// `reference`, `starter`, or a lesson's variant id (`rlock/if-not-while`).
    pub name: &'static str,
    /// The exercise's properties over this implementation.
    pub properties: fn() -> Vec<Property>,
    /// The property this implementation is built to fail (`None`: it passes them all).
    pub fails: Option<&'static str>,
}

#[cfg(feature = "cli")]
impl Exercise {
    /// The exercise's properties over its reference solution (their names and statements are
    /// the same over every implementation).
    pub fn properties(&self) -> Vec<Property> {
        let reference = self.builtin("reference");
        (reference
            .expect("every exercise has a reference")
            .properties)()
    }

    pub fn builtin(&self, name: &str) -> Option<Builtin> {
        (self.builtins)().into_iter().find(|b| b.name == name)
    }
}

#[cfg(feature = "cli")]
impl std::fmt::Debug for Exercise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exercise")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
