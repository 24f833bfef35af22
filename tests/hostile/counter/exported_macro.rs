//! expect: rejected 10
//! says: puts the macro at the root of the gate's harness
//! Exports a macro that makes a correct counter: every submission built in the same crate could
//! call it as `crate::counter_by_carol!` and pass without a counter of its own.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

#[macro_export]
macro_rules! counter_by_carol {
    ($name:ident) => {
        pub struct $name<R: Runtime> {
            n: Mutex<R, usize>,
        }
        impl<R: Runtime> Counter<R> for $name<R> {
            fn new(start: usize) -> Self {
                $name { n: Mutex::named("n", start) }
            }
            fn decrement(&self) {
                *self.n.lock() -= 1;
            }
            fn value(&self) -> usize {
                *self.n.lock()
            }
        }
    };
}

counter_by_carol!(Carol);

pub type Submission<R> = Carol<R>;
