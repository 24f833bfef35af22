//! Litmus tests of the facade's memory: `AtomicUsize` and `Shared` are sequentially consistent,
//! as Python's memory is, on every backend. Each test runs over both kinds of word. The one
//! outcome SC forbids never appears; under loom, which explores every execution, the outcomes
//! seen are exactly those SC allows, so SC is not bought by hiding behaviour. loom's own `SeqCst`
//! atomics (acquire/release in loom's model, and what the facade's atomic was under loom before
//! `runtime::loom::SeqCstAtomicUsize`) go through the same tests and show the forbidden
//! outcomes: the tests can fail.

use interleave::checker::{Report, Verdict};
use interleave::model::{Check, ModelFn};
use interleave::runtime::{Backend, Runtime};
use interleave::sync::{AtomicUsize, Shared};
use interleave::{check, model, thread};
use std::fmt::Debug;
use std::sync::Arc;

/// A shared word a litmus test reads and writes, starting at 0, with the runtime it belongs to.
trait Word: Send + Sync + 'static {
    type R: Runtime;
    fn zero(name: &str) -> Self;
    fn load(&self) -> usize;
    fn store(&self, value: usize);
}

impl<R: Runtime> Word for AtomicUsize<R> {
    type R = R;
    fn zero(name: &str) -> Self {
        AtomicUsize::named(name, 0)
    }
    fn load(&self) -> usize {
        AtomicUsize::load(self)
    }
    fn store(&self, value: usize) {
        AtomicUsize::store(self, value)
    }
}

impl<R: Runtime> Word for Shared<R, usize> {
    type R = R;
    fn zero(name: &str) -> Self {
        Shared::named(name, 0)
    }
    fn load(&self) -> usize {
        Shared::load(self)
    }
    fn store(&self, value: usize) {
        Shared::store(self, value)
    }
}

fn words<W: Word, const N: usize>(names: [&str; N]) -> [Arc<W>; N] {
    names.map(|name| Arc::new(W::zero(name)))
}

fn spawn<W: Word, T: Send + 'static>(
    body: impl FnOnce() -> T + Send + 'static,
) -> thread::JoinHandle<W::R, T> {
    thread::spawn::<W::R, _, _>(body)
}

/// Each thread writes its own word, then reads the other's. Returns what each read.
fn store_buffering<W: Word>() -> (usize, usize) {
    let [x, y] = words::<W, 2>(["x", "y"]);
    let a = spawn::<W, _>({
        let (x, y) = (x.clone(), y.clone());
        move || {
            x.store(1);
            y.load()
        }
    });
    let b = spawn::<W, _>(move || {
        y.store(1);
        x.load()
    });
    (a.join(), b.join())
}

/// Dekker's entry: each thread raises its flag and enters only if the other's is down.
/// Returns whether each entered.
fn dekker_flags<W: Word>() -> (bool, bool) {
    let [a_wants, b_wants] = words::<W, 2>(["a wants", "b wants"]);
    let enter = |mine: Arc<W>, theirs: Arc<W>| {
        spawn::<W, _>(move || {
            mine.store(1);
            theirs.load() == 0
        })
    };
    let a = enter(a_wants.clone(), b_wants.clone());
    let b = enter(b_wants, a_wants);
    (a.join(), b.join())
}

/// Peterson's lock for two threads around a read-then-write of `count`. Returns the count each
/// thread read in its critical section.
fn peterson<W: Word>() -> (usize, usize) {
    let [wants_0, wants_1, turn, count] = words::<W, 4>(["wants 0", "wants 1", "turn", "count"]);
    let wants = [wants_0, wants_1];
    let [a, b] = [0, 1].map(|me| {
        let (mine, theirs) = (wants[me].clone(), wants[1 - me].clone());
        let (turn, count) = (turn.clone(), count.clone());
        spawn::<W, _>(move || {
            let other = 1 - me;
            mine.store(1);
            turn.store(other);
            while theirs.load() == 1 && turn.load() == other {
                thread::yield_now::<W::R>();
            }
            let seen = count.load();
            count.store(seen + 1);
            mine.store(0);
            seen
        })
    });
    (a.join(), b.join())
}

/// Independent reads of independent writes: two writers, two readers reading in opposite
/// orders. Returns (x, y) as the first reader saw them, then (y, x) as the second did.
fn iriw<W: Word>() -> (usize, usize, usize, usize) {
    let [x, y] = words::<W, 2>(["x", "y"]);
    let write = |word: Arc<W>| spawn::<W, _>(move || word.store(1));
    let read = |first: Arc<W>, second: Arc<W>| spawn::<W, _>(move || (first.load(), second.load()));
    let writers = [write(x.clone()), write(y.clone())];
    let (x_then_y, y_then_x) = (read(x.clone(), y.clone()), read(y, x));
    writers.into_iter().for_each(thread::JoinHandle::join);
    let ((a, b), (c, d)) = (x_then_y.join(), y_then_x.join());
    (a, b, c, d)
}

/// Message passing: one thread writes the data, then raises the flag; the other reads the flag,
/// then the data. Returns (flag, data) as read.
fn message_passing<W: Word>() -> (usize, usize) {
    let [data, flag] = words::<W, 2>(["data", "flag"]);
    let sender = spawn::<W, _>({
        let (data, flag) = (data.clone(), flag.clone());
        move || {
            data.store(1);
            flag.store(1);
        }
    });
    let receiver = spawn::<W, _>(move || (flag.load(), data.load()));
    sender.join();
    receiver.join()
}

/// What SC lets a litmus test end with, and the one outcome it forbids.
struct Litmus {
    name: &'static str,
    threads: usize,
    allowed: &'static [&'static str],
    forbidden: &'static str,
    why: &'static str,
}

const STORE_BUFFERING: Litmus = Litmus {
    name: "store buffering",
    threads: 2,
    allowed: &["(0, 1)", "(1, 0)", "(1, 1)"],
    forbidden: "(0, 0)",
    why: "both read the other's word before its write",
};

const DEKKER_FLAGS: Litmus = Litmus {
    name: "Dekker's flags",
    threads: 2,
    allowed: &["(false, false)", "(false, true)", "(true, false)"],
    forbidden: "(true, true)",
    why: "both in the critical section",
};

const PETERSON: Litmus = Litmus {
    name: "Peterson's lock",
    threads: 2,
    allowed: &["(0, 1)", "(1, 0)"],
    forbidden: "(0, 0)",
    why: "both in the critical section: an increment lost",
};

/// Every outcome of 2 x 2 reads but the one SC forbids.
const IRIW: Litmus = Litmus {
    name: "IRIW",
    threads: 4,
    allowed: &[
        "(0, 0, 0, 0)",
        "(0, 0, 0, 1)",
        "(0, 0, 1, 0)",
        "(0, 0, 1, 1)",
        "(0, 1, 0, 0)",
        "(0, 1, 0, 1)",
        "(0, 1, 1, 0)",
        "(0, 1, 1, 1)",
        "(1, 0, 0, 0)",
        "(1, 0, 0, 1)",
        "(1, 0, 1, 1)",
        "(1, 1, 0, 0)",
        "(1, 1, 0, 1)",
        "(1, 1, 1, 0)",
        "(1, 1, 1, 1)",
    ],
    forbidden: "(1, 0, 1, 0)",
    why: "the readers saw the two writes in opposite orders",
};

const MESSAGE_PASSING: Litmus = Litmus {
    name: "message passing",
    threads: 2,
    allowed: &["(0, 0)", "(0, 1)", "(1, 1)"],
    forbidden: "(1, 0)",
    why: "the flag was seen before the data it announces",
};

/// The litmus model `$model` over the facade's atomic and over its shared variable.
macro_rules! over_each_word {
    ($model:ident) => {
        [
            ("AtomicUsize", model!(|R| $model::<AtomicUsize<R>>())),
            ("Shared", model!(|R| $model::<Shared<R, usize>>())),
        ]
    };
}

/// The outcome table of `check` (a litmus model over `word`, its backend and budget chosen), with
/// `litmus`'s forbidden outcome classified as such.
fn outcomes<O: Debug + Send + 'static>(litmus: &Litmus, word: &str, check: Check<O>) -> Report {
    let Litmus { forbidden, why, .. } = *litmus;
    let report = check
        .name(format!("{} over {word}", litmus.name))
        .forbid(move |outcome| (format!("{outcome:?}") == forbidden).then_some(why))
        .threads(litmus.threads)
        .outcomes()
        .run()
        .expect("the backend is built");
    eprintln!(
        "{} over {word} [{}]: {:?} in {} executions, {:.2?}",
        litmus.name,
        report.backend.name(),
        report.outcomes.texts(),
        report.executions,
        report.elapsed
    );
    report
}

fn sorted(texts: &[&str]) -> Vec<String> {
    let mut texts: Vec<String> = texts.iter().map(|&text| text.to_owned()).collect();
    texts.sort();
    texts
}

/// Under shuttle or natively, over each word: only outcomes SC allows, in `executions` sampled.
fn assert_only_sc<O: Debug + Send + 'static>(
    litmus: &Litmus,
    models: [(&str, ModelFn<O>); 2],
    backend: Backend,
    executions: usize,
) {
    for (word, model) in models {
        let report = outcomes(
            litmus,
            word,
            check(model).backend(backend).executions(executions),
        );
        let allowed = sorted(litmus.allowed);
        let seen = report.outcomes.texts();
        let strange: Vec<_> = seen.iter().filter(|o| !allowed.contains(o)).collect();
        assert!(
            strange.is_empty(),
            "{} over {word}: {strange:?}",
            litmus.name
        );
        assert!(matches!(report.verdict, Verdict::Holds));
        assert_eq!(report.executions, executions);
    }
}

/// Shuttle samples this many executions of each test, natively this many runs.
const SHUTTLE: usize = 1_000;
const NATIVE: usize = 200;

#[test]
fn store_buffering_is_sc_under_shuttle() {
    let models = over_each_word!(store_buffering);
    assert_only_sc(&STORE_BUFFERING, models, Backend::Shuttle, SHUTTLE);
}

#[test]
fn store_buffering_is_sc_natively() {
    assert_only_sc(
        &STORE_BUFFERING,
        over_each_word!(store_buffering),
        Backend::Native,
        NATIVE,
    );
}

#[test]
fn dekker_flags_are_sc_under_shuttle() {
    assert_only_sc(
        &DEKKER_FLAGS,
        over_each_word!(dekker_flags),
        Backend::Shuttle,
        SHUTTLE,
    );
}

#[test]
fn dekker_flags_are_sc_natively() {
    assert_only_sc(
        &DEKKER_FLAGS,
        over_each_word!(dekker_flags),
        Backend::Native,
        NATIVE,
    );
}

#[test]
fn peterson_is_sc_under_shuttle() {
    assert_only_sc(
        &PETERSON,
        over_each_word!(peterson),
        Backend::Shuttle,
        SHUTTLE,
    );
}

#[test]
fn peterson_is_sc_natively() {
    assert_only_sc(
        &PETERSON,
        over_each_word!(peterson),
        Backend::Native,
        NATIVE,
    );
}

#[test]
fn iriw_is_sc_under_shuttle() {
    assert_only_sc(&IRIW, over_each_word!(iriw), Backend::Shuttle, SHUTTLE);
}

#[test]
fn iriw_is_sc_natively() {
    assert_only_sc(&IRIW, over_each_word!(iriw), Backend::Native, NATIVE);
}

#[test]
fn message_passing_is_sc_under_shuttle() {
    let models = over_each_word!(message_passing);
    assert_only_sc(&MESSAGE_PASSING, models, Backend::Shuttle, SHUTTLE);
}

#[test]
fn message_passing_is_sc_natively() {
    assert_only_sc(
        &MESSAGE_PASSING,
        over_each_word!(message_passing),
        Backend::Native,
        NATIVE,
    );
}

#[cfg(loom)]
mod under_loom {
    use super::*;
    use interleave::runtime::Loom;
    use loom::sync::atomic::Ordering::SeqCst;

    /// loom's own `SeqCst` atomic, which loom models as acquire/release.
    struct LoomSeqCst(loom::sync::atomic::AtomicUsize);

    impl Word for LoomSeqCst {
        type R = Loom;
        fn zero(_name: &str) -> Self {
            LoomSeqCst(loom::sync::atomic::AtomicUsize::new(0))
        }
        fn load(&self) -> usize {
            self.0.load(SeqCst)
        }
        fn store(&self, value: usize) {
            self.0.store(value, SeqCst)
        }
    }

    /// Over each word: exactly the outcomes SC allows, every execution explored.
    fn assert_sc_exactly<O: Debug + Send + 'static>(
        litmus: &Litmus,
        models: [(&str, ModelFn<O>); 2],
    ) {
        for (word, model) in models {
            let report = outcomes(litmus, word, check(model).backend(Backend::Loom));
            let seen = report.outcomes.texts();
            assert_eq!(seen, sorted(litmus.allowed), "{} over {word}", litmus.name);
            assert!(matches!(report.verdict, Verdict::Holds));
            assert!(report.exhaustive);
        }
    }

    /// The facade's words show exactly SC's outcomes; loom's own atomics show those and `weak`.
    fn assert_sc_and_loom_weaker<O: Debug + Send + 'static>(
        litmus: &Litmus,
        models: [(&str, ModelFn<O>); 2],
        loom_seq_cst: ModelFn<O>,
        weak: &[&str],
    ) {
        assert_sc_exactly(litmus, models);
        let loom_seq_cst = check(loom_seq_cst).backend(Backend::Loom);
        let report = outcomes(litmus, "loom's SeqCst", loom_seq_cst);
        let mut expected = sorted(litmus.allowed);
        expected.extend(sorted(weak));
        expected.sort();
        assert_eq!(report.outcomes.texts(), expected, "{}", litmus.name);
    }

    #[test]
    fn loom_store_buffering_is_sc() {
        assert_sc_and_loom_weaker(
            &STORE_BUFFERING,
            over_each_word!(store_buffering),
            ModelFn::new(|_, _| store_buffering::<LoomSeqCst>()),
            &["(0, 0)"],
        );
    }

    #[test]
    fn loom_dekker_flags_are_sc() {
        assert_sc_and_loom_weaker(
            &DEKKER_FLAGS,
            over_each_word!(dekker_flags),
            ModelFn::new(|_, _| dekker_flags::<LoomSeqCst>()),
            &["(true, true)"],
        );
    }

    #[test]
    fn loom_peterson_is_sc() {
        assert_sc_and_loom_weaker(
            &PETERSON,
            over_each_word!(peterson),
            ModelFn::new(|_, _| peterson::<LoomSeqCst>()),
            &["(0, 0)"],
        );
    }

    #[test]
    fn loom_iriw_is_sc() {
        assert_sc_and_loom_weaker(
            &IRIW,
            over_each_word!(iriw),
            ModelFn::new(|_, _| iriw::<LoomSeqCst>()),
            &["(1, 0, 1, 0)"],
        );
    }

    /// Acquire/release is enough for message passing: loom's own atomics are right here too.
    #[test]
    fn loom_message_passing_is_sc() {
        assert_sc_and_loom_weaker(
            &MESSAGE_PASSING,
            over_each_word!(message_passing),
            ModelFn::new(|_, _| message_passing::<LoomSeqCst>()),
            &[],
        );
    }
}
