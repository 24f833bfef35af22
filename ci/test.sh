#!/usr/bin/env bash
# The README's test command: shuttle and native models, CLI contract, the gate's quick half (its
# slow half is ci/gate.sh's), doc tests.
# Cost: a cold build of ~200 CPU-s (269 -> 203 CPU-s once the benches' crates went behind
# `--features bench` and the jsonschema crate left; a fresh clone's whole `cargo test` took 205 s
# and 217 s on 2 idle cores, 2026-12-07), and after a change to src/ the gate's harness
# library (release, the engine and `grading` only: ~40 s, built beside the first tests, see
# tests/models/support.rs's prepared_harness). Warm: 47-55 s, 73 CPU-s on 2 idle cores
# (2026-12-07; it was 389 CPU-s before the gate's slow tests moved to ci/gate.sh and shuttle was
# optimised in test builds).
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo test
