//! `std::thread::Builder` over any runtime: a thread's name (and a stack size, accepted) before it
//! starts.
//!
//! What differs from std: the runtime is named once, `Builder::<R>::new()`; `spawn` never fails
//! (it returns `Ok`, so code written for std's `io::Result` ports unchanged); `stack_size` is
//! accepted and not applied (each backend gives its threads the stacks it gives all of them).

use super::{JoinHandle, Scope, ScopedJoinHandle, python_name, spawn_named};
use crate::runtime::Runtime;
use crate::trace;
use std::fmt;
use std::marker::PhantomData;

/// How the next thread starts: its name, as std's `thread::Builder`.
pub struct Builder<R: Runtime> {
    name: Option<String>,
    stack_size: Option<usize>,
    _runtime: PhantomData<R>,
}

impl<R: Runtime> fmt::Debug for Builder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("name", &self.name)
            .field("stack_size", &self.stack_size)
            .finish()
    }
}

impl<R: Runtime> Default for Builder<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> Builder<R> {
    /// A builder for a thread named `Thread-N` (numbered when it starts).
    pub fn new() -> Self {
        Builder {
            name: None,
            stack_size: None,
            _runtime: PhantomData,
        }
    }

    /// The thread's name, in timelines, deadlock reports and
    /// [`current_name`](super::current_name).
    pub fn name(mut self, name: String) -> Self {
        self.name = Some(name);
        self
    }

    /// Accepted for std's sake, not applied: each backend's threads have the stacks it gives.
    pub fn stack_size(mut self, size: usize) -> Self {
        self.stack_size = Some(size);
        self
    }

    /// Starts the thread; always `Ok` (see the module's notes).
    #[track_caller]
    pub fn spawn<F, T>(self, body: F) -> std::io::Result<JoinHandle<R, T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let name = self.name_or_next();
        Ok(spawn_named::<R, F, T>(name, body))
    }

    /// Starts the thread in `scope`; always `Ok`.
    #[track_caller]
    pub fn spawn_scoped<'scope, F, T>(
        self,
        scope: &'scope Scope<'scope, '_, R>,
        body: F,
    ) -> std::io::Result<ScopedJoinHandle<'scope, R, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let name = self.name_or_next();
        Ok(scope.spawn_named(name, body))
    }

    fn name_or_next(self) -> String {
        self.name
            .unwrap_or_else(|| python_name(trace::next_thread_number()))
    }
}
