//! `interleave::sync::atomic`, as a user ports std code to it: the same methods and orderings,
//! every operation a step of the checker. A spin lock that loads, then stores, lets two threads
//! in, and its report shows both loads before the stores; a counter that loads, then stores,
//! loses an increment, and the lost update names it. Their fixes (`compare_exchange`, `swap`,
//! `fetch_add`) hold. Each check is written once and run under shuttle, natively (where nothing
//! is explored: the fixes hold in every run) and, with `--cfg loom`, under loom. std's semantics,
//! call for call, are pinned in `atomics_std.rs`.

use interleave::checker::{Failure, Report, Verdict};
use interleave::runtime::{Backend, Runtime};
use interleave::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use interleave::sync::atomic::{AtomicBool, AtomicI64, AtomicU8};
use interleave::trace::{Action, Trace};
use interleave::{check, model, thread};
use std::sync::Arc;

/// How a spin lock on an `AtomicBool` is taken.
#[derive(Clone, Copy, Debug)]
enum Take {
    /// Wait until it reads unlocked, then store locked: two threads can both read unlocked.
    LoadThenStore,
    /// Swap in locked until the value before was unlocked.
    Swap,
    /// Exchange unlocked for locked until it succeeds.
    CompareExchange,
}

/// Two threads each take the lock, go in, come out and release it. Returns the most threads
/// ever inside together.
fn spin_lock<R: Runtime>(take: Take) -> u8 {
    let locked = Arc::new(AtomicBool::<R>::named("locked", false));
    let inside = Arc::new(AtomicU8::<R>::named("inside", 0));
    let most_inside = Arc::new(AtomicU8::<R>::named("most inside", 0));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (locked, inside, most_inside) =
                (locked.clone(), inside.clone(), most_inside.clone());
            thread::spawn::<R, _, _>(move || {
                match take {
                    Take::LoadThenStore => {
                        while locked.load(Acquire) {
                            thread::yield_now::<R>();
                        }
                        locked.store(true, Relaxed);
                    }
                    Take::Swap => {
                        while locked.swap(true, Acquire) {
                            thread::yield_now::<R>();
                        }
                    }
                    Take::CompareExchange => {
                        while locked
                            .compare_exchange_weak(false, true, Acquire, Relaxed)
                            .is_err()
                        {
                            thread::yield_now::<R>();
                        }
                    }
                }
                let now_inside = inside.fetch_add(1, Relaxed) + 1;
                most_inside.fetch_max(now_inside, Relaxed);
                inside.fetch_sub(1, Relaxed);
                locked.store(false, Release);
            })
        })
        .collect();
    workers.into_iter().for_each(thread::JoinHandle::join);
    most_inside.load(Relaxed)
}

fn mutual_exclusion(most_inside: &u8) -> Option<&'static str> {
    (*most_inside > 1).then_some("two threads in the critical section")
}

/// Two threads each add one to a `u8` counter by a load, then a store (or by `fetch_add`).
/// Returns the count.
fn count_u8<R: Runtime>(fetch_add: bool) -> u8 {
    let count = Arc::new(AtomicU8::<R>::named("count", 0));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let count = count.clone();
            thread::spawn::<R, _, _>(move || match fetch_add {
                true => _ = count.fetch_add(1, Relaxed),
                false => count.store(count.load(Relaxed) + 1, Relaxed),
            })
        })
        .collect();
    workers.into_iter().for_each(thread::JoinHandle::join);
    count.load(Relaxed)
}

/// Two threads each take 30 from an `i64` balance of 100, by a load, then a store (or by
/// `fetch_sub`). Returns the balance.
fn withdraw_i64<R: Runtime>(fetch_sub: bool) -> i64 {
    let balance = Arc::new(AtomicI64::<R>::named("balance", 100));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let balance = balance.clone();
            thread::spawn::<R, _, _>(move || match fetch_sub {
                true => _ = balance.fetch_sub(30, SeqCst),
                false => balance.store(balance.load(SeqCst) - 30, SeqCst),
            })
        })
        .collect();
    workers.into_iter().for_each(thread::JoinHandle::join);
    balance.load(SeqCst)
}

/// The accesses to `name` among the events the report shows, in order: (thread, "read false"
/// / "write true").
fn shown_accesses(trace: &Trace, name: &str) -> Vec<(String, String)> {
    let (shown, _) = interleave::report::explaining_events(trace);
    shown
        .into_iter()
        .filter_map(|index| {
            let event = &trace.events[index];
            let (var, what) = match &event.action {
                Action::Read { var, value } => (*var, format!("read {value}")),
                Action::Write { var, value } => (*var, format!("write {value}")),
                _ => return None,
            };
            (trace.object_name(var) == name)
                .then(|| (trace.thread_name(event.thread).into_owned(), what))
        })
        .collect()
}

/// The report shows both threads reading the lock unlocked before either stored locked.
fn assert_both_loads_came_before_the_stores(failure: &Failure) {
    let locked = shown_accesses(&failure.trace, "locked");
    let first_store = locked
        .iter()
        .position(|(_, what)| what == "write true")
        .expect("a thread stored locked");
    let mut readers: Vec<&str> = locked[..first_store]
        .iter()
        .filter(|(_, what)| what == "read false")
        .map(|(thread, _)| thread.as_str())
        .collect();
    readers.sort_unstable();
    readers.dedup();
    assert_eq!(readers, ["Thread-1", "Thread-2"], "{locked:?}");
}

/// Every outcome `report` saw, which under loom is every outcome there is.
pub fn outcomes(report: &Report, backend: Backend) -> Vec<String> {
    assert_eq!(report.exhaustive, backend == Backend::Loom, "{}", report.id);
    report.outcomes.texts()
}

/// The broken lock is found, its report showing both loads before the stores; the outcomes are
/// exactly "one inside" and "both inside". (A store of `locked` overwrites the other's, but the
/// end reads `most inside`: the report shows the run, not that lost update.)
fn load_then_store_lets_both_in(backend: Backend) {
    let failure = check(model!(|R| spin_lock::<R>(Take::LoadThenStore)))
        .backend(backend)
        .forbid(mutual_exclusion)
        .assert_violation("forbidden outcome 2: two threads in the critical section");
    assert_both_loads_came_before_the_stores(&failure);
    let report = check(model!(|R| spin_lock::<R>(Take::LoadThenStore)))
        .backend(backend)
        .forbid(mutual_exclusion)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(outcomes(&report, backend), ["1", "2"]);
}

/// The swap and compare-exchange locks let one thread in at a time in every execution.
fn swap_and_compare_exchange_hold(backend: Backend) {
    for take in [Take::Swap, Take::CompareExchange] {
        let report = check(model!(|R| spin_lock::<R>(take)))
            .backend(backend)
            .forbid(mutual_exclusion)
            .outcomes()
            .run()
            .unwrap();
        assert!(matches!(report.verdict, Verdict::Holds), "{take:?}");
        assert_eq!(outcomes(&report, backend), ["1"], "{take:?}");
    }
}

/// Load-then-store loses an increment, and the lost update names the counter; `fetch_add` and
/// `fetch_sub` never do.
fn load_then_store_loses_an_update(backend: Backend) {
    let failure = check(model!(|R| count_u8::<R>(false)))
        .backend(backend)
        .forbid(|&count| (count != 2).then_some("an increment was lost"))
        .assert_violation("forbidden outcome 1: an increment was lost");
    let lost = failure.trace.lost_update.as_ref().expect("a lost update");
    assert_eq!(lost.var, "count");
    let (_, heading) = interleave::report::explaining_events(&failure.trace);
    assert!(heading.contains("wrote count over"), "{heading}");
    let failure = check(model!(|R| withdraw_i64::<R>(false)))
        .backend(backend)
        .forbid(|&balance| (balance != 40).then_some("a withdrawal was lost"))
        .assert_violation("forbidden outcome 70: a withdrawal was lost");
    assert_eq!(
        failure.trace.lost_update.expect("a lost update").var,
        "balance"
    );

    let counts = check(model!(|R| count_u8::<R>(false)))
        .backend(backend)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(outcomes(&counts, backend), ["1", "2"]);
    let counts = check(model!(|R| count_u8::<R>(true)))
        .backend(backend)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(outcomes(&counts, backend), ["2"]);
    let balances = check(model!(|R| withdraw_i64::<R>(false)))
        .backend(backend)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(outcomes(&balances, backend), ["40", "70"]);
    let balances = check(model!(|R| withdraw_i64::<R>(true)))
        .backend(backend)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(outcomes(&balances, backend), ["40"]);
}

#[test]
fn shuttle_finds_two_threads_in_a_load_then_store_spin_lock() {
    load_then_store_lets_both_in(Backend::Shuttle);
}

#[test]
fn shuttle_finds_swap_and_compare_exchange_spin_locks_hold() {
    swap_and_compare_exchange_hold(Backend::Shuttle);
}

#[test]
fn shuttle_finds_the_lost_update_of_a_load_then_store_counter() {
    load_then_store_loses_an_update(Backend::Shuttle);
}

/// Natively nothing is explored: the race is there, seldom seen; the fixes hold in every run.
#[test]
fn natively_the_fixes_hold() {
    for take in [Take::Swap, Take::CompareExchange] {
        let report = check(model!(|R| spin_lock::<R>(take)))
            .forbid(mutual_exclusion)
            .executions(20)
            .native()
            .unwrap();
        assert!(matches!(report.verdict, Verdict::Holds), "{take:?}");
        assert_eq!(outcomes(&report, Backend::Native), ["1"], "{take:?}");
    }
    let counts = check(model!(|R| count_u8::<R>(true)))
        .executions(20)
        .native()
        .unwrap();
    assert_eq!(outcomes(&counts, Backend::Native), ["2"]);
    let balances = check(model!(|R| withdraw_i64::<R>(true)))
        .executions(20)
        .native()
        .unwrap();
    assert_eq!(outcomes(&balances, Backend::Native), ["40"]);
}

#[cfg(loom)]
mod loom {
    use super::*;

    #[test]
    fn loom_finds_two_threads_in_a_load_then_store_spin_lock() {
        load_then_store_lets_both_in(Backend::Loom);
    }

    #[test]
    fn loom_finds_swap_and_compare_exchange_spin_locks_hold() {
        swap_and_compare_exchange_hold(Backend::Loom);
    }

    #[test]
    fn loom_finds_the_lost_update_of_a_load_then_store_counter() {
        load_then_store_loses_an_update(Backend::Loom);
    }
}
