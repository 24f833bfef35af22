//! A timeline shows blocking operations in the order they took effect. The classic lost wake-up:
//! the flag is set and the notify sent without the lock, so the notify can come after the waiter
//! saw the flag unset and before it became a waiter. Every such counterexample must show the
//! notify before the wait it missed, and say so.

use crate::support::{assert_deadlock, test_budget};
use interleave::checker::{self, Failure, Mode};
use interleave::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use interleave::runtime::{Backend, Runtime};
use interleave::sync::{AtomicUsize, Condvar, Mutex};
use interleave::thread;
use interleave::trace::{Action, Blocked, Named, Tid, Trace, Waiting};
use std::sync::Arc;

/// BUG: the waiter checks a flag that the notifier sets (and notifies) outside the lock.
struct LostWakeUp;

impl Lesson for LostWakeUp {
    type Version = ();
    type Outcome = String;
    const THREADS: Threads = Threads::same(1);

    fn run<R: Runtime>((): (), _: &Params) -> String {
        let ready = Arc::new(AtomicUsize::<R>::named("ready", 0));
        let signal = Arc::new((Mutex::<R, ()>::named("m", ()), Condvar::<R>::named("go")));
        let notifier = {
            let (ready, signal) = (ready.clone(), signal.clone());
            thread::spawn_named::<R, _, _>("notifier", move || {
                ready.store(1);
                signal.1.notify_one();
            })
        };
        let held = signal.0.lock();
        if ready.load() == 0 {
            drop(signal.1.wait(held));
        }
        notifier.join();
        "woken".to_owned()
    }

    fn classify((): (), _: &String, _: &Params) -> (Class, &'static str) {
        (Class::Acceptable, "the waiter went on")
    }
}

const LOST_WAKE_UP: Row<LostWakeUp> = Row::new(
    "trace-order/lost-wake-up",
    (),
    Expect::Deadlock,
    "BROKEN: the flag is set and the notify sent outside the lock",
);

/// The index of the last event of `trace` that `matches`.
fn last(trace: &Trace, matches: impl Fn(&Action) -> bool) -> usize {
    trace
        .events
        .iter()
        .rposition(|event| matches(&event.action))
        .expect("the event is in the timeline")
}

/// The first lost wake-up that a shuttle search from `seed` finds.
fn lost_wake_up(seed: u64) -> Failure {
    let variant = LOST_WAKE_UP.variant();
    let mut budget = test_budget(&variant, Backend::Shuttle, Mode::Check);
    budget.seed = seed;
    let params = Params { threads: 1 };
    let report = checker::check(&variant, Backend::Shuttle, &params, &budget, Mode::Check)
        .expect("shuttle is built");
    assert_deadlock(&report)
}

#[test]
fn a_notify_that_came_before_the_wait_is_drawn_before_it() {
    for seed in 0..20 {
        let failure = lost_wake_up(seed);
        let trace = &failure.trace;
        let notify = last(trace, |a| matches!(a, Action::Notify { .. }));
        let wait = last(trace, |a| matches!(a, Action::Wait { .. }));
        assert!(
            notify < wait,
            "seed {seed}: the notify (step {}) is drawn after the wait it came before (step {})",
            notify + 1,
            wait + 1
        );
        let explanation = trace.deadlock_explanation().expect("a deadlock");
        let expected = format!(
            "the last notify on go (step {}, by notifier) came before main waited (step {}): a lost wake-up",
            notify + 1,
            wait + 1
        );
        assert!(
            explanation.contains(&expected),
            "seed {seed}: {explanation}"
        );
    }
}

/// A thread stuck in a timed wait (loom fires no timer) is said to wait with a timeout.
#[test]
fn a_thread_stuck_in_a_timed_wait_is_said_to_wait_with_a_timeout() {
    let stuck = |timed| Blocked {
        thread: Named {
            id: Tid::MAIN,
            name: "main".to_owned(),
        },
        holds: Vec::new(),
        waits_for: Named {
            id: Waiting::Condvar {
                condvar: 1,
                lock: 0,
                timed,
            },
            name: "a notify on go".to_owned(),
        },
    };
    let explain = |timed| {
        let trace = Trace {
            blocked: vec![stuck(timed)],
            objects: vec!["m".to_owned(), "go".to_owned()],
            ..Trace::default()
        };
        trace.deadlock_explanation().expect("a deadlock")
    };
    let missing = "for a notify on go that never comes (no thread is left to send it: a lost wake-up or a missing notify)";
    assert_eq!(
        explain(true),
        format!("deadlock: main waits (with a timeout) {missing}")
    );
    assert_eq!(explain(false), format!("deadlock: main waits {missing}"));
}
