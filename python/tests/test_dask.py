"""mlp on Dask: many fits (GridSearchCV under joblib's dask backend), inference over a
dask.dataframe, and partial_fit over chunks, on a LocalCluster bound to 127.0.0.1."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

import mlp

# dask[distributed,dataframe] is installed by scripts/test-python.sh.
import dask.array as da
import dask.dataframe as dd
import distributed
import joblib
import pandas as pd


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


def test_grid_search_on_the_cluster(client, digits):
    X, y = digits
    grid = GridSearchCV(
        mlp.MLPClassifier(max_iter=50, random_state=0, n_threads=1),
        {"hidden_layer_sizes": [(16,), (64,)], "alpha": [1e-4, 1e-2]},
        cv=3,
    )
    with joblib.parallel_backend("dask"):
        grid.fit(X, y)
    workers = client.run(lambda: True)
    assert len(workers) == 2
    assert grid.best_score_ > 0.9
    assert len(grid.cv_results_["params"]) == 4


def test_batch_inference_over_a_dask_dataframe(client, digits, tmp_path):
    X, y = digits
    clf = mlp.MLPClassifier(max_iter=100, random_state=0).fit(X, y)
    path = tmp_path / "digits.safetensors"
    clf.save(path)
    frame = dd.from_pandas(pd.DataFrame(X, columns=[f"p{i}" for i in range(64)]), npartitions=4)

    def predict(part, path=str(path)):
        model = mlp.load(path)  # each worker reads the model file once per partition
        return pd.Series(model.predict(part.to_numpy()), index=part.index)

    predicted = frame.map_partitions(predict, meta=("class", "i8")).compute()
    np.testing.assert_array_equal(predicted.to_numpy(), clf.predict(X))


def test_partial_fit_over_chunks(client, digits):
    X, y = digits
    Xd = da.from_array(X, chunks=(300, 64))
    yd = da.from_array(y, chunks=300)
    classes = np.unique(y)
    try:
        from dask_ml.wrappers import Incremental
    except ImportError:
        Incremental = None
    if Incremental is not None:
        inc = Incremental(mlp.MLPClassifier(random_state=0), scoring="accuracy")
        for _ in range(10):
            inc.partial_fit(Xd, yd, classes=classes)
        model = inc.estimator_
    else:
        # The documented loop (docs/scale.md): chunks brought to the client one at a time.
        model = mlp.MLPClassifier(random_state=0)
        for _ in range(10):
            for xb, yb in zip(Xd.to_delayed().ravel(), yd.to_delayed()):
                model.partial_fit(xb.compute(), yb.compute(), classes=classes)
    assert model.n_iter_ == 10 * Xd.numblocks[0]
    assert model.score(X, y) > 0.9
