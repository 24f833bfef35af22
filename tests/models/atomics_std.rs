//! `interleave::sync::atomic` behaves as `std::sync::atomic`, call for call: one script of std's
//! operations (wrapping `fetch_add` at 255, `fetch_max` and `fetch_min` on signed and unsigned
//! types, `fetch_update` giving `Err` when its function gives `None`, `compare_exchange`'s `Err`
//! carrying the value found...) returns on the facade exactly what it returns on std's own
//! atomics, in every execution. An ordering std refuses panics with std's own message (read from
//! std, not written here), and the checker reports that panic as the model's failure, not as its
//! own error. Each check runs under shuttle, natively and, with `--cfg loom`, under loom.

use crate::atomics::outcomes;
use interleave::runtime::{Backend, Runtime};
use interleave::sync::atomic::Ordering::{self, AcqRel, Acquire, Relaxed, Release, SeqCst};
use interleave::sync::atomic::{
    AtomicBool, AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize, AtomicU8, AtomicU16,
    AtomicU32, AtomicU64, AtomicUsize,
};
use interleave::{check, model, thread};
use std::fmt::Debug;
use std::sync::Arc;

/// One script of std's atomic operations, run on `std::sync::atomic` and on the facade: what
/// each call returned and what it left, in order.
macro_rules! script {
    ($new:ident) => {{
        let mut seen: Vec<String> = Vec::new();
        let mut note = |value: &dyn Debug| seen.push(format!("{value:?}"));

        let a = $new!(AtomicU8, 255);
        note(&a.fetch_add(1, SeqCst));
        note(&a.load(SeqCst));
        note(&a.fetch_sub(1, Relaxed));
        note(&a.load(SeqCst));
        note(&a.fetch_nand(0x0f, AcqRel));
        note(&a.fetch_and(0x3c, Release));
        note(&a.fetch_or(0x81, Acquire));
        note(&a.fetch_xor(0xff, SeqCst));
        note(&a.swap(7, SeqCst));
        note(&a.into_inner());

        let a = $new!(AtomicI8, 127);
        note(&a.fetch_add(1, SeqCst));
        note(&a.fetch_sub(1, SeqCst));
        note(&a.fetch_max(-3, SeqCst));
        note(&a.fetch_min(-3, SeqCst));
        note(&a.fetch_max(5, SeqCst));
        note(&a.load(SeqCst));

        let a = $new!(AtomicI32, -5);
        note(&a.fetch_max(3, SeqCst));
        note(&a.fetch_min(-7, SeqCst));
        note(&a.load(SeqCst));

        let a = $new!(AtomicU16, 40_000);
        note(&a.fetch_max(30_000, SeqCst));
        note(&a.fetch_min(50_000, SeqCst));
        note(&a.fetch_add(30_000, SeqCst));
        note(&a.load(SeqCst));

        let a = $new!(AtomicU32, 7);
        note(&a.fetch_update(SeqCst, SeqCst, |_| None));
        note(&a.fetch_update(AcqRel, Acquire, |v| Some(v * 2)));
        note(&a.try_update(SeqCst, Relaxed, |v| v.checked_sub(100)));
        note(&a.update(Release, Relaxed, |v| v + 1));
        note(&a.load(SeqCst));

        let mut a = $new!(AtomicUsize, 5);
        note(&a.compare_exchange(4, 9, SeqCst, SeqCst));
        note(&a.compare_exchange(5, 9, AcqRel, Relaxed));
        // A weak one that succeeds may fail spuriously in std: only failures are compared.
        note(&a.compare_exchange_weak(4, 1, Relaxed, SeqCst));
        note(&a.compare_exchange(9, 2, SeqCst, Acquire));
        *a.get_mut() += 10;
        note(&a.load(SeqCst));

        let a = $new!(AtomicU64, u64::MAX);
        note(&a.fetch_add(2, SeqCst));
        note(&a.fetch_sub(3, SeqCst));
        note(&a.load(SeqCst));

        let a = $new!(AtomicI64, i64::MIN);
        note(&a.fetch_sub(1, SeqCst));
        note(&a.fetch_min(0, SeqCst));
        note(&a.load(SeqCst));

        let a = $new!(AtomicI16, -1);
        note(&a.fetch_and(0x00ff, SeqCst));
        note(&a.fetch_nand(-1, SeqCst));
        note(&a.load(SeqCst));

        let a = $new!(AtomicIsize, -10);
        note(&a.fetch_add(isize::MAX, SeqCst));
        note(&a.fetch_max(isize::MIN, SeqCst));
        note(&a.load(SeqCst));

        let a = $new!(AtomicBool, false);
        note(&a.fetch_not(SeqCst));
        note(&a.fetch_nand(true, SeqCst));
        note(&a.fetch_xor(true, SeqCst));
        note(&a.fetch_or(false, SeqCst));
        note(&a.fetch_and(true, SeqCst));
        note(&a.swap(false, SeqCst));
        note(&a.compare_exchange(true, false, SeqCst, SeqCst));
        note(&a.fetch_update(SeqCst, SeqCst, |v| Some(!v)));
        note(&a.load(SeqCst));
        seen
    }};
}

macro_rules! std_atomic {
    ($atomic:ident, $value:expr) => {
        std::sync::atomic::$atomic::new($value)
    };
}

macro_rules! facade_atomic {
    ($atomic:ident, $value:expr) => {
        $atomic::<R>::named(stringify!($atomic), $value)
    };
}

fn std_script() -> Vec<String> {
    script!(std_atomic)
}

fn facade_script<R: Runtime>() -> Vec<String> {
    script!(facade_atomic)
}

/// The facade returns what std does, call for call, in every execution.
fn the_facade_returns_what_std_does(backend: Backend) {
    let expected = std_script();
    // A few pinned in words, so that the script's meaning does not rest on std alone.
    assert_eq!(expected[..2], ["255", "0"], "fetch_add wraps at 255");
    assert_eq!(expected[10..12], ["127", "-128"], "i8 wraps at 127");
    assert_eq!(expected[16..19], ["-5", "3", "-7"], "fetch_max, fetch_min");
    assert_eq!(
        expected[23..25],
        ["Err(7)", "Ok(7)"],
        "fetch_update with None"
    );
    assert_eq!(
        expected[28..30],
        ["Err(5)", "Ok(5)"],
        "compare_exchange's Err"
    );
    let report = check(model!(|R| facade_script::<R>()))
        .backend(backend)
        .outcomes()
        .executions(20)
        .run()
        .unwrap();
    assert_eq!(outcomes(&report, backend), [format!("{expected:?}")]);
}

/// An ordering std refuses, used on the facade in one thread while another runs.
#[derive(Clone, Copy, Debug)]
enum Refused {
    LoadRelease,
    LoadAcqRel,
    StoreAcquire,
    StoreAcqRel,
    FailureRelease,
    FailureAcqRel,
    WeakFailureRelease,
    FetchRelease,
}

const REFUSED: [Refused; 8] = [
    Refused::LoadRelease,
    Refused::LoadAcqRel,
    Refused::StoreAcquire,
    Refused::StoreAcqRel,
    Refused::FailureRelease,
    Refused::FailureAcqRel,
    Refused::WeakFailureRelease,
    Refused::FetchRelease,
];

/// The ordering, through a function the compiler cannot see into: std's own misuse is a compile
/// error when the ordering is written out (the `invalid_atomic_ordering` lint).
fn opaque(order: Ordering) -> Ordering {
    std::hint::black_box(order)
}

/// The same misuse on std's atomic: std's panic message.
fn std_refuses(refused: Refused) -> String {
    let flag = std::sync::atomic::AtomicBool::new(false);
    let panic = std::panic::catch_unwind(|| match refused {
        Refused::LoadRelease => _ = flag.load(opaque(Release)),
        Refused::LoadAcqRel => _ = flag.load(opaque(AcqRel)),
        Refused::StoreAcquire => flag.store(true, opaque(Acquire)),
        Refused::StoreAcqRel => flag.store(true, opaque(AcqRel)),
        Refused::FailureRelease => _ = flag.compare_exchange(false, true, SeqCst, opaque(Release)),
        Refused::FailureAcqRel => _ = flag.compare_exchange(false, true, SeqCst, opaque(AcqRel)),
        Refused::WeakFailureRelease => {
            _ = flag.compare_exchange_weak(false, true, SeqCst, opaque(Release))
        }
        Refused::FetchRelease => _ = flag.fetch_update(SeqCst, opaque(Release), |v| Some(!v)),
    })
    .expect_err("std refuses it");
    interleave::runtime::panic_text(&*panic)
}

fn misuse<R: Runtime>(refused: Refused) {
    let flag = Arc::new(AtomicBool::<R>::named("flag", false));
    let other = {
        let flag = flag.clone();
        thread::spawn::<R, _, _>(move || flag.load(SeqCst))
    };
    match refused {
        Refused::LoadRelease => _ = flag.load(Release),
        Refused::LoadAcqRel => _ = flag.load(AcqRel),
        Refused::StoreAcquire => flag.store(true, Acquire),
        Refused::StoreAcqRel => flag.store(true, AcqRel),
        Refused::FailureRelease => _ = flag.compare_exchange(false, true, SeqCst, Release),
        Refused::FailureAcqRel => _ = flag.compare_exchange(false, true, SeqCst, AcqRel),
        Refused::WeakFailureRelease => _ = flag.compare_exchange_weak(false, true, SeqCst, Release),
        Refused::FetchRelease => _ = flag.fetch_update(SeqCst, Release, |v| Some(!v)),
    }
    other.join();
}

/// Each refused ordering panics with std's message, and the checker reports the model's panic:
/// a violation, not a checker error.
fn refused_orderings_panic_as_std_does(backend: Backend) {
    for refused in REFUSED {
        let message = std_refuses(refused);
        assert!(
            message.starts_with("there is no such thing as"),
            "{message}"
        );
        let failure = check(model!(|R| misuse::<R>(refused)))
            .backend(backend)
            .executions(20)
            .assert_violation(&format!("panicked: {message}"));
        assert!(failure.outcome.is_none(), "{refused:?}");
    }
}

#[test]
fn shuttle_runs_std_s_semantics() {
    the_facade_returns_what_std_does(Backend::Shuttle);
}

#[test]
fn shuttle_reports_a_refused_ordering_as_the_model_s_panic() {
    refused_orderings_panic_as_std_does(Backend::Shuttle);
}

#[test]
fn natively_std_s_semantics_are_std_s() {
    the_facade_returns_what_std_does(Backend::Native);
}

#[test]
fn natively_a_refused_ordering_is_the_model_s_panic() {
    refused_orderings_panic_as_std_does(Backend::Native);
}

#[cfg(loom)]
mod loom {
    use super::*;

    #[test]
    fn loom_runs_std_s_semantics() {
        the_facade_returns_what_std_does(Backend::Loom);
    }

    #[test]
    fn loom_reports_a_refused_ordering_as_the_model_s_panic() {
        refused_orderings_panic_as_std_does(Backend::Loom);
    }
}
