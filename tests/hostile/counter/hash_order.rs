//! expect: rejected 15
//! says: std's `HashMap` and `HashSet` with their default hasher
//! An honest-looking counter that keeps one cell per worker in a `HashMap` and sums them in its
//! iteration order, which std's default hasher draws anew in every process: a grade could change
//! from run to run. The screen refuses the default hasher and names the fixed ones.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Mutex;
use std::collections::HashMap;

const CELLS: usize = 4;

pub struct CellCounter<R: Runtime> {
    cells: Mutex<R, HashMap<usize, usize>>,
}

impl<R: Runtime> Counter<R> for CellCounter<R> {
    fn new(start: usize) -> Self {
        let cells = (0..CELLS).map(|cell| (cell, if cell == 0 { start } else { 0 })).collect();
        CellCounter { cells: Mutex::named("cells", cells) }
    }

    fn decrement(&self) {
        let mut cells = self.cells.lock();
        let first = *cells.keys().next().unwrap_or(&0);
        let cell = cells.entry(first).or_insert(0);
        *cell = cell.wrapping_sub(1);
    }

    fn value(&self) -> usize {
        self.cells.lock().values().fold(0usize, |sum, n| sum.wrapping_add(*n))
    }
}

pub type Submission<R> = CellCounter<R>;
