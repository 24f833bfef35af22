//! expect: rejected 7
//! says: could not find `reference` in `counter`
//! Hands in the project's own solution by its path: the reference is not in the library a harness
//! links (only the exercise's contract is), so this does not compile; the refusal points at the
//! line.

pub type Submission<R> = interleave::gate::exercises::counter::reference::LockedCounter<R>;
