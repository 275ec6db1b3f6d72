"""Main effects from binned means: each parameter's share of the variance, numpy only.

A parameter's main effect is how much the objective's mean moves with it, averaged
over everything else. Grouping the trials by the parameter (by value for a choice or
an integer with few values, else into equal-count bins of its encoded value) and
taking the variance of the group means estimates it directly: this is the
correlation ratio, the between-group sum of squares over the total. With G groups,
pure noise would still put about (G - 1) within-group mean squares between the
groups, so that much is taken off first (the bias correction of omega squared); a
parameter with no effect then scores about 0, not G / n.

What it needs is the trials and numpy: no model is fitted, so it costs milliseconds
where the forest methods cost scikit-learn's import and a fit. It measures the same
thing as ``"fanova"`` (first-order shares of the variance), but from the raw trials
instead of a forest's smoothed surface, so with few trials it is noisier, and with a
sampler that concentrates (TPE late in a study) the parameters' values are
correlated and each one's groups carry some of the others' effects.

Conditional parameters are measured among the trials that used them: the group
means are compared with the mean of those trials, so a child's share is its effect
within its branch, weighted by the branch's share of the trials, and the gap between
branches shows up in the groups of the choice that picks them.
"""

from __future__ import annotations

import numpy as np

MAX_BINS = 10  # bins of a continuous parameter, fewer with few trials (n // 10, at least 2)


def groups_of(x: np.ndarray, discrete: bool, bins: int) -> np.ndarray:
    """Group index of each value: by value for a choice or few distinct values, else
    equal-count bins (equal values always share a bin)."""
    values, inverse = np.unique(x, return_inverse=True)
    if discrete or len(values) <= bins:
        return inverse.reshape(-1)
    edges = np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1])
    return np.unique(np.searchsorted(edges, x, side="left"), return_inverse=True)[1].reshape(-1)


def between_groups(y: np.ndarray, group: np.ndarray) -> float:
    """Sum of squares between the groups' means, less what noise alone puts there."""
    n_groups = int(group.max()) + 1 if len(group) else 0
    if n_groups < 2 or len(y) <= n_groups:
        return 0.0
    counts = np.bincount(group, minlength=n_groups)
    means = np.bincount(group, y, n_groups) / np.maximum(counts, 1)
    between = float(counts @ (means - y.mean()) ** 2)
    within = float(((y - means[group]) ** 2).sum())
    return max(0.0, between - (n_groups - 1) * within / (len(y) - n_groups))


def binned_effects(
    X: np.ndarray,
    y: np.ndarray,
    *,
    active: np.ndarray | None = None,
    discrete: np.ndarray | None = None,
) -> np.ndarray:
    """Each column's main-effect sum of squares (unnormalised; all 0 when y is constant).

    ``active[r, j]``: trial r used parameter j (a column is measured over those trials);
    ``discrete[j]``: column j is a choice, grouped by value however many values it has.
    """
    n, d = X.shape
    used = np.ones((n, d), dtype=bool) if active is None else np.asarray(active, dtype=bool)
    kinds = np.zeros(d, dtype=bool) if discrete is None else np.asarray(discrete, dtype=bool)
    bins = max(2, min(MAX_BINS, n // 10))
    out = np.zeros(d)
    for j in range(d):
        rows = used[:, j]
        if rows.sum() > 2:
            out[j] = between_groups(y[rows], groups_of(X[rows, j], bool(kinds[j]), bins))
    return out
