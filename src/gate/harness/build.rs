//! Building a submission's harness crate: its `Cargo.toml` (the gate's own: a path dependency on
//! this project, [`interleave_dependency`], and nothing else), this project's `Cargo.lock`, a
//! `main.rs` that plugs the student's type into the exercise, and the student's files as
//! `src/submission…`. The student's own `Cargo.toml`, dependencies, build scripts and proc macros
//! are never used. All harness crates share one target directory, so the library is compiled once
//! and a second submission compiles only its own code. Cargo runs in a process group of its own,
//! under the build's memory limit, killed whole at [`BUILD_LIMIT`]; a failed build becomes the
//! student's refusal (pointing at their line) or the grader's error.

use super::submission::{Origin, Submission};
use super::{MAX_TEXT, Refusal, cut_at, read_capped, wait_within};
use crate::gate::Exercise;
use crate::gate::limits::{self, BUILD_LIMIT};
use crate::gate::report::{Location, Status};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A file in the harness's target directory once a build there has succeeded: the first build
/// (minutes, the whole library) says on stderr what it is doing.
const LIBRARY_BUILT: &str = ".interleave-library-built";

/// A built harness binary, and for one that grades several submissions (see [`super::batch`]),
/// which of them this is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Built {
    pub binary: PathBuf,
    pub member: Option<Member>,
}

/// One submission in a batch binary (see [`super::batch`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The first argument that makes the binary grade this submission (its digest).
    pub word: String,
    /// The harness's names as the batch has them → as the submission's own harness has them.
    pub rewrites: Vec<(String, String)>,
    /// This submission's share of the batch's build time.
    pub build_share: Duration,
}

impl Member {
    /// `text` (a message of the batch's child) as the submission's own harness would have
    /// written it.
    pub fn as_if_alone(&self, text: &str) -> String {
        self.rewrites
            .iter()
            .fold(text.to_owned(), |text, (batch, alone)| {
                text.replace(batch, alone)
            })
    }
}

/// Writes `text` to `relative` under `dir`, unless it is there already: a file left as it was
/// keeps cargo's build of it fresh.
pub(super) fn write_file(dir: &Path, relative: &Path, text: &str) -> Result<(), Refusal> {
    let path = dir.join(relative);
    if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Refusal::error(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(&path, text)
        .map_err(|e| Refusal::error(format!("cannot write {}: {e}", path.display())))
}

/// What is kept of the compiler's output (its errors are cut to [`MAX_TEXT`] after filtering).
const MAX_COMPILER_OUTPUT: u64 = 1024 * 1024;

/// The line of a harness crate's `Cargo.toml` that makes this project (at `source`) its
/// `interleave` dependency: the one place that says how a harness depends on the library. A
/// harness links the engine and the `grading` feature only, never the command line.
pub fn interleave_dependency(source: &Path) -> String {
    format!(
        "interleave = {{ path = {:?}, default-features = false, features = [\"grading\"] }}",
        source.display().to_string()
    )
}

/// The gate's directory when `INTERLEAVE_GATE_DIR` is not set: a per-user cache shared by every
/// working directory and every shard on a machine, `$XDG_CACHE_HOME/interleave/gate-VERSION`
/// (else `~/.cache/…`). Two checkouts, toolchains or versions of the source share it safely:
/// cargo keeps each one's artifacts apart (a path dependency's path and the compiler's version
/// are in its fingerprints). Without a home, `target/interleave-gate` in the current directory.
pub fn default_work() -> PathBuf {
    work_under(std::env::var_os("XDG_CACHE_HOME"), std::env::var_os("HOME"))
}

/// [`default_work`] for these values of `XDG_CACHE_HOME` and `HOME` (a relative one is ignored,
/// as the XDG specification says).
pub fn work_under(
    xdg_cache_home: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> PathBuf {
    let absolute = |value: Option<std::ffi::OsString>| {
        value.map(PathBuf::from).filter(|path| path.is_absolute())
    };
    let cache = absolute(xdg_cache_home).or_else(|| absolute(home).map(|home| home.join(".cache")));
    match cache {
        Some(cache) => cache
            .join("interleave")
            .join(concat!("gate-", env!("CARGO_PKG_VERSION"))),
        None => PathBuf::from("target/interleave-gate"),
    }
}

/// Where harness crates are built, and against which copy of this project.
#[derive(Clone, Debug)]
pub struct Harness {
    /// This project's root (its `Cargo.toml`), the harness's path dependency.
    pub source: PathBuf,
    pub work: PathBuf,
    /// Build with `--cfg loom`, into a target directory of its own.
    pub loom: bool,
}

impl Harness {
    /// `INTERLEAVE_SOURCE` (default: where this binary was built from) and `INTERLEAVE_GATE_DIR`
    /// (default: [`default_work`], one per user, whatever the current directory).
    pub fn locate(loom: bool) -> Result<Harness, String> {
        let source = match std::env::var_os("INTERLEAVE_SOURCE") {
            Some(path) => PathBuf::from(path),
            None => PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        };
        if !source.join("Cargo.toml").is_file() || !source.join("src/gate").is_dir() {
            return Err(format!(
                "the gate needs interleave's source to build a harness, and {} is not it \
                 (set INTERLEAVE_SOURCE to the project's folder)",
                source.display()
            ));
        }
        let work = match std::env::var_os("INTERLEAVE_GATE_DIR") {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => default_work(),
        };
        let work = std::path::absolute(&work)
            .map_err(|e| format!("bad gate directory {}: {e}", work.display()))?;
        Ok(Harness { source, work, loom })
    }

    pub(super) fn target_dir(&self) -> PathBuf {
        self.work
            .join(if self.loom { "target-loom" } else { "target" })
    }

    /// Writes the submission's harness crate (files already there and unchanged are left as they
    /// are, so cargo finds them fresh) and compiles it; returns the binary.
    pub fn build(&self, exercise: &Exercise, submission: &Submission) -> Result<Built, Refusal> {
        let name = self.crate_name(exercise, submission);
        let dir = self.work.join("crates").join(&name);
        write_file(&dir, Path::new("Cargo.toml"), &self.manifest(&name))?;
        self.write_lock(&dir)?;
        let root = &submission.files[0].0;
        write_file(&dir, Path::new("src/main.rs"), &main_rs(exercise, root))?;
        for (path, text) in &submission.files {
            write_file(&dir, &Path::new("src").join(path), text)?;
        }
        match self.compile(&dir, &name) {
            Ok(binary) => Ok(Built {
                binary,
                member: None,
            }),
            Err(BuildFailure::Errors(errors)) => {
                Err(compile_refusal(&errors, submission, exercise))
            }
            Err(BuildFailure::TimedOut) => Err(Refusal {
                status: Status::Timeout,
                message: format!(
                    "the build ran past {} s and was stopped (a constant evaluation or a macro \
                     expansion that never ends?)",
                    BUILD_LIMIT.as_secs()
                ),
                location: None,
            }),
        }
    }

    /// The name of `submission`'s own harness crate (and binary).
    pub(super) fn crate_name(&self, exercise: &Exercise, submission: &Submission) -> String {
        format!(
            "gate-{}-{}",
            exercise.name,
            submission.digest(exercise.name)
        )
    }

    /// Whether the binary of a crate named `name` is there from an earlier build (cargo still
    /// decides whether it is fresh).
    pub(super) fn has_built(&self, name: &str) -> bool {
        self.target_dir().join("release").join(name).is_file()
    }

    /// This project's `Cargo.lock` in the harness crate at `dir`, so it builds with the versions
    /// the project was tested with.
    pub(super) fn write_lock(&self, dir: &Path) -> Result<(), Refusal> {
        match std::fs::read_to_string(self.source.join("Cargo.lock")) {
            Ok(lock) => write_file(dir, Path::new("Cargo.lock"), &lock),
            Err(_) => Ok(()),
        }
    }

    /// Compiles the harness crate `name` at `dir` (offline first, then online if a crate is
    /// missing), within [`BUILD_LIMIT`]; its binary. The first build in the target directory
    /// (minutes: the whole library) says on stderr what it is doing.
    pub(super) fn compile(&self, dir: &Path, name: &str) -> Result<PathBuf, BuildFailure> {
        let built_once = self.target_dir().join(LIBRARY_BUILT);
        if !built_once.exists() {
            eprintln!(
                "interleave: building the gate's harness library in {} (once per machine, \
                 toolchain and interleave version: about a minute on 2 cores; later grades \
                 compile only the submission)",
                self.target_dir().display()
            );
        }
        let deadline = Instant::now() + BUILD_LIMIT;
        let output = match self.cargo(dir, true, deadline) {
            Err(BuildFailure::Errors(errors)) if errors.contains("offline") => {
                self.cargo(dir, false, deadline)
            }
            output => output,
        };
        output?;
        let _ = std::fs::write(&built_once, "");
        Ok(self.target_dir().join("release").join(name))
    }

    /// Builds the harness library ahead of any grade, by building `exercise`'s starter as a
    /// submission (for a CI cache step: later grades compile only their submission).
    pub fn prepare(&self, exercise: &Exercise) -> Result<Built, Refusal> {
        let starter = Submission {
            display: format!("the {} starter", exercise.name),
            files: vec![(PathBuf::from("submission.rs"), exercise.starter.to_owned())],
            origin: Origin::File("submission.rs".to_owned()),
        };
        self.build(exercise, &starter)
    }

    /// The harness crate's `Cargo.toml`: one binary, one dependency, no build script.
    pub(super) fn manifest(&self, name: &str) -> String {
        let interleave = interleave_dependency(&self.source);
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\
             build = false\nautobins = false\nautoexamples = false\nautotests = false\nautobenches = false\n\n\
             [[bin]]\nname = \"{name}\"\npath = \"src/main.rs\"\n\n\
             [dependencies]\n{interleave}\n\n\
             [profile.release]\ndebug = false\nincremental = false\n\n\
             [lints.rust]\nunexpected_cfgs = {{ level = \"allow\" }}\n\n\
             [workspace]\n"
        )
    }

    /// Runs cargo on the harness crate until `deadline`; the compiler's errors on failure.
    fn cargo(&self, dir: &Path, offline: bool, deadline: Instant) -> Result<(), BuildFailure> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .current_dir(dir)
            .args(["build", "--release", "--quiet", "--message-format=short"])
            .arg("--target-dir")
            .arg(self.target_dir());
        for key in outside_build_settings(std::env::vars_os().map(|(key, _)| key)) {
            command.env_remove(key);
        }
        if offline {
            command.arg("--offline");
        }
        if self.loom {
            command.env("RUSTFLAGS", "--cfg loom");
        } else {
            command.env_remove("RUSTFLAGS");
        }
        run_build(&mut command, deadline)
    }
}

/// The variables of the gate's environment that would change how the harness library builds
/// (and so its fingerprints: set for one grade, they rebuild the shared library for it and again
/// for the next): cargo's build settings and the compiler's (`CARGO_*` but the home, network and
/// registry settings; `RUSTFLAGS`, `RUSTC_BOOTSTRAP` — tracked by a dependency's build script —,
/// wrappers). The harness sets its own `RUSTFLAGS` for loom.
pub fn outside_build_settings(
    keys: impl Iterator<Item = std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    const KEPT_PREFIXES: &[&str] = &[
        "CARGO_HOME",
        "CARGO_NET_",
        "CARGO_HTTP_",
        "CARGO_REGISTRIES_",
        "CARGO_REGISTRY_",
        "CARGO_SOURCE_",
    ];
    const COMPILER: &[&str] = &[
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTC",
        "RUSTDOC",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_BOOTSTRAP",
    ];
    keys.filter(|key| {
        let key = key.to_string_lossy();
        let cargo = key == "CARGO"
            || (key.starts_with("CARGO_") && !KEPT_PREFIXES.iter().any(|p| key.starts_with(p)));
        cargo || COMPILER.contains(&key.as_ref())
    })
    .collect()
}

/// Why a build failed.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum BuildFailure {
    /// What the compiler (or cargo) said.
    Errors(String),
    /// It ran past its deadline and was killed.
    TimedOut,
}

/// The build's group leader: runs the command in the background and, on SIGTERM (sent when the
/// grader dies, see [`limits::build_dies_with_parent`]), kills its whole process group.
const BUILD_LEADER: &str = "trap 'kill -KILL 0' TERM; \"$@\" & wait $!";

/// Runs a build command in a process group of its own, killed whole at `deadline`, at a stop
/// signal, or when the grader dies; its standard error is what a failure says.
pub(super) fn run_build(command: &mut Command, deadline: Instant) -> Result<(), BuildFailure> {
    use std::os::unix::process::CommandExt;
    let mut leader = Command::new("/bin/sh");
    leader
        .args(["-c", BUILD_LEADER, "sh"])
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => leader.env(key, value),
            None => leader.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        leader.current_dir(dir);
    }
    // SAFETY: getpid cannot fail and touches no memory.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the hook makes only async-signal-safe calls (getrlimit, setrlimit, prctl, getppid).
    unsafe {
        leader.pre_exec(move || {
            limits::apply_build_limits()?;
            limits::build_dies_with_parent(parent)
        });
    }
    let mut child = leader
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| BuildFailure::Errors(format!("cannot run cargo: {e}")))?;
    let errors = child.stderr.take();
    let reader = std::thread::spawn(move || read_capped(errors, MAX_COMPILER_OUTPUT));
    let status = wait_within(&mut child, deadline);
    let errors = reader.join().unwrap_or_default();
    match status {
        Some(status) if status.success() => Ok(()),
        Some(_) => Err(BuildFailure::Errors(errors)),
        None => Err(BuildFailure::TimedOut),
    }
}

/// What every harness's `main.rs` starts with: the crate's rules and the gate's allocator.
pub(super) fn main_rs_head() -> &'static str {
    "#![forbid(unsafe_code)]\n\
     #![forbid(long_running_const_eval)]\n\
     #![forbid(function_casts_as_integer)]\n\n\
     #[global_allocator]\n\
     static ALLOCATOR: interleave::gate::limits::GateAllocator = \
     interleave::gate::limits::GateAllocator;\n"
}

/// The harness's `main.rs`: the student's files as a module, plugged into the exercise.
fn main_rs(exercise: &Exercise, root: &Path) -> String {
    let module = exercise.module;
    format!(
        "// Written by the interleave gate; the submission is `src/{root}`.\n\
         {head}\n\
         #[path = \"{root}\"]\n\
         mod submission;\n\n\
         struct Plugged;\n\n\
         impl interleave::gate::exercises::{module}::Plug for Plugged {{\n    \
             type Submission<R: interleave::runtime::Runtime> = submission::Submission<R>;\n\
         }}\n\n\
         fn main() {{\n    \
             interleave::gate::child::main(\n        \
                 {name:?},\n        \
                 interleave::gate::exercises::{module}::properties::<Plugged>(),\n    \
             )\n\
         }}\n",
        head = main_rs_head(),
        root = root.display(),
        name = exercise.name,
    )
}

/// A failed build: the student's (rejected, with the first error's line) when the compiler
/// points into the submission or the harness's plug; the grader's (error) otherwise.
fn compile_refusal(errors: &str, submission: &Submission, exercise: &Exercise) -> Refusal {
    let mut location = None;
    let mut lines = Vec::new();
    let mut theirs = false;
    for line in errors.lines() {
        let mut line = line.to_owned();
        if let Some((path, rest)) = line.split_once(':')
            && let Some(original) = submission.original_path(path)
        {
            theirs = true;
            // The first error's line: a warning before it (an unused import) is not where the
            // submission failed.
            if location.is_none()
                && rest.contains("error")
                && let Some(number) = rest.split(':').next().and_then(|n| n.parse().ok())
            {
                location = Some(Location {
                    file: original.clone(),
                    line: number,
                });
            }
            line = format!("{original}:{rest}");
        } else if let Some(rest) = line.strip_prefix("src/main.rs:") {
            theirs = true;
            // The plug is the gate's file, not the student's: named, not given a path.
            let said = rest.split_once(": ").map_or(rest, |(_, said)| said);
            line = format!(
                "in the gate's plug: {said} (the submission must declare \
                 `pub type Submission<R> = YourType<R>;` implementing the `{}` exercise's trait)",
                exercise.name
            );
        }
        if line.contains("error") || line.starts_with(' ') {
            lines.push(line);
        }
    }
    // The compiler failed on the submission's own crate without pointing into it (it crashed,
    // or ran out of a limit): still the submission's doing, not the grader's.
    if !theirs && errors.contains(&format!("could not compile `gate-{}-", exercise.name)) {
        theirs = true;
        let out_of_memory = errors.contains("memory allocation of").then(|| {
            format!(
                "the compiler ran out of the build's memory limit ({} GiB) on the submission",
                limits::BUILD_MEMORY_LIMIT_BYTES >> 30
            )
        });
        lines = out_of_memory
            .into_iter()
            .chain(
                errors
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .take(20)
                    .map(str::to_owned),
            )
            .collect();
    }
    let message = cut_text(&lines.join("\n"));
    if theirs {
        Refusal {
            status: Status::Rejected,
            message: format!("did not compile:\n{message}"),
            location,
        }
    } else {
        Refusal::error(format!(
            "the harness failed to build (not the submission's fault):\n{}",
            cut_text(errors)
        ))
    }
}

fn cut_text(text: &str) -> String {
    cut_at(text, MAX_TEXT)
}
