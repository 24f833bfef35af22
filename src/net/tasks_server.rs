//! The tutorial's gevent server (`Gevent`之应用举例一) as tokio tasks on one thread: tokio's
//! current-thread runtime is gevent's hub, a task per connection its greenlet.
//!
//! gevent's version freezes the whole hub on the first closed connection: `recv` returns `b''`
//! at once, without switching, and `talk` loops forever. Here a read of 0 ends the task, and a
//! read with nothing to read returns `Pending`, the switch back to the hub that gevent's `recv`
//! skips. A stop request closes the listener first, then tells every task to drop its
//! connection and waits for all of them.

use super::serving::{Stats, out_of_descriptors};
use super::stop::Stop;
use super::{BUSY, CHUNK, upper_case};
use std::io;
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Serves on `listener` until `stop` is requested, on a current-thread runtime of its own.
pub(crate) fn run(
    listener: std::net::TcpListener,
    max_connections: usize,
    stop: &Stop,
) -> io::Result<Stats> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    runtime.block_on(serve(listener, max_connections, stop))
}

async fn serve(
    listener: std::net::TcpListener,
    max_connections: usize,
    stop: &Stop,
) -> io::Result<Stats> {
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    // SAFETY: `stop` is borrowed for the whole of this function, so its descriptor stays open
    // while the registration lives.
    let stop_requested = unsafe { AsyncFd::register_with_interest(stop.fd(), Interest::READABLE)? };
    let (closing, closing_seen) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut stats = Stats::default();
    loop {
        let accepted = tokio::select! {
            biased;
            ready = stop_requested.readable() => {
                // The pipe is never drained: a stop request stays readable.
                ready?.retain_ready();
                break;
            }
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                while connections.try_join_next().is_some() {}
                if connections.len() >= max_connections {
                    refuse(stream);
                    stats.refused += 1;
                } else {
                    stats.accepted += 1;
                    connections.spawn(talk(stream, closing_seen.clone()));
                }
            }
            Err(error) if out_of_descriptors(&error) => {
                // The queued connection stays readable: back off instead of spinning.
                eprintln!("echo server: cannot accept: {error}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(_) => {}
        }
    }
    drop(listener);
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
    Ok(stats)
}

/// Echo until the client closes or the server stops; either way the connection is dropped.
async fn talk(mut stream: TcpStream, mut closing: watch::Receiver<bool>) {
    tokio::select! {
        _ = closing.wait_for(|closing| *closing) => {}
        _ = echo(&mut stream) => {}
    }
}

async fn echo(stream: &mut TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut buffer = vec![0; CHUNK];
    loop {
        let received = match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(received) => received,
        };
        upper_case(&mut buffer[..received]);
        if stream.write_all(&buffer[..received]).await.is_err() {
            return;
        }
    }
}

/// Over the cap: one line, then close. A fresh connection's send buffer has room for it.
fn refuse(stream: TcpStream) {
    let _ = stream.try_write(BUSY);
}
