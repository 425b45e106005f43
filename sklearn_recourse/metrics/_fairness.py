"""Group fairness of recourse: Equal Effectiveness and Equal Choice of Recourse.

Both start from a boolean matrix ``flipped`` of shape (n_rows, n_actions):
``flipped[i, a]`` says whether action ``a`` applied to the affected row ``i``
makes the classifier accept it; ``sensitive_features`` gives each row's group.
"""

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "EqualChoiceResult",
    "EqualEffectivenessResult",
    "equal_choice_of_recourse",
    "equal_effectiveness",
]


@dataclass(frozen=True)
class EqualEffectivenessResult:
    """Result of :func:`equal_effectiveness`.

    Attributes
    ----------
    effectiveness : pandas.Series
        Effectiveness of the actions for each group, indexed by group label.
    asr : float
        Average success rate: mean of ``effectiveness`` over the groups.
    pd : float
        Parity difference: max minus min of ``effectiveness`` over the groups.
    average : str
        ``"micro"`` or ``"macro"``.
    """

    effectiveness: pd.Series
    asr: float
    pd: float
    average: str


@dataclass(frozen=True)
class EqualChoiceResult:
    """Result of :func:`equal_choice_of_recourse`.

    Attributes
    ----------
    n_phi : pandas.Series
        Number of actions effective for at least a share ``phi`` of each group.
    disparity : int
        Max minus min of ``n_phi`` over the groups (``|N0 - N1|`` for two).
    effectiveness : pandas.DataFrame
        Share of each group (rows) each action (columns) flips.
    phi : float
        The threshold used.
    """

    n_phi: pd.Series
    disparity: int
    effectiveness: pd.DataFrame
    phi: float


def _check_flipped(flipped):
    if isinstance(flipped, (pd.Series, pd.DataFrame)):
        if not all(pd.api.types.is_bool_dtype(dt) for dt in np.atleast_1d(flipped.dtypes)):
            raise ValueError(
                f"flipped must be boolean (True = the action flips the row); got dtype(s) "
                f"{list(np.atleast_1d(flipped.dtypes))}."
            )
        if flipped.isna().to_numpy().any():
            raise ValueError("flipped contains missing values.")
        arr = flipped.to_numpy(dtype=bool)
    else:
        arr = np.asarray(flipped)
        if arr.dtype != bool:
            raise ValueError(
                "flipped must be a boolean array (True = the action flips the row); "
                f"got dtype {arr.dtype}. Convert with np.asarray(flipped, dtype=bool) "
                "if 0/1 values are meant."
            )
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"flipped must have shape (n_rows,) or (n_rows, n_actions), got {arr.shape}."
        )
    if arr.shape[0] == 0:
        raise ValueError("flipped is empty (0 rows); at least one affected row is required.")
    if arr.shape[1] == 0:
        raise ValueError("flipped has no actions (0 columns).")
    return arr


def _check_groups(sensitive_features, n_rows):
    if sensitive_features is None:
        raise ValueError("sensitive_features is required (one group label per row).")
    if isinstance(sensitive_features, pd.DataFrame):
        if sensitive_features.shape[1] != 1:
            raise ValueError(
                "sensitive_features must be one column of group labels, got a DataFrame "
                f"with {sensitive_features.shape[1]} columns."
            )
        sensitive_features = sensitive_features.iloc[:, 0]
    if isinstance(sensitive_features, pd.Series):
        name = sensitive_features.name
        labels = sensitive_features.to_numpy()
    else:
        name = None
        labels = np.asarray(sensitive_features)
        if labels.dtype.kind in "US" and not isinstance(sensitive_features, np.ndarray):
            # a list mixing numbers and strings: keep each label's own type
            # (np.asarray would turn the numbers into strings)
            labels = np.asarray(sensitive_features, dtype=object)
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels.ravel()
    if labels.ndim != 1:
        raise ValueError(
            f"sensitive_features must be 1-D (one label per row), got shape {labels.shape}."
        )
    if labels.shape[0] != n_rows:
        raise ValueError(
            f"sensitive_features has {labels.shape[0]} labels but flipped has {n_rows} rows."
        )
    if np.asarray(pd.isna(labels)).any():
        raise ValueError("sensitive_features contains missing values.")
    codes, groups = factorize_groups(labels)
    return codes, pd.Index(groups, name=name)


def factorize_groups(labels):
    """Group code of each label and the groups, in sorted order when the
    labels can be sorted (labels of mixed types keep their first-seen order)."""
    try:
        return pd.factorize(labels, sort=True)
    except TypeError:
        return pd.factorize(labels, sort=False)


def _group_action_effectiveness(flipped, codes, n_groups):
    """eff(a, G) for every group (rows) and action (columns)."""
    membership = np.zeros((flipped.shape[0], n_groups))
    membership[np.arange(flipped.shape[0]), codes] = 1.0
    return (membership.T @ flipped) / membership.sum(axis=0)[:, None]


def equal_effectiveness(flipped, *, sensitive_features, average="micro"):
    """Equal Effectiveness (FACTS): per-group success rates of a set of actions.

    ``micro``: eff(G) is the share of the rows of group G flipped by at least
    one action. ``macro``: eff(G) is the best single action's share,
    ``max_a eff(a, G)``. ASR is the mean of eff(G) over the groups, PD (parity
    difference) is max - min over the groups.

    Parameters
    ----------
    flipped : array-like of bool of shape (n_rows,) or (n_rows, n_actions)
        Whether action ``a`` makes the classifier accept affected row ``i``
        (one column: each row's own recourse).
    sensitive_features : array-like or Series of shape (n_rows,)
        Group label of each row. With a single group the disparity is 0 by
        definition (as fairlearn's ``difference``), not evidence of fairness.
    average : {"micro", "macro"}, default="micro"
        How the actions combine within a group.

    Returns
    -------
    result : EqualEffectivenessResult
        Frozen dataclass with ``effectiveness`` (Series by group), ``asr``,
        ``pd`` and ``average``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recourse.metrics import equal_effectiveness
    >>> flipped = np.array([[True, False], [False, True], [False, False],
    ...                     [True, False], [True, False]])
    >>> group = ["a", "a", "a", "b", "b"]
    >>> res = equal_effectiveness(flipped, sensitive_features=group)
    >>> res.effectiveness.round(3).to_dict()
    {'a': 0.667, 'b': 1.0}
    >>> round(res.asr, 3), round(res.pd, 3)
    (0.833, 0.333)
    >>> equal_effectiveness(flipped, sensitive_features=group, average="macro").pd
    0.666...
    """
    if average not in ("micro", "macro"):
        raise ValueError(f"average must be 'micro' or 'macro', got {average!r}.")
    flipped = _check_flipped(flipped)
    codes, groups = _check_groups(sensitive_features, flipped.shape[0])
    if average == "micro":
        eff = _group_action_effectiveness(flipped.any(axis=1)[:, None], codes, len(groups))[:, 0]
    else:
        eff = _group_action_effectiveness(flipped, codes, len(groups)).max(axis=1)
    series = pd.Series(eff, index=groups, name="effectiveness")
    return EqualEffectivenessResult(
        effectiveness=series,
        asr=float(eff.mean()),
        pd=float(eff.max() - eff.min()),
        average=average,
    )


def equal_choice_of_recourse(flipped, *, sensitive_features, phi=0.5):
    """Equal Choice of Recourse: how many effective actions each group gets.

    ``N_phi(G)`` is the number of actions ``a`` with ``eff(a, G) >= phi``,
    where ``eff(a, G)`` is the share of group G that action ``a`` flips. The
    disparity is max - min of ``N_phi`` over the groups (``|N0 - N1|`` for two
    groups).

    Parameters
    ----------
    flipped : array-like of bool of shape (n_rows, n_actions)
        Whether action ``a`` makes the classifier accept affected row ``i``.
    sensitive_features : array-like or Series of shape (n_rows,)
        Group label of each row. With a single group the disparity is 0 by
        definition (as fairlearn's ``difference``), not evidence of fairness.
    phi : float in [0, 1], default=0.5
        Effectiveness an action needs within a group to count for it.

    Returns
    -------
    result : EqualChoiceResult
        Frozen dataclass with ``n_phi`` (Series by group), ``disparity``,
        ``effectiveness`` (DataFrame groups x actions) and ``phi``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recourse.metrics import equal_choice_of_recourse
    >>> flipped = np.array([[True, True, False], [True, False, False],
    ...                     [True, True, True], [False, False, True]])
    >>> res = equal_choice_of_recourse(flipped, sensitive_features=[0, 0, 1, 1])
    >>> res.n_phi.to_dict(), res.disparity
    ({0: 2, 1: 3}, 1)
    >>> equal_choice_of_recourse(flipped, sensitive_features=[0, 0, 1, 1], phi=1.0).disparity
    0
    """
    if (
        isinstance(phi, (bool, np.bool_))
        or not isinstance(phi, numbers.Real)
        or not 0 <= phi <= 1
    ):
        raise ValueError(f"phi must be a number in [0, 1], got {phi!r}.")
    flipped = _check_flipped(flipped)
    codes, groups = _check_groups(sensitive_features, flipped.shape[0])
    eff = _group_action_effectiveness(flipped, codes, len(groups))
    n_phi = (eff >= phi).sum(axis=1)
    return EqualChoiceResult(
        n_phi=pd.Series(n_phi, index=groups, name="n_phi"),
        disparity=int(n_phi.max() - n_phi.min()),
        effectiveness=pd.DataFrame(eff, index=groups),
        phi=float(phi),
    )
