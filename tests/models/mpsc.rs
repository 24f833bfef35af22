//! `interleave::sync::mpsc`, as a user ports std code to it. A consumer that takes `try_recv`'s
//! `Empty` for "done" (`try_iter`) misses items; one that receives until the channel
//! disconnects (`iter`) gets them all. A producer whose bounded channel is full while the
//! consumer joins it before receiving, and a consumer waiting on a sender nobody dropped, both
//! deadlock, and the report names the channel. std's semantics are pinned: a rendezvous send
//! completes only once it is received, a rendezvous sender whose receiver goes gets its item
//! back, the errors of a disconnected or full channel, and `recv_timeout`'s endings on each
//! backend. Each check is written once and run under shuttle, natively and, with `--cfg loom`,
//! under loom.

use crate::atomics::outcomes;
use crate::rwlock::{notes, on};
use interleave::runtime::{Backend, Runtime};
use interleave::sync::atomic::{AtomicBool, Ordering::SeqCst};
use interleave::sync::mpsc::{
    self, RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError, channel_named,
    sync_channel_named,
};
use interleave::{check, model, thread};
use std::sync::Arc;
use std::time::Duration;

/// Two producers each send their number on a clone of the sender; main drops its own, then
/// takes items until `try_recv` finds none (`stop_at_empty`, the bug) or until every sender is
/// gone. Returns what it got, sorted.
fn consume<R: Runtime>(stop_at_empty: bool) -> Vec<u8> {
    let (jobs, received) = channel_named::<R, u8>("jobs");
    let producers: Vec<_> = (1..=2)
        .map(|item| {
            let jobs = jobs.clone();
            thread::spawn::<R, _, _>(move || jobs.send(item).expect("the receiver is there"))
        })
        .collect();
    drop(jobs);
    let mut got: Vec<u8> = match stop_at_empty {
        true => received.try_iter().collect(),
        false => received.iter().collect(),
    };
    producers.into_iter().for_each(thread::JoinHandle::join);
    got.sort_unstable();
    got
}

#[allow(clippy::ptr_arg, reason = "`forbid` hands over the outcome, a `&Vec`")]
fn missed(got: &Vec<u8>) -> Option<&'static str> {
    (got.len() < 2).then_some("items were missed")
}

/// `try_iter` stops at the first `Empty`: the consumer misses items, any of them; `iter` gets
/// both in every execution.
fn empty_is_not_done(backend: Backend) {
    let failure = on(check(model!(|R| consume::<R>(true))), backend, 300)
        .forbid(missed)
        .assert_violation("items were missed");
    // Both items were sent (the producers are joined), fewer were received.
    let notes = notes(&failure.trace);
    let count = |text: &str| notes.iter().filter(|(_, note)| note == text).count();
    assert_eq!(count("sends on jobs"), 2, "{notes:?}");
    assert!(count("receives from jobs") < 2, "{notes:?}");
    let stopped = on(check(model!(|R| consume::<R>(true))), backend, 300)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(outcomes(&stopped, backend), ["[1, 2]", "[1]", "[2]", "[]"]);
    let all = on(check(model!(|R| consume::<R>(false))), backend, 300)
        .forbid(missed)
        .outcomes()
        .assert_holds();
    assert_eq!(outcomes(&all, backend), ["[1, 2]"]);
}

/// Who waits for what at the deadlock, sorted.
fn blocked(failure: &interleave::checker::Failure) -> Vec<(String, String)> {
    let mut blocked: Vec<_> = failure
        .trace
        .blocked
        .iter()
        .map(|b| (b.thread.name.clone(), b.waits_for.name.clone()))
        .collect();
    blocked.sort_unstable();
    blocked
}

/// A producer sends two items on a channel of one while main joins it before receiving: the
/// producer waits for room, main for the producer. And a consumer that receives until the
/// channel disconnects, while main joins it still holding the sender: it waits for ever.
fn blocked_ends_deadlock(backend: Backend) {
    let failure = on(
        check(model!(|R| {
            let (jobs, received) = sync_channel_named::<R, u8>("jobs", 1);
            let producer = thread::spawn::<R, _, _>(move || {
                jobs.send(1).unwrap();
                jobs.send(2).unwrap();
            });
            producer.join();
            received.iter().count()
        })),
        backend,
        50,
    )
    .assert_deadlock();
    assert_eq!(
        blocked(&failure),
        [
            ("Thread-1".to_owned(), "a notify on jobs".to_owned()),
            ("main".to_owned(), "Thread-1 to finish".to_owned())
        ]
    );
    assert!(
        failure
            .message
            .starts_with("deadlock: Thread-1 waits for a notify on jobs that never comes"),
        "{}",
        failure.message
    );
    let failure = on(
        check(model!(|R| {
            let (jobs, received) = channel_named::<R, u8>("jobs");
            let consumer = thread::spawn::<R, _, _>(move || received.iter().count());
            jobs.send(1).unwrap();
            consumer.join()
        })),
        backend,
        50,
    )
    .assert_deadlock();
    assert_eq!(
        blocked(&failure),
        [
            ("Thread-1".to_owned(), "a notify on jobs".to_owned()),
            ("main".to_owned(), "Thread-1 to finish".to_owned())
        ]
    );
}

/// A producer sends 1 on a channel of `bound`, then says it has; main looks whether it has,
/// then receives. Returns what main saw.
fn sent_before_received<R: Runtime>(bound: usize) -> bool {
    let (jobs, received) = sync_channel_named::<R, u8>("jobs", bound);
    let sent = Arc::new(AtomicBool::<R>::named("sent", false));
    let producer = {
        let sent = sent.clone();
        thread::spawn::<R, _, _>(move || {
            jobs.send(1).unwrap();
            sent.store(true, SeqCst);
        })
    };
    let before = sent.load(SeqCst);
    assert_eq!(received.recv(), Ok(1));
    producer.join();
    before
}

/// A rendezvous producer sends 1; main drops the receiver without receiving. Returns what the
/// send gave back.
fn receiver_leaves_a_rendezvous<R: Runtime>() -> Result<(), u8> {
    let (jobs, received) = sync_channel_named::<R, u8>("jobs", 0);
    let producer = thread::spawn::<R, _, _>(move || jobs.send(1).map_err(|SendError(item)| item));
    drop(received);
    producer.join()
}

/// A rendezvous send completes only once main has received it, where a channel of one lets it
/// complete first; a rendezvous sender gets its item back when the receiver goes.
fn a_rendezvous_waits_for_the_receiver(backend: Backend) {
    let rendezvous = on(
        check(model!(|R| sent_before_received::<R>(0))),
        backend,
        200,
    )
    .outcomes()
    .run()
    .unwrap();
    assert_eq!(outcomes(&rendezvous, backend), ["false"]);
    let one = on(
        check(model!(|R| sent_before_received::<R>(1))),
        backend,
        200,
    )
    .outcomes()
    .run()
    .unwrap();
    assert_eq!(outcomes(&one, backend), ["false", "true"]);
    let left = on(check(model!(receiver_leaves_a_rendezvous)), backend, 200)
        .outcomes()
        .run()
        .unwrap();
    assert_eq!(outcomes(&left, backend), ["Err(1)"]);
}

/// A producer sends 1 (or not) and goes; main waits for an item with a timeout. Returns what
/// `recv_timeout` gave.
fn receive_with_a_timeout<R: Runtime>(send: bool) -> Result<u8, RecvTimeoutError> {
    let (jobs, received) = channel_named::<R, u8>("jobs");
    let producer = thread::spawn::<R, _, _>(move || {
        if send {
            jobs.send(1).unwrap();
        }
    });
    let got = received.recv_timeout(Duration::from_secs(1));
    producer.join();
    got
}

/// Under shuttle the timeout may end the wait before the item or the disconnection comes, or
/// not; under loom it never does.
fn recv_timeout_endings(backend: Backend) {
    let expected: [&[&str]; 2] = match backend {
        Backend::Loom => [&["Ok(1)"], &["Err(Disconnected)"]],
        _ => [
            &["Err(Timeout)", "Ok(1)"],
            &["Err(Disconnected)", "Err(Timeout)"],
        ],
    };
    for (send, expected) in [true, false].into_iter().zip(expected) {
        let report = on(
            check(model!(|R| receive_with_a_timeout::<R>(send))),
            backend,
            200,
        )
        .outcomes()
        .run()
        .unwrap();
        assert_eq!(outcomes(&report, backend), expected, "send: {send}");
    }
}

/// std's calls, in one thread: disconnection, fullness, a rendezvous with nobody waiting, a
/// timeout with nothing to receive, iteration.
fn one_thread_calls<R: Runtime>() {
    let (jobs, received) = mpsc::channel::<R, u8>();
    let more = jobs.clone();
    jobs.send(1).unwrap();
    drop(jobs);
    assert_eq!(received.recv(), Ok(1));
    assert_eq!(
        received.try_recv(),
        Err(TryRecvError::Empty),
        "a clone is left"
    );
    assert_eq!(
        received.recv_timeout(Duration::from_millis(10)),
        Err(RecvTimeoutError::Timeout)
    );
    more.send(2).unwrap();
    drop(more);
    assert_eq!(received.try_recv(), Ok(2));
    assert_eq!(received.recv(), Err(RecvError));
    assert_eq!(received.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(
        received.recv_timeout(Duration::from_millis(10)),
        Err(RecvTimeoutError::Disconnected)
    );

    let (jobs, received) = mpsc::channel::<R, u8>();
    drop(received);
    assert_eq!(jobs.send(5), Err(SendError(5)));

    let (jobs, received) = mpsc::sync_channel::<R, u8>(1);
    assert_eq!(jobs.try_send(1), Ok(()));
    assert_eq!(jobs.try_send(2), Err(TrySendError::Full(2)));
    drop(received);
    assert_eq!(jobs.try_send(3), Err(TrySendError::Disconnected(3)));
    assert_eq!(jobs.send(4), Err(SendError(4)));

    let (jobs, received) = mpsc::sync_channel::<R, u8>(0);
    assert_eq!(
        jobs.try_send(1),
        Err(TrySendError::Full(1)),
        "nobody waits in recv"
    );
    drop(received);
    assert_eq!(jobs.try_send(2), Err(TrySendError::Disconnected(2)));

    let (jobs, received) = mpsc::sync_channel::<R, u8>(3);
    for item in 1..=3 {
        jobs.send(item).unwrap();
    }
    drop(jobs);
    assert_eq!(received.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
}

#[test]
fn shuttle_finds_a_consumer_that_takes_empty_for_done_misses_items() {
    empty_is_not_done(Backend::Shuttle);
}

#[test]
fn shuttle_finds_blocked_channel_ends_deadlock() {
    blocked_ends_deadlock(Backend::Shuttle);
}

#[test]
fn shuttle_finds_a_rendezvous_waits_for_the_receiver() {
    a_rendezvous_waits_for_the_receiver(Backend::Shuttle);
}

#[test]
fn shuttle_explores_both_endings_of_recv_timeout() {
    recv_timeout_endings(Backend::Shuttle);
}

#[test]
fn mpsc_calls_behave_as_std_on_shuttle_and_natively() {
    for backend in [Backend::Shuttle, Backend::Native] {
        on(check(model!(one_thread_calls)), backend, 3).assert_holds();
    }
}

/// Natively nothing is explored: receiving until disconnection gets every item in every run,
/// and a rendezvous send never completes before its receive.
#[test]
fn natively_the_mpsc_fixes_hold() {
    let all = check(model!(|R| consume::<R>(false)))
        .forbid(missed)
        .executions(20)
        .backend(Backend::Native)
        .assert_holds();
    assert_eq!(outcomes(&all, Backend::Native), ["[1, 2]"]);
    let rendezvous = check(model!(|R| sent_before_received::<R>(0)))
        .executions(20)
        .native()
        .unwrap();
    assert_eq!(outcomes(&rendezvous, Backend::Native), ["false"]);
}

#[cfg(loom)]
mod loom {
    use super::*;

    #[test]
    fn loom_finds_a_consumer_that_takes_empty_for_done_misses_items() {
        empty_is_not_done(Backend::Loom);
    }

    #[test]
    fn loom_finds_blocked_channel_ends_deadlock() {
        blocked_ends_deadlock(Backend::Loom);
    }

    #[test]
    fn loom_finds_a_rendezvous_waits_for_the_receiver() {
        a_rendezvous_waits_for_the_receiver(Backend::Loom);
    }

    #[test]
    fn loom_never_times_out_a_recv_timeout() {
        recv_timeout_endings(Backend::Loom);
    }
}
