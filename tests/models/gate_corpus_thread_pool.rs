//! The `thread-pool` exercise's corpus: nine ways students get it wrong, one way to get it right.

use crate::gate_support::corpus;

corpus!(thread_pool, "thread-pool":
    worker_exits_when_idle = "../gate/thread-pool/worker_exits_when_idle.rs",
    if_not_while = "../gate/thread-pool/if_not_while.rs",
    shutdown_drops_queue = "../gate/thread-pool/shutdown_drops_queue.rs",
    cancel_checks_flag = "../gate/thread-pool/cancel_checks_flag.rs",
    callback_check_then_add = "../gate/thread-pool/callback_check_then_add.rs",
    callbacks_under_lock = "../gate/thread-pool/callbacks_under_lock.rs",
    done_when_started = "../gate/thread-pool/done_when_started.rs",
    cancel_never_succeeds = "../gate/thread-pool/cancel_never_succeeds.rs",
    workers_count_themselves = "../gate/thread-pool/workers_count_themselves.rs",
    sentinels = "../gate/thread-pool/sentinels.rs",
);
