//! expect: fail mutual-exclusion
//! A waiter who knows who is eating: wait until neither neighbour eats, then sit down to eat.

use interleave::gate::exercises::philosophers::{Fork, TableManners};
use interleave::runtime::Runtime;
use interleave::sync::{Condvar, Mutex};

pub struct Waiter<R: Runtime> {
    seats: usize,
    eating: Mutex<R, Vec<bool>>,
    changed: Condvar<R>,
}

impl<R: Runtime> TableManners<R> for Waiter<R> {
    fn new(seats: usize) -> Self {
        Waiter {
            seats,
            eating: Mutex::named("eating", vec![false; seats]),
            changed: Condvar::named("changed"),
        }
    }

    fn dine(&self, seat: usize, _left: &Fork<R>, _right: &Fork<R>, eat: impl FnOnce()) {
        let before = (seat + self.seats - 1) % self.seats;
        let after = (seat + 1) % self.seats;
        // Neither neighbour eats, so both my forks are free...
        drop(
            self.changed
                .wait_while(self.eating.lock(), |eating| eating[before] || eating[after]),
        );
        // ...so I can take them.
        self.eating.lock()[seat] = true;
        eat();
        self.eating.lock()[seat] = false;
        self.changed.notify_all();
    }
}

pub type Submission<R> = Waiter<R>;
