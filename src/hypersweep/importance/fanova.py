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

Conditional spaces are not products: "model.svm.C" exists only where
``model == "svm"``, so a product of marginals pairs C's values with the k-NN
branch and credits C with the gap between the branches. When the caller names
each conditional column's parent (the choice that switches it on), the measure
becomes a *mixture*: one product of observed marginals per branch, weighted by
the branch's share of trials. The law of total variance then splits the
forest's variance exactly into the variance *between* the branch means, which
goes to the parent, and the variance *within* each branch, which fANOVA shares
out among the parameters active there (see ``mixture_variances``). Nested
choices recurse; a space without conditional columns is computed as before.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    effects, total, _ = box_variances(_Boxes(tree, X.shape[1]), X)
    if total <= 1e-300:
        return None
    return effects / total


class _Boxes:
    """A fitted tree's leaves as boxes, and the split points of each feature."""

    def __init__(self, tree: Any, n_features: int) -> None:
        self.lo, self.hi, self.v = leaf_boxes(tree, n_features)
        self.cuts = [np.unique(tree.threshold[tree.feature == i]) for i in range(n_features)]


def box_variances(boxes: _Boxes, X: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(main-effect variance of each feature, total variance, mean) of the tree
    under the product of the observed marginals of the rows X."""
    lo, hi, v = boxes.lo, boxes.hi, boxes.v
    n_features = X.shape[1]
    sorted_cols = [np.sort(X[:, d]) for d in range(n_features)]
    mass = np.column_stack(
        [_cdf(sorted_cols[d], hi[:, d]) - _cdf(sorted_cols[d], lo[:, d]) for d in range(n_features)]
    )  # leaves x features: the measure of each leaf's side
    weight = mass.prod(axis=1)
    mean = float(weight @ v)
    total = float(weight @ (v - mean) ** 2)
    effects = np.zeros(n_features)
    if total <= 1e-300:
        return effects, total, mean
    for i in range(n_features):
        cuts = boxes.cuts[i]
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
        effects[i] = float(cell_mass @ (effect - mean) ** 2)
    return effects, total, mean


def mixture_variances(
    boxes: _Boxes,
    X: np.ndarray,
    active: np.ndarray,
    parents: Sequence[int | None],
    rows: np.ndarray | None = None,
) -> tuple[np.ndarray, float, float]:
    """Like ``box_variances``, under a mixture of one product measure per branch.

    ``active[r, j]`` says whether trial r used parameter j; ``parents[j]`` is the
    column whose value switches a conditional column j on (None if unknown). The
    rows are split by the values of the parents that are active in all of them;
    each part is measured on its own (recursively, for nested choices), and
    total = sum_k w_k total_k + sum_k w_k (mean_k - mean)^2, with w_k the parts'
    shares of the rows. The second term, the variance between the branches,
    goes to the parents; the effects within the parts add up with weights w_k.
    """
    rows = np.arange(len(X)) if rows is None else rows
    used = active[rows]
    conditional = np.flatnonzero(used.any(axis=0) & ~used.all(axis=0)).tolist()
    tops = sorted({p for j in conditional if (p := parents[j]) is not None and used[:, p].all()})
    if not tops:
        return box_variances(boxes, X[rows])
    _, part = np.unique(X[np.ix_(rows, tops)], axis=0, return_inverse=True)
    part = part.reshape(-1)
    n_parts = int(part.max()) + 1
    w = np.bincount(part, minlength=n_parts) / len(rows)
    results = [
        mixture_variances(boxes, X, active, parents, rows[part == k]) for k in range(n_parts)
    ]
    means = np.array([m for _, _, m in results])
    mean = float(w @ means)
    between = float(w @ (means - mean) ** 2)
    effects = sum((wk * e for wk, (e, _, _) in zip(w, results)), np.zeros(X.shape[1]))
    total = float(sum(wk * t for wk, (_, t, _) in zip(w, results))) + between
    effects[tops] += between * _split_between(X[np.ix_(rows, tops)], part, w, means, mean)
    return effects, total, mean


def _split_between(keys: np.ndarray, part: np.ndarray, w: np.ndarray, means: np.ndarray,
                   mean: float) -> np.ndarray:  # fmt: skip
    """Fractions of the between-branch variance for each of several parents: in
    proportion to each one's main effect on the branch means (all of it for one)."""
    n_tops = keys.shape[1]
    if n_tops == 1:
        return np.ones(1)
    key_of_part = np.zeros((len(w), n_tops))
    key_of_part[part] = keys
    main = np.zeros(n_tops)
    for t in range(n_tops):
        for value in np.unique(key_of_part[:, t]):
            sel = key_of_part[:, t] == value
            mass = float(w[sel].sum())
            main[t] += mass * (float(w[sel] @ means[sel]) / mass - mean) ** 2
    total = float(main.sum())
    return main / total if total > 0 else np.full(n_tops, 1.0 / n_tops)


def _range_sums(weights: np.ndarray, first: np.ndarray, last: np.ndarray, n: int) -> np.ndarray:
    """out[c] = sum of weights[L] over the leaves with first[L] <= c < last[L]."""
    # bincount adds the weights of equal indices as np.add.at does, several times faster
    diff = np.bincount(first, weights, minlength=n + 1) - np.bincount(last, weights, n + 1)
    return np.cumsum(diff[:-1])


def forest_main_effects(
    forest: Any,
    X: np.ndarray,
    active: np.ndarray | None = None,
    parents: Sequence[int | None] | None = None,
) -> np.ndarray:
    """Main-effect shares averaged over a fitted forest's trees, normalised to sum to 1.

    With ``active`` (trials x features, was the parameter used) and ``parents``
    (see ``mixture_variances``), a conditional parameter's share is its main
    effect within its branch, and the choice of branch is its parent's.
    All zeros when no tree varies (a constant objective: nothing is important).
    """
    if active is None or parents is None or all(p is None for p in parents):
        per_tree = [tree_main_effects(est.tree_, X) for est in forest.estimators_]
    else:
        per_tree = [_mixture_shares(est.tree_, X, active, parents) for est in forest.estimators_]
    kept = [s for s in per_tree if s is not None]
    if not kept:
        return np.zeros(X.shape[1])
    mean = np.mean(kept, axis=0)
    total = mean.sum()
    return mean / total if total > 0 else mean


def _mixture_shares(
    tree: Any, X: np.ndarray, active: np.ndarray, parents: Sequence[int | None]
) -> np.ndarray | None:
    effects, total, _ = mixture_variances(_Boxes(tree, X.shape[1]), X, active, parents)
    return None if total <= 1e-300 else effects / total
