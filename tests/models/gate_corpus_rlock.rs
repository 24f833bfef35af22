//! The `rlock` exercise's corpus: six ways students get a reentrant lock wrong, two ways to get it
//! right.

use crate::gate_support::corpus;

corpus!(rlock, "rlock":
    if_not_while = "../gate/rlock/if_not_while.rs",
    no_owner_check = "../gate/rlock/no_owner_check.rs",
    owner_flag_no_count = "../gate/rlock/owner_flag_no_count.rs",
    wait_in_helper = "../gate/rlock/wait_in_helper.rs",
    owner_never_cleared = "../gate/rlock/owner_never_cleared.rs",
    release_asks_is_owned = "../gate/rlock/release_asks_is_owned.rs",
    notify_all_loop = "../gate/rlock/notify_all_loop.rs",
    cpython_port = "../gate/rlock/cpython_port.rs",
);
