#!/usr/bin/env bash
# Runs every fuzz target for the given number of seconds each (default 60), starting from seed
# inputs made fresh by `examples/fuzz_seeds.rs` and the kept crash inputs in fuzz/regressions/.
#   scripts/fuzz.sh [SECONDS]
# Needs cargo-fuzz (installed here if missing); runs on the stable toolchain via RUSTC_BOOTSTRAP.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
export RUSTC_BOOTSTRAP=1
seeds="$(mktemp -d)"
trap 'rm -rf "$seeds"' EXIT
cargo run --quiet --release --example fuzz_seeds -- "$seeds"
for target in idx model checkpoint csv npy image onnx; do
  dirs=("$seeds/$target")
  [ -d "fuzz/regressions/$target" ] && dirs+=("fuzz/regressions/$target")
  echo "== fuzz target $target: ${seconds} s"
  log="$seeds/$target.log"
  if ! cargo fuzz run --release "$target" "${dirs[@]}" -- -max_total_time="$seconds" -max_len=200000 >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz target $target failed: the crashing input is in fuzz/artifacts/$target" >&2
    exit 1
  fi
  grep -E "^Done [0-9]+ runs" "$log" || tail -3 "$log"
done
