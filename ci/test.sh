#!/usr/bin/env bash
# The README's test command: shuttle and native models, CLI contract, the gate's quick half (its
# slow half is ci/gate.sh's), doc tests.
# Cost: a cold build of ~200 CPU-s (269 -> 203 CPU-s once the benches' crates went behind
# `--features bench` and the jsonschema crate left; a fresh clone's whole `cargo test` took 205 s
# and 217 s on 2 idle cores, 2026-12-07), and after a change to src/ the gate's harness
# library (release, the engine and `grading` only: ~40 s, built beside the first tests, see
# tests/models/support.rs's prepared_harness). Warm: 102 CPU-s, 105 s on 2 cores shared with
# another build (2026-12-08). It was 47-55 s, 73 CPU-s on 2 idle cores on 2026-12-07 (389 CPU-s
# before the gate's slow tests moved to ci/gate.sh and shuttle was optimised in test builds); the
# suite has grown since.
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo test
