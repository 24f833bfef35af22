//! An in-memory stream connection over the facade: what an echo server and its clients need of a
//! TCP socket, in a form the checkers can explore. Two forms share one model of a byte stream:
//!
//! - threads: [`Listener`] (`connect`, `accept`) and [`Connection`] (`send`, `recv`, `close`),
//!   whose every blocking step is a facade [`Mutex`]/[`Condvar`] operation, so a scheduling point;
//! - cooperative tasks (gevent's sockets after `monkey.patch_all()`): [`AsyncListener`] and
//!   [`AsyncConnection`], whose waits are awaits (see [`crate::task`]).
//!
//! A connection is two pipes of bytes, one each way. What it keeps of TCP:
//! - a stream, not messages: `recv(max)` returns whatever is buffered, up to `max` bytes, so
//!   two sends can arrive in one read and one send in two;
//! - a send of two bytes or more is delivered in two pieces (split in the middle) with a switch
//!   point between them, so a reader can see half of it: that is how the checkers find a client
//!   that takes one `recv` for one message. (Only that one split; TCP may cut anywhere.)
//! - once the peer has closed and the buffer is drained, `recv` returns an empty buffer, at once
//!   and every time (Python's `b''`); sending to a peer that closed is a [`BrokenPipe`], except
//!   an empty send, which does nothing, as on a real socket;
//! - [`EMPTY_READS_LIMIT`] empty reads in a row from a closed connection is a livelock: the
//!   reader panics `livelock: <name> reads an empty buffer forever from a closed connection
//!   (<connection>)`, which the checker reports as a violation in the first execution that
//!   shows it, instead of a step limit with no name.
//!
//! What it leaves out: addresses and ports, the listen backlog and refused connects, buffers that
//! fill up (a send never blocks), resets and half-open states (a close is a clean FIN both ways),
//! timeouts, and any cut of a send other than in the middle. A close is explicit: dropping an end
//! does not close it (unwinding must not touch the checkers' state).
//!
//! Every connect, accept, send, recv and close is a step in the timeline, with the bytes.

use crate::runtime::Runtime;
use crate::sync::{Condvar, Mutex};
use crate::thread::{current_name, note};
use std::collections::{BTreeSet, VecDeque};
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Waker};

/// Empty reads in a row from a closed connection before the reader is declared spinning.
pub const EMPTY_READS_LIMIT: usize = 64;

/// A send to a peer that has closed (Python's `BrokenPipeError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrokenPipe;

impl std::fmt::Display for BrokenPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("broken pipe: the peer closed the connection")
    }
}

/// The bytes as Python prints them, cut short when long.
pub fn show(bytes: &[u8]) -> String {
    const SHOWN: usize = 40;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN)]).into_owned();
    let more = if bytes.len() > SHOWN { "..." } else { "" };
    format!("b'{}{more}'", text.escape_debug())
}

/// One direction of a connection.
#[derive(Default)]
struct Stream {
    bytes: VecDeque<u8>,
    /// The writer closed: once drained, reads return empty.
    writer_closed: bool,
    /// The reader closed: writes fail.
    reader_closed: bool,
}

impl Stream {
    fn take(&mut self, max: usize) -> Vec<u8> {
        let n = max.min(self.bytes.len());
        self.bytes.drain(..n).collect()
    }
}

/// The pieces a send is delivered in: two halves, or the whole of a one-byte send.
fn pieces(bytes: &[u8]) -> [&[u8]; 2] {
    let (first, rest) = bytes.split_at(bytes.len() / 2);
    if first.is_empty() {
        [rest, first]
    } else {
        [first, rest]
    }
}

/// Counts a reader's empty reads from a closed connection, and panics at the limit.
#[derive(Default)]
struct SpinDetector {
    in_a_row: AtomicUsize,
    /// Taken at the first empty read: once one execution's thread has panicked, the trace no
    /// longer answers (natively the tasks of a hub all run on one OS thread, named `main`).
    reader: std::sync::Mutex<Option<String>>,
}

impl SpinDetector {
    fn data(&self) {
        self.in_a_row.store(0, Ordering::Relaxed);
    }

    /// One more empty read; `then` adds to the verdict's message.
    fn empty<R: Runtime>(&self, connection: &str, then: impl FnOnce() -> String) {
        let reader = crate::util::lock_unpoisoned(&self.reader)
            .get_or_insert_with(|| {
                current_name::<R>()
                    .or_else(R::current_name)
                    .unwrap_or_else(|| "a thread".to_owned())
            })
            .clone();
        if self.in_a_row.fetch_add(1, Ordering::Relaxed) + 1 >= EMPTY_READS_LIMIT {
            panic!(
                "livelock: {reader} reads an empty buffer forever from a closed connection \
                 ({connection}){}",
                then()
            );
        }
    }
}

/// A pipe the threads form reads with a facade lock and condition variable.
struct Pipe<R: Runtime> {
    stream: Mutex<R, Stream>,
    readable: Condvar<R>,
}

impl<R: Runtime> Pipe<R> {
    fn named(name: &str) -> Arc<Self> {
        Arc::new(Pipe {
            stream: Mutex::named(name, Stream::default()),
            readable: Condvar::named(name),
        })
    }
}

/// One end of a connection between threads.
pub struct Connection<R: Runtime> {
    name: String,
    incoming: Arc<Pipe<R>>,
    outgoing: Arc<Pipe<R>>,
    spin: SpinDetector,
}

impl<R: Runtime> std::fmt::Debug for Connection<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> Connection<R> {
    /// Both ends of a new connection named `name`: (the connecting end, the accepting end).
    fn pair(name: String) -> (Self, Self) {
        let up = Pipe::named(&format!("{name} client->server"));
        let down = Pipe::named(&format!("{name} server->client"));
        let end = |incoming: &Arc<Pipe<R>>, outgoing: &Arc<Pipe<R>>| Connection {
            name: name.clone(),
            incoming: incoming.clone(),
            outgoing: outgoing.clone(),
            spin: SpinDetector::default(),
        };
        (end(&down, &up), end(&up, &down))
    }

    /// The connection's name, `conn-N`, the same at both ends.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends all of `bytes` (delivered in two pieces, see the module's doc); an empty send does
    /// nothing. Never blocks: the buffer has no limit.
    #[track_caller]
    pub fn send(&self, bytes: &[u8]) -> Result<(), BrokenPipe> {
        note::<R>(format!("send {} on {}", show(bytes), self.name));
        for piece in pieces(bytes).into_iter().filter(|p| !p.is_empty()) {
            let mut stream = self.outgoing.stream.lock();
            if stream.reader_closed {
                drop(stream);
                note::<R>(format!("send on {} failed: {BrokenPipe}", self.name));
                return Err(BrokenPipe);
            }
            stream.bytes.extend(piece);
            self.outgoing.readable.notify_all();
        }
        Ok(())
    }

    /// Blocks until there is data or the peer has closed; returns at most `max` bytes of what is
    /// buffered, or an empty buffer once the peer closed and everything was read.
    #[track_caller]
    pub fn recv(&self, max: usize) -> Vec<u8> {
        let mut stream = self.incoming.stream.lock();
        while stream.bytes.is_empty() && !stream.writer_closed {
            stream = self.incoming.readable.wait(stream);
        }
        let data = stream.take(max);
        drop(stream);
        if data.is_empty() {
            note::<R>(format!("recv b'' from {}: the peer closed", self.name));
            self.spin.empty::<R>(&self.name, String::new);
        } else {
            note::<R>(format!("recv {} from {}", show(&data), self.name));
            self.spin.data();
        }
        data
    }

    /// Closes this end: the peer reads what was sent and then empty buffers; its sends fail.
    #[track_caller]
    pub fn close(&self) {
        note::<R>(format!("close {}", self.name));
        let mut outgoing = self.outgoing.stream.lock();
        outgoing.writer_closed = true;
        self.outgoing.readable.notify_all();
        drop(outgoing);
        self.incoming.stream.lock().reader_closed = true;
    }
}

/// A listening socket for threads: clients `connect`, the server `accept`s.
pub struct Listener<R: Runtime> {
    address: String,
    pending: Mutex<R, Accepts<Connection<R>>>,
    arrived: Condvar<R>,
}

impl<R: Runtime> std::fmt::Debug for Listener<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

struct Accepts<C> {
    queue: VecDeque<C>,
    made: usize,
}

impl<R: Runtime> Listener<R> {
    /// A listener at `address` (a name only: nothing is bound).
    pub fn bind(address: &str) -> Self {
        Listener {
            address: address.to_owned(),
            pending: Mutex::named(
                &format!("listener {address}"),
                Accepts {
                    queue: VecDeque::new(),
                    made: 0,
                },
            ),
            arrived: Condvar::named(&format!("listener {address}")),
        }
    }

    /// Connects to the listener: the connection is queued for `accept`, numbered `conn-1`, ...
    #[track_caller]
    pub fn connect(&self) -> Connection<R> {
        let mut pending = self.pending.lock();
        pending.made += 1;
        let (client, server) = Connection::pair(format!("conn-{}", pending.made));
        note::<R>(format!("connect {} to {}", client.name, self.address));
        pending.queue.push_back(server);
        self.arrived.notify_one();
        client
    }

    /// Blocks until a connection arrives, and takes it.
    #[track_caller]
    pub fn accept(&self) -> Connection<R> {
        let mut pending = self.pending.lock();
        let connection = loop {
            match pending.queue.pop_front() {
                Some(connection) => break connection,
                None => pending = self.arrived.wait(pending),
            }
        };
        note::<R>(format!("accept {}", connection.name));
        connection
    }
}

/// A pipe the task form reads: tasks take turns, so a std mutex nothing contends for.
#[derive(Default)]
struct AsyncPipe {
    state: std::sync::Mutex<(Stream, Option<Waker>)>,
}

impl AsyncPipe {
    fn lock(&self) -> std::sync::MutexGuard<'_, (Stream, Option<Waker>)> {
        crate::util::lock_unpoisoned(&self.state)
    }

    fn wake_reader(state: &mut (Stream, Option<Waker>)) {
        if let Some(reader) = state.1.take() {
            reader.wake();
        }
    }
}

/// The connections of one listener that neither end has closed, by name.
type OpenConnections = Arc<std::sync::Mutex<BTreeSet<String>>>;

/// One end of a connection between cooperative tasks (gevent's patched socket).
pub struct AsyncConnection<R: Runtime> {
    name: String,
    incoming: Arc<AsyncPipe>,
    outgoing: Arc<AsyncPipe>,
    spin: SpinDetector,
    open: OpenConnections,
    /// The other connections open when this end first read an empty buffer after a close.
    open_at_first_empty_read: std::sync::Mutex<Option<Vec<String>>>,
    _runtime: PhantomData<fn() -> R>,
}

impl<R: Runtime> std::fmt::Debug for AsyncConnection<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncConnection")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> AsyncConnection<R> {
    fn pair(name: String, open: &OpenConnections) -> (Self, Self) {
        let (up, down) = (
            Arc::new(AsyncPipe::default()),
            Arc::new(AsyncPipe::default()),
        );
        crate::util::lock_unpoisoned(open).insert(name.clone());
        let end = |incoming: &Arc<AsyncPipe>, outgoing: &Arc<AsyncPipe>| AsyncConnection {
            name: name.clone(),
            incoming: incoming.clone(),
            outgoing: outgoing.clone(),
            spin: SpinDetector::default(),
            open: open.clone(),
            open_at_first_empty_read: std::sync::Mutex::new(None),
            _runtime: PhantomData,
        };
        (end(&down, &up), end(&up, &down))
    }

    /// The connection's name, `conn-N`, the same at both ends.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends all of `bytes` in two pieces, yielding between them (the network delivers the
    /// second later); an empty send does nothing and does not switch.
    pub async fn send(&self, bytes: &[u8]) -> Result<(), BrokenPipe> {
        note::<R>(format!("send {} on {}", show(bytes), self.name));
        let [first, rest] = pieces(bytes);
        for (index, piece) in [first, rest].into_iter().enumerate() {
            if piece.is_empty() {
                continue;
            }
            if index > 0 {
                R::yield_task().await;
            }
            let mut state = self.outgoing.lock();
            if state.0.reader_closed {
                drop(state);
                note::<R>(format!("send on {} failed: {BrokenPipe}", self.name));
                return Err(BrokenPipe);
            }
            state.0.bytes.extend(piece);
            AsyncPipe::wake_reader(&mut state);
        }
        Ok(())
    }

    /// Waits (an await that returns `Pending`) until there is data or the peer has closed, and
    /// returns at most `max` bytes, or an empty buffer once the peer closed and all was read.
    ///
    /// gevent's `recv` on a closed socket returns `b''` without switching; this one yields first,
    /// so that a checker always gets the processor back from a task that loops on it (shuttle
    /// would otherwise run that task forever). The spin detector names the loop either way.
    pub async fn recv(&self, max: usize) -> Vec<u8> {
        let data = std::future::poll_fn(|cx| {
            let mut state = self.incoming.lock();
            if !state.0.bytes.is_empty() || state.0.writer_closed {
                Poll::Ready(state.0.take(max))
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await;
        if !data.is_empty() {
            note::<R>(format!("recv {} from {}", show(&data), self.name));
            self.spin.data();
            return data;
        }
        R::yield_task().await;
        note::<R>(format!("recv b'' from {}: the peer closed", self.name));
        let others = crate::util::lock_unpoisoned(&self.open_at_first_empty_read)
            .get_or_insert_with(|| {
                let open = crate::util::lock_unpoisoned(&self.open);
                open.iter().filter(|c| **c != self.name).cloned().collect()
            })
            .clone();
        self.spin.empty::<R>(&self.name, || starved(&others));
        data
    }

    /// Closes this end: the peer reads what was sent and then empty buffers; its sends fail.
    pub fn close(&self) {
        note::<R>(format!("close {}", self.name));
        crate::util::lock_unpoisoned(&self.open).remove(&self.name);
        let mut outgoing = self.outgoing.lock();
        outgoing.0.writer_closed = true;
        AsyncPipe::wake_reader(&mut outgoing);
        drop(outgoing);
        self.incoming.lock().0.reader_closed = true;
    }
}

/// What the spin costs in gevent, where the loop never switches.
fn starved(others: &[String]) -> String {
    let frozen =
        "; gevent's recv returns b'' there without switching: the hub never runs another task";
    match others {
        [] => frozen.to_owned(),
        _ => format!(
            "{frozen}, and the clients of {} (open when the spin began) starve",
            others.join(", ")
        ),
    }
}

/// A listening socket for tasks (gevent's `StreamServer` shape: connect, await accept).
pub struct AsyncListener<R: Runtime> {
    address: String,
    pending: std::sync::Mutex<(Accepts<AsyncConnection<R>>, Option<Waker>)>,
    open: OpenConnections,
}

impl<R: Runtime> std::fmt::Debug for AsyncListener<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncListener")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> AsyncListener<R> {
    /// A listener at `address` (a name only: nothing is bound).
    pub fn bind(address: &str) -> Self {
        AsyncListener {
            address: address.to_owned(),
            pending: std::sync::Mutex::new((
                Accepts {
                    queue: VecDeque::new(),
                    made: 0,
                },
                None,
            )),
            open: OpenConnections::default(),
        }
    }

    /// Connects to the listener (no switch): the connection is queued for `accept`.
    pub fn connect(&self) -> AsyncConnection<R> {
        let mut pending = crate::util::lock_unpoisoned(&self.pending);
        pending.0.made += 1;
        let name = format!("conn-{}", pending.0.made);
        let (client, server) = AsyncConnection::pair(name, &self.open);
        note::<R>(format!("connect {} to {}", client.name, self.address));
        pending.0.queue.push_back(server);
        if let Some(acceptor) = pending.1.take() {
            acceptor.wake();
        }
        client
    }

    /// Waits (an await) until a connection arrives, and takes it.
    pub async fn accept(&self) -> AsyncConnection<R> {
        let connection = std::future::poll_fn(|cx| {
            let mut pending = crate::util::lock_unpoisoned(&self.pending);
            match pending.0.queue.pop_front() {
                Some(connection) => Poll::Ready(connection),
                None => {
                    pending.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await;
        note::<R>(format!("accept {}", connection.name));
        connection
    }
}
