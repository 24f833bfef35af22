//! std's `mpsc` channels over any [`Runtime`]: [`channel`] (unbounded) and [`sync_channel`]
//! (bounded; a bound of 0 is a rendezvous), with std's methods and std's own error types, so
//! code that matches on `TryRecvError::Empty` ports by changing its imports. A channel is a
//! queue under the facade's own [`Mutex`], with a [`Condvar`] the receiver waits on and one the
//! senders wait on, all named after the channel ([`channel_named`]): every send and receive is a
//! step of the checker, in timelines and deadlock reports under its name.
//!
//! What differs from std:
//! - A channel carries `T: Send + 'static` (a model's values).
//! - `recv_timeout` waits with the facade's `Condvar::wait_timeout`: natively a real timer (in
//!   the tutorial's units, see [`crate::runtime::set_sleep_scale`]); under shuttle the timer
//!   may fire at any point, both endings explored; under loom it never fires (no clock), so a
//!   check whose receiver only a timeout would wake is reported as not checked there (it relies
//!   on a timeout, which loom does not fire), never as a deadlock or a pass.
//! - A handle dropped by a panic: natively it disconnects, as std's; under shuttle and loom the
//!   panic ends the execution.
//! - No `send_timeout` or `recv_deadline` (unstable in std). Items still queued when the
//!   receiver goes are dropped, as std's are.

use super::built::{note, release};
use super::{Condvar, Mutex};
use crate::runtime::{Runtime, sleep_scale};
use crate::trace;
use std::collections::VecDeque;
use std::fmt::{self, Debug};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

/// What is in the channel, and who is still at its ends.
struct Queue<T> {
    /// Sent and not yet received, each with its number in send order.
    items: VecDeque<(u64, T)>,
    /// Items ever sent: the next one's number.
    sent: u64,
    /// Items ever received: item `k` has been received once `received > k`.
    received: u64,
    senders: usize,
    receiver: bool,
    receiver_waiting: bool,
    senders_waiting: usize,
}

/// The channel both ends share.
struct Channel<R: Runtime, T: Send + 'static> {
    queue: Mutex<R, Queue<T>>,
    /// `None`: unbounded; `Some(0)`: a rendezvous.
    bound: Option<usize>,
    /// The receiver waits here for an item, or for the last sender to go.
    arrived: Condvar<R>,
    /// Senders wait here for room (or, at a rendezvous, for their item to be taken), or for the
    /// receiver to go.
    taken: Condvar<R>,
}

impl<R: Runtime, T: Send + 'static> Channel<R, T> {
    fn named(name: &str, bound: Option<usize>) -> Arc<Self> {
        let queue = Queue {
            items: VecDeque::new(),
            sent: 0,
            received: 0,
            senders: 1,
            receiver: true,
            receiver_waiting: false,
            senders_waiting: 0,
        };
        Arc::new(Channel {
            queue: Mutex::named(name, queue),
            bound,
            arrived: Condvar::named(name),
            taken: Condvar::named(name),
        })
    }

    fn name(&self) -> String {
        self.queue.name()
    }

    fn debug(&self, f: &mut fmt::Formatter<'_>, kind: &str) -> fmt::Result {
        trace::debug_object(f, kind, self.queue.id).finish_non_exhaustive()
    }

    /// Sends `item`, blocking for room (or, at a rendezvous, until it is received) if `block`;
    /// `Err` with the item when it cannot go, and why.
    #[track_caller]
    fn send(&self, item: T, block: bool) -> Result<(), TrySendError<T>> {
        let mut queue = self.queue.lock();
        let full = |queue: &Queue<T>| match self.bound {
            None => false,
            // A blocking send queues its item and waits for it to be taken (below); a
            // `try_send` goes only to a receiver waiting with nothing queued.
            Some(0) => !(block || (queue.receiver_waiting && queue.items.is_empty())),
            Some(bound) => queue.items.len() >= bound,
        };
        while queue.receiver && full(&queue) {
            if !block {
                return Err(TrySendError::Full(item));
            }
            queue.senders_waiting += 1;
            queue = self.taken.wait(queue);
            queue.senders_waiting -= 1;
        }
        if !queue.receiver {
            return Err(TrySendError::Disconnected(item));
        }
        let number = queue.sent;
        queue.sent += 1;
        queue.items.push_back((number, item));
        note::<R>(|| format!("sends on {}", self.name()));
        if queue.receiver_waiting {
            self.arrived.notify_one();
        }
        if self.bound == Some(0) && block {
            // A rendezvous: the send completes when the receiver takes the item.
            while queue.receiver && queue.received <= number {
                queue.senders_waiting += 1;
                queue = self.taken.wait(queue);
                queue.senders_waiting -= 1;
            }
            if queue.received <= number {
                let at = queue.items.iter().position(|(n, _)| *n == number);
                let at = at.expect("not received, so still queued");
                let (_, item) = queue.items.remove(at).expect("a queued item");
                return Err(TrySendError::Disconnected(item));
            }
        }
        Ok(())
    }

    /// Takes the next item, waiting for one (for `timeout` at most, if given) if `block`.
    #[track_caller]
    fn recv(&self, block: bool, timeout: Option<Duration>) -> Result<T, RecvTimeoutError> {
        let started = Instant::now();
        let mut queue = self.queue.lock();
        let mut timed_out = false;
        loop {
            if let Some((_, item)) = queue.items.pop_front() {
                queue.received += 1;
                note::<R>(|| format!("receives from {}", self.name()));
                match self.bound {
                    Some(0) if queue.senders_waiting > 0 => self.taken.notify_all(),
                    Some(_) if queue.senders_waiting > 0 => self.taken.notify_one(),
                    _ => {}
                }
                return Ok(item);
            }
            if queue.senders == 0 {
                return Err(RecvTimeoutError::Disconnected);
            }
            if !block || timed_out {
                return Err(RecvTimeoutError::Timeout);
            }
            queue.receiver_waiting = true;
            queue = match timeout {
                None => self.arrived.wait(queue),
                Some(timeout) => {
                    // Natively, what is left of the timeout (a wake-up with nothing to take
                    // waits again); the checkers have no clock, and each wait may time out.
                    let left = if R::HAS_CLOCK {
                        timeout.saturating_sub(started.elapsed() * sleep_scale())
                    } else {
                        timeout
                    };
                    let (queue, ended) = self.arrived.wait_timeout(queue, left);
                    timed_out = ended;
                    queue
                }
            };
            queue.receiver_waiting = false;
        }
    }
}

/// The sending end of a [`channel`]: clone it for more senders; the channel disconnects when
/// the last one is dropped.
pub struct Sender<R: Runtime, T: Send + 'static> {
    channel: Arc<Channel<R, T>>,
}

/// The sending end of a [`sync_channel`]: `send` blocks while the channel is full.
pub struct SyncSender<R: Runtime, T: Send + 'static> {
    channel: Arc<Channel<R, T>>,
}

/// The receiving end of a channel: one thread receives at a time (it is `Send`, not `Sync`).
pub struct Receiver<R: Runtime, T: Send + 'static> {
    channel: Arc<Channel<R, T>>,
    _not_sync: PhantomData<std::cell::Cell<()>>,
}

/// An unbounded channel named `channel`: `send` never blocks.
pub fn channel<R: Runtime, T: Send + 'static>() -> (Sender<R, T>, Receiver<R, T>) {
    channel_named("channel")
}

/// An unbounded channel named `name` in timelines and deadlock reports.
pub fn channel_named<R: Runtime, T: Send + 'static>(name: &str) -> (Sender<R, T>, Receiver<R, T>) {
    let channel = Channel::named(name, None);
    (
        Sender {
            channel: channel.clone(),
        },
        Receiver::of(channel),
    )
}

/// A channel named `channel` holding at most `bound` items: `send` blocks while it is full. A
/// bound of 0 is a rendezvous, as in std: each `send` returns once the receiver has taken its
/// item, and `try_send` succeeds only while the receiver is waiting in `recv`.
pub fn sync_channel<R: Runtime, T: Send + 'static>(
    bound: usize,
) -> (SyncSender<R, T>, Receiver<R, T>) {
    sync_channel_named("channel", bound)
}

/// A [`sync_channel`] named `name` in timelines and deadlock reports.
pub fn sync_channel_named<R: Runtime, T: Send + 'static>(
    name: &str,
    bound: usize,
) -> (SyncSender<R, T>, Receiver<R, T>) {
    let channel = Channel::named(name, Some(bound));
    (
        SyncSender {
            channel: channel.clone(),
        },
        Receiver::of(channel),
    )
}

impl<R: Runtime, T: Send + 'static> Sender<R, T> {
    /// Queues `item` (never blocks); `Err` with it if the receiver is gone.
    #[track_caller]
    pub fn send(&self, item: T) -> Result<(), SendError<T>> {
        self.channel.send(item, true).map_err(|error| match error {
            TrySendError::Full(item) | TrySendError::Disconnected(item) => SendError(item),
        })
    }
}

impl<R: Runtime, T: Send + 'static> SyncSender<R, T> {
    /// Queues `item`, blocking while the channel is full (at a rendezvous, until the receiver
    /// takes it); `Err` with it if the receiver is gone (or goes before taking it).
    #[track_caller]
    pub fn send(&self, item: T) -> Result<(), SendError<T>> {
        self.channel.send(item, true).map_err(|error| match error {
            TrySendError::Full(item) | TrySendError::Disconnected(item) => SendError(item),
        })
    }

    /// Queues `item` if there is room (at a rendezvous, if the receiver waits in `recv`):
    /// `Full` or `Disconnected` with the item if not.
    #[track_caller]
    pub fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        self.channel.send(item, false)
    }
}

/// A sender's `clone` and `drop` are steps: they count the channel's senders.
fn sender_joins<R: Runtime, T: Send + 'static>(channel: &Channel<R, T>) {
    channel.queue.lock().senders += 1;
}

fn sender_leaves<R: Runtime, T: Send + 'static>(channel: &Channel<R, T>) {
    release(&channel.queue, &channel.arrived, |queue| {
        queue.senders -= 1;
        if queue.senders == 0 {
            note::<R>(|| format!("disconnects {}: its last sender is gone", channel.name()));
        }
        queue.senders == 0 && queue.receiver_waiting
    });
}

impl<R: Runtime, T: Send + 'static> Clone for Sender<R, T> {
    fn clone(&self) -> Self {
        sender_joins(&self.channel);
        Sender {
            channel: self.channel.clone(),
        }
    }
}

impl<R: Runtime, T: Send + 'static> Drop for Sender<R, T> {
    fn drop(&mut self) {
        sender_leaves(&self.channel);
    }
}

impl<R: Runtime, T: Send + 'static> Clone for SyncSender<R, T> {
    fn clone(&self) -> Self {
        sender_joins(&self.channel);
        SyncSender {
            channel: self.channel.clone(),
        }
    }
}

impl<R: Runtime, T: Send + 'static> Drop for SyncSender<R, T> {
    fn drop(&mut self) {
        sender_leaves(&self.channel);
    }
}

impl<R: Runtime, T: Send + 'static> Receiver<R, T> {
    fn of(channel: Arc<Channel<R, T>>) -> Self {
        Receiver {
            channel,
            _not_sync: PhantomData,
        }
    }

    /// The next item, waiting for one; `Err(RecvError)` once every sender is gone and the
    /// channel is empty.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.channel.recv(true, None).map_err(|_| RecvError)
    }

    /// The next item if one is queued: `Empty` if not, `Disconnected` if no sender is left
    /// either.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.channel.recv(false, None).map_err(|error| match error {
            RecvTimeoutError::Timeout => TryRecvError::Empty,
            RecvTimeoutError::Disconnected => TryRecvError::Disconnected,
        })
    }

    /// The next item, waiting for `timeout` at most: `Timeout` if none came, `Disconnected`
    /// once every sender is gone and the channel is empty. See the module's notes for what a
    /// timeout is on each backend.
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.channel.recv(true, Some(timeout))
    }

    /// The items as they come, until every sender is gone (each `next` a `recv`).
    pub fn iter(&self) -> Iter<'_, R, T> {
        Iter { receiver: self }
    }

    /// The items queued now, without waiting (each `next` a `try_recv`).
    pub fn try_iter(&self) -> TryIter<'_, R, T> {
        TryIter { receiver: self }
    }
}

impl<R: Runtime, T: Send + 'static> Drop for Receiver<R, T> {
    fn drop(&mut self) {
        let channel = &self.channel;
        let mut dropped = VecDeque::new();
        release(&channel.queue, &channel.taken, |queue| {
            queue.receiver = false;
            note::<R>(|| format!("disconnects {}: its receiver is gone", channel.name()));
            // A rendezvous sender takes its item back; the others' are dropped, as std's are,
            // once the lock is let go (an item's own drop may use the channel).
            if channel.bound != Some(0) {
                dropped = std::mem::take(&mut queue.items);
            }
            queue.senders_waiting > 0
        });
        drop(dropped);
    }
}

/// [`Receiver::iter`]'s iterator.
pub struct Iter<'a, R: Runtime, T: Send + 'static> {
    receiver: &'a Receiver<R, T>,
}

/// [`Receiver::try_iter`]'s iterator.
pub struct TryIter<'a, R: Runtime, T: Send + 'static> {
    receiver: &'a Receiver<R, T>,
}

/// A [`Receiver`] as an iterator, owning it: [`Receiver::iter`]'s items.
pub struct IntoIter<R: Runtime, T: Send + 'static> {
    receiver: Receiver<R, T>,
}

impl<R: Runtime, T: Send + 'static> Iterator for Iter<'_, R, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

impl<R: Runtime, T: Send + 'static> Iterator for TryIter<'_, R, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok()
    }
}

impl<R: Runtime, T: Send + 'static> Iterator for IntoIter<R, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

impl<'a, R: Runtime, T: Send + 'static> IntoIterator for &'a Receiver<R, T> {
    type Item = T;
    type IntoIter = Iter<'a, R, T>;
    fn into_iter(self) -> Iter<'a, R, T> {
        self.iter()
    }
}

impl<R: Runtime, T: Send + 'static> IntoIterator for Receiver<R, T> {
    type Item = T;
    type IntoIter = IntoIter<R, T>;
    fn into_iter(self) -> IntoIter<R, T> {
        IntoIter { receiver: self }
    }
}

impl<R: Runtime, T: Send + 'static> Debug for Sender<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.channel.debug(f, "Sender")
    }
}

impl<R: Runtime, T: Send + 'static> Debug for SyncSender<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.channel.debug(f, "SyncSender")
    }
}

impl<R: Runtime, T: Send + 'static> Debug for Receiver<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.channel.debug(f, "Receiver")
    }
}

impl<R: Runtime, T: Send + 'static> Debug for Iter<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.receiver.channel.debug(f, "Iter")
    }
}

impl<R: Runtime, T: Send + 'static> Debug for TryIter<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.receiver.channel.debug(f, "TryIter")
    }
}

impl<R: Runtime, T: Send + 'static> Debug for IntoIter<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.receiver.channel.debug(f, "IntoIter")
    }
}
