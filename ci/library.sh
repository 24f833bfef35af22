#!/usr/bin/env bash
# interleave as a library: a user's crate (examples/bank-account, a path dependency on this one)
# checks one model under shuttle and natively in its plain `cargo test`, and under loom with
# `--cfg loom`. It shares the project's target directories (target/ and target/loom/), so only
# the two crates are compiled again.
# Cost: ~30 s warm; the loom half builds like ci/loom.sh when target/loom is cold (~2 min).
set -euxo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/examples/bank-account"
cargo fmt -- --check
CARGO_TARGET_DIR="$root/target" cargo clippy --all-targets -- -D warnings
CARGO_TARGET_DIR="$root/target" cargo test
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$root/target/loom" cargo test --release
