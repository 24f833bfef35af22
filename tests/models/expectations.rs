//! Every variant's declared verdict (holds / violation / deadlock) is what the checker finds,
//! with the default budget and sizes: under shuttle in `cargo test`, under loom in the loom
//! suite. One test per concept, so that a failure names it and the concepts run in parallel.
//! A holding variant is sampled with at most [`HOLDS_EXECUTIONS`] here (a debug build is slow, and
//! a holding variant runs its whole budget); the full default budget, seed after seed, is
//! `tests/seed_sweep.rs`'s (release, in CI).

use interleave::checker::{self, Mode};
use interleave::lesson::{Concept, Expect};
use interleave::runtime::Backend;

/// Shuttle executions a variant declared to hold is sampled with here: three times the most any
/// seeded bug of the registry takes to be found in this suite (32, from its fixed seeds; a bug
/// stops its search at once, so the variants declared to fail keep the tour's budget, at most
/// `support::TEST_EXECUTIONS`).
const HOLDS_EXECUTIONS: usize = 100;

fn check_concept(concept: Concept, backend: Backend) {
    let mut wrong = Vec::new();
    for variant in &concept.variants {
        let params = variant
            .params(backend, None)
            .expect("default sizes are valid");
        let mut budget = crate::support::test_budget(variant, backend, Mode::Check);
        if variant.expect == Expect::Holds && backend == Backend::Shuttle {
            budget.executions = budget.executions.min(HOLDS_EXECUTIONS);
        }
        let report = checker::check(variant, backend, &params, &budget, Mode::Check)
            .unwrap_or_else(|error| panic!("{}: {error}", variant.id));
        if report.verdict.kind() != variant.expect {
            wrong.push(format!(
                "{} declares {:?}, {} found {:?}:\n{}",
                variant.id,
                variant.expect,
                backend.name(),
                report.verdict.kind(),
                interleave::report::verdict(&report)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

macro_rules! every_concept {
    ($($concept:ident),* $(,)?) => {
        mod shuttle {
            $(
                #[test]
                fn $concept() {
                    super::check_concept(interleave::models::$concept::concept(), super::Backend::Shuttle);
                }
            )*
        }

        #[cfg(loom)]
        mod loom {
            $(
                #[test]
                fn $concept() {
                    super::check_concept(interleave::models::$concept::concept(), super::Backend::Loom);
                }
            )*
        }

        /// The list above is the whole registry, in its order.
        #[test]
        fn every_concept_is_checked() {
            let listed: Vec<&str> = vec![$(interleave::models::$concept::concept().id),*];
            let registry: Vec<&str> = interleave::models::all().iter().map(|c| c.id).collect();
            assert_eq!(listed, registry);
        }
    };
}

every_concept!(
    thread_vs_process,
    thread_create,
    start_order,
    thread_api,
    gil,
    daemon,
    counter_race,
    double_acquire,
    rlock,
    noodle_fork,
    philosophers,
    queue,
    executor,
    greenlet,
    gevent,
    echo,
);
