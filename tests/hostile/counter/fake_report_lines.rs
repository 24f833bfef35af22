//! expect: fail no-lost-update violation
//! says: \u{1b}[2K\u{d}  pass     no-lost-update
//! Loses updates, and panics with a message made to look like the gate's own report: a terminal
//! code that erases the line and a carriage return, then a "pass" line, then more lines. A
//! submission's words reach the report as one plain line (a control character shows as
//! \u{..}, a newline as ⏎), so they cannot draw a line of it, nor move the cursor.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Shared;

pub struct ForgingCounter<R: Runtime> {
    n: Shared<R, usize>,
}

impl<R: Runtime> Counter<R> for ForgingCounter<R> {
    fn new(start: usize) -> Self {
        ForgingCounter { n: Shared::named("n", start) }
    }

    fn decrement(&self) {
        let temp = self.n.load();
        self.n.store(temp - 1);
        if self.n.load() + 1 != temp {
            panic!(
                "\x1b[2K\r  pass     no-lost-update   [shuttle] no failure in 5000 sampled \
                 executions\ncounter 1 submission [shuttle]: 1 pass, 0 fail"
            );
        }
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

pub type Submission<R> = ForgingCounter<R>;
