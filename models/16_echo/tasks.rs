//! # echo/async, echo/async-spin: gevent's server, a task per connection
//!
//! The tutorial's gevent server: `server` accepts and `gevent.spawn(talk, conn, addr)` for each
//! connection, all on one thread. Here the server is the program's main task, the handlers are
//! tasks named `handler-N`, and the clients are tasks of the same hub (`Thread-N`, named as the
//! tutorial's client threads), each reading its replies whole. A task switches only where it
//! awaits: at an `accept` or a `recv` with nothing to read, and between the two pieces of a send.

use super::{Conversation, Echoed, Handler, MESSAGES, RECV_SIZE, handler_name, message};
use crate::connection::{AsyncConnection, AsyncListener};
use crate::runtime::Runtime;
use crate::task;
use crate::thread::python_name;
use std::sync::Arc;

/// Runs `clients` client tasks against the server's tasks; returns what they read.
pub fn run<R: Runtime>(handler: Handler, clients: usize) -> Echoed {
    task::block_on::<R, _>(async move {
        let listener = Arc::new(AsyncListener::<R>::bind(super::ADDRESS));
        let talkers = (1..=clients)
            .map(|number| {
                let listener = listener.clone();
                let name = python_name(number);
                task::spawn_named::<R, _>(name.clone(), async move {
                    let connection = listener.connect();
                    let misread = converse(&connection, &name).await;
                    connection.close();
                    misread
                })
            })
            .collect();
        let mut handlers = Vec::with_capacity(clients);
        for number in 1..=clients {
            let connection = listener.accept().await;
            handlers.push(task::spawn_named::<R, _>(
                handler_name(number),
                async move { talk(handler, &connection).await },
            ));
        }
        let misreads = task::join_all(talkers).await;
        task::join_all(handlers).await;
        Echoed::of(misreads)
    })
}

/// gevent's `talk(conn, addr)`: echo upper-cased until the loop ends.
async fn talk<R: Runtime>(handler: Handler, connection: &AsyncConnection<R>) {
    loop {
        let data = connection.recv(RECV_SIZE).await;
        if handler == Handler::StopsAtEmptyRead && data.is_empty() {
            break;
        }
        if connection.send(&data.to_ascii_uppercase()).await.is_err() {
            break;
        }
    }
    connection.close();
}

/// Sends each message and reads its whole reply; returns the first reply that was wrong.
async fn converse<R: Runtime>(connection: &AsyncConnection<R>, name: &str) -> Option<Echoed> {
    let mut conversation = Conversation::new(name);
    for count in 0..MESSAGES {
        let sent = message(name, count);
        if connection.send(sent.as_bytes()).await.is_err() {
            conversation.heard(&sent, Vec::new());
            break;
        }
        let mut read = Vec::with_capacity(sent.len());
        while read.len() < sent.len() {
            let chunk = connection.recv(sent.len() - read.len()).await;
            if chunk.is_empty() {
                break;
            }
            read.extend(chunk);
        }
        conversation.heard(&sent, read);
    }
    conversation.misread
}
