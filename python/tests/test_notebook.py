"""examples/lecture.ipynb runs from top to bottom (its cells assert the lecture's results:
the gates' truth tables, backprop against numerical derivatives, ≥ 95 % on MNIST)."""

import os
import pathlib

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_lecture_notebook_runs(tmp_path):
    data = os.environ.get("MLP_DATA_DIR", str(ROOT.parent / "shared" / "data" / "mnist"))
    assert pathlib.Path(data).is_dir(), f"MNIST not found at {data}; set MLP_DATA_DIR"
    os.environ["MLP_DATA_DIR"] = data
    nb = nbformat.read(ROOT / "examples" / "lecture.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "test accuracy" in outputs and "largest relative difference" in outputs
