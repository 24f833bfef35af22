//! `Shuttle`: shuttle's tasks and locks; every operation is a point where its scheduler may switch.

#[derive(Debug)]
pub struct Shuttle;

super::std_shaped::impl_runtime!(
    Shuttle,
    "shuttle",
    shuttle,
    // shuttle models no time: its own `sleep` is a context switch.
    sleep = ::shuttle::thread::sleep,
    // shuttle decides whether a timed wait times out, as real time could.
    timeout = |duration| duration
);
