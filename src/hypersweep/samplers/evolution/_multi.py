"""Survival for several objectives: NSGA-II's crowding and NSGA-III's reference directions.

Pure functions from losses (and total constraint violations) to the surviving
population, best first, so that the single-objective tournament (lower position wins)
becomes NSGA-II's crowded comparison: lower constrained rank first, then, within a
front, the less crowded point.
"""

from __future__ import annotations

import math

import numpy as np

from ...multiobjective import constrained_ranks, crowding_distance, fronts


def survivors(
    loss: np.ndarray,
    violation: np.ndarray,
    size: int,
    rng: np.random.Generator,
    *,
    reference: bool = False,
) -> np.ndarray:
    """Indices of the ``size`` survivors, best first.

    Whole fronts (Deb's constraint domination: feasible before infeasible, then by
    violation) are taken in order; the front that does not fit is cut by crowding
    distance (NSGA-II), or with ``reference=True`` by niching around Das-Dennis
    reference directions (NSGA-III, which keeps a spread where crowding distance
    fails, from four objectives on).
    """
    ranks = constrained_ranks(loss, violation)
    order: list[int] = []
    niche: np.ndarray | None = None
    if reference:
        niche = niche_of(loss, ranks, size)
    for front in fronts(ranks):
        feasible = violation[front[0]] <= 0
        if feasible:
            key = -crowding_distance(loss[front]) if niche is None else niche[front]
        else:
            key = np.zeros(len(front))  # one violation level: all alike
        front = front[np.lexsort((front, key))]
        room = size - len(order)
        if len(front) > room and feasible and niche is not None:
            front = front[_niche_cut(loss[front], room, rng, size)]
        order.extend(front[:room].tolist())
        if len(order) >= size:
            break
    return np.asarray(order, dtype=int)


def reference_directions(m: int, size: int) -> np.ndarray:
    """Das and Dennis's points on the unit simplex, with the most divisions p that keep
    their number C(p + m - 1, m - 1) at most ``max(size, m)``."""
    p = 1
    while math.comb(p + 1 + m - 1, m - 1) <= max(size, m):
        p += 1
    points: list[list[int]] = []

    def fill(prefix: list[int], left: int, slots: int) -> None:
        if slots == 1:
            points.append([*prefix, left])
            return
        for k in range(left + 1):
            fill([*prefix, k], left - k, slots - 1)

    fill([], p, m)
    return np.asarray(points, dtype=float) / p


def _normalised(loss: np.ndarray) -> np.ndarray:
    ideal = loss.min(axis=0)
    span = loss.max(axis=0) - ideal
    return (loss - ideal) / np.where(span > 0, span, 1.0)


def _associate(norm: np.ndarray, refs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's nearest reference line (perpendicular distance) and that distance."""
    unit = refs / np.linalg.norm(refs, axis=1, keepdims=True)
    along = norm @ unit.T
    dist2 = np.maximum((norm**2).sum(axis=1, keepdims=True) - along**2, 0.0)
    nearest = np.argmin(dist2, axis=1)
    return nearest, np.sqrt(dist2[np.arange(len(norm)), nearest])


def niche_of(loss: np.ndarray, ranks: np.ndarray, size: int) -> np.ndarray:
    """For tournaments in NSGA-III mode: how many better-or-equal-ranked points share
    each point's reference line (fewer is better), plus its distance to the line."""
    refs = reference_directions(loss.shape[1], size)
    nearest, dist = _associate(_normalised(loss), refs)
    out = np.zeros(len(loss))
    for r in np.unique(ranks):
        upto = ranks <= r
        counts = np.bincount(nearest[upto], minlength=len(refs))
        here = ranks == r
        out[here] = counts[nearest[here]] + np.minimum(dist[here], 0.999)
    return out


def _niche_cut(front: np.ndarray, room: int, rng: np.random.Generator, size: int) -> np.ndarray:
    """NSGA-III's niching, on one front: repeatedly take the least crowded reference
    line and its closest unchosen point. Returns positions into ``front``."""
    refs = reference_directions(front.shape[1], size)
    nearest, dist = _associate(_normalised(front), refs)
    counts = np.zeros(len(refs), dtype=int)
    taken = np.zeros(len(front), dtype=bool)
    open_refs = np.ones(len(refs), dtype=bool)
    chosen: list[int] = []
    while len(chosen) < room:
        least = np.flatnonzero(open_refs & (counts == counts[open_refs].min()))
        j = int(least[rng.integers(len(least))])
        members = np.flatnonzero((nearest == j) & ~taken)
        if members.size == 0:
            open_refs[j] = False
            continue
        pick = (
            int(members[np.argmin(dist[members])])
            if counts[j] == 0
            else int(members[rng.integers(members.size)])
        )
        taken[pick] = True
        counts[j] += 1
        chosen.append(pick)
    return np.asarray(chosen, dtype=int)
