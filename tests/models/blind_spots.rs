//! What a backend cannot see is a status, never a pass: a check that needs spurious wake-ups is
//! "not checked" under loom (and natively), a loom search that spends its execution budget is
//! "unfinished", and the gate carries both into every format, combining backends honestly.

use interleave::checker::Verdict;
use interleave::checker::sight::{BlindSpot, CANNOT_SEE};
use interleave::gate::formats;
use interleave::gate::report::{GateReport, PropertyResult, Status, SubmissionReport};
use interleave::runtime::{Backend, Runtime};
use interleave::sync::{Condvar, Mutex};
use interleave::{check, model, thread};
use std::sync::Arc;
use std::time::Duration;

/// Waits for a flag with `if` where a `while` belongs: a wake-up with no notify (POSIX and Rust
/// allow one) returns before the flag is set. Returns what the waiter saw.
fn waits_with_if<R: Runtime>() -> bool {
    let shared = Arc::new((
        Mutex::<R, bool>::named("ready", false),
        Condvar::<R>::named("ready_changed"),
    ));
    let setter = {
        let shared = shared.clone();
        thread::spawn::<R, _, _>(move || {
            *shared.0.lock() = true;
            shared.1.notify_all();
        })
    };
    let mut ready = shared.0.lock();
    if !*ready {
        ready = shared.1.wait(ready);
    }
    let seen = *ready;
    drop(ready);
    setter.join();
    seen
}

fn woke_too_early(seen: &bool) -> Option<&'static str> {
    (!*seen).then_some("woke with the flag unset and did not look again")
}

#[test]
fn shuttle_injects_the_spurious_wake_up_that_breaks_an_if() {
    check(model!(waits_with_if))
        .forbid(woke_too_early)
        .needs(&[BlindSpot::SpuriousWakeups])
        .backend(Backend::Shuttle)
        .assert_violation("woke with the flag unset");
}

#[test]
fn natively_a_check_that_needs_spurious_wake_ups_is_not_checked() {
    let report = check(model!(waits_with_if))
        .forbid(woke_too_early)
        .needs(&[BlindSpot::SpuriousWakeups])
        .native()
        .expect("native runs");
    let Verdict::NotChecked(blind) = &report.verdict else {
        panic!("expected not checked, got {:?}", report.verdict.name());
    };
    assert_eq!(blind.spot, BlindSpot::SpuriousWakeups);
    let text = interleave::report::verdict(&report);
    assert!(
        text.starts_with(&format!(
            "{} [native, 2 threads]: NOT CHECKED under native: std's Condvar",
            report.id
        )),
        "{text}"
    );
}

#[test]
fn the_table_names_loom_s_blind_spots_and_nobody_is_blind_to_shuttle_s_choices() {
    assert!(BlindSpot::SpuriousWakeups.blind(Backend::Loom).is_some());
    assert!(BlindSpot::TimeoutsFiring.blind(Backend::Loom).is_some());
    assert_eq!(BlindSpot::SpuriousWakeups.blind(Backend::Shuttle), None);
    assert_eq!(BlindSpot::TimeoutsFiring.blind(Backend::Shuttle), None);
    assert_eq!(BlindSpot::TimeoutsFiring.blind(Backend::Native), None);
    for backend in [Backend::Native, Backend::Shuttle, Backend::Loom] {
        assert!(
            CANNOT_SEE.iter().any(|blind| blind.backend == backend),
            "{backend:?} has no row: every backend has a blind spot"
        );
    }
}

#[test]
fn a_property_passes_where_a_backend_that_could_check_it_did() {
    use Status::*;
    assert_eq!(Status::combined([Pass, NotChecked]), Pass);
    assert_eq!(Status::combined([Fail, NotChecked]), Fail);
    assert_eq!(Status::combined([NotChecked]), NotChecked);
    assert_eq!(Status::combined([Pass, Unfinished]), Pass);
    assert_eq!(Status::combined([Unfinished, NotChecked]), Unfinished);
    assert_eq!(Status::combined([Pass, Timeout]), Timeout);
}

fn result(property: &str, backend: &str, status: Status, message: Option<&str>) -> PropertyResult {
    PropertyResult {
        property: property.to_owned(),
        statement: format!("{property} holds"),
        backend: backend.to_owned(),
        status,
        finding: None,
        message: message.map(str::to_owned),
        coverage: None,
        counterexample: None,
        elapsed_ms: 0,
    }
}

fn rlock_report(backends: &[&str], properties: Vec<PropertyResult>) -> GateReport {
    let submissions = vec![SubmissionReport {
        submission: "student/rlock.rs".to_owned(),
        status: SubmissionReport::status_of(&properties),
        message: None,
        location: None,
        properties,
        output: None,
        elapsed_ms: 0,
    }];
    crate::gate_support::report_of("rlock", backends, submissions)
}

const WHY: &str = "not checked under loom: loom cannot inject spurious wake-ups";

#[test]
fn every_format_says_not_checked_and_gives_no_point_for_it() {
    let report = rlock_report(
        &["loom"],
        vec![
            result("mutual-exclusion", "loom", Status::Pass, None),
            result("spurious-wakeups", "loom", Status::NotChecked, Some(WHY)),
        ],
    );
    assert_eq!(report.submissions[0].status, Status::NotChecked);
    assert_eq!(report.summary.not_checked, 1);
    assert_eq!(report.exit_code(), 5);

    let json: serde_json::Value = serde_json::from_str(&formats::json(&report)).unwrap();
    assert_eq!(
        crate::support::report_schema_errors(&json),
        Vec::<String>::new()
    );

    let text = formats::text(&report);
    assert!(text.contains("student/rlock.rs: NOT-CHECKED"), "{text}");
    assert!(
        text.contains("not-checked spurious-wakeups") && text.contains(WHY),
        "{text}"
    );
    assert!(
        text.ends_with("0 error, 1 not checked\nsandbox: namespaces\n"),
        "{text}"
    );

    let junit = formats::junit(&report);
    let xml = roxmltree::Document::parse(&junit).expect("JUnit is XML");
    let skipped: Vec<&str> = xml
        .descendants()
        .filter(|n| n.has_tag_name("skipped"))
        .filter_map(|n| n.attribute("message"))
        .collect();
    assert_eq!(skipped, [WHY]);
    assert_eq!(
        xml.descendants()
            .filter(|n| n.has_tag_name("failure"))
            .count(),
        0
    );

    let github = formats::github(&report);
    assert!(
        github.lines().any(
            |l| l.starts_with("::notice ") && l.contains("spurious-wakeups [loom] not-checked")
        ),
        "{github}"
    );
    assert!(
        !github.lines().any(|l| l.starts_with("::error ")),
        "{github}"
    );

    let gradescope: serde_json::Value =
        serde_json::from_str(&formats::gradescope(&report)).unwrap();
    let tests = gradescope["tests"].as_array().unwrap();
    let spurious = tests
        .iter()
        .find(|t| t["name"] == "spurious-wakeups [loom]")
        .unwrap();
    assert_eq!(
        (spurious["score"].as_u64(), spurious["max_score"].as_u64()),
        (Some(0), Some(0))
    );
    assert!(spurious.get("status").is_none(), "{spurious}");
    assert!(spurious["output"].as_str().unwrap().contains(WHY));
    // Six properties, one of them checked by nobody: five points to earn, one earned here.
    assert_eq!(gradescope["max_score"], 5);
    assert_eq!(gradescope["score"], 1);
}

#[test]
fn graded_on_both_backends_the_if_that_shuttle_catches_fails() {
    let report = rlock_report(
        &["shuttle", "loom"],
        vec![
            result(
                "spurious-wakeups",
                "shuttle",
                Status::Fail,
                Some("woke early"),
            ),
            result("spurious-wakeups", "loom", Status::NotChecked, Some(WHY)),
        ],
    );
    assert_eq!(report.submissions[0].status, Status::Fail);
    assert_eq!(report.exit_code(), 1);
    let passing = rlock_report(
        &["shuttle", "loom"],
        vec![
            result("spurious-wakeups", "shuttle", Status::Pass, None),
            result("spurious-wakeups", "loom", Status::NotChecked, Some(WHY)),
        ],
    );
    assert_eq!(passing.submissions[0].status, Status::Pass);
    assert_eq!(passing.exit_code(), 0);
}

#[test]
fn the_rlock_exercise_declares_that_spurious_wakeups_needs_them() {
    let rlock = interleave::gate::find_exercise("rlock").expect("rlock");
    let needs: Vec<(&str, &[BlindSpot])> = rlock
        .properties()
        .iter()
        .map(|p| (p.name, p.variant.needs))
        .filter(|(_, needs)| !needs.is_empty())
        .collect();
    assert_eq!(
        needs,
        [("spurious-wakeups", &[BlindSpot::SpuriousWakeups][..])]
    );
}

#[test]
fn the_bounded_queue_exercise_declares_that_timeouts_give_up_needs_them() {
    let queue = interleave::gate::find_exercise("bounded-queue").expect("bounded-queue");
    let needs: Vec<(&str, &[BlindSpot])> = queue
        .properties()
        .iter()
        .map(|p| (p.name, p.variant.needs))
        .filter(|(_, needs)| !needs.is_empty())
        .collect();
    assert_eq!(
        needs,
        [("timeouts-give-up", &[BlindSpot::TimeoutsFiring][..])]
    );
}

/// A correct consumer that polls: it never needs a notify, because its timed wait ends by
/// itself. The producer adds the item and notifies nobody.
fn polls_with_a_timeout<R: Runtime>() -> usize {
    let shared = Arc::new((
        Mutex::<R, usize>::named("items", 0),
        Condvar::<R>::named("item_added"),
    ));
    let producer = {
        let shared = shared.clone();
        thread::spawn::<R, _, _>(move || *shared.0.lock() += 1)
    };
    let mut items = shared.0.lock();
    while *items == 0 {
        items = shared.1.wait_timeout(items, Duration::from_millis(10)).0;
    }
    let seen = *items;
    drop(items);
    producer.join();
    seen
}

#[test]
fn shuttle_a_consumer_that_polls_with_a_timeout_holds() {
    check(model!(polls_with_a_timeout))
        .forbid(|&seen| (seen != 1).then_some("the item was not seen"))
        .backend(Backend::Shuttle)
        .assert_holds();
}

/// Three threads each take one off a count of three, but skip it when `try_lock` finds the
/// lock busy; `inside` does one more facade step while holding it (a read of a note).
fn skips_when_busy<R: Runtime>(inside: bool) -> usize {
    let count = Arc::new(Mutex::<R, usize>::named("count", 3));
    let note = Arc::new(interleave::sync::Shared::<R, usize>::named("note", 0));
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let (count, note) = (count.clone(), note.clone());
            thread::spawn::<R, _, _>(move || {
                if let Some(mut held) = count.try_lock() {
                    if inside {
                        note.load();
                    }
                    *held -= 1;
                }
            })
        })
        .collect();
    workers.into_iter().for_each(thread::JoinHandle::join);
    *count.lock()
}

fn skips_with_nothing_inside<R: Runtime>() -> usize {
    skips_when_busy::<R>(false)
}

fn skips_with_a_step_inside<R: Runtime>() -> usize {
    skips_when_busy::<R>(true)
}

fn a_decrement_skipped(left: &usize) -> Option<&'static str> {
    (*left != 0).then_some("a decrement was skipped")
}

#[test]
fn shuttle_finds_a_try_lock_that_skips_when_busy() {
    check(model!(skips_with_nothing_inside))
        .forbid(a_decrement_skipped)
        .backend(Backend::Shuttle)
        .assert_violation("a decrement was skipped");
    check(model!(skips_with_a_step_inside))
        .forbid(a_decrement_skipped)
        .backend(Backend::Shuttle)
        .assert_violation("a decrement was skipped");
}

#[cfg(loom)]
mod loom {
    use super::*;
    use interleave::gate::grade::{Settings, grade_all};

    /// Loom never interrupts a lock held with nothing done inside, so no `try_lock` there ever
    /// finds it busy: a search that found nothing is not checked, never "holds".
    #[test]
    fn loom_a_try_lock_on_a_lock_held_with_nothing_inside_is_not_checked() {
        let report = check(model!(skips_with_nothing_inside))
            .forbid(a_decrement_skipped)
            .loom()
            .expect("loom runs");
        let Verdict::NotChecked(blind) = &report.verdict else {
            panic!("{}", interleave::report::verdict(&report));
        };
        assert_eq!(blind.spot, BlindSpot::BusyLockForTryLock);
        let text = interleave::report::verdict(&report);
        assert!(text.contains("NOT CHECKED under loom"), "{text}");
    }

    /// With a step inside the section, loom interrupts it there and finds the skip.
    #[test]
    fn loom_a_try_lock_on_a_lock_held_over_a_step_is_checked_and_fails() {
        check(model!(skips_with_a_step_inside))
            .forbid(a_decrement_skipped)
            .backend(Backend::Loom)
            .assert_violation("a decrement was skipped");
    }

    /// Loom never fires a timer: the run where the consumer waits before the item exists has
    /// no way on, and that is loom's blind spot, not a deadlock of the model.
    #[test]
    fn loom_a_consumer_that_polls_with_a_timeout_is_not_called_a_deadlock() {
        let report = check(model!(polls_with_a_timeout))
            .forbid(|&seen| (seen != 1).then_some("the item was not seen"))
            .loom()
            .expect("loom runs");
        let Verdict::NotChecked(blind) = &report.verdict else {
            panic!("{}", interleave::report::verdict(&report));
        };
        assert_eq!(blind.spot, BlindSpot::TimeoutsFiring);
        let text = interleave::report::verdict(&report);
        assert!(
            text.contains("NOT CHECKED under loom: loom's wait_timeout never times out")
                && text.contains("relies on a timeout, which loom does not fire")
                && !text.contains("DEADLOCK"),
            "{text}"
        );
    }

    #[test]
    fn loom_a_check_that_needs_spurious_wake_ups_is_not_checked() {
        let report = check(model!(waits_with_if))
            .forbid(woke_too_early)
            .needs(&[BlindSpot::SpuriousWakeups])
            .loom()
            .expect("loom runs");
        assert!(matches!(report.verdict, Verdict::NotChecked(_)));
        assert!(!report.exhaustive);
        let text = interleave::report::verdict(&report);
        assert!(
            text.contains("NOT CHECKED under loom: loom cannot inject spurious wake-ups"),
            "{text}"
        );
        assert!(!text.contains("exhaustive"), "{text}");
    }

    fn locked_increments<R: Runtime>() -> usize {
        let counter = Arc::new(Mutex::<R, usize>::named("counter", 0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let counter = counter.clone();
                thread::spawn::<R, _, _>(move || *counter.lock() += 1)
            })
            .collect();
        workers.into_iter().for_each(thread::JoinHandle::join);
        *counter.lock()
    }

    #[test]
    fn loom_a_search_that_spends_its_count_is_unfinished_one_that_fits_is_exhaustive() {
        let whole = check(model!(locked_increments)).loom().unwrap();
        assert!(whole.exhaustive && !whole.unfinished);
        let n = whole.executions;
        assert!(n > 2, "{n}");
        let fits = check(model!(locked_increments))
            .executions(n)
            .loom()
            .unwrap();
        assert!(fits.exhaustive && !fits.unfinished, "{n} executions fit");
        assert_eq!(fits.executions, n);
        let short = check(model!(locked_increments))
            .executions(n - 1)
            .loom()
            .unwrap();
        assert!(matches!(short.verdict, Verdict::Holds));
        assert!(short.unfinished && !short.exhaustive);
        assert_eq!(short.executions, n - 1);
        let text = interleave::report::verdict(&short);
        assert!(
            text.contains(&format!(
                "UNFINISHED: no failure in the first {} executions",
                n - 1
            )) && text.contains("lower the preemption bound or raise --executions"),
            "{text}"
        );
    }

    #[test]
    fn loom_grading_never_passes_spurious_wakeups() {
        let rlock = interleave::gate::find_exercise("rlock").expect("rlock");
        let graded = |name: &str, settings: &Settings| {
            let builtin = rlock.builtin(name).expect("builtin");
            grade_all("rlock", &(builtin.properties)(), settings)
        };
        let spurious = |results: &[interleave::gate::report::PropertyResult]| {
            results
                .iter()
                .find(|r| r.property == "spurious-wakeups")
                .expect("graded")
                .clone()
        };
        // A correct lock: loom finds nothing, and cannot say it holds.
        let reference = spurious(&graded("reference", &Settings::on(Backend::Loom)));
        assert_eq!(reference.status, Status::NotChecked);
        assert!(
            reference
                .message
                .as_deref()
                .is_some_and(|m| m.contains("loom cannot inject spurious wake-ups")),
            "{reference:?}"
        );
        // The lock that waits under `if`: loom still catches the half it can see (a waiter
        // beaten to the lock), and never passes it.
        let if_lock = spurious(&graded("rlock/if-not-while", &Settings::on(Backend::Loom)));
        assert_ne!(if_lock.status, Status::Pass);
        let both = Settings {
            backends: vec![Backend::Shuttle, Backend::Loom],
            executions: Some(crate::gate_support::TEST_EXECUTIONS),
            ..Settings::on(Backend::Shuttle)
        };
        let results = graded("rlock/if-not-while", &both);
        assert_eq!(SubmissionReport::status_of(&results), Status::Fail);
    }
}

#[cfg(loom)]
mod loom_budget {
    use interleave::checker::{self, Budget, Mode, Report};
    use interleave::lesson::Params;
    use interleave::runtime::Backend;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn map_within(executions: usize) -> Report {
        let variant = interleave::models::find("executor/map").expect("a lesson");
        let mut budget = Budget::for_variant(&variant, Backend::Loom, Mode::Check);
        budget.executions = executions;
        let params = Params {
            threads: variant.loom_threads,
        };
        checker::check(&variant, Backend::Loom, &params, &budget, Mode::Check).unwrap()
    }

    /// A slow machine is simulated by two threads spinning beside the search: the status and
    /// the count are the same, because the budget is a count, not a clock.
    #[test]
    fn loom_the_same_search_gets_the_same_status_beside_a_cpu_hog() {
        let idle = map_within(3_000);
        let stop = AtomicBool::new(false);
        let busy = std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        std::hint::spin_loop();
                    }
                });
            }
            let busy = map_within(3_000);
            stop.store(true, Ordering::Relaxed);
            busy
        });
        for report in [&idle, &busy] {
            assert!(
                report.unfinished && !report.exhaustive,
                "{}",
                report.executions
            );
            assert_eq!(report.executions, 3_000);
            assert_eq!(report.verdict.name(), "holds");
        }
        assert_eq!(idle.bounds, busy.bounds);
    }
}
