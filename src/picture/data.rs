//! A run's report as one serializable document: what `--format json` prints (its schema is
//! `report.schema.json`, beside this file) and what the pictures are drawn from, so the two
//! always agree. Threads are numbers into `failure.threads`, events numbers into
//! `failure.events` (0-based; the terminal's step numbers are these plus one).

use crate::checker::{Report, Verdict};
use crate::lesson::{Class, Observed, Timing};
use crate::report;
use crate::trace::{Action, ObjId, Tid, Trace};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The document's kind and format version; a change that breaks a reader changes it.
pub const SCHEMA: &str = "interleave-run/2";

/// One `check`, `outcomes` or `replay` run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// Always [`SCHEMA`].
    pub schema: String,
    pub id: String,
    /// `check`, `outcomes` or `replay`.
    pub command: String,
    pub backend: String,
    pub threads: usize,
    /// `holds`, `not checked`, `violated`, `deadlock` or `step limit`.
    pub verdict: String,
    /// The verdict line the terminal prints.
    pub headline: String,
    /// Executions explored. A check stops at its failure, so unless cut short this is the
    /// failure's `execution`; `outcomes` goes on past it.
    pub executions: usize,
    pub elapsed_seconds: f64,
    /// What bounded the search, in words.
    pub bounds: String,
    pub seed: Option<u64>,
    pub preemption_bound: Option<usize>,
    pub exhaustive: bool,
    pub interrupted: bool,
    /// Loom: the search spent its execution budget with executions left.
    pub unfinished: bool,
    pub outcomes: Outcomes,
    pub failure: Option<FailureData>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    pub total: usize,
    pub rows: Vec<OutcomeRow>,
    /// Under loom, every outcome the variant declares possible, and whether it was seen.
    pub declared: Option<Vec<DeclaredOutcome>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRow {
    pub text: String,
    /// `acceptable`, `interesting` or `forbidden`.
    pub class: String,
    pub meaning: String,
    pub count: usize,
    /// `count` over the table's total, in 0..=1.
    pub frequency: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredOutcome {
    pub text: String,
    pub class: String,
    pub meaning: String,
    pub seen: bool,
}

/// The failing execution: its events, who was blocked on what, and what explains it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureData {
    pub message: String,
    /// 1-based number of the failing execution in the whole search (all jobs): the number its
    /// replay token names and the replay prints.
    pub execution: usize,
    pub outcome: Option<String>,
    pub replay_token: Option<String>,
    pub replay_command: Option<String>,
    /// Thread names, by thread number.
    pub threads: Vec<String>,
    pub events: Vec<EventData>,
    /// Events past the recorder's limit, not kept.
    pub events_dropped: usize,
    pub blocked: Vec<BlockedData>,
    /// A deadlock's ring, as thread numbers in order: each waits for what the next holds (a lock,
    /// or its finish), the last for the first. Empty when there is none.
    pub ring: Vec<usize>,
    /// The ring in one line, as the terminal prints it.
    pub cycle: Option<String>,
    pub lost_update: Option<LostUpdateData>,
    /// The events that explain the failure (the rest are folded away in the timeline).
    pub shown: Shown,
    /// Every stretch during which a thread held a lock.
    pub holds: Vec<Holding>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventData {
    pub thread: usize,
    /// The action's kind: `read`, `write`, `acquire`, `release`, `spawn`, ... (snake case).
    pub kind: String,
    /// The action in words, as the terminal timeline shows it.
    pub text: String,
    /// The object acted on (a lock, condvar or variable), by name.
    pub object: Option<String>,
    /// The value read or written.
    pub value: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockedData {
    pub thread: usize,
    pub holds: Vec<String>,
    pub waits_for: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LostUpdateData {
    pub var: String,
    pub overwritten: usize,
    pub stale: usize,
    /// Event numbers, in order: both threads' reads and writes.
    pub events: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shown {
    pub heading: String,
    pub events: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holding {
    pub thread: usize,
    pub lock: String,
    /// The event that took it.
    pub from: usize,
    /// The event that let it go; none if it was still held at the end.
    pub until: Option<usize>,
}

/// A native timing table, each row with its ratio where it has one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingData {
    pub title: String,
    pub setup: String,
    pub rows: Vec<TimingRowData>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingRowData {
    pub label: String,
    pub seconds: f64,
    pub ratio: Option<f64>,
    pub note: String,
}

/// The tour: every concept's runs and timing, in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tour {
    pub concepts: Vec<ConceptData>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConceptData {
    pub id: String,
    pub title: String,
    pub file: String,
    pub runs: Vec<Run>,
    pub timing: Option<TimingData>,
}

/// How a run was asked for, beyond what its report says.
pub struct Asked<'a> {
    pub command: &'a str,
    pub seed: Option<u64>,
    pub preemption_bound: Option<usize>,
    /// The variant's declared outcomes (shown beside the seen ones under loom).
    pub declared: Option<Vec<Observed>>,
}

impl Run {
    pub fn from_report(report: &Report, asked: Asked<'_>) -> Run {
        let headline = report::verdict(report)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        Run {
            schema: SCHEMA.to_owned(),
            id: report.id.to_owned(),
            command: asked.command.to_owned(),
            backend: report.backend.name().to_owned(),
            threads: report.params.threads,
            verdict: report.verdict.name().to_owned(),
            headline,
            executions: report.executions,
            elapsed_seconds: report.elapsed.as_secs_f64(),
            bounds: report.bounds.clone(),
            seed: asked.seed,
            preemption_bound: asked.preemption_bound,
            exhaustive: report.exhaustive,
            interrupted: report.interrupted,
            unfinished: report.unfinished,
            outcomes: outcomes(report, asked.declared),
            failure: report.verdict.failure().map(|failure| {
                let trace = &failure.trace;
                let (shown, heading) = report::explaining_events(trace);
                let replay_token = failure.replay.as_ref().map(|token| token.to_string());
                FailureData {
                    message: failure.message.clone(),
                    execution: failure.execution,
                    outcome: failure.outcome.as_ref().map(|o| o.text.clone()),
                    replay_command: replay_token
                        .as_ref()
                        .map(|token| report::replay_command(report.backend, report.id, token)),
                    replay_token,
                    threads: (0..trace.threads.len().max(1))
                        .map(|t| trace.thread_name(Tid(t)).into_owned())
                        .collect(),
                    events: trace.events.iter().map(|e| event(trace, e)).collect(),
                    events_dropped: trace.events_dropped,
                    blocked: trace
                        .blocked
                        .iter()
                        .map(|b| BlockedData {
                            thread: b.thread.id.0,
                            holds: b.holds.iter().map(|h| h.name.clone()).collect(),
                            waits_for: b.waits_for.name.clone(),
                        })
                        .collect(),
                    ring: ring(trace),
                    cycle: matches!(report.verdict, Verdict::Deadlock(_))
                        .then(|| report::cycle(trace))
                        .flatten(),
                    lost_update: trace.lost_update.as_ref().map(|lost| LostUpdateData {
                        var: lost.var.name.clone(),
                        overwritten: lost.overwritten.id.0,
                        stale: lost.stale.id.0,
                        events: lost.events.clone(),
                    }),
                    shown: Shown {
                        heading,
                        events: shown,
                    },
                    holds: holdings(trace),
                }
            }),
        }
    }
}

fn outcomes(report: &Report, declared: Option<Vec<Observed>>) -> Outcomes {
    let total = report.outcomes.total();
    let rows = report
        .outcomes
        .rows
        .iter()
        .map(|(observed, &count)| OutcomeRow {
            text: observed.text.clone(),
            class: observed.class.name().to_owned(),
            meaning: observed.label.to_owned(),
            count,
            frequency: count as f64 / total.max(1) as f64,
        })
        .collect();
    let seen = report.outcomes.texts();
    let declared = declared.map(|mut all| {
        all.sort();
        all.dedup_by(|a, b| a.text == b.text);
        all.into_iter()
            .map(|o| DeclaredOutcome {
                seen: seen.contains(&o.text),
                class: o.class.name().to_owned(),
                meaning: o.label.to_owned(),
                text: o.text,
            })
            .collect()
    });
    Outcomes {
        total,
        rows,
        declared,
    }
}

/// The class's name back as a class (for colouring); unknown names read as forbidden.
pub fn class(name: &str) -> Class {
    match name {
        "acceptable" => Class::Acceptable,
        "interesting" => Class::Interesting,
        _ => Class::Forbidden,
    }
}

fn event(trace: &Trace, event: &crate::trace::Event) -> EventData {
    let name = |id: ObjId| Some(trace.object_name(id).into_owned());
    let (kind, object, value) = match &event.action {
        Action::Spawn { .. } => ("spawn", None, None),
        Action::Finish => ("finish", None, None),
        Action::Join { .. } => ("join", None, None),
        Action::Acquire { lock } => ("acquire", name(*lock), None),
        Action::Release { lock } => ("release", name(*lock), None),
        Action::TryLockFailed { lock } => ("try_lock_failed", name(*lock), None),
        Action::Wait { condvar, .. } => ("wait", name(*condvar), None),
        Action::Woken { condvar, .. } => ("woken", name(*condvar), None),
        Action::WokenSpuriously { condvar } => ("woken_spuriously", name(*condvar), None),
        Action::Notify { condvar, .. } => ("notify", name(*condvar), None),
        Action::Read { var, value } => ("read", name(*var), Some(value.clone())),
        Action::Write { var, value } => ("write", name(*var), Some(value.clone())),
        Action::Print { line } => ("print", None, Some(line.clone())),
        Action::Note { .. } => ("note", None, None),
        Action::Exit => ("exit", None, None),
        Action::StoppedAtExit => ("stopped_at_exit", None, None),
    };
    EventData {
        thread: event.thread.0,
        kind: kind.to_owned(),
        text: report::action_text(trace, &event.action),
        object,
        value,
        // The models are modules of the library, compiled from `src/../models/`.
        file: event
            .at
            .map(|at| at.file().trim_start_matches("src/../").to_owned()),
        line: event.at.map(|at| at.line()),
    }
}

/// The deadlock's ring of threads (locks first, else tasks awaiting each other).
fn ring(trace: &Trace) -> Vec<usize> {
    let mut ring = trace.deadlock_cycle();
    if ring.is_empty() {
        ring = trace.join_ring();
    }
    ring.iter().map(|b| b.thread.id.0).collect()
}

/// Who held which lock from which event to which: a reentrant lock from its first acquire to its
/// last release; a condvar wait lets the lock go until the thread is woken.
fn holdings(trace: &Trace) -> Vec<Holding> {
    let mut open: HashMap<(Tid, ObjId), (usize, usize)> = HashMap::new();
    let mut waiting_with: HashMap<(Tid, ObjId), ObjId> = HashMap::new();
    let mut holds = Vec::new();
    let close = |holds: &mut Vec<Holding>, thread: Tid, lock: ObjId, from, until| {
        holds.push(Holding {
            thread: thread.0,
            lock: trace.object_name(lock).into_owned(),
            from,
            until,
        })
    };
    for (index, event) in trace.events.iter().enumerate() {
        let thread = event.thread;
        match &event.action {
            Action::Acquire { lock } => open.entry((thread, *lock)).or_insert((index, 0)).1 += 1,
            Action::Release { lock } => {
                if let Some((from, depth)) = open.get_mut(&(thread, *lock)) {
                    *depth -= 1;
                    if *depth == 0 {
                        let from = *from;
                        open.remove(&(thread, *lock));
                        close(&mut holds, thread, *lock, from, Some(index));
                    }
                }
            }
            Action::Wait { condvar, lock } => {
                if let Some((from, _)) = open.remove(&(thread, *lock)) {
                    close(&mut holds, thread, *lock, from, Some(index));
                }
                waiting_with.insert((thread, *condvar), *lock);
            }
            Action::Woken { condvar, .. } | Action::WokenSpuriously { condvar } => {
                if let Some(lock) = waiting_with.remove(&(thread, *condvar)) {
                    open.insert((thread, lock), (index, 1));
                }
            }
            _ => {}
        }
    }
    let mut still_held: Vec<_> = open.into_iter().collect();
    still_held.sort_by_key(|&((thread, lock), (from, _))| (from, thread, lock));
    for ((thread, lock), (from, _)) in still_held {
        close(&mut holds, thread, lock, from, None);
    }
    holds.sort_by_key(|h| (h.from, h.thread));
    holds
}

/// What `thread` was blocked on when the failing execution stopped, if it was blocked.
pub fn waits_of(failure: &FailureData, thread: usize) -> Option<&BlockedData> {
    failure.blocked.iter().find(|b| b.thread == thread)
}

impl TimingData {
    pub fn from_timing(timing: &Timing) -> TimingData {
        TimingData {
            title: timing.title.clone(),
            setup: timing.setup.clone(),
            rows: timing
                .rows
                .iter()
                .enumerate()
                .map(|(index, row)| TimingRowData {
                    label: row.label.clone(),
                    seconds: row.seconds,
                    ratio: timing.ratio(index),
                    note: row.note.clone(),
                })
                .collect(),
        }
    }
}
