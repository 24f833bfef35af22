#!/usr/bin/env bash
# Formatting, clippy and rustdoc, for the product (default features), the engine alone
# (--no-default-features, what a library user builds), what a gate's harness links
# (--no-default-features --features grading) and the loom build. The benches are linted through
# `--features bench` (their crates are not built without it).
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --all-targets --features bench -- -D warnings
cargo clippy --all-targets --no-default-features -- -D warnings
cargo clippy --lib --no-default-features --features grading -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --no-default-features
RUSTFLAGS="--cfg loom" cargo clippy --all-targets --features bench --release --target-dir target/loom -- -D warnings
RUSTFLAGS="--cfg loom" cargo clippy --lib --release --target-dir target/loom --no-default-features --features grading -- -D warnings
