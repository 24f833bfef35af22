//! `ProcessPoolExecutor`: the same `Future` contract, but a task crosses into another process.
//!
//! A worker process shares no memory with the pool, so a task cannot be a closure: it is a
//! [`Task`], a small enum of named kinds with arguments, written as one text line (Python says
//! "picklable"; here a task that cannot be written down does not type-check). The worker answers
//! with one line, a [`Reply`]. In the pool, one proxy thread per worker takes tasks from the work
//! queue, starts the future (or skips it if it was cancelled), sends the line, waits for the reply
//! and finishes the future. A proxy is the only party that talks to its worker.
//!
//! What a worker is depends on where it runs, behind [`Channel`]: natively a real process (this
//! binary re-executed, see [`super::native`]); in the models an [`IsolatedWorker`], a facade thread
//! that owns its own state and talks over two [`Pipe`]s only. A worker that dies closes its end:
//! the proxy reads end-of-file, fails the task with [`TaskError::WorkerDied`] and starts a fresh
//! worker for the next task, so the pool never hangs on a dead worker.

use super::SubmitError;
use super::future::{Future, TaskError};
use crate::models::queue::Fifo;
use crate::models::thread_vs_process::Pipe;
use crate::runtime::Runtime;
use crate::sync::Mutex;
use crate::thread::{self, JoinHandle};
use std::sync::Arc;

/// The tasks a worker process knows, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Task {
    /// `n ** 2`, at once: the tutorial's `task(n)` without its sleep.
    Square(u64),
    /// The tutorial's `task(n)` as written: sleep (`ms` milliseconds, scaled already), then `n ** 2`.
    SleepThenSquare { n: u64, ms: u64 },
    /// "Fetch" page `n` (local work in place of a URL): the page's length.
    Fetch(u64),
    /// Sleep this many milliseconds (natively), then answer 0.
    SleepMs(u64),
    /// Panics in the worker; the worker survives and answers with the panic's message.
    Panic,
    /// The worker process exits with this code without answering (it dies).
    Exit(u8),
    /// The worker answers a line that is not a reply.
    Garbage,
}

impl Task {
    pub fn encode(&self) -> String {
        match self {
            Task::Square(n) => format!("square {n}"),
            Task::SleepThenSquare { n, ms } => format!("sleep-square {n} {ms}"),
            Task::Fetch(n) => format!("fetch {n}"),
            Task::SleepMs(ms) => format!("sleep {ms}"),
            Task::Panic => "panic".to_owned(),
            Task::Exit(code) => format!("exit {code}"),
            Task::Garbage => "garbage".to_owned(),
        }
    }

    pub fn decode(line: &str) -> Option<Task> {
        let words: Vec<&str> = line.split_whitespace().collect();
        Some(match words.as_slice() {
            ["square", n] => Task::Square(n.parse().ok()?),
            ["sleep-square", n, ms] => Task::SleepThenSquare {
                n: n.parse().ok()?,
                ms: ms.parse().ok()?,
            },
            ["fetch", n] => Task::Fetch(n.parse().ok()?),
            ["sleep", ms] => Task::SleepMs(ms.parse().ok()?),
            ["panic"] => Task::Panic,
            ["exit", code] => Task::Exit(code.parse().ok()?),
            ["garbage"] => Task::Garbage,
            _ => return None,
        })
    }
}

/// What a worker answered: the value and who computed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkerAnswer {
    pub pid: u32,
    pub value: u64,
}

/// A worker's answer line: `ok PID VALUE` or `err PID MESSAGE…`.
pub struct Reply;

impl Reply {
    pub fn encode(pid: u32, result: &Result<u64, String>) -> String {
        match result {
            Ok(value) => format!("ok {pid} {value}"),
            Err(message) => format!("err {pid} {}", message.replace('\n', " ")),
        }
    }

    pub fn decode(line: &str) -> Result<WorkerAnswer, TaskError> {
        let garbage = || TaskError::BadReply(line.to_owned());
        let mut words = line.splitn(3, ' ');
        let (kind, pid, rest) = (words.next(), words.next(), words.next().unwrap_or(""));
        let pid: u32 = pid.and_then(|p| p.parse().ok()).ok_or_else(garbage)?;
        match kind {
            Some("ok") => Ok(WorkerAnswer {
                pid,
                value: rest.trim().parse().map_err(|_| garbage())?,
            }),
            Some("err") => Err(TaskError::Panicked(format!("in worker {pid}: {rest}"))),
            _ => Err(garbage()),
        }
    }
}

/// The length of page `n`, made up locally: what `requests.get(url).text` would have been.
pub fn page_text(n: u64) -> String {
    format!("<html>page {n}</html>").repeat(1 + n as usize)
}

/// The work a worker does for the tasks that answer normally (both natively and in the models).
pub fn execute(task: &Task) -> Result<u64, String> {
    match task {
        Task::Square(n) => Ok(n * n),
        Task::SleepThenSquare { n, ms } => {
            std::thread::sleep(std::time::Duration::from_millis(*ms));
            Ok(n * n)
        }
        Task::Fetch(n) => Ok(page_text(*n).len() as u64),
        Task::SleepMs(ms) => {
            std::thread::sleep(std::time::Duration::from_millis(*ms));
            Ok(0)
        }
        Task::Panic => Err("the task panicked on purpose".to_owned()),
        Task::Exit(_) | Task::Garbage => unreachable!("handled by the worker's loop"),
    }
}

/// The pool's end of one worker: send a request line, get the reply line.
pub trait Channel: Send + 'static {
    /// `Err(WorkerDied)` when the worker is gone (end of file, or no answer in time).
    fn call(&mut self, request: &str) -> Result<String, TaskError>;
}

/// Starts workers: a process natively, an isolated thread in the models.
pub trait Spawner: Send + Sync + 'static {
    type Channel: Channel;
    fn start(&self, index: usize) -> Result<Self::Channel, TaskError>;
}

/// A task waiting for a proxy, with its future; `None` is the sentinel that stops the proxies.
type Queued<R> = Option<(Task, Future<R, WorkerAnswer>)>;

/// What the pool and its proxies share.
struct ProcessPoolCore<R: Runtime> {
    shutdown: Mutex<R, bool>,
    queue: Fifo<R, Queued<R>>,
}

/// A pool of `workers` worker processes, each served by one proxy thread.
pub struct ProcessPool<R: Runtime> {
    shared: Arc<ProcessPoolCore<R>>,
    proxies: Vec<JoinHandle<R, ()>>,
}

impl<R: Runtime> ProcessPool<R> {
    /// Starts the proxies at once; each starts its worker when its first task comes.
    pub fn new<S: Spawner>(workers: usize, spawner: S) -> Self {
        assert!(workers > 0, "max_workers must be greater than 0");
        let shared = Arc::new(ProcessPoolCore {
            shutdown: Mutex::named("pool.shutdown", false),
            queue: Fifo::new(0),
        });
        let spawner = Arc::new(spawner);
        let proxies = (0..workers)
            .map(|index| {
                let (shared, spawner) = (shared.clone(), spawner.clone());
                thread::spawn_named::<R, _, _>(format!("proxy_{index}"), move || {
                    serve(&shared, &*spawner, index)
                })
            })
            .collect();
        ProcessPool { shared, proxies }
    }

    pub fn submit(&self, task: Task) -> Result<Future<R, WorkerAnswer>, SubmitError> {
        let shutdown = self.shared.shutdown.lock();
        if *shutdown {
            return Err(SubmitError::Shutdown);
        }
        let future = Future::new();
        let job = Some((task, future.clone()));
        assert!(
            self.shared.queue.put(job, true, None).is_ok(),
            "an unbounded put succeeds"
        );
        Ok(future)
    }

    /// No new tasks; with `wait`, returns once every queued task is done and the workers are gone.
    pub fn shutdown(&mut self, wait: bool) {
        {
            let mut shutdown = self.shared.shutdown.lock();
            if !*shutdown {
                *shutdown = true;
                assert!(
                    self.shared.queue.put(None, true, None).is_ok(),
                    "an unbounded put succeeds"
                );
            }
        }
        if wait {
            std::mem::take(&mut self.proxies)
                .into_iter()
                .for_each(JoinHandle::join);
        }
    }
}

impl<R: Runtime> Drop for ProcessPool<R> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.shutdown(true);
        }
    }
}

/// A proxy: feeds its worker one task at a time; restarts it after it died.
fn serve<R: Runtime, S: Spawner>(shared: &ProcessPoolCore<R>, spawner: &S, index: usize) {
    let mut worker: Option<S::Channel> = None;
    loop {
        let Some((task, future)) = shared.queue.get(true, None).expect("a blocking get") else {
            assert!(
                shared.queue.put(None, true, None).is_ok(),
                "an unbounded put succeeds"
            );
            return;
        };
        if !future.set_running_or_notify_cancel() {
            continue;
        }
        let channel = match worker.take() {
            Some(channel) => Ok(channel),
            None => spawner.start(index),
        };
        let result = channel.and_then(|mut channel| {
            let reply = channel.call(&task.encode())?;
            let done = Reply::decode(&reply);
            // A worker that answered garbage cannot be trusted with the next task either.
            if !matches!(done, Err(TaskError::BadReply(_))) {
                worker = Some(channel);
            }
            done
        });
        future.set_result(result);
    }
}

/// A worker in the models: a thread that owns its state and sees only its two pipes. `None` on a
/// pipe is end-of-file: the pool closing the requests, or the worker dying.
pub struct IsolatedWorker<R: Runtime> {
    requests: Arc<Pipe<R, Option<String>>>,
    replies: Arc<Pipe<R, Option<String>>>,
    thread: Option<JoinHandle<R, ()>>,
}

/// Starts [`IsolatedWorker`]s with made-up pids `1000 + n`, counting up as workers start.
pub struct IsolatedSpawner<R: Runtime> {
    started: Mutex<R, u32>,
}

impl<R: Runtime> IsolatedSpawner<R> {
    pub fn new() -> Self {
        IsolatedSpawner {
            started: Mutex::named("spawner", 0),
        }
    }
}

impl<R: Runtime> Default for IsolatedSpawner<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> Spawner for IsolatedSpawner<R> {
    type Channel = IsolatedWorker<R>;

    fn start(&self, _index: usize) -> Result<IsolatedWorker<R>, TaskError> {
        let pid = {
            let mut started = self.started.lock();
            *started += 1;
            1000 + *started
        };
        let requests = Arc::new(Pipe::named(&format!("to {pid}")));
        let replies = Arc::new(Pipe::named(&format!("from {pid}")));
        let thread = {
            let (requests, replies) = (requests.clone(), replies.clone());
            thread::spawn_named::<R, _, _>(format!("process_{pid}"), move || {
                isolated_worker(pid, &requests, &replies)
            })
        };
        Ok(IsolatedWorker {
            requests,
            replies,
            thread: Some(thread),
        })
    }
}

/// The worker's whole world: its pid, its own counter, two pipes.
fn isolated_worker<R: Runtime>(
    pid: u32,
    requests: &Pipe<R, Option<String>>,
    replies: &Pipe<R, Option<String>>,
) {
    let mut tasks_run = 0u64;
    while let Some(line) = requests.recv() {
        tasks_run += 1;
        match Task::decode(&line) {
            Some(Task::Exit(_)) => break,
            Some(Task::Garbage) => replies.send(Some(format!("?? {tasks_run}"))),
            Some(task) => replies.send(Some(Reply::encode(pid, &execute(&task)))),
            None => replies.send(Some(Reply::encode(
                pid,
                &Err(format!("unknown task {line:?}")),
            ))),
        }
    }
    replies.send(None);
}

impl<R: Runtime> Channel for IsolatedWorker<R> {
    fn call(&mut self, request: &str) -> Result<String, TaskError> {
        self.requests.send(Some(request.to_owned()));
        self.replies
            .recv()
            .ok_or_else(|| TaskError::WorkerDied("the worker process exited".to_owned()))
    }
}

impl<R: Runtime> Drop for IsolatedWorker<R> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        self.requests.send(None);
        if let Some(thread) = self.thread.take() {
            thread.join();
        }
    }
}
