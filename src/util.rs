//! Small helpers for the checker's own bookkeeping (not the models').

/// Locks one of the checker's own std mutexes; a panic inside a model (an expected verdict)
/// must not make its bookkeeping unreadable.
pub(crate) fn lock_unpoisoned<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// FNV-1a, 64 bits: a small stable hash for names (token tags, seeds, harness crates), the same
/// on every machine and every run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fnv1a(u64);

impl Fnv1a {
    pub(crate) const fn new() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn eat(&mut self, bytes: &[u8]) -> &mut Fnv1a {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}

/// [`Fnv1a`] of `bytes`.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    Fnv1a::new().eat(bytes).finish()
}
