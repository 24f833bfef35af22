//! The tutorial's programs: 11 tasks on 3 workers (threads, then processes), `map`, and the
//! fetch-then-parse callback pipeline with local pages in place of URLs. Under loom each is cut
//! to two or three tasks. Then the native timing: the same demos with real threads and real
//! processes, and what a pool costs to start and per task.

use super::native::ProcessSpawner;
use super::process_pool::{IsolatedSpawner, ProcessPool, Task, WorkerAnswer, page_text};
use super::thread_pool::ThreadPool;
use super::{Future, PoolReport};
use crate::lesson::{Class, Expect, Lesson, Params, Ratios, Row, Threads, Timing, TimingRow};
use crate::runtime::{Native, Runtime};
use crate::sync::Mutex;
use crate::thread::{current_name, record_print};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The tutorial's demos, each judged by the same rule: every task once, the right results.
pub struct ExecutorDemos;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecutorDemo {
    ThreadPool,
    ProcessPool,
    Map,
    FetchParse,
}

/// The tutorial's 11 tasks; 3 under loom, whose search grows with every step.
fn tasks<R: Runtime>() -> u64 {
    if R::EXHAUSTIVE { 3 } else { 11 }
}

/// Prints a line that names the calling thread into the timeline (when one is recorded).
fn say<R: Runtime>(line: impl FnOnce(&str) -> String) {
    if let Some(me) = current_name::<R>() {
        record_print::<R>(line(&me));
    }
}

fn all_acceptable(outcome: &PoolReport) -> (Class, &'static str) {
    match outcome.0.first() {
        Some(line) if line.contains("each once") => (Class::Acceptable, "every task ran once"),
        _ => (
            Class::Forbidden,
            "a task ran twice, never, or gave a wrong result",
        ),
    }
}

/// After `shutdown(wait=True)`: every future is done, and each task's result.
fn results_after_shutdown<R: Runtime, T: Clone + Send + 'static>(
    futures: &[Future<R, T>],
) -> Vec<T> {
    assert!(
        futures.iter().all(Future::done),
        "shutdown(wait=True) returned before every task finished"
    );
    futures
        .iter()
        .map(|f| f.result(None).expect("no task fails"))
        .collect()
}

/// Who ran how many: `name xcount`, sorted.
fn tally(names: impl IntoIterator<Item = String>) -> String {
    let mut counts = BTreeMap::new();
    names
        .into_iter()
        .for_each(|n| *counts.entry(n).or_insert(0) += 1);
    let parts: Vec<String> = counts.iter().map(|(n, c)| format!("{n} x{c}")).collect();
    parts.join(", ")
}

/// `submit(task, n)` for each n, `shutdown(True)`, print each result: (n², worker) per task.
pub fn thread_pool_demo<R: Runtime>(workers: usize, tasks: u64) -> Vec<(u64, String)> {
    let pool = ThreadPool::<R>::new(workers, "ThreadPoolExecutor");
    let futures: Vec<Future<R, (u64, String)>> = (0..tasks)
        .map(|n| {
            pool.submit(move || {
                say::<R>(|me| format!("{me} is running task({n})"));
                // The tutorial's `time.sleep(random.randint(1, 3))`, made deterministic (scaled).
                crate::thread::sleep::<R>(Duration::from_secs(n % 3 + 1));
                (n * n, R::current_name().unwrap_or_default())
            })
            .expect("the pool is open")
        })
        .collect();
    pool.shutdown(true);
    results_after_shutdown(&futures)
}

/// The thread pool demo, judged: every result n², and how many workers ran tasks.
fn thread_pool_run<R: Runtime>(threads: usize) -> PoolReport {
    let results = thread_pool_demo::<R>(threads, tasks::<R>());
    let squares = results.iter().map(|(v, _)| *v).collect::<Vec<_>>();
    let expected = (0..tasks::<R>()).map(|n| n * n).collect::<Vec<_>>();
    let verdict = if squares == expected {
        format!("{} tasks, each once, results n**2 in order", squares.len())
    } else {
        format!("results {squares:?}")
    };
    let used = tally(results.into_iter().map(|(_, w)| w))
        .matches(" x")
        .count();
    PoolReport(vec![verdict, format!("{used} worker thread(s) used")])
}

/// The same with worker processes: (n², pid) per task.
pub fn process_pool_demo<R: Runtime>(pool: ProcessPool<R>, tasks: u64) -> Vec<WorkerAnswer> {
    let mut pool = pool;
    let futures: Vec<Future<R, WorkerAnswer>> = (0..tasks)
        .map(|n| pool.submit(Task::Square(n)).expect("the pool is open"))
        .collect();
    pool.shutdown(true);
    results_after_shutdown(&futures)
}

/// The process pool demo, judged: every result n², and how many worker processes ran tasks.
fn process_pool_run<R: Runtime>(threads: usize) -> PoolReport {
    let tasks = if R::EXHAUSTIVE { 2 } else { tasks::<R>() };
    let pool = ProcessPool::<R>::new(threads, IsolatedSpawner::<R>::new());
    let done = process_pool_demo(pool, tasks);
    let squares: Vec<u64> = done.iter().map(|d| d.value).collect();
    let verdict = if squares == (0..tasks).map(|n| n * n).collect::<Vec<_>>() {
        format!("{tasks} tasks, each once, results n**2 in order")
    } else {
        format!("results {squares:?}")
    };
    let pids = tally(done.iter().map(|d| d.pid.to_string()));
    PoolReport(vec![
        verdict,
        format!("{} worker pid(s)", pids.matches(" x").count()),
    ])
}

/// `map` over the tasks: results in the input order.
fn map_run<R: Runtime>(threads: usize) -> PoolReport {
    let pool = ThreadPool::<R>::new(threads, "ThreadPoolExecutor");
    let items = 1..=tasks::<R>();
    let results: Vec<u64> = pool
        .map(|n: u64| n * n, items.clone())
        .expect("the pool is open")
        .collect::<Result<_, _>>()
        .expect("no task fails");
    let expected: Vec<u64> = items.map(|n| n * n).collect();
    assert_eq!(results, expected, "map must keep the input order");
    PoolReport(vec![format!(
        "map gave {} results, each once, in input order",
        results.len()
    )])
}

/// `submit(get_page, url).add_done_callback(parse_page)` for each page; `parse_page` appends
/// `url:<…> size:[…]` to the results "file". Returns the file's lines as written.
pub fn fetch_then_parse<R: Runtime>(workers: usize, pages: u64) -> Vec<String> {
    let pool = ThreadPool::<R>::new(workers, "ThreadPoolExecutor");
    let db = Arc::new(Mutex::<R, Vec<String>>::named("db.txt", Vec::new()));
    for n in 0..pages {
        let url = format!("local://page/{n}");
        let future = pool
            .submit(move || {
                say::<R>(|me| format!("<{me}> get {url}"));
                (url, page_text(n))
            })
            .expect("the pool is open");
        let db = db.clone();
        future.add_done_callback(move |future| {
            let (url, text) = future.result(None).expect("get_page succeeds");
            say::<R>(|me| format!("<{me}> parse {url}"));
            db.lock().push(format!("url:<{url}> size:[{}]", text.len()));
        });
    }
    pool.shutdown(true);
    db.lock().clone()
}

/// The fetch-then-parse pipeline: every page parsed into db.txt exactly once.
fn fetch_parse_run<R: Runtime>(threads: usize) -> PoolReport {
    let pages = if R::EXHAUSTIVE { 2 } else { 5 };
    let mut written = fetch_then_parse::<R>(threads, pages);
    written.sort();
    let mut expected: Vec<String> = (0..pages)
        .map(|n| format!("url:<local://page/{n}> size:[{}]", page_text(n).len()))
        .collect();
    expected.sort();
    assert_eq!(
        written, expected,
        "db.txt must hold each page parsed exactly once"
    );
    PoolReport(vec![format!("{pages} pages, each once parsed into db.txt")])
}

impl Lesson for ExecutorDemos {
    type Version = ExecutorDemo;
    type Outcome = PoolReport;
    const THREADS: Threads = Threads::shuttle(3).loom(2);
    const CHECK_EXECUTIONS: usize = 15_000;

    fn run<R: Runtime>(demo: ExecutorDemo, params: &Params) -> PoolReport {
        let run = match demo {
            ExecutorDemo::ThreadPool => thread_pool_run::<R>,
            ExecutorDemo::ProcessPool => process_pool_run::<R>,
            ExecutorDemo::Map => map_run::<R>,
            ExecutorDemo::FetchParse => fetch_parse_run::<R>,
        };
        run(params.threads)
    }

    fn classify(_: ExecutorDemo, outcome: &PoolReport, _: &Params) -> (Class, &'static str) {
        all_acceptable(outcome)
    }
}

pub const THREAD_POOL: Row<ExecutorDemos> = Row::new(
    "executor/thread-pool",
    ExecutorDemo::ThreadPool,
    Expect::Holds,
    "ThreadPoolExecutor(3): submit 11 tasks, shutdown(True), each result n**2 (tutorial 6)",
)
.max_threads(16);
/// A worker is two threads (the proxy and the process): one worker under loom.
pub const PROCESS_POOL: Row<ExecutorDemos> = Row::new(
    "executor/process-pool",
    ExecutorDemo::ProcessPool,
    Expect::Holds,
    "ProcessPoolExecutor(3): 11 tasks to isolated workers, as text lines; each result n**2",
)
.threads(3, 1)
.max_threads(8);
pub const MAP: Row<ExecutorDemos> = Row::new(
    "executor/map",
    ExecutorDemo::Map,
    Expect::Holds,
    "executor.map(task, range(1, 12)): results in input order, whatever order tasks finish",
)
.max_threads(16);
pub const FETCH_PARSE: Row<ExecutorDemos> = Row::new(
    "executor/fetch-parse",
    ExecutorDemo::FetchParse,
    Expect::Holds,
    "get_page then parse_page as a done-callback: each page parsed once, db.txt complete",
)
.max_threads(16);

/// Tiny tasks for the per-task cost rows.
pub const TINY_TASKS: u64 = 2_000;

/// Pools started (each kind, alternately) for the start-up rows.
const START_ROUNDS: usize = 5;

fn seconds(started: Instant) -> f64 {
    started.elapsed().as_secs_f64()
}

/// Each future's answer, in order. At the first failure the futures after it are cancelled (a
/// broken worker would fail each in turn, one reply timeout apiece) and the failure is the
/// answer, as the "not measured" note of its row.
fn answers<T: Clone + Send + 'static>(futures: &[Future<Native, T>]) -> Result<Vec<T>, String> {
    let mut answers = Vec::with_capacity(futures.len());
    for (index, future) in futures.iter().enumerate() {
        match future.result(None) {
            Ok(answer) => answers.push(answer),
            Err(error) => {
                for later in &futures[index + 1..] {
                    later.cancel();
                }
                return Err(format!(
                    "not measured: task {} of {} failed: {error}",
                    index + 1,
                    futures.len()
                ));
            }
        }
    }
    Ok(answers)
}

/// The process pool demo natively: `tasks` squares on 3 worker processes, every answer or the
/// first failure.
fn process_pool_answers(spawner: &ProcessSpawner, tasks: u64) -> Result<Vec<WorkerAnswer>, String> {
    let mut pool = ProcessPool::<Native>::new(3, spawner.clone());
    let futures: Vec<Future<Native, WorkerAnswer>> = (0..tasks)
        .map(|n| pool.submit(Task::Square(n)).expect("the pool is open"))
        .collect();
    let answered = answers(&futures);
    pool.shutdown(true);
    answered
}

/// "1:N", the second cost in units of the first, or why there is no ratio.
fn ratio(thread: f64, process: &Result<f64, String>) -> String {
    match process {
        Ok(process) => format!("1:{:.0}", process / thread.max(f64::MIN_POSITIVE)),
        Err(_) => "not measured".to_owned(),
    }
}

/// `time executor`: both demos natively (who ran what), then start-up and per-task cost, with
/// worker processes of this very executable.
pub fn timing() -> Timing {
    match ProcessSpawner::this_program() {
        Ok(spawner) => measure(&spawner),
        Err(error) => Timing {
            title: "executor: not measured".to_owned(),
            setup: format!("error: {error}"),
            rows: Vec::new(),
            ratios: Ratios::ToFirst,
        },
    }
}

/// The executor table with worker processes from `spawner`. A worker that cannot start, dies,
/// answers garbage, too much or too late makes its row "not measured: <why>"; the other rows are
/// measured regardless (a dead worker is replaced).
pub fn measure(spawner: &ProcessSpawner) -> Timing {
    let mut rows = Vec::new();
    let started = Instant::now();
    let results = thread_pool_demo::<Native>(3, 11);
    rows.push(TimingRow {
        label: "thread pool demo: 11 tasks, 3 workers".to_owned(),
        seconds: seconds(started),
        note: format!(
            "pid {} for all; {}",
            std::process::id(),
            tally(results.into_iter().map(|(_, w)| w))
        ),
    });
    let started = Instant::now();
    let demo = process_pool_answers(spawner, 11);
    let demo_seconds = seconds(started);
    rows.push(TimingRow {
        label: "process pool demo: 11 tasks, 3 worker processes".to_owned(),
        seconds: if demo.is_ok() { demo_seconds } else { 0.0 },
        note: demo.map_or_else(
            |why| why,
            |done| {
                format!(
                    "parent pid {}; worker pids {}",
                    std::process::id(),
                    tally(done.iter().map(|d| format!("pid {}", d.pid)))
                )
            },
        ),
    });
    // Start-up: a fresh pool and its first result, alternately, averaged over a few rounds.
    let mut thread_start = 0.0;
    let mut process_start: Result<f64, String> = Ok(0.0);
    for _ in 0..START_ROUNDS {
        let started = Instant::now();
        let pool = ThreadPool::<Native>::new(3, "ThreadPoolExecutor");
        pool.submit(|| 0).expect("open").result(None).expect("ok");
        thread_start += seconds(started) / START_ROUNDS as f64;
        drop(pool);
        if let Ok(total) = &mut process_start {
            let started = Instant::now();
            let processes = ProcessPool::<Native>::new(3, spawner.clone());
            let first = processes.submit(Task::Square(0)).expect("open");
            match answers(&[first]) {
                Ok(_) => *total += seconds(started) / START_ROUNDS as f64,
                Err(why) => process_start = Err(why),
            }
        }
    }
    let pool = ThreadPool::<Native>::new(3, "ThreadPoolExecutor");
    let mut processes = ProcessPool::<Native>::new(3, spawner.clone());
    let started = Instant::now();
    let futures: Vec<_> = (0..TINY_TASKS)
        .map(|n| pool.submit(move || n * n).expect("open"))
        .collect();
    futures.iter().for_each(|f| drop(f.result(None)));
    let thread_tasks = seconds(started);
    let started = Instant::now();
    let futures: Vec<_> = (0..TINY_TASKS)
        .map(|n| processes.submit(Task::Square(n)).expect("open"))
        .collect();
    let process_tasks = answers(&futures).map(|_| seconds(started));
    processes.shutdown(true);
    pool.shutdown(true);
    let per = |total: f64| format!("{:.1} us per task", total * 1e6 / TINY_TASKS as f64);
    let measured = |result: &Result<f64, String>, note: &dyn Fn(f64) -> String| match result {
        Ok(seconds) => (*seconds, note(*seconds)),
        Err(why) => (0.0, why.clone()),
    };
    let (start_seconds, start_note) = measured(&process_start, &|_| {
        "one process started, request and reply lines".to_owned()
    });
    let (tasks_seconds, tasks_note) = measured(&process_tasks, &per);
    rows.extend([
        TimingRow {
            label: format!(
                "thread pool start-up (3 workers, first result; mean of {START_ROUNDS})"
            ),
            seconds: thread_start,
            note: "one thread started".to_owned(),
        },
        TimingRow {
            label: format!(
                "process pool start-up (3 workers, first result; mean of {START_ROUNDS})"
            ),
            seconds: start_seconds,
            note: start_note,
        },
        TimingRow {
            label: format!("thread pool: {TINY_TASKS} tiny tasks"),
            seconds: thread_tasks,
            note: per(thread_tasks),
        },
        TimingRow {
            label: format!("process pool: {TINY_TASKS} tiny tasks"),
            seconds: tasks_seconds,
            note: tasks_note,
        },
    ]);
    Timing {
        title: format!(
            "executor: thread pool vs process pool (start-up {}, per task {})",
            ratio(thread_start, &process_start),
            ratio(thread_tasks, &process_tasks)
        ),
        setup: format!(
            "worker processes are {} {} (tasks and results as text lines)",
            spawner.program.display(),
            super::native::WORKER_COMMAND
        ),
        rows,
        ratios: Ratios::ToFirst,
    }
}
