//! # The tutorial's echo servers, on real TCP
//!
//! The tutorial ends with two servers that reply to each message upper-cased: a thread per
//! connection (3.3.3) and a gevent greenlet per connection (`Gevent`之应用举例一), and a client
//! that starts 500 threads, each sending `"<thread name> say hello <count>"` forever. The models
//! (`models/16_echo`) check the server logic over modelled connections; this module runs it on
//! the loopback interface, with what the tutorial's versions leave out:
//!
//! - `recv` returning `b''` means the peer closed: the handler stops instead of sending empty
//!   replies forever (a core per closed connection for threads, the whole hub for gevent).
//! - Replies go out with `write_all` (the tutorial's `send` may send part of them), and the load
//!   generator reads until the whole reply arrived: TCP keeps no message boundaries.
//! - A listen backlog of [`LISTEN_BACKLOG`]: with std's 128, 500 clients connecting at once
//!   overflow the queue, and the kernel drops SYNs that are retried a second later.
//! - A cap on connections, refused with one line ([`BUSY`]), and a stop (Ctrl-C, SIGTERM, or
//!   [`server::Server::stop`]) that closes every connection and joins every handler.
//!
//! [`server`] runs either server, [`load`] drives one with many clients, [`command`] is the
//! command line's `serve` and `load`.

pub mod command;
pub mod latency;
pub mod load;
pub mod server;
mod serving;
pub mod stop;
mod tasks_server;
mod threads_server;

use std::net::{SocketAddr, TcpListener};

/// Connections the kernel queues before the server accepts them: 500 clients connecting at
/// once fit (the kernel caps it at `net.core.somaxconn`, 4096 by default).
pub const LISTEN_BACKLOG: i32 = 1024;

/// Bytes a handler reads at a time; a longer message is echoed chunk by chunk.
pub const CHUNK: usize = 16 * 1024;

/// What a client over the cap reads before the server closes the connection.
pub const BUSY: &[u8] = b"server busy\n";

/// The tutorial's address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// A thread per connection (or client), or tasks on one thread: gevent's single hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Threads,
    Async,
}

impl Mode {
    pub const ALL: [Mode; 2] = [Mode::Threads, Mode::Async];

    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "threads" => Some(Mode::Threads),
            "async" => Some(Mode::Async),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Threads => "threads",
            Mode::Async => "async",
        }
    }
}

/// Python's `bytes.upper()`: `a`-`z` become `A`-`Z`, every other byte stays.
pub fn upper_case(bytes: &mut [u8]) {
    bytes.make_ascii_uppercase();
}

/// `text` as a loopback address (`127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`): traffic
/// from this program stays on this machine.
pub fn loopback_addr(text: &str) -> Result<SocketAddr, String> {
    let addr = match text.strip_prefix("localhost:") {
        Some(port) => format!("127.0.0.1:{port}"),
        None => text.to_owned(),
    };
    let addr: SocketAddr = addr
        .parse()
        .map_err(|_| format!("{text:?} is not an address; use IP:PORT, e.g. {DEFAULT_ADDR}"))?;
    if !addr.ip().is_loopback() {
        return Err(format!(
            "{addr} is not a loopback address: only 127.0.0.0/8 and ::1 are allowed"
        ));
    }
    Ok(addr)
}

/// A listening socket on `addr` with a backlog of [`LISTEN_BACKLOG`] and `SO_REUSEADDR` (as
/// std's own `bind`: a restarted server can bind while old connections are in `TIME_WAIT`).
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

/// Raises this process's soft limit on open files to its hard limit: 500 clients and 500
/// connections in one process need more than the usual soft limit of 1024.
pub fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain calls on a struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// The kernel's count of connections dropped because a listen queue was full (`TcpExt:
/// ListenOverflows` in `/proc/net/netstat`, for this network namespace), if readable.
pub fn listen_overflows() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut lines = text.lines();
    while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
        if !names.starts_with("TcpExt:") {
            continue;
        }
        let at = names
            .split_whitespace()
            .position(|n| n == "ListenOverflows")?;
        return values.split_whitespace().nth(at)?.parse().ok();
    }
    None
}
