#!/usr/bin/env bash
# How strong each gate exercise is: every small bug cargo-mutants makes in an exercise's
# reference (and in the corpus's correct submissions) is graded as a student's submission, under
# shuttle and under loom, and must be caught or explained in docs/mutants.md (ci/mutants.py says
# how each verdict counts). Writes docs/mutants.json and the summary tables in README.md and
# docs/mutants.md; exits 1 if a survivor is a hole or unexplained, or the grader failed on one.
#
# Usage: bash ci/mutants.sh [EXERCISE...] [--backend shuttle|loom|both]
#
# Not part of .ci/run: it takes about 25 min on 2 cores (each exercise's time is in the table),
# and .ci/run is already near its budget. Run it after changing an exercise's properties or
# reference, and commit what it wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo mutants --version >/dev/null 2>&1; then
  cargo install --locked cargo-mutants
fi
command -v patch >/dev/null || { echo "error: ci/mutants.sh needs patch(1)" >&2; exit 2; }
cargo build --release --quiet
case " $* " in
  *" --backend shuttle "* | *" --backend=shuttle "*) ;;
  *) RUSTFLAGS="--cfg loom" cargo build --release --quiet --target-dir target/loom ;;
esac
export INTERLEAVE_GATE_DIR="$PWD/target/interleave-gate"
python3 ci/mutants.py "$@"
