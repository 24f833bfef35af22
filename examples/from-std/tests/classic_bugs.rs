//! Each test runs under shuttle in a plain `cargo test` and under loom with
//! `RUSTFLAGS="--cfg loom" cargo test --release` (`.run()` picks the build's explorer), and the
//! fixes also natively. The `#[ignore]`d ones fail on purpose, to show a report and its replay
//! line: `cargo test -- --ignored`.

use from_std::{Bank, Bounded, Lazy, RacyLazy};
use interleave::checker::Verdict;
use interleave::runtime::Runtime;
use interleave::sync::atomic::Ordering;
use interleave::sync::mpsc;
use interleave::sync::{Arc, RwLock};
use interleave::{Threads, check, model};

/// Two transfers at once in opposite directions; the balances after.
fn opposite_transfers<R: Threads>(ordered: bool) -> Vec<i64> {
    let bank = Arc::new(Bank::<R>::new(&[100, 100]));
    let transfer = |from, to, amount| {
        let bank = bank.clone();
        R::spawn(move || match ordered {
            true => bank.transfer_ordered(from, to, amount),
            false => bank.transfer(from, to, amount),
        })
    };
    let (there, back) = (transfer(0, 1, 10), transfer(1, 0, 20));
    there.join();
    back.join();
    bank.balances()
}

/// Two threads ask for a lazy value at once; how many times it was built.
fn two_first_uses<R: Threads>(racy: bool) -> usize {
    if racy {
        let lazy = Arc::new(RacyLazy::<R>::default());
        let user = || {
            let lazy = lazy.clone();
            R::spawn(move || lazy.get_or_init(|| 7))
        };
        let (first, second) = (user(), user());
        assert_eq!((first.join(), second.join()), (7, 7));
        lazy.builds.load(Ordering::Relaxed)
    } else {
        let lazy = Arc::new(Lazy::<R>::default());
        let user = || {
            let lazy = lazy.clone();
            R::spawn(move || lazy.get_or_init(|| 7))
        };
        let (first, second) = (user(), user());
        assert_eq!((first.join(), second.join()), (7, 7));
        lazy.builds.load(Ordering::Relaxed)
    }
}

/// A producer puts 1, 2, 3 through a queue of one place; what the consumer got, in order.
fn through_one_place<R: Runtime>() -> Vec<u32> {
    let queue = Arc::new(Bounded::<R, u32>::new(1));
    let producer = {
        let queue = queue.clone();
        R::spawn(move || (1..=3).for_each(|item| queue.put(item)))
    };
    let got: Vec<u32> = (0..3).map(|_| queue.get()).collect();
    producer.join();
    got
}

/// Two workers each send their result on a channel; the collector stops at the first
/// `TryRecvError::Empty` (it may come before a worker sent) or reads until every sender is gone.
/// What it collected, sorted.
fn collect_results<R: Threads>(until_disconnected: bool) -> Vec<u32> {
    let (results, collected) = mpsc::channel_named::<R, u32>("results");
    let workers: Vec<_> = [10, 20]
        .into_iter()
        .map(|result| {
            let results = results.clone();
            R::spawn(move || results.send(result).expect("the collector is there"))
        })
        .collect();
    drop(results);
    let mut got: Vec<u32> = if until_disconnected {
        collected.iter().collect()
    } else {
        let mut got = Vec::new();
        // Empty is taken for "done": a worker may not have sent yet.
        while let Ok(result) = collected.try_recv() {
            got.push(result);
        }
        got
    };
    workers.into_iter().for_each(|worker| worker.join());
    got.sort_unstable();
    got
}

/// A price list read by one thread while another raises every price, under a `RwLock`: the
/// reader sees all the old prices or all the new ones, never a mix.
fn read_while_raised<R: Threads>() -> Vec<u32> {
    let prices = Arc::new(RwLock::<R, Vec<u32>>::named("prices", vec![10, 20]));
    let raiser = {
        let prices = prices.clone();
        R::spawn(move || prices.write().iter_mut().for_each(|price| *price += 1))
    };
    let seen = prices.read().clone();
    raiser.join();
    seen
}

fn built_twice(builds: &usize) -> Option<&'static str> {
    (*builds != 1).then_some("initialised twice")
}

#[test]
fn opposite_transfers_deadlock() {
    let failure = check(model!(|R| opposite_transfers::<R>(false))).assert_deadlock();
    assert!(
        failure.message.contains("2 threads wait in a ring"),
        "{}",
        failure.message
    );
}

#[test]
fn ordered_transfers_never_deadlock() {
    let report = check(model!(|R| opposite_transfers::<R>(true)))
        .outcomes()
        .assert_holds();
    assert_eq!(report.outcomes.texts(), ["[110, 90]"]);
}

#[test]
fn a_flag_checked_then_set_builds_twice() {
    let report = check(model!(|R| two_first_uses::<R>(true)))
        .forbid(built_twice)
        .run()
        .unwrap();
    assert!(matches!(report.verdict, Verdict::Violated(_)), "{report}");
    let shown = report.to_string();
    assert!(
        shown.contains("forbidden outcome 2: initialised twice"),
        "{shown}"
    );
}

#[test]
fn a_lazy_under_a_lock_builds_once() {
    let report = check(model!(|R| two_first_uses::<R>(false)))
        .forbid(built_twice)
        .outcomes()
        .assert_holds();
    assert_eq!(report.outcomes.texts(), ["1"]);
    println!("{report}");
}

#[test]
fn the_bounded_queue_keeps_order_and_never_sticks() {
    let report = check(model!(through_one_place)).outcomes().assert_holds();
    assert_eq!(report.outcomes.texts(), ["[1, 2, 3]"]);
}

#[test]
fn stopping_at_empty_misses_results_and_reading_to_the_end_gets_all() {
    let missed = check(model!(|R| collect_results::<R>(false)))
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(
        missed.outcomes.texts(),
        ["[10, 20]", "[10]", "[20]", "[]"],
        "{missed}"
    );
    let all = check(model!(|R| collect_results::<R>(true)))
        .outcomes()
        .assert_holds();
    assert_eq!(all.outcomes.texts(), ["[10, 20]"]);
}

#[test]
fn a_reader_under_the_rwlock_never_sees_half_raised_prices() {
    let report = check(model!(|R| read_while_raised::<R>()))
        .outcomes()
        .assert_holds();
    assert_eq!(report.outcomes.texts(), ["[10, 20]", "[11, 21]"]);
}

/// On std threads nothing is explored: the fixes hold in every run.
#[test]
fn natively_the_fixes_hold() {
    let transfers = check(model!(|R| opposite_transfers::<R>(true)))
        .executions(20)
        .native()
        .unwrap();
    assert_eq!(transfers.outcomes.texts(), ["[110, 90]"]);
    let lazy = check(model!(|R| two_first_uses::<R>(false)))
        .executions(20)
        .native()
        .unwrap();
    assert_eq!(lazy.outcomes.texts(), ["1"]);
    let queue = check(model!(through_one_place))
        .executions(20)
        .native()
        .unwrap();
    assert_eq!(queue.outcomes.texts(), ["[1, 2, 3]"]);
    let results = check(model!(|R| collect_results::<R>(true)))
        .executions(20)
        .native()
        .unwrap();
    assert_eq!(results.outcomes.texts(), ["[10, 20]"]);
}

/// Fails on purpose: the report of the deadlock, and the line that replays it.
#[test]
#[ignore = "fails on purpose: cargo test -- --ignored shows the report and its replay line"]
fn shows_the_deadlock() {
    check(model!(|R| opposite_transfers::<R>(false))).assert_holds();
}

/// Fails on purpose: the report of the double initialisation, and the line that replays it.
#[test]
#[ignore = "fails on purpose: cargo test -- --ignored shows the report and its replay line"]
fn shows_the_double_init() {
    check(model!(|R| two_first_uses::<R>(true)))
        .forbid(built_twice)
        .assert_holds();
}
