//! thread-vs-process and gil: real child processes (the `interleave` binary cargo built for this
//! test), the isolated-worker models' outcome sets, the lost update under a GIL, and the shape
//! of both timing tables (no timed assertions: only structure and correctness).

use crate::support::{assert_holds, assert_holds_with, assert_update_lost, check, run_variant};
use interleave::checker::Mode;
use interleave::lesson::Row;
use interleave::models::gil;
use interleave::models::thread_vs_process::native::{self, ChildError};
use interleave::models::thread_vs_process::{self, ThreadVsProcess};
use interleave::runtime::Backend;
use std::path::Path;
use std::process::Command;

fn program() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_interleave"))
}

/// Each thread-vs-process model and its one outcome: a thread's write to `n` is the parent's, a
/// process's is its own copy's.
const WRITES: [(Row<ThreadVsProcess>, &str); 2] = [
    (thread_vs_process::THREAD, "parent n = 0"),
    (thread_vs_process::PROCESS, "parent n = 100, child n = 0, 0"),
];

#[test]
fn a_thread_has_the_parents_pid_and_a_process_does_not() {
    let parent = std::process::id();
    assert_eq!(native::thread_pid(), parent);
    let first = native::process_pid(program()).expect("the child starts");
    let second = native::process_pid(program()).expect("the child starts");
    assert_ne!(first, parent);
    assert_ne!(second, parent);
    assert_ne!(first, second);
}

#[test]
fn a_threads_write_to_n_is_seen_and_a_processs_is_not() {
    assert_eq!(native::n_after_thread(), 0);
    let (child, parent) = native::n_after_process(program()).expect("the child starts");
    assert_eq!(child, 0, "the child did change its own n");
    assert_eq!(parent, 100, "the parent's n is untouched");
}

#[test]
fn the_child_command_is_hidden_and_answers_on_stdout() {
    let output = Command::new(program())
        .args(["__child", "set-n", "100"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let reply = String::from_utf8(output.stdout).unwrap();
    assert!(reply.contains("copy=100 n=0"), "{reply}");
    let bad = Command::new(program())
        .args(["__child", "fly"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let help = Command::new(program()).arg("help").output().unwrap();
    assert!(!String::from_utf8(help.stdout).unwrap().contains("__child"));
}

#[test]
fn the_timing_table_shows_pids_n_and_both_costs() {
    let timing = native::measure(program(), 3).expect("children start");
    let [threads, processes, ..] = &timing.rows[..] else {
        panic!("six rows: {:?}", timing.rows)
    };
    assert_eq!(threads.label, "3 threads: start + join");
    assert_eq!(processes.label, "3 processes: start + join");
    let parent = std::process::id();
    let says = |text: &str, part: &str| assert!(text.contains(part), "{text} lacks {part:?}");
    let shared = format!("= parent's {parent}; thread set n = 0, parent sees n = 0 (shared)");
    says(&threads.note, &shared);
    let own =
        format!("!= parent's {parent}; child set its n = 0, parent sees n = 100 (not shared)");
    says(&processes.note, &own);
    says(&timing.title, "thread:process = 1:");
    let labels: Vec<&str> = timing.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels[2..],
        [
            "2 threads: 2000 ping-pongs over a pipe pair",
            "2 processes: 2000 ping-pongs over a pipe pair",
            "daemon thread foo (1 s), thread bar (3 s)",
            "daemon process foo (1 s), process bar (3 s)",
        ]
    );
    for switch in &timing.rows[2..4] {
        says(&switch.note, "per switch");
    }
    says(&timing.rows[4].note, "end123");
    for line in ["main-------", "end456"] {
        says(&timing.rows[5].note, line);
    }
    // Start + join against start + join, switch against switch; the daemon rows are outputs.
    let compared: Vec<bool> = (0..6).map(|row| timing.ratio(row).is_some()).collect();
    assert_eq!(compared, [true, true, true, true, false, false]);
}

/// Both sides of a ping-pong echo every byte: the trips complete, in a child process too.
#[test]
fn a_ping_pong_completes_between_threads_and_between_processes() {
    use interleave::models::thread_vs_process::switch;
    switch::between_threads(50).expect("pipes open");
    switch::between_processes(program(), 50).expect("the child echoes");
    let missing = switch::between_processes(Path::new("/no/such/dir/interleave"), 1);
    assert!(matches!(missing, Err(ChildError::NotFound(_))));
}

/// A daemon process is terminated when the parent's code ends, without waiting for its
/// non-daemon sibling: `end123` never comes, though foo would have printed it long before
/// `end456` if it had been waited for like a daemon thread. (Its sleep is long so that no
/// scheduling delay could let it print; being terminated, it costs nothing.)
#[test]
fn a_daemon_process_is_terminated_when_the_parents_code_ends() {
    use interleave::models::thread_vs_process::daemon;
    use std::time::Duration;
    let lines = daemon::example_2_with_processes(
        program(),
        Duration::from_secs(5),
        Duration::from_millis(30),
    )
    .expect("children start");
    assert!(!lines.iter().any(|line| line == "end123"), "{lines:?}");
    let mut others: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|line| *line != "123")
        .collect();
    others.sort();
    assert_eq!(others, ["456", "end456", "main-------"], "{lines:?}");
}

#[test]
fn a_missing_binary_is_a_clear_error() {
    let missing = Path::new("/no/such/dir/interleave");
    let error = native::measure(missing, 1).expect_err("nothing to start");
    assert!(matches!(error, ChildError::NotFound(_)));
    assert!(
        error.to_string().contains("/no/such/dir/interleave"),
        "{error}"
    );
    // A binary that does not know the hidden command is named as such, not parsed as a reply.
    let foreign = Path::new("/bin/true");
    if foreign.is_file() {
        let error = native::process_pid(foreign).expect_err("true says nothing");
        assert!(matches!(error, ChildError::BadReply(..)), "{error}");
    }
}

#[test]
fn models_thread_writes_are_shared_and_process_writes_are_not() {
    for (row, outcome) in WRITES {
        assert_holds_with(
            &run_variant(row, Backend::Shuttle, 2, Mode::Outcomes, 200),
            &[outcome],
        );
    }
}

#[test]
fn models_hold_natively_too() {
    for (row, _) in WRITES {
        assert_holds(&check(row, Backend::Native, 2, 3));
    }
}

#[test]
fn the_counter_race_under_a_gil_still_loses_an_update() {
    assert_update_lost(&check(gil::COUNTER_RACE, Backend::Shuttle, 100, None), "n");
}

#[test]
fn a_gil_switch_only_between_updates_loses_nothing() {
    let report = check(gil::SWITCH_BETWEEN_UPDATES, Backend::Shuttle, 10, 100);
    assert_holds_with(&report, &["n = 0"]);
}

#[test]
fn the_gil_table_has_six_speed_up_rows_with_one_sum_and_the_race() {
    let timing = gil::measure(20_000, 500);
    let labels: Vec<&str> = timing.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "1 thread, no GIL",
            "1 thread, emulated GIL",
            "2 threads, no GIL",
            "2 threads, emulated GIL",
            "4 threads, no GIL",
            "4 threads, emulated GIL",
            "counter race, 100 threads, emulated GIL",
        ]
    );
    let sums: Vec<&str> = timing.rows[..6]
        .iter()
        .map(|r| r.note.split("sum ").nth(1).expect("a sum"))
        .collect();
    assert!(sums.iter().all(|s| *s == sums[0]), "{sums:?}");
    assert!(
        timing.rows[6].note.starts_with("n = "),
        "{}",
        timing.rows[6].note
    );
    assert!(timing.setup.contains("cores here"), "{}", timing.setup);
    // Ratios compare the six rows that split the same work, never the race with them.
    let compared: Vec<bool> = (0..7).map(|row| timing.ratio(row).is_some()).collect();
    assert_eq!(compared, [true, true, true, true, true, true, false]);
}

#[test]
fn hash_sums_do_not_depend_on_the_split_or_the_gil() {
    let one = gil::hash_sum(10_001, 1, None);
    for threads in [2, 3, 4] {
        assert_eq!(gil::hash_sum(10_001, threads, None), one);
        assert_eq!(gil::hash_sum(10_001, threads, Some(7)), one);
    }
}

#[cfg(loom)]
mod under_loom {
    use super::*;
    use crate::support::{assert_outcomes, assert_violation, loom};
    use interleave::checker::Mode;

    #[test]
    fn loom_thread_and_process_outcome_sets_are_exact() {
        for (row, outcome) in WRITES {
            assert_holds_with(&loom(row, Mode::Outcomes), &[outcome]);
        }
    }

    #[test]
    fn loom_gil_counter_race_is_found_and_its_outcome_set_is_exact() {
        assert_violation(&loom(gil::COUNTER_RACE, Mode::Check), "lost update");
        let all = loom(gil::COUNTER_RACE, Mode::Outcomes);
        assert_outcomes(&all, &["n = 0", "n = 1", "n = 2"]);
    }

    #[test]
    fn loom_gil_switch_between_updates_holds() {
        let report = check(gil::SWITCH_BETWEEN_UPDATES, Backend::Loom, 2, None);
        assert_holds_with(&report, &["n = 0"]);
    }
}
