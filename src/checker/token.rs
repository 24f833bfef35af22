//! Replay tokens: one word that names the model it was found on, the backend, the thread count,
//! and one execution. Every token starts with its backend and a tag of the model's id, so a
//! token is refused for any other model.
//!
//! - `shuttle.<tag>.<threads>.<strategy>.<seed>.<jobs>.<execution>`: shuttle's schedulers are
//!   deterministic given their seed, so a failure found by a seeded search is named by the
//!   strategy (`portfolio`, `pct<depth>`, `random`), the run's seed, the jobs that shared the
//!   search, and the execution's number in the whole search: the number the report prints. A few
//!   dozen characters for any model. Replaying runs that search again up to that execution, so
//!   the replay reports the same execution and the same counts. The older
//!   `shuttle.<tag>.<threads>.<strategy>.<seed>.<execution>` is the same with one job.
//! - `shuttle.<tag>.<threads>.<schedule>`: shuttle's own serialized schedule, replayed step by
//!   step, for a schedule found any other way (a replay of one). Its bytes are run-length coded
//!   and written in base64url. A token is checked in full before shuttle reads it, since
//!   shuttle's own reader trusts its input.
//! - `loom.<tag>.<threads>.<preemption bound>.<execution>`: loom's search is deterministic, so
//!   the same bound reaches the same execution again.
//!
//! Nothing here runs a model: a token that no check could have printed (a schedule longer than
//! the step limit allows, an absurd execution number) is refused before anything runs. Whether
//! a seeded execution is within the check's budget depends on the model: see
//! [`super::replay`].

use super::{CheckError, MAX_STEPS, Strategy};
use crate::runtime::Backend;
use std::fmt;

/// One execution of one model, as a word a user can paste: `Display` writes it, `FromStr` reads
/// it back (and refuses what no check could have printed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayToken {
    /// [`tag`] of the model's id.
    pub tag: String,
    /// The thread count the execution ran with.
    pub threads: usize,
    /// Which execution, and how its backend reaches it again.
    pub schedule: Schedule,
}

/// How a token's backend reaches its execution again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Execution `execution` (1-based, numbered across all jobs as the report numbers it) of a
    /// shuttle search with `strategy` from `seed`, shared by `jobs` jobs.
    Seeded {
        /// The search's strategy.
        strategy: Strategy,
        /// The search's seed.
        seed: u64,
        /// The jobs that shared the search.
        jobs: usize,
        /// The execution's number in the whole search, 1-based.
        execution: usize,
    },
    /// Shuttle's own schedule, in its hex format.
    Shuttle(String),
    /// Execution `execution` (1-based) of loom's search with `preemption_bound`.
    Loom {
        /// The search's preemption bound.
        preemption_bound: usize,
        /// The execution's number in loom's search, 1-based.
        execution: usize,
    },
}

impl ReplayToken {
    /// The backend that replays the token.
    pub fn backend(&self) -> Backend {
        match self.schedule {
            Schedule::Seeded { .. } | Schedule::Shuttle(_) => Backend::Shuttle,
            Schedule::Loom { .. } => Backend::Loom,
        }
    }
}

/// Six hex digits that tell models apart (FNV-1a of the id).
pub fn tag(id: &str) -> String {
    let hash = crate::util::fnv1a(id.as_bytes());
    format!("{:06x}", (hash ^ (hash >> 24)) & 0xff_ffff)
}

use super::env::MAX_PREEMPTION_BOUND;

/// The most jobs a token may name: a replay starts a thread for each.
pub(crate) const MAX_JOBS: usize = 1024;

/// The furthest execution a loom token may name, until loom has an execution budget: a replay
/// runs every execution before it.
pub(crate) const MAX_LOOM_EXECUTION: usize = 10_000_000;

impl fmt::Display for ReplayToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (tag, threads) = (&self.tag, self.threads);
        match &self.schedule {
            Schedule::Seeded {
                strategy,
                seed,
                jobs,
                execution,
            } => write!(
                f,
                "shuttle.{tag}.{threads}.{}.{seed}.{jobs}.{execution}",
                strategy.token_name()
            ),
            Schedule::Shuttle(hex) => {
                write!(f, "shuttle.{tag}.{threads}.{}", compact::encode(hex))
            }
            Schedule::Loom {
                preemption_bound,
                execution,
            } => write!(f, "loom.{tag}.{threads}.{preemption_bound}.{execution}"),
        }
    }
}

impl std::str::FromStr for ReplayToken {
    type Err = CheckError;

    fn from_str(text: &str) -> Result<Self, CheckError> {
        let bad = |why: &str| CheckError::BadToken(why.to_owned());
        if text.len() > MAX_TOKEN {
            return Err(bad(&format!(
                "the token is over {MAX_TOKEN} characters: longer than any execution within \
                 the step limit ({MAX_STEPS} steps) is written"
            )));
        }
        let parts: Vec<&str> = text.trim().split('.').collect();
        let number = |part: &str, what: &str| -> Result<u64, CheckError> {
            part.parse()
                .map_err(|_| bad(&format!("{what} {part:?} is not a whole number")))
        };
        let small = |part: &str, what: &str| -> Result<usize, CheckError> {
            usize::try_from(number(part, what)?).map_err(|_| bad(&format!("{what} is too large")))
        };
        let tag = |part: &str| -> Result<String, CheckError> {
            if part.len() == 6 && part.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(part.to_ascii_lowercase())
            } else {
                Err(bad(&format!(
                    "{part:?} is not a model tag (six hex digits)"
                )))
            }
        };
        let execution = |part: &str| -> Result<usize, CheckError> {
            match small(part, "execution")? {
                0 => Err(bad("executions are numbered from 1")),
                n => Ok(n),
            }
        };
        let seeded = |model, threads, strategy: &str, seed, jobs: usize, index| {
            if !(1..=MAX_JOBS).contains(&jobs) {
                return Err(bad(&format!("{jobs} jobs is outside 1..={MAX_JOBS}")));
            }
            Ok(ReplayToken {
                tag: tag(model)?,
                threads: small(threads, "thread count")?,
                schedule: Schedule::Seeded {
                    strategy: Strategy::from_token_name(strategy)
                        .ok_or_else(|| bad(&format!("unknown strategy {strategy:?}")))?,
                    seed: number(seed, "seed")?,
                    jobs,
                    execution: execution(index)?,
                },
            })
        };
        match parts.as_slice() {
            ["shuttle", model, threads, strategy, seed, jobs, index] => seeded(
                model,
                threads,
                strategy,
                seed,
                small(jobs, "job count")?,
                index,
            ),
            // Before tokens named their jobs: a job's own seed and its own execution number,
            // which is a search of one job.
            ["shuttle", model, threads, strategy, seed, index] => {
                seeded(model, threads, strategy, seed, 1, index)
            }
            ["shuttle", model, threads, schedule] => Ok(ReplayToken {
                tag: tag(model)?,
                threads: small(threads, "thread count")?,
                schedule: Schedule::Shuttle(compact::decode(schedule).map_err(|why| bad(&why))?),
            }),
            ["loom", model, threads, bound, index] => {
                let preemption_bound = small(bound, "preemption bound")?;
                if preemption_bound > MAX_PREEMPTION_BOUND {
                    return Err(bad(&format!(
                        "preemption bound {preemption_bound} is over loom's {MAX_PREEMPTION_BOUND}"
                    )));
                }
                let execution = execution(index)?;
                if execution > MAX_LOOM_EXECUTION {
                    return Err(bad(&format!(
                        "execution {execution} is beyond the {MAX_LOOM_EXECUTION} executions \
                         a loom replay may run"
                    )));
                }
                Ok(ReplayToken {
                    tag: tag(model)?,
                    threads: small(threads, "thread count")?,
                    schedule: Schedule::Loom {
                        preemption_bound,
                        execution,
                    },
                })
            }
            _ => Err(bad(
                "expected shuttle.<tag>.<threads>.<strategy>.<seed>.<jobs>.<execution>, \
                 shuttle.<tag>.<threads>.<schedule> or loom.<tag>.<threads>.<bound>.<execution>",
            )),
        }
    }
}

/// Longer tokens are refused before anything is decoded: the longest schedule, and its prefix.
const MAX_TOKEN: usize = compact::MAX_TEXT + 64;

/// Shuttle's schedule bytes, run-length coded and in base64url, and back to shuttle's hex.
mod compact {
    use super::MAX_STEPS;

    /// Starts a run: `ESCAPE, length, byte`. A lone `ESCAPE` byte is a run of one.
    const ESCAPE: u8 = 0xFF;
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    /// shuttle's format version 2.
    const MAGIC: u8 = 0x91;
    /// The most steps a schedule may have. Shuttle counts a schedule's entries (its task choices
    /// and random draws) against the step limit and stops the execution there; twice the limit
    /// leaves room for what the last steps draw.
    pub(crate) const MAX_STEPS_IN_SCHEDULE: u64 = 2 * MAX_STEPS as u64;
    /// Bits of a task id: 65,536 tasks, far more than any model with 1000 threads starts.
    const MAX_TASK_ID_BITS: u64 = 16;
    /// The magic byte and three varints (task id bits, steps, seed) of at most ten bytes.
    const MAX_HEADER: usize = 31;
    /// The most bytes a schedule within the limits takes: every step a task id.
    const MAX_BYTES: usize =
        MAX_HEADER + (MAX_STEPS_IN_SCHEDULE * (1 + MAX_TASK_ID_BITS)).div_ceil(8) as usize;
    /// The longest text of a schedule within the limits. Runs only shorten a real schedule, and a
    /// schedule token is printed only for a schedule replayed from one.
    pub(crate) const MAX_TEXT: usize = MAX_BYTES.div_ceil(3) * 4;

    /// Shuttle's hex schedule as a token's text (bytes that are not hex are skipped).
    pub(crate) fn encode(hex: &str) -> String {
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
            .collect();
        let mut packed = Vec::with_capacity(bytes.len());
        let mut rest = bytes.as_slice();
        while let Some(&byte) = rest.first() {
            let run = rest.iter().take(255).take_while(|&&b| b == byte).count();
            if run >= 3 || byte == ESCAPE {
                packed.extend([ESCAPE, run as u8, byte]);
            } else {
                packed.extend(&rest[..run]);
            }
            rest = &rest[run..];
        }
        base64(&packed)
    }

    /// Shuttle's hex for a token, if the token is a well-formed schedule within the step limit;
    /// why not if not. Nothing is expanded past what such a schedule takes.
    pub(crate) fn decode(text: &str) -> Result<String, String> {
        let too_long = || {
            format!(
                "the shuttle schedule is longer than any execution within the step limit \
                 ({MAX_STEPS} steps)"
            )
        };
        let garbled = || "the shuttle schedule does not decode".to_owned();
        if text.len() > MAX_TEXT {
            return Err(too_long());
        }
        let packed = unbase64(text).ok_or_else(garbled)?;
        let mut bytes = Vec::with_capacity(packed.len().min(MAX_BYTES));
        let mut rest = packed.as_slice();
        while let Some(&byte) = rest.first() {
            if byte == ESCAPE {
                let (&run, &value) = rest.get(1).zip(rest.get(2)).ok_or_else(garbled)?;
                bytes.extend(std::iter::repeat_n(value, usize::from(run)));
                rest = &rest[3..];
            } else {
                bytes.push(byte);
                rest = &rest[1..];
            }
            if bytes.len() > MAX_BYTES {
                return Err(too_long());
            }
        }
        match well_formed(&bytes) {
            Some(steps) if steps > MAX_STEPS_IN_SCHEDULE => Err(format!(
                "the shuttle schedule has {steps} steps, more than any execution within the step \
                 limit ({MAX_STEPS} steps) takes"
            )),
            Some(_) => Ok(bytes.iter().map(|b| format!("{b:02x}")).collect()),
            None => Err(garbled()),
        }
    }

    /// Walks the schedule as shuttle's reader will, refusing what would make it panic; returns
    /// its steps. A schedule claiming more steps than [`MAX_STEPS_IN_SCHEDULE`] is not walked.
    fn well_formed(bytes: &[u8]) -> Option<u64> {
        let (&magic, mut rest) = bytes.split_first()?;
        if magic != MAGIC {
            return None;
        }
        let task_id_bits = varint(&mut rest)?;
        let steps = varint(&mut rest)?;
        varint(&mut rest)?; // the seed
        if steps > MAX_STEPS_IN_SCHEDULE {
            return Some(steps);
        }
        let bits = rest.len() as u64 * 8;
        if !(1..=MAX_TASK_ID_BITS).contains(&task_id_bits) || steps > bits {
            return None;
        }
        let mut offset = 0u64;
        for _ in 0..steps {
            let bit = rest.get((offset / 8) as usize)? >> (offset % 8) & 1;
            offset += if bit == 1 { 1 } else { 1 + task_id_bits };
            if offset > bits {
                return None;
            }
        }
        Some(steps)
    }

    fn varint(rest: &mut &[u8]) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, tail) = rest.split_first()?;
            *rest = tail;
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn base64(bytes: &[u8]) -> String {
        let mut text = String::with_capacity(bytes.len() * 4 / 3 + 3);
        for chunk in bytes.chunks(3) {
            let word = chunk
                .iter()
                .enumerate()
                .fold(0u32, |w, (i, &b)| w | u32::from(b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                text.push(char::from(ALPHABET[(word >> (18 - 6 * i) & 63) as usize]));
            }
        }
        text
    }

    fn unbase64(text: &str) -> Option<Vec<u8>> {
        let digits: Vec<u32> = text
            .bytes()
            .map(|c| ALPHABET.iter().position(|&a| a == c).map(|d| d as u32))
            .collect::<Option<_>>()?;
        let mut bytes = Vec::with_capacity(digits.len() * 3 / 4);
        for chunk in digits.chunks(4) {
            if chunk.len() == 1 {
                return None;
            }
            let word = chunk
                .iter()
                .enumerate()
                .fold(0u32, |w, (i, &d)| w | d << (18 - 6 * i));
            for i in 0..chunk.len() - 1 {
                bytes.push((word >> (16 - 8 * i)) as u8);
            }
        }
        Some(bytes)
    }

    #[cfg(test)]
    mod tests {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, RngSeed};

        use super::{MAX_STEPS_IN_SCHEDULE, decode, encode};
        use shuttle_engine::scheduler::serialization::serialize_schedule;

        /// A schedule of `steps` choices among a thousand threads, as a token writes it.
        fn schedule_text(steps: u64) -> String {
            let mut schedule = shuttle::scheduler::Schedule::new(7);
            for step in 0..steps {
                schedule.push_task((step as usize % 1000).into());
            }
            encode(&serialize_schedule(&schedule).replace('\n', ""))
        }

        #[test]
        fn the_longest_schedule_an_execution_can_take_is_accepted_and_one_step_more_is_not() {
            assert!(decode(&schedule_text(MAX_STEPS_IN_SCHEDULE)).is_ok());
            let refused = decode(&schedule_text(MAX_STEPS_IN_SCHEDULE + 1)).unwrap_err();
            assert_eq!(
                refused,
                format!(
                    "the shuttle schedule has {} steps, more than any execution within the \
                     step limit (100000 steps) takes",
                    MAX_STEPS_IN_SCHEDULE + 1
                )
            );
        }

        proptest! {
            // Reproducible: a fixed seed, no failure files.
            #![proptest_config(Config {
                cases: 256,
                rng_seed: RngSeed::Fixed(0x1e55_0b5e),
                failure_persistence: None,
                ..Config::default()
            })]

            #[test]
            fn base64_and_runs_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let packed = super::unbase64(&super::encode(&hex)).unwrap();
                let mut unpacked = Vec::new();
                let mut rest = packed.as_slice();
                while let Some(&byte) = rest.first() {
                    if byte == super::ESCAPE {
                        unpacked.extend(std::iter::repeat_n(rest[2], usize::from(rest[1])));
                        rest = &rest[3..];
                    } else {
                        unpacked.push(byte);
                        rest = &rest[1..];
                    }
                }
                prop_assert_eq!(unpacked, bytes);
            }

            #[test]
            fn a_schedule_header_that_would_crash_shuttle_is_refused(steps in 1u64..u64::MAX, bits in 0u8..=255) {
                let mut bytes = vec![super::MAGIC, bits];
                let mut steps = steps;
                while steps >= 0x80 {
                    bytes.push((steps as u8) | 0x80);
                    steps >>= 7;
                }
                bytes.extend([steps as u8, 0, 0b1010_1010]);
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let decoded = super::decode(&super::encode(&hex)).ok();
                // Only a header whose steps fit in the one data byte can be well formed.
                if decoded.is_some() {
                    let schedule = shuttle_engine::scheduler::serialization::deserialize_schedule(&decoded.unwrap());
                    prop_assert!(schedule.is_some());
                }
            }

            #[test]
            fn every_shuttle_schedule_survives_the_round_trip(
                seed in any::<u64>(),
                tasks in proptest::collection::vec(proptest::option::of(0usize..200), 0..400),
            ) {
                use shuttle_engine::scheduler::serialization::{deserialize_schedule, serialize_schedule};
                let mut schedule = shuttle::scheduler::Schedule::new(seed);
                for task in tasks {
                    match task {
                        Some(id) => schedule.push_task(id.into()),
                        None => schedule.push_random(),
                    }
                }
                let hex = serialize_schedule(&schedule).replace('\n', "");
                let decoded = super::decode(&super::encode(&hex)).ok();
                prop_assert_eq!(decoded.as_deref().and_then(deserialize_schedule), Some(schedule));
            }

            #[test]
            fn no_token_makes_the_decoder_panic(text in "[A-Za-z0-9_-]{0,64}") {
                let _ = super::decode(&text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_token_names_the_runs_seed_its_jobs_and_the_execution_and_reads_back() {
        let text = "shuttle.55edf2.3.portfolio.508889950.2.3";
        let token: ReplayToken = text.parse().unwrap();
        assert_eq!(
            token.schedule,
            Schedule::Seeded {
                strategy: Strategy::Portfolio,
                seed: 508_889_950,
                jobs: 2,
                execution: 3
            }
        );
        assert_eq!(token.to_string(), text);
        assert_eq!(token.backend(), Backend::Shuttle);
    }

    #[test]
    fn a_token_from_before_jobs_is_a_search_of_one_job() {
        let token: ReplayToken = "shuttle.55edf2.3.pct3.42.7".parse().unwrap();
        assert_eq!(
            token.schedule,
            Schedule::Seeded {
                strategy: Strategy::Pct { depth: 3 },
                seed: 42,
                jobs: 1,
                execution: 7
            }
        );
        assert_eq!(token.to_string(), "shuttle.55edf2.3.pct3.42.1.7");
    }

    #[test]
    fn the_backend_is_the_tokens_own() {
        let loom: ReplayToken = "loom.55edf2.3.2.9".parse().unwrap();
        assert_eq!(loom.backend(), Backend::Loom);
        let refused = format!("loom.55edf2.3.2.{}", MAX_LOOM_EXECUTION + 1);
        assert!(matches!(
            refused.parse::<ReplayToken>(),
            Err(CheckError::BadToken(_))
        ));
        let jobs = format!("shuttle.55edf2.3.random.1.{}.1", MAX_JOBS + 1);
        assert!(matches!(
            jobs.parse::<ReplayToken>(),
            Err(CheckError::BadToken(_))
        ));
    }
}
