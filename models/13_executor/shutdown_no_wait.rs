//! # `shutdown(wait=False)`: it returns at once, and the program still waits for every task
//!
//! The tutorial: with `wait=False`, `shutdown` returns at once without waiting for the pool's
//! tasks, "but whatever `wait` is, the whole program waits until every task has finished"; and
//! `submit` and `map` must come before `shutdown`. Both are true, for two different reasons:
//! `shutdown(False)` only closes the pool (its workers still empty the queue), and at exit
//! Python runs `concurrent.futures`' exit hook, which joins every pool's workers before the
//! process ends. A `submit` after `shutdown` raises `RuntimeError: cannot schedule new futures
//! after shutdown`; here it is an `Err(SubmitError::Shutdown)` with the same words.
//!
//! The program: one worker, two tasks that each print a line, `shutdown(wait=False)`, a line from
//! main, a refused `submit`, and the end of main's code. The exit hook is the pool's owner going
//! away where main's code ends (its `Drop` joins the workers). Every interleaving prints both
//! task lines; in some, main's lines come first: `shutdown` returned before the tasks ran.
//! Python 3.11 prints, for the same program with a 50 ms sleep in each task:
//! `main: shutdown(wait=False) returned`, `main: submit after shutdown: RuntimeError cannot
//! schedule new futures after shutdown`, `main: end of script`, `task 0 done`, `task 1 done`.

use super::thread_pool::ThreadPool;
use crate::lesson::{Class, Expect, Lesson, Params, Row, Threads};
use crate::program::{self, Printed, Program, Shutdown};
use crate::runtime::Runtime;

/// Tasks the program submits (each prints one line).
pub const TASKS: u64 = 2;

pub const RETURNED: &str = "main: shutdown(wait=False) returned";
pub const REFUSED: &str =
    "main: submit after shutdown: RuntimeError: cannot schedule new futures after shutdown";

fn task_line(n: u64) -> String {
    format!("task {n} done")
}

/// Main's code: submit, `shutdown(wait=False)`, one more `submit`. Returns the pool, whose owner
/// going away at the end of main's code is Python's exit hook joining its workers.
fn script<R: Runtime>(main: &Program<R>) -> ThreadPool<R> {
    let pool = ThreadPool::<R>::new(1, "ThreadPoolExecutor");
    for n in 0..TASKS {
        let output = main.clone();
        pool.submit(move || output.print(task_line(n)))
            .expect("the pool is open");
    }
    pool.shutdown(false);
    main.print(RETURNED);
    match pool.submit(|| ()) {
        Err(refused) => main.print(format!(
            "main: submit after shutdown: RuntimeError: {refused}"
        )),
        Ok(_) => main.print("main: submit after shutdown was accepted"),
    }
    pool
}

/// `shutdown(wait=False)` and the exit, as one lesson.
pub struct ShutdownNoWait;

impl Lesson for ShutdownNoWait {
    type Version = ();
    type Outcome = Printed;
    const THREADS: Threads = Threads::same(1);
    /// A program, a pool and its worker: about the pool demos' cost per execution.
    const CHECK_EXECUTIONS: usize = 20_000;

    fn run<R: Runtime>(_: (), _: &Params) -> Printed {
        let exit = program::run::<R, _>(Shutdown::WaitForNonDaemons, |main| {
            let pool = script(main);
            drop(pool);
        });
        Printed(exit.output)
    }

    fn classify(_: (), outcome: &Printed, _: &Params) -> (Class, &'static str) {
        let lines = &outcome.0;
        let position = |line: &str| lines.iter().position(|l| l == line);
        let tasks: Vec<Option<usize>> = (0..TASKS).map(|n| position(&task_line(n))).collect();
        if position(REFUSED).is_none() {
            return (Class::Forbidden, "submit after shutdown must be refused");
        }
        if tasks.iter().any(Option::is_none) || lines.len() != TASKS as usize + 2 {
            return (
                Class::Forbidden,
                "a submitted task never ran: the exit must wait for every task",
            );
        }
        let last_task = tasks.iter().flatten().max();
        if position(RETURNED) < last_task.copied() {
            (
                Class::Acceptable,
                "shutdown returned before a task ran; the exit waited for it",
            )
        } else {
            (
                Class::Acceptable,
                "every task happened to finish before shutdown returned",
            )
        }
    }

    /// Main's two lines in order, the tasks' lines in order (one worker), merged every way.
    fn possible_outcomes(_: (), _: &Params) -> Option<Vec<Printed>> {
        let main = [RETURNED.to_owned(), REFUSED.to_owned()];
        let tasks: Vec<String> = (0..TASKS).map(task_line).collect();
        let total = main.len() + tasks.len();
        let merges = (0u32..1 << total)
            .filter(|mask| mask.count_ones() as usize == main.len())
            .map(|mask| {
                let (mut from_main, mut from_tasks) = (main.iter(), tasks.iter());
                let lines = (0..total)
                    .map(|slot| {
                        let source = if mask & (1 << slot) != 0 {
                            &mut from_main
                        } else {
                            &mut from_tasks
                        };
                        source.next().expect("counted").clone()
                    })
                    .collect();
                Printed(lines)
            })
            .collect();
        Some(merges)
    }
}

pub const SHUTDOWN_NO_WAIT: Row<ShutdownNoWait> = Row::new(
    "executor/shutdown-no-wait",
    (),
    Expect::Holds,
    "shutdown(wait=False) returns at once, submit after it is refused, and the exit still waits for every task",
)
.max_threads(1);
