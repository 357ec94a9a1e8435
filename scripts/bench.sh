#!/usr/bin/env bash
# Races mlp against PyTorch (CPU) and NumPy on the same configurations, in one run on this
# machine, and prints the table (also written as JSON to bench/results.json).
#   scripts/bench.sh [--configs 1,2,3,4,5,6,7] [--epochs N]
# 1-4: the lecture's networks; 5-6: ReLU/softmax recipes (Adam; dropout and Nesterov momentum);
# 7: whole-process time of a default tabular fit, `mlp train --csv` against scikit-learn.
# Rows of configurations not run stay in bench/results.json.
# MNIST comes from MLP_DATA_DIR (default ../shared/data/mnist). The peers are installed from
# PyPI into .bench-venv/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${MLP_DATA_DIR:-$(cd .. && pwd)/shared/data/mnist}"
if [ ! -x .bench-venv/bin/python ] || ! .bench-venv/bin/python -c "import numpy, torch, sklearn, pandas" 2>/dev/null; then
  python3 -m venv .bench-venv
  .bench-venv/bin/pip install --quiet numpy torch scikit-learn pandas
fi
cargo build --release --example bench --bin mlp
mkdir -p bench
.bench-venv/bin/python scripts/bench_report.py --mlp target/release/examples/bench \
  --data-dir "$data" --out bench/results.json "$@"
