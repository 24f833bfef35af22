//! The harness crate a submission is compiled in.
