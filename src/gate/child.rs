//! The child process that grades one submission.
