//! Replay tokens: one word that names a backend, the thread count, and one execution.
//!
//! - `shuttle.<threads>.<schedule>`: shuttle's own serialized schedule, replayed step by step.
//!   Its bytes are run-length coded and written in base64url, which makes a 100-thread token
//!   about 2.6 times shorter than shuttle's hex. A token is checked in full before shuttle reads
//!   it, since shuttle's own reader trusts its input.
//! - `loom.<threads>.<preemption bound>.<execution>`: loom's search is deterministic, so the
//!   same bound reaches the same execution again.

use super::CheckError;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayToken {
    pub threads: usize,
    pub schedule: Schedule,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    Shuttle(String),
    Loom {
        preemption_bound: usize,
        execution: usize,
    },
}

impl fmt::Display for ReplayToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schedule {
            Schedule::Shuttle(hex) => {
                write!(f, "shuttle.{}.{}", self.threads, compact::encode(hex))
            }
            Schedule::Loom {
                preemption_bound,
                execution,
            } => {
                write!(
                    f,
                    "loom.{}.{}.{}",
                    self.threads, preemption_bound, execution
                )
            }
        }
    }
}

impl std::str::FromStr for ReplayToken {
    type Err = CheckError;

    fn from_str(text: &str) -> Result<Self, CheckError> {
        let bad = |why: &str| CheckError::BadToken(why.to_owned());
        let parts: Vec<&str> = text.trim().split('.').collect();
        let number = |part: &str, what: &str| -> Result<usize, CheckError> {
            part.parse()
                .map_err(|_| bad(&format!("{what} {part:?} is not a number")))
        };
        match parts.as_slice() {
            ["shuttle", threads, schedule] => {
                let threads = number(threads, "thread count")?;
                let hex = compact::decode(schedule)
                    .ok_or_else(|| bad("the shuttle schedule does not decode"))?;
                Ok(ReplayToken {
                    threads,
                    schedule: Schedule::Shuttle(hex),
                })
            }
            ["loom", threads, bound, execution] => Ok(ReplayToken {
                threads: number(threads, "thread count")?,
                schedule: Schedule::Loom {
                    preemption_bound: number(bound, "preemption bound")?,
                    execution: number(execution, "execution")?.max(1),
                },
            }),
            _ => Err(bad(
                "expected shuttle.<threads>.<schedule> or loom.<threads>.<bound>.<execution>",
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
    const MAX_TOKEN: usize = 1 << 20;
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
