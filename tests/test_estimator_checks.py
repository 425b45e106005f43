"""scikit-learn's own estimator checks on every public estimator."""

import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_recourse import (
    FairSACRecourse,
    FeatureSpace,
    GenReRecourse,
    NearestNeighborRecourse,
    RecourseClassifier,
    WachterRecourse,
)

ESTIMATORS = [
    FeatureSpace(),
    # a 1-NN classifier reproduces its training labels, so favourable
    # candidates exist on any data the checks generate
    NearestNeighborRecourse(KNeighborsClassifier(n_neighbors=1)),
    NearestNeighborRecourse(KNeighborsClassifier(n_neighbors=1), candidates="accepted"),
    WachterRecourse(random_state=0, max_iter=50),
    WachterRecourse(LogisticRegression(), max_iter=50),
    # small and short-trained: the checks exercise the API, not the model
    GenReRecourse(
        KNeighborsClassifier(n_neighbors=1),
        d_model=8,
        n_heads=2,
        dim_feedforward=16,
        n_encoder_layers=1,
        n_decoder_layers=1,
        max_epochs=2,
        random_state=0,
    ),
    # a tiny SAC budget: the checks exercise the API, not the agent
    FairSACRecourse(
        KNeighborsClassifier(n_neighbors=1),
        sensitive_feature=0,
        fairness="group",
        total_timesteps=30,
        learning_starts=10,
        max_episode_steps=10,
        random_state=0,
    ),
    # a fixed threshold of 0.5: predict agrees with predict_proba, every check applies
    RecourseClassifier((16,), threshold=0.5, max_epochs=20, random_state=0),
    # the PAC threshold with a general polytope (the cvxpy path); epsilon and
    # alpha large enough that the checks' 10-30 row data sets can calibrate
    RecourseClassifier(
        (16,),
        actionable_features=[0],
        constraints=([[1.0], [-1.0]], [1.0, 1.0]),
        epsilon=0.5,
        alpha=0.5,
        calibration_size=0.3,
        max_epochs=20,
        random_state=0,
    ),
]

_FOUND = (
    "transform records which rows got recourse in found_ (the generator contract of "
    "SPEC section 2), so __dict__ changes during transform by design"
)
EXPECTED_FAILURES = {
    "NearestNeighborRecourse": {"check_dict_unchanged": _FOUND},
    "GenReRecourse": {"check_dict_unchanged": _FOUND},
    "FairSACRecourse": {
        "check_dict_unchanged": _FOUND,
        "check_fit2d_1feature": (
            "with one feature the sensitive feature is the only one, and it is immutable: "
            "fit refuses with 'Every feature is immutable'"
        ),
    },
    "WachterRecourse": {
        "check_dict_unchanged": _FOUND,
        "check_transformer_n_iter": (
            "max_iter bounds the search in transform; fit runs no iterations"
        ),
    },
}


_PAC_ACCURACY = (
    "the PAC threshold lowers the decision threshold until recourse is guaranteed; "
    "with epsilon=alpha=0.5 on the check's blobs training accuracy falls below 0.83"
)


def _expected_failed_checks(estimator):
    if isinstance(estimator, RecourseClassifier) and estimator.threshold == "pac":
        return {"check_classifiers_train": _PAC_ACCURACY}
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)
