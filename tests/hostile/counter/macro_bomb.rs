//! expect: rejected -
//! says: the compiler ran out of the build's memory limit (4 GiB)
//! A macro that doubles its tokens at every step: the compiler would take the machine's memory
//! long before the macro recursion limit. Each process of the build runs under a memory limit,
//! so the build fails in seconds, the submission's doing, not the grader's.

macro_rules! grow {
    ($($t:tt)*) => { grow!($($t)* $($t)*); };
}
grow!(x);

pub type Submission<R> = R;
