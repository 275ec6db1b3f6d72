"""Hypervolume: the volume a set of loss vectors dominates up to a reference point.

Exact algorithms, chosen by the number of objectives m:

- m = 2: sort by the first loss and sum the rectangles of the staircase, O(n log n).
- m = 3: sweep along the third loss, keeping the 2-D staircase of the points seen so
  far in sorted lists and updating its area as each point is inserted (the idea of
  Beume et al.'s HV3D; list insertion makes it O(n^2) in the worst case but fast).
- m > 3: WFG (While, Bradstreet and Barone, 2012): the sum of each point's exclusive
  volume, computed from the non-dominated "limit set" of the points after it,
  recursing until three objectives are left.

Points that do not strictly dominate the reference point add nothing and are dropped.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from .pareto import as_points, pareto_mask


def reference_point(points: object, margin: float = 0.1) -> np.ndarray:
    """The default reference point: the nadir of the non-dominated points plus
    ``margin`` of their range in each objective.

    The margin keeps a front's extreme points counting (each adds a slab of width
    margin times the range); where the range is zero, ``margin * max(|nadir|, 1)`` is
    used instead. Compare hypervolumes only under one fixed reference point.
    """
    pts = as_points(points)
    if len(pts) == 0:
        raise ValueError("reference_point needs at least one point")
    if not margin >= 0:
        raise ValueError(f"margin must be >= 0, but got {margin!r}")
    front = pts[pareto_mask(pts)]
    nadir, ideal = front.max(axis=0), front.min(axis=0)
    span = nadir - ideal
    span = np.where(span > 0, span, np.maximum(np.abs(nadir), 1.0))
    return nadir + margin * span


def _prepare(points: object, reference: object) -> tuple[np.ndarray, np.ndarray]:
    pts = as_points(points)
    ref = np.asarray(reference, dtype=float).reshape(-1)
    if len(pts) and pts.shape[1] != ref.shape[0]:
        raise ValueError(f"the reference point has {ref.shape[0]} objectives, the points "
                         f"{pts.shape[1]}")  # fmt: skip
    if not np.all(np.isfinite(ref)):
        raise ValueError("the reference point must be finite")
    if len(pts):
        pts = pts[np.all(pts < ref, axis=1)]
    return pts, ref


def hypervolume(points: object, reference: object) -> float:
    """The volume dominated by ``points`` (losses, ``(n, m)``) and bounded by ``reference``."""
    pts, ref = _prepare(points, reference)
    if len(pts) == 0:
        return 0.0
    return _hv(pts[pareto_mask(pts)], ref)


def _hv(front: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of points that all strictly dominate ``ref`` (dominated ones allowed)."""
    n, m = front.shape
    if n == 0:
        return 0.0
    if m == 1:
        return float(ref[0] - front[:, 0].min())
    if n == 1:
        return float(np.prod(ref - front[0]))
    if m == 2:
        return _hv2(front, ref)
    if m == 3:
        return _hv3(front, ref)
    return _wfg(front, ref)


def _hv2(pts: np.ndarray, ref: np.ndarray) -> float:
    order = np.lexsort((pts[:, 1], pts[:, 0]))
    xs, ys = pts[order, 0], pts[order, 1]
    best = np.minimum.accumulate(ys)  # the staircase's height at each x
    widths = np.diff(np.append(xs, ref[0]))
    return float(np.sum(widths * (ref[1] - best)))


class _Staircase:
    """A 2-D non-dominated set (x ascending, y descending) and the area it dominates."""

    def __init__(self, rx: float, ry: float) -> None:
        self.rx, self.ry = rx, ry
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.area = 0.0

    def insert(self, x: float, y: float) -> None:
        xs, ys = self.xs, self.ys
        i = bisect_right(xs, x)  # points left of (or at) x: xs[:i]
        if i and ys[i - 1] <= y:
            return  # dominated (or duplicated) by the point to its left
        # the points it dominates: x' >= x and y' >= y, a run starting at i
        j = i
        while j < len(xs) and ys[j] >= y:
            j += 1
        height = ys[i - 1] if i else self.ry  # covered height just right of x
        gain, left = 0.0, x
        for k in range(i, j):
            gain += (xs[k] - left) * (height - y)
            left, height = xs[k], ys[k]
        right = xs[j] if j < len(xs) else self.rx
        gain += (right - left) * (height - y)
        self.area += gain
        xs[i:j] = [x]
        ys[i:j] = [y]


def _hv3(pts: np.ndarray, ref: np.ndarray) -> float:
    order = np.argsort(pts[:, 2], kind="stable")
    stair = _Staircase(float(ref[0]), float(ref[1]))
    total = 0.0
    zs = [*pts[order, 2].tolist(), float(ref[2])]
    for k, i in enumerate(order.tolist()):
        stair.insert(float(pts[i, 0]), float(pts[i, 1]))
        total += stair.area * (zs[k + 1] - zs[k])
    return total


def _wfg(pts: np.ndarray, ref: np.ndarray) -> float:
    # Sorting by the last loss, worst first, keeps the limit sets small (WFG's advice).
    pts = pts[np.argsort(-pts[:, -1], kind="stable")]
    total = 0.0
    for k in range(len(pts)):
        total += _exclusive(pts[k], pts[k + 1 :], ref)
    return total


def _exclusive(p: np.ndarray, others: np.ndarray, ref: np.ndarray) -> float:
    """The volume ``p`` dominates that none of ``others`` does."""
    inclusive = float(np.prod(ref - p))
    if len(others) == 0:
        return inclusive
    limited = np.maximum(others, p)
    limited = limited[np.all(limited < ref, axis=1)]
    if len(limited) == 0:
        return inclusive
    limited = limited[pareto_mask(limited)]
    return inclusive - _hv(limited, ref)


def contributions(points: object, reference: object) -> np.ndarray:
    """Each point's exclusive hypervolume: what the set loses without it.

    Dominated points, copies of another point and points outside the reference box
    contribute 0. Each is the point's box minus the volume of the other points'
    limit set (the others clipped to the box), so it costs one hypervolume per point.
    """
    pts = as_points(points)
    ref = np.asarray(reference, dtype=float).reshape(-1)
    _prepare(pts[:0] if len(pts) == 0 else pts[:1], ref)  # checks shapes and finiteness
    n = len(pts)
    out = np.zeros(n)
    inside = np.flatnonzero(np.all(pts < ref, axis=1)) if n else np.zeros(0, dtype=int)
    if inside.size == 0:
        return out
    sub = pts[inside]
    keep = pareto_mask(sub)
    _, first, counts = np.unique(sub, axis=0, return_index=True, return_counts=True)
    alone = np.zeros(len(sub), dtype=bool)
    alone[first[counts == 1]] = True  # a copied point's removal loses nothing
    for c in np.flatnonzero(keep & alone):
        others = sub[np.any(sub != sub[c], axis=1)]  # dominated points fill in when it goes
        out[inside[c]] = _exclusive(sub[c], others, ref)
    return out
