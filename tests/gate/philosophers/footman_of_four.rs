//! expect: fail no-deadlock
//! The textbook's footman seats at most four of the five philosophers, so nobody is left waiting.

use interleave::gate::exercises::philosophers::{Fork, TableManners};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};

/// At most four at the table at once: one seat always stays empty.
const SEATED_AT_MOST: usize = 4;

pub struct Footman<R: Runtime> {
    free_chairs: Mutex<R, usize>,
    chair_freed: Condvar<R>,
}

impl<R: Runtime> TableManners<R> for Footman<R> {
    fn new(_seats: usize) -> Self {
        Footman {
            free_chairs: Mutex::named("free chairs", SEATED_AT_MOST),
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

pub type Submission<R> = Footman<R>;
