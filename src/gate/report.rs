//! The gate's report, as JSON: the one source every other format (text, JUnit, GitHub
//! annotations, Gradescope) is made from. Its schema is `gate/report.schema.json`; a change
//! that is not backward compatible bumps [`SCHEMA`].

use serde::{Deserialize, Serialize};

/// The schema's name and version, written into every report.
pub const SCHEMA: &str = "interleave-gate/3";

/// A grading run: one exercise, one or many submissions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateReport {
    pub schema: String,
    /// The version of interleave that graded.
    pub interleave: String,
    pub exercise: String,
    /// `shuttle`, `loom`, or both, in that order.
    pub backends: Vec<String>,
    /// The `--seed` that overrode every property's own seed, if one did.
    pub seed_override: Option<u64>,
    /// The children's sandbox: `namespaces` (no network, a read-only file system but a scratch
    /// directory, nothing outlives the child), or `none, because …` (see `gate::sandbox`).
    pub sandbox: String,
    pub submissions: Vec<SubmissionReport>,
    pub summary: Summary,
    /// Which part of a class this run graded (`--shard K/N`); absent when it graded every path
    /// it was given, or when it is the merge of a run's shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// Present when a stop signal ended the grade before every path was graded: which signal,
    /// and how many were (`merge-reports` refuses such a report: the others are missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_short: Option<String>,
}

/// Shard `index` of `count`: the submissions whose name hashes to it (see
/// [`crate::gate::shard`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    /// 1-based: `1..=count`.
    pub index: u32,
    pub count: u32,
}

/// What happened to a submission, or to one property of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every required property holds (for a property: it holds).
    Pass,
    /// The backend cannot produce a behaviour the property depends on (loom: spurious
    /// wake-ups, timeouts firing): nothing is claimed, and no point is given.
    NotChecked,
    /// A loom search spent its execution budget with executions left: no failure in what it
    /// explored, but not every execution.
    Unfinished,
    /// A property fails: a violation, a deadlock, or a step limit, with a counterexample.
    Fail,
    /// The submission ran past the wall-clock limit; no verdict on what did not finish.
    Timeout,
    /// Refused before running: it did not compile, or broke the gate's rules.
    Rejected,
    /// The grader failed (a checker's own error, a child that died): never a pass.
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::NotChecked => "not-checked",
            Status::Unfinished => "unfinished",
            Status::Fail => "fail",
            Status::Timeout => "timeout",
            Status::Rejected => "rejected",
            Status::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmissionReport {
    /// The path as it was given on the command line (or `builtin:NAME`).
    pub submission: String,
    pub status: Status,
    /// Why it was rejected or could not be graded (compiler errors, the rule it broke).
    pub message: Option<String>,
    /// Where the message points, in the submission, if anywhere.
    pub location: Option<Location>,
    pub properties: Vec<PropertyResult>,
    /// What the submission printed while it ran (untrusted, cut to a few KiB).
    pub output: Option<String>,
    pub elapsed_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub file: String,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyResult {
    pub property: String,
    pub statement: String,
    pub backend: String,
    pub status: Status,
    /// For a failure: `violation`, `deadlock` or `step-limit`.
    pub finding: Option<String>,
    /// For a failure, the property's own message; for an error, what failed.
    pub message: Option<String>,
    pub coverage: Option<Coverage>,
    pub counterexample: Option<Counterexample>,
    pub elapsed_ms: u64,
}

/// What a verdict rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// `exhaustive`: every execution up to the preemption bound (loom); `sampled`: so many
    /// executions from a seed (shuttle), which shows no more than it ran.
    pub kind: CoverageKind,
    pub executions: u64,
    pub threads: u32,
    pub seed: Option<u64>,
    pub strategy: Option<String>,
    pub preemption_bound: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageKind {
    Exhaustive,
    Sampled,
}

/// The failing execution: its timeline and how to run exactly it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counterexample {
    /// 1-based index of the failing execution in the search.
    pub execution: u64,
    /// The events that explain the failure, in order.
    pub timeline: Vec<Step>,
    /// The failure as the text report prints it.
    pub text: String,
    /// The replay token.
    pub replay: String,
    /// A command that re-runs exactly this execution and prints its timeline.
    pub replay_command: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// 1-based position in the execution's whole timeline.
    pub step: u64,
    pub thread: String,
    pub action: String,
    /// Where in the submission (or the exercise) the operation was called.
    pub location: Option<Location>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub submissions: u64,
    pub pass: u64,
    pub not_checked: u64,
    pub unfinished: u64,
    pub fail: u64,
    pub timeout: u64,
    pub rejected: u64,
    pub error: u64,
}

impl Summary {
    pub fn of(submissions: &[SubmissionReport]) -> Summary {
        let mut summary = Summary {
            submissions: submissions.len() as u64,
            ..Summary::default()
        };
        for submission in submissions {
            *match submission.status {
                Status::Pass => &mut summary.pass,
                Status::NotChecked => &mut summary.not_checked,
                Status::Unfinished => &mut summary.unfinished,
                Status::Fail => &mut summary.fail,
                Status::Timeout => &mut summary.timeout,
                Status::Rejected => &mut summary.rejected,
                Status::Error => &mut summary.error,
            } += 1;
        }
        summary
    }
}

impl SubmissionReport {
    /// A submission's status from its properties': each property's backends combined
    /// ([`Status::combined`]), then any error is an error, then any timeout, any failure, any
    /// unfinished search, any property nobody could check; no property at all is an error
    /// (nothing was shown).
    pub fn status_of(properties: &[PropertyResult]) -> Status {
        if properties.is_empty() {
            return Status::Error;
        }
        let mut names: Vec<&str> = properties.iter().map(|p| p.property.as_str()).collect();
        names.dedup();
        let combined: Vec<Status> = names
            .iter()
            .map(|name| {
                Status::combined(
                    properties
                        .iter()
                        .filter(|p| p.property == *name)
                        .map(|p| p.status),
                )
            })
            .collect();
        [
            Status::Error,
            Status::Timeout,
            Status::Fail,
            Status::Unfinished,
            Status::NotChecked,
        ]
        .into_iter()
        .find(|status| combined.contains(status))
        .unwrap_or(Status::Pass)
    }
}

impl Status {
    /// One property's status over the backends that graded it: it fails (or errs, or times
    /// out) if it does on any; it passes if it passed on a backend that could check it; else it
    /// is unfinished, or not checked by anyone.
    pub fn combined(statuses: impl IntoIterator<Item = Status>) -> Status {
        let statuses: Vec<Status> = statuses.into_iter().collect();
        [
            Status::Error,
            Status::Timeout,
            Status::Fail,
            Status::Pass,
            Status::Unfinished,
            Status::NotChecked,
        ]
        .into_iter()
        .find(|status| statuses.contains(status))
        .unwrap_or(Status::Error)
    }

    /// Whether nothing was claimed either way (not a failure, not a pass).
    pub fn is_unclaimed(self) -> bool {
        matches!(self, Status::NotChecked | Status::Unfinished)
    }
}

impl GateReport {
    /// The command's exit code: 4 the grader failed, 3 a submission was rejected, 1 a property
    /// failed or timed out, 5 a property could not be checked or its search did not finish, 0
    /// every property of every submission holds.
    pub fn exit_code(&self) -> i32 {
        let has = |status| self.submissions.iter().any(|s| s.status == status);
        if has(Status::Error) {
            4
        } else if has(Status::Rejected) {
            3
        } else if has(Status::Fail) || has(Status::Timeout) {
            1
        } else if has(Status::Unfinished) || has(Status::NotChecked) {
            5
        } else {
            0
        }
    }
}
