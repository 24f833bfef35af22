//! The one owner of the environment variables that change a search: `INTERLEAVE_EXECUTIONS`,
//! `INTERLEAVE_SEED`, `INTERLEAVE_PREEMPTION_BOUND` (read into every [`Budget`](super::Budget)),
//! `INTERLEAVE_SHOW_PANICS`, and the backends' own variables that interleave refuses because it
//! sets those limits itself. The command line, the library API and the gate all validate through
//! [`validate`] before a search starts, so a variable that is set is either obeyed or refused,
//! never quietly ignored.

use super::CheckError;

/// The largest preemption bound loom accepts (it counts preemptions in a byte).
pub const MAX_PREEMPTION_BOUND: usize = u8::MAX as usize;

/// Executions per search (at least 1); overrides every default budget.
pub const EXECUTIONS: &str = "INTERLEAVE_EXECUTIONS";
/// The search's seed (shuttle).
pub const SEED: &str = "INTERLEAVE_SEED";
/// Loom's preemption bound, `0..=`[`MAX_PREEMPTION_BOUND`].
pub const PREEMPTION_BOUND: &str = "INTERLEAVE_PREEMPTION_BOUND";
/// Set: every panic inside a model is printed as it happens (for debugging a model).
pub const SHOW_PANICS: &str = "INTERLEAVE_SHOW_PANICS";

/// The numeric variables, each with the range it accepts.
const NUMBERS: [(&str, u64, u64); 3] = [
    (EXECUTIONS, 1, u64::MAX),
    (SEED, 0, u64::MAX),
    (PREEMPTION_BOUND, 0, MAX_PREEMPTION_BOUND as u64),
];

/// The backends read these themselves and would quietly explore something other than what the
/// report says (shuttle's seed, loom's limits), or write files (loom's checkpoints).
const BACKEND_VARIABLES: [&str; 7] = [
    "SHUTTLE_RANDOM_SEED",
    "LOOM_MAX_BRANCHES",
    "LOOM_MAX_DURATION",
    "LOOM_MAX_PERMUTATIONS",
    "LOOM_MAX_PREEMPTIONS",
    "LOOM_CHECKPOINT_FILE",
    "LOOM_CHECKPOINT_INTERVAL",
];

/// Refuses a variable of ours that is set but not a whole number in its range, and a backend
/// variable that would change the search behind the report's back.
pub fn validate() -> Result<(), CheckError> {
    for (name, min, max) in NUMBERS {
        let Some(value) = std::env::var_os(name) else {
            continue;
        };
        let number = value
            .to_str()
            .and_then(|text| text.trim().parse::<u64>().ok());
        if !number.is_some_and(|n| (min..=max).contains(&n)) {
            let range = if max == u64::MAX {
                format!("in {min}..=18446744073709551615")
            } else {
                format!("in {min}..={max}")
            };
            return Err(CheckError::BadBudget(format!(
                "{name}={value:?} is not a whole number {range}"
            )));
        }
    }
    for name in BACKEND_VARIABLES {
        if std::env::var_os(name).is_some() {
            return Err(CheckError::BadBudget(format!(
                "{name} is set: interleave sets the backends' seeds and limits itself (--seed, --preemption-bound, --executions, --time); unset it"
            )));
        }
    }
    Ok(())
}

/// `INTERLEAVE_EXECUTIONS`, if set (and valid: [`validate`] refuses the rest before a search).
pub fn executions() -> Option<usize> {
    number(EXECUTIONS).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// `INTERLEAVE_SEED`, if set.
pub fn seed() -> Option<u64> {
    number(SEED)
}

/// `INTERLEAVE_PREEMPTION_BOUND`, if set.
pub fn preemption_bound() -> Option<usize> {
    number(PREEMPTION_BOUND).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

/// Whether `INTERLEAVE_SHOW_PANICS` is set.
pub fn show_panics() -> bool {
    std::env::var_os(SHOW_PANICS).is_some()
}

fn number(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.trim().parse().ok()
}
