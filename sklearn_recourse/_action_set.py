"""The set of allowed actions Δ of a recourse classifier, and the LPs over it.

Δ is a polytope over the m actionable features, in the classifier's
standardized units: a box ``lower <= δ <= upper`` (the ``delta_max`` box with
the sign of increasing- and decreasing-only features, intersected per row
with feature bounds) plus optional user rows ``A δ + b >= 0``.

Three problems are solved over Δ, for a batch of rows at once:

- ``steepest``: δ* = argmin_δ g·δ, the adversarial step of Ross et al. (2021);
- ``project``: Euclidean projection, for projected gradient search;
- ``cheapest_reaching``: min ||δ||_1 subject to w·δ >= t, the linearised recourse.

Without user rows every problem separates per feature and has a closed form
(the fast path). With user rows they are solved with cvxpy, as parametrised
(DPP) problems compiled once per batch size and reused.
"""

import numpy as np

_TIE_BREAK = 1e-5
_HIGHS_BANNER_SILENCED = False


def _silence_highs_banner():
    """Let HiGHS print its once-per-process copyright banner to /dev/null.

    highspy writes the banner straight to file descriptor 1 when the first
    solver object is created, before any option (cvxpy's ``verbose=False``
    included) applies, so a library call would otherwise print to the
    user's stdout. One throwaway object is created with fd 1 redirected
    (for that instant, output of other threads to fd 1 is dropped too).
    """
    global _HIGHS_BANNER_SILENCED
    if _HIGHS_BANNER_SILENCED:
        return
    _HIGHS_BANNER_SILENCED = True
    import os
    import sys

    try:
        import highspy
    except ImportError:  # cvxpy will report the missing solver
        return
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
        saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):  # no usable fd 1: nothing to protect
        return
    try:
        os.dup2(null, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


class InfeasibleActionSetError(ValueError):
    """Raised when the allowed actions form an empty or unbounded set."""


class ActionSet:
    """Δ over ``m`` actionable features (standardized units).

    Parameters
    ----------
    lower, upper : ndarray of shape (m,)
        Global box; ``lower <= 0 <= upper``; may be infinite when ``A`` bounds Δ.
    A : ndarray of shape (r, m) or None
    b : ndarray of shape (r,) or None
    names : list of str
        Feature names, for error messages.
    """

    def __init__(self, lower, upper, A=None, b=None, names=None):
        self.lower = np.asarray(lower, dtype=float)
        self.upper = np.asarray(upper, dtype=float)
        self.A = None if A is None else np.asarray(A, dtype=float)
        self.b = None if b is None else np.asarray(b, dtype=float)
        self.names = list(names) if names is not None else list(range(len(self.lower)))
        self._problems = {}

    @property
    def n_actions(self):
        return self.lower.shape[0]

    @property
    def is_box(self):
        """True when Δ is a box, so the closed forms apply."""
        return self.A is None

    def __getstate__(self):
        # compiled cvxpy problems are a cache, rebuilt on demand after unpickling
        state = self.__dict__.copy()
        state["_problems"] = {}
        return state

    # ----------------------------------------------------------- checks
    def check(self):
        """Raise a clear error if Δ is empty or unbounded; tighten infinite box ends.

        Solves small LPs with scipy (HiGHS): one feasibility problem and, when
        the box is not finite, a min and a max per coordinate.
        """
        from scipy.optimize import linprog

        m = self.n_actions
        bounds = [
            (None if not np.isfinite(lo) else lo, None if not np.isfinite(hi) else hi)
            for lo, hi in zip(self.lower, self.upper)
        ]
        A_ub = None if self.A is None else -self.A
        b_ub = None if self.A is None else self.b

        feasible = linprog(np.zeros(m), A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
        if feasible.status == 2:
            raise InfeasibleActionSetError(
                "The allowed actions are infeasible: no change δ satisfies the box "
                "|δ| <= delta_max, the feature directions and constraints=(A, b) "
                "together. Check the signs of A and b (the convention is A·δ + b >= 0)."
            )
        lower, upper = self.lower.copy(), self.upper.copy()
        for i in range(m):
            if np.isfinite(lower[i]) and np.isfinite(upper[i]):
                continue
            c = np.zeros(m)
            c[i] = 1.0
            for sign, store in ((1.0, lower), (-1.0, upper)):
                res = linprog(sign * c, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
                if res.status == 3:
                    raise InfeasibleActionSetError(
                        f"The allowed actions are unbounded: feature {self.names[i]!r} "
                        "can change without limit. Set delta_max or add constraints "
                        "that bound it."
                    )
                store[i] = res.x[i]
        self.lower, self.upper = lower, upper
        return self

    def row_box(self, low=None, high=None):
        """The box of each row: the global box intersected with per-row limits.

        ``low`` and ``high`` (shape (n, m)) are the changes that reach the
        feature bounds from each row; no change (0) always stays allowed.
        """
        if low is None:
            return self.lower[None, :], self.upper[None, :]
        low = np.maximum(self.lower, np.minimum(low, 0.0))
        high = np.minimum(self.upper, np.maximum(high, 0.0))
        return low, high

    def contains(self, D, low, high, atol=1e-7):
        """Which rows of D lie in Δ (to ``atol``)."""
        ok = np.all((D >= low - atol) & (D <= high + atol), axis=1)
        if self.A is not None:
            ok &= np.all(D @ self.A.T + self.b >= -atol, axis=1)
        return ok

    # --------------------------------------------------------- problems
    def steepest(self, G, low, high):
        """δ* = argmin over Δ of G·δ, row by row (G of shape (n, m))."""
        G = np.asarray(G, dtype=float)
        low, high = np.broadcast_to(low, G.shape), np.broadcast_to(high, G.shape)
        if self.is_box:
            # a linear objective over a box is minimised at the end its sign
            # points away from; a zero gradient leaves the feature unchanged
            return np.where(G < 0, high, np.where(G > 0, low, 0.0))
        # rows are scaled to unit size so the solver's tolerances mean the same
        scale = np.abs(G).max(axis=1, keepdims=True)
        G = G / np.where(scale > 0, scale, 1.0)
        return self._solve("steepest", G, low, high)

    def project(self, P, low, high):
        """Euclidean projection of each row of P onto Δ."""
        P = np.asarray(P, dtype=float)
        low, high = np.broadcast_to(low, P.shape), np.broadcast_to(high, P.shape)
        if self.is_box:
            return np.clip(P, low, high)
        return self._solve("project", P, low, high)

    def cheapest_reaching(self, W, target, low, high):
        """min ||δ||_1 over Δ subject to W·δ >= target, per row.

        Rows that cannot reach ``target`` get the step of largest W·δ instead
        (the best a linear model allows); the second value flags them.
        """
        W = np.asarray(W, dtype=float)
        target = np.asarray(target, dtype=float)
        low, high = np.broadcast_to(low, W.shape), np.broadcast_to(high, W.shape)
        best = self.steepest(-W, low, high)
        reachable = np.einsum("ij,ij->i", W, best) >= target
        D = np.where(reachable[:, None], 0.0, best)
        todo = reachable & (target > 0)
        if todo.any():
            if self.is_box:
                D[todo] = _greedy_reaching(W[todo], target[todo], low[todo], high[todo])
            else:
                D[todo] = self._solve(
                    "reaching", W[todo], low[todo], high[todo], target=target[todo]
                )
        return D, reachable

    # ------------------------------------------------------------ cvxpy
    def _solve(self, kind, P, low, high, target=None):
        """Solve a batch with the compiled problem, in chunks of its batch size."""
        n = P.shape[0]
        # batch sizes rounded up to a power of two bound the number of compiled problems
        size = min(256, 1 << max(n - 1, 0).bit_length())
        out = np.empty_like(P)
        for start in range(0, n, size):
            stop = min(start + size, n)
            rows = slice(start, stop)
            pad = size - (stop - start)
            out[rows] = self._solve_chunk(
                kind,
                _pad(P[rows], pad),
                _pad(low[rows], pad),
                _pad(high[rows], pad),
                None if target is None else _pad(target[rows], pad),
            )[: stop - start]
        return np.clip(out, low, high)

    def _solve_chunk(self, kind, P, low, high, target):
        import cvxpy as cp

        problem, params, D = self._problem(kind, P.shape[0])
        params["P"].value = P
        params["low"].value = low
        params["high"].value = high
        if target is not None:
            params["target"].value = target
        try:
            if kind == "project":
                problem.solve(
                    solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10
                )
            else:
                _silence_highs_banner()
                problem.solve(solver=cp.HIGHS)
        except cp.error.SolverError as exc:
            raise RuntimeError(f"The {kind} problem over the action set failed: {exc}") from exc
        if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
            raise InfeasibleActionSetError(
                f"The {kind} problem over the action set is {problem.status}: for some "
                "rows, the feature bounds and constraints=(A, b) leave no allowed change."
            )
        return D.value

    def _problem(self, kind, size):
        """The DPP problem for ``kind`` and ``size`` rows, compiled on first use."""
        import cvxpy as cp

        key = (kind, size)
        if key in self._problems:
            return self._problems[key]
        m = self.n_actions
        D = cp.Variable((size, m))
        params = {
            "P": cp.Parameter((size, m)),
            "low": cp.Parameter((size, m)),
            "high": cp.Parameter((size, m)),
        }
        constraints = [D >= params["low"], D <= params["high"]]
        ones = np.ones((size, 1))
        constraints.append(D @ self.A.T + ones @ self.b[None, :] >= 0)
        if kind == "steepest":
            # rows of P are scaled to max |p| = 1; the tiny L1 term breaks ties
            # the way the closed form does: a zero gradient leaves a feature alone
            objective = cp.Minimize(
                cp.sum(cp.multiply(params["P"], D)) + _TIE_BREAK * cp.sum(cp.abs(D))
            )
        elif kind == "project":
            objective = cp.Minimize(cp.sum_squares(D - params["P"]))
        else:  # reaching
            params["target"] = cp.Parameter(size)
            constraints.append(cp.sum(cp.multiply(params["P"], D), axis=1) >= params["target"])
            objective = cp.Minimize(cp.sum(cp.abs(D)))
        problem = cp.Problem(objective, constraints)
        self._problems[key] = (problem, params, D)
        return self._problems[key]


def _pad(values, pad):
    # repeat the last row: a copy of a feasible row keeps the batch feasible
    if pad == 0:
        return values
    width = [(0, pad)] + [(0, 0)] * (values.ndim - 1)
    return np.pad(values, width, mode="edge")


def _greedy_reaching(W, target, low, high):
    """Closed form of min ||δ||_1 s.t. W·δ >= target over a box (target reachable).

    Each feature buys W·δ at |w_i| per unit of cost, up to its capacity in the
    direction of sign(w_i): spend on the best rate first (a fractional knapsack).
    """
    n, m = W.shape
    capacity = np.where(W > 0, high, np.where(W < 0, -low, 0.0))
    rate = np.abs(W)
    order = np.argsort(-rate, axis=1)
    rows = np.arange(n)
    D = np.zeros_like(W)
    need = target.astype(float).copy()
    for k in range(m):
        i = order[:, k]
        r = rate[rows, i]
        take = np.where(
            (need > 0) & (r > 0), np.minimum(capacity[rows, i], need / np.where(r > 0, r, 1.0)), 0.0
        )
        D[rows, i] = take * np.sign(W[rows, i])
        need -= take * r
    return D
