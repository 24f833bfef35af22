#!/usr/bin/env bash
# interleave as a library: users' crates (path dependencies on this one) check their models under
# shuttle and natively in their plain `cargo test`, and under loom with `--cfg loom`:
# - examples/bank-account: one model, two withdrawals at once;
# - examples/from-std: code ported from std (opposite transfers that deadlock, a flag-checked
#   lazy value built twice, a bounded queue), whose failing tests' replay lines each rerun
#   exactly that one test, with the same verdict.
# They share the project's target directories (target/ and target/loom/), so only the example
# crates are compiled again.
# Cost: ~30 s warm; the loom half builds like ci/loom.sh when target/loom is cold (~2 min).
set -euxo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

# Runs the crate's ignored tests (which fail on purpose), then each replay line they print:
# each must run exactly one test, which fails with the same verdict line.
replays_rerun_one_test() {
  local shown replay test verdict again
  shown=$(cargo test -- --ignored 2>&1 || true)
  [ "$(grep -c '^  replay: ' <<<"$shown")" -ge 2 ] || { echo "FAIL no replay lines:"; echo "$shown"; exit 1; }
  while IFS= read -r replay; do
    test=$(sed -E 's/.* cargo test( --release)? --test [^ ]+ ([^ ]+) -- .*/\2/' <<<"$replay")
    verdict=$(grep -E "^$test \[" <<<"$shown" | head -n1 | sed -E 's/ after .*//')
    again=$(eval "$replay" 2>&1 || true)
    grep -qx 'running 1 test' <<<"$again" || { echo "FAIL $test: not exactly one test"; echo "$again"; exit 1; }
    grep -q "^test result: FAILED. 0 passed; 1 failed" <<<"$again" || { echo "FAIL $test: did not fail"; echo "$again"; exit 1; }
    grep -qF "$verdict" <<<"$again" || { echo "FAIL $test: not '$verdict' again"; echo "$again"; exit 1; }
    echo "ok   $test replays: $verdict"
  done < <(grep '^  replay: ' <<<"$shown" | sed 's/^  replay: //')
}

for example in bank-account from-std; do
  cd "$root/examples/$example"
  cargo fmt -- --check
  CARGO_TARGET_DIR="$root/target" cargo clippy --all-targets -- -D warnings
  CARGO_TARGET_DIR="$root/target" cargo test
  RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$root/target/loom" cargo test --release
done

cd "$root/examples/from-std"
CARGO_TARGET_DIR="$root/target" replays_rerun_one_test
RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR="$root/target/loom" replays_rerun_one_test
