//! # echo/threaded, echo/threaded-spin, echo/one-recv-one-message: a thread per connection
//!
//! The tutorial's server (3.3.3): the main thread accepts, and starts a thread running `action`
//! for each connection. Its clients are threads too, named as Python names them (`Thread-1`, ...),
//! each connecting, sending its messages one at a time and reading each reply, then closing.
//! The main thread accepts exactly as many connections as there are clients (the tutorial's
//! accepts forever), then waits for every client and every handler.

use super::{Client, Conversation, Echoed, Handler, MESSAGES, RECV_SIZE, handler_name, message};
use crate::connection::{Connection, Listener};
use crate::runtime::Runtime;
use crate::thread::{self, JoinHandle, python_name};
use std::sync::Arc;

/// Runs `clients` clients against the server; returns what they read.
pub fn run<R: Runtime>(handler: Handler, client: Client, clients: usize) -> Echoed {
    let listener = Arc::new(Listener::<R>::bind(super::ADDRESS));
    let talkers: Vec<_> = (1..=clients)
        .map(|number| {
            let listener = listener.clone();
            let name = python_name(number);
            thread::spawn_named::<R, _, _>(name.clone(), move || {
                let connection = listener.connect();
                let misread = client.converse(&connection, &name);
                connection.close();
                misread
            })
        })
        .collect();
    let handlers: Vec<_> = (1..=clients)
        .map(|number| {
            let connection = listener.accept();
            thread::spawn_named::<R, _, _>(handler_name(number), move || handler.serve(&connection))
        })
        .collect();
    let misreads = talkers.into_iter().map(JoinHandle::join).collect();
    handlers.into_iter().for_each(JoinHandle::join);
    Echoed::of(misreads)
}

impl Handler {
    /// `action(conn)`: echo upper-cased until the loop ends.
    fn serve<R: Runtime>(self, connection: &Connection<R>) {
        loop {
            let data = connection.recv(RECV_SIZE);
            if self == Handler::StopsAtEmptyRead && data.is_empty() {
                break;
            }
            // Python raises BrokenPipeError there, and the thread ends.
            if connection.send(&data.to_ascii_uppercase()).is_err() {
                break;
            }
        }
        connection.close();
    }
}

impl Client {
    /// Sends each message and reads its reply; returns the first reply that was wrong.
    fn converse<R: Runtime>(self, connection: &Connection<R>, name: &str) -> Option<Echoed> {
        let mut conversation = Conversation::new(name);
        for count in 0..MESSAGES {
            let sent = message(name, count);
            if connection.send(sent.as_bytes()).is_err() {
                conversation.heard(&sent, Vec::new());
                break;
            }
            let read = match self {
                Client::OneRecvOneMessage => connection.recv(RECV_SIZE),
                Client::ReadsWholeReply => read_exactly(connection, sent.len()),
            };
            conversation.heard(&sent, read);
        }
        conversation.misread
    }
}

/// Reads until `len` bytes have come, or the peer closed.
fn read_exactly<R: Runtime>(connection: &Connection<R>, len: usize) -> Vec<u8> {
    let mut read = Vec::with_capacity(len);
    while read.len() < len {
        let chunk = connection.recv(len - read.len());
        if chunk.is_empty() {
            break;
        }
        read.extend(chunk);
    }
    read
}
