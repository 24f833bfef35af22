//! A failure's explanation claims only what happened: a lost update is named only when it
//! explains how the execution ended (the last thing read is the variable whose update was lost),
//! and the steps it shows are in the recorded trace, in the order it claims. A racy once-cell
//! whose flag is written "1 over 1" fails on its count of initialisations: its explanation is
//! the run, with both initialisations in it, not a lost update of the flag.

use interleave::checker::Verdict;
use interleave::report::explaining_events;
use interleave::runtime::{Backend, Runtime};
use interleave::sync::{AtomicUsize, Shared};
use interleave::trace::{self, Action, Event, Recorder, Tid};
use interleave::{check, model, thread};
use proptest::prelude::*;
use std::sync::Arc;

/// A lazily built value: `ready` says whether `value` was built, `inits` counts the builds.
struct LazyAnswer<R: Runtime> {
    ready: Shared<R, bool>,
    value: Shared<R, u32>,
    inits: AtomicUsize<R>,
}

impl<R: Runtime> LazyAnswer<R> {
    fn new() -> Self {
        LazyAnswer {
            ready: Shared::named("ready", false),
            value: Shared::named("value", 0),
            inits: AtomicUsize::named("inits", 0),
        }
    }

    /// Checks the flag, then builds: two threads can both see it unset.
    fn get(&self) -> u32 {
        if !self.ready.load() {
            self.inits.fetch_add(1);
            self.value.store(42);
            self.ready.store(true);
        }
        self.value.load()
    }
}

fn two_threads_get_the_answer<R: Runtime>() {
    let cell = Arc::new(LazyAnswer::<R>::new());
    let getters: Vec<_> = (0..2)
        .map(|_| {
            let cell = cell.clone();
            thread::spawn::<R, _, _>(move || cell.get())
        })
        .collect();
    for getter in getters {
        assert_eq!(getter.join(), 42);
    }
    assert_eq!(cell.inits.load(), 1, "initialised twice");
}

fn initialised_twice(backend: Backend) {
    let report = check(model!(two_threads_get_the_answer))
        .backend(backend)
        .run()
        .expect("the backend is built");
    let Verdict::Violated(failure) = &report.verdict else {
        panic!(
            "expected the double initialisation, got {:?}",
            report.verdict
        );
    };
    assert!(
        failure.message.contains("initialised twice"),
        "{}",
        failure.message
    );
    // The flag was written 1 over 1 from a stale read, but the end read the count: no lost
    // update explains it.
    assert_eq!(failure.trace.lost_update, None);
    let (shown, heading) = explaining_events(&failure.trace);
    assert!(heading.starts_with("all "), "{heading}");
    let builds: Vec<Tid> = shown
        .iter()
        .map(|&i| &failure.trace.events[i])
        .filter(|event| matches!(&event.action, Action::Write { var, .. } if failure.trace.object_name(*var) == "inits"))
        .map(|event| event.thread)
        .collect();
    assert_eq!(
        builds.len(),
        2,
        "both initialisations are shown: {builds:?}"
    );
    assert_ne!(builds[0], builds[1]);
}

#[test]
fn a_racy_once_cell_is_explained_by_its_two_initialisations_not_a_lost_flag_under_shuttle() {
    initialised_twice(Backend::Shuttle);
}

#[cfg(loom)]
#[test]
fn a_racy_once_cell_is_explained_by_its_two_initialisations_not_a_lost_flag_under_loom() {
    initialised_twice(Backend::Loom);
}

/// The counter race still is a lost update: the end reads the counter.
fn decrement_twice<R: Runtime>() -> usize {
    let n = Arc::new(Shared::<R, usize>::named("n", 2));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let n = n.clone();
            thread::spawn::<R, _, _>(move || n.store(n.load() - 1))
        })
        .collect();
    workers.into_iter().for_each(thread::JoinHandle::join);
    n.load()
}

#[test]
fn a_counter_that_loses_a_decrement_is_still_explained_by_the_lost_update() {
    let failure = check(model!(decrement_twice))
        .forbid(|n: &usize| (*n != 0).then_some("a decrement was lost"))
        .backend(Backend::Shuttle)
        .assert_violation("a decrement was lost");
    let lost = failure.trace.lost_update.as_ref().expect("the lost update");
    assert_eq!(lost.var.name, "n");
    let (shown, heading) = explaining_events(&failure.trace);
    assert_eq!(shown, lost.events);
    assert!(heading.starts_with("lost update: "), "{heading}");
}

/// One operation of a random program, fed straight to the recorder.
#[derive(Clone, Debug)]
enum Op {
    Read { thread: usize, var: usize },
    Write { thread: usize, var: usize },
    Update { thread: usize, var: usize },
}

fn op() -> impl Strategy<Value = Op> {
    (0..3usize, 0..3usize, 0..3u8).prop_map(|(thread, var, kind)| match kind {
        0 => Op::Read { thread, var },
        1 => Op::Write { thread, var },
        _ => Op::Update { thread, var },
    })
}

/// The lost updates of `ops` by the definition, the first of each variable in order: a write
/// by a thread whose latest read of the variable (not yet consumed by its own write or update)
/// came before another thread's write of it. Each as (var, overwritten, stale, events).
fn lost_updates_by_definition(ops: &[Op]) -> Vec<(usize, usize, usize, Vec<usize>)> {
    let mut found: Vec<(usize, usize, usize, Vec<usize>)> = Vec::new();
    // Per (thread, var): the event of the read a write would be computed from.
    let mut pending_read: std::collections::HashMap<(usize, usize), usize> = Default::default();
    // Per var: each write's (event, thread, the read it was computed from).
    let mut writes: Vec<(usize, usize, usize, Option<usize>)> = Vec::new();
    for (event, op) in ops.iter().enumerate() {
        match *op {
            Op::Read { thread, var } => {
                pending_read.insert((thread, var), event);
            }
            Op::Update { thread, var } => {
                pending_read.remove(&(thread, var));
                writes.push((var, event, thread, None));
            }
            Op::Write { thread, var } => {
                let read = pending_read.remove(&(thread, var));
                if let Some(read) = read
                    && !found.iter().any(|lost| lost.0 == var)
                    && let Some(&(_, overtaking, other, other_read)) =
                        writes.iter().find(|(v, at, _, _)| *v == var && *at > read)
                    && other != thread
                {
                    let mut events: Vec<usize> =
                        [other_read, Some(read), Some(overtaking), Some(event)]
                            .into_iter()
                            .flatten()
                            .collect();
                    events.sort_unstable();
                    found.push((var, other, thread, events));
                }
                writes.push((var, event, thread, read));
            }
        }
    }
    found
}

proptest! {
    /// Over random programs of three threads on three variables: the recorder's lost update is
    /// the first one by the definition that explains the end, its steps are in the trace in
    /// the order it claims (the stale read, the other thread's write, the stale write, all of
    /// its variable), and none is named when none explains the end.
    #[test]
    fn a_named_lost_update_is_in_the_trace_as_claimed_and_explains_the_end(
        ops in proptest::collection::vec(op(), 0..24)
    ) {
        let recorder = Arc::new(Recorder::default());
        trace::install(Some(recorder.clone()));
        for op in &ops {
            match *op {
                Op::Read { thread, var } => trace::read(Tid(thread), var, "0".into()),
                Op::Write { thread, var } => trace::write(Tid(thread), var, "1".into()),
                Op::Update { thread, var } => trace::update(Tid(thread), var, "2".into()),
            }
        }
        let recorded = recorder.snapshot();
        trace::install(None);

        let events: &[Event] = &recorded.events;
        let explains = |events_of: &[usize], var: usize| {
            let after = events_of.last().map_or(0, |last| last + 1);
            let last_read = events.iter().skip(after).rev().find_map(|e| match e.action {
                Action::Read { var, .. } => Some(var),
                _ => None,
            });
            last_read.is_none_or(|read| read == var)
        };
        let expected = lost_updates_by_definition(&ops)
            .into_iter()
            .find(|(var, _, _, events_of)| explains(events_of, *var));
        let named = recorded
            .lost_update
            .as_ref()
            .map(|lost| (lost.var.id, lost.overwritten.id.0, lost.stale.id.0, lost.events.clone()));
        prop_assert_eq!(&named, &expected);
        if let Some(lost) = &recorded.lost_update {
            prop_assert!(lost.events.windows(2).all(|w| w[0] < w[1]));
            let of = |i: usize| &events[lost.events[i]];
            let last = lost.events.len() - 1;
            // The stale write ends it, and is the stale thread's write of the variable.
            let writes_the_var =
                matches!(of(last).action, Action::Write { var, .. } if var == lost.var.id);
            prop_assert!(writes_the_var);
            prop_assert_eq!(of(last).thread, lost.stale.id);
            // The other thread's write of the variable comes before it, after the stale read.
            let overtaking = lost.events[..last].iter().rposition(|&i| {
                events[i].thread == lost.overwritten.id
                    && matches!(events[i].action, Action::Write { var, .. } if var == lost.var.id)
            });
            let stale_read = lost.events[..last].iter().position(|&i| {
                events[i].thread == lost.stale.id
                    && matches!(events[i].action, Action::Read { var, .. } if var == lost.var.id)
            });
            let read_then_overtaken = matches!((stale_read, overtaking), (Some(r), Some(w)) if r < w);
            prop_assert!(read_then_overtaken);
        }
    }
}
