//! Grading the project's own submissions in this process: each corpus file under `tests/gate/`
//! says on its first line what it must get (`//! expect: pass` or `//! expect: fail PROPERTY`),
//! and [`corpus!`] makes it an implementation the exercise's properties can check.
//!
//! Every property of every file is slow in a debug build (a passing file runs each property's
//! whole budget), so `cargo test` checks only that each broken file fails its property (the
//! search stops at the first failure); the whole verdict is an ignored test that `ci/gate.sh`
//! runs. The same split holds for the builtins (`gate_builtins.rs`) and the hostile corpus
//! (`gate_hostile.rs`): `cargo test --test models -- --ignored gate_` runs the slow half.

use interleave::gate::Property;
use interleave::gate::grade::{Settings, grade, grade_all};
use interleave::gate::report::{GateReport, SCHEMA, Status, SubmissionReport, Summary};
use interleave::runtime::Backend;

/// A report of `submissions` of `exercise` graded on `backends`, as a grading run makes it: for
/// the tests that write a crafted report in the gate's formats.
pub fn report_of(
    exercise: &str,
    backends: &[&str],
    submissions: Vec<SubmissionReport>,
) -> GateReport {
    GateReport {
        schema: SCHEMA.to_owned(),
        interleave: "0".to_owned(),
        exercise: exercise.to_owned(),
        backends: backends.iter().map(|b| b.to_string()).collect(),
        seed_override: None,
        sandbox: "namespaces".to_owned(),
        summary: Summary::of(&submissions),
        submissions,
        shard: None,
        cut_short: None,
    }
}

/// Shuttle executions per property in these debug-build tests, from each property's fixed seed
/// (every seeded bug here is found well within them; the gate itself checks each
/// property with its own, larger budget; `ci/gate.sh` grades the corpus that way).
pub const TEST_EXECUTIONS: usize = 300;

/// The property a corpus file must fail (`None`: it must pass every one).
pub fn expected(source: &str) -> Result<Option<&str>, String> {
    let first = source.lines().next().unwrap_or_default();
    match first.strip_prefix("//! expect: ").map(str::trim) {
        Some("pass") => Ok(None),
        Some(rest) => rest
            .strip_prefix("fail ")
            .map(|property| Some(property.trim()))
            .ok_or_else(|| format!("bad expect line: {first:?}")),
        None => Err(format!("no `//! expect:` first line: {first:?}")),
    }
}

/// Checks only the property a broken implementation is built to fail, on `backend`, and asserts
/// that it fails with a counterexample (a timeline and a replay token); a file that must pass
/// is left to [`assert_graded_as`].
pub fn assert_fails_its_property(
    exercise: &str,
    name: &str,
    source: &str,
    properties: &[Property],
    backend: Backend,
) {
    let wanted = expected(source).unwrap_or_else(|why| panic!("{name}: {why}"));
    let Some(property) = wanted else {
        return;
    };
    let property = properties
        .iter()
        .find(|p| p.name == property)
        .unwrap_or_else(|| panic!("{name}: {exercise} has no property {property}"));
    let settings = Settings {
        executions: Some(TEST_EXECUTIONS),
        ..Settings::on(backend)
    };
    let result = grade(exercise, property, backend, &settings);
    assert_eq!(
        result.status,
        Status::Fail,
        "{exercise}/{name} should fail {}: {:?}",
        property.name,
        result.message
    );
    let example = result.counterexample.as_ref().expect("a counterexample");
    assert!(!example.timeline.is_empty() && !example.replay.is_empty());
}

/// Grades one implementation on `backend` and asserts its intended verdict: a pass on every
/// property, or a failure (with a counterexample) on the named one; never an error.
pub fn assert_graded_as(
    exercise: &str,
    name: &str,
    source: &str,
    properties: &[Property],
    backend: Backend,
) {
    let wanted = expected(source).unwrap_or_else(|why| panic!("{name}: {why}"));
    if let Some(property) = wanted {
        assert!(
            properties.iter().any(|p| p.name == property),
            "{name}: {exercise} has no property {property}"
        );
    }
    let settings = Settings {
        executions: Some(TEST_EXECUTIONS),
        ..Settings::on(backend)
    };
    let results = grade_all(exercise, properties, &settings);
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| r.status != Status::Pass && r.status != Status::NotChecked)
        .map(|r| r.property.as_str())
        .collect();
    // Not checked only where the property needs what the backend cannot produce, or where a
    // run's only way on was a timer loom does not fire (a real timer would end that wait, so a
    // submission's stuck timed wait is no deadlock there).
    let blind = |name: &str| {
        let needs = properties.iter().any(|p| {
            p.name == name
                && p.variant
                    .needs
                    .iter()
                    .any(|need| need.blind(backend).is_some())
        });
        let relies_on_a_timer = results.iter().any(|r| {
            r.property == name
                && r.message
                    .as_deref()
                    .is_some_and(|m| m.contains("relies on a timeout, which loom does not fire"))
        });
        // Loom never showed a try_lock its lock busy (see `BlindSpot::BusyLockForTryLock`).
        let busy_lock_unseen = results.iter().any(|r| {
            r.property == name
                && r.message
                    .as_deref()
                    .is_some_and(|m| m.contains("loom never showed that try_lock the lock busy"))
        });
        needs || relies_on_a_timer || busy_lock_unseen
    };
    // A broken file's bug may multiply the states loom explores (a pool with a worker too many):
    // a property other than the one it is built to fail may spend loom's budget, which claims
    // nothing either way.
    let spent = |name: &str, status: Status| {
        backend == Backend::Loom
            && status == Status::Unfinished
            && wanted.is_some_and(|property| property != name)
    };
    for result in &results {
        assert!(
            matches!(result.status, Status::Pass | Status::Fail)
                || (result.status == Status::NotChecked && blind(&result.property))
                || spent(&result.property, result.status),
            "{exercise}/{name}: {} is {:?}: {:?}",
            result.property,
            result.status,
            result.message
        );
        if result.status == Status::Fail {
            let example = result.counterexample.as_ref().expect("a counterexample");
            assert!(!example.timeline.is_empty() && !example.replay.is_empty());
        }
    }
    match wanted {
        None => assert!(
            failed.is_empty(),
            "{exercise}/{name} should pass; failed {failed:?}"
        ),
        Some(property) => assert!(
            failed.contains(&property)
                || (backend == Backend::Loom
                    && blind(property)
                    && results
                        .iter()
                        .any(|r| r.property == property && r.status == Status::NotChecked)),
            "{exercise}/{name} should fail {property}; failed {failed:?}"
        ),
    }
}

/// Declares corpus files as modules, lists them with their source and the exercise's properties
/// over each, and tests that each gets its intended verdict: each broken file's property in
/// `cargo test`, every property of every file in the ignored (slow) test, and under loom in the
/// loom suite: `corpus!(counter, "counter": fetch_sub = "../gate/counter/fetch_sub.rs", ...)`.
macro_rules! corpus {
    ($module:ident, $exercise:literal: $($file:ident = $path:literal),* $(,)?) => {
        $(
            #[path = $path]
            #[allow(dead_code)]
            mod $file;
        )*

        /// Every corpus file: its name, its source, the properties over it.
        pub fn corpus() -> Vec<(&'static str, &'static str, Vec<interleave::gate::Property>)> {
            vec![$({
                struct Plugged;
                impl interleave::gate::exercises::$module::Plug for Plugged {
                    type Submission<R: interleave::runtime::Runtime> = $file::Submission<R>;
                }
                (
                    stringify!($file),
                    include_str!($path),
                    interleave::gate::exercises::$module::properties::<Plugged>(),
                )
            }),*]
        }

        #[test]
        fn broken_files_fail_their_property() {
            for (name, source, properties) in corpus() {
                $crate::gate_support::assert_fails_its_property(
                    $exercise,
                    name,
                    source,
                    &properties,
                    interleave::runtime::Backend::Shuttle,
                );
            }
        }

        #[test]
        #[ignore = "slow: ci/gate.sh runs it (cargo test --test models -- --ignored gate_)"]
        fn corpus_gets_its_intended_verdicts() {
            for (name, source, properties) in corpus() {
                $crate::gate_support::assert_graded_as(
                    $exercise,
                    name,
                    source,
                    &properties,
                    interleave::runtime::Backend::Shuttle,
                );
            }
        }

        #[cfg(loom)]
        #[test]
        fn loom_corpus_gets_its_intended_verdicts() {
            for (name, source, properties) in corpus() {
                $crate::gate_support::assert_graded_as(
                    $exercise,
                    name,
                    source,
                    &properties,
                    interleave::runtime::Backend::Loom,
                );
            }
        }
    };
}
pub(crate) use corpus;

/// The fields of a gate report that the report's schema marks as timing (their description
/// starts with `timing:`): the only ones two grades of the same submissions may differ in.
pub fn timing_fields() -> Vec<String> {
    fn walk(schema: &serde_json::Value, found: &mut Vec<String>) {
        match schema {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Object(properties)) = map.get("properties") {
                    for (name, field) in properties {
                        let description = field.get("description").and_then(|d| d.as_str());
                        if description.is_some_and(|d| d.starts_with("timing:")) {
                            found.push(name.clone());
                        }
                    }
                }
                map.values().for_each(|value| walk(value, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| walk(item, found)),
            _ => {}
        }
    }
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../src/gate/report.schema.json"))
            .expect("the schema is JSON");
    let mut found = Vec::new();
    walk(&schema, &mut found);
    found.sort();
    found.dedup();
    found
}

/// `report` with every timing field (see [`timing_fields`]) set to 0.
pub fn without_timing(report: &mut serde_json::Value) {
    fn walk(value: &mut serde_json::Value, timing: &[String]) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, field) in map.iter_mut() {
                    if timing.contains(key) {
                        *field = serde_json::Value::from(0);
                    } else {
                        walk(field, timing);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|item| walk(item, timing)),
            _ => {}
        }
    }
    walk(report, &timing_fields());
}
