"""The baseline for the autoencoder: PCA with the same number of components, fitted on the
MNIST training images, reconstructing the test images. Prints the mean squared reconstruction
error per pixel (pixels scaled to [0, 1]), the same measure `mlp autoencode` prints.

    python scripts/pca_baseline.py [--components 15] [--data-dir DIR]
(needs NumPy; scripts/bench.sh's .bench-venv has it)
"""

import argparse
import os

import numpy as np

from bench_peers import load_mnist


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--components", type=int, default=15)
    p.add_argument("--data-dir", default=os.environ.get("MLP_DATA_DIR"))
    args = p.parse_args()
    if not args.data_dir:
        raise SystemExit("give --data-dir or set MLP_DATA_DIR")
    (train, _), (test, _) = load_mnist(args.data_dir)
    x = train.astype(np.float64) / 255.0
    t = test.astype(np.float64) / 255.0
    mean = x.mean(axis=0)
    # The principal axes: eigenvectors of the 784×784 covariance, largest eigenvalues first.
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(x - mean, rowvar=False))
    axes = eigenvectors[:, ::-1][:, : args.components]
    codes = (t - mean) @ axes
    reconstruction = codes @ axes.T + mean
    error = ((reconstruction - t) ** 2).mean()
    clipped = ((np.clip(reconstruction, 0, 1) - t) ** 2).mean()
    print(f"PCA, {args.components} components: reconstruction error {error:.5f} per pixel "
          f"({clipped:.5f} with the reconstruction clipped to [0, 1])")


if __name__ == "__main__":
    main()
