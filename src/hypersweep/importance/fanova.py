"""fANOVA main effects of a fitted regression forest: pure numpy over the trees' leaves.

Each tree splits the parameter space into boxes (its leaves). Under a product
measure over the parameters, the tree's total variance and the variance of each
parameter's main effect (the prediction averaged over all other parameters) can
be computed exactly from the boxes (Hutter, Hoos and Leyton-Brown, 2014). The
measure used here is the product of the parameters' *observed* marginal
distributions (the empirical CDF of each encoded column), not a uniform
distribution over bounds: that needs no bounds (so unbounded and define-by-run
parameters work), and it gives a conditional parameter's "inactive" slot the
weight of the trials where it was inactive.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def leaf_boxes(tree: Any, n_features: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lo, hi, value) of every leaf of a fitted sklearn tree: the box is lo < x <= hi.

    Walks the tree one depth level at a time, all nodes of a level at once.
    """
    left, right = tree.children_left, tree.children_right
    lo = np.full((tree.node_count, n_features), -np.inf)
    hi = np.full((tree.node_count, n_features), np.inf)
    level = np.array([0])
    while level.size:
        parents = level[left[level] != -1]
        if not parents.size:
            break
        f, t = tree.feature[parents], tree.threshold[parents]
        for children in (left[parents], right[parents]):
            lo[children], hi[children] = lo[parents], hi[parents]
        hi[left[parents], f] = np.minimum(hi[parents, f], t)  # left: x <= threshold
        lo[right[parents], f] = np.maximum(lo[parents, f], t)
        level = np.concatenate((left[parents], right[parents]))
    leaves = np.flatnonzero(left == -1)
    return lo[leaves], hi[leaves], tree.value[leaves].reshape(len(leaves), -1)[:, 0].astype(float)


def _cdf(sorted_x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Fraction of observations <= t (0 at -inf, 1 at +inf)."""
    return np.searchsorted(sorted_x, t, side="right") / len(sorted_x)


def tree_main_effects(tree: Any, X: np.ndarray) -> np.ndarray | None:
    """Each feature's main-effect variance as a fraction of the tree's total variance.

    None when the tree is constant (no variance to share out).
    """
    n_features = X.shape[1]
    lo, hi, v = leaf_boxes(tree, n_features)
    sorted_cols = [np.sort(X[:, d]) for d in range(n_features)]
    mass = np.column_stack(
        [_cdf(sorted_cols[d], hi[:, d]) - _cdf(sorted_cols[d], lo[:, d]) for d in range(n_features)]
    )  # leaves x features: the measure of each leaf's side
    weight = mass.prod(axis=1)
    mean = float(weight @ v)
    total = float(weight @ (v - mean) ** 2)
    if total <= 1e-300:
        return None
    shares = np.zeros(n_features)
    for i in range(n_features):
        cuts = np.unique(tree.threshold[tree.feature == i])
        if not len(cuts):
            continue  # the tree never splits on this feature: no main effect
        edges = np.concatenate(([-np.inf], cuts, [np.inf]))
        cell_mass = np.diff(_cdf(sorted_cols[i], edges))
        others = np.delete(mass, i, axis=1).prod(axis=1)
        # leaf L covers the cells first[L] .. last[L]-1 (its bounds are split points)
        first = np.searchsorted(edges, lo[:, i])
        last = np.searchsorted(edges, hi[:, i])
        effect = _range_sums(others * v, first, last, len(edges) - 1)
        norm = _range_sums(others, first, last, len(edges) - 1)
        effect = np.divide(effect, norm, out=np.full(len(norm), mean), where=norm > 0)
        shares[i] = float(cell_mass @ (effect - mean) ** 2) / total
    return shares


def _range_sums(weights: np.ndarray, first: np.ndarray, last: np.ndarray, n: int) -> np.ndarray:
    """out[c] = sum of weights[L] over the leaves with first[L] <= c < last[L]."""
    diff = np.zeros(n + 1)
    np.add.at(diff, first, weights)
    np.add.at(diff, last, -weights)
    return np.cumsum(diff[:-1])


def forest_main_effects(forest: Any, X: np.ndarray) -> np.ndarray:
    """Main-effect shares averaged over a fitted forest's trees, normalised to sum to 1.

    All zeros when no tree varies (a constant objective: nothing is important).
    """
    per_tree = [tree_main_effects(est.tree_, X) for est in forest.estimators_]
    kept = [s for s in per_tree if s is not None]
    if not kept:
        return np.zeros(X.shape[1])
    mean = np.mean(kept, axis=0)
    total = mean.sum()
    return mean / total if total > 0 else mean
