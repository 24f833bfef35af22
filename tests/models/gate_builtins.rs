//! Every exercise's own implementations, graded in this process by the gate's properties: the
//! reference passes every property, the starter and each lesson's broken variant fail the
//! property they are built to fail (and only a failure, never an error, counts). Every property
//! of every implementation is the slow, ignored test (`ci/gate.sh` runs it); `cargo test` checks
//! each broken one's property, which stops at the first failure.

use interleave::gate::grade::{Settings, grade, grade_all};
use interleave::gate::report::Status;
use interleave::runtime::Backend;

#[test]
fn every_broken_builtin_fails_its_property() {
    for exercise in interleave::gate::exercises() {
        for builtin in (exercise.builtins)() {
            let Some(property) = builtin.fails else {
                continue;
            };
            let who = format!("{} {}", exercise.name, builtin.name);
            let properties = (builtin.properties)();
            let property = properties
                .iter()
                .find(|p| p.name == property)
                .unwrap_or_else(|| panic!("{who}: no property {property}"));
            let settings = Settings {
                executions: Some(crate::gate_support::TEST_EXECUTIONS),
                ..Settings::on(Backend::Shuttle)
            };
            let result = grade(exercise.name, property, Backend::Shuttle, &settings);
            assert_eq!(
                result.status,
                Status::Fail,
                "{who} should fail {}: {:?}",
                property.name,
                result.message
            );
            let example = result.counterexample.as_ref().expect("a counterexample");
            assert!(!example.replay.is_empty(), "{who}: no replay token");
            assert!(!example.timeline.is_empty(), "{who}: empty timeline");
        }
    }
}

#[test]
#[ignore = "slow: ci/gate.sh runs it (cargo test --test models -- --ignored gate_)"]
fn every_builtin_gets_its_intended_verdict() {
    builtins_get_their_intended_verdicts(Backend::Shuttle);
}

/// Exhaustive: every builtin's verdict under loom, up to each property's preemption bound.
#[cfg(loom)]
#[test]
fn loom_every_builtin_gets_its_intended_verdict() {
    builtins_get_their_intended_verdicts(Backend::Loom);
}

fn builtins_get_their_intended_verdicts(backend: Backend) {
    for exercise in interleave::gate::exercises() {
        for builtin in (exercise.builtins)() {
            let settings = Settings {
                executions: Some(crate::gate_support::TEST_EXECUTIONS),
                ..Settings::on(backend)
            };
            let results = grade_all(exercise.name, &(builtin.properties)(), &settings);
            let who = format!("{} {}", exercise.name, builtin.name);
            for result in &results {
                assert_ne!(
                    result.status,
                    Status::Error,
                    "{who}: {} errored: {:?}",
                    result.property,
                    result.message
                );
            }
            let failed: Vec<&str> = results
                .iter()
                .filter(|r| r.status == Status::Fail)
                .map(|r| r.property.as_str())
                .collect();
            match builtin.fails {
                None => assert!(failed.is_empty(), "{who} should pass, failed {failed:?}"),
                Some(property) => assert!(
                    failed.contains(&property),
                    "{who} should fail {property}, failed {failed:?}"
                ),
            }
            for result in results.iter().filter(|r| r.status == Status::Fail) {
                let example = result.counterexample.as_ref().expect("a counterexample");
                assert!(!example.replay.is_empty(), "{who}: no replay token");
                assert!(!example.timeline.is_empty(), "{who}: empty timeline");
            }
        }
    }
}

#[test]
fn every_exercise_has_a_reference_and_a_starter() {
    let exercises = interleave::gate::exercises();
    for exercise in &exercises {
        assert!(exercise.builtin("reference").is_some(), "{}", exercise.name);
        let starter = exercise.builtin("starter").expect("a starter");
        assert!(
            starter.fails.is_some(),
            "{}: the starter must fail",
            exercise.name
        );
        assert!(
            exercise.starter.contains("pub type Submission"),
            "{}",
            exercise.name
        );
        assert!(
            exercise.reference.contains("pub type Submission"),
            "{}",
            exercise.name
        );
    }
}
