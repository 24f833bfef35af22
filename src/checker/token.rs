//! Replay tokens: one word that names a backend, the thread count, and one execution.
//!
//! - `shuttle.<threads>.<schedule>`: shuttle's own encoded schedule (hex), replayed step by step.
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
            Schedule::Shuttle(hex) => write!(f, "shuttle.{}.{}", self.threads, hex),
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
            ["shuttle", threads, hex] => {
                let threads = number(threads, "thread count")?;
                let valid = !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
                if !valid
                    || shuttle_engine::scheduler::serialization::deserialize_schedule(hex).is_none()
                {
                    return Err(bad("the shuttle schedule does not decode"));
                }
                Ok(ReplayToken {
                    threads,
                    schedule: Schedule::Shuttle((*hex).to_owned()),
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
