#!/usr/bin/env bash
# Formatting and clippy, for the normal build and the loom build.
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
RUSTFLAGS="--cfg loom" cargo clippy --all-targets --release --target-dir target/loom -- -D warnings
