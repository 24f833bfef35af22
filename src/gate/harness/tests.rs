//! The harness's own tests: the build's process group, the child's limits and pipes, and which of
//! a child's results are believed.

use super::build::{BuildFailure, run_build};
use super::child_run::{Run, results_of, run_child, run_child_with_grace};
use crate::gate::child::Message;
use crate::gate::limits::{self, Limits, MEMORY_LIMIT_BYTES};
use crate::gate::report::{PropertyResult, Status};
use crate::gate::sandbox::{Mode, Sandbox};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

const SECOND: Duration = Duration::from_secs(1);

/// A fake child: `script` run by `/bin/sh` as the gate runs a harness, without the sandbox
/// (these tests are of the layers under it, which hold without it; `gate_sandbox.rs` tests it).
fn sh(script: &str, limit: Duration) -> Run {
    run_child(
        Path::new("/bin/sh"),
        &["-c".to_owned(), script.to_owned()],
        limit,
        &unsandboxed(),
    )
}

fn unsandboxed() -> Sandbox {
    Sandbox::detect(Mode::Off)
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
    // The gate's grace is 2 s; a shorter one shows the same wait, bounded by it.
    let grace = Duration::from_millis(300);
    let run = run_child_with_grace(
        Path::new("/bin/sh"),
        &["-c".to_owned(), "setsid sleep 987 & exit 0".to_owned()],
        10 * SECOND,
        grace,
        &unsandboxed(),
    );
    assert!(
        started.elapsed() < 2 * grace + SECOND,
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
        &unsandboxed(),
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
            error.starts_with("the harness's results came out of order") && error.contains(came),
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
    let pid_file = std::env::temp_dir().join(format!("interleave-build-{}", std::process::id()));
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

/// Where [`a_grader_stand_in_running_a_build`] writes its build's grandchild's pid.
const STAND_IN_PID_FILE: &str = "INTERLEAVE_TEST_BUILD_PID_FILE";

/// Not a test on its own: the grader that [`a_build_dies_with_its_grader_even_by_sigkill`] starts
/// (this test binary, run again) and kills. Without its variable it returns at once.
#[test]
#[ignore = "a stand-in process for a_build_dies_with_its_grader_even_by_sigkill"]
fn a_grader_stand_in_running_a_build() {
    let Some(pid_file) = std::env::var_os(STAND_IN_PID_FILE) else {
        return;
    };
    let mut build = Command::new("/bin/sh");
    build.args(["-c", "sleep 1000 & echo $! > \"$0\"; sleep 1000"]);
    build.arg(pid_file);
    let _ = run_build(&mut build, Instant::now() + 100 * SECOND);
}

#[test]
fn a_build_dies_with_its_grader_even_by_sigkill() {
    let pid_file = std::env::temp_dir().join(format!("interleave-stand-in-{}", std::process::id()));
    let _ = std::fs::remove_file(&pid_file);
    let mut grader = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "gate::harness::tests::a_grader_stand_in_running_a_build",
            "--ignored",
            "--quiet",
        ])
        .env(STAND_IN_PID_FILE, &pid_file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + 20 * SECOND;
    let grandchild = loop {
        let pid = std::fs::read_to_string(&pid_file).ok();
        if let Some(pid) = pid.and_then(|text| text.trim().parse::<u32>().ok()) {
            break pid;
        }
        assert!(
            Instant::now() < deadline,
            "the stand-in's build never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = std::fs::remove_file(&pid_file);
    grader.kill().unwrap();
    let _ = grader.wait();
    assert!(
        has_ended(grandchild),
        "the build's sleep {grandchild} outlived its grader"
    );
}

#[test]
fn the_gate_s_directory_is_one_per_user_whatever_the_current_directory() {
    use super::work_under;
    let version = concat!("gate-", env!("CARGO_PKG_VERSION"));
    let some = |path: &str| Some(std::ffi::OsString::from(path));
    assert_eq!(
        work_under(some("/xdg"), some("/home/student")),
        Path::new("/xdg/interleave").join(version)
    );
    assert_eq!(
        work_under(None, some("/home/student")),
        Path::new("/home/student/.cache/interleave").join(version)
    );
    assert_eq!(
        work_under(some("relative"), some("/home/student")),
        Path::new("/home/student/.cache/interleave").join(version)
    );
    assert_eq!(work_under(None, None), Path::new("target/interleave-gate"));
}

#[test]
fn build_settings_from_outside_are_cleared_network_and_registry_ones_kept() {
    let keys = [
        "CARGO",
        "CARGO_HOME",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_PROFILE_RELEASE_OPT_LEVEL",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_PKG_NAME",
        "CARGO_NET_OFFLINE",
        "CARGO_HTTP_TIMEOUT",
        "CARGO_REGISTRIES_MIRROR_INDEX",
        "RUSTFLAGS",
        "RUSTC",
        "RUSTC_WRAPPER",
        "RUSTC_BOOTSTRAP",
        "RUSTUP_TOOLCHAIN",
        "PATH",
        "HOME",
    ];
    let cleared = super::outside_build_settings(keys.iter().map(std::ffi::OsString::from));
    assert_eq!(
        cleared,
        [
            "CARGO",
            "CARGO_TARGET_DIR",
            "CARGO_BUILD_RUSTFLAGS",
            "CARGO_PROFILE_RELEASE_OPT_LEVEL",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_PKG_NAME",
            "RUSTFLAGS",
            "RUSTC",
            "RUSTC_WRAPPER",
            "RUSTC_BOOTSTRAP",
        ]
    );
}

/// The child runs without address-space randomisation (where the machine allows it: here it
/// does), so the same binary has the same addresses in every run.
#[test]
fn the_child_runs_at_the_same_addresses_every_time() {
    const ADDR_NO_RANDOMIZE: u32 = 0x0040000;
    let run = sh("cat /proc/self/personality >&2", 5 * SECOND);
    let personality = u32::from_str_radix(run.output.trim(), 16).expect("a hex personality");
    assert_eq!(
        personality & ADDR_NO_RANDOMIZE,
        ADDR_NO_RANDOMIZE,
        "{}",
        run.output
    );
    let mappings = || sh("grep -m1 stack /proc/self/maps >&2", 5 * SECOND).output;
    assert_eq!(mappings(), mappings(), "the stack is where it was");
}
