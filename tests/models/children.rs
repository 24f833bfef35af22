//! Child processes are this binary re-executed, and never trusted: a copy of the binary anywhere
//! times its children; the hidden child commands refuse garbage; a child that floods, hangs, dies
//! or answers garbage is a "not measured" row (never a panic, a hang or unbounded memory); a
//! worker killed mid-run is a row, not a crash; an interrupted `time start-order` leaves nothing
//! in the temp directory.
//!
//! Misbehaving children are small shell scripts written here and passed as the program: the
//! binary has no hook to misbehave (its worker's test tasks `exit`, `garbage`, `panic`, `sleep`
//! are reachable only through a worker's stdin).

use interleave::models::executor::demos;
use interleave::models::executor::native::ProcessSpawner;
use interleave::models::thread_vs_process::native::{
    ChildError, OwnedChild, ask_child, measure_table,
};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

fn program() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_interleave"))
}

/// A fresh directory of its own under the temp directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("children-test-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `command` to its end, retrying while the file was just written: another test's child,
/// forked in between, may still hold its write descriptor for a moment ("text file busy").
fn run_fresh(command: &mut Command) -> Output {
    for _ in 0..100 {
        match command.output() {
            Err(error) if error.raw_os_error() == Some(libc::ETXTBSY) => {
                std::thread::sleep(Duration::from_millis(10));
            }
            result => return result.expect("the program starts"),
        }
    }
    panic!("the program stayed busy");
}

/// An executable shell script in `dir`; it runs `body`, except `script --ready` exits 0 (run
/// once here, so that the test's own starts of it cannot find it busy).
fn script(dir: &TempDir, name: &str, body: &str) -> PathBuf {
    let path = dir.0.join(name);
    std::fs::write(
        &path,
        format!("#!/bin/sh\n[ \"$1\" = --ready ] && exit 0\n{body}\n"),
    )
    .expect("written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert!(
        run_fresh(Command::new(&path).arg("--ready"))
            .status
            .success()
    );
    path
}

/// The child processes of `pid` (Linux), or `None` where /proc does not list them.
fn children_of(pid: u32) -> Option<Vec<u32>> {
    let mut children = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let list = std::fs::read_to_string(task.ok()?.path().join("children")).ok()?;
        children.extend(
            list.split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok()),
        );
    }
    Some(children)
}

fn command_line(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
        .unwrap_or_default()
}

/// Waits for `child` until `within` has passed; kills it and fails the test if it is still there.
fn wait_at_most(child: &mut Child, within: Duration) -> ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("waitable") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the process did not end within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The rows of a printed timing table (the lines after its column header).
fn table_rows(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("variant"))
        .skip(1)
        .collect()
}

#[test]
fn a_copy_of_the_binary_elsewhere_times_its_own_children() {
    let dir = TempDir::new("copy");
    let copy = dir.0.join("il");
    std::fs::copy(program(), &copy).expect("copied");
    assert!(run_fresh(Command::new(&copy).arg("help")).status.success());
    let copy_name = copy.display().to_string();
    let executor = run_fresh(Command::new(&copy).args(["time", "executor"]));
    let stdout = String::from_utf8_lossy(&executor.stdout);
    assert!(executor.status.success(), "{executor:?}");
    assert!(
        stdout.contains(&format!("worker processes are {copy_name} __worker")),
        "{stdout}"
    );
    let rows = table_rows(&stdout);
    assert_eq!(rows.len(), 8, "{stdout}");
    assert!(!stdout.contains("not measured"), "{stdout}");
    assert!(
        rows[1].contains("process pool demo") && rows[1].contains("worker pids pid"),
        "{stdout}"
    );
    let processes = run_fresh(Command::new(&copy).args(["time", "thread-vs-process"]));
    let stdout = String::from_utf8_lossy(&processes.stdout);
    assert!(processes.status.success(), "{processes:?}");
    assert!(
        stdout.contains(&format!("({copy_name} __child)")),
        "{stdout}"
    );
    assert!(!stdout.contains("not measured"), "{stdout}");
    let rows = table_rows(&stdout);
    assert_eq!(rows.len(), 6, "{stdout}");
    assert!(
        rows[1].contains("child set its n = 0, parent sees n = 100 (not shared)"),
        "{stdout}"
    );
}

#[test]
fn the_hidden_child_commands_refuse_garbage_with_code_2_and_one_line() {
    for args in [
        &["__child"][..],
        &["__child", "set-n", "abc"],
        &["__child", "fly"],
        &["__child", "print"],
        &["__child", "print-sleep-print", "a", "soon", "b"],
        &["__worker", "extra"],
    ] {
        let output = Command::new(program())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}

#[test]
fn an_interrupted_time_start_order_ends_and_leaves_nothing_in_the_temp_dir() {
    let dir = TempDir::new("sigint");
    let mut run = Command::new(program());
    run.args(["time", "start-order"])
        .env("TMPDIR", &dir.0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    crate::support::with_default_stop_signals(&mut run);
    let mut started = run.spawn().expect("starts");
    let pid = started.id();
    // Interrupt it once its processes' half has started (or after a while, where /proc is not).
    let give_up = Instant::now() + Duration::from_secs(5);
    while Instant::now() < give_up && started.try_wait().expect("waitable").is_none() {
        match children_of(pid) {
            Some(children)
                if children
                    .iter()
                    .any(|&c| command_line(c).contains("__child")) =>
            {
                break;
            }
            Some(_) => std::thread::sleep(Duration::from_micros(200)),
            None => {
                std::thread::sleep(Duration::from_millis(100));
                break;
            }
        }
    }
    // SAFETY: a plain kill(2) of our own child, not yet reaped.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGINT);
    }
    let status = wait_at_most(&mut started, Duration::from_secs(5));
    assert!(
        status.signal() == Some(libc::SIGINT) || status.success(),
        "{status}"
    );
    let left: Vec<String> = std::fs::read_dir(&dir.0)
        .expect("readable")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with("interleave-"))
        .collect();
    assert!(left.is_empty(), "left behind by {pid}: {left:?}");
}

#[test]
fn a_worker_killed_mid_time_executor_is_a_row_not_a_crash() {
    if children_of(std::process::id()).is_none() {
        eprintln!("skipped: /proc does not list child processes here");
        return;
    }
    for nth in [1, 4] {
        let mut run = Command::new(program());
        run.args(["time", "executor"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut started = run.spawn().expect("starts");
        let pid = started.id();
        let mut seen = Vec::new();
        let give_up = Instant::now() + Duration::from_secs(10);
        while seen.len() < nth
            && Instant::now() < give_up
            && started.try_wait().expect("waitable").is_none()
        {
            for child in children_of(pid).unwrap_or_default() {
                if !seen.contains(&child) && command_line(child).contains("__worker") {
                    seen.push(child);
                    if seen.len() == nth {
                        // SAFETY: kill(2) of a worker seen a moment ago; at worst it has just
                        // exited (its pid is not reused that fast: pids are handed out in turn).
                        unsafe {
                            libc::kill(child as libc::pid_t, libc::SIGKILL);
                        }
                    }
                }
            }
        }
        let read_all = |mut pipe: Box<dyn Read + Send>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                pipe.read_to_string(&mut text).expect("readable");
                text
            })
        };
        let stdout = read_all(Box::new(started.stdout.take().expect("piped")));
        let stderr = read_all(Box::new(started.stderr.take().expect("piped")));
        let status = wait_at_most(&mut started, Duration::from_secs(20));
        let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
        assert!(status.success(), "{status}: {stdout}{stderr}");
        assert!(stderr.is_empty(), "{stderr}");
        let rows = table_rows(&stdout);
        assert_eq!(rows.len(), 8, "{stdout}");
        for row in rows {
            assert!(
                row.contains(" x")
                    || row.contains(" per task")
                    || row.contains(" started")
                    || row.contains("not measured: task "),
                "neither measured nor said why: {row}"
            );
        }
    }
}

#[test]
fn a_child_that_floods_is_cut_at_the_limit_and_killed() {
    let dir = TempDir::new("flood");
    let floods = script(&dir, "floods", "exec yes");
    let started = Instant::now();
    let error = ask_child(&floods, &["pid"], Duration::from_secs(5)).expect_err("too much");
    assert!(matches!(error, ChildError::TooMuch(..)), "{error}");
    assert!(
        error.to_string().contains("more than 4096 bytes"),
        "{error}"
    );
    let timing = measure_table(&floods, 2);
    assert_eq!(timing.rows.len(), 6);
    assert!(timing.rows[0].note.contains("(shared)"));
    assert!(
        timing.rows[2].note.ends_with("per switch"),
        "{}",
        timing.rows[2].note
    );
    // Every row that needs the child says why it has no number; the thread rows still have one.
    for row in [1, 3, 5] {
        let note = &timing.rows[row].note;
        assert!(
            note.starts_with("not measured: ") && note.contains("more than"),
            "{note}"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_silent_child_is_killed_at_its_deadline() {
    let dir = TempDir::new("silent");
    let hangs = script(&dir, "hangs", "exec sleep 30");
    let started = Instant::now();
    let error = ask_child(&hangs, &["pid"], Duration::from_millis(300)).expect_err("silent");
    assert!(matches!(error, ChildError::Silent(..)), "{error}");
    assert!(error.to_string().contains("SIGKILL"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_child_that_dies_or_answers_garbage_is_an_error_that_says_so() {
    let dir = TempDir::new("dies");
    let dies = script(&dir, "dies", "kill -9 $$");
    let error = ask_child(&dies, &["pid"], Duration::from_secs(5)).expect_err("died");
    assert!(matches!(error, ChildError::Failed(..)), "{error}");
    assert!(error.to_string().contains("SIGKILL"), "{error}");
    let babbles = script(&dir, "babbles", "echo nonsense");
    let error = ask_child(&babbles, &["pid"], Duration::from_secs(5)).expect_err("garbage");
    assert!(matches!(error, ChildError::BadReply(..)), "{error}");
}

#[test]
fn an_owned_child_is_killed_and_reaped_when_dropped() {
    let mut command = Command::new("sleep");
    command.arg("30");
    let child = OwnedChild::spawn(command).expect("sleep starts");
    let pid = child.id();
    let proc_entry = PathBuf::from(format!("/proc/{pid}"));
    let listed = proc_entry.exists();
    drop(child);
    if listed {
        // A zombie would still be listed: reaped means gone.
        assert!(!proc_entry.exists(), "{pid} is still there");
    }
}

/// `demos::measure` with a worker program that misbehaves: every process row says why it is not
/// measured, the thread rows are measured, and it all ends quickly.
fn executor_table_with_worker(name: &str, body: &str, says: &str) {
    let dir = TempDir::new(name);
    let spawner = ProcessSpawner {
        program: script(&dir, name, body),
        reply_timeout: Duration::from_millis(200),
    };
    let started = Instant::now();
    let timing = demos::measure(&spawner);
    let labels_and_notes: Vec<(&str, &str)> = timing
        .rows
        .iter()
        .map(|row| (row.label.as_str(), row.note.as_str()))
        .collect();
    assert_eq!(labels_and_notes.len(), 8, "{labels_and_notes:?}");
    for (label, note) in labels_and_notes {
        if label.starts_with("process") {
            assert!(
                note.starts_with("not measured: ") && note.contains(says),
                "{label}: {note}"
            );
        } else {
            assert!(!note.contains("not measured"), "{label}: {note}");
        }
    }
    assert!(timing.title.contains("not measured"), "{}", timing.title);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_executor_table_reports_a_worker_that_dies_at_once() {
    executor_table_with_worker("exits", "exit 3", "BrokenProcessPool");
}

#[test]
fn the_executor_table_reports_a_worker_that_answers_garbage() {
    executor_table_with_worker(
        "garbage",
        "while read task; do echo garbage; done",
        "garbage",
    );
}

#[test]
fn the_executor_table_reports_a_worker_that_floods() {
    // One endless line: bytes and no newline.
    executor_table_with_worker(
        "floods",
        "exec head -c 1000000 /dev/zero",
        "more than 4096 bytes",
    );
}

#[test]
fn the_executor_table_reports_a_worker_that_hangs() {
    executor_table_with_worker("hangs", "exec sleep 30", "sent nothing for");
}
