//! expect: fail value-is-the-count
//! Decrements in batches of two, to touch the count half as often: each decrement is counted in
//! `pending` under the lock, and the second of a pair takes both off `n`. None is lost (with an
//! even number of them, `n` ends exact), but `value()` reads `n` alone: a thread that has just
//! decremented does not see its own decrement while it waits in the batch.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

struct Batch {
    n: usize,
    pending: usize,
}

pub struct BatchedCounter<R: Runtime> {
    batch: Mutex<R, Batch>,
}

impl<R: Runtime> Counter<R> for BatchedCounter<R> {
    fn new(start: usize) -> Self {
        BatchedCounter {
            batch: Mutex::named(
                "batch",
                Batch {
                    n: start,
                    pending: 0,
                },
            ),
        }
    }

    fn decrement(&self) {
        let mut batch = self.batch.lock();
        batch.pending += 1;
        if batch.pending == 2 {
            batch.n -= 2;
            batch.pending = 0;
        }
    }

    fn value(&self) -> usize {
        self.batch.lock().n
    }
}

pub type Submission<R> = BatchedCounter<R>;
