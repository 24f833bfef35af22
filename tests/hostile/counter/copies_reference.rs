//! expect: rejected 6
//! says: module `reference` is private
//! Hands in the project's own solution by its path: the reference is not part of the library's
//! public interface, so this does not compile; the refusal points at the line.

pub type Submission<R> = interleave::gate::exercises::counter::reference::LockedCounter<R>;
