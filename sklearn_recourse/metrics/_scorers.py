"""Scorers for recourse generators, usable as ``GridSearchCV(scoring=...)``."""

import numbers

import numpy as np
from sklearn.pipeline import Pipeline

from .._feature_space import _feature_indices
from .._validation import check_positive_integer, is_dataframe
from ._fairness import equal_effectiveness
from ._recourse import (
    _check_2d,
    _found,
    _predict_found,
    _take,
    lof_plausibility,
    recourse_cost,
    recourse_score,
    validity,
)

__all__ = ["make_recourse_scorer"]

# value returned when the scored X has no row to give recourse to
_BEST = {
    "score": 2.0,
    "validity": 1.0,
    "plausibility": 1.0,
    "neg_cost": 0.0,
    "recourse_rate": 1.0,
    "asr": 1.0,
    "neg_pd": 0.0,
}
_FAIRNESS = ("asr", "neg_pd")


def _sensitive_column(X, sensitive_feature):
    """Group labels of every row of X.

    An integer is a position, even for a DataFrame whose column labels are
    integers: the rule of FeatureSpace and of FairSACRecourse's
    ``sensitive_feature``, so all of them read the same column. Any other
    value names a column of a DataFrame.
    """
    position = isinstance(sensitive_feature, numbers.Integral)
    if not is_dataframe(X) or position:  # bools are refused there too
        mask = _feature_indices([sensitive_feature], X.shape[1], None, "sensitive_feature")
        j = np.flatnonzero(mask)[0]
        return X.iloc[:, j].to_numpy() if is_dataframe(X) else X[:, j]
    labels = list(X.columns)  # any other label (str, float, MultiIndex tuple) names a column
    if sensitive_feature not in labels:
        raise ValueError(
            f"sensitive_feature {sensitive_feature!r} is not a column of X; X has columns "
            f"{labels} (an integer would be read as a position)."
        )
    return X.iloc[:, labels.index(sensitive_feature)].to_numpy()


class _RecourseScorer:
    """Callable ``scorer(estimator, X, y=None) -> float`` built by :func:`make_recourse_scorer`."""

    def __init__(self, metric, oracle, reference, sensitive_feature, average, n_neighbors):
        self.metric = metric
        self.oracle = oracle
        self.reference = reference
        self.sensitive_feature = sensitive_feature
        self.average = average
        self.n_neighbors = n_neighbors

    def __repr__(self):
        args = [repr(self.metric)]
        if self.oracle is not None:
            args.append(f"oracle={self.oracle!r}")
        if self.reference is not None:
            shape = "x".join(str(s) for s in np.shape(self.reference))
            args.append(f"reference=<{type(self.reference).__name__} of shape ({shape})>")
        if self.sensitive_feature is not None:
            args.append(f"sensitive_feature={self.sensitive_feature!r}")
        if self.average != "micro":
            args.append(f"average={self.average!r}")
        if self.n_neighbors != 5:
            args.append(f"n_neighbors={self.n_neighbors!r}")
        return f"make_recourse_scorer({', '.join(args)})"

    def _parts(self, estimator):
        missing = [
            attr
            for attr in ("classifier_", "feature_space_", "transform")
            if not hasattr(estimator, attr)
        ]
        if missing:
            raise ValueError(
                f"make_recourse_scorer scores fitted recourse generators; "
                f"{type(estimator).__name__} has no {', '.join(missing)} (is it fitted?)."
            )
        return estimator.classifier_, getattr(estimator, "desired_class", 1)

    def __call__(self, estimator, X, y=None):
        X = _check_2d(X, "X")
        groups = (
            _sensitive_column(X, self.sensitive_feature) if self.metric in _FAIRNESS else None
        )
        steps, reference = None, self.reference
        if isinstance(estimator, Pipeline):  # a generator as the last step
            steps = estimator[:-1]
            X = _check_2d(steps.transform(X), "X")
            estimator = estimator[-1]
        classifier, desired = self._parts(estimator)
        judge = self.oracle if self.oracle is not None else classifier
        if steps is not None:
            # oracle and reference are on the scorer's input rows, the
            # generator works on the rows the earlier steps output
            if self.oracle is not None:
                judge = _JudgeOfInputRows(self.oracle, steps)
            if reference is not None:
                reference = _check_2d(steps.transform(reference), "reference")
        rejected = np.asarray(classifier.predict(X)) != desired
        if not rejected.any():
            return _BEST[self.metric]
        X_neg = _take(X, rejected)
        X_cf = estimator.transform(X_neg)
        metric = self.metric

        if metric == "validity":
            return validity(judge, X_cf, desired_class=desired)
        if metric == "neg_cost":
            return -recourse_cost(X_neg, X_cf, feature_space=estimator.feature_space_)
        if metric in ("recourse_rate",) + _FAIRNESS:
            flipped = _predict_found(judge, X_cf, _found(X_cf), desired)
            if metric == "recourse_rate":
                return float(((~rejected).sum() + flipped.sum()) / X.shape[0])
            result = equal_effectiveness(
                flipped, sensitive_features=groups[rejected], average=self.average
            )
            return result.asr if metric == "asr" else -result.pd

        if reference is None:
            reference = _take(X, np.asarray(judge.predict(X)) == desired)
            if reference.shape[0] < 2:
                raise ValueError(
                    f"The LOF reference (rows of X the judge predicts {desired!r}) has "
                    f"{reference.shape[0]} row(s); at least 2 are needed. Pass "
                    "reference= (favourable rows) to make_recourse_scorer."
                )
        if metric == "plausibility":
            return lof_plausibility(
                X_cf,
                reference,
                n_neighbors=self.n_neighbors,
                feature_space=estimator.feature_space_,
            )
        return recourse_score(
            X_neg,
            X_cf,
            classifier=judge,
            X_reference=reference,
            feature_space=estimator.feature_space_,
            desired_class=desired,
            n_neighbors=self.n_neighbors,
        )


class _JudgeOfInputRows:
    """The user's oracle asked about rows that a pipeline's earlier steps
    output: they are mapped back to the pipeline's input rows first."""

    def __init__(self, oracle, steps):
        if not hasattr(steps, "inverse_transform"):
            raise ValueError(
                "make_recourse_scorer(oracle=...) judges the rows given to the scorer, "
                "but the steps before the generator in this Pipeline have no "
                "inverse_transform to map its recourse back to them. Score the "
                "generator alone on transformed rows, with an oracle fitted on those."
            )
        self.oracle, self.steps = oracle, steps
        if hasattr(oracle, "classes_"):
            self.classes_ = oracle.classes_

    def predict(self, Z):
        X = self.steps.inverse_transform(Z)
        names = getattr(self.oracle, "feature_names_in_", None)
        if names is not None and not is_dataframe(X):
            import pandas as pd

            X = pd.DataFrame(X, columns=names)
        return self.oracle.predict(X)


def make_recourse_scorer(
    metric="score",
    *,
    oracle=None,
    reference=None,
    sensitive_feature=None,
    average="micro",
    n_neighbors=5,
):
    """Build a scorer of recourse generators for model selection.

    The scorer takes the rows of ``X`` that the generator's ``classifier_``
    rejects (``predict != desired_class``), asks the generator for their
    recourse with ``transform`` and measures it. It is a callable
    ``scorer(estimator, X, y=None) -> float`` (greater is better), usable as
    ``GridSearchCV(scoring=scorer)`` or as a value of a ``scoring`` dict.

    The generator must be fitted and expose ``classifier_`` (on raw rows),
    ``feature_space_`` (a fitted :class:`~sklearn_recourse.FeatureSpace`),
    ``desired_class`` (default 1 when absent) and ``transform`` (recourse
    rows in the container of ``X``, a NaN row when none is found). A
    :class:`~sklearn.pipeline.Pipeline` ending with such a generator is
    scored on the rows its earlier steps output (``sensitive_feature`` is
    still read from the ``X`` given to the scorer); ``oracle`` and
    ``reference`` stay on the rows given to the scorer, the recourse being
    mapped back with the earlier steps' ``inverse_transform`` before the
    oracle judges it.

    Parameters
    ----------
    metric : str, default="score"
        What to measure:

        - ``"score"``: :func:`recourse_score`, Validity + LOF - Cost/d.
        - ``"validity"``: :func:`validity` of the recourse of rejected rows.
        - ``"plausibility"``: :func:`lof_plausibility` of that recourse.
        - ``"neg_cost"``: minus the mean :func:`recourse_cost` over the found
          rows, in the generator's feature space (NaN when no recourse is
          found; GridSearchCV ranks NaN last).
        - ``"recourse_rate"``: (rows the classifier accepts + rejected rows
          whose recourse the judge accepts) / all rows of ``X``: without an
          oracle :func:`recourse_rate` with ``kind="all"``; with one, the
          accepted rows are still those of the generator's classifier (the
          oracle judges only the recourse).
        - ``"asr"``: average success rate of :func:`equal_effectiveness`
          over the groups of ``sensitive_feature``, a row succeeding when the
          judge accepts its recourse.
        - ``"neg_pd"``: minus the parity difference of the same.

        When the classifier rejects no row of ``X`` the scorer returns the
        metric's best value: 2.0 for ``"score"``, 1.0 for ``"validity"``,
        ``"plausibility"``, ``"recourse_rate"`` and ``"asr"``, 0.0 for
        ``"neg_cost"`` and ``"neg_pd"``.
    oracle : fitted classifier, default=None
        Judge of validity on raw rows (the benchmark's oracle). Default: the
        generator's own ``classifier_``.
    reference : DataFrame or array-like, default=None
        Favourable rows (raw) the LOF is fitted on, all taken as favourable.
        Default: the rows of the scored ``X`` that the judge predicts
        favourable (at least 2 are needed). A generator's own ``score`` uses
        the training rows its classifier accepts; pass them here for the
        same figure.
    sensitive_feature : int, str or other column label, default=None
        Column of ``X`` holding the group: an integer is a position (even
        for a DataFrame whose column labels are integers), as in
        :class:`~sklearn_recourse.FeatureSpace`; any other value names a
        column of a DataFrame. Required for ``"asr"`` and ``"neg_pd"``.
    average : {"micro", "macro"}, default="micro"
        Averaging of :func:`equal_effectiveness`. With one recourse per row
        both give the same value.
    n_neighbors : int, default=5
        Neighbours of the LocalOutlierFactor.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``.

    Examples
    --------
    >>> from sklearn_recourse.metrics import make_recourse_scorer
    >>> make_recourse_scorer("validity")
    make_recourse_scorer('validity')
    >>> make_recourse_scorer("neg_pd", sensitive_feature="race")
    make_recourse_scorer('neg_pd', sensitive_feature='race')
    >>> make_recourse_scorer("accuracy")
    Traceback (most recent call last):
    ...
    ValueError: Unknown recourse metric 'accuracy'; choose one of ['score', 'validity', ...
    """
    if not isinstance(metric, str) or metric not in _BEST:
        raise ValueError(
            f"Unknown recourse metric {metric!r}; choose one of {list(_BEST)}."
        )
    if metric in _FAIRNESS and sensitive_feature is None:
        raise ValueError(
            f"metric={metric!r} needs sensitive_feature: the column of X holding the "
            "group (a name for DataFrames, an integer position for arrays)."
        )
    if average not in ("micro", "macro"):
        raise ValueError(f"average must be 'micro' or 'macro', got {average!r}.")
    n_neighbors = check_positive_integer(n_neighbors, "n_neighbors")
    if oracle is not None and not hasattr(oracle, "predict"):
        raise ValueError(f"oracle must be a fitted classifier with predict, got {oracle!r}.")
    if reference is not None:
        reference = _check_2d(reference, "reference")
    return _RecourseScorer(metric, oracle, reference, sensitive_feature, average, n_neighbors)
