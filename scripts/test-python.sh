#!/usr/bin/env bash
# Builds the Python package (python/) into a fresh virtual environment and runs its tests.
# Usage, from the repository's root: bash scripts/test-python.sh [pytest arguments]
# The environment lives in target/python-venv (not committed); the packages come from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${MLP_PY_VENV:-target/python-venv}"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "maturin>=1.16,<2" pytest pandas matplotlib \
  "dask[distributed,dataframe]" nbclient nbformat ipykernel onnx onnxruntime skl2onnx
# dask-ml is optional: without it the partial_fit-over-chunks test runs the documented loop.
"$venv/bin/pip" install --quiet dask-ml || echo "dask-ml did not install; test_dask uses the plain loop"
# torch only on request: PyPI's Linux wheel brings about 3 GB of CUDA libraries.
if [ -n "${MLP_TEST_TORCH:-}" ]; then
  "$venv/bin/pip" install --quiet torch safetensors onnxscript || echo "torch did not install; its tests skip"
fi
# The README's install command, into this environment.
"$venv/bin/pip" install --quiet ./python
# The CLI, for the tests that compare its predictions with Python's.
cargo build --release --quiet --bin mlp
status=0
export MLP_DATA_DIR="${MLP_DATA_DIR:-$PWD/../shared/data/mnist}"
MLP_BIN="$PWD/target/release/mlp" "$venv/bin/python" -m pytest python/tests "$@" || status=$?
# pytest: 0 all passed, 1 some failed, 2 interrupted, 3 internal error, 4 usage error,
# 5 no tests collected; only 0 is a pass.
case $status in
  0) echo "python tests: passed" ;;
  5) echo "python tests: pytest collected no tests" >&2; exit 1 ;;
  *) echo "python tests: pytest exited with $status" >&2; exit "$status" ;;
esac
