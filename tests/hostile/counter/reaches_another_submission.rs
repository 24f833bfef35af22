//! expect: rejected 9
//! says: names the gate's harness, not the submission
//! Has no counter of its own: it names a classmate's type through the crate a class is built in
//! (a batch names each submission's module by its digest). Graded alone it does not compile;
//! with its classmate it would pass. The screen refuses the path out of the submission.

use interleave::runtime::Runtime;

pub type Submission<R> = crate::m5792d8a270379e64::Locked<R>;
