//! echo: with `if not data: break` every client gets exactly its messages back, upper-cased, in
//! order (threads and gevent tasks); the tutorial's handler spins on `b''` once its client closed,
//! and the verdict names it; a client that takes one `recv` for one reply misreads a split reply.
//! Also the in-memory connection itself: a stream, two pieces per send, `b''` after a close.

use crate::support::{
    assert_declared_outcomes, assert_holds_with, assert_violation, check, declared, interleave,
    outcome_set, run_variant, stdout,
};
use interleave::checker::{self, Failure, Mode, Report};
use interleave::connection::{BrokenPipe, EMPTY_READS_LIMIT, Listener};
use interleave::models::echo::{
    ASYNC, ASYNC_SPIN, ONE_RECV_ONE_MESSAGE, THREADED, THREADED_SPIN, split_reads,
};
use interleave::runtime::{Backend, Native};

const LIVELOCK: &str = "reads an empty buffer forever from a closed connection";
const FROZEN: &str =
    "gevent's recv returns b'' there without switching: the hub never runs another task";

fn every_reply(clients: usize) -> String {
    format!("all {} replies upper-cased, in order", clients * 2)
}

/// A livelock verdict naming `handler-N` and the connection it serves, `conn-N`.
fn assert_handler_spins(report: &Report) -> Failure {
    let failure = assert_violation(report, LIVELOCK);
    let message = &failure.message;
    let handler = message
        .split("livelock: handler-")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no spinning handler named in {message:?}"));
    assert!(
        message.contains(&format!("(conn-{handler})")),
        "handler-{handler} serves conn-{handler}: {message:?}"
    );
    failure
}

#[test]
fn threaded_holds_under_shuttle_every_reply_upper_cased_in_order() {
    let report = check(THREADED, Backend::Shuttle, 20, 60);
    assert_holds_with(&report, &[&every_reply(10)]);
    assert_declared_outcomes(&report, THREADED);
}

#[test]
fn threaded_spin_is_a_livelock_naming_the_handler_in_the_first_execution() {
    let report = check(THREADED_SPIN, Backend::Shuttle, 20, None);
    let failure = assert_handler_spins(&report);
    assert_eq!(failure.execution, 1);
    let token = failure.replay.as_ref().expect("the livelock is replayable");
    let replayed = checker::replay(&THREADED_SPIN.variant(), token).expect("the token fits");
    assert_eq!(assert_handler_spins(&replayed).message, failure.message);
}

#[test]
fn async_holds_under_shuttle_every_reply_upper_cased_in_order() {
    let report = check(ASYNC, Backend::Shuttle, 20, 100);
    assert_holds_with(&report, &[&every_reply(10)]);
}

#[test]
fn async_spin_is_a_livelock_that_freezes_gevent_s_hub() {
    let failure = assert_handler_spins(&check(ASYNC_SPIN, Backend::Shuttle, 20, None));
    crate::support::assert_message(&failure, FROZEN);
}

/// The outcome names the client, what it sent and the half of the reply it took for all of it.
#[test]
fn one_recv_one_message_misreads_a_split_reply_under_shuttle() {
    let report = check(ONE_RECV_ONE_MESSAGE, Backend::Shuttle, 20, None);
    let failure = assert_violation(&report, " and read b'THREA");
    crate::support::assert_message(&failure, "sent b'Thread-");
    let outcome = failure.outcome.expect("the execution ran to its end");
    assert!(declared(&ONE_RECV_ONE_MESSAGE.variant(), 20).contains(&outcome.text));
}

/// One client: every split a single read can see, and the whole reply; nothing else.
#[test]
fn one_recv_one_message_sampled_outcomes_are_the_declared_splits() {
    let report = run_variant(
        ONE_RECV_ONE_MESSAGE,
        Backend::Shuttle,
        2,
        Mode::Outcomes,
        600,
    );
    let seen = outcome_set(&report);
    let declared = declared(&ONE_RECV_ONE_MESSAGE.variant(), 2);
    assert!(seen.iter().all(|o| declared.contains(o)), "{seen:?}");
    assert!(seen.contains(&every_reply(1)), "{seen:?}");
    assert!(seen.len() > 2, "{seen:?}");
}

#[test]
fn a_20_byte_reply_can_be_read_as_5_10_or_15_bytes() {
    assert_eq!(split_reads(20).into_iter().collect::<Vec<_>>(), [5, 10, 15]);
    assert_eq!(split_reads(21).into_iter().collect::<Vec<_>>(), [5, 10, 15]);
}

#[test]
fn natively_the_fixed_servers_hold_and_the_spinning_ones_are_caught() {
    assert_holds_with(
        &check(THREADED, Backend::Native, 20, 2),
        &[&every_reply(10)],
    );
    assert_holds_with(&check(ASYNC, Backend::Native, 20, 2), &[&every_reply(10)]);
    assert_handler_spins(&check(THREADED_SPIN, Backend::Native, 4, 1));
    assert_handler_spins(&check(ASYNC_SPIN, Backend::Native, 4, 1));
}

#[test]
fn check_exits_1_on_each_broken_variant_and_says_why() {
    for (id, says) in [
        ("echo/threaded-spin", "livelock: handler-"),
        ("echo/async-spin", FROZEN),
        ("echo/one-recv-one-message", "as its reply"),
    ] {
        let output = interleave(&["check", id]);
        assert_eq!(output.status.code(), Some(1), "{id}: {}", stdout(&output));
        assert!(stdout(&output).contains(says), "{id}: {}", stdout(&output));
    }
}

#[test]
fn a_connection_is_a_stream_that_reads_empty_once_the_peer_closed() {
    let listener = Listener::<Native>::bind("test");
    let client = listener.connect();
    let server = listener.accept();
    assert_eq!(client.name(), "conn-1");
    client.send(b"hello").unwrap();
    client.send(b"").unwrap();
    client.send(b" world").unwrap();
    assert_eq!(server.recv(3), b"hel");
    assert_eq!(server.recv(1024), b"lo world");
    client.close();
    assert_eq!(server.recv(1024), b"");
    assert_eq!(server.recv(1024), b"");
    assert_eq!(server.send(b"late"), Err(BrokenPipe));
    assert_eq!(server.send(b""), Ok(()));
}

#[test]
#[should_panic(expected = "livelock: ")]
fn reading_a_closed_connection_again_and_again_is_a_livelock() {
    let listener = Listener::<Native>::bind("test");
    let client = listener.connect();
    let server = listener.accept();
    client.close();
    for _ in 0..EMPTY_READS_LIMIT {
        assert!(server.recv(1024).is_empty());
    }
}

#[cfg(loom)]
mod under_loom {
    use super::*;
    use crate::support::loom;
    use interleave::lesson::Params;

    /// `threads` (2 per client) explored at preemption bound `bound`, with what it cost.
    fn loom_at(variant: interleave::lesson::Variant, threads: usize, bound: usize) -> Report {
        let mut budget = crate::support::test_budget(&variant, Backend::Loom, Mode::Check);
        budget.preemption_bound = bound;
        let report = checker::check(
            &variant,
            Backend::Loom,
            &Params { threads },
            &budget,
            Mode::Check,
        )
        .expect("loom is built");
        eprintln!(
            "{} [loom, {threads} threads, bound {bound}]: {} after {} executions in {:.2?}",
            variant.id,
            report.verdict.name(),
            report.executions,
            report.elapsed
        );
        report
    }

    #[test]
    fn loom_threaded_holds_exhaustively_for_one_client() {
        let report = loom(THREADED, Mode::Outcomes);
        assert_holds_with(&report, &[&every_reply(1)]);
        assert_declared_outcomes(&report, THREADED);
    }

    #[test]
    fn loom_threaded_holds_for_two_clients_at_preemption_bound_1() {
        let report = loom_at(THREADED.variant(), 4, 1);
        assert_holds_with(&report, &[&every_reply(2)]);
    }

    #[test]
    fn loom_threaded_spin_is_a_livelock_naming_the_handler() {
        assert_handler_spins(&loom(THREADED_SPIN, Mode::Check));
        assert_handler_spins(&loom_at(THREADED_SPIN.variant(), 4, 1));
    }

    #[test]
    fn loom_async_holds_exhaustively_for_one_client() {
        let report = loom(ASYNC, Mode::Outcomes);
        assert_holds_with(&report, &[&every_reply(1)]);
    }

    #[test]
    fn loom_async_spin_freezes_the_hub_and_starves_the_other_client() {
        let failure = assert_handler_spins(&loom(ASYNC_SPIN, Mode::Check));
        crate::support::assert_message(&failure, FROZEN);
        let failure = assert_handler_spins(&loom_at(ASYNC_SPIN.variant(), 4, 1));
        crate::support::assert_message(&failure, "starve");
    }

    #[test]
    fn loom_one_recv_one_message_outcome_set_is_exactly_the_declared_splits() {
        let report = loom(ONE_RECV_ONE_MESSAGE, Mode::Outcomes);
        assert_declared_outcomes(&report, ONE_RECV_ONE_MESSAGE);
        assert_eq!(outcome_set(&report).len(), 7);
        assert_violation(&loom(ONE_RECV_ONE_MESSAGE, Mode::Check), "as its reply");
    }

    #[test]
    fn loom_check_exits_1_on_the_spinning_servers() {
        for id in ["echo/threaded-spin", "echo/async-spin"] {
            let output = interleave(&["check", id, "--backend", "loom"]);
            assert_eq!(output.status.code(), Some(1), "{id}: {}", stdout(&output));
            assert!(
                stdout(&output).contains("livelock: handler-1"),
                "{}",
                stdout(&output)
            );
        }
    }
}
