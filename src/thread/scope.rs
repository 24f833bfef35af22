//! Scoped threads, as `std::thread::scope` has them: a thread started in a scope may borrow
//! what the scope's caller owns, because the scope joins every thread it started before it
//! returns.
//!
//! What differs from std:
//! - `ScopedJoinHandle::join` returns the thread's value and re-raises its panic, as the facade's
//!   [`JoinHandle::join`](super::JoinHandle::join) does (std returns a `Result`).
//! - Each thread is a facade thread: recorded, named `Thread-N` (or as given), and joined in the
//!   timeline where the scope ends if nobody joined it before.
//! - Under the checkers a panic in a scoped thread ends the execution there, as any thread's
//!   does; natively the scope joins the rest and then panics, as std's does.

use super::{JoinHandle, python_name, spawn_named};
use crate::runtime::Runtime;
use crate::trace;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A started thread that nobody has joined yet: its handle, until the first join takes it.
type Running<R> = Arc<Mutex<Option<JoinHandle<R, ()>>>>;

/// The scope [`scope`] lends its body: where its threads are started.
pub struct Scope<'scope, 'env: 'scope, R: Runtime> {
    /// Every thread started in the scope, in the order started.
    threads: Mutex<Vec<Running<R>>>,
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

impl<R: Runtime> fmt::Debug for Scope<'_, '_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope")
            .field("threads", &locked(&self.threads).len())
            .finish_non_exhaustive()
    }
}

/// A thread of a [`Scope`]: `join` waits for it and returns its value.
pub struct ScopedJoinHandle<'scope, R: Runtime, T> {
    thread: Running<R>,
    value: Arc<Mutex<Option<T>>>,
    name: String,
    _scope: PhantomData<&'scope ()>,
}

impl<R: Runtime, T> fmt::Debug for ScopedJoinHandle<'_, R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedJoinHandle")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Runs `body` with a [`Scope`] to start threads in, joins every thread started there that
/// nobody joined, and returns `body`'s value. A thread's panic that nobody joined makes the
/// scope panic once all are joined (natively; under the checkers the panic has already ended
/// the execution). Also `R::scope(…)` ([`Threads`](super::Threads)).
#[track_caller]
pub fn scope<'env, R, F, T>(body: F) -> T
where
    R: Runtime,
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env, R>) -> T,
{
    let scope = Scope {
        threads: Mutex::new(Vec::new()),
        scope: PhantomData,
        env: PhantomData,
    };
    let value = catch_unwind(AssertUnwindSafe(|| body(&scope)));
    let a_thread_panicked = scope.join_all();
    match value {
        Err(panic) => resume_unwind(panic),
        Ok(_) if a_thread_panicked => panic!("a scoped thread panicked"),
        Ok(value) => value,
    }
}

impl<'scope, R: Runtime> Scope<'scope, '_, R> {
    /// Starts a thread named `Thread-N` that may borrow from outside the scope.
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, body: F) -> ScopedJoinHandle<'scope, R, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.spawn_named(python_name(trace::next_thread_number()), body)
    }

    /// Starts a thread named `name` that may borrow from outside the scope.
    #[track_caller]
    pub fn spawn_named<F, T>(
        &'scope self,
        name: impl Into<String>,
        body: F,
    ) -> ScopedJoinHandle<'scope, R, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let value = Arc::new(Mutex::new(None));
        let returned = value.clone();
        let run: Box<dyn FnOnce() + Send + 'scope> = Box::new(move || {
            let result = body();
            *locked(&returned) = Some(result);
        });
        // SAFETY: only the lifetime changes. The thread is joined before `scope` returns (by its
        // handle's `join`, or by `join_all` at the scope's end, which runs even when the body
        // panics), so whatever `run` borrows for 'scope outlives the thread.
        let run: Box<dyn FnOnce() + Send + 'static> = unsafe { std::mem::transmute(run) };
        let handle = spawn_named::<R, _, ()>(name, run);
        let name = handle.name().to_owned();
        let thread = Arc::new(Mutex::new(Some(handle)));
        locked(&self.threads).push(thread.clone());
        ScopedJoinHandle {
            thread,
            value,
            name,
            _scope: PhantomData,
        }
    }

    /// Joins every thread nobody has joined, those started meanwhile included; says whether one
    /// of them panicked.
    fn join_all(&self) -> bool {
        let mut a_thread_panicked = false;
        let mut next = 0;
        loop {
            let Some(thread) = locked(&self.threads).get(next).cloned() else {
                return a_thread_panicked;
            };
            next += 1;
            let handle = locked(&thread).take();
            if let Some(handle) = handle {
                a_thread_panicked |= handle.join_result().is_err();
            }
        }
    }
}

impl<R: Runtime, T> ScopedJoinHandle<'_, R, T> {
    /// The thread's name: the one given, or `Thread-N`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Waits for the thread to finish and returns its value; re-raises its panic.
    #[track_caller]
    pub fn join(self) -> T {
        let handle = locked(&self.thread)
            .take()
            .expect("only the scope's end joins a thread besides its handle, and it comes after");
        handle.join();
        locked(&self.value)
            .take()
            .expect("a thread that returned left its value")
    }
}

/// The scope's own bookkeeping, never held across a step: a panic elsewhere cannot leave it
/// half-written.
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
