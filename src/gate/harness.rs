//! The harness crate a submission is compiled in, and the supervised child process that runs it.
//!
//! Each submission gets a crate of its own under the gate's work directory
//! (`INTERLEAVE_GATE_DIR`, by default `target/interleave-gate` under the current directory):
//! its `Cargo.toml` (written by the gate: a path dependency on this project and nothing else),
//! this project's `Cargo.lock`, a `main.rs` that plugs the student's type into the exercise, and
//! the student's `.rs` files as `src/submission…`. The student's own `Cargo.toml`, dependencies,
//! build scripts and proc macros are never used. All harness crates share one target directory,
//! so the library is compiled once and a second submission compiles only its own code. The build
//! runs in a process group of its own, killed whole at [`BUILD_LIMIT`].
//!
//! The child runs under [`limits`] (memory, CPU time, tasks, files), in a process
//! group of its own that is killed whole when it ends or at the wall-clock limit, and with an
//! environment holding nothing but a fresh random key: the supervisor believes only lines that
//! start with it, in the order the properties were asked for.

use super::Exercise;
use super::child::{KEY_VARIABLE, Message};
use super::limits::{self, BUILD_LIMIT, Limits, MALLOC_ARENAS, MEMORY_LIMIT_BYTES};
use super::report::{Location, PropertyResult, Status};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The largest submission read: every `.rs` file together.
pub const MAX_SUBMISSION_BYTES: u64 = 512 * 1024;
/// The most `.rs` files a `src/` folder submission may have.
pub const MAX_SUBMISSION_FILES: usize = 64;
/// What is kept of the compiler's errors, and of what a submission printed.
const MAX_TEXT: usize = 8 * 1024;
/// A child's results are small; more than this is not a result.
const MAX_RESULTS_BYTES: u64 = 16 * 1024 * 1024;
/// What is kept of the compiler's output (its errors are cut to [`MAX_TEXT`] after filtering).
const MAX_COMPILER_OUTPUT: u64 = 1024 * 1024;
/// How long the gate waits, after its child's group is gone, for the child's pipes to close.
const PIPE_GRACE: Duration = Duration::from_secs(2);
/// What is shown of a line that is not a result.
const MAX_EXCERPT: usize = 200;

/// A submission as read from disk: its files (relative to its root), and how to name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// The path as it was given.
    pub display: String,
    /// A single file: `submission.rs`; a folder: `submission/lib.rs` and its siblings.
    pub files: Vec<(PathBuf, String)>,
    /// Where a harness path like `src/submission/foo.rs` is in the student's tree.
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    File(String),
    /// The student's `src/` folder, as given (ending in `/`).
    Folder(String),
}

/// Why a submission cannot be graded: refused (status rejected) or the grader failed (error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: Status,
    pub message: String,
    pub location: Option<Location>,
}

impl Refusal {
    fn rejected(message: impl Into<String>) -> Refusal {
        Refusal {
            status: Status::Rejected,
            message: message.into(),
            location: None,
        }
    }

    fn error(message: impl Into<String>) -> Refusal {
        Refusal {
            status: Status::Error,
            message: message.into(),
            location: None,
        }
    }
}

impl Submission {
    /// Reads a submission: one `.rs` file, or a folder with `src/lib.rs` (its `src/` is used),
    /// or a folder with `lib.rs`.
    pub fn read(path: &str) -> Result<Submission, Refusal> {
        let given = Path::new(path);
        let meta = std::fs::symlink_metadata(given)
            .map_err(|e| Refusal::rejected(format!("cannot read {path}: {e}")))?;
        if meta.file_type().is_symlink() {
            return Err(Refusal::rejected(format!(
                "{path} is a symbolic link; give the file itself"
            )));
        }
        if meta.is_file() {
            if given.extension().is_none_or(|e| e != "rs") {
                return Err(Refusal::rejected(format!(
                    "{path} is not a .rs file (give the Rust file, or a folder with src/lib.rs)"
                )));
            }
            let text = read_limited(given, MAX_SUBMISSION_BYTES)?;
            return Ok(Submission {
                display: path.to_owned(),
                files: vec![(PathBuf::from("submission.rs"), text)],
                origin: Origin::File(path.to_owned()),
            });
        }
        let root = if given.join("src/lib.rs").is_file() {
            given.join("src")
        } else if given.join("lib.rs").is_file() {
            given.to_path_buf()
        } else {
            return Err(Refusal::rejected(format!(
                "{path} is a folder with neither src/lib.rs nor lib.rs"
            )));
        };
        let mut files = Vec::new();
        let mut total = 0;
        collect_rs(&root, &root, &mut files, &mut total)?;
        files.sort();
        let mut origin = root.display().to_string();
        if !origin.ends_with('/') {
            origin.push('/');
        }
        Ok(Submission {
            display: path.to_owned(),
            files: files
                .into_iter()
                .map(|(relative, text)| (Path::new("submission").join(relative), text))
                .collect(),
            origin: Origin::Folder(origin),
        })
    }

    /// A stable digest of the submission's files, naming its harness crate.
    pub fn digest(&self, exercise: &str) -> String {
        let mut hash = crate::util::Fnv1a::new();
        // Each part ends with a byte UTF-8 never holds, so no two lists of parts hash alike.
        let mut eat = |bytes: &[u8]| {
            hash.eat(bytes).eat(&[0xff]);
        };
        eat(exercise.as_bytes());
        eat(env!("CARGO_PKG_VERSION").as_bytes());
        for (path, text) in &self.files {
            eat(path.to_string_lossy().as_bytes());
            eat(text.as_bytes());
        }
        format!("{:016x}", hash.finish())
    }

    /// The student's name for a harness path (`src/submission.rs` → the file as given).
    pub fn original_path(&self, harness_path: &str) -> Option<String> {
        match &self.origin {
            Origin::File(path) => (harness_path == "src/submission.rs").then(|| path.clone()),
            Origin::Folder(root) => harness_path
                .strip_prefix("src/submission/")
                .map(|rest| format!("{root}{rest}")),
        }
    }
}

fn read_limited(path: &Path, limit: u64) -> Result<String, Refusal> {
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| Refusal::rejected(format!("cannot read {shown}: {e}")))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Refusal::rejected(format!("cannot read {shown}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(Refusal::rejected(format!(
            "{shown} is over the submission limit of {} KiB",
            limit / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| Refusal::rejected(format!("{shown} is not UTF-8 text")))
}

fn collect_rs(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(PathBuf, String)>,
    total: &mut u64,
) -> Result<(), Refusal> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Refusal::rejected(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| Refusal::rejected(format!("cannot read {}: {e}", dir.display())))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| Refusal::rejected(format!("cannot read {}: {e}", path.display())))?;
        if kind.is_symlink() {
            return Err(Refusal::rejected(format!(
                "{} is a symbolic link; a submission is plain files",
                path.display()
            )));
        }
        if kind.is_dir() {
            collect_rs(root, &path, files, total)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            if files.len() >= MAX_SUBMISSION_FILES {
                return Err(Refusal::rejected(format!(
                    "more than {MAX_SUBMISSION_FILES} .rs files under {}",
                    root.display()
                )));
            }
            let text = read_limited(&path, MAX_SUBMISSION_BYTES - *total)?;
            *total += text.len() as u64;
            let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            files.push((relative, text));
        }
    }
    Ok(())
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
    /// (default: `target/interleave-gate` in the current directory).
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
            _ => PathBuf::from("target/interleave-gate"),
        };
        let work = std::path::absolute(&work)
            .map_err(|e| format!("bad gate directory {}: {e}", work.display()))?;
        Ok(Harness { source, work, loom })
    }

    fn target_dir(&self) -> PathBuf {
        self.work
            .join(if self.loom { "target-loom" } else { "target" })
    }

    /// Writes the submission's harness crate (files already there and unchanged are left as they
    /// are, so cargo finds them fresh) and compiles it; returns the binary.
    pub fn build(&self, exercise: &Exercise, submission: &Submission) -> Result<PathBuf, Refusal> {
        let name = format!(
            "gate-{}-{}",
            exercise.name,
            submission.digest(exercise.name)
        );
        let dir = self.work.join("crates").join(&name);
        let write = |relative: &Path, text: &str| -> Result<(), Refusal> {
            let path = dir.join(relative);
            if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
                return Ok(());
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    Refusal::error(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
            std::fs::write(&path, text)
                .map_err(|e| Refusal::error(format!("cannot write {}: {e}", path.display())))
        };
        write(Path::new("Cargo.toml"), &self.manifest(&name))?;
        if let Ok(lock) = std::fs::read_to_string(self.source.join("Cargo.lock")) {
            write(Path::new("Cargo.lock"), &lock)?;
        }
        let root = &submission.files[0].0;
        write(Path::new("src/main.rs"), &main_rs(exercise, root))?;
        for (path, text) in &submission.files {
            write(&Path::new("src").join(path), text)?;
        }
        let deadline = Instant::now() + BUILD_LIMIT;
        let output = match self.cargo(&dir, true, deadline) {
            Err(BuildFailure::Errors(errors)) if errors.contains("offline") => {
                self.cargo(&dir, false, deadline)
            }
            output => output,
        };
        match output {
            Ok(()) => Ok(self.target_dir().join("release").join(&name)),
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

    fn manifest(&self, name: &str) -> String {
        let source = self.source.display().to_string();
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\
             build = false\nautobins = false\nautoexamples = false\nautotests = false\nautobenches = false\n\n\
             [[bin]]\nname = \"{name}\"\npath = \"src/main.rs\"\n\n\
             [dependencies]\ninterleave = {{ path = {source:?} }}\n\n\
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
            .arg(self.target_dir())
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .env_remove("RUSTC_WRAPPER")
            .env_remove("CARGO_ENCODED_RUSTFLAGS");
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

/// Why a build failed.
#[derive(Debug, PartialEq, Eq)]
enum BuildFailure {
    /// What the compiler (or cargo) said.
    Errors(String),
    /// It ran past its deadline and was killed.
    TimedOut,
}

/// Runs a build command in a process group of its own, killed whole at `deadline`; its standard
/// error is what a failure says.
fn run_build(command: &mut Command, deadline: Instant) -> Result<(), BuildFailure> {
    use std::os::unix::process::CommandExt;
    // SAFETY: the hook makes only async-signal-safe calls (getrlimit, setrlimit).
    unsafe {
        command.pre_exec(limits::apply_build_limits);
    }
    let mut child = command
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

/// The first `limit` bytes of `source`, as text; the rest is read and dropped, so that the
/// writer never blocks on a full pipe.
fn read_capped(source: Option<impl Read>, limit: u64) -> String {
    let mut kept = Vec::new();
    if let Some(mut source) = source {
        let _ = (&mut source).take(limit).read_to_end(&mut kept);
        let _ = std::io::copy(&mut source, &mut std::io::sink());
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// The harness's `main.rs`: the student's files as a module, plugged into the exercise.
fn main_rs(exercise: &Exercise, root: &Path) -> String {
    let module = exercise.module;
    format!(
        "// Written by the interleave gate; the submission is `src/{root}`.\n\
         #![forbid(unsafe_code)]\n\
         #![forbid(long_running_const_eval)]\n\n\
         #[global_allocator]\n\
         static ALLOCATOR: interleave::gate::limits::GateAllocator = \
         interleave::gate::limits::GateAllocator;\n\n\
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
            if location.is_none()
                && let Some(number) = rest.split(':').next().and_then(|n| n.parse().ok())
            {
                location = Some(Location {
                    file: original.clone(),
                    line: number,
                });
            }
            line = format!("{original}:{rest}");
        } else if line.starts_with("src/main.rs:") {
            theirs = true;
            line = format!(
                "{line} (the gate's plug: the submission must declare \
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

fn cut_at(text: &str, limit: usize) -> String {
    let mut text = text.trim().to_owned();
    if text.len() > limit {
        let mut cut = limit;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n…");
    }
    text
}

/// What a supervised child did.
#[derive(Debug)]
pub struct Run {
    /// Every message it sent with the key, in order, that parsed.
    pub messages: Vec<Message>,
    /// Why its results cannot be believed: a line on the results channel without the key (not
    /// written by the harness), or a keyed line that is not a message.
    pub garbled: Option<String>,
    /// What the submission printed (cut).
    pub output: String,
    /// How it ended; `None` when the wall-clock limit killed it.
    pub status: Option<ExitStatus>,
    pub elapsed: Duration,
    /// The limits it ran under.
    pub limits: Limits,
}

/// Runs `binary` as a submission's child: under [`Limits`], with an environment of its own (the
/// results channel's key and nothing else of the gate's), in a process group killed whole when
/// it ends or at `limit`.
pub(crate) fn run_child(binary: &Path, words: &[String], limit: Duration) -> Run {
    use std::os::unix::process::CommandExt;
    let started = Instant::now();
    let limits = Limits::for_child(limit);
    let not_started = |why: String| Run {
        messages: Vec::new(),
        garbled: Some(why),
        output: String::new(),
        status: None,
        elapsed: started.elapsed(),
        limits,
    };
    let key = match new_key() {
        Ok(key) => key,
        Err(e) => return not_started(format!("cannot make a key for the results channel: {e}")),
    };
    let mut command = Command::new(binary);
    command
        .args(words)
        .env_clear()
        .env("RUST_BACKTRACE", "0")
        .env("MALLOC_ARENA_MAX", MALLOC_ARENAS)
        .env(KEY_VARIABLE, &key)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: the hook runs between fork and exec and makes only async-signal-safe calls
    // (getrlimit, setrlimit, prctl, getppid), allocating nothing.
    unsafe {
        command.pre_exec(move || limits.apply());
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return not_started(format!("cannot start the harness: {e}")),
    };
    let (results, output) = (child.stdout.take(), child.stderr.take());
    let (lines_sent, lines) = mpsc::channel();
    let (ended, reader_ended) = mpsc::channel();
    std::thread::spawn(move || {
        if let Some(results) = results {
            let mut reader = BufReader::new(results.take(MAX_RESULTS_BYTES));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                if lines_sent.send(std::mem::take(&mut line)).is_err() {
                    break;
                }
            }
        }
        let _ = ended.send(());
    });
    let (printed, printer) = mpsc::channel();
    std::thread::spawn(move || printed.send(read_capped(output, MAX_TEXT as u64)));
    let status = wait_within(&mut child, started + limit);
    // The pipes close when the child's group is gone; something that left the group (and so
    // escaped the kill) could hold them open: it is given a moment, never the gate's time.
    let _ = reader_ended.recv_timeout(PIPE_GRACE);
    let mut messages = Vec::new();
    let (mut forged, mut unreadable) = (None, None);
    for line in lines.try_iter() {
        let line = line.strip_suffix('\n').unwrap_or(&line);
        let Some(json) = line
            .strip_prefix(key.as_str())
            .and_then(|rest| rest.strip_prefix(' '))
        else {
            forged.get_or_insert_with(|| {
                format!(
                    "a line without the gate's key reached the results channel, so something \
                     other than the harness wrote to it; none of the results are believed: {}",
                    cut_at(line, MAX_EXCERPT)
                )
            });
            continue;
        };
        match serde_json::from_str::<Message>(json) {
            Ok(message) => messages.push(message),
            Err(_) => {
                unreadable.get_or_insert_with(|| {
                    format!(
                        "the harness sent something that is not a result: {}",
                        cut_at(json, MAX_EXCERPT)
                    )
                });
            }
        }
    }
    Run {
        messages,
        garbled: forged.or(unreadable),
        output: printer.recv_timeout(PIPE_GRACE).unwrap_or_default(),
        status,
        elapsed: started.elapsed(),
        limits,
    }
}

/// 16 random bytes, in hex: the key a child's every result line must start with.
fn new_key() -> std::io::Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Waits for the child until `deadline` or a stop signal (see [`crate::signals`]); then kills
/// its whole process group. Always reaps, and always kills what is left of the group (what the
/// child forked).
fn wait_within(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                kill_group(child);
                return Some(status);
            }
            Ok(None) if Instant::now() < deadline && crate::signals::received().is_none() => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                kill_group(child);
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// Kills everything left in the child's process group (what it forked, too).
fn kill_group(child: &Child) {
    if let Ok(group) = i32::try_from(child.id()) {
        // SAFETY: a signal to the process group the gate created for this child.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}

/// The submission's property results from a run: what the child reported, and for what it did
/// not (it was killed, crashed or exited early) a timeout or a failure pinned on the property it
/// was checking, never a pass. Results count only as the child was asked for them: each
/// expected (property, backend), in order, announced by its start, then the end; anything else
/// means the results were tampered with, and the whole run is an error.
pub fn results_of(
    run: &Run,
    expected: &[(String, String, String)],
) -> Result<Vec<PropertyResult>, String> {
    if let Some(garbled) = &run.garbled {
        return Err(garbled.clone());
    }
    if let Some(message) = run.messages.iter().find_map(|m| match m {
        Message::Refused { message } => Some(message.clone()),
        _ => None,
    }) {
        return Err(format!("the harness refused its arguments: {message}"));
    }
    let mut results: Vec<PropertyResult> = Vec::new();
    // Whether the next expected property was started and has no result yet.
    let mut open = false;
    let mut done = false;
    let mut out_of_memory = None;
    let mut stuck = None;
    for message in &run.messages {
        let is_next = |property: &str, backend: &str| {
            expected
                .get(results.len())
                .is_some_and(|(p, _, b)| p == property && b == backend)
        };
        let in_order = match message {
            Message::OutOfMemory { bytes } => {
                out_of_memory = Some(*bytes);
                true
            }
            _ if done => false,
            Message::Start { property, backend } if !open && is_next(property, backend) => {
                open = true;
                true
            }
            Message::Result { result } if open && is_next(&result.property, &result.backend) => {
                results.push((**result).clone());
                open = false;
                true
            }
            Message::Stuck {
                property,
                backend,
                seconds,
            } if open && is_next(property, backend) => {
                stuck = Some(*seconds);
                true
            }
            Message::Done if !open && results.len() == expected.len() => {
                done = true;
                true
            }
            _ => false,
        };
        if !in_order {
            return Err(format!(
                "the harness's results came out of order (after {} of {} results, {}); none \
                 of them are believed",
                results.len(),
                expected.len(),
                what_came(message)
            ));
        }
    }
    if done {
        return Ok(results);
    }
    let (status, finding, ending) = if let Some(seconds) = stuck {
        (
            Status::Timeout,
            "timeout",
            format!(
                "one execution ran over {seconds} s without finishing: a loop with no \
                 scheduling point (no lock, atomic or other facade operation in it)?"
            ),
        )
    } else {
        match run.status {
            None => (
                Status::Timeout,
                "timeout",
                format!(
                    "the submission was stopped by the gate after {:.0} s of wall-clock time",
                    run.elapsed.as_secs_f64()
                ),
            ),
            Some(status) => ending_of(status, out_of_memory, &run.limits),
        }
    };
    let reported = results.len();
    for (index, (property, statement, backend)) in expected.iter().enumerate().skip(reported) {
        let message = if index == reported {
            ending.clone()
        } else {
            let (first, _, on) = &expected[reported];
            format!("not checked: the submission's process ended while {first} ({on}) was checked")
        };
        results.push(PropertyResult {
            property: property.clone(),
            statement: statement.clone(),
            backend: backend.clone(),
            status,
            finding: Some(finding.to_owned()),
            message: Some(message),
            coverage: None,
            counterexample: None,
            elapsed_ms: 0,
        });
    }
    Ok(results)
}

/// A message out of its place, in words.
fn what_came(message: &Message) -> String {
    match message {
        Message::Start { property, backend } => format!("a start of {property} ({backend})"),
        Message::Result { result } => {
            format!("a result for {} ({})", result.property, result.backend)
        }
        Message::Stuck {
            property, backend, ..
        } => format!("a stuck report for {property} ({backend})"),
        Message::Done => "the end".to_owned(),
        Message::Replay { .. } => "a replay".to_owned(),
        Message::Refused { .. } | Message::OutOfMemory { .. } => "a note".to_owned(),
    }
}

/// How a child that ended before reporting everything ended: its status, finding and message.
fn ending_of(
    status: ExitStatus,
    out_of_memory: Option<u64>,
    limits: &Limits,
) -> (Status, &'static str, String) {
    use std::os::unix::process::ExitStatusExt;
    let crashed = |how: String| {
        (
            Status::Fail,
            "crash",
            format!("the submission's process {how} before reporting"),
        )
    };
    if let Some(bytes) = out_of_memory {
        return crashed(format!(
            "was stopped by the memory limit ({} MiB): an allocation of {bytes} bytes failed",
            MEMORY_LIMIT_BYTES >> 20
        ));
    }
    match (status.code(), status.signal()) {
        (Some(code), _) => crashed(format!("exited (code {code})")),
        (_, Some(libc::SIGXCPU)) => (
            Status::Timeout,
            "timeout",
            format!(
                "the submission's process {} before reporting",
                limits::signal_ending(libc::SIGXCPU, limits)
            ),
        ),
        (_, Some(signal)) => crashed(limits::signal_ending(signal, limits)),
        _ => crashed("ended".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    const SECOND: Duration = Duration::from_secs(1);

    /// A fake child: `script` run by `/bin/sh` as the gate runs a harness.
    fn sh(script: &str, limit: Duration) -> Run {
        run_child(
            Path::new("/bin/sh"),
            &["-c".to_owned(), script.to_owned()],
            limit,
        )
    }

    fn expected() -> Vec<(String, String, String)> {
        ["first", "second"]
            .iter()
            .map(|p| (p.to_string(), format!("{p} holds"), "shuttle".to_owned()))
            .collect()
    }

    fn passed(property: &str) -> PropertyResult {
        PropertyResult {
            property: property.to_owned(),
            statement: format!("{property} holds"),
            backend: "shuttle".to_owned(),
            status: Status::Pass,
            finding: None,
            message: None,
            coverage: None,
            counterexample: None,
            elapsed_ms: 1,
        }
    }

    fn start(property: &str) -> Message {
        Message::Start {
            property: property.to_owned(),
            backend: "shuttle".to_owned(),
        }
    }

    fn result(property: &str) -> Message {
        Message::Result {
            result: Box::new(passed(property)),
        }
    }

    /// A run that sent `messages` and ended with the raw wait status `status`.
    fn ended(messages: Vec<Message>, status: Option<i32>) -> Run {
        Run {
            messages,
            garbled: None,
            output: String::new(),
            status: status.map(ExitStatus::from_raw),
            elapsed: SECOND,
            limits: Limits {
                cpu_seconds: (12, 17),
                tasks: None,
                parent: 0,
            },
        }
    }

    /// A shell line that sends `message` with the key.
    fn keyed(message: &Message) -> String {
        let json = serde_json::to_string(message).unwrap();
        format!("echo \"$INTERLEAVE_GATE_KEY\" '{json}'")
    }

    fn honest_script() -> String {
        [
            start("first"),
            result("first"),
            start("second"),
            result("second"),
            Message::Done,
        ]
        .iter()
        .map(keyed)
        .collect::<Vec<_>>()
        .join("; ")
    }

    /// Each unreported property's (status, finding, message).
    fn verdicts(results: &[PropertyResult]) -> Vec<(Status, Option<&str>, Option<&str>)> {
        results
            .iter()
            .map(|r| (r.status, r.finding.as_deref(), r.message.as_deref()))
            .collect()
    }

    #[test]
    fn a_keyed_run_in_order_is_believed() {
        let run = sh(&honest_script(), 10 * SECOND);
        assert_eq!(run.garbled, None);
        assert_eq!(
            results_of(&run, &expected()),
            Ok(vec![passed("first"), passed("second")])
        );
    }

    #[test]
    fn a_line_without_the_key_makes_the_run_an_error_never_a_pass() {
        let forged = sh(r#"echo '{"kind":"done"}'"#, 10 * SECOND);
        let error = results_of(&forged, &[]).unwrap_err();
        assert!(
            error.starts_with("a line without the gate's key reached the results channel")
                && error.ends_with(r#": {"kind":"done"}"#),
            "{error}"
        );
        let mixed = sh(
            &format!("{}; echo '{}'", honest_script(), r#"{"kind":"done"}"#),
            10 * SECOND,
        );
        assert!(results_of(&mixed, &expected()).is_err());
        let wrong_key = sh(
            &keyed(&Message::Done).replace("$INTERLEAVE_GATE_KEY", "0123456789abcdef"),
            10 * SECOND,
        );
        assert!(results_of(&wrong_key, &[]).is_err());
    }

    #[test]
    fn a_child_that_exits_after_a_start_crashed_on_that_property() {
        let run = sh(&keyed(&start("first")), 10 * SECOND);
        let results = results_of(&run, &expected()).unwrap();
        assert_eq!(
            verdicts(&results),
            [
                (
                    Status::Fail,
                    Some("crash"),
                    Some("the submission's process exited (code 0) before reporting")
                ),
                (
                    Status::Fail,
                    Some("crash"),
                    Some(
                        "not checked: the submission's process ended while first (shuttle) \
                         was checked"
                    )
                ),
            ]
        );
    }

    #[test]
    fn a_child_that_sleeps_forever_is_stopped_at_the_wall_clock_limit() {
        let run = sh(&format!("{}; sleep 1000", keyed(&start("first"))), SECOND);
        assert_eq!(run.status, None);
        let results = results_of(&run, &expected()).unwrap();
        assert_eq!(
            verdicts(&results)[0],
            (
                Status::Timeout,
                Some("timeout"),
                Some("the submission was stopped by the gate after 1 s of wall-clock time")
            )
        );
    }

    #[test]
    fn nothing_the_child_started_outlives_it() {
        let run = sh("sleep 1000 & echo $! >&2; exit 0", 10 * SECOND);
        let grandchild: u32 = run.output.trim().parse().expect("the grandchild's pid");
        assert!(has_ended(grandchild), "sleep {grandchild} is still running");
    }

    #[test]
    fn a_process_that_escapes_the_group_with_the_pipes_open_does_not_hang_the_gate() {
        let started = Instant::now();
        // `setsid` leaves the process group (so the kill misses it) and keeps stdout and stderr.
        let run = sh("setsid sleep 987 & exit 0", 10 * SECOND);
        assert!(
            started.elapsed() < 2 * PIPE_GRACE + SECOND,
            "{:?}",
            started.elapsed()
        );
        assert_eq!(run.status.and_then(|s| s.code()), Some(0));
        // Clean up what escaped (its pipes still reach this test's process); its own duration
        // names it, so no other test's `sleep` is touched.
        let _ = Command::new("pkill").args(["-f", "^sleep 987$"]).status();
    }

    #[test]
    fn the_child_runs_under_the_documented_limits_with_only_the_key() {
        let limit = 5 * SECOND;
        let run = sh(
            "for flag in -v -f -n -c -t -Ht -p; do ulimit $flag >&2; done; \
             env | grep -v '^PWD=' | sort | cut -d= -f1 >&2",
            limit,
        );
        let tasks = run
            .limits
            .tasks
            .map_or("unlimited".to_owned(), |t| t.to_string());
        assert_eq!(
            run.output,
            format!(
                "{}\n0\n{}\n0\n20\n25\n{tasks}\nINTERLEAVE_GATE_KEY\nMALLOC_ARENA_MAX\nRUST_BACKTRACE\n",
                MEMORY_LIMIT_BYTES / 1024,
                limits::OPEN_FILES
            )
        );
    }

    #[test]
    fn a_child_that_writes_a_file_is_stopped_by_the_file_size_limit() {
        let file = std::env::temp_dir().join(format!("interleave-fsize-{}", std::process::id()));
        let run = run_child(
            Path::new("/bin/sh"),
            &[
                "-c".to_owned(),
                format!("{}; echo x > \"$0\"", keyed(&start("first"))),
                file.display().to_string(),
            ],
            10 * SECOND,
        );
        let size = std::fs::metadata(&file).map(|m| m.len());
        let _ = std::fs::remove_file(&file);
        assert_eq!(size.ok(), Some(0), "the open succeeds, the write does not");
        let results = results_of(&run, &expected()).unwrap();
        assert_eq!(
            verdicts(&results)[0],
            (
                Status::Fail,
                Some("crash"),
                Some(
                    "the submission's process was stopped by the file-size limit (SIGXFSZ: it \
                     wrote to a file, and a submission may write none) before reporting"
                )
            )
        );
    }

    #[test]
    fn results_out_of_order_are_not_believed() {
        let cases = [
            (vec![result("first")], "a result for first (shuttle)"),
            (vec![start("second")], "a start of second (shuttle)"),
            (
                vec![start("first"), start("first")],
                "a start of first (shuttle)",
            ),
            (
                vec![start("first"), result("first"), Message::Done],
                "the end",
            ),
            (
                vec![start("first"), result("second")],
                "a result for second (shuttle)",
            ),
            (
                vec![
                    start("first"),
                    result("first"),
                    start("second"),
                    result("second"),
                    Message::Done,
                    start("first"),
                ],
                "a start of first (shuttle)",
            ),
        ];
        for (messages, came) in cases {
            let error = results_of(&ended(messages, Some(0)), &expected()).unwrap_err();
            assert!(
                error.starts_with("the harness's results came out of order")
                    && error.contains(came),
                "{error}"
            );
        }
    }

    #[test]
    fn each_ending_is_told_in_words() {
        let on_first = |messages: Vec<Message>, status| {
            let results = results_of(&ended(messages, status), &expected()).unwrap();
            let first = &results[0];
            (
                first.status,
                first.finding.clone().unwrap(),
                first.message.clone().unwrap(),
            )
        };
        let stuck = Message::Stuck {
            property: "first".to_owned(),
            backend: "shuttle".to_owned(),
            seconds: 20,
        };
        assert_eq!(
            on_first(vec![start("first"), stuck], Some(3 << 8)),
            (
                Status::Timeout,
                "timeout".to_owned(),
                "one execution ran over 20 s without finishing: a loop with no scheduling point \
                 (no lock, atomic or other facade operation in it)?"
                    .to_owned()
            )
        );
        assert_eq!(
            on_first(
                vec![start("first"), Message::OutOfMemory { bytes: 1 << 30 }],
                Some(libc::SIGABRT)
            ),
            (
                Status::Fail,
                "crash".to_owned(),
                "the submission's process was stopped by the memory limit (512 MiB): an \
                 allocation of 1073741824 bytes failed before reporting"
                    .to_owned()
            )
        );
        assert_eq!(
            on_first(vec![start("first")], Some(libc::SIGXCPU)),
            (
                Status::Timeout,
                "timeout".to_owned(),
                "the submission's process was stopped by the CPU-time limit (12 s of CPU time, \
                 SIGXCPU) before reporting"
                    .to_owned()
            )
        );
        for (signal, says) in [
            (libc::SIGSEGV, "crashed (SIGSEGV: a bad memory access"),
            (libc::SIGABRT, "aborted (SIGABRT: a stack overflow"),
            (
                libc::SIGKILL,
                "was killed (SIGKILL: the CPU-time limit's hard stop",
            ),
        ] {
            let (status, finding, message) = on_first(vec![start("first")], Some(signal));
            assert_eq!((status, finding.as_str()), (Status::Fail, "crash"));
            assert!(
                message.starts_with(&format!("the submission's process {says}")),
                "{message}"
            );
        }
        // A refused allocation the program survived (`try_reserve`) changes nothing.
        let survived = vec![
            start("first"),
            Message::OutOfMemory { bytes: 1 << 40 },
            result("first"),
            start("second"),
            result("second"),
            Message::Done,
        ];
        assert_eq!(
            results_of(&ended(survived, Some(0)), &expected()),
            Ok(vec![passed("first"), passed("second")])
        );
    }

    /// Whether process `pid` has ended (a zombie has: only its exit status is left).
    fn has_ended(pid: u32) -> bool {
        let ended = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
                stat.rsplit_once(") ")
                    .is_some_and(|(_, state)| state.starts_with('Z'))
            })
        };
        // SIGKILL was sent; the kernel takes a moment to finish the process.
        let deadline = Instant::now() + SECOND;
        while !ended() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        ended()
    }

    #[test]
    fn a_build_past_its_deadline_is_killed_with_its_group() {
        let pid_file =
            std::env::temp_dir().join(format!("interleave-build-{}", std::process::id()));
        let mut hangs = Command::new("/bin/sh");
        hangs.args(["-c", "sleep 1000 & echo $! > \"$0\"; sleep 1000"]);
        hangs.arg(&pid_file);
        let started = Instant::now();
        assert_eq!(
            run_build(&mut hangs, started + Duration::from_millis(300)),
            Err(BuildFailure::TimedOut)
        );
        assert!(started.elapsed() < 5 * SECOND);
        let grandchild = std::fs::read_to_string(&pid_file);
        let _ = std::fs::remove_file(&pid_file);
        let grandchild: u32 = grandchild.unwrap().trim().parse().unwrap();
        assert!(has_ended(grandchild), "sleep {grandchild} is still running");
        let mut fails = Command::new("/bin/sh");
        fails.args(["-c", "echo 'error: nope' >&2; exit 101"]);
        assert_eq!(
            run_build(&mut fails, Instant::now() + 10 * SECOND),
            Err(BuildFailure::Errors("error: nope\n".to_owned()))
        );
    }
}
