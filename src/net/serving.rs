//! What both echo servers share ([`super::threads_server`], [`super::tasks_server`]), below
//! them and below [`super::server`], which runs either one: the stats a server reports when it
//! stops, and the accept failure it waits out.

use std::io;

/// What a server did, reported when it stops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections served.
    pub accepted: u64,
    /// Connections refused over the cap.
    pub refused: u64,
}

/// An accept failure that lasts until a connection closes (or memory frees up).
pub(crate) fn out_of_descriptors(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}
