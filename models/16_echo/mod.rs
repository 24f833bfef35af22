//! # echo servers (tutorial 3.3.3 and gevent's example): one server, many clients, a stream
//!
//! The tutorial's last lesson is a server that sends back whatever it receives, upper-cased:
//!
//! ```python
//! def action(conn):                    # one thread per connection (3.3.3);
//!     while True:                      # gevent's `talk` is the same loop in a greenlet
//!         data = conn.recv(1024)
//!         conn.send(data.upper())
//! while True:
//!     conn, addr = s.accept()
//!     threading.Thread(target=action, args=(conn,)).start()
//! ```
//!
//! and a client whose 500 threads each send `"<thread name> say hello <count>"` and print one
//! `recv(1024)` as the reply. Here the sockets are [`crate::connection`]'s in-memory ones, so the
//! checkers explore every order of the sends and reads; the server is the program's main thread
//! (as in the tutorial), each client sends [`MESSAGES`] messages, checks every reply and closes.
//! `--threads` counts the model's threads: a client and its handler per connection, so the
//! default 20 under shuttle is 10 clients (and `--threads 1000` the tutorial's 500); loom runs
//! 1 client (`--threads 4`: 2), since it allows 4 threads besides main.
//!
//! Two bugs the tutorial does not mention:
//!
//! - **The handler never stops.** When a client closes, `recv` returns `b''`, at once and every
//!   time after. The loop sends the empty reply back and reads again, forever.
//!   - `threaded` adds `if not data: break` (and closes): every client gets exactly its messages
//!     back, upper-cased, in order, in every interleaving.
//!   - `threaded-spin` (BROKEN): the tutorial's `action` as written. The handler burns a core per
//!     closed connection; the checker's verdict is `livelock: handler-N reads an empty buffer
//!     forever from a closed connection (conn-N)`, in the first execution.
//!   - `async` and `async-spin` (BROKEN): the same loop as gevent tasks. In gevent it is worse:
//!     `recv` on a closed socket returns without switching, and a greenlet that never switches
//!     keeps the one thread, so **one closed connection freezes the whole server**: every other
//!     client waits forever. The verdict names the spinning task and the connections that were
//!     still open when it began to spin: those are the clients gevent would starve. (The model's
//!     `recv` yields there anyway, so that the checker gets the processor back.)
//! - **One `recv` is not one message.** TCP is a stream: a reply may arrive in pieces. The
//!   tutorial's client (and its `send` instead of `sendall`) assumes it never does.
//!   - `one-recv-one-message` (BROKEN): the client takes one `recv(1024)` for the reply. When the
//!     server's reply (or the client's message, which the server then echoes in parts) arrives in
//!     two pieces and the client reads between them, it takes half a reply for the reply: the
//!     outcome names the client, what it sent and the half it read.
//!   - its fix is every other variant's client: it reads until it has as many bytes as it sent.
//!
//! Under shuttle each variant runs 10 clients; loom runs 1 client exhaustively (2 clients in the
//! tests, at a lower preemption bound). What the connection leaves out of TCP (ports, backlog,
//! full buffers, resets) is in [`crate::connection`]'s doc; the real servers are `interleave
//! serve` and `interleave load`.

pub mod tasks;
pub mod threaded;
#[cfg(not(loom))]
pub mod timing;

use crate::connection::show;
use crate::lesson::{Class, Concept, Expect, Lesson, Params, Row, Threads};
use crate::runtime::Runtime;
use std::fmt;

/// Messages each client sends (the tutorial's client sends forever).
pub const MESSAGES: usize = 2;

/// The tutorial's address: a name only, nothing is bound.
pub const ADDRESS: &str = "127.0.0.1:8080";

/// The tutorial's `recv(1024)`.
pub const RECV_SIZE: usize = 1024;

/// The tutorial's message: `'%s say hello %s' % (threading.current_thread().getName(), count)`.
pub fn message(client: &str, count: usize) -> String {
    format!("{client} say hello {count}")
}

/// The `handler-N` that serves the `N`th connection accepted.
pub fn handler_name(number: usize) -> String {
    format!("handler-{number}")
}

/// What the clients saw.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Echoed {
    /// Every client got each of its messages back, upper-cased, in order.
    EveryReply { replies: usize },
    /// The first client (by number) whose reply was not its message upper-cased.
    Misread {
        client: String,
        sent: Vec<u8>,
        read: Vec<u8>,
    },
}

impl fmt::Display for Echoed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Echoed::EveryReply { replies } => {
                write!(f, "all {replies} replies upper-cased, in order")
            }
            Echoed::Misread { client, sent, read } => write!(
                f,
                "{client} sent {} and read {} as its reply",
                show(sent),
                show(read)
            ),
        }
    }
}

impl Echoed {
    /// The outcome of a run: the first client's misread, if any.
    fn of(misreads: Vec<Option<Echoed>>) -> Echoed {
        let replies = misreads.len() * MESSAGES;
        misreads
            .into_iter()
            .flatten()
            .next()
            .unwrap_or(Echoed::EveryReply { replies })
    }
}

/// A client's conversation: what it sent and read, and the first reply that was wrong.
struct Conversation {
    client: String,
    misread: Option<Echoed>,
}

impl Conversation {
    fn new(client: &str) -> Self {
        Conversation {
            client: client.to_owned(),
            misread: None,
        }
    }

    fn heard(&mut self, sent: &str, read: Vec<u8>) {
        if read != sent.to_ascii_uppercase().as_bytes() && self.misread.is_none() {
            self.misread = Some(Echoed::Misread {
                client: self.client.clone(),
                sent: sent.as_bytes().to_vec(),
                read,
            });
        }
    }
}

/// How a handler ends its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handler {
    /// `if not data: break`, then `conn.close()`.
    StopsAtEmptyRead,
    /// The tutorial's loop as written.
    Spins,
}

/// How a client reads a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// Until it has as many bytes as it sent.
    ReadsWholeReply,
    /// One `recv(1024)`, taken for the reply.
    OneRecvOneMessage,
}

/// The server's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// A thread per connection (tutorial 3.3.3).
    Threads,
    /// A gevent task per connection, the clients tasks of the same hub.
    Tasks,
}

/// The variants: a server shape, its handler, its clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    pub server: Server,
    pub handler: Handler,
    pub client: Client,
}

/// The echo server and its clients.
pub struct Echo;

impl Lesson for Echo {
    type Version = Version;
    type Outcome = Echoed;
    // A client and its handler per connection: 10 clients under shuttle, 1 under loom.
    const THREADS: Threads = Threads::shuttle(20).loom(2);
    const CHECK_EXECUTIONS: usize = 2_000;

    fn run<R: Runtime>(version: Version, params: &Params) -> Echoed {
        let clients = clients(params);
        match version.server {
            Server::Threads => threaded::run::<R>(version.handler, version.client, clients),
            Server::Tasks => tasks::run::<R>(version.handler, clients),
        }
    }

    fn classify(_: Version, outcome: &Echoed, _: &Params) -> (Class, &'static str) {
        match outcome {
            Echoed::EveryReply { .. } => (Class::Acceptable, "every client got its messages back"),
            Echoed::Misread { .. } => (Class::Forbidden, "a reply split across reads misread"),
        }
    }

    fn possible_outcomes(version: Version, params: &Params) -> Option<Vec<Echoed>> {
        let every_reply = Echoed::EveryReply {
            replies: clients(params) * MESSAGES,
        };
        match (version.handler, version.client) {
            (Handler::Spins, _) => None,
            (_, Client::ReadsWholeReply) => Some(vec![every_reply]),
            (_, Client::OneRecvOneMessage) => {
                let mut all = vec![every_reply];
                for number in 1..=clients(params) {
                    let client = crate::thread::python_name(number);
                    for count in 0..MESSAGES {
                        let sent = message(&client, count);
                        let reply = sent.to_ascii_uppercase().into_bytes();
                        all.extend(split_reads(reply.len()).into_iter().map(|read| {
                            Echoed::Misread {
                                client: client.clone(),
                                sent: sent.clone().into_bytes(),
                                read: reply[..read].to_vec(),
                            }
                        }));
                    }
                }
                Some(all)
            }
        }
    }
}

/// Clients in a run of `params.threads` threads: one client and one handler per connection.
pub fn clients(params: &Params) -> usize {
    (params.threads / 2).max(1)
}

/// How much of a reply of `len` bytes a single read can find, short of all of it: the ends of
/// the pieces it is sent in. The server reads the message whole (and replies in two halves) or
/// in its two pieces (and replies to each in two halves).
pub fn split_reads(len: usize) -> std::collections::BTreeSet<usize> {
    let halves = |offset: usize, len: usize| [offset + len / 2, offset + len];
    let first = len / 2;
    let mut ends: std::collections::BTreeSet<usize> = halves(0, len)
        .into_iter()
        .chain(halves(0, first))
        .chain(halves(first, len - first))
        .collect();
    ends.retain(|end| (1..len).contains(end));
    ends
}

const THREADS_STOP: Version = Version {
    server: Server::Threads,
    handler: Handler::StopsAtEmptyRead,
    client: Client::ReadsWholeReply,
};

pub const THREADED: Row<Echo> = Row::new(
    "echo/threaded",
    THREADS_STOP,
    Expect::Holds,
    "a thread per connection, with `if not data: break`: every reply right, every thread ends",
);
pub const THREADED_SPIN: Row<Echo> = Row::new(
    "echo/threaded-spin",
    Version {
        handler: Handler::Spins,
        ..THREADS_STOP
    },
    Expect::Violation,
    "the tutorial's handler: recv returns b'' once the client closed, and it loops forever",
);
pub const ASYNC: Row<Echo> = Row::new(
    "echo/async",
    Version {
        server: Server::Tasks,
        ..THREADS_STOP
    },
    Expect::Holds,
    "gevent: a task per connection, with `if not data: break`",
);
pub const ASYNC_SPIN: Row<Echo> = Row::new(
    "echo/async-spin",
    Version {
        server: Server::Tasks,
        handler: Handler::Spins,
        ..THREADS_STOP
    },
    Expect::Violation,
    "gevent's talk as written: one closed connection spins and starves every other client",
);
pub const ONE_RECV_ONE_MESSAGE: Row<Echo> = Row::new(
    "echo/one-recv-one-message",
    Version {
        client: Client::OneRecvOneMessage,
        ..THREADS_STOP
    },
    Expect::Violation,
    "the tutorial's client: one recv(1024) taken for the reply, which TCP may split",
);

pub fn concept() -> Concept {
    let concept = Concept::new(
        "echo",
        "echo servers: a thread or a task per connection, and a stream (tutorial 3.3.3, gevent)",
        file!(),
    )
    .rows(&[
        THREADED,
        THREADED_SPIN,
        ASYNC,
        ASYNC_SPIN,
        ONE_RECV_ONE_MESSAGE,
    ]);
    #[cfg(not(loom))]
    let concept = concept.timing(timing::timing);
    concept
}
