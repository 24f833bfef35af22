//! The thread API's names: `t.setName(...)` on a started thread is what `enumerate()` lists and
//! what the thread itself sees, under shuttle, natively and (exhaustively) under loom.

use crate::support::{assert_holds_with, check, declared, strings};
use interleave::models::thread_api;
use interleave::runtime::Backend;

const RENAMED: [&str; 1] = [
    "t.getName() = Thread-1 | t.setName('downloader'); enumerate() = MainThread, downloader | in the thread: current_thread().getName() = downloader",
];

#[test]
fn set_name_renames_a_started_thread_for_enumerate_and_for_itself() {
    let row = thread_api::SET_NAME;
    assert_eq!(declared(&row.variant(), 1), strings(&RENAMED));
    for backend in [Backend::Shuttle, Backend::Native] {
        assert_holds_with(&check(row, backend, 1, 300), &RENAMED);
    }
}

#[cfg(loom)]
#[test]
fn loom_set_name_has_exactly_one_outcome() {
    use crate::support::loom;
    use interleave::checker::Mode;
    let report = loom(thread_api::SET_NAME, Mode::Outcomes);
    assert_holds_with(&report, &RENAMED);
}
