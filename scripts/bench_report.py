"""Runs `mlp` and its peers on every benchmark configuration in one go and prints the table
(scripts/bench.sh sets up the environment and calls this).

    python scripts/bench_report.py --mlp target/release/examples/bench --data-dir DIR --out FILE
"""

import argparse
import json
import subprocess
import sys

NAMES = {
    1: "784-30-10, m=10 (train)",
    2: "784-100-10, m=10 (train)",
    3: "784-800-800-10, m=128 (train)",
    4: "784-30-10, 10 000 images (inference)",
}
EPOCHS = {  # timed epochs (after one warm-up) per configuration and implementation
    1: {"mlp": 7, "numpy": 3, "torch": 3},
    2: {"mlp": 5, "numpy": 3, "torch": 3},
    3: {"mlp": 3, "numpy": 2, "torch": 2},
    4: {"mlp": 20, "numpy": 10, "torch": 10},
}


def run(cmd):
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mlp", required=True, help="the bench example binary")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--configs", default="1,2,3,4")
    args = p.parse_args()

    peak = run([args.mlp, "--peak"])["gemm_peak_flops"]
    rows = []
    for c in [int(c) for c in args.configs.split(",")]:
        results = {}
        for impl in ("mlp", "numpy", "torch"):
            epochs = str(EPOCHS[c][impl])
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
                "accuracy": r["accuracy"],
                "peak_rss_mb": r["peak_rss_mb"],
            })

    print(f"\nmatrix-product peak measured in this run: {peak / 1e9:.0f} GFLOP/s (f32, 4096³, 2 threads)")
    print("seconds: median per epoch (per pass over the test set for inference), after a warm-up")
    print("peer/mlp: how many times longer the row takes than mlp; ×floor: seconds / (FLOPs ÷ peak)\n")
    header = f"{'configuration':38} {'impl':6} {'seconds':>9} {'peer/mlp':>9} {'×floor':>7} {'acc':>7} {'RSS MB':>7}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['name']:38} {r['impl']:6} {r['seconds']:9.4f} {r['speedup_of_mlp']:9.2f} "
              f"{r['times_floor']:7.2f} {r['accuracy']:7.4f} {r['peak_rss_mb']:7.1f}")
    with open(args.out, "w") as f:
        json.dump({"gemm_peak_flops": peak, "rows": rows}, f, indent=2)
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
