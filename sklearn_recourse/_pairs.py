"""The truncated pair distribution Q(x+ | x) of GenRe (Garg et al., ICLR 2025, Eq. 6).

For a source row x, Q puts weight exp(-lam * cost(x, x+)) on every favourable
row x+ reachable from x (same immutable values, direction and bounds kept),
truncated to the ``top_k`` heaviest. The heaviest rows are the nearest
reachable ones in cost, so they come from a Manhattan neighbour index per
immutable group (the cost is the Manhattan distance of
``FeatureSpace.cost_embedding``) and no dense sources x favourable matrix is
ever built.
"""

import numpy as np

from ._nearest_neighbor import _constrained_columns

# neighbours (source rows x neighbours asked for) per k-NN query: about 16 MB
# per float array, whatever the number of sources and the size of D_h^+
_CHUNK_ELEMENTS = 2_000_000


def pair_distribution(feature_space, Z_source, Z_target, *, lam, top_k):
    """Top-``top_k`` partners of each source row and their Q probabilities.

    Parameters
    ----------
    feature_space : FeatureSpace
        Fitted feature space: cost, immutable groups and bounds.
    Z_source : ndarray of shape (n_source, n_encoded_features)
        Encoded rows that seek recourse (D_h^-).
    Z_target : ndarray of shape (n_target, n_encoded_features)
        Encoded favourable rows (D_h^+).
    lam : float
        Cost coefficient of Q.
    top_k : int
        Truncation of Q.

    Returns
    -------
    partners : ndarray of int of shape (n_source, k)
        Indices into ``Z_target``, nearest first; -1 where a source has fewer
        than k reachable partners (``k = min(top_k, n_target)``).
    probabilities : ndarray of shape (n_source, k)
        Q(partner | source), each row summing to 1 (all zero for a source
        with no reachable partner).
    """
    from sklearn.neighbors import NearestNeighbors

    fs = feature_space
    n_source = len(Z_source)
    k = int(min(top_k, len(Z_target)))
    partners = np.full((n_source, k), -1, dtype=np.int64)
    costs = np.full((n_source, k), np.inf)
    groups = fs.immutable_groups(np.vstack([Z_target, Z_source]))
    target_groups, source_groups = groups[: len(Z_target)], groups[len(Z_target) :]
    emb_source = fs.cost_embedding(Z_source)
    emb_target = fs.cost_embedding(Z_target)
    checked = np.asarray(_constrained_columns(fs, Z_target), dtype=int)
    if checked.size:
        low, high = fs.bounds_for(Z_source)
        low_checked, high_checked = low[:, checked], high[:, checked]
        target_checked = Z_target[:, checked]
    for g in np.unique(source_groups):
        rows = np.flatnonzero(source_groups == g)
        pool = np.flatnonzero(target_groups == g)
        if pool.size == 0:
            continue
        index = NearestNeighbors(metric="manhattan").fit(emb_target[pool])
        # with direction or bound constraints some neighbours are unreachable:
        # ask for twice as many, then for the whole group where that was not enough
        n_query = min(pool.size, k if not checked.size else 2 * k)
        while rows.size:
            # sources in chunks, so memory stays bounded however many neighbours
            # are asked for (the whole group, in the second round)
            chunk = max(1, _CHUNK_ELEMENTS // n_query)
            short = []
            for start in range(0, rows.size, chunk):
                part = rows[start : start + chunk]
                dist, nearest = index.kneighbors(emb_source[part], n_neighbors=n_query)
                found = pool[nearest]
                ok = np.ones(found.shape, dtype=bool)
                if checked.size:
                    values = target_checked[found]  # (part, n_query, constrained columns)
                    ok = np.all(
                        (values >= low_checked[part, None] - 1e-12)
                        & (values <= high_checked[part, None] + 1e-12),
                        axis=2,
                    )
                enough = (ok.sum(axis=1) >= k) | (n_query == pool.size)
                for i in np.flatnonzero(enough):
                    keep = np.flatnonzero(ok[i])[:k]
                    partners[part[i], : keep.size] = found[i, keep]
                    costs[part[i], : keep.size] = dist[i, keep]
                short.append(part[~enough])
            rows = np.concatenate(short)
            n_query = pool.size
    # exp(-lam * c) normalised; shifting by the row minimum avoids underflow
    shifted = costs - np.where(np.isfinite(costs[:, :1]), costs[:, :1], 0.0)
    weights = np.where(np.isfinite(costs), np.exp(-lam * shifted), 0.0)
    totals = weights.sum(axis=1, keepdims=True)
    probabilities = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    return partners, probabilities


def draw_partners(partners, probabilities, rng):
    """One partner per source drawn from Q (inverse CDF, vectorised)."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.uniform(size=(len(partners), 1)) * cumulative[:, -1:]
    choice = np.minimum((cumulative <= u).sum(axis=1), partners.shape[1] - 1)
    return partners[np.arange(len(partners)), choice]
