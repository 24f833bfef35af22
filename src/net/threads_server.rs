//! The tutorial's thread-per-connection server (3.3.3), with the `b''` check it lacks.
//!
//! The accept loop waits on the listener and the stop pipe together (`poll`), so a stop request
//! wakes it. Every open connection is kept (a second descriptor of it) so that stopping can shut
//! each one down: that ends the handler's blocking `read` (it returns 0) or `write` (an error),
//! and the scope joins every handler before the server returns.

use super::serving::{Stats, out_of_descriptors};
use super::stop::Stop;
use super::{BUSY, CHUNK, upper_case};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Mutex;

/// A handler needs a small stack: its buffer is on the heap.
const HANDLER_STACK: usize = 256 * 1024;

/// Serves on `listener` until `stop` is requested, then closes every connection and joins every
/// handler.
pub(crate) fn run(listener: TcpListener, max_connections: usize, stop: &Stop) -> io::Result<Stats> {
    listener.set_nonblocking(true)?;
    let open: Mutex<HashMap<u64, TcpStream>> = Mutex::new(HashMap::new());
    let mut stats = Stats::default();
    std::thread::scope(|scope| -> io::Result<()> {
        let result = accept_until_stopped(&listener, stop, |stream| {
            let mut open_now = open.lock().expect("no handler panics holding it");
            if open_now.len() >= max_connections {
                drop(open_now);
                refuse(stream);
                stats.refused += 1;
                return;
            }
            let id = stats.accepted;
            let Ok(registered) = stream.try_clone() else {
                return;
            };
            open_now.insert(id, registered);
            drop(open_now);
            let open = &open;
            let spawned = std::thread::Builder::new()
                .name(format!("echo-{id}"))
                .stack_size(HANDLER_STACK)
                .spawn_scoped(scope, move || {
                    echo(stream);
                    open.lock()
                        .expect("no handler panics holding it")
                        .remove(&id);
                });
            match spawned {
                Ok(_) => stats.accepted += 1,
                Err(error) => {
                    eprintln!("echo server: cannot start a handler thread: {error}");
                    open.lock().expect("not poisoned").remove(&id);
                }
            }
        });
        drop(listener);
        for stream in open.lock().expect("not poisoned").values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        result
    })?;
    Ok(stats)
}

/// The handler: upper-cased echo until the client closes (`read` returns 0, the tutorial's
/// `b''`), resets, or stops reading.
fn echo(mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut buffer = vec![0; CHUNK];
    loop {
        let received = match stream.read(&mut buffer) {
            Ok(0) => return,
            Ok(received) => received,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        upper_case(&mut buffer[..received]);
        if stream.write_all(&buffer[..received]).is_err() {
            return;
        }
    }
}

/// Over the cap: one line, then close. The send buffer of a fresh connection is empty, so this
/// write does not block.
fn refuse(mut stream: TcpStream) {
    let _ = stream.write_all(BUSY);
    let _ = stream.shutdown(Shutdown::Write);
}

/// Accepts connections and hands each to `serve` until `stop` is requested.
fn accept_until_stopped(
    listener: &TcpListener,
    stop: &Stop,
    mut serve: impl FnMut(TcpStream),
) -> io::Result<()> {
    loop {
        let mut waiting = [
            libc::pollfd {
                fd: listener.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: stop.fd().as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: two pollfds we own; -1 waits until one is ready (or a signal interrupts).
        if unsafe { libc::poll(waiting.as_mut_ptr(), 2, -1) } < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        if waiting[1].revents != 0 {
            return Ok(());
        }
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    // Accepted sockets do not inherit the listener's non-blocking mode on
                    // Linux; elsewhere they may.
                    stream.set_nonblocking(false)?;
                    serve(stream);
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) => {
                    if out_of_descriptors(&error) {
                        // The queued connection stays readable: back off instead of spinning.
                        eprintln!("echo server: cannot accept: {error}");
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                    break;
                }
            }
        }
    }
}
