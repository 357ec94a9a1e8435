"""mlp.MLPClassifier against scikit-learn's, in one run on this machine.

    python python/benchmarks/bench_sklearn.py [--mnist DIR] [--repeats 3]

Prints (and writes to bench_sklearn.json beside this file with --json PATH) for each data set
the median fit time of each implementation with default parameters, their test accuracies
and the time ratio, and mlp's with standardize=False (the inputs scikit-learn trains on: its
MLP does not scale them, and mlp's default does, which trains longer to a better model); the seconds per epoch of a 784-100-10 network on MNIST (Adam, mini-batches
of 200, scikit-learn's defaults); and the throughput of two Python threads fitting at once
against one. Timings on a shared machine drift: compare the ratios within one run.
"""

import argparse
import gzip
import json
import os
import pathlib
import statistics
import threading
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

import mlp

warnings.simplefilter("ignore", ConvergenceWarning)


def timed(fit):
    start = time.perf_counter()
    result = fit()
    return time.perf_counter() - start, result


def median_fit(make, X, y, repeats):
    times, est = [], None
    for seed in range(repeats):
        t, est = timed(lambda: make(seed).fit(X, y))
        times.append(t)
    return statistics.median(times), est


def small_sets(repeats):
    rows = []
    for name, loader in [("digits", load_digits), ("breast_cancer", load_breast_cancer)]:
        X, y = loader(return_X_y=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
        t_mlp, ours = median_fit(lambda s: mlp.MLPClassifier(random_state=s), Xtr, ytr, repeats)
        t_sk, theirs = median_fit(lambda s: SkMLPClassifier(random_state=s), Xtr, ytr, repeats)
        t_raw, raw = median_fit(lambda s: mlp.MLPClassifier(random_state=s, standardize=False), Xtr, ytr, repeats)
        rows.append(
            dict(
                data=name,
                shape=list(X.shape),
                mlp_seconds=t_mlp,
                sklearn_seconds=t_sk,
                speedup=t_sk / t_mlp,
                mlp_accuracy=ours.score(Xte, yte),
                sklearn_accuracy=theirs.score(Xte, yte),
                mlp_epochs=ours.n_iter_,
                sklearn_epochs=theirs.n_iter_,
                mlp_unscaled_seconds=t_raw,
                mlp_unscaled_accuracy=raw.score(Xte, yte),
                mlp_unscaled_epochs=raw.n_iter_,
                speedup_unscaled=t_sk / t_raw,
            )
        )
    return rows


def read_idx(path):
    with gzip.open(path) if str(path).endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(directory, stem):
    for name in (stem, stem + ".gz"):
        if (directory / name).exists():
            return directory / name
    raise FileNotFoundError(f"{directory}: no {stem} or {stem}.gz")


def mnist_epoch(directory, epochs):
    d = pathlib.Path(directory)
    X = read_idx(find(d, "train-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
    y = read_idx(find(d, "train-labels-idx1-ubyte"))
    per_epoch = {}
    for name, make in [
        ("mlp", lambda: mlp.MLPClassifier(hidden_layer_sizes=(100,), max_iter=epochs, tol=0, random_state=0)),
        ("sklearn", lambda: SkMLPClassifier(hidden_layer_sizes=(100,), max_iter=epochs, tol=0, random_state=0)),
    ]:
        t, est = timed(lambda: make().fit(X, y))
        per_epoch[name] = t / est.n_iter_
    return dict(mlp_seconds_per_epoch=per_epoch["mlp"], sklearn_seconds_per_epoch=per_epoch["sklearn"],
                speedup=per_epoch["sklearn"] / per_epoch["mlp"], epochs=epochs)


def two_threads(repeats):
    X, y = load_digits(return_X_y=True)
    X, y = np.repeat(X, 3, axis=0), np.repeat(y, 3)
    make = lambda: mlp.MLPClassifier(max_iter=20, tol=0, random_state=0, n_threads=1)
    fit = lambda: make().fit(X, y)
    one = statistics.median(timed(fit)[0] for _ in range(repeats))

    def pair():
        threads = [threading.Thread(target=fit) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    both = statistics.median(timed(pair)[0] for _ in range(repeats))
    # Throughput: fits per second with two threads over fits per second with one.
    return dict(one_fit_seconds=one, two_fits_seconds=both, throughput_ratio=2 * one / both)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mnist", default=os.environ.get("MLP_DATA_DIR"))
    ap.add_argument("--mnist-epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json")
    a = ap.parse_args()
    out = dict(small=small_sets(a.repeats), two_threads=two_threads(a.repeats))
    if a.mnist:
        out["mnist_784_100_10"] = mnist_epoch(a.mnist, a.mnist_epochs)
    for r in out["small"]:
        print(
            f"{r['data']:14s} mlp {r['mlp_seconds']:.3f} s ({r['mlp_accuracy']:.4f}, {r['mlp_epochs']} epochs)  "
            f"sklearn {r['sklearn_seconds']:.3f} s ({r['sklearn_accuracy']:.4f}, {r['sklearn_epochs']} epochs)  "
            f"{r['speedup']:.1f}x; standardize=False {r['mlp_unscaled_seconds']:.3f} s "
            f"({r['mlp_unscaled_accuracy']:.4f}, {r['mlp_unscaled_epochs']} epochs) {r['speedup_unscaled']:.1f}x"
        )
    if "mnist_784_100_10" in out:
        m = out["mnist_784_100_10"]
        print(f"MNIST 784-100-10 per epoch: mlp {m['mlp_seconds_per_epoch']:.3f} s, "
              f"sklearn {m['sklearn_seconds_per_epoch']:.3f} s, {m['speedup']:.1f}x")
    t = out["two_threads"]
    print(f"two threads: one fit {t['one_fit_seconds']:.3f} s, two at once {t['two_fits_seconds']:.3f} s, "
          f"throughput {t['throughput_ratio']:.2f}x")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
