"""Pareto dominance on arrays: masks, non-dominated ranks, crowding, constraint domination.

Every function takes a ``(n, m)`` array of *losses* (each column minimised; see
:func:`to_loss` for studies that maximise some objectives) and returns numpy arrays,
so samplers, the study and plots share one definition of "better".
Point ``a`` dominates ``b`` when it is no worse in every objective and better in at
least one; identical points do not dominate each other and share a rank.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

_BLOCK = 512  # rows compared at once in the vectorised m > 2 paths (memory ~ BLOCK * n * m)


def as_points(points: object, name: str = "points") -> np.ndarray:
    """A 2-D float array with no NaN; one clear error otherwise."""
    arr = np.asarray(points, dtype=float)
    if arr.ndim == 1 and arr.size == 0:
        arr = arr.reshape(0, 1)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n points, m objectives), but got "
                         f"shape {arr.shape}")  # fmt: skip
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not hold NaN")
    return arr


def to_loss(values: object, directions: Sequence[object] | None = None) -> np.ndarray:
    """Values in each objective's own direction turned into losses (maximised ones negated).

    ``directions`` holds ``Direction`` members or the strings "minimize"/"maximize";
    None means every objective is minimised.
    """
    arr = as_points(values, "values")
    if directions is None:
        return arr.copy()
    if len(directions) != arr.shape[1]:
        raise ValueError(f"got {len(directions)} directions for {arr.shape[1]} objectives")
    signs = []
    for d in directions:
        text = str(getattr(d, "value", d)).lower()
        if text not in ("minimize", "maximize"):
            raise ValueError(f"a direction must be 'minimize' or 'maximize', but got {d!r}")
        signs.append(1.0 if text == "minimize" else -1.0)
    return arr * np.asarray(signs)


def dominates(a: object, b: object) -> bool:
    """True if loss vector ``a`` dominates ``b``."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(x <= y) and np.any(x < y))


def _dominated_by_block(block: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """``out[i, j]``: block row i dominates point j."""
    le = np.all(block[:, None, :] <= pts[None, :, :], axis=2)
    lt = np.any(block[:, None, :] < pts[None, :, :], axis=2)
    return le & lt


def pareto_mask(points: object) -> np.ndarray:
    """True for every point no other point dominates (duplicates of such a point too)."""
    pts = as_points(points)
    n, m = pts.shape
    if n == 0:
        return np.zeros(0, dtype=bool)
    if m <= 2:
        return nondominated_ranks(pts) == 0
    # Candidates are visited best-sum first: a point of smaller sum can never be
    # dominated by one of larger sum, so each kept point prunes the rest in one pass.
    order = np.lexsort(pts.T[::-1])
    order = order[np.argsort(pts[order].sum(axis=1), kind="stable")]
    alive = np.ones(n, dtype=bool)
    for i in order:
        if not alive[i]:
            continue
        p = pts[i]
        hit = np.all(p <= pts, axis=1) & np.any(p < pts, axis=1)
        alive &= ~hit
    return alive


def nondominated_ranks(points: object) -> np.ndarray:
    """Front number of each point: 0 for the Pareto set, 1 once it is removed, ...

    Two objectives: a sort and a binary search per point, O(n log n) (each front is
    kept as the smallest second loss it holds so far, and those minima stay sorted).
    More: the domination matrix in blocks, then fronts peeled by dominator counts.
    """
    pts = as_points(points)
    n, m = pts.shape
    if n == 0:
        return np.zeros(0, dtype=int)
    uniq, inverse = np.unique(pts, axis=0, return_inverse=True)  # sorted lexicographically
    inverse = inverse.reshape(-1)
    if m == 1:
        return np.searchsorted(uniq[:, 0], pts[:, 0])
    if m == 2:
        tails: list[float] = []
        ranks = np.empty(len(uniq), dtype=int)
        for i, y in enumerate(uniq[:, 1].tolist()):
            # an earlier distinct point dominates this one iff its second loss is <= y
            k = bisect_right(tails, y)
            if k == len(tails):
                tails.append(y)
            else:
                tails[k] = y
            ranks[i] = k
        return ranks[inverse]
    return _peel(uniq)[inverse]


def _peel(pts: np.ndarray) -> np.ndarray:
    n = len(pts)
    count = np.zeros(n, dtype=int)
    dom = np.zeros((n, n), dtype=bool) if n <= 4096 else None
    for start in range(0, n, _BLOCK):
        block = _dominated_by_block(pts[start : start + _BLOCK], pts)
        count += block.sum(axis=0)
        if dom is not None:
            dom[start : start + _BLOCK] = block
    ranks = np.full(n, -1, dtype=int)
    current = np.flatnonzero(count == 0)
    level = 0
    while current.size:
        ranks[current] = level
        if dom is not None:
            count -= dom[current].sum(axis=0)
        else:
            for start in range(0, current.size, _BLOCK):
                rows = pts[current[start : start + _BLOCK]]
                count -= _dominated_by_block(rows, pts).sum(axis=0)
        count[current] = -1
        current = np.flatnonzero(count == 0)
        level += 1
    return ranks


def fronts(ranks: np.ndarray) -> list[np.ndarray]:
    """Indices of each front, best first, from :func:`nondominated_ranks`'s output."""
    ranks = np.asarray(ranks)
    return [np.flatnonzero(ranks == r) for r in np.unique(ranks)]


def crowding_distance(points: object) -> np.ndarray:
    """NSGA-II's crowding distance of each point within one front.

    Per objective, the gap between a point's two neighbours over the front's range,
    summed; the extremes get infinity so that a front's ends are always kept.
    Duplicates share their neighbours' gap (the first copy keeps it, others get 0).
    """
    pts = as_points(points)
    n, m = pts.shape
    dist = np.zeros(n)
    if n <= 2:
        dist[:] = np.inf
        return dist
    for j in range(m):
        order = np.argsort(pts[:, j], kind="stable")
        col = pts[order, j]
        span = col[-1] - col[0]
        dist[order[0]] = dist[order[-1]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (col[2:] - col[:-2]) / span
    return dist


def violation(constraints: object) -> np.ndarray:
    """Total constraint violation per trial: the sum of the positive entries.

    ``constraints`` is ``(n, k)``; a row is feasible when every entry is <= 0 (as in
    Optuna). NaN marks a trial without constraints, which is feasible.
    """
    arr = np.asarray(constraints, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"constraints must be a 2-D array (n trials, k constraints), "
                         f"but got shape {arr.shape}")  # fmt: skip
    return np.where(np.isnan(arr), 0.0, np.clip(arr, 0.0, None)).sum(axis=1)


def constrained_ranks(points: object, violations: object | None = None) -> np.ndarray:
    """Ranks under Deb's constraint domination: feasible trials first, by non-dominated
    rank; then infeasible ones, ordered by total violation (equal violations tie).

    So a feasible trial beats every infeasible one, and of two infeasible trials the
    one that violates less is better, whatever their objectives.
    """
    pts = as_points(points)
    if violations is None:
        return nondominated_ranks(pts)
    v = np.asarray(violations, dtype=float).reshape(-1)
    if v.shape[0] != pts.shape[0]:
        raise ValueError(f"got {v.shape[0]} violations for {pts.shape[0]} points")
    if np.isnan(v).any() or (v < 0).any():
        raise ValueError("violations must be >= 0 (see violation())")
    feasible = v <= 0
    ranks = np.empty(len(pts), dtype=int)
    top = 0
    if feasible.any():
        ranks[feasible] = nondominated_ranks(pts[feasible])
        top = int(ranks[feasible].max()) + 1
    if (~feasible).any():
        levels = np.unique(v[~feasible], return_inverse=True)[1].reshape(-1)
        ranks[~feasible] = top + levels
    return ranks
