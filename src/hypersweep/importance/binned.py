"""Main effects from binned means: each parameter's share of the variance, numpy only.

A parameter's main effect is how much the objective's mean moves with it, averaged
over everything else. Grouping the trials by the parameter (by value for a choice or
an integer with few values, else into equal-count bins of its encoded value) and
taking the variance of the group means estimates it directly (the correlation
ratio). The parameters' effects are fitted together, as an additive model of one
step function per parameter (backfitting), so the chance imbalance of a dominant
parameter's values among another's groups is not credited to the other. With G
groups, pure noise would still put about (G - 1) mean squares of what the model
leaves between the groups, so that much is taken off each effect (the correction of
omega squared): a parameter with no effect scores about 0, not G / n.

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
    sweeps: int = 20,
) -> np.ndarray:
    """Each column's main-effect sum of squares (unnormalised; all 0 when y is constant).

    ``active[r, j]``: trial r used parameter j (a column is measured over those trials);
    ``discrete[j]``: column j is a choice, grouped by value however many values it has.

    The effects are fitted together, as an additive model of one step function per
    column (backfitting: each column's group means of what the others leave, in turn,
    ``sweeps`` times at most). Measured one at a time, a column's groups would also
    carry the chance imbalance of a dominant column's values among them; fitted
    together, what belongs to the dominant column stays there.
    """
    n, d = X.shape
    used = np.ones((n, d), dtype=bool) if active is None else np.asarray(active, dtype=bool)
    kinds = np.zeros(d, dtype=bool) if discrete is None else np.asarray(discrete, dtype=bool)
    bins = max(2, min(MAX_BINS, n // 10))
    rows = [np.flatnonzero(used[:, j]) for j in range(d)]
    groups = [groups_of(X[r, j], bool(kinds[j]), bins) if len(r) > 2 else None
              for j, r in enumerate(rows)]  # fmt: skip
    effect = np.zeros((d, n))
    rest = y - y.mean()  # what the effects fitted so far leave unexplained
    for _ in range(sweeps):
        moved = 0.0
        for j, group in enumerate(groups):
            if group is None:
                continue
            r = rows[j]
            partial = rest[r] + effect[j, r]
            counts = np.bincount(group)
            means = np.bincount(group, partial, len(counts)) / np.maximum(counts, 1)
            fitted = means[group] - float(counts @ means) / len(r)  # centred on its trials
            rest[r] = partial - fitted
            moved = max(moved, float(np.abs(fitted - effect[j, r]).max()))
            effect[j, r] = fitted
        if moved <= 1e-9 * (float(np.abs(y - y.mean()).max()) or 1.0):
            break
    return _less_noise(effect, groups, rest)


def _less_noise(effect: np.ndarray, groups: list[np.ndarray | None], rest: np.ndarray
                ) -> np.ndarray:  # fmt: skip
    """Each effect's sum of squares less what noise alone would put there: (G - 1) times
    the mean square left over, for a column of G groups."""
    levels = [0 if g is None else int(g.max()) for g in groups]  # G - 1
    free = len(rest) - 1 - sum(levels)
    noise = float(rest @ rest) / free if free > 0 else 0.0
    sums = (effect**2).sum(axis=1)
    return np.maximum(0.0, sums - np.array(levels, dtype=float) * noise)
