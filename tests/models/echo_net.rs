//! The real echo servers (`interleave serve`), run as a user runs them: a child process on a
//! free loopback port, its address read from its first line, stopped with a signal. Each must
//! answer 500 clients at once, survive clients that leave mid-message or reset, echo binary and
//! 1 MB messages, not mind a client that never sends, answer a fresh client afterwards, and on
//! SIGTERM or SIGINT close every connection, exit 0 and release its port. `interleave load`
//! against each reports no error and no wrong reply; bad input is one line and exit 2.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// Only so that a broken server fails a test instead of hanging it: nothing here is timed.
const HANG: Duration = Duration::from_secs(30);

/// `interleave serve` in a child process; killed if a test fails before stopping it.
struct Served {
    child: Option<Child>,
    stdout: BufReader<ChildStdout>,
    addr: SocketAddr,
}

fn serve(mode: &str, extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interleave"))
        .args(["serve", "--mode", mode, "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary runs");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("a first line");
    let addr = first
        .strip_prefix("listening on ")
        .and_then(|rest| rest.strip_suffix(&format!(" ({mode})\n")))
        .unwrap_or_else(|| panic!("not the address line: {first:?}"))
        .parse()
        .expect("an address");
    Served {
        child: Some(child),
        stdout,
        addr,
    }
}

impl Served {
    /// Sends `signal`, waits for the exit; returns the exit code and the rest of stdout.
    fn stop(mut self, signal: libc::c_int) -> (Option<i32>, String) {
        let mut child = self.child.take().expect("running");
        let pid = child.id() as libc::pid_t;
        // SAFETY: a signal to our own child, which has not been waited for yet.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
        let (exited, exit) = std::sync::mpsc::channel();
        std::thread::spawn(move || exited.send(child.wait().expect("the server exits")));
        let Ok(status) = exit.recv_timeout(HANG) else {
            // SAFETY: as above; it has still not been waited for.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("the server did not stop on signal {signal}");
        };
        let mut rest = String::new();
        self.stdout.read_to_string(&mut rest).expect("its output");
        (status.code(), rest)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("the server accepts");
    stream.set_read_timeout(Some(HANG)).unwrap();
    stream.set_write_timeout(Some(HANG)).unwrap();
    stream
}

/// Sends `message` while reading its echo (a long one would fill both directions' buffers
/// otherwise), until as many bytes came back as went out.
fn echo(stream: &mut TcpStream, message: &[u8]) -> Vec<u8> {
    let mut writer = stream.try_clone().unwrap();
    std::thread::scope(|scope| {
        scope.spawn(move || writer.write_all(message).expect("the server reads"));
        let mut reply = vec![0; message.len()];
        stream.read_exact(&mut reply).expect("the whole reply");
        reply
    })
}

/// Python's `bytes.upper()`.
fn upper(message: &[u8]) -> Vec<u8> {
    message.to_ascii_uppercase()
}

/// Closes with a reset (RST) instead of a FIN: `SO_LINGER` with a zero timeout.
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setting an option on a socket we own, from a struct on our stack.
    let set = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0);
    drop(stream);
}

fn five_hundred_clients_at_once(addr: SocketAddr) {
    let clients = 500;
    let ready = std::sync::Barrier::new(clients);
    std::thread::scope(|scope| {
        let replies: Vec<_> = (1..=clients)
            .map(|n| {
                let ready = &ready;
                scope.spawn(move || {
                    ready.wait();
                    let mut stream = connect(addr);
                    let message = format!("Thread-{n} say hello 0").into_bytes();
                    (echo(&mut stream, &message), upper(&message))
                })
            })
            .collect();
        for reply in replies {
            let (got, wanted) = reply.join().expect("every client is answered");
            assert_eq!(got, wanted);
        }
    });
}

fn survives_everything_then_stops(mode: &str, signal: libc::c_int) {
    let server = serve(mode, &[]);
    let addr = server.addr;
    let mut idle = connect(addr);

    five_hundred_clients_at_once(addr);

    let mut half = connect(addr);
    half.write_all(b"Thread-1 say hel").unwrap();
    drop(half);

    // As much of a megabyte as the buffers take without waiting, then a reset: the server is
    // in the middle of replying to a client that is gone.
    let mut mid_reply = connect(addr);
    mid_reply.set_nonblocking(true).unwrap();
    let _ = mid_reply.write(&vec![b'x'; 1 << 20]);
    reset(mid_reply);

    let mut closing = connect(addr);
    closing.write_all(b"last words").unwrap();
    closing.shutdown(Shutdown::Write).unwrap();
    let mut said = Vec::new();
    closing.read_to_end(&mut said).unwrap();
    assert_eq!(
        said, b"LAST WORDS",
        "echoed, then closed after the client's EOF"
    );

    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    assert_eq!(echo(&mut connect(addr), &binary), upper(&binary));

    let megabyte: Vec<u8> = (0..1u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    assert_eq!(echo(&mut connect(addr), &megabyte), upper(&megabyte));

    let fresh = b"Thread-501 say hello 7";
    assert_eq!(echo(&mut connect(addr), fresh), upper(fresh));

    let (code, rest) = server.stop(signal);
    assert_eq!(code, Some(0), "a clean stop; it printed {rest:?}");
    assert!(rest.starts_with("stopped: "), "{rest:?}");
    let mut left = Vec::new();
    assert_eq!(
        idle.read_to_end(&mut left).map_err(|e| e.kind()),
        Ok(0),
        "the idle connection was closed"
    );
    TcpListener::bind(addr).expect("the port is released");
}

#[test]
fn the_thread_server_survives_the_tutorials_clients_and_worse_then_stops_on_sigterm() {
    survives_everything_then_stops("threads", libc::SIGTERM);
}

#[test]
fn the_async_server_survives_the_tutorials_clients_and_worse_then_stops_on_sigint() {
    survives_everything_then_stops("async", libc::SIGINT);
}

#[test]
fn a_connection_over_the_cap_reads_server_busy_and_is_closed() {
    for mode in ["threads", "async"] {
        let server = serve(mode, &["--max-connections", "2"]);
        let mut served: Vec<TcpStream> = (0..2).map(|_| connect(server.addr)).collect();
        for stream in &mut served {
            assert_eq!(echo(stream, b"in"), b"IN");
        }
        let mut refused = Vec::new();
        connect(server.addr).read_to_end(&mut refused).unwrap();
        assert_eq!(refused, b"server busy\n", "{mode}");
        let (code, rest) = server.stop(libc::SIGTERM);
        assert_eq!(code, Some(0));
        assert_eq!(
            rest, "stopped: 2 connections served, 1 refused over the cap of 2\n",
            "{mode}"
        );
    }
}

/// The number after `name:` in `load`'s report.
fn count(report: &str, name: &str) -> u64 {
    report
        .lines()
        .find_map(|line| line.trim().strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

#[test]
fn load_with_500_clients_gets_every_reply_right_from_each_server() {
    for mode in ["threads", "async"] {
        let server = serve(mode, &[]);
        let addr = server.addr.to_string();
        let load = Command::new(env!("CARGO_BIN_EXE_interleave"))
            .args(["load", "--addr", &addr, "--clients", "500"])
            .args(["--duration", "1", "--mode", mode])
            .output()
            .expect("the binary runs");
        let report = String::from_utf8_lossy(&load.stdout);
        assert_eq!(load.status.code(), Some(0), "{report}");
        assert_eq!(count(&report, "errors:"), 0, "{report}");
        assert_eq!(count(&report, "wrong replies:"), 0, "{report}");
        assert!(count(&report, "requests:") > 500, "{report}");
        assert!(report.contains("(500 of 500 connected)"), "{report}");
        let (code, _) = server.stop(libc::SIGTERM);
        assert_eq!(code, Some(0));
    }
}

#[test]
fn bad_input_is_one_line_and_a_non_zero_exit() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let cases: [(&[&str], i32, &str); 12] = [
        (
            &["load", "--clients", "1", "--addr", "10.1.2.3:80"],
            2,
            "not a loopback address",
        ),
        (
            &["load", "--clients", "1", "--addr", "example.com:80"],
            2,
            "not an address",
        ),
        (
            &["load", "--clients", "0"],
            2,
            "--clients takes a whole number",
        ),
        (
            &["load", "--clients", "many"],
            2,
            "--clients takes a whole number",
        ),
        (
            &["load", "--clients", "1", "--duration", "-1"],
            2,
            "--duration takes seconds",
        ),
        (
            &["load", "--clients", "1", "--mode", "fibers"],
            2,
            "--mode takes threads or async",
        ),
        (&["load"], 2, "load needs --clients"),
        (&["serve"], 2, "serve needs --mode"),
        (
            &["serve", "--mode", "threads", "--addr", "0.0.0.0:8080"],
            2,
            "not a loopback",
        ),
        (
            &["serve", "--mode", "async", "--port", "1"],
            2,
            "unknown argument \"--port\"",
        ),
        (
            &["serve", "--mode", "async", "--max-connections"],
            2,
            "needs a value",
        ),
        (
            &["serve", "--mode", "threads", "--addr", &taken],
            1,
            "cannot listen on",
        ),
    ];
    for (args, code, says) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_interleave"))
            .args(args)
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}
