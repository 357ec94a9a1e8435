"""Runs `mlp` and its peers on every benchmark configuration in one go and prints the table
(scripts/bench.sh sets up the environment and calls this).

    python scripts/bench_report.py --mlp target/release/examples/bench --data-dir DIR --out FILE
        [--configs 1,2,3,4,5,6,7] [--mlp-cli target/release/mlp] [--epochs N]

The rows of the configurations run are written into FILE; rows of other configurations already
in FILE are kept. Every row carries the `gemm_peak_flops` of the run that measured it (a kept
row from before rows carried one gets the file's top-level value, its run's); the top-level
value is this run's. --epochs overrides every timed-epoch count (runs per data set for 7).

7 is not MNIST: whole-process wall time (start to exit) of a default tabular fit, `mlp train
--csv` against a `python -c` script calling scikit-learn's MLPClassifier()/MLPRegressor().fit,
both to their default stopping rule, on the same 75/25 split (seed 0, standardised) that
scripts/compare_sklearn.py writes; each scored on the test part.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

NAMES = {
    1: "784-30-10, m=10 (train)",
    2: "784-100-10, m=10 (train)",
    3: "784-800-800-10, m=128 (train)",
    4: "784-30-10, 10 000 images (inference)",
    5: "784-100-10 ReLU Adam, m=128 (train)",
    6: "784-800-800-10 ReLU drop Nest. m=128",
    7: "default tabular fit vs scikit-learn",
}
EPOCHS = {  # timed epochs (after one warm-up) per configuration and implementation
    1: {"mlp": 7, "numpy": 3, "torch": 3},
    2: {"mlp": 5, "numpy": 3, "torch": 3},
    3: {"mlp": 3, "numpy": 2, "torch": 2},
    4: {"mlp": 20, "numpy": 10, "torch": 10},
    5: {"mlp": 5, "torch": 3},  # the NumPy peer does not implement 5 and 6
    6: {"mlp": 2, "torch": 2},
}
TABULAR = ["breast_cancer", "wine", "digits", "diabetes"]  # scikit-learn's bundled data sets
TABULAR_RUNS = 3  # whole-process runs per data set and tool; the median is reported
# scikit-learn is timed twice: as installed (NumPy's BLAS on every core) and with its BLAS held
# to one thread, since a BLAS whose threads spin for a busy core can be many times slower on a
# loaded machine (digits: 19 s against 1.8 s on the shared 2-core machine of the first run).
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# The scikit-learn side of 7: argv = task, train CSV, test CSV (features, then `target`).
SKLEARN_FIT = """
import sys, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
warnings.filterwarnings("ignore", category=ConvergenceWarning)
task, train_csv, test_csv = sys.argv[1:4]
tr = np.loadtxt(train_csv, delimiter=",", skiprows=1)
te = np.loadtxt(test_csv, delimiter=",", skiprows=1)
est = MLPClassifier(random_state=0) if task == "classify" else MLPRegressor(random_state=0)
est.fit(tr[:, :-1], tr[:, -1])
print(est.score(te[:, :-1], te[:, -1]))
"""


def run(cmd):
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def tabular(cli, runs):
    """Configuration 7: rows for mlp and scikit-learn on each of TABULAR."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import compare_sklearn  # needs scikit-learn and pandas (bench.sh installs them)

    loaders = {name: (task, load) for name, task, load in compare_sklearn.DATASETS}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        train_csv, test_csv = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
        for name in TABULAR:
            task, load = loaders[name]
            x, y = load()
            compare_sklearn.write_split(x, y, task, 0, train_csv, test_csv)
            print(f"$ {cli} train --csv {train_csv} --target target --task {task} --test-csv "
                  f"{test_csv} --seed 0 --save MODEL --quiet   (x{runs})", file=sys.stderr, flush=True)
            ours = [compare_sklearn.run_mlp(cli, task, train_csv, test_csv, 0, tmp) for _ in range(runs)]
            cmd = [sys.executable, "-c", SKLEARN_FIT, task, train_csv, test_csv]
            theirs = {}
            for impl, env in (("sklearn", {}), ("sklearn-1thread", ONE_THREAD)):
                print(f"$ {' '.join(f'{k}={v}' for k, v in env.items())} {sys.executable} -c "
                      f"SKLEARN_FIT {task} {train_csv} {test_csv}   (x{runs})", file=sys.stderr, flush=True)
                theirs[impl] = []
                for _ in range(runs):
                    start = time.perf_counter()
                    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                                         env={**os.environ, **env}).stdout
                    theirs[impl].append((float(out.strip().splitlines()[-1]), time.perf_counter() - start))
            mlp_s = statistics.median(t for _, t in ours)
            for impl, results in [("mlp", ours), *theirs.items()]:
                seconds = [t for _, t in results]
                rows.append({
                    "config": 7,
                    "name": f"{name} ({len(x)} x {x.shape[1]})",
                    "dataset": name,
                    "impl": impl,
                    "seconds": statistics.median(seconds),
                    "all_seconds": seconds,
                    "speedup_of_mlp": statistics.median(seconds) / mlp_s,
                    "metric": "accuracy" if task == "classify" else "R2",
                    "score": results[0][0],
                    "all_scores": [sc for sc, _ in results],
                })
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mlp", required=True, help="the bench example binary")
    p.add_argument("--mlp-cli", default="target/release/mlp", help="the mlp command (for 7)")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--configs", default="1,2,3,4,5,6,7")
    p.add_argument("--epochs", type=int, help="timed epochs (7: runs) for every implementation")
    args = p.parse_args()
    configs = [int(c) for c in args.configs.split(",")]
    unknown = sorted(set(configs) - set(NAMES))
    if unknown:
        raise SystemExit(f"unknown configurations {unknown}; they are {sorted(NAMES)}")

    peak = run([args.mlp, "--peak"])["gemm_peak_flops"]
    measured = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    rows = []
    for c in configs:
        if c == 7:
            rows += tabular(args.mlp_cli, args.epochs or TABULAR_RUNS)
            continue
        results = {}
        for impl, epochs in EPOCHS[c].items():
            epochs = str(args.epochs or epochs)
            if impl == "mlp":
                cmd = [args.mlp, "--config", str(c), "--epochs", epochs, "--data-dir", args.data_dir]
            else:
                cmd = [sys.executable, "scripts/bench_peers.py", "--impl", impl, "--config", str(c),
                       "--epochs", epochs, "--data-dir", args.data_dir]
            results[impl] = run(cmd)
        floor = results["mlp"]["flops"] / peak
        for impl, r in results.items():
            rows.append({
                "config": c,
                "name": NAMES[c],
                "impl": impl,
                "seconds": r["median"],
                "all_seconds": r["seconds"],
                "speedup_of_mlp": r["median"] / results["mlp"]["median"],
                "times_floor": r["median"] / floor,
                "floor_seconds": floor,
                "flops": r["flops"],
                "accuracy": r["accuracy"],
                "peak_rss_mb": r["peak_rss_mb"],
            })
    for r in rows:  # every row says which run measured it (rows are merged across runs)
        r["gemm_peak_flops"] = peak
        r["measured"] = measured

    mnist = [r for r in rows if r["config"] != 7]
    if mnist:
        print(f"\nmatrix-product peak measured in this run: {peak / 1e9:.0f} GFLOP/s (f32, 2 threads: the best of a 4096³ product and two training-shaped ones)")
        print("seconds: median per epoch (per pass over the test set for inference), after a warm-up")
        print("peer/mlp: how many times longer the row takes than mlp; ×floor: seconds / (FLOPs ÷ peak)")
        print("GFLOP: per epoch (per pass for inference); dropout does not change it\n")
        header = (f"{'configuration':38} {'impl':6} {'seconds':>9} {'peer/mlp':>9} {'GFLOP':>7} "
                  f"{'×floor':>7} {'acc':>7} {'RSS MB':>7}")
        print(header)
        print("-" * len(header))
        for c in sorted({r["config"] for r in mnist}):
            for r in [r for r in mnist if r["config"] == c]:
                print(f"{r['name']:38} {r['impl']:6} {r['seconds']:9.4f} {r['speedup_of_mlp']:9.2f} "
                      f"{r['flops'] / 1e9:7.1f} {r['times_floor']:7.2f} {r['accuracy']:7.4f} "
                      f"{r['peak_rss_mb']:7.1f}")
            if "numpy" not in EPOCHS[c]:
                print(f"{NAMES[c]:38} {'numpy':6} {'–':>9} {'–':>9} {'–':>7} {'–':>7} {'–':>7} {'–':>7}")
    tab = [r for r in rows if r["config"] == 7]
    if tab:
        print("\n7: default tabular fit, whole process (start to exit), median of "
              f"{len(tab[0]['all_seconds'])} runs; same 75/25 split (seed 0), scored on its test part")
        print("sklearn s: as installed (BLAS on every core); 1-thr s: BLAS held to one thread; "
              "sk/mlp: sklearn s ÷ mlp s (each)")
        header = (f"{'data set (rows x features)':28} {'mlp s':>7} {'sklearn s':>9} {'1-thr s':>8} "
                  f"{'sk/mlp':>7} {'1-thr/mlp':>9} {'metric':>8} {'mlp':>7} {'sklearn':>7}")
        print(header)
        print("-" * len(header))
        for ours, theirs, one in zip(tab[::3], tab[1::3], tab[2::3]):
            print(f"{ours['name']:28} {ours['seconds']:7.2f} {theirs['seconds']:9.2f} "
                  f"{one['seconds']:8.2f} {theirs['speedup_of_mlp']:7.2f} {one['speedup_of_mlp']:9.2f} "
                  f"{ours['metric']:>8} {ours['score']:7.4f} {theirs['score']:7.4f}")

    # Keep the rows of configurations not run this time.
    old = {}
    if os.path.exists(args.out):
        with open(args.out) as f:
            old = json.load(f)
    kept = [r for r in old.get("rows", []) if r["config"] not in configs]
    for r in kept:  # rows from before rows carried their run's peak: the file's was theirs
        r.setdefault("gemm_peak_flops", old.get("gemm_peak_flops"))
    merged = sorted(kept + rows, key=lambda r: r["config"])  # stable: impl order kept
    with open(args.out, "w") as f:
        json.dump({"gemm_peak_flops": peak, "rows": merged}, f, indent=2)
    print(f"\nwritten to {args.out} ({len(rows)} rows of this run, {len(kept)} kept)")


if __name__ == "__main__":
    main()
