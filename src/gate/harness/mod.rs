//! The harness a submission is graded in, in its three steps, each a module of its own:
//!
//! - [`submission`]: reading the student's files ([`Submission::read`]);
//! - [`build`]: writing and compiling the submission's harness crate ([`Harness::build`]), or
//!   [`batch`]: many submissions' in one crate ([`Harness::build_together`]);
//! - [`child_run`]: running the built binary as a supervised child (`run_child`) and believing
//!   only what it reported in order ([`results_of`]).
//!
//! [`crate::gate::run`] calls them in that order, with the static screen between reading and
//! building. This module holds what the three share: [`Refusal`] (why a submission gets no
//! results) and the process-group plumbing the build and the child both run under.

pub mod batch;
pub mod build;
pub mod child_run;
pub mod submission;
#[cfg(test)]
mod tests;

pub use batch::BATCH_SIZE;
pub use build::{
    Built, Harness, Member, default_work, interleave_dependency, outside_build_settings, work_under,
};
pub use child_run::{Run, results_of, run_child};
pub use submission::{
    MAX_SUBMISSION_BYTES, MAX_SUBMISSION_FILES, Origin, STARTER_FILE, Submission,
};

use super::report::{Location, Status};
use std::io::Read;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// What is kept of the compiler's errors, and of what a submission printed.
const MAX_TEXT: usize = 8 * 1024;

/// Why a submission cannot be graded: refused (status rejected) or the grader failed (error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: Status,
    pub message: String,
    pub location: Option<Location>,
}

impl Refusal {
    pub fn rejected(message: impl Into<String>) -> Refusal {
        Refusal {
            status: Status::Rejected,
            message: message.into(),
            location: None,
        }
    }

    pub fn error(message: impl Into<String>) -> Refusal {
        Refusal {
            status: Status::Error,
            message: message.into(),
            location: None,
        }
    }
}

/// The first `limit` bytes of `source`, as text; the rest is read and dropped, so that the
/// writer never blocks on a full pipe.
fn read_capped(source: Option<impl Read>, limit: u64) -> String {
    let mut kept = Vec::new();
    if let Some(mut source) = source {
        let _ = (&mut source).take(limit).read_to_end(&mut kept);
        let _ = std::io::copy(&mut source, &mut std::io::sink());
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// `text` trimmed and cut to `limit` bytes (at a character's boundary), with a mark where it was
/// cut.
fn cut_at(text: &str, limit: usize) -> String {
    let mut text = text.trim().to_owned();
    if text.len() > limit {
        let mut cut = limit;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n…");
    }
    text
}

/// Waits for the child until `deadline` or a stop signal (see [`crate::signals`]); then kills
/// its whole process group. Always reaps, and always kills what is left of the group (what the
/// child forked).
fn wait_within(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                kill_group(child);
                return Some(status);
            }
            Ok(None) if Instant::now() < deadline && crate::signals::received().is_none() => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                kill_group(child);
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// Kills everything left in the child's process group (what it forked, too).
fn kill_group(child: &Child) {
    if let Ok(group) = i32::try_from(child.id()) {
        // SAFETY: a signal to the process group the gate created for this child.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}
