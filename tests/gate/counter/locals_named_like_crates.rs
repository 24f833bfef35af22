//! expect: pass
//! A correct counter whose locals, fields and parameters are named like crates (`core`, `alloc`,
//! `std`): names, not paths, which the screen must let through.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;

struct Cell {
    core: usize,
    alloc: usize,
}

fn take_one(core: usize) -> usize {
    core - 1
}

pub struct NamedCounter<R: Runtime> {
    std: Mutex<R, Cell>,
}

impl<R: Runtime> Counter<R> for NamedCounter<R> {
    fn new(start: usize) -> Self {
        let core = start;
        let alloc = 0;
        NamedCounter {
            std: Mutex::named("n", Cell { core, alloc }),
        }
    }

    fn decrement(&self) {
        let mut std = self.std.lock();
        let Cell { core, .. } = *std;
        std.core = take_one(core);
        std.alloc += 1;
    }

    fn value(&self) -> usize {
        let std = self.std.lock();
        let read = |alloc: &Cell| alloc.core;
        match read(&std) {
            core => core,
        }
    }
}

pub type Submission<R> = NamedCounter<R>;
