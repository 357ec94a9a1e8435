"""A real Ctrl-C: SIGINT sent to a Python process in the middle of a long fit."""

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

# The child fits a network whose epochs take well over a second (40 000 rows, 256 → 512 → 512
# neurons, 200 mini-batches of 200: about 3 s on a loaded 2-core machine), so the signal lands
# inside an epoch: a check at the end of each epoch only would answer too late. It prints
# scikit-learn's verbose line after the first epoch: then the fit is certainly running.
CHILD = textwrap.dedent(
    """
    import signal, sys, time
    import numpy as np
    import mlp

    # Python raises KeyboardInterrupt on SIGINT unless it started with SIGINT ignored, as a
    # background job of a shell does (a CI runner's): then it restores the terminal's rule.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40_000, 256)).astype(np.float32)
    y = (X[:, :10].sum(axis=1) > 0).astype(int)
    clf = mlp.MLPClassifier(
        hidden_layer_sizes=(512, 512), max_iter=1000, tol=0, n_iter_no_change=1000,
        verbose=True, random_state=0,
    )
    try:
        clf.fit(X, y)
        print("NOT INTERRUPTED", flush=True)
        sys.exit(3)
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
    # The estimator is usable: it predicts with the network as the interruption left it, and
    # fits again.
    assert clf.predict(X[:5]).shape == (5,)
    print("predicted", clf.n_iter_, flush=True)
    clf.set_params(max_iter=2, verbose=False)
    clf.fit(X[:2000], y[:2000])
    print("refitted", clf.score(X[:2000], y[:2000]), flush=True)
    """
)


def lines_of(stream):
    """The stream's lines in a queue, read on a thread of their own, so that waiting for one
    can time out (a blocking readline on a silent child would wait for ever); None at its end."""
    q = queue.Queue()

    def read():
        for line in stream:
            q.put(line.rstrip("\n"))
        q.put(None)

    threading.Thread(target=read, daemon=True).start()
    return q


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT through os.kill is POSIX")
def test_sigint_stops_a_long_fit_within_a_second_and_leaves_the_estimator_usable():
    child = subprocess.Popen(
        [sys.executable, "-u", "-c", CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = lines_of(child.stdout)
    deadline = time.monotonic() + 120

    def next_line(limit):
        try:
            return lines.get(timeout=max(0.0, limit - time.monotonic()))
        except queue.Empty:
            raise AssertionError("timed out waiting for the child") from None

    try:
        line = ""
        while not line.startswith("Iteration 1,"):
            line = next_line(deadline)
            assert line is not None, f"the child ended before its first epoch: {child.stderr.read()}"
        sent = time.monotonic()
        os.kill(child.pid, signal.SIGINT)
        # Any verbose line in between is an epoch that ended between the signal and the reply.
        while line != "KeyboardInterrupt":
            line = next_line(sent + 1.0)
            assert line is not None, f"the child ended without KeyboardInterrupt: {child.stderr.read()}"
        seen = time.monotonic() - sent
        print(f"KeyboardInterrupt {seen:.3f} s after SIGINT")
        assert seen < 1.0, f"KeyboardInterrupt {seen:.2f} s after SIGINT"
        predicted, refitted = next_line(deadline), next_line(deadline)
        assert predicted is not None and predicted.startswith("predicted"), predicted
        assert refitted is not None and refitted.startswith("refitted"), refitted
        assert 0.0 <= float(refitted.split()[1]) <= 1.0
        assert child.wait(timeout=max(1.0, deadline - time.monotonic())) == 0, child.stderr.read()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
