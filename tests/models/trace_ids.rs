//! The trace keeps identities, not names: two unnamed mutexes are two locks, and two threads
//! with the same name (Python allows it) are two threads, in the deadlock ring and the report.

use crate::support::{assert_deadlock, assert_message, assert_replays_the_same_ring, check, ring};
use interleave::checker::Failure;
use interleave::lesson::{Class, Expect, Lesson, Params, Row};
use interleave::runtime::{Backend, Native, Runtime};
use interleave::sync::Mutex;
use interleave::thread::{self, JoinHandle};
use interleave::trace::{self, Action, Recorder, Tid};
use std::sync::Arc;

/// Two threads take two locks in opposite orders: the ring can close.
struct OppositeOrders;

/// The names the program gives its two locks and its two threads (`None`: the defaults, every
/// mutex `lock`, the threads `Thread-1` and `Thread-2`).
#[derive(Clone, Copy)]
struct Names {
    locks: [Option<&'static str>; 2],
    threads: Option<&'static str>,
}

impl Lesson for OppositeOrders {
    type Version = Names;
    type Outcome = String;

    fn run<R: Runtime>(names: Names, _: &Params) -> String {
        let locks = Arc::new(names.locks.map(|name| match name {
            Some(name) => Mutex::<R, ()>::named(name, ()),
            None => Mutex::new(()),
        }));
        let workers: Vec<JoinHandle<R, ()>> = [(0, 1), (1, 0)]
            .into_iter()
            .map(|(one, other)| {
                let locks = locks.clone();
                let body = move || {
                    let _one = locks[one].lock();
                    thread::yield_now::<R>();
                    let _other = locks[other].lock();
                };
                match names.threads {
                    Some(name) => thread::spawn_named::<R, _, _>(name, body),
                    None => thread::spawn::<R, _, _>(body),
                }
            })
            .collect();
        workers.into_iter().for_each(JoinHandle::join);
        "both finished".to_owned()
    }

    fn classify(_: Names, _: &String, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "no deadlock this time")
    }
}

/// `Mutex::new`: both locks are called `lock`; the threads are `Thread-1` and `Thread-2`.
const UNNAMED_LOCKS: Row<OppositeOrders> = Row::new(
    "trace-ids/unnamed-locks",
    Names {
        locks: [None, None],
        threads: None,
    },
    Expect::Deadlock,
    "two unnamed mutexes taken in opposite orders",
);

/// Locks `a` and `b`; both threads are called `worker`.
const SAME_THREAD_NAMES: Row<OppositeOrders> = Row::new(
    "trace-ids/same-thread-names",
    Names {
        locks: [Some("a"), Some("b")],
        threads: Some("worker"),
    },
    Expect::Deadlock,
    "two threads named worker take a and b in opposite orders",
);

fn deadlock(row: Row<OppositeOrders>, backend: Backend) -> Failure {
    let executions = (backend == Backend::Shuttle).then_some(1_000);
    assert_deadlock(&check(row, backend, 2, executions))
}

/// A ring of two distinct threads over two distinct locks, each holding one.
fn assert_two_thread_ring(failure: &Failure) {
    assert_message(failure, "2 threads wait in a ring");
    let ring = failure.trace.deadlock_cycle();
    assert_eq!(ring.len(), 2, "{:?}", failure.trace.blocked);
    assert_ne!(ring[0].thread.id, ring[1].thread.id);
    for (blocked, next) in [(ring[0], ring[1]), (ring[1], ring[0])] {
        assert_eq!(blocked.holds.len(), 1, "{blocked:?}");
        let wanted = blocked.lock_wanted().expect("waits for a lock");
        assert!(!blocked.holds_lock(wanted), "{blocked:?}");
        assert!(
            next.holds_lock(wanted),
            "{next:?} holds what {blocked:?} wants"
        );
    }
}

#[test]
fn two_unnamed_mutexes_are_two_locks_in_the_ring() {
    let failure = deadlock(UNNAMED_LOCKS, Backend::Shuttle);
    assert_two_thread_ring(&failure);
    let cycle = ring(&failure);
    assert!(cycle.starts_with("cycle: "), "{cycle}");
    assert!(
        cycle.contains("Thread-1 holds lock, waits for lock")
            && cycle.contains("Thread-2 holds lock, waits for lock"),
        "{cycle}"
    );
    // Same name, different lock: no thread waits for a lock it holds itself.
    let report = check(UNNAMED_LOCKS, Backend::Shuttle, 2, 1_000);
    let text = interleave::report::verdict(&report);
    assert!(!text.contains("already holds"), "{text}");
    assert!(!text.contains("self-deadlock"), "{text}");
}

#[test]
fn two_threads_with_one_name_are_two_threads_in_the_ring() {
    let failure = deadlock(SAME_THREAD_NAMES, Backend::Shuttle);
    assert_two_thread_ring(&failure);
    let blocked = &failure.trace.blocked;
    let workers = blocked.iter().filter(|b| b.thread == "worker").count();
    assert_eq!(workers, 2, "{blocked:?}");
    let cycle = ring(&failure);
    assert!(
        cycle.contains("worker holds a, waits for b")
            && cycle.contains("worker holds b, waits for a"),
        "{cycle}"
    );
    // The timeline gives each worker its own lane, though both are headed `worker`.
    let timeline = interleave::report::timeline(&failure.trace);
    let header = timeline
        .lines()
        .find(|line| line.trim_start().starts_with("step"))
        .expect("a lane header");
    assert_eq!(header.matches("worker").count(), 2, "{timeline}");
}

#[test]
fn the_replay_shows_the_same_ring() {
    let failure = deadlock(SAME_THREAD_NAMES, Backend::Shuttle);
    let again = assert_replays_the_same_ring(SAME_THREAD_NAMES, &failure);
    assert_eq!(again.trace.blocked, failure.trace.blocked);
}

/// Natively each facade thread runs on its own OS thread, with the parent's recorder and an id
/// of its own; the thread that installed the recorder is `main`.
#[test]
fn natively_same_named_threads_record_under_their_own_ids() {
    let recorder = Arc::new(Recorder::default());
    trace::install(Some(recorder.clone()));
    let lock = Arc::new(Mutex::<Native, ()>::named("a", ()));
    let workers: Vec<JoinHandle<Native, ()>> = (0..2)
        .map(|_| {
            let lock = lock.clone();
            thread::spawn_named::<Native, _, _>("worker", move || {
                assert_eq!(thread::current_name::<Native>().as_deref(), Some("worker"));
                drop(lock.lock());
            })
        })
        .collect();
    workers.into_iter().for_each(JoinHandle::join);
    assert_eq!(thread::current_name::<Native>().as_deref(), Some("main"));
    trace::install(None);

    let trace = recorder.snapshot();
    assert_eq!(trace.threads, ["main", "worker", "worker"]);
    let started: Vec<Tid> = trace
        .events
        .iter()
        .filter_map(|e| match e.action {
            Action::Spawn { child } => Some(child),
            _ => None,
        })
        .collect();
    assert_eq!(started, [Tid(1), Tid(2)]);
    for child in started {
        let acquired = trace
            .events
            .iter()
            .filter(|e| e.thread == child && matches!(e.action, Action::Acquire { .. }))
            .count();
        assert_eq!(acquired, 1, "{child:?} in {:?}", trace.events);
    }
    assert!(
        trace
            .events
            .iter()
            .filter(|e| matches!(e.action, Action::Spawn { .. } | Action::Join { .. }))
            .all(|e| e.thread == Tid::MAIN)
    );
}

#[cfg(loom)]
mod loom {
    use super::*;

    #[test]
    fn two_unnamed_mutexes_are_two_locks_in_the_ring_loom() {
        assert_two_thread_ring(&deadlock(UNNAMED_LOCKS, Backend::Loom));
    }

    #[test]
    fn two_threads_with_one_name_are_two_threads_in_the_ring_loom() {
        assert_two_thread_ring(&deadlock(SAME_THREAD_NAMES, Backend::Loom));
    }
}
