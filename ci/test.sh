#!/usr/bin/env bash
# The README's test command: shuttle and native models, CLI contract, doc tests.
# Cost: ~1 min cold build on 2 cores, ~10 s warm.
set -euxo pipefail
cd "$(dirname "$0")/.."
cargo test
