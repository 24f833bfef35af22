//! The tutorial's programs: 11 tasks on 3 workers (threads, then processes), `map`, and the
//! fetch-then-parse callback pipeline with local pages in place of URLs, on a thread pool and on
//! a process pool (where the callback runs in the parent). Under loom each is cut to two or three
//! tasks. Then the native timing: each pool on the same work, side by side.
//!
//! The tutorial says `parse_page` is a callback of the `ProcessPoolExecutor`; actually it runs in
//! the parent process, not in the worker that ran `get_page` (its own output prints two pids):
//! the pool finishes a future where the result arrives, in the parent. `executor/process-callback`
//! shows the two pids side by side, and `time executor` shows them with real processes.

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
    /// The fetch-then-parse pipeline on a process pool: where each callback runs.
    ProcessCallback,
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

/// The tutorial's `time.sleep(random.randint(1, 3))` in task `n`, made deterministic: 1, 2 or 3 s
/// (the facade scales it natively; a worker process is sent it scaled, see [`scaled_ms`]).
pub fn demo_sleep(n: u64) -> Duration {
    Duration::from_secs(n % 3 + 1)
}

/// `duration` as the native facade sleeps it (divided by the sleep scale), in whole milliseconds.
pub fn scaled_ms(duration: Duration) -> u64 {
    (duration / crate::runtime::sleep_scale()).as_millis() as u64
}

/// `submit(task, n)` for each n, `shutdown(True)`, print each result: (n², worker) per task.
pub fn thread_pool_demo<R: Runtime>(workers: usize, tasks: u64) -> Vec<(u64, String)> {
    let pool = ThreadPool::<R>::new(workers, "ThreadPoolExecutor");
    let futures: Vec<Future<R, (u64, String)>> = (0..tasks)
        .map(|n| {
            pool.submit(move || {
                say::<R>(|me| format!("{me} is running task({n})"));
                crate::thread::sleep::<R>(demo_sleep(n));
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

/// Where one page's done-callback ran, next to the worker that fetched the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CallbackPids {
    pub page: u64,
    pub worker: u32,
    pub callback: u32,
}

/// The parent's pid in the models, where workers are isolated threads numbered from 1001.
pub const MODEL_PARENT_PID: u32 = 1000;

/// The pid of the process the calling thread belongs to, in the models: a worker is a thread
/// named `process_<pid>`; every other thread is the parent's.
pub fn model_pid<R: Runtime>() -> u32 {
    R::current_name()
        .and_then(|name| name.strip_prefix("process_")?.parse().ok())
        .unwrap_or(MODEL_PARENT_PID)
}

/// `p.submit(get_page, url).add_done_callback(parse_page)` on a process pool, for each page:
/// `get_page` runs in a worker process and answers with its pid; `parse_page` notes the pid of
/// the process it runs in (`pid_here`). Sorted by page, or the first page whose task failed.
pub fn fetch_then_parse_in_processes<R: Runtime>(
    pool: ProcessPool<R>,
    pages: u64,
    pid_here: fn() -> u32,
) -> Result<Vec<CallbackPids>, String> {
    let mut pool = pool;
    let parsed = Arc::new(Mutex::<R, Vec<Result<CallbackPids, String>>>::named(
        "db.txt",
        Vec::new(),
    ));
    for page in 0..pages {
        let future = pool.submit(Task::Fetch(page)).expect("the pool is open");
        let parsed = parsed.clone();
        future.add_done_callback(move |future| {
            let callback = pid_here();
            let seen = future
                .result(None)
                .map(|fetched| {
                    say::<R>(|me| {
                        format!(
                            "<{me}> parse page {page}: worker pid {}, callback pid {callback}",
                            fetched.pid
                        )
                    });
                    CallbackPids {
                        page,
                        worker: fetched.pid,
                        callback,
                    }
                })
                .map_err(|error| format!("task {} of {pages} failed: {error}", page + 1));
            parsed.lock().push(seen);
        });
    }
    pool.shutdown(true);
    let mut parsed = parsed.lock().clone();
    parsed.sort_by_key(|seen| seen.as_ref().map_or(u64::MAX, |pids| pids.page));
    parsed.into_iter().collect()
}

pub const CALLBACKS_IN_PARENT: &str =
    "each page fetched in a worker process, parsed by its callback in the parent process";

/// Each callback in the parent and never in the worker that fetched its page, as one line (or
/// the pids that say otherwise).
pub fn callbacks_verdict(seen: &[CallbackPids], parent: u32, pages: u64) -> String {
    let in_parent = seen
        .iter()
        .all(|pids| pids.callback == parent && pids.worker != parent);
    if in_parent && seen.len() as u64 == pages {
        format!("{pages} pages: {CALLBACKS_IN_PARENT}")
    } else {
        let pids: Vec<String> = seen
            .iter()
            .map(|p| {
                format!(
                    "page {}: worker {}, callback {}",
                    p.page, p.worker, p.callback
                )
            })
            .collect();
        format!("parent {parent}; {}", pids.join(", "))
    }
}

/// The pipeline on a process pool of isolated workers, judged by where the callbacks ran.
fn process_callback_run<R: Runtime>(threads: usize) -> PoolReport {
    let pages = if R::EXHAUSTIVE { 2 } else { 5 };
    let pool = ProcessPool::<R>::new(threads, IsolatedSpawner::<R>::new());
    let line = match fetch_then_parse_in_processes(pool, pages, model_pid::<R>) {
        Ok(seen) => callbacks_verdict(&seen, model_pid::<R>(), pages),
        Err(failed) => failed,
    };
    PoolReport(vec![line])
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
            ExecutorDemo::ProcessCallback => process_callback_run::<R>,
        };
        run(params.threads)
    }

    fn classify(demo: ExecutorDemo, outcome: &PoolReport, _: &Params) -> (Class, &'static str) {
        match demo {
            ExecutorDemo::ProcessCallback => match outcome.0.first() {
                Some(line) if line.ends_with(CALLBACKS_IN_PARENT) => {
                    (Class::Acceptable, "every callback ran in the parent")
                }
                _ => (
                    Class::Forbidden,
                    "a callback ran outside the parent, or a page was not parsed",
                ),
            },
            _ => all_acceptable(outcome),
        }
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

/// A worker is two threads (the proxy and the process): one worker under loom.
pub const PROCESS_CALLBACK: Row<ExecutorDemos> = Row::new(
    "executor/process-callback",
    ExecutorDemo::ProcessCallback,
    Expect::Holds,
    "get_page on a ProcessPoolExecutor, parse_page as its done-callback: the callback runs in the parent",
)
.threads(3, 1)
.max_threads(8);

/// Tiny tasks for the per-task cost rows.
pub const TINY_TASKS: u64 = 2_000;

/// Pools started (each kind, alternately) for the start-up rows.
const START_ROUNDS: usize = 5;

/// The middle one of `times` (at least one).
fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

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

/// `tasks` tasks (`task(n)` for each n) on 3 worker processes, natively: every answer or the
/// first failure.
fn process_pool_answers(
    spawner: &ProcessSpawner,
    tasks: u64,
    task: fn(u64) -> Task,
) -> Result<Vec<WorkerAnswer>, String> {
    let mut pool = ProcessPool::<Native>::new(3, spawner.clone());
    let futures: Vec<Future<Native, WorkerAnswer>> = (0..tasks)
        .map(|n| pool.submit(task(n)).expect("the pool is open"))
        .collect();
    let answered = answers(&futures);
    pool.shutdown(true);
    answered
}

/// The tutorial's `task(n)` for a worker process: its sleep, scaled as the thread pool's is.
fn sleep_then_square(n: u64) -> Task {
    Task::SleepThenSquare {
        n,
        ms: scaled_ms(demo_sleep(n)),
    }
}

/// "1:N", the process pool's time in units of the thread pool's, or why there is no ratio.
fn ratio(thread: f64, process: &Result<f64, String>) -> String {
    match process {
        Ok(process) => {
            let times = process / thread.max(f64::MIN_POSITIVE);
            if times < 10.0 {
                format!("1:{times:.1}")
            } else {
                format!("1:{times:.0}")
            }
        }
        Err(_) => "not measured".to_owned(),
    }
}

/// `time executor`: the two pools side by side, each pair of rows on the same work, with worker
/// processes of this very executable.
pub fn timing() -> Timing {
    match ProcessSpawner::this_program() {
        Ok(spawner) => measure(&spawner),
        Err(error) => Timing {
            title: "executor: not measured".to_owned(),
            setup: format!("error: {error}"),
            rows: Vec::new(),
            ratios: Ratios::None,
        },
    }
}

/// Pairs of rows, a thread pool's then a process pool's, each pair on the same work.
pub const PAIRS: [usize; 4] = [2, 2, 2, 2];

/// A process pool's row: its time, or 0 and "not measured: <why>" as its note.
fn process_row(label: String, measured: &Result<f64, String>, note: String) -> TimingRow {
    match measured {
        Ok(seconds) => TimingRow {
            label,
            seconds: *seconds,
            note,
        },
        Err(why) => TimingRow {
            label,
            seconds: 0.0,
            note: why.clone(),
        },
    }
}

/// The executor table with worker processes from `spawner`, in four pairs ([`PAIRS`]): the
/// tutorial's demo (11 tasks that sleep 1-3 s, scaled, on 3 workers), start-up, tiny tasks, and
/// the fetch-then-parse pipeline with its callbacks. A worker that cannot start, dies, answers
/// garbage, too much or too late makes its row "not measured: `<why>`"; the other rows are
/// measured regardless (a dead worker is replaced).
pub fn measure(spawner: &ProcessSpawner) -> Timing {
    let mut rows = Vec::new();
    let parent = std::process::id();

    let started = Instant::now();
    let results = thread_pool_demo::<Native>(3, 11);
    let thread_demo = seconds(started);
    rows.push(TimingRow {
        label: "thread pool demo: 11 tasks that sleep 1-3 s, n**2; 3 threads".to_owned(),
        seconds: thread_demo,
        note: format!(
            "pid {parent} for all; {}",
            tally(results.into_iter().map(|(_, w)| w))
        ),
    });
    let started = Instant::now();
    let demo = process_pool_answers(spawner, 11, sleep_then_square);
    let process_demo = demo
        .as_ref()
        .map(|_| seconds(started))
        .map_err(Clone::clone);
    let note = demo.map_or_else(
        |why| why,
        |done| {
            format!(
                "parent pid {parent}; worker pids {}",
                tally(done.iter().map(|d| format!("pid {}", d.pid)))
            )
        },
    );
    rows.push(process_row(
        "process pool demo: the same 11 tasks; 3 worker processes".to_owned(),
        &process_demo,
        note,
    ));

    // Start-up: a fresh pool and its first result, alternately, a few rounds of each. The median:
    // on a loaded machine a new thread may wait a time slice (milliseconds) to be scheduled.
    let mut thread_starts = Vec::with_capacity(START_ROUNDS);
    let mut process_starts: Result<Vec<f64>, String> = Ok(Vec::with_capacity(START_ROUNDS));
    for _ in 0..START_ROUNDS {
        let started = Instant::now();
        let pool = ThreadPool::<Native>::new(3, "ThreadPoolExecutor");
        pool.submit(|| 0).expect("open").result(None).expect("ok");
        thread_starts.push(seconds(started));
        drop(pool);
        if let Ok(starts) = &mut process_starts {
            let started = Instant::now();
            let processes = ProcessPool::<Native>::new(3, spawner.clone());
            let first = processes.submit(Task::Square(0)).expect("open");
            match answers(&[first]) {
                Ok(_) => starts.push(seconds(started)),
                Err(why) => process_starts = Err(why),
            }
        }
    }
    let thread_start = median(thread_starts);
    let process_start = process_starts.map(median);
    rows.push(TimingRow {
        label: format!("thread pool start-up (3 workers, first result; median of {START_ROUNDS})"),
        seconds: thread_start,
        note: "one thread started".to_owned(),
    });
    rows.push(process_row(
        format!("process pool start-up (3 workers, first result; median of {START_ROUNDS})"),
        &process_start,
        "one process started, request and reply lines".to_owned(),
    ));

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
    rows.push(TimingRow {
        label: format!("thread pool: {TINY_TASKS} tiny tasks (n**2, no sleep)"),
        seconds: thread_tasks,
        note: per(thread_tasks),
    });
    let note = process_tasks
        .as_ref()
        .map_or_else(Clone::clone, |s| per(*s));
    rows.push(process_row(
        format!("process pool: the same {TINY_TASKS} tiny tasks"),
        &process_tasks,
        note,
    ));

    let started = Instant::now();
    let parsed = fetch_then_parse::<Native>(3, FETCHED_PAGES);
    let thread_pipeline = seconds(started);
    rows.push(TimingRow {
        label: format!("thread pool: get_page + parse_page callback, {FETCHED_PAGES} pages"),
        seconds: thread_pipeline,
        note: format!(
            "pid {parent} for all; db.txt: {}",
            tally(parsed.iter().map(|line| {
                let url = line.split('>').next().unwrap_or_default();
                url.rsplit('/')
                    .next()
                    .map(|n| format!("page {n}"))
                    .unwrap_or_default()
            }))
        ),
    });
    let started = Instant::now();
    let pool = ProcessPool::<Native>::new(3, spawner.clone());
    let pipeline = fetch_then_parse_in_processes(pool, FETCHED_PAGES, std::process::id);
    let process_pipeline = pipeline
        .as_ref()
        .map(|_| seconds(started))
        .map_err(|failed| format!("not measured: {failed}"));
    let note = pipeline.map_or_else(|failed| failed, |seen| callback_pids_note(&seen, parent));
    rows.push(process_row(
        format!("process pool: the same {FETCHED_PAGES} pages"),
        &process_pipeline,
        note,
    ));

    Timing {
        title: format!(
            "executor: thread pool vs process pool, each pair on the same work (demo {}, \
             start-up {}, per tiny task {}, fetch-parse {})",
            ratio(thread_demo, &process_demo),
            ratio(thread_start, &process_start),
            ratio(thread_tasks, &process_tasks),
            ratio(thread_pipeline, &process_pipeline),
        ),
        setup: format!(
            "ratios within each pair only; the demo's sleeps (1-3 s) scaled to {}-{} ms in both \
             pools; worker processes are {} {} (tasks and results as text lines)",
            scaled_ms(demo_sleep(0)),
            scaled_ms(demo_sleep(2)),
            spawner.program.display(),
            super::native::WORKER_COMMAND
        ),
        rows,
        ratios: Ratios::Groups(PAIRS.to_vec()),
    }
}

/// Pages of the fetch-then-parse rows.
pub const FETCHED_PAGES: u64 = 5;

/// "worker pid X, callback pid Y (= parent Y)" for the first page, and where the others ran.
pub fn callback_pids_note(seen: &[CallbackPids], parent: u32) -> String {
    let Some(first) = seen.first() else {
        return "no page fetched".to_owned();
    };
    let same = if first.callback == parent { "=" } else { "!=" };
    let workers = tally(seen.iter().map(|p| format!("pid {}", p.worker)));
    let callbacks = tally(seen.iter().map(|p| format!("pid {}", p.callback)));
    format!(
        "worker pid {}, callback pid {} ({same} parent {parent}); all pages: workers {workers}, \
         callbacks {callbacks}",
        first.worker, first.callback
    )
}
