//! expect: fail no-lost-update violation
//! says: panicked: \u{1b}[2J\u{202e}\u{d}::error file=README.md,line=1::panic``\u{60}
//! Words made to break out of the report, in every field a submission names: its objects
//! (`Mutex::named`, `Shared::named`), its thread (`spawn_named`), its notes, the values it
//! writes (their `Debug`) and its panic message, each with a terminal code that clears the
//! screen, U+202E (which reverses the text after it), a carriage return, a newline, a GitHub
//! workflow command and a Markdown fence. Each reaches every format as one plain line, those
//! characters as `\u{..}` (tests/models/gate_sanitise.rs checks each format).

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use interleave::sync::{Mutex, Shared};
use interleave::thread;
use std::sync::Arc;

/// What each field ends with: the field's name comes first, so that a test can tell them apart.
const HOSTILE: &str = "\x1b[2J\u{202e}\r::error file=README.md,line=1::owned\n::error::x\n```";

/// A value whose `Debug` (what a timeline shows of a write) is hostile too.
#[derive(Clone, Copy)]
pub struct Loud(usize);

impl std::fmt::Debug for Loud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "value{HOSTILE}{}", self.0)
    }
}

pub struct HostileCounter<R: Runtime> {
    n: Arc<Mutex<R, usize>>,
    seen: Shared<R, Loud>,
}

impl<R: Runtime> Counter<R> for HostileCounter<R> {
    fn new(start: usize) -> Self {
        HostileCounter {
            n: Arc::new(Mutex::named(&format!("object{HOSTILE}"), start)),
            seen: Shared::named(&format!("shared{HOSTILE}"), Loud(start)),
        }
    }

    fn decrement(&self) {
        thread::note::<R>(format!("note{HOSTILE}"));
        let n = self.n.clone();
        thread::spawn_named::<R, _, _>(format!("thread{HOSTILE}"), move || {
            *n.lock() -= 1;
        })
        .join();
        self.seen.store(Loud(*self.n.lock()));
        panic!("\x1b[2J\u{202e}\r::error file=README.md,line=1::panic```");
    }

    fn value(&self) -> usize {
        *self.n.lock()
    }
}

pub type Submission<R> = HostileCounter<R>;
