//! expect: rejected 26
//! says: `strong_count` reads a reference count
//! A "lock" made of an `Arc`'s reference count: wait until nobody else holds a clone, then take
//! one. The count is an atomic the checker never switches on, so under it the check and the take
//! look as one step, while on real threads two can pass the check together. Refused before
//! compiling.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Shared;
use std::sync::Arc;

pub struct RefcountCounter<R: Runtime> {
    n: Shared<R, usize>,
    token: Arc<()>,
}

impl<R: Runtime> Counter<R> for RefcountCounter<R> {
    fn new(start: usize) -> Self {
        RefcountCounter { n: Shared::named("n", start), token: Arc::new(()) }
    }

    fn decrement(&self) {
        let mut token = self.token.clone();
        loop {
            if Arc::strong_count(&token) <= 2 {
                break;
            }
            drop(token);
            interleave::thread::yield_now::<R>();
            token = self.token.clone();
        }
        let temp = self.n.load();
        self.n.store(temp - 1);
        drop(token);
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

pub type Submission<R> = RefcountCounter<R>;
