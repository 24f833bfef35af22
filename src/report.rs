//! Turning reports into text: verdicts, per-thread timelines, deadlock cycles, outcome tables,
//! timing tables, and the one-line replay command.

use crate::checker::{Failure, Report, Verdict};
use crate::lesson::Timing;
use crate::runtime::Backend;
use crate::trace::{Action, Event, Named, Tid, Trace};
use std::fmt::{self, Write};

/// Events shown when nothing narrower explains the failure.
const TAIL_EVENTS: usize = 12;
/// A failure this short is shown whole: small models tell their story in full.
const WHOLE_TIMELINE: usize = 40;
/// Lanes side by side; more threads than this are listed one event per line.
const MAX_LANES: usize = 4;
const LANE_WIDTH: usize = 26;

/// The verdict line, then (for a failure) its explanation, timeline and replay command.
pub fn verdict(report: &Report) -> String {
    verdict_with(report, &|token| {
        replay_command(report.backend, report.id, token)
    })
}

/// [`verdict`], with the replay line made by `replay` from the token (the gate replays a
/// submission, not a lesson).
pub fn verdict_with(report: &Report, replay: &dyn Fn(&str) -> String) -> String {
    verdict_text(report, replay, Timed::Yes)
}

/// [`verdict_with`] without how long the search took, for a report that must read the same in
/// every run of the same search (the gate's: its timing has fields of its own).
pub fn verdict_untimed(report: &Report, replay: &dyn Fn(&str) -> String) -> String {
    verdict_text(report, replay, Timed::No)
}

/// What a test runner shows of a check: [`verdict`]'s text, with the replay line made for where
/// it runs. In a `cargo test` test the line runs that test alone with the token set
/// ([`crate::model::replay_line`]: `INTERLEAVE_REPLAY=<token> cargo test … <test> -- --exact
/// --include-ignored`); elsewhere, the command that ran this process again with the token set.
/// Only a [`Check`](crate::Check) reads the token, so the line replays a report that a `Check`
/// made; the command line prints its own line (`cargo run --release -- replay <id> <token>`).
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let test = crate::replay_line::current_test();
        let text = verdict_with(self, &|token| {
            crate::replay_line::replay_line(self.backend, token, test.as_deref())
        });
        f.write_str(text.strip_suffix('\n').unwrap_or(&text))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Timed {
    Yes,
    No,
}

fn verdict_text(report: &Report, replay: &dyn Fn(&str) -> String, timed: Timed) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} [{}, {} threads]: {}",
        report.id,
        report.backend.name(),
        report.params.threads,
        what_was_shown(report, timed)
    );
    if let Some(failure) = report.verdict.failure() {
        out.push_str(&explain(report, failure, replay));
    }
    out
}

/// The verdict and what backs it: a sample says it found nothing in so many executions, an
/// exhaustive search that it covered every execution up to its bound, a cut-short one that it
/// was cut short.
fn what_was_shown(report: &Report, timed: Timed) -> String {
    let n = report.executions;
    let executions = if n == 1 { "execution" } else { "executions" };
    let time = match timed {
        Timed::Yes => format!(" in {:.2?}", report.elapsed),
        Timed::No => String::new(),
    };
    let bounds = &report.bounds;
    let cut_short = if report.interrupted {
        "; cut short (interrupted or out of time): not the whole search"
    } else {
        ""
    };
    match (&report.verdict, report.backend) {
        (Verdict::NotChecked(blind), backend) => {
            let shown = blind
                .detail
                .as_deref()
                .map_or(String::new(), |detail| format!("; {detail}"));
            format!(
                "NOT CHECKED under {}: {} (no failure in {n} {executions}{time}, but the verdict needs {}{shown})",
                backend.name(),
                blind.why,
                blind.spot.name()
            )
        }
        (Verdict::Holds, _) if report.unfinished && !report.interrupted => format!(
            "UNFINISHED: no failure in the first {n} {executions}{time} ({bounds}); explored {n} {executions} without finishing: lower the preemption bound or raise --executions"
        ),
        (Verdict::Holds, _) if report.exhaustive && !report.interrupted => {
            format!("HOLDS in all {n} {executions}{time} (exhaustive up to {bounds})")
        }
        (Verdict::Holds, Backend::Native) => {
            format!("HOLDS: no failure in {n} native {executions}{time} ({bounds}{cut_short})")
        }
        (Verdict::Holds, _) => {
            format!("HOLDS: no failure in {n} sampled {executions}{time} ({bounds}{cut_short})")
        }
        (failed, _) => {
            let verdict = failed.name().to_uppercase();
            match failed.failure().map(|f| f.execution) {
                // A check stops at its failure, so it ran as many executions as the failure's
                // number; `outcomes` goes on past it, and a search cut short may stop before it.
                Some(at) if at != n => format!(
                    "{verdict} at execution {at}, {n} {executions} explored{time} ({bounds}{cut_short})"
                ),
                _ => format!("{verdict} after {n} {executions}{time} ({bounds}{cut_short})"),
            }
        }
    }
}

fn explain(report: &Report, failure: &Failure, replay: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {} (execution {})",
        failure.message, failure.execution
    );
    let trace = &failure.trace;
    if let Verdict::Deadlock(_) = report.verdict {
        for blocked in &trace.blocked {
            let holds = if blocked.holds.is_empty() {
                "nothing".to_owned()
            } else {
                names(&blocked.holds).join(" and ")
            };
            let own = if blocked
                .lock_wanted()
                .is_some_and(|lock| blocked.holds_lock(lock))
            {
                " (a lock it already holds)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {} holds {holds}, waits for {}{own}",
                blocked.thread, blocked.waits_for
            );
        }
        if let Some(cycle) = cycle(trace) {
            let _ = writeln!(out, "  {cycle}");
        }
    }
    out.push_str(&timeline(trace));
    if let Some(token) = &failure.replay {
        let _ = writeln!(out, "  replay: {}", replay(&token.to_string()));
    } else if report.backend == Backend::Native {
        let _ = writeln!(
            out,
            "  (a native run cannot be replayed; check it under shuttle or loom for a replayable schedule)"
        );
    }
    out
}

/// The wait-for ring of a deadlock in one line, e.g. `cycle: eat1-nezha holds noodle, waits for
/// fork; eat2-egon holds fork, waits for noodle`, or for tasks awaiting each other's results
/// `cycle: Greenlet-1 waits for Greenlet-2 to finish; Greenlet-2 waits for Greenlet-1 to finish`.
pub fn cycle(trace: &Trace) -> Option<String> {
    let ring = trace.deadlock_cycle();
    match ring.as_slice() {
        [] => {
            let joins: Vec<String> = trace
                .join_ring()
                .iter()
                .map(|b| format!("{} waits for {}", b.thread, b.waits_for))
                .collect();
            (!joins.is_empty()).then(|| format!("cycle: {}", joins.join("; ")))
        }
        [alone] => Some(format!(
            "self-deadlock: {} waits for {}, which it holds itself",
            alone.thread, alone.waits_for
        )),
        ring => {
            let links: Vec<String> = ring
                .iter()
                .map(|b| {
                    let held: Vec<&str> = b
                        .holds
                        .iter()
                        .filter(|h| ring.iter().any(|o| o.lock_wanted() == Some(h.id)))
                        .map(|h| h.name.as_str())
                        .collect();
                    format!(
                        "{} holds {}, waits for {}",
                        b.thread,
                        held.join(" and "),
                        b.waits_for
                    )
                })
                .collect();
            Some(format!("cycle: {}", links.join("; ")))
        }
    }
}

/// The command that re-runs exactly this execution.
pub fn replay_command(backend: Backend, id: &str, token: &str) -> String {
    match backend {
        Backend::Loom => {
            format!(
                "RUSTFLAGS=\"--cfg loom\" cargo run --release --target-dir target/loom -- replay {id} {token}"
            )
        }
        _ => format!("cargo run --release -- replay {id} {token}"),
    }
}

/// The events that explain the failure, one lane per thread where few threads are involved.
pub fn timeline(trace: &Trace) -> String {
    let mut out = String::new();
    let (indices, heading) = explaining_events(trace);
    if indices.is_empty() {
        return out;
    }
    let _ = writeln!(out, "  {heading}");
    let events: Vec<(usize, &Event)> = indices
        .iter()
        .filter_map(|&i| trace.events.get(i).map(|e| (i, e)))
        .collect();
    let mut threads: Vec<Tid> = Vec::new();
    for (_, event) in &events {
        if !threads.contains(&event.thread) {
            threads.push(event.thread);
        }
    }
    let at = |event: &Event| match event.at {
        Some(at) => format!("  @ {}:{}", at.file(), at.line()),
        None => String::new(),
    };
    if threads.len() <= MAX_LANES {
        let mut header = format!("  {:>6}  ", "step");
        for thread in &threads {
            let _ = write!(
                header,
                "{:<LANE_WIDTH$}",
                truncate(&trace.thread_name(*thread))
            );
        }
        let _ = writeln!(out, "{}", header.trim_end());
        for (index, event) in &events {
            let lane = threads.iter().position(|t| *t == event.thread).unwrap_or(0);
            let text = format!("{}", action(trace, &event.action));
            let line = match event.at {
                Some(_) => format!(
                    "{}{:<LANE_WIDTH$}{}",
                    " ".repeat(lane * LANE_WIDTH),
                    text,
                    " ".repeat((threads.len() - 1 - lane) * LANE_WIDTH)
                ),
                None => format!("{}{text}", " ".repeat(lane * LANE_WIDTH)),
            };
            let _ = writeln!(out, "  {:>6}  {line}{}", index + 1, at(event));
        }
    } else {
        for (index, event) in &events {
            let _ = writeln!(
                out,
                "  {:>6}  {:<14} {}{}",
                index + 1,
                trace.thread_name(event.thread),
                action(trace, &event.action),
                at(event)
            );
        }
    }
    let ring = trace.deadlock_cycle();
    for blocked in &ring {
        let lane = threads.iter().position(|t| *t == blocked.thread.id);
        let _ = match lane {
            Some(lane) if threads.len() <= MAX_LANES => writeln!(
                out,
                "  {:>6}  {}blocks on {}",
                "-",
                " ".repeat(lane * LANE_WIDTH),
                blocked.waits_for
            ),
            _ => writeln!(
                out,
                "  {:>6}  {:<14} blocks on {}",
                "-", blocked.thread, blocked.waits_for
            ),
        };
    }
    if trace.events_dropped > 0 {
        let _ = writeln!(
            out,
            "  ({} later events not recorded)",
            trace.events_dropped
        );
    }
    out
}

/// The events that explain a failure (indices into the timeline) and a heading that says which:
/// a lost update's four, a deadlock ring's formation, or the whole or last part of a run.
pub fn explaining_events(trace: &Trace) -> (Vec<usize>, String) {
    match &trace.lost_update {
        // A deadlock is explained by its ring, whatever was lost before it.
        _ if !trace.deadlock_cycle().is_empty() => ring_events(trace),
        Some(lost) => (
            lost.events.clone(),
            format!(
                "lost update: {} wrote {} over {}'s write, from a value read before it",
                lost.stale, lost.var, lost.overwritten
            ),
        ),
        None => {
            let start = if trace.events.len() <= WHOLE_TIMELINE {
                0
            } else {
                trace.events.len() - TAIL_EVENTS
            };
            let recorded = trace.events.len();
            let heading = match (start > 0, trace.events_dropped > 0) {
                (true, false) => format!("last {} of {recorded} events:", recorded - start),
                (false, false) => format!("all {recorded} events:"),
                // Recording stopped before the run did: what is shown ends where it stopped.
                (true, true) => format!(
                    "last {} recorded of {} events (recording stops at {recorded}):",
                    recorded - start,
                    recorded + trace.events_dropped
                ),
                (false, true) => format!(
                    "all {recorded} recorded of {} events:",
                    recorded + trace.events_dropped
                ),
            };
            ((start..trace.events.len()).collect(), heading)
        }
    }
}

/// How a deadlock's ring formed: every event of the ring's threads from the moment the first of
/// them took a lock it still holds (at most [`TAIL_EVENTS`] of them, the latest).
fn ring_events(trace: &Trace) -> (Vec<usize>, String) {
    let ring = trace.deadlock_cycle();
    let in_ring = |thread: Tid| ring.iter().any(|b| b.thread.id == thread);
    let start = ring
        .iter()
        .flat_map(|b| {
            b.holds.iter().filter_map(|held| {
                trace.events.iter().rposition(|e| {
                    e.thread == b.thread.id
                        && matches!(e.action, Action::Acquire { lock } if lock == held.id)
                })
            })
        })
        .min()
        .unwrap_or(0);
    let mut indices: Vec<usize> = (start..trace.events.len())
        .filter(|&i| in_ring(trace.events[i].thread))
        .collect();
    let skipped = indices.len().saturating_sub(TAIL_EVENTS);
    indices.drain(..skipped);
    (
        indices,
        "how the ring formed (each thread's events since it took what it holds):".to_owned(),
    )
}

fn truncate(text: &str) -> String {
    text.chars().take(LANE_WIDTH - 2).collect()
}

fn names<Id>(named: &[Named<Id>]) -> Vec<&str> {
    named.iter().map(|n| n.name.as_str()).collect()
}

/// An event's action in words, its threads and objects named from the trace's tables.
pub fn action_text(trace: &Trace, action: &Action) -> String {
    ActionText { trace, action }.to_string()
}

fn action<'a>(trace: &'a Trace, action: &'a Action) -> ActionText<'a> {
    ActionText { trace, action }
}

struct ActionText<'a> {
    trace: &'a Trace,
    action: &'a Action,
}

impl fmt::Display for ActionText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let object = |id| self.trace.object_name(id);
        let thread = |id| self.trace.thread_name(id);
        match self.action {
            Action::Spawn { child } => write!(f, "starts {}", thread(*child)),
            Action::Finish => write!(f, "finishes"),
            Action::Join { child } => write!(f, "joined {}", thread(*child)),
            Action::Acquire { lock } => write!(f, "acquires {}", object(*lock)),
            Action::Release { lock } => write!(f, "releases {}", object(*lock)),
            Action::TryLockFailed { lock } => write!(f, "try_lock {}: busy", object(*lock)),
            Action::Wait { condvar, lock } => write!(
                f,
                "waits on {} (releases {})",
                object(*condvar),
                object(*lock)
            ),
            Action::Woken {
                condvar,
                timed_out: false,
            } => write!(f, "woken on {}", object(*condvar)),
            Action::Woken {
                condvar,
                timed_out: true,
            } => write!(f, "timed out on {}", object(*condvar)),
            Action::WokenSpuriously { condvar } => {
                write!(f, "woken on {} with no notify (spurious)", object(*condvar))
            }
            Action::Notify {
                condvar,
                all: false,
            } => write!(f, "notify_one {}", object(*condvar)),
            Action::Notify { condvar, all: true } => {
                write!(f, "notify_all {}", object(*condvar))
            }
            Action::Read { var, value } => write!(f, "read  {} = {value}", object(*var)),
            Action::Write { var, value } => write!(f, "write {} = {value}", object(*var)),
            Action::Print { line } => write!(f, "prints {line:?}"),
            Action::Note { text } => write!(f, "{text}"),
            Action::Exit => write!(f, "exits the program"),
            Action::StoppedAtExit => write!(f, "stopped by the exit"),
        }
    }
}

/// The jcstress-style table: outcome, count, frequency, class, meaning.
pub fn outcomes(report: &Report) -> String {
    let mut out = String::new();
    let total = report.outcomes.total().max(1);
    let width = report
        .outcomes
        .rows
        .keys()
        .map(|o| o.text.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>9}  {:>9}  {:<11}  meaning",
        "outcome", "count", "frequency", "class"
    );
    for (observed, count) in &report.outcomes.rows {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>9}  {:>8.2}%  {:<11}  {}",
            observed.text,
            count,
            100.0 * *count as f64 / total as f64,
            observed.class.name(),
            observed.label
        );
    }
    if report
        .verdict
        .failure()
        .is_some_and(|failure| failure.outcome.is_none())
    {
        let failure = match report.verdict {
            Verdict::Deadlock(_) => "deadlock",
            Verdict::StepLimit(_) => "step limit",
            _ => "panic",
        };
        let _ = writeln!(
            out,
            "  cut short: the search stopped at the {failure}, so this table is not every outcome"
        );
    }
    out
}

/// A native timing table, each row with its ratio to the row it measures the same work as.
pub fn timing(timing: &Timing) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", timing.title);
    let _ = writeln!(out, "  {}", timing.setup);
    let width = timing.rows.iter().map(|r| r.label.len()).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "  {:<width$}  {:>10}  {:>8}  result",
        "variant", "time", "ratio"
    );
    for (index, row) in timing.rows.iter().enumerate() {
        let ratio = timing
            .ratio(index)
            .map_or_else(|| "-".to_owned(), ratio_text);
        let _ = writeln!(
            out,
            "  {:<width$}  {:>10}  {:>8}  {}",
            row.label,
            duration(row.seconds),
            ratio,
            row.note
        );
    }
    out
}

/// A ratio with one decimal, or two significant digits below 0.1 (`0.045x`, never `0.0x`).
pub(crate) fn ratio_text(ratio: f64) -> String {
    if ratio > 0.0 && ratio < 0.095 {
        let decimals = (-ratio.log10()).floor() as usize + 2;
        format!("{ratio:.decimals$}x")
    } else {
        format!("{ratio:.1}x")
    }
}

/// Seconds in the unit that keeps 3 or 4 digits: `0.501 s`, `51.3 ms`, `9.39 us`, `1.4 ns`.
pub(crate) fn duration(seconds: f64) -> String {
    let (value, unit) = match seconds {
        s if s >= 1.0 => (s, "s"),
        s if s >= 1e-3 => (s * 1e3, "ms"),
        s if s >= 1e-6 => (s * 1e6, "us"),
        s => (s * 1e9, "ns"),
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {unit}")
}

#[cfg(test)]
mod tests {
    use super::{duration, timing};
    use crate::lesson::{Ratios, Timing, TimingRow};

    #[test]
    fn a_ratio_compares_only_rows_of_the_same_group() {
        let row = |label: &str, seconds| TimingRow {
            label: label.to_owned(),
            seconds,
            note: String::new(),
        };
        let table = Timing {
            title: "t".to_owned(),
            setup: "s".to_owned(),
            rows: vec![
                row("a", 1.0),
                row("b", 3.0),
                row("c", 5.0),
                row("d", 2.0),
                row("e", 4.0),
            ],
            ratios: Ratios::Groups(vec![2, 1, 2]),
        };
        let ratios: Vec<_> = (0..5).map(|row| table.ratio(row)).collect();
        assert_eq!(ratios, [Some(1.0), Some(3.0), None, Some(1.0), Some(2.0)]);
        let text = timing(&table);
        let c_line = text
            .lines()
            .find(|line| line.trim_start().starts_with('c'))
            .unwrap();
        assert!(c_line.contains(" - "), "{c_line}");
    }

    #[test]
    fn a_duration_keeps_three_or_four_digits_in_its_own_unit() {
        assert_eq!(duration(0.5011), "501 ms");
        assert_eq!(duration(0.05132), "51.3 ms");
        assert_eq!(duration(2.5), "2.50 s");
        assert_eq!(duration(9.3908e-6), "9.39 us");
        assert_eq!(duration(1.4e-9), "1.40 ns");
        assert_eq!(duration(0.0), "0.00 ns");
    }

    #[test]
    fn a_timeline_cut_by_the_recording_limit_says_its_last_events_are_the_last_recorded() {
        use crate::trace::{Action, Event, Tid, Trace};
        let trace = |recorded: usize, dropped: usize| Trace {
            events: (0..recorded)
                .map(|_| Event {
                    thread: Tid(0),
                    action: Action::Finish,
                    at: None,
                })
                .collect(),
            events_dropped: dropped,
            ..Trace::default()
        };
        let heading = |recorded, dropped| super::explaining_events(&trace(recorded, dropped)).1;
        assert_eq!(heading(5, 0), "all 5 events:");
        assert_eq!(heading(5, 7), "all 5 recorded of 12 events:");
        let long = super::WHOLE_TIMELINE + 10;
        assert_eq!(
            heading(long, 0),
            format!("last {} of {long} events:", super::TAIL_EVENTS)
        );
        assert_eq!(
            heading(long, 90),
            format!(
                "last {} recorded of {} events (recording stops at {long}):",
                super::TAIL_EVENTS,
                long + 90
            )
        );
    }

    #[test]
    fn a_small_ratio_keeps_two_significant_digits() {
        assert_eq!(super::ratio_text(0.0447), "0.045x");
        assert_eq!(super::ratio_text(0.5), "0.5x");
        assert_eq!(super::ratio_text(522.46), "522.5x");
        assert_eq!(super::ratio_text(0.0), "0.0x");
    }
}
