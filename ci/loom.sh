#!/usr/bin/env bash
# Every `loom` test, exhaustive up to the preemption bound (default 3, INTERLEAVE_PREEMPTION_BOUND),
# in release mode and in its own target directory so it does not evict the normal build.
# Cost: ~2 min cold build on 2 cores; the explorations themselves take seconds.
set -euxo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg loom"
# `--tests`: no doctests, which rustdoc would build without `--cfg loom` while the crate's
# dependencies were chosen with it (tokio is a dependency outside loom builds only).
cargo test --release --target-dir target/loom --tests -- loom
# The command line under loom: the exact outcome set of the counter race.
cargo run --release --target-dir target/loom -- outcomes counter-race/unlocked --backend loom --threads 3
