//! expect: rejected 11
//! says: `$root` as a path's root in a macro
//! A macro pastes the crate name it is given before `::`; the name reaches it as `std` followed by
//! `=`, which reads like a plain name (`x = …`), and the macro's body names no crate at all.

use interleave::gate::exercises::counter::Counter;
use interleave::runtime::Runtime;
use std::marker::PhantomData;

macro_rules! pasted {
    ($root:ident = $($rest:tt)*) => { $root::sync::atomic::$($rest)* };
}

pub struct PastedCounter<R: Runtime> {
    n: pasted!(std = AtomicUsize),
    runtime: PhantomData<R>,
}

impl<R: Runtime> Counter<R> for PastedCounter<R> {
    fn new(start: usize) -> Self {
        PastedCounter { n: <pasted!(std = AtomicUsize)>::new(start), runtime: PhantomData }
    }

    fn decrement(&self) {
        self.n.fetch_sub(1, pasted!(std = Ordering::SeqCst));
    }

    fn value(&self) -> usize {
        self.n.load(pasted!(std = Ordering::SeqCst))
    }
}

pub type Submission<R> = PastedCounter<R>;
