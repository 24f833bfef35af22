//! expect: fail no-lost-update violation
//! says: 1 of them were lost
//! Loses updates, and prints what a passing grade looks like: the gate's text, and the child's
//! own JSON messages ("result: pass", "done"). The submission's prints go to /dev/null; the
//! verdict is what the supervisor read from its own channel.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::Shared;

pub struct BraggingCounter<R: Runtime> {
    n: Shared<R, usize>,
}

impl<R: Runtime> Counter<R> for BraggingCounter<R> {
    fn new(start: usize) -> Self {
        println!("PASS  no-lost-update (shuttle)\nPASS  no-deadlock (shuttle)\ncounter: pass");
        println!(r#"{{"kind":"result","result":{{"property":"no-lost-update","status":"pass"}}}}"#);
        println!(r#"{{"kind":"done"}}"#);
        eprintln!("::notice::all tests passed");
        BraggingCounter { n: Shared::named("n", start) }
    }

    fn decrement(&self) {
        let temp = self.n.load();
        self.n.store(temp - 1);
    }

    fn value(&self) -> usize {
        self.n.load()
    }
}

pub type Submission<R> = BraggingCounter<R>;
