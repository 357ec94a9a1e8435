"""The lecture's level: perceptron gates and mlp.Network."""

import numpy as np
import pytest

import mlp


def test_nand_xor_and_the_half_adder():
    nand = mlp.Perceptron.nand()
    assert (nand.weights, nand.bias) == ([-2.0, -2.0], 3.0)
    table = {(a, b): nand([a, b]) for a in (0, 1) for b in (0, 1)}
    assert table == {(0, 0): 1, (0, 1): 1, (1, 0): 1, (1, 1): 0}
    assert [mlp.xor(a, b) for a, b in [(0, 0), (0, 1), (1, 0), (1, 1)]] == [0, 1, 1, 0]
    assert [mlp.half_adder(a, b) for a, b in [(0, 0), (0, 1), (1, 0), (1, 1)]] == [(0, 0), (1, 0), (1, 0), (0, 1)]
    with pytest.raises(ValueError, match="0 or 1"):
        nand([2, 0])
    with pytest.raises(ValueError, match="expects 2"):
        nand([1])


def test_feedforward_is_the_lectures_equation():
    net = mlp.Network([3, 4, 2], seed=1)
    x = np.array([0.2, -0.5, 1.0])
    z = x
    for w, b in zip(net.weights, net.biases):
        assert w.shape[1] == z.shape[0]
        z = 1 / (1 + np.exp(-(w @ z + b)))
    np.testing.assert_allclose(net.feedforward(x), z, rtol=1e-12)


def test_backprop_matches_numerical_derivatives():
    net = mlp.Network([3, 4, 2], seed=2)
    x, y = np.array([0.3, -0.1, 0.8]), np.array([1.0, 0.0])
    cost = lambda: 0.5 * np.sum((net.feedforward(x) - y) ** 2)
    nabla_b, nabla_w = net.backprop(x, y)
    h = 1e-6
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        for j in range(w.shape[0]):
            for k in range(w.shape[1]):
                wp, wm = w.copy(), w.copy()
                wp[j, k] += h
                wm[j, k] -= h
                net.set_layer(l, wp, b)
                cp = cost()
                net.set_layer(l, wm, b)
                cm = cost()
                net.set_layer(l, w, b)
                assert abs((cp - cm) / (2 * h) - nabla_w[l][j, k]) < 1e-7


def test_sgd_learns_and_evaluate_counts():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(600, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    net = mlp.Network([2, 8, 2], seed=0)
    before = net.evaluate(x, y)
    history = net.sgd(x, y, epochs=60, mini_batch_size=10, eta=3.0, test=(x, y))
    assert len(history) == 60 and history[-1][0] < history[0][0]
    assert net.evaluate(x, y) > max(before, 540)
    assert history[-1][1] == net.evaluate(x, y) / 600
    with pytest.raises(ValueError, match="output neurons"):
        net.sgd(x, y + 5, epochs=1, mini_batch_size=10, eta=1.0)
