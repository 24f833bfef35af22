//! expect: rejected 5
//! A module from a file outside the submission (`#[path]`), here the gate's own reference:
//! refused before compiling.

#[path = "../../../src/gate/exercises/counter/reference.rs"]
mod borrowed;

pub type Submission<R> = borrowed::LockedCounter<R>;
