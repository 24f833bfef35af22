#!/usr/bin/env bash
# The README's test command: shuttle and native models, CLI contract, the gate's quick half (its
# slow half is ci/gate.sh's), doc tests.
# Cost: ~1 min cold build on 2 cores, and after a change to src/ ~3 min more for the gate's
# harness library (release, built once, see tests/models/support.rs's prepared_harness).
# Warm: 160 CPU-s, 165 s on 2 cores shared with other builds (2026-12-07; it was 389 CPU-s and
# 640 s on the same machine before the gate's slow tests moved to ci/gate.sh).
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo test
