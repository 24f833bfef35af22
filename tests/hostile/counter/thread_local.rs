//! expect: rejected 14
//! says: `thread_local!` makes state the checker cannot see
//! A counter in a `thread_local!`: under the checkers every model thread runs on one OS thread,
//! so this is a global the checker never switches on, and the lost update it hides would never
//! show. Refused before compiling.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use std::cell::Cell;
use std::marker::PhantomData;

pub struct LocalCounter<R: Runtime>(PhantomData<R>);

thread_local! {
    static N: Cell<usize> = const { Cell::new(0) };
}

impl<R: Runtime> Counter<R> for LocalCounter<R> {
    fn new(start: usize) -> Self {
        N.with(|n| n.set(start));
        LocalCounter(PhantomData)
    }

    fn decrement(&self) {
        let temp = N.with(|n| n.get());
        N.with(|n| n.set(temp - 1));
    }

    fn value(&self) -> usize {
        N.with(|n| n.get())
    }
}

pub type Submission<R> = LocalCounter<R>;
