//! The graded child's sandbox (`src/gate/sandbox.rs`), shown on a stand-in child: a shell script
//! started by the gate's own `run_child`, exactly as a harness is, with the grade's sandbox and
//! without it (`--sandbox off`). Without it, the script reaches the network, writes beside the
//! test and leaves a `setsid` process behind: each test shows that first, so that what the
//! sandboxed run cannot do is shown to be the sandbox's doing.
//!
//! Where the machine has no namespaces to give, the gate grades without them and says
//! `none, because …`: [`machine_allows_namespaces`] asks the kernel independently (util-linux's
//! `unshare`), and every test asserts the behaviour that goes with the answer.

use crate::support::{interleave, stderr, stdout};
use interleave::gate::harness::{Run, run_child};
use interleave::gate::report::{GateReport, SCHEMA};
use interleave::gate::sandbox::{Mode, NAMESPACES, NONE_BECAUSE, Sandbox};
use interleave::gate::shard;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(20);

/// Whether this machine lets an unprivileged set-up make user, mount, network and PID
/// namespaces, asked of `unshare` (not of the gate); without `unshare`, of the gate.
fn machine_allows_namespaces() -> bool {
    match Command::new("unshare")
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "--net",
            "--pid",
            "--fork",
            "true",
        ])
        .status()
    {
        Ok(status) => status.success(),
        Err(_) => Sandbox::detect(Mode::Auto).describe() == NAMESPACES,
    }
}

/// The grade's sandbox, asserted to be what the machine allows.
fn sandbox() -> Sandbox {
    let sandbox = Sandbox::detect(Mode::Auto);
    let said = sandbox.describe();
    if machine_allows_namespaces() {
        assert_eq!(said, NAMESPACES, "the machine allows namespaces");
    } else {
        assert!(said.starts_with(NONE_BECAUSE), "{said}");
    }
    sandbox
}

fn unsandboxed() -> Sandbox {
    Sandbox::detect(Mode::Off)
}

/// `script` run by `program` (`sh` or `bash`) as the gate runs a harness, with `args` as `$0`...
fn script(program: &str, script: &str, args: &[&str], limit: Duration, sandbox: &Sandbox) -> Run {
    let mut words = vec!["-c".to_owned(), script.to_owned()];
    words.extend(args.iter().map(|a| a.to_string()));
    run_child(Path::new(program), &words, limit, sandbox)
}

/// A folder of this test's own, with a file in it.
fn folder(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("gate-sandbox")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("existing"), "").unwrap();
    dir
}

#[test]
fn the_report_says_which_sandbox_the_machine_gave() {
    let said = sandbox().describe();
    assert!(
        said == NAMESPACES || said.starts_with(NONE_BECAUSE),
        "{said}"
    );
    assert_eq!(
        unsandboxed().describe(),
        "none, because it was turned off (--sandbox off)"
    );
}

#[test]
fn a_sandboxed_child_cannot_connect_to_the_loopback() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let connect = "exec 3<>/dev/tcp/127.0.0.1/$0 && echo connected >&2 || echo refused >&2";
    let accepted = |listener: &TcpListener| {
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if listener.accept().is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    };
    // Without the sandbox the same script connects: the test can see a connection.
    let open = script("/bin/bash", connect, &[&port], LIMIT, &unsandboxed());
    assert_eq!(open.output.trim(), "connected", "{open:?}");
    assert!(accepted(&listener));
    let sandbox = sandbox();
    let run = script("/bin/bash", connect, &[&port], LIMIT, &sandbox);
    if sandbox.describe() == NAMESPACES {
        assert!(run.output.trim().ends_with("refused"), "{run:?}");
        assert!(run.output.contains("Network is unreachable"), "{run:?}");
        assert!(!accepted(&listener), "the listener was reached");
    } else {
        assert_eq!(run.output.trim(), "connected", "{run:?}");
        assert!(accepted(&listener));
    }
    assert_eq!(
        sandbox.describe() == NAMESPACES,
        machine_allows_namespaces()
    );
}

#[test]
fn a_sandboxed_child_writes_only_in_its_scratch_directory() {
    // It makes a folder, a file, and removes one: none needs the file-size limit's bytes. (`true`
    // takes each redirection: a failed one on `:`, a special built-in, would end `sh`.)
    let outside = "mkdir \"$0/made\" && echo made-outside >&2; \
                   true > \"$0/created\" && echo created-outside >&2; \
                   rm \"$0/existing\" && echo removed-outside >&2; true";
    let open_dir = folder("open");
    let open = script(
        "/bin/sh",
        outside,
        &[open_dir.to_str().unwrap()],
        LIMIT,
        &unsandboxed(),
    );
    for done in ["made-outside", "created-outside", "removed-outside"] {
        assert!(open.output.contains(done), "{done}: {open:?}");
    }
    assert!(open_dir.join("made").is_dir() && !open_dir.join("existing").exists());

    let dir = folder("sandboxed");
    let unique = format!("interleave-scratch-{}", std::process::id());
    let inside = format!(
        "{outside}; pwd >&2; mkdir {unique} && true > {unique}/file && ls {unique} >&2 && \
         echo wrote-inside >&2; true > /tmp/{unique} || echo no-tmp >&2"
    );
    let sandbox = sandbox();
    let run = script(
        "/bin/sh",
        &inside,
        &[dir.to_str().unwrap()],
        LIMIT,
        &sandbox,
    );
    if sandbox.describe() == NAMESPACES {
        for refused in ["made-outside", "created-outside", "removed-outside"] {
            assert!(!run.output.contains(refused), "{refused}: {run:?}");
        }
        assert!(run.output.contains("Read-only file system"), "{run:?}");
        assert!(dir.join("existing").exists() && !dir.join("made").exists());
        assert!(!dir.join("created").exists());
        // Its scratch directory is its working directory, a tmpfs of its own: what it made
        // there is gone with it, and never was on the host's /dev/shm.
        assert!(
            run.output.contains("/dev/shm\n") && run.output.contains("file\nwrote-inside"),
            "{run:?}"
        );
        assert!(run.output.contains("no-tmp"), "{run:?}");
        assert!(!Path::new("/dev/shm").join(&unique).exists());
    } else {
        assert!(run.output.contains("made-outside"), "{run:?}");
        assert!(dir.join("made").is_dir());
        let _ = std::fs::remove_file(Path::new("/tmp").join(&unique));
        let _ = std::fs::remove_dir_all(&unique);
    }
}

/// The processes whose command line is exactly `sleep SECONDS` (a duration no other test uses).
fn sleeping(seconds: &str) -> Vec<i32> {
    let wanted = format!("sleep\0{seconds}\0");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == wanted.as_bytes())
        })
        .collect()
}

/// The `sleep SECONDS` processes left after a moment (a sandboxed one has none), killed by
/// their pids so that no test leaves one behind.
fn survivors(seconds: &str) -> usize {
    let deadline = Instant::now() + Duration::from_secs(1);
    let mut left = sleeping(seconds);
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        left = sleeping(seconds);
    }
    for pid in &left {
        // SAFETY: a signal to a `sleep` this test started (its duration is this test's own).
        unsafe {
            libc::kill(*pid, libc::SIGKILL);
        }
    }
    left.len()
}

/// A child that starts a `sleep` in a session of its own (out of the child's process group, so
/// the group kill misses it), checks it runs, then does `then`.
fn escapes(seconds: &str, then: &str) -> String {
    format!("setsid sleep {seconds} & sleep 0.3; kill -0 $! && echo alive >&2; {then}")
}

#[test]
fn a_setsid_grandchild_dies_when_the_sandboxed_child_exits() {
    let open = script(
        "/bin/sh",
        &escapes("987.61", "exit 0"),
        &[],
        LIMIT,
        &unsandboxed(),
    );
    assert_eq!(open.status.and_then(|s| s.code()), Some(0));
    assert_eq!(survivors("987.61"), 1, "without the sandbox it escapes");
    let sandbox = sandbox();
    let run = script(
        "/bin/sh",
        &escapes("987.62", "exit 0"),
        &[],
        LIMIT,
        &sandbox,
    );
    assert_eq!(run.status.and_then(|s| s.code()), Some(0));
    if sandbox.describe() == NAMESPACES {
        assert_eq!(run.output.trim(), "alive", "{run:?}");
        assert_eq!(survivors("987.62"), 0, "the grandchild outlived the child");
    } else {
        assert_eq!(survivors("987.62"), 1);
    }
}

#[test]
fn a_setsid_grandchild_dies_with_the_group_kill_at_the_limit() {
    let sandbox = sandbox();
    let started = Instant::now();
    let limit = Duration::from_secs(2);
    let run = script(
        "/bin/sh",
        &escapes("987.63", "sleep 60"),
        &[],
        limit,
        &sandbox,
    );
    assert_eq!(run.status, None, "the wall-clock limit stopped it: {run:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    if sandbox.describe() == NAMESPACES {
        assert_eq!(run.output.trim(), "alive", "{run:?}");
        assert_eq!(survivors("987.63"), 0, "the grandchild outlived the kill");
    } else {
        assert_eq!(survivors("987.63"), 1);
    }
}

#[test]
fn a_sandboxed_child_ends_as_it_would_without_the_sandbox() {
    // Its exit code and its signal reach the gate unchanged: the child is not the namespace's
    // init (which would ignore SIGABRT and SIGXCPU), and the gate's own child ends as it did.
    use std::os::unix::process::ExitStatusExt;
    let sandbox = sandbox();
    for (ending, code, signal) in [
        ("exit 7", Some(7), None),
        ("kill -ABRT $$", None, Some(libc::SIGABRT)),
        ("kill -XCPU $$", None, Some(libc::SIGXCPU)),
        ("kill -SEGV $$", None, Some(libc::SIGSEGV)),
    ] {
        for sandbox in [&sandbox, &unsandboxed()] {
            let run = script("/bin/sh", ending, &[], LIMIT, sandbox);
            let status = run.status.expect("it ended by itself");
            assert_eq!((status.code(), status.signal()), (code, signal), "{ending}");
        }
    }
}

#[test]
fn a_grade_runs_the_real_child_in_the_sandbox_and_says_so_in_every_format() {
    let said = sandbox().describe();
    // One property is enough to run the child, and keeps the suite quick.
    let one = [
        "grade",
        "counter",
        "builtin:reference",
        "--property",
        "no-lost-update",
    ];
    let output = interleave(&[&one[..], &["--format", "json"]].concat());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: GateReport = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report.schema, SCHEMA);
    assert_eq!(report.sandbox, said);
    let off = interleave(&[&one[..], &["--sandbox", "off"]].concat());
    assert_eq!(off.status.code(), Some(0), "{}", stderr(&off));
    assert!(
        stdout(&off).ends_with("\nsandbox: none, because it was turned off (--sandbox off)\n"),
        "{}",
        stdout(&off)
    );
    for (format, shows) in [
        ("junit", "<property name=\"sandbox\" value=\"namespaces\"/>"),
        ("gradescope", "\\nsandbox: namespaces\""),
        ("github", "\nsandbox: namespaces\n"),
        ("text", "\nsandbox: namespaces\n"),
    ] {
        let mut report = report.clone();
        report.sandbox = NAMESPACES.to_owned();
        let written = interleave::gate::formats::render(
            &report,
            interleave::gate::formats::Format::parse(format).unwrap(),
        );
        assert!(written.contains(shows), "{format}: {written}");
    }
}

#[test]
fn a_bad_sandbox_value_is_a_one_line_usage_error() {
    let output = interleave(&["grade", "counter", "builtin:reference", "--sandbox", "on"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "error: unknown sandbox \"on\": --sandbox takes auto or off\n"
    );
}

fn shard_report(index: u32, sandbox: &str) -> GateReport {
    let mut report = crate::gate_support::report_of("counter", &["shuttle"], Vec::new());
    report.sandbox = sandbox.to_owned();
    report.shard = Some(interleave::gate::report::Shard { index, count: 2 });
    report
}

#[test]
fn merged_shards_claim_a_sandbox_only_if_every_shard_had_it() {
    let none = "none, because this system does not let it make namespaces (unshare): \
                Operation not permitted (os error 1)";
    let alike = shard::merge(vec![
        ("1.json".to_owned(), shard_report(1, NAMESPACES)),
        ("2.json".to_owned(), shard_report(2, NAMESPACES)),
    ])
    .unwrap();
    assert_eq!(alike.sandbox, NAMESPACES);
    let mixed = shard::merge(vec![
        ("1.json".to_owned(), shard_report(1, NAMESPACES)),
        ("2.json".to_owned(), shard_report(2, none)),
    ])
    .unwrap();
    assert_eq!(
        mixed.sandbox,
        format!("none, because not every shard ran in one: 2.json had {none}")
    );
}

#[test]
fn merge_reports_refuses_a_sandbox_grade_never_writes() {
    let dir = folder("merge");
    let mut report = shard_report(1, "chroot");
    report.shard = None;
    let file = dir.join("odd.json");
    std::fs::write(&file, serde_json::to_string(&report).unwrap()).unwrap();
    let refused = shard::read(file.to_str().unwrap()).unwrap_err();
    assert!(
        refused.ends_with("says its sandbox was \"chroot\", which grade never writes"),
        "{refused}"
    );
}
