//! Replay tokens: one word that names the model it was found on, the backend, the thread count,
//! and one execution. Every token starts with its backend and a tag of the model's id, so a
//! token is refused for any other model.
//!
//! - `shuttle.<tag>.<threads>.<strategy>.<seed>.<execution>`: shuttle's schedulers are
//!   deterministic given their seed, so a failure found by a seeded search is named by the
//!   strategy (`portfolio`, `pct<depth>`, `random`), the job's seed and the execution's number in
//!   that job: a few dozen characters for any model. Replaying runs the executions before it again.
//! - `shuttle.<tag>.<threads>.<schedule>`: shuttle's own serialized schedule, replayed step by
//!   step, for a schedule found any other way (a replay of one). Its bytes are run-length coded
//!   and written in base64url. A token is checked in full before shuttle reads it, since
//!   shuttle's own reader trusts its input.
//! - `loom.<tag>.<threads>.<preemption bound>.<execution>`: loom's search is deterministic, so
//!   the same bound reaches the same execution again.

use super::{CheckError, Strategy};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayToken {
    /// [`tag`] of the model's id.
    pub tag: String,
    pub threads: usize,
    pub schedule: Schedule,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Execution `execution` (1-based) of a shuttle search with `strategy` from `seed`.
    Seeded {
        strategy: Strategy,
        seed: u64,
        execution: usize,
    },
    /// Shuttle's own schedule, in its hex format.
    Shuttle(String),
    Loom {
        preemption_bound: usize,
        execution: usize,
    },
}

/// Six hex digits that tell models apart (FNV-1a of the id).
pub fn tag(id: &str) -> String {
    let hash = crate::util::fnv1a(id.as_bytes());
    format!("{:06x}", (hash ^ (hash >> 24)) & 0xff_ffff)
}

/// The largest preemption bound loom accepts (it counts preemptions in a byte).
pub const MAX_PREEMPTION_BOUND: usize = u8::MAX as usize;

impl fmt::Display for ReplayToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (tag, threads) = (&self.tag, self.threads);
        match &self.schedule {
            Schedule::Seeded {
                strategy,
                seed,
                execution,
            } => write!(
                f,
                "shuttle.{tag}.{threads}.{}.{seed}.{execution}",
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
        if text.len() > compact::MAX_TOKEN {
            return Err(bad("the token is too long"));
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
        match parts.as_slice() {
            ["shuttle", model, threads, strategy, seed, index] => Ok(ReplayToken {
                tag: tag(model)?,
                threads: small(threads, "thread count")?,
                schedule: Schedule::Seeded {
                    strategy: Strategy::from_token_name(strategy)
                        .ok_or_else(|| bad(&format!("unknown strategy {strategy:?}")))?,
                    seed: number(seed, "seed")?,
                    execution: execution(index)?,
                },
            }),
            ["shuttle", model, threads, schedule] => Ok(ReplayToken {
                tag: tag(model)?,
                threads: small(threads, "thread count")?,
                schedule: Schedule::Shuttle(
                    compact::decode(schedule)
                        .ok_or_else(|| bad("the shuttle schedule does not decode"))?,
                ),
            }),
            ["loom", model, threads, bound, index] => {
                let preemption_bound = small(bound, "preemption bound")?;
                if preemption_bound > MAX_PREEMPTION_BOUND {
                    return Err(bad(&format!(
                        "preemption bound {preemption_bound} is over loom's {MAX_PREEMPTION_BOUND}"
                    )));
                }
                Ok(ReplayToken {
                    tag: tag(model)?,
                    threads: small(threads, "thread count")?,
                    schedule: Schedule::Loom {
                        preemption_bound,
                        execution: execution(index)?,
                    },
                })
            }
            _ => Err(bad(
                "expected shuttle.<tag>.<threads>.<strategy>.<seed>.<execution>, \
                 shuttle.<tag>.<threads>.<schedule> or loom.<tag>.<threads>.<bound>.<execution>",
            )),
        }
    }
}

/// Shuttle's schedule bytes, run-length coded and in base64url, and back to shuttle's hex.
mod compact {
    /// Starts a run: `ESCAPE, length, byte`. A lone `ESCAPE` byte is a run of one.
    const ESCAPE: u8 = 0xFF;
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    /// Longer tokens are refused before anything is decoded.
    pub const MAX_TOKEN: usize = 1 << 20;
    /// shuttle's format version 2.
    const MAGIC: u8 = 0x91;

    pub fn encode(hex: &str) -> String {
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

    /// Shuttle's hex for a token, if the token is a well-formed schedule.
    pub fn decode(text: &str) -> Option<String> {
        if text.is_empty() || text.len() > MAX_TOKEN {
            return None;
        }
        let packed = unbase64(text)?;
        let mut bytes = Vec::with_capacity(packed.len());
        let mut rest = packed.as_slice();
        while let Some(&byte) = rest.first() {
            if byte == ESCAPE {
                let (&run, &value) = (rest.get(1)?, rest.get(2)?);
                bytes.extend(std::iter::repeat_n(value, usize::from(run)));
                rest = &rest[3..];
            } else {
                bytes.push(byte);
                rest = &rest[1..];
            }
        }
        well_formed(&bytes)?;
        Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Walks the schedule as shuttle's reader will, refusing what would make it panic.
    fn well_formed(bytes: &[u8]) -> Option<()> {
        let (&magic, mut rest) = bytes.split_first()?;
        if magic != MAGIC {
            return None;
        }
        let task_id_bits = varint(&mut rest)?;
        let steps = varint(&mut rest)?;
        varint(&mut rest)?; // the seed
        let bits = rest.len() as u64 * 8;
        if !(1..=63).contains(&task_id_bits) || steps > bits {
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
        Some(())
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
                let decoded = super::decode(&super::encode(&hex));
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
                let decoded = super::decode(&super::encode(&hex));
                prop_assert_eq!(decoded.as_deref().and_then(deserialize_schedule), Some(schedule));
            }

            #[test]
            fn no_token_makes_the_decoder_panic(text in "[A-Za-z0-9_-]{0,64}") {
                let _ = super::decode(&text);
            }
        }
    }
}
