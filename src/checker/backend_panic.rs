//! Telling a backend's own panic from the model's. A panic raised in shuttle's or loom's source
//! is the backend speaking: a few of its messages are verdicts about the model (a deadlock, a
//! step limit), and any other is the checker's error, never the model's violation. A panic
//! raised anywhere else (the model, the facade, std on the model's behalf) is the model's.
//!
//! Where each panic was raised comes from the panic hook ([`note_site`]), kept per recorder so
//! that checks running side by side (tests) do not mix them up. What the messages mean is
//! [`backend_finding`]'s, the one place that reads them.

use crate::runtime::{BackendFinding, backend_finding};
use crate::trace::Recorder;
use crate::util::lock_unpoisoned;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a panic in an explored execution means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The model panicked: an assertion, an unwrap, an overflow. A violation.
    Model,
    /// The backend found every thread left blocked.
    Deadlock,
    /// The backend stopped an execution that ran too long: a livelock or a spin.
    StepLimit,
    /// Shuttle's PCT found no step at which two threads could run: one schedule is all there is.
    Sequential,
    /// Anything else the backend raised: a limit, a parameter it refused, a replay it could not
    /// follow. The checker's error.
    Backend,
}

/// Sorts a panic by its message and the source file it was raised in (`None` when no hook saw
/// it: then only the message can tell).
pub(crate) fn cause(message: &str, site: Option<&str>) -> Cause {
    let from_backend = site.map(is_backend_source);
    if from_backend == Some(false) {
        return Cause::Model;
    }
    match backend_finding(message) {
        Some(BackendFinding::Deadlock) => Cause::Deadlock,
        Some(BackendFinding::StepLimit) => Cause::StepLimit,
        Some(BackendFinding::Sequential) => Cause::Sequential,
        None if from_backend == Some(true) => Cause::Backend,
        None => Cause::Model,
    }
}

/// Whether `file` (a panic location) is in shuttle's or loom's crates.
fn is_backend_source(file: &str) -> bool {
    let file = file.replace('\\', "/");
    ["/shuttle-", "/shuttle_", "/loom-"]
        .iter()
        .any(|crate_dir| file.contains(crate_dir))
}

type Sites = Mutex<HashMap<usize, String>>;

fn sites() -> &'static Sites {
    static SITES: std::sync::OnceLock<Sites> = std::sync::OnceLock::new();
    SITES.get_or_init(Sites::default)
}

fn key(recorder: &Arc<Recorder>) -> usize {
    Arc::as_ptr(recorder) as usize
}

/// Keeps where the first panic recorded into `recorder` was raised.
pub(crate) fn note_site(recorder: &Arc<Recorder>, file: &str) {
    lock_unpoisoned(sites())
        .entry(key(recorder))
        .or_insert_with(|| file.to_owned());
}

/// Where the first panic since the last [`forget_site`] was raised, and forgets it.
pub(crate) fn take_site(recorder: &Arc<Recorder>) -> Option<String> {
    lock_unpoisoned(sites()).remove(&key(recorder))
}

pub(crate) fn forget_site(recorder: &Arc<Recorder>) {
    take_site(recorder);
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHUTTLE: &str =
        "/root/.cargo/registry/src/index.crates.io-0/shuttle-engine-0.1.8/src/runtime/execution.rs";
    const LOOM: &str = "/root/.cargo/registry/src/index.crates.io-0/loom-0.7.3/src/rt/execution.rs";
    const MODEL: &str = "src/../models/09_rlock.rs";

    #[test]
    fn a_model_panic_is_the_model_s_even_when_it_says_deadlock() {
        assert_eq!(
            cause("deadlock! blocked tasks: [main]", Some(MODEL)),
            Cause::Model
        );
        assert_eq!(cause("mutual exclusion: ...", Some(MODEL)), Cause::Model);
    }

    #[test]
    fn backend_messages_are_sorted_by_what_they_say() {
        assert_eq!(
            cause("deadlock! blocked tasks: [main]", Some(SHUTTLE)),
            Cause::Deadlock
        );
        assert_eq!(
            cause("deadlock; threads = [..]", Some(LOOM)),
            Cause::Deadlock
        );
        assert_eq!(
            cause(
                "deadlock! task main-thread(0) tried to acquire a Mutex it already holds",
                Some(SHUTTLE)
            ),
            Cause::Deadlock
        );
        assert_eq!(
            cause("exceeded max_steps bound 10. this might", Some(SHUTTLE)),
            Cause::StepLimit
        );
        assert_eq!(
            cause(
                "Model exceeded maximum number of branches. This is",
                Some(LOOM)
            ),
            Cause::StepLimit
        );
        assert_eq!(
            cause(
                "expected context switch but next schedule step is random choice",
                Some(SHUTTLE)
            ),
            Cause::Backend
        );
        assert_eq!(
            cause("preemption_bound too big", Some(LOOM)),
            Cause::Backend
        );
    }

    #[test]
    fn with_no_site_only_the_message_tells() {
        assert_eq!(cause("deadlock; threads = []", None), Cause::Deadlock);
        assert_eq!(cause("assertion failed", None), Cause::Model);
    }
}
