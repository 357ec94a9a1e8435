"""scikit-learn's own estimator checks, over both estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

import mlp


def expected_failed_checks(estimator):
    # Every check is expected to pass; a failure here is a bug in mlp.
    return {}


@parametrize_with_checks(
    [mlp.MLPClassifier(), mlp.MLPRegressor()],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
