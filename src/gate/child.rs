//! The child process that grades one submission: the harness's `main` calls [`main`] with the
//! exercise's properties over the student's type.
//!
//! Results go out, one JSON [`Message`] per line, on the standard output the process was started
//! with. Before any of the submission's code runs, that descriptor is duplicated for the results
//! and descriptors 1 and 2 are pointed at `/dev/null`: nothing the submission prints lands among
//! the results. Every line starts with the key the supervisor passed in [`KEY_VARIABLE`], which
//! the child takes out of its environment first: a line without it was not written by the
//! harness, and the supervisor does not believe it.
//!
//! A watchdog thread reports a property whose execution has run over [`STUCK_LIMIT`] (a loop
//! with no scheduling point, which the model checker cannot interrupt) and ends the process.

use super::Property;
use super::grade::{self, REPLAY_MARK, Settings};
use super::limits::{self, STUCK_LIMIT};
use super::report::PropertyResult;
use crate::checker::{self, Progress, ReplayToken, token_tag};
use crate::exit::ExitCode;
use crate::runtime::Backend;
use crate::util::lock_unpoisoned;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The environment variable that carries the results channel's key to the child.
pub const KEY_VARIABLE: &str = "INTERLEAVE_GATE_KEY";

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
    /// An allocation of this many bytes was refused (the memory limit): the process aborts next.
    /// Written by [`limits::GateAllocator`], without allocating.
    OutOfMemory {
        bytes: u64,
    },
    /// One execution of the property being checked has run this long without finishing: the
    /// process ends next.
    Stuck {
        property: String,
        backend: String,
        seconds: u64,
    },
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
    /// The one word the gate passes: the arguments as JSON (written by the gate, read by the
    /// child; nobody types them).
    pub fn to_words(&self) -> Vec<String> {
        let wire = Wire {
            backends: self.backends.iter().map(|b| b.name().to_owned()).collect(),
            seed: self.seed,
            replay: self.replay.clone(),
            property: self.property.clone(),
        };
        vec![serde_json::to_string(&wire).expect("plain data serialises")]
    }

    /// The word [`Args::to_words`] made, read back; a refusal is one line.
    pub fn parse(words: &[String]) -> Result<Args, String> {
        let wire: Wire = match words {
            [] => Wire::default(),
            [word] => serde_json::from_str(word)
                .map_err(|error| format!("the harness's arguments are not its JSON: {error}"))?,
            _ => return Err(format!("the harness takes one word, not {}", words.len())),
        };
        let mut backends = Vec::new();
        for name in &wire.backends {
            backends.push(checked_backend(name)?);
        }
        if backends.is_empty() {
            backends.push(Backend::Shuttle);
        }
        if let Some(missing) = backends.iter().find(|backend| !backend.is_built()) {
            return Err(format!("this harness was built without {}", missing.name()));
        }
        Ok(Args {
            backends,
            seed: wire.seed,
            replay: wire.replay,
            property: wire.property,
        })
    }
}

/// [`Args`] as the gate writes them: backends by name.
#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    backends: Vec<String>,
    seed: Option<u64>,
    replay: Option<String>,
    property: Option<String>,
}

/// A model-checking backend by name (never native: a property is checked, not timed).
fn checked_backend(name: &str) -> Result<Backend, String> {
    Backend::parse(name)
        .filter(|backend| *backend != Backend::Native)
        .ok_or_else(|| format!("unknown backend {name:?}"))
}

/// The results channel: the process's standard output as it started, and the key every line
/// starts with.
struct Channel {
    file: File,
    key: String,
}

impl Channel {
    /// Takes descriptor 1 for the results, points descriptors 1 and 2 at `/dev/null` (a checker
    /// runs the submission thousands of times, so what it prints says nothing, and shuttle's own
    /// notes on each failure would drown it anyway) and takes the key out of the environment.
    fn take() -> Channel {
        // SAFETY: plain descriptor calls on descriptors this process owns, made before any other
        // thread exists; `dup` returns a fresh descriptor that the File then owns alone.
        let file = unsafe {
            let results = libc::dup(1);
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            if results < 0 || null < 0 || libc::dup2(null, 1) < 0 {
                eprintln!("gate child: cannot set up its results channel");
                std::process::exit(4);
            }
            if !crate::checker::env::show_panics() {
                libc::dup2(null, 2);
            }
            libc::close(null);
            libc::fcntl(results, libc::F_SETFD, libc::FD_CLOEXEC);
            File::from_raw_fd(results)
        };
        let key = take_key();
        limits::report_allocation_failures_to(file.as_raw_fd(), &key);
        Channel { file, key }
    }

    /// `message` as one line, after the key.
    fn line(&self, message: &Message) -> String {
        let json = serde_json::to_string(message).expect("a message serializes");
        if self.key.is_empty() {
            format!("{json}\n")
        } else {
            format!("{} {json}\n", self.key)
        }
    }

    fn send(&mut self, message: &Message) {
        let line = self.line(message);
        if self.file.write_all(line.as_bytes()).is_err() {
            // The gate went away: nobody is left to report to.
            std::process::exit(4);
        }
    }
}

/// The key the supervisor passed: removed from the environment, and its text overwritten where
/// the process's first environment lives (`/proc/self/environ` reads it from there), before any
/// of the submission's code runs. Empty when the child was started by hand.
fn take_key() -> String {
    let key = std::env::var(KEY_VARIABLE).unwrap_or_default();
    // SAFETY: called before any other thread exists, so nothing reads the environment meanwhile;
    // getenv's result points at the variable's value, `strlen` bytes long, in writable memory.
    unsafe {
        let value = libc::getenv(c"INTERLEAVE_GATE_KEY".as_ptr());
        if !value.is_null() {
            std::ptr::write_bytes(value, 0, libc::strlen(value));
        }
        std::env::remove_var(KEY_VARIABLE);
    }
    key
}

/// The harness's whole `main`: grades `properties` as the arguments say, then exits.
pub fn main(exercise: &str, properties: Vec<Property>) -> ! {
    let words: Vec<String> = std::env::args().skip(1).collect();
    run(exercise, properties, &words)
}

/// A batch harness's answer to a first argument naming none of its submissions (only the gate
/// starts it, so this is the gate's mistake): a refusal, then exit.
pub fn no_member(exercise: &str, member: &str) -> ! {
    let mut channel = Channel::take();
    channel.send(&Message::Refused {
        message: format!("this {exercise} batch harness has no submission {member:?}"),
    });
    std::process::exit(ExitCode::Usage.code());
}

/// [`main`], with the arguments given.
pub fn run(exercise: &str, properties: Vec<Property>, words: &[String]) -> ! {
    let mut channel = Channel::take();
    let args = match Args::parse(words) {
        Ok(args) => args,
        Err(message) => {
            channel.send(&Message::Refused { message });
            std::process::exit(ExitCode::Usage.code());
        }
    };
    crate::trace::record_locations(true);
    crate::trace::limit_threads(limits::THREADS_PER_EXECUTION);
    let properties: Vec<Property> = properties
        .into_iter()
        .filter(|p| args.property.as_ref().is_none_or(|only| only == p.name))
        .collect();
    if let Some(token) = &args.replay {
        match replay(&properties, token) {
            Ok((text, failed)) => channel.send(&Message::Replay { text, failed }),
            Err(message) => {
                channel.send(&Message::Refused { message });
                std::process::exit(ExitCode::Usage.code());
            }
        }
    } else {
        let settings = Settings {
            backends: args.backends.clone(),
            seed: args.seed,
            executions: None,
        };
        let watchdog = Watchdog::start(channel.file.as_raw_fd());
        for property in &properties {
            for &backend in &settings.backends {
                let (name, backend_name) = (property.name.to_owned(), backend.name().to_owned());
                channel.send(&Message::Start {
                    property: name.clone(),
                    backend: backend_name.clone(),
                });
                let progress =
                    Progress::new(&grade::budget(exercise, property, backend, &settings));
                let stuck = channel.line(&Message::Stuck {
                    property: name,
                    backend: backend_name,
                    seconds: STUCK_LIMIT.as_secs(),
                });
                watchdog.watch(&progress, stuck);
                let result = grade::grade_with(exercise, property, backend, &settings, &progress);
                watchdog.unwatch();
                channel.send(&Message::Result {
                    result: Box::new(result),
                });
            }
        }
    }
    channel.send(&Message::Done);
    std::process::exit(0)
}

/// How often the watchdog looks at the search's progress.
const WATCH_INTERVAL: Duration = Duration::from_millis(250);

/// The search being watched: its progress, and the line that reports it stuck.
struct Watched {
    /// Counts the properties watched, so that a new search is never mistaken for the last one.
    generation: u64,
    progress: Arc<Progress>,
    stuck: Vec<u8>,
}

/// A thread that ends the process when no execution of the watched search has finished for
/// [`STUCK_LIMIT`] (each execution takes milliseconds; a search with two jobs finishes
/// executions on the other job for a while, then none). It reports on the results channel with
/// a plain `write` of a line made beforehand: the thread allocates nothing while it watches.
struct Watchdog {
    watched: Arc<Mutex<Option<Watched>>>,
}

impl Watchdog {
    fn start(fd: RawFd) -> Watchdog {
        let watched: Arc<Mutex<Option<Watched>>> = Arc::default();
        let shared = watched.clone();
        let spawned = std::thread::Builder::new()
            .name("stuck-watchdog".to_owned())
            .stack_size(64 * 1024)
            .spawn(move || watch(&shared, fd));
        // Without the watchdog, a stuck execution still ends at the gate's wall-clock limit.
        drop(spawned);
        Watchdog { watched }
    }

    fn watch(&self, progress: &Arc<Progress>, stuck: String) {
        let mut watched = lock_unpoisoned(&self.watched);
        let generation = watched.as_ref().map_or(0, |w| w.generation) + 1;
        *watched = Some(Watched {
            generation,
            progress: progress.clone(),
            stuck: stuck.into_bytes(),
        });
    }

    fn unwatch(&self) {
        if let Some(watched) = lock_unpoisoned(&self.watched).as_mut() {
            watched.stuck.clear();
        }
    }
}

fn watch(watched: &Mutex<Option<Watched>>, fd: RawFd) {
    // The generation and execution count last seen, and since when they have not changed.
    let mut last = (0, 0, Instant::now());
    loop {
        std::thread::sleep(WATCH_INTERVAL);
        let watched = lock_unpoisoned(watched);
        let Some(Watched {
            generation,
            progress,
            stuck,
        }) = watched.as_ref()
        else {
            continue;
        };
        let now = (*generation, progress.executions());
        if (last.0, last.1) != now {
            last = (now.0, now.1, Instant::now());
        } else if !stuck.is_empty() && last.2.elapsed() >= STUCK_LIMIT {
            // SAFETY: writes a live buffer, then ends the process without running anything of
            // the stuck thread's (its locks may be held).
            unsafe {
                libc::write(fd, stuck.as_ptr().cast(), stuck.len());
                libc::_exit(3);
            }
        }
    }
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
    let mut report = checker::replay(&property.variant, &token).map_err(|e| e.to_string())?;
    super::sanitise::checker_report(&mut report);
    let text = crate::report::verdict_untimed(&report, &|_| REPLAY_MARK.to_owned());
    Ok((text, report.verdict.failure().is_some()))
}

/// The hidden command that grades one of the project's own implementations in a child process,
/// as a compiled submission is: `gate-builtin EXERCISE NAME ARGS...`.
#[cfg(feature = "cli")]
pub const BUILTIN_COMMAND: &str = "gate-builtin";

#[cfg(feature = "cli")]
pub fn builtin_main(words: &[&str]) -> i32 {
    let [exercise, name, rest @ ..] = words else {
        eprintln!("usage: {BUILTIN_COMMAND} EXERCISE NAME [ARGS]");
        return ExitCode::Usage.code();
    };
    let Some(builtin) = super::find_exercise(exercise).and_then(|e| e.builtin(name)) else {
        eprintln!("{BUILTIN_COMMAND}: no implementation {name:?} of {exercise:?}");
        return ExitCode::Usage.code();
    };
    let words: Vec<String> = rest.iter().map(|w| (*w).to_owned()).collect();
    run(exercise, (builtin.properties)(), &words)
}
