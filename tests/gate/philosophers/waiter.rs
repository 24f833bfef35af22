//! expect: pass
//! A waiter lets at most `seats - 1` sit at once: with one chair empty, the ring cannot close.

use interleave::gate::exercises::philosophers::{Fork, TableManners};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};

pub struct Waiter<R: Runtime> {
    free_chairs: Mutex<R, usize>,
    chair_freed: Condvar<R>,
}

impl<R: Runtime> TableManners<R> for Waiter<R> {
    fn new(seats: usize) -> Self {
        Waiter {
            free_chairs: Mutex::named("free chairs", seats - 1),
            chair_freed: Condvar::named("chair freed"),
        }
    }

    fn dine(&self, _seat: usize, left: &Fork<R>, right: &Fork<R>, eat: impl FnOnce()) {
        {
            let mut free = self
                .chair_freed
                .wait_while(self.free_chairs.lock(), |free| *free == 0);
            *free -= 1;
        }
        {
            let _left = left.lock();
            let _right = right.lock();
            eat();
        }
        *self.free_chairs.lock() += 1;
        self.chair_freed.notify_one();
    }
}

pub type Submission<R> = Waiter<R>;
