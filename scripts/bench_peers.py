"""The peers of `mlp` in scripts/bench.sh: the same algorithm in NumPy (vectorised over the
mini-batch, row-major, float32) and in PyTorch (CPU, autograd, torch.optim.SGD).

Prints one JSON line in the same form as `cargo run --release --example bench`:
    python scripts/bench_peers.py --impl numpy|torch --config 1..4 [--epochs N] [--data-dir DIR]

Configurations (as in examples/bench.rs): 1 = 784-30-10, m = 10, eta 3; 2 = 784-100-10, m = 10,
eta 3; 3 = 784-800-800-10, m = 128, eta 0.5; 4 = classifying the 10 000 test images with the
network of 1 after one epoch (bytes-to-floats conversion included in the time). All sigmoid,
quadratic cost C = 1/(2m) sum ||z - y||^2. Weights and biases from N(0, 1), as in the lecture
(weights scaled by 1/sqrt(n_in) for the deep configuration 3, as `mlp` does there).

5 and 6 are the modern recipes, PyTorch only (the NumPy peer does not implement them): ReLU
hidden layers, a softmax output trained through torch.nn.CrossEntropyLoss on the logits (the
mean log-likelihood cost), He weights N(0, 2/n_in) (kaiming_normal_, fan_in) and zero biases,
shuffled mini-batches of 128, float32. 5 = 784-100-10, torch.optim.Adam (lr 0.001, betas
0.9/0.999, eps 1e-8); 6 = 784-800-800-10 with Dropout(0.2) on the inputs and Dropout(0.5) after
each hidden ReLU, torch.optim.SGD(lr 0.05, momentum 0.9, nesterov=True).
"""

import argparse
import gzip
import json
import os
import resource
import statistics
import time

import numpy as np

CONFIGS = {
    1: ([784, 30, 10], 10, 3.0),
    2: ([784, 100, 10], 10, 3.0),
    3: ([784, 800, 800, 10], 128, 0.5),
    4: ([784, 30, 10], 10, 3.0),
    5: ([784, 100, 10], 128, 0.001),
    6: ([784, 800, 800, 10], 128, 0.05),
}
MODERN = {  # configuration: (optimizer, input dropout, hidden dropout)
    5: ("adam", 0.0, 0.0),
    6: ("nesterov", 0.2, 0.5),
}


def load_idx(path):
    raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(data_dir, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(data_dir, candidate)
        if os.path.exists(path):
            return path
    raise SystemExit(f"{name}[.gz] not found in {data_dir}")


def load_mnist(data_dir):
    def split(images, labels):
        x = load_idx(find(data_dir, images)).reshape(-1, 784)
        return x, load_idx(find(data_dir, labels)).astype(np.int64)

    return (
        split("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        split("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    )


def initial_weights(sizes, rng, scaled):
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        scale = 1.0 / np.sqrt(n_in) if scaled else 1.0
        weights.append((rng.standard_normal((n_out, n_in)) * scale).astype(np.float32))
        biases.append(rng.standard_normal(n_out).astype(np.float32))
    return weights, biases


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


class NumpyNet:
    def __init__(self, weights, biases):
        self.w, self.b = weights, biases

    def epoch(self, x, y, m, eta, rng):
        perm = rng.permutation(len(x))
        for k in range(0, len(x), m):
            idx = perm[k : k + m]
            zs = [x[idx]]
            for w, b in zip(self.w, self.b):
                zs.append(sigmoid(zs[-1] @ w.T + b))
            out = zs[-1]
            delta = (out - y[idx]) * out * (1.0 - out)
            step = np.float32(eta / len(idx))
            for l in reversed(range(len(self.w))):
                grad_w = delta.T @ zs[l]
                grad_b = delta.sum(axis=0)
                if l > 0:
                    prev = (delta @ self.w[l]) * zs[l] * (1.0 - zs[l])
                self.w[l] -= step * grad_w
                self.b[l] -= step * grad_b
                if l > 0:
                    delta = prev

    def predict(self, pixels):
        z = pixels.astype(np.float32) / np.float32(255.0)
        for w, b in zip(self.w, self.b):
            z = sigmoid(z @ w.T + b)
        return z.argmax(axis=1)


class TorchNet:
    def __init__(self, weights, biases, eta):
        import torch

        self.torch = torch
        layers = []
        for w, b in zip(weights, biases):
            linear = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(w))
                linear.bias.copy_(torch.from_numpy(b))
            layers += [linear, torch.nn.Sigmoid()]
        self.model = torch.nn.Sequential(*layers)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=eta)

    def epoch(self, x, y, m, eta, rng):
        torch = self.torch
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        perm = torch.from_numpy(rng.permutation(len(x)))
        for k in range(0, len(x), m):
            idx = perm[k : k + m]
            out = self.model(xt[idx])
            # C = 1/(2m) sum ||z - y||^2, so SGD's step is the lecture's eta/m sum of gradients.
            cost = 0.5 * ((out - yt[idx]) ** 2).sum() / len(idx)
            self.opt.zero_grad(set_to_none=True)
            cost.backward()
            self.opt.step()

    def predict(self, pixels):
        torch = self.torch
        with torch.no_grad():
            z = torch.from_numpy(pixels).to(torch.float32) / 255.0
            return self.model(z).argmax(dim=1).numpy()


class TorchModern:
    """ReLU, softmax/log-likelihood, He init; Adam or Nesterov momentum; optional dropout."""

    def __init__(self, sizes, eta, optimizer, input_dropout, dropout):
        import torch

        self.torch = torch
        torch.manual_seed(0)
        layers = [torch.nn.Dropout(input_dropout)] if input_dropout else []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = torch.nn.Linear(n_in, n_out)
            torch.nn.init.kaiming_normal_(linear.weight, mode="fan_in", nonlinearity="relu")
            torch.nn.init.zeros_(linear.bias)
            layers.append(linear)
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
                if dropout:
                    layers.append(torch.nn.Dropout(dropout))
        self.model = torch.nn.Sequential(*layers)
        self.loss = torch.nn.CrossEntropyLoss()
        params = self.model.parameters()
        if optimizer == "adam":
            self.opt = torch.optim.Adam(params, lr=eta, betas=(0.9, 0.999), eps=1e-8)
        else:
            self.opt = torch.optim.SGD(params, lr=eta, momentum=0.9, nesterov=True)

    def epoch(self, x, labels, m, eta, rng):
        torch = self.torch
        self.model.train()
        xt, yt = torch.from_numpy(x), torch.from_numpy(labels)
        perm = torch.from_numpy(rng.permutation(len(x)))
        for k in range(0, len(x), m):
            idx = perm[k : k + m]
            cost = self.loss(self.model(xt[idx]), yt[idx])
            self.opt.zero_grad(set_to_none=True)
            cost.backward()
            self.opt.step()

    def predict(self, pixels):
        torch = self.torch
        self.model.eval()
        with torch.no_grad():
            z = torch.from_numpy(pixels).to(torch.float32) / 255.0
            return self.model(z).argmax(dim=1).numpy()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--impl", choices=["numpy", "torch"], required=True)
    p.add_argument("--config", type=int, choices=sorted(CONFIGS), required=True)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--data-dir", default=os.environ.get("MLP_DATA_DIR"))
    args = p.parse_args()
    if not args.data_dir:
        raise SystemExit("give --data-dir or set MLP_DATA_DIR")
    if args.impl == "torch":
        import torch

        torch.set_num_threads(2)

    sizes, m, eta = CONFIGS[args.config]
    if args.config in MODERN and args.impl == "numpy":
        raise SystemExit(f"the NumPy peer does not implement configuration {args.config}")
    (train_px, train_labels), (test_px, test_labels) = load_mnist(args.data_dir)
    # The peers keep the training set as floats, as their users would.
    x = train_px.astype(np.float32) / np.float32(255.0)
    y = np.eye(10, dtype=np.float32)[train_labels]
    rng = np.random.default_rng(0)
    if args.config in MODERN:
        y = train_labels  # class indices, for CrossEntropyLoss
        optimizer, input_dropout, dropout = MODERN[args.config]
        net = TorchModern(sizes, eta, optimizer, input_dropout, dropout)
    else:
        weights, biases = initial_weights(sizes, rng, scaled=args.config == 3)
        net = NumpyNet(weights, biases) if args.impl == "numpy" else TorchNet(weights, biases, eta)

    net.epoch(x, y, m, eta, rng)  # warm-up (and, for 4, the training)
    times = []
    if args.config == 4:
        net.predict(test_px)
        for _ in range(max(args.epochs, 10)):
            t = time.perf_counter()
            predicted = net.predict(test_px)
            times.append(time.perf_counter() - t)
        flops = 2.0 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) * len(test_px)
    else:
        for _ in range(args.epochs):
            t = time.perf_counter()
            net.epoch(x, y, m, eta, rng)
            times.append(time.perf_counter() - t)
        predicted = net.predict(test_px)
        macs = 2 * sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) + sum(
            a * b for a, b in zip(sizes[1:-1], sizes[2:])
        )
        flops = 2.0 * macs * len(x)
    accuracy = float((predicted == test_labels).mean())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        json.dumps(
            {
                "impl": args.impl,
                "config": args.config,
                "seconds": times,
                "median": statistics.median(times),
                "flops": flops,
                "accuracy": accuracy,
                "peak_rss_mb": round(peak_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
