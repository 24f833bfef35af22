//! std's thread API on the facade, as a user ports code to it: `R::spawn` without a turbofish
//! (in `model!` and in a generic function of one's own), `thread::scope` with threads that
//! borrow, and `thread::Builder` with a name. Each check is written once and run under shuttle,
//! natively and, with `--cfg loom`, under loom.

use interleave::checker::Verdict;
use interleave::runtime::{Backend, Native};
use interleave::sync::{Condvar, Mutex, Shared};
use interleave::thread::{self, Builder};
use interleave::{Threads, check, model};
use std::sync::Arc;

/// Two withdrawals of 60 from 100, each checking the balance and then taking it: a generic
/// function of one's own, so it imports `Threads` for `R::spawn`. Returns the balance.
fn withdraw_twice<R: Threads>() -> i64 {
    let balance = Arc::new(Shared::<R, i64>::named("balance", 100));
    let withdraw = || {
        let balance = balance.clone();
        R::spawn(move || {
            if balance.load() >= 60 {
                balance.store(balance.load() - 60);
            }
        })
    };
    let (first, second) = (withdraw(), withdraw());
    first.join();
    second.join();
    balance.load()
}

/// Two scoped threads each add one to a counter the scope's caller owns (no `Arc`): by a load,
/// then a store, or under a mutex. Returns the count, read after the scope.
fn scoped_count<R: Threads>(locked: bool) -> u32 {
    let count = Shared::<R, u32>::named("count", 0);
    let lock = Mutex::<R, ()>::named("lock", ());
    R::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let _held = locked.then(|| lock.lock());
                count.store(count.load() + 1);
            });
        }
    });
    count.load()
}

/// A scoped thread sets a flag; the scope's body reads it before the scope ends (it may not be
/// set yet), and the caller reads it after (it is). Returns (inside, after).
fn read_inside_and_after<R: Threads>() -> (bool, bool) {
    let done = Shared::<R, bool>::named("done", false);
    let inside = R::scope(|s| {
        s.spawn(|| done.store(true));
        done.load()
    });
    (inside, done.load())
}

/// A scoped thread starts another in the same scope, which nobody joins: the scope joins both.
/// Returns the count after the scope.
fn nested_in_scope<R: Threads>() -> u32 {
    let count = Mutex::<R, u32>::named("count", 0);
    thread::scope::<R, _, _>(|s| {
        s.spawn(|| {
            *count.lock() += 1;
            s.spawn(|| *count.lock() += 1);
        });
        let joined = s.spawn(|| {
            *count.lock() += 1;
            7
        });
        assert_eq!(joined.join(), 7);
    });
    *count.lock()
}

/// A thread a `Builder` names: what it sees as its name, and the name its handle has.
fn built_and_named<R: Threads>() -> (Option<String>, String) {
    let handle = Builder::<R>::new()
        .name("worker".to_owned())
        .stack_size(64 * 1024)
        .spawn(|| thread::current_name::<R>())
        .expect("a facade thread always starts");
    let name = handle.name().to_owned();
    (handle.join(), name)
}

/// A waiter waits up to 10 s for another thread to set a value, with `wait_timeout_while`:
/// whether it timed out, and the value it saw.
fn wait_for_a_value<R: Threads>() -> (bool, u32) {
    let pair = Arc::new((
        Mutex::<R, u32>::named("value", 0),
        Condvar::<R>::named("set"),
    ));
    let setter = {
        let pair = pair.clone();
        R::spawn(move || {
            *pair.0.lock() = 1;
            pair.1.notify_one();
        })
    };
    let (value, set) = &*pair;
    let (seen, timed_out) =
        set.wait_timeout_while(value.lock(), std::time::Duration::from_secs(10), |v| {
            *v == 0
        });
    let seen_value = *seen;
    drop(seen);
    setter.join();
    (timed_out, seen_value)
}

/// Under shuttle the timer may fire before the value is set (then it timed out, seeing 0) or
/// not (then it saw 1); never "timed out" with the value there. Natively the setter is quicker
/// than 10 s.
#[test]
fn wait_timeout_while_says_timed_out_only_while_the_condition_holds() {
    let report = check(model!(|R| wait_for_a_value::<R>()))
        .outcomes()
        .shuttle()
        .unwrap();
    assert_eq!(report.outcomes.texts(), ["(false, 1)", "(true, 0)"]);
    let report = check(model!(|R| wait_for_a_value::<R>()))
        .executions(5)
        .native()
        .unwrap();
    assert_eq!(report.outcomes.texts(), ["(false, 1)"]);
}

fn overdraft_is_found_and_the_fix_holds(backend: Backend) {
    check(model!(withdraw_twice))
        .backend(backend)
        .forbid(|&balance| (balance < 0).then_some("overdraft"))
        .assert_violation("forbidden outcome -20: overdraft");
    // The README's form: `R::spawn` in a `model!` block, nothing imported for it.
    let failure = check(model!(|R| {
        let balance = Arc::new(Mutex::<R, i64>::named("balance", 100));
        let withdraw = || {
            let balance = balance.clone();
            R::spawn(move || {
                let mut balance = balance.lock();
                if *balance >= 60 {
                    *balance -= 60;
                }
            })
        };
        let (first, second) = (withdraw(), withdraw());
        first.join();
        second.join();
        *balance.lock()
    }))
    .backend(backend)
    .forbid(|&balance| (balance != 40).then_some("two withdrawals or none"))
    .outcomes()
    .run()
    .unwrap();
    assert!(matches!(failure.verdict, Verdict::Holds), "{failure}");
    assert_eq!(failure.outcomes.texts(), ["40"]);
}

fn scoped_threads_borrow_race_and_are_joined(backend: Backend) {
    let failure = check(model!(|R| scoped_count::<R>(false)))
        .backend(backend)
        .forbid(|&count| (count != 2).then_some("an increment was lost"))
        .assert_violation("forbidden outcome 1: an increment was lost");
    assert_eq!(
        failure.trace.lost_update.expect("a lost update").var,
        "count"
    );
    let report = check(model!(|R| scoped_count::<R>(true)))
        .backend(backend)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(report.outcomes.texts(), ["2"]);
    assert_eq!(report.exhaustive, backend == Backend::Loom);

    let report = check(model!(|R| read_inside_and_after::<R>()))
        .backend(backend)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(
        report.outcomes.texts(),
        ["(false, true)", "(true, true)"],
        "inside the scope the flag may be unset yet; after it, always set"
    );
    check(model!(|R| read_inside_and_after::<R>()))
        .backend(backend)
        .forbid(|&(inside, _)| (!inside).then_some("read before the thread ran"))
        .assert_violation("forbidden outcome (false, true): read before the thread ran");

    let report = check(model!(|R| nested_in_scope::<R>()))
        .backend(backend)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(report.outcomes.texts(), ["3"]);
}

fn a_builder_names_its_thread(backend: Backend) {
    let report = check(model!(|R| built_and_named::<R>()))
        .backend(backend)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(report.outcomes.texts(), ["(Some(\"worker\"), \"worker\")"]);
    // The name is the timeline's too.
    let failure = check(model!(|R| {
        let handle = Builder::<R>::new()
            .name("worker".to_owned())
            .spawn(|| panic!("the worker gives up"))
            .unwrap();
        handle.join()
    }))
    .backend(backend)
    .assert_violation("panicked: the worker gives up");
    assert_eq!(failure.trace.threads, ["main", "worker"]);
}

#[test]
fn shuttle_finds_the_overdraft_of_r_spawn_threads_and_the_fix_holds() {
    overdraft_is_found_and_the_fix_holds(Backend::Shuttle);
}

#[test]
fn shuttle_scoped_threads_borrow_race_and_are_joined() {
    scoped_threads_borrow_race_and_are_joined(Backend::Shuttle);
}

#[test]
fn shuttle_a_builder_names_its_thread() {
    a_builder_names_its_thread(Backend::Shuttle);
}

/// Natively nothing is explored: the fixes hold, the scope joins, the builder names.
#[test]
fn natively_scopes_join_and_builders_name() {
    let report = check(model!(|R| scoped_count::<R>(true)))
        .executions(20)
        .native()
        .unwrap();
    assert_eq!(report.outcomes.texts(), ["2"]);
    let report = check(model!(|R| nested_in_scope::<R>()))
        .executions(20)
        .native()
        .unwrap();
    assert_eq!(report.outcomes.texts(), ["3"]);
    let report = check(model!(|R| built_and_named::<R>()))
        .executions(5)
        .native()
        .unwrap();
    assert_eq!(report.outcomes.texts(), ["(Some(\"worker\"), \"worker\")"]);
}

/// As std's: a scoped thread's panic that nobody joined makes the scope panic, after it joined
/// the others; a panic in the scope's body comes out of the scope once its threads are joined.
#[test]
fn natively_a_scoped_panic_comes_out_of_the_scope_after_every_join() {
    let count = std::sync::atomic::AtomicU32::new(0);
    let panic = std::panic::catch_unwind(|| {
        thread::scope::<Native, _, _>(|s| {
            s.spawn(|| panic!("one thread fails"));
            s.spawn(|| count.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        })
    })
    .expect_err("the scope panics");
    assert_eq!(
        panic.downcast_ref::<&str>(),
        Some(&"a scoped thread panicked")
    );
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);

    let panic = std::panic::catch_unwind(|| {
        Native::scope(|s| {
            s.spawn(|| count.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
            panic!("the body fails");
        })
    })
    .expect_err("the body's panic comes out");
    assert_eq!(panic.downcast_ref::<&str>(), Some(&"the body fails"));
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[cfg(loom)]
mod loom {
    use super::*;

    #[test]
    fn loom_finds_the_overdraft_of_r_spawn_threads_and_the_fix_holds() {
        overdraft_is_found_and_the_fix_holds(Backend::Loom);
    }

    #[test]
    fn loom_scoped_threads_borrow_race_and_are_joined() {
        scoped_threads_borrow_race_and_are_joined(Backend::Loom);
    }

    #[test]
    fn loom_a_builder_names_its_thread() {
        a_builder_names_its_thread(Backend::Loom);
    }
}
