"""scikit-learn's own estimator checks, over both estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

import mlp


def expected_failed_checks(estimator):
    # Every other check is expected to pass; a failure there is a bug in mlp.
    return {
        # A weight of 2 is a repeated row only for full-batch L-BFGS without standardisation
        # (tested in test_sample_weight.py): by default Adam's shuffled mini-batches put the
        # copies elsewhere than the weighted row, and the standardisation, fitted on the rows
        # as given, counts a copy and not a weight. scikit-learn runs this check on its own
        # MLPs only with solver='lbfgs' (MLPClassifier) or a loose tol (MLPRegressor).
        "check_sample_weight_equivalence_on_dense_data": (
            "mini-batches and standardisation see a copied row, not a weight"
        ),
    }


@parametrize_with_checks(
    [mlp.MLPClassifier(), mlp.MLPRegressor()],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
