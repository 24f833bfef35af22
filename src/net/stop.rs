//! A server's stop request: a pipe that becomes readable once stop is requested. A pipe because
//! both servers can wait on it beside their listener (`poll` for the thread server, tokio's
//! `AsyncFd` for the async one), and because a signal handler may write to it: `write` is
//! async-signal-safe, a lock or a channel is not.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};

#[derive(Debug)]
pub struct Stop {
    read: OwnedFd,
    write: OwnedFd,
}

impl Stop {
    pub fn new() -> io::Result<Stop> {
        let mut fds = [0; 2];
        // SAFETY: `pipe2` fills the two descriptors, which we then own.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: both are fresh descriptors nobody else owns.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        Ok(Stop { read, write })
    }

    /// Asks the server to stop; may be called more than once.
    pub fn request(&self) {
        write_byte(self.write.as_raw_fd());
    }

    /// Whether stop was requested (the pipe is never drained, so this stays true).
    pub fn requested(&self) -> bool {
        let mut poll = libc::pollfd {
            fd: self.read.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd we own, no waiting.
        unsafe { libc::poll(&mut poll, 1, 0) == 1 }
    }

    /// The end to wait on: readable once stop was requested.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// Runs `body` with SIGINT and SIGTERM requesting this stop instead of ending the process;
    /// the default handling is back when it returns.
    pub fn on_signals<T>(&self, body: impl FnOnce() -> T) -> T {
        SIGNAL_FD.store(self.write.as_raw_fd(), Ordering::SeqCst);
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: the handler only loads an atomic and writes to a pipe.
        unsafe {
            libc::signal(libc::SIGINT, handler);
            libc::signal(libc::SIGTERM, handler);
        }
        let result = body();
        // SAFETY: back to the defaults; after this no handler can write to our descriptor.
        unsafe {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGTERM, libc::SIG_DFL);
        }
        SIGNAL_FD.store(-1, Ordering::SeqCst);
        result
    }
}

/// The write end the signal handler writes to, or -1.
static SIGNAL_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(_: libc::c_int) {
    let fd = SIGNAL_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        write_byte(fd);
    }
}

/// Async-signal-safe. A full pipe (`EAGAIN`) already holds a stop request.
fn write_byte(fd: RawFd) {
    let byte = 1u8;
    // SAFETY: one byte from our stack to a descriptor that is open while it is reachable.
    unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
}
