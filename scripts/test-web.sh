#!/usr/bin/env bash
# The page of `mlp serve` in a real headless browser: Debian's chromium (installed with apt-get
# if missing) driven by playwright-core from npm (no browser download). Trains on MNIST from
# the page, draws ten MNIST test digits on the canvas with mouse strokes, checks the predicted
# digits and bars, and screenshots the tabs into target/web-test/.
#   bash scripts/test-web.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export MLP_DATA_DIR="${MLP_DATA_DIR:-$(cd .. && pwd)/shared/data/mnist}"
out=target/web-test
mkdir -p "$out"

if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d "$out/node_modules/playwright-core" ]; then
  npm install --prefix "$out" --no-audit --no-fund --silent playwright-core@1.65.1
fi
cargo build --release --quiet --bin mlp

target/release/mlp serve --port 0 --data-dir "$MLP_DATA_DIR" >"$out/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
url=""
for _ in $(seq 50); do
  url=$(grep -m1 '^http://' "$out/serve.log" || true)
  [ -n "$url" ] && break
  sleep 0.2
done
[ -n "$url" ] || { echo "mlp serve printed no URL:" >&2; cat "$out/serve.log" >&2; exit 1; }

NODE_PATH="$PWD/$out/node_modules" node scripts/test-web.cjs "$url" "$MLP_DATA_DIR" "$out"
