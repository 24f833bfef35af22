//! The tutorial's 500-thread client, made to measure: each client connects, then sends
//! `"Thread-<n> say hello <count>"` (the name Python gives the n-th thread) and waits for the
//! upper-cased reply, until the duration is up. Unlike the tutorial's, it reads until the whole
//! reply arrived (one `recv` may return part of it) and checks every byte.
//!
//! `--mode threads` runs a thread per client; `--mode async` runs them as tokio tasks on one
//! thread, as gevent would.

use super::latency::Latencies;
use super::{Mode, raise_open_file_limit};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A connect or a reply that takes longer than this counts as an error (and ends that client):
/// the load stops by itself even against a server that stopped answering.
pub const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub addr: SocketAddr,
    pub clients: usize,
    pub duration: Duration,
    pub mode: Mode,
}

/// What the clients saw.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// From the first client's connect to the last client's last reply.
    pub elapsed: Duration,
    pub connected: u64,
    pub connect: Latencies,
    /// Round trips whose reply arrived in full, right or wrong.
    pub latency: Latencies,
    pub errors: u64,
    pub wrong_replies: u64,
    /// One of each, as an example.
    pub first_error: Option<String>,
    pub first_wrong_reply: Option<String>,
}

impl LoadReport {
    pub fn requests(&self) -> u64 {
        self.latency.count()
    }

    pub fn requests_per_second(&self) -> f64 {
        self.requests() as f64 / self.elapsed.as_secs_f64().max(f64::MIN_POSITIVE)
    }

    pub fn ok(&self) -> bool {
        self.errors == 0 && self.wrong_replies == 0
    }

    fn merge(&mut self, client: Client) {
        self.connected += u64::from(client.connect.is_some());
        if let Some(connect) = client.connect {
            self.connect.record(connect);
        }
        self.latency.merge(&client.latency);
        self.wrong_replies += client.wrong_replies;
        if self.first_wrong_reply.is_none() {
            self.first_wrong_reply = client.first_wrong_reply;
        }
        if let Some(error) = client.error {
            self.errors += 1;
            self.first_error.get_or_insert(error);
        }
    }

    /// The report as the command line prints it.
    pub fn text(&self, load: &Load) -> String {
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
        let mut text = format!(
            "load: {} clients ({}) against {} for {:.1} s\n",
            load.clients,
            load.mode.name(),
            load.addr,
            load.duration.as_secs_f64()
        );
        text += &format!(
            "  requests:      {} in {:.2} s = {:.0} req/s\n",
            self.requests(),
            self.elapsed.as_secs_f64(),
            self.requests_per_second()
        );
        text += &format!(
            "  latency:       p50 {}  p99 {}  p99.9 {}  max {}\n",
            ms(self.latency.quantile(0.5)),
            ms(self.latency.quantile(0.99)),
            ms(self.latency.quantile(0.999)),
            ms(self.latency.max())
        );
        text += &format!(
            "  connect:       p99 {}  max {}  ({} of {} connected)\n",
            ms(self.connect.quantile(0.99)),
            ms(self.connect.max()),
            self.connected,
            load.clients
        );
        text += &format!("  errors:        {}\n", self.errors);
        text += &format!("  wrong replies: {}\n", self.wrong_replies);
        if let Some(error) = &self.first_error {
            text += &format!("  first error:   {error}\n");
        }
        if let Some(wrong) = &self.first_wrong_reply {
            text += &format!("  first wrong:   {wrong}\n");
        }
        text
    }
}

/// Runs `load` and returns what its clients saw.
pub fn run(load: &Load) -> io::Result<LoadReport> {
    raise_open_file_limit();
    let clients = match load.mode {
        Mode::Threads => run_threads(load)?,
        Mode::Async => run_tasks(load)?,
    };
    let mut report = LoadReport::default();
    // The window of the clients that connected: one that failed to start has no place in it.
    let connected = || clients.iter().filter(|c| c.connect.is_some());
    let first = connected().map(|c| c.started).min();
    let last = connected().map(|c| c.finished).max();
    if let (Some(first), Some(last)) = (first, last) {
        report.elapsed = last - first;
    }
    for client in clients {
        report.merge(client);
    }
    Ok(report)
}

/// One client's run.
struct Client {
    name: String,
    started: Instant,
    finished: Instant,
    connect: Option<Duration>,
    latency: Latencies,
    wrong_replies: u64,
    first_wrong_reply: Option<String>,
    /// What ended it early.
    error: Option<String>,
}

impl Client {
    fn new(index: usize) -> Client {
        let now = Instant::now();
        Client {
            name: format!("Thread-{}", index + 1),
            started: now,
            finished: now,
            connect: None,
            latency: Latencies::default(),
            wrong_replies: 0,
            first_wrong_reply: None,
            error: None,
        }
    }

    fn message(&self, count: u64) -> Vec<u8> {
        format!("{} say hello {count}", self.name).into_bytes()
    }

    fn check(&mut self, sent: &[u8], reply: &[u8], latency: Duration) {
        self.latency.record(latency);
        if reply != sent.to_ascii_uppercase() {
            self.wrong_replies += 1;
            self.first_wrong_reply.get_or_insert_with(|| {
                format!(
                    "{}: sent {:?}, got {:?}",
                    self.name,
                    String::from_utf8_lossy(sent),
                    String::from_utf8_lossy(reply)
                )
            });
        }
    }

    fn fail(&mut self, what: &str, error: impl std::fmt::Display) {
        self.error = Some(format!("{}: {what}: {error}", self.name));
    }
}

/// A reply that ended early: the connection closed after `got` of `wanted` bytes.
fn cut_short(got: &[u8], wanted: usize) -> String {
    format!(
        "the server closed the connection after {} of {wanted} reply bytes ({:?})",
        got.len(),
        String::from_utf8_lossy(got)
    )
}

fn run_threads(load: &Load) -> io::Result<Vec<Client>> {
    // Held while the threads start, so that they all connect at once.
    let start_gate = std::sync::RwLock::new(());
    let starting = start_gate.write().expect("not poisoned");
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..load.clients)
            .map(|index| {
                let start_gate = &start_gate;
                let spawned = std::thread::Builder::new()
                    .stack_size(256 * 1024)
                    .spawn_scoped(scope, move || {
                        drop(start_gate.read().expect("not poisoned"));
                        client_thread(index, load)
                    });
                (index, spawned)
            })
            .collect();
        drop(starting);
        Ok(handles
            .into_iter()
            .map(|(index, spawned)| match spawned {
                Ok(handle) => handle.join().expect("a client does not panic"),
                Err(error) => {
                    let mut client = Client::new(index);
                    client.fail("start a thread", error);
                    client
                }
            })
            .collect())
    })
}

fn client_thread(index: usize, load: &Load) -> Client {
    let mut client = Client::new(index);
    let stream = TcpStream::connect_timeout(&load.addr, TIMEOUT);
    client.connect = Some(client.started.elapsed());
    let mut stream = match stream {
        Ok(stream) => stream,
        Err(error) => {
            client.connect = None;
            client.fail("connect", error);
            client.finished = Instant::now();
            return client;
        }
    };
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(TIMEOUT));
    let _ = stream.set_write_timeout(Some(TIMEOUT));
    let deadline = client.started + load.duration;
    let mut reply = Vec::new();
    let mut count = 0;
    while Instant::now() < deadline {
        let message = client.message(count);
        let sent = Instant::now();
        if let Err(error) = stream.write_all(&message) {
            client.fail("send", error);
            break;
        }
        reply.resize(message.len(), 0);
        match read_reply(&mut stream, &mut reply) {
            Ok(()) => client.check(&message, &reply, sent.elapsed()),
            Err(error) => {
                client.fail("reply", error);
                break;
            }
        }
        count += 1;
    }
    client.finished = Instant::now();
    client
}

/// Reads until `reply` is full: one `read` may return any part of it.
fn read_reply(stream: &mut TcpStream, reply: &mut [u8]) -> Result<(), String> {
    let mut got = 0;
    while got < reply.len() {
        match stream.read(&mut reply[got..]) {
            Ok(0) => return Err(cut_short(&reply[..got], reply.len())),
            Ok(read) => got += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error.to_string()),
        }
    }
    Ok(())
}

fn run_tasks(load: &Load) -> io::Result<Vec<Client>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    let load = *load;
    runtime.block_on(async move {
        let mut tasks = tokio::task::JoinSet::new();
        for index in 0..load.clients {
            tasks.spawn(client_task(index, load));
        }
        Ok(tasks.join_all().await.into_iter().collect::<Vec<Client>>())
    })
}

async fn client_task(index: usize, load: Load) -> Client {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::time::timeout;
    let mut client = Client::new(index);
    let mut stream = match timeout(TIMEOUT, tokio::net::TcpStream::connect(load.addr)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            client.fail("connect", error);
            client.finished = Instant::now();
            return client;
        }
        Err(_) => {
            client.fail("connect", "timed out");
            client.finished = Instant::now();
            return client;
        }
    };
    client.connect = Some(client.started.elapsed());
    let _ = stream.set_nodelay(true);
    let deadline = client.started + load.duration;
    let mut reply = Vec::new();
    let mut count = 0;
    while Instant::now() < deadline {
        let message = client.message(count);
        let sent = Instant::now();
        reply.resize(message.len(), 0);
        let round_trip = async {
            stream
                .write_all(&message)
                .await
                .map_err(|e| format!("send: {e}"))?;
            let mut got = 0;
            while got < reply.len() {
                match stream.read(&mut reply[got..]).await {
                    Ok(0) => return Err(cut_short(&reply[..got], reply.len())),
                    Ok(read) => got += read,
                    Err(error) => return Err(error.to_string()),
                }
            }
            Ok(())
        };
        match timeout(TIMEOUT, round_trip).await {
            Ok(Ok(())) => client.check(&message, &reply, sent.elapsed()),
            Ok(Err(error)) => {
                client.fail("reply", error);
                break;
            }
            Err(_) => {
                client.fail("reply", "timed out");
                break;
            }
        }
        count += 1;
    }
    client.finished = Instant::now();
    client
}
