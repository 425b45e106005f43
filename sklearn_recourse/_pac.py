"""PAC thresholds (Park et al. 2020) as used to guarantee recourse (Ross et al. 2021, §3.3)."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params


def _at_most_alpha(k, n, epsilon, alpha):
    """BinomCDF(k; n, epsilon) <= alpha, up to the CDF's rounding.

    The relative tolerance lets a CDF equal to alpha in exact arithmetic
    qualify ((1 - ε)^n == α, computed two ways, differs in the last bits).
    """
    from scipy.stats import binom

    return binom.cdf(k, n, epsilon) <= alpha * (1 + 1e-12)


def _k_star(n, epsilon, alpha):
    """max{k : BinomCDF(k; n, epsilon) <= alpha}, or -1 when no k qualifies."""
    ok = np.flatnonzero(_at_most_alpha(np.arange(n + 1), n, epsilon, alpha))
    return int(ok[-1]) if ok.size else -1


@validate_params(
    {
        "epsilon": [Interval(numbers.Real, 0, 1, closed="neither")],
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def min_calibration_size(epsilon=0.05, alpha=0.05):
    """Smallest calibration set for which a PAC threshold exists: (1-ε)^n <= α.

    Parameters
    ----------
    epsilon, alpha : float in (0, 1)

    Returns
    -------
    n : int

    Examples
    --------
    >>> from sklearn_recourse import min_calibration_size
    >>> min_calibration_size(0.05, 0.05)
    59
    """
    # the closed form, then settled on the test pac_threshold applies, so
    # that the two agree at the boundary whatever the rounding
    n = max(1, int(np.ceil(np.log(alpha) / np.log1p(-epsilon))))
    while not _at_most_alpha(0, n, epsilon, alpha):
        n += 1
    while n > 1 and _at_most_alpha(0, n - 1, epsilon, alpha):
        n -= 1
    return n


@validate_params(
    {
        "scores": ["array-like"],
        "epsilon": [Interval(numbers.Real, 0, 1, closed="neither")],
        "alpha": [Interval(numbers.Real, 0, 1, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def pac_threshold(scores, *, epsilon=0.05, alpha=0.05):
    """Threshold τ̂ with P_Z[P_x(score(x) >= τ̂) >= 1 - ε] >= 1 - α.

    ``scores`` are the scores of the property to guarantee on a held-out
    calibration set drawn i.i.d. from the data distribution, for example
    ``g(x + A(x))``, the classifier's score after the recourse ``A(x)``. With
    k* = max{k : BinomCDF(k; n, ε) <= α}, τ̂ is the (k*+1)-th smallest score:
    at most k* of the n calibration scores fall below it. Any decision
    threshold θ <= τ̂ then accepts at least a 1 - ε share of future rows
    (after recourse), with confidence 1 - α over the draw of the calibration set.

    Works with any scorer: the guarantee only assumes the scores are i.i.d.
    and were not used to fit the scorer.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Calibration scores, finite.
    epsilon : float in (0, 1), default=0.05
        Allowed share of rows whose score falls below the threshold.
    alpha : float in (0, 1), default=0.05
        Allowed probability that the calibration set misleads (1 - confidence).

    Returns
    -------
    tau : float

    Raises
    ------
    ValueError
        When the calibration set is too small for (ε, α): (1 - ε)^n > α. At
        least :func:`min_calibration_size` rows are needed.

    References
    ----------
    S. Park, O. Bastani, N. Matni, I. Lee. "PAC Confidence Sets for Deep
    Neural Networks via Calibrated Prediction", ICLR 2020.
    A. Ross, H. Lakkaraju, O. Bastani. "Learning Models for Actionable
    Recourse", NeurIPS 2021, §3.3.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_recourse import pac_threshold
    >>> scores = np.linspace(0.0, 1.0, 201)   # 201 calibration scores
    >>> pac_threshold(scores, epsilon=0.05, alpha=0.05)   # k* = 4: the 5th smallest
    0.02
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1:
        raise ValueError(f"scores must be 1-dimensional, got shape {scores.shape}.")
    if not np.isfinite(scores).all():
        raise ValueError("scores contain NaN or infinity.")
    n = scores.shape[0]
    k = _k_star(n, epsilon, alpha)
    if k < 0:
        raise ValueError(
            f"The calibration set is too small for epsilon={epsilon} and alpha={alpha}: "
            f"{n} rows, but a PAC threshold needs (1 - epsilon)^n <= alpha, i.e. at least "
            f"{min_calibration_size(epsilon, alpha)} rows. Use more calibration rows or "
            "larger epsilon/alpha."
        )
    return float(np.partition(scores, k)[k])
