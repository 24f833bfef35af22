//! Either echo server: [`run`] serves on the calling thread until stopped (the command line's
//! `serve`), [`Server::start`] runs one on a thread of its own (`time echo`).

pub use super::serving::Stats;
use super::stop::Stop;
use super::{Mode, listen, tasks_server, threads_server};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

/// The default cap on open connections: twice the tutorial's 500 clients.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1000;

/// Serves on `listener` until `stop` is requested; returns once every connection is closed and
/// every handler has ended.
pub fn run(
    mode: Mode,
    listener: TcpListener,
    max_connections: usize,
    stop: &Stop,
) -> io::Result<Stats> {
    match mode {
        Mode::Threads => threads_server::run(listener, max_connections, stop),
        Mode::Async => tasks_server::run(listener, max_connections, stop),
    }
}

/// A server running on a thread of this process.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<Stop>,
    thread: std::thread::JoinHandle<io::Result<Stats>>,
}

impl Server {
    /// Listens on `addr` (port 0: a free port) and serves on a new thread.
    pub fn start(mode: Mode, addr: SocketAddr, max_connections: usize) -> io::Result<Server> {
        let listener = listen(addr)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(Stop::new()?);
        let thread = std::thread::Builder::new()
            .name(format!("echo-server-{}", mode.name()))
            .spawn({
                let stop = stop.clone();
                move || run(mode, listener, max_connections, &stop)
            })?;
        Ok(Server { addr, stop, thread })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops it and waits until its listener, its connections and its threads are gone.
    pub fn stop(self) -> io::Result<Stats> {
        self.stop.request();
        self.thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the server thread panicked")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{Ipv4Addr, TcpStream};

    #[test]
    fn stop_closes_every_connection_and_returns_once_all_handlers_ended() {
        for mode in Mode::ALL {
            let server = Server::start(mode, (Ipv4Addr::LOCALHOST, 0).into(), 10).unwrap();
            let mut idle = TcpStream::connect(server.addr()).unwrap();
            let mut talker = TcpStream::connect(server.addr()).unwrap();
            talker.write_all(b"say hello \x00\xff").unwrap();
            let mut reply = [0; 12];
            talker.read_exact(&mut reply).unwrap();
            assert_eq!(&reply, b"SAY HELLO \x00\xff");
            let addr = server.addr();
            let stats = server.stop().unwrap();
            assert_eq!(stats.accepted, 2, "{mode:?}");
            assert_eq!(
                idle.read(&mut reply).unwrap(),
                0,
                "{mode:?}: closed by the stop"
            );
            TcpListener::bind(addr).expect("the port is free again");
        }
    }
}
