#!/usr/bin/env bash
# Every test: the Rust crate's (unit, integration, doc; all features), the exported ONNX graphs
# in tract (crates/onnx-agreement, a crate of its own so that tract is built only here), the
# Python package's (built into a fresh virtual environment) and the `mlp serve` page's in a
# headless browser. The MNIST tests read MLP_DATA_DIR, else ../shared/data/mnist beside the
# project.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export MLP_DATA_DIR="${MLP_DATA_DIR:-$(cd .. && pwd)/shared/data/mnist}"
cargo test --release --all-features
# --nocapture: each agreement test prints its max |Δ|.
cargo test --release --locked --manifest-path crates/onnx-agreement/Cargo.toml -- --nocapture
bash scripts/test-python.sh
bash scripts/test-web.sh
