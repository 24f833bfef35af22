//! Small helpers for the checker's own bookkeeping (not the models').

/// Locks one of the checker's own std mutexes; a panic inside a model (an expected verdict)
/// must not make its bookkeeping unreadable.
pub(crate) fn lock_unpoisoned<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
