//! The `rlock` exercise's corpus: six ways students get a reentrant lock wrong, two ways to get it
//! right.

use crate::gate_support::{assert_graded_as, corpus};
use interleave::runtime::Backend;

corpus!(rlock:
    if_not_while = "../gate/rlock/if_not_while.rs",
    no_owner_check = "../gate/rlock/no_owner_check.rs",
    owner_flag_no_count = "../gate/rlock/owner_flag_no_count.rs",
    wait_in_helper = "../gate/rlock/wait_in_helper.rs",
    owner_never_cleared = "../gate/rlock/owner_never_cleared.rs",
    release_asks_is_owned = "../gate/rlock/release_asks_is_owned.rs",
    notify_all_loop = "../gate/rlock/notify_all_loop.rs",
    cpython_port = "../gate/rlock/cpython_port.rs",
);

#[test]
fn rlock_corpus_gets_its_intended_verdicts() {
    for (name, source, properties) in corpus() {
        assert_graded_as("rlock", name, source, &properties, Backend::Shuttle);
    }
}

#[cfg(loom)]
#[test]
fn loom_rlock_corpus_gets_its_intended_verdicts() {
    for (name, source, properties) in corpus() {
        assert_graded_as("rlock", name, source, &properties, Backend::Loom);
    }
}
