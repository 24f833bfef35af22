//! The harness crate a submission is compiled in, and the supervised child process that runs it.
//!
//! Each submission gets a crate of its own under the gate's work directory
//! (`INTERLEAVE_GATE_DIR`, by default `target/interleave-gate` under the current directory):
//! its `Cargo.toml` (written by the gate: a path dependency on this project and nothing else),
//! this project's `Cargo.lock`, a `main.rs` that plugs the student's type into the exercise, and
//! the student's `.rs` files as `src/submission…`. The student's own `Cargo.toml`, dependencies,
//! build scripts and proc macros are never used. All harness crates share one target directory,
//! so the library is compiled once and a second submission compiles only its own code.

use super::Exercise;
use super::child::Message;
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
        let output = self.cargo(&dir, true).or_else(|offline| {
            if offline.contains("offline") {
                self.cargo(&dir, false)
            } else {
                Err(offline)
            }
        });
        match output {
            Ok(()) => Ok(self.target_dir().join("release").join(&name)),
            Err(errors) => Err(compile_refusal(&errors, submission, exercise)),
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

    /// Runs cargo on the harness crate; the compiler's errors on failure.
    fn cargo(&self, dir: &Path, offline: bool) -> Result<(), String> {
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
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .stdin(Stdio::null());
        if offline {
            command.arg("--offline");
        }
        if self.loom {
            command.env("RUSTFLAGS", "--cfg loom");
        } else {
            command.env_remove("RUSTFLAGS");
        }
        let output = command
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }
}

/// The harness's `main.rs`: the student's files as a module, plugged into the exercise.
fn main_rs(exercise: &Exercise, root: &Path) -> String {
    let module = exercise.module;
    format!(
        "// Written by the interleave gate; the submission is `src/{root}`.\n\
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
    let mut text = text.trim().to_owned();
    if text.len() > MAX_TEXT {
        let mut cut = MAX_TEXT;
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
    /// Every message it sent, in order, that parsed.
    pub messages: Vec<Message>,
    /// A line on the results channel that was not a message.
    pub garbled: Option<String>,
    /// What the submission printed (cut).
    pub output: String,
    /// How it ended; `None` when the wall-clock limit killed it.
    pub status: Option<ExitStatus>,
    pub elapsed: Duration,
}

pub(crate) fn run_child(binary: &Path, words: &[String], limit: Duration) -> Run {
    use std::os::unix::process::CommandExt;
    let started = Instant::now();
    let spawned = Command::new(binary)
        .args(words)
        .env_clear()
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return Run {
                messages: Vec::new(),
                garbled: Some(format!("cannot start the harness: {e}")),
                output: String::new(),
                status: None,
                elapsed: started.elapsed(),
            };
        }
    };
    let (results, output) = (child.stdout.take(), child.stderr.take());
    let (lines_sent, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let Some(results) = results else { return };
        let mut reader = BufReader::new(results.take(MAX_RESULTS_BYTES));
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
            if lines_sent.send(std::mem::take(&mut line)).is_err() {
                return;
            }
        }
    });
    let printer = std::thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(mut output) = output {
            let _ = (&mut output).take(MAX_TEXT as u64).read_to_end(&mut kept);
            // Drain the rest, so the child never blocks on a full pipe.
            let _ = std::io::copy(&mut output, &mut std::io::sink());
        }
        String::from_utf8_lossy(&kept).into_owned()
    });
    let status = wait_within(&mut child, started + limit);
    let _ = reader.join();
    let mut messages = Vec::new();
    let mut garbled = None;
    for line in lines.try_iter() {
        match serde_json::from_str::<Message>(line.trim_end()) {
            Ok(message) => messages.push(message),
            Err(_) if garbled.is_none() => garbled = Some(cut_text(&line)),
            Err(_) => {}
        }
    }
    Run {
        messages,
        garbled,
        output: printer.join().unwrap_or_default(),
        status,
        elapsed: started.elapsed(),
    }
}

/// Waits for the child until `deadline`; past it, kills its whole process group. Always reaps.
fn wait_within(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                kill_group(child);
                return Some(status);
            }
            Ok(None) if Instant::now() < deadline => {
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
/// was checking, never a pass.
pub fn results_of(
    run: &Run,
    expected: &[(String, String, String)],
) -> Result<Vec<PropertyResult>, String> {
    if let Some(message) = run.messages.iter().find_map(|m| match m {
        Message::Refused { message } => Some(message.clone()),
        _ => None,
    }) {
        return Err(format!("the harness refused its arguments: {message}"));
    }
    let mut results: Vec<PropertyResult> = run
        .messages
        .iter()
        .filter_map(|m| match m {
            Message::Result { result } => Some((**result).clone()),
            _ => None,
        })
        .collect();
    let done = run.messages.iter().any(|m| matches!(m, Message::Done));
    if done && results.len() == expected.len() && run.garbled.is_none() {
        return Ok(results);
    }
    if let Some(garbled) = &run.garbled {
        return Err(format!(
            "the harness sent something that is not a result: {garbled}"
        ));
    }
    let ending = match run.status {
        None => format!(
            "stopped by the gate after {:.0} s of wall-clock time",
            run.elapsed.as_secs_f64()
        ),
        Some(status) => match (
            status.code(),
            std::os::unix::process::ExitStatusExt::signal(&status),
        ) {
            (Some(code), _) => {
                format!("the submission's process exited (code {code}) before reporting")
            }
            (_, Some(signal)) => {
                format!("the submission's process was killed by signal {signal} before reporting")
            }
            _ => "the submission's process ended before reporting".to_owned(),
        },
    };
    let (status, finding) = match run.status {
        None => (Status::Timeout, "timeout"),
        Some(_) => (Status::Fail, "crash"),
    };
    let started = run.messages.iter().rev().find_map(|m| match m {
        Message::Start { property, backend } => Some((property.clone(), backend.clone())),
        _ => None,
    });
    for (property, statement, backend) in expected.iter().skip(results.len()) {
        let is_current = started
            .as_ref()
            .is_some_and(|(p, b)| p == property && b == backend);
        results.push(PropertyResult {
            property: property.clone(),
            statement: statement.clone(),
            backend: backend.clone(),
            status,
            finding: Some(finding.to_owned()),
            message: Some(if is_current {
                ending.clone()
            } else {
                format!("not checked: {ending}, while an earlier property was checked")
            }),
            coverage: None,
            counterexample: None,
            elapsed_ms: 0,
        });
    }
    Ok(results)
}
