//! The seed sweep: what a `check` finds with its default budget, seed after seed. Every seeded
//! bug (a variant declared to be violated or to deadlock) must be found for seeds 1 to 100, and
//! no variant declared to hold may fail for seeds 1 to 20 (spurious wake-ups are injected into
//! correct code too). Prints, per bug, the executions to the first failure (median and max).
//!
//! Slow (about ten minutes on two cores, in release), so it is ignored by a plain `cargo test`;
//! `ci/seed-sweep.sh` runs it and prints the table, which the test writes to
//! `target/tmp/seed-sweep.txt` (shuttle's own chatter on stderr stays in the captured output).

use interleave::checker::{self, Budget, Mode, Verdict};
use interleave::lesson::Expect;
use interleave::runtime::Backend;

const BUG_SEEDS: u64 = 100;
const HOLDS_SEEDS: u64 = 20;

#[test]
#[ignore = "slow: run by ci/seed-sweep.sh"]
fn every_seeded_bug_is_found_on_every_seed_and_no_fix_fails() {
    use std::fmt::Write;
    let mut problems = Vec::new();
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<34} {:>8} {:>8}  (executions to the first failure, seeds 1..={BUG_SEEDS})",
        "variant", "median", "max"
    );
    for variant in interleave::models::all()
        .into_iter()
        .flat_map(|c| c.variants)
    {
        let params = variant
            .params(Backend::Shuttle, None)
            .expect("default sizes are valid");
        let seeds = if variant.expect == Expect::Holds {
            HOLDS_SEEDS
        } else {
            BUG_SEEDS
        };
        let mut found = Vec::new();
        for seed in 1..=seeds {
            let mut budget = Budget::for_variant(&variant, Backend::Shuttle, Mode::Check);
            budget.seed = seed;
            let report = checker::check(&variant, Backend::Shuttle, &params, &budget, Mode::Check)
                .unwrap_or_else(|error| panic!("{}: {error}", variant.id));
            match (variant.expect, &report.verdict) {
                (Expect::Holds, Verdict::Holds) => {}
                (Expect::Holds, failed) => problems.push(format!(
                    "{} seed {seed}: declared to hold, reported {}:\n{}",
                    variant.id,
                    failed.name(),
                    interleave::report::verdict(&report)
                )),
                (expected, verdict) if verdict.kind() == expected => found.push(report.executions),
                (expected, verdict) => problems.push(format!(
                    "{} seed {seed}: declared {expected:?}, reported {} after {} executions",
                    variant.id,
                    verdict.name(),
                    report.executions
                )),
            }
        }
        if variant.expect != Expect::Holds && !found.is_empty() {
            found.sort_unstable();
            let _ = writeln!(
                table,
                "{:<34} {:>8} {:>8}",
                variant.id,
                found[found.len() / 2],
                found[found.len() - 1]
            );
        }
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("seed-sweep.txt");
    std::fs::write(&path, &table).expect("the table is written");
    assert!(problems.is_empty(), "{}\n{table}", problems.join("\n"));
}
