//! The child process that grades one submission: the harness's `main` calls [`main`] with the
//! exercise's properties over the student's type.
//!
//! Results go out, one JSON [`Message`] per line, on the standard output the process was started
//! with. Before any of the submission's code runs, that descriptor is duplicated for the results
//! and descriptors 1 and 2 are pointed at `/dev/null`: nothing the submission prints lands among
//! the results.

use super::Property;
use super::grade::{self, REPLAY_MARK, Settings};
use super::report::PropertyResult;
use crate::checker::{self, ReplayToken, token_tag};
use crate::runtime::Backend;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::os::fd::FromRawFd;

/// One line from the child to the gate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Message {
    /// A property is about to be checked (so a crash or a timeout is pinned on it).
    Start {
        property: String,
        backend: String,
    },
    Result {
        result: Box<PropertyResult>,
    },
    /// A replayed execution, as text, and whether it failed.
    Replay {
        text: String,
        failed: bool,
    },
    /// The child refused its arguments (the gate passed something it cannot do).
    Refused {
        message: String,
    },
    /// Every property was checked.
    Done,
}

/// The child's arguments, as the gate passes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub backends: Vec<Backend>,
    pub seed: Option<u64>,
    pub replay: Option<String>,
    /// Check only this property.
    pub property: Option<String>,
}

impl Args {
    pub fn to_words(&self) -> Vec<String> {
        let mut words = Vec::new();
        for backend in &self.backends {
            words.extend(["--backend".to_owned(), backend.name().to_owned()]);
        }
        if let Some(seed) = self.seed {
            words.extend(["--seed".to_owned(), seed.to_string()]);
        }
        if let Some(token) = &self.replay {
            words.extend(["--replay".to_owned(), token.clone()]);
        }
        if let Some(property) = &self.property {
            words.extend(["--property".to_owned(), property.clone()]);
        }
        words
    }

    pub fn parse(words: &[String]) -> Result<Args, String> {
        let mut args = Args {
            backends: Vec::new(),
            seed: None,
            replay: None,
            property: None,
        };
        let mut words = words.iter();
        while let Some(word) = words.next() {
            let mut value = || {
                words
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("{word} needs a value"))
            };
            match word.as_str() {
                "--backend" => {
                    let name = value()?;
                    let backend = Backend::parse(&name)
                        .filter(|b| *b != Backend::Native)
                        .ok_or_else(|| format!("unknown backend {name:?}"))?;
                    if !backend.is_built() {
                        return Err(format!("this harness was built without {name}"));
                    }
                    args.backends.push(backend);
                }
                "--seed" => {
                    let seed = value()?;
                    args.seed = Some(seed.parse().map_err(|_| format!("bad seed {seed:?}"))?);
                }
                "--replay" => args.replay = Some(value()?),
                "--property" => args.property = Some(value()?),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if args.backends.is_empty() {
            args.backends.push(Backend::Shuttle);
        }
        Ok(args)
    }
}

/// The results channel: the process's standard output as it started. Descriptors 1 and 2 are
/// then pointed at `/dev/null`: a checker runs the submission thousands of times, so what it
/// prints says nothing (and shuttle's own notes on each failure would drown it anyway).
fn take_results_channel() -> File {
    // SAFETY: plain descriptor calls on descriptors this process owns, made before any other
    // thread exists; `dup` returns a fresh descriptor that the File then owns alone.
    unsafe {
        let results = libc::dup(1);
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
        if results < 0 || null < 0 || libc::dup2(null, 1) < 0 {
            eprintln!("gate child: cannot set up its results channel");
            std::process::exit(4);
        }
        if std::env::var_os("INTERLEAVE_SHOW_PANICS").is_none() {
            libc::dup2(null, 2);
        }
        libc::close(null);
        libc::fcntl(results, libc::F_SETFD, libc::FD_CLOEXEC);
        File::from_raw_fd(results)
    }
}

fn send(channel: &mut File, message: &Message) {
    let mut line = serde_json::to_string(message).expect("a message serializes");
    line.push('\n');
    if channel.write_all(line.as_bytes()).is_err() {
        // The gate went away: nobody is left to report to.
        std::process::exit(4);
    }
}

/// The harness's whole `main`: grades `properties` as the arguments say, then exits.
pub fn main(exercise: &str, properties: Vec<Property>) -> ! {
    let words: Vec<String> = std::env::args().skip(1).collect();
    run(exercise, properties, &words)
}

/// [`main`], with the arguments given.
pub fn run(exercise: &str, properties: Vec<Property>, words: &[String]) -> ! {
    let mut channel = take_results_channel();
    let args = match Args::parse(words) {
        Ok(args) => args,
        Err(message) => {
            send(&mut channel, &Message::Refused { message });
            std::process::exit(2);
        }
    };
    crate::trace::record_locations(true);
    let properties: Vec<Property> = properties
        .into_iter()
        .filter(|p| args.property.as_ref().is_none_or(|only| only == p.name))
        .collect();
    if let Some(token) = &args.replay {
        match replay(&properties, token) {
            Ok((text, failed)) => send(&mut channel, &Message::Replay { text, failed }),
            Err(message) => {
                send(&mut channel, &Message::Refused { message });
                std::process::exit(2);
            }
        }
    } else {
        let settings = Settings {
            backends: args.backends.clone(),
            seed: args.seed,
            executions: None,
        };
        for property in &properties {
            for &backend in &settings.backends {
                send(
                    &mut channel,
                    &Message::Start {
                        property: property.name.to_owned(),
                        backend: backend.name().to_owned(),
                    },
                );
                let result = grade::grade(exercise, property, backend, &settings);
                send(
                    &mut channel,
                    &Message::Result {
                        result: Box::new(result),
                    },
                );
            }
        }
    }
    send(&mut channel, &Message::Done);
    std::process::exit(0)
}

/// Re-runs the one execution `token` names, on the property it was found on.
fn replay(properties: &[Property], token: &str) -> Result<(String, bool), String> {
    let token: ReplayToken = token
        .parse()
        .map_err(|e: checker::CheckError| e.to_string())?;
    let property = properties
        .iter()
        .find(|p| token_tag(p.variant.id) == token.tag)
        .ok_or("bad replay token: it names no property of this exercise")?;
    let report = checker::replay(&property.variant, &token).map_err(|e| e.to_string())?;
    let text = crate::report::verdict_with(&report, &|_| REPLAY_MARK.to_owned());
    Ok((text, report.verdict.failure().is_some()))
}

/// The hidden command that grades one of the project's own implementations in a child process,
/// as a compiled submission is: `gate-builtin EXERCISE NAME ARGS...`.
pub const BUILTIN_COMMAND: &str = "gate-builtin";

pub fn builtin_main(words: &[&str]) -> i32 {
    let [exercise, name, rest @ ..] = words else {
        eprintln!("usage: {BUILTIN_COMMAND} EXERCISE NAME [ARGS]");
        return 2;
    };
    let Some(builtin) = super::find_exercise(exercise).and_then(|e| e.builtin(name)) else {
        eprintln!("{BUILTIN_COMMAND}: no implementation {name:?} of {exercise:?}");
        return 2;
    };
    let words: Vec<String> = rest.iter().map(|w| (*w).to_owned()).collect();
    run(exercise, (builtin.properties)(), &words)
}
