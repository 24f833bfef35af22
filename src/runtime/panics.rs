//! What the backends' own panics say, in one place. Shuttle and loom report some findings by
//! panicking (a deadlock, an execution that ran too long), and their texts are all there is to
//! tell them by. Pinned to the versions `Cargo.toml` fixes with `=`: shuttle 0.9.10 (its engine
//! 0.1.8, its std 0.1.5) and loom 0.7.3; `tests/models/backend_panics.rs` provokes each one.

/// A finding a backend reports by panicking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendFinding {
    /// Every thread left is blocked.
    Deadlock,
    /// An execution ran past the step or branch bound: a livelock or a spin.
    StepLimit,
    /// Shuttle's PCT found no step at which two threads could run.
    Sequential,
}

/// The finding a backend's panic message reports, if it reports one.
pub fn backend_finding(message: &str) -> Option<BackendFinding> {
    // shuttle: "deadlock! blocked tasks: [...]" and "deadlock! task main-thread(0) tried to
    // acquire a Mutex it already holds"; loom: "deadlock; threads = [...]".
    if message.starts_with("deadlock! ") || message.starts_with("deadlock; threads =") {
        Some(BackendFinding::Deadlock)
    } else if message.starts_with("exceeded max_steps bound")
        || message.starts_with("Model exceeded maximum number of branches")
    {
        Some(BackendFinding::StepLimit)
    } else if message.contains("did not exercise any concurrency") {
        Some(BackendFinding::Sequential)
    } else {
        None
    }
}

/// The text of a panic's payload (a `&str` or a `String`, as `panic!` makes them).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}
