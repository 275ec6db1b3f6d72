"""Choosing one trial from a Pareto front: the knee, a weighting, or bounds on the others.

Each function takes the values of n trials ``(n, m)`` in their own directions (pass
``directions``; None means all minimised) and returns the row index chosen. Knee and
weights look only at the non-dominated rows and normalise each objective to [0, 1]
over them (ideal 0, nadir 1), so objectives of different units weigh alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .pareto import pareto_mask, to_loss


def normalise(loss: np.ndarray) -> np.ndarray:
    """Losses scaled to [0, 1] per objective over the given rows (a flat objective: 0)."""
    ideal, nadir = loss.min(axis=0), loss.max(axis=0)
    span = np.where(nadir > ideal, nadir - ideal, 1.0)
    return (loss - ideal) / span


def _front(values: object, directions: Sequence[object] | None) -> tuple[np.ndarray, np.ndarray]:
    loss = to_loss(values, directions)
    if len(loss) == 0:
        raise ValueError("there are no trials to choose from")
    rows = np.flatnonzero(pareto_mask(loss))
    return rows, normalise(loss[rows])


def knee(values: object, directions: Sequence[object] | None = None) -> int:
    """The knee: the non-dominated point farthest below the plane through the extremes.

    After normalising, the extremes are the points best in each objective; the plane
    through them (a line for two objectives) is where trading one objective for
    another is linear, so the point farthest from it on the ideal's side gives up
    least of each. Degenerate extremes (fewer distinct than objectives) use the plane
    through the unit vectors instead. Ties go to the lowest row.
    """
    rows, norm = _front(values, directions)
    if len(rows) <= 2:
        return int(rows[np.argmin(norm.sum(axis=1))])
    m = norm.shape[1]
    extremes = norm[[int(np.argmin(norm[:, j] + 1e-9 * norm.sum(axis=1))) for j in range(m)]]
    normal = np.ones(m)
    if np.linalg.matrix_rank(extremes) == m:
        solved = np.linalg.solve(extremes, np.ones(m))  # the plane w . x = 1
        if np.all(np.isfinite(solved)) and np.all(solved > 0):
            normal = solved
    distance = (1.0 - norm @ normal) / np.linalg.norm(normal)
    return int(rows[int(np.argmax(distance))])


def by_weights(
    values: object, weights: Sequence[float], directions: Sequence[object] | None = None
) -> int:
    """The non-dominated point minimising the weighted Chebyshev distance to the ideal,
    ``max_j w_j * f_j`` on normalised losses; ties by the weighted sum.

    Unlike a weighted sum, Chebyshev can reach points on concave parts of a front.
    Weights are relative importances: ``[3, 1]`` cares three times as much about the
    first objective.
    """
    rows, norm = _front(values, directions)
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.shape[0] != norm.shape[1]:
        raise ValueError(f"got {w.shape[0]} weights for {norm.shape[1]} objectives")
    if not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"weights must be finite, >= 0 and not all 0, but got {list(w)}")
    w = w / w.sum()
    score = np.max(norm * w, axis=1) + 1e-6 * (norm @ w)
    return int(rows[int(np.argmin(score))])


def by_bounds(
    values: object,
    objective: int,
    bounds: Mapping[int, float],
    directions: Sequence[object] | None = None,
) -> int | None:
    """The best row in ``objective`` among those within ``bounds`` on other objectives.

    ``bounds`` maps an objective's index to its worst acceptable value, in that
    objective's own direction: an upper bound when it is minimised, a lower bound when
    it is maximised ("max accuracy with latency <= 10" is ``objective=0, bounds={1:
    10}`` for directions ``["maximize", "minimize"]``). Ties in ``objective`` go to the
    non-dominated row. None when no row is within the bounds.
    """
    loss = to_loss(values, directions)
    m = loss.shape[1]
    if not isinstance(objective, (int, np.integer)) or not 0 <= objective < m:
        raise ValueError(f"objective must be an index in 0..{m - 1}, but got {objective!r}")
    ok = np.ones(len(loss), dtype=bool)
    for j, bound in bounds.items():
        if not isinstance(j, (int, np.integer)) or not 0 <= j < m:
            raise ValueError(f"a bound's key must be an objective index in 0..{m - 1}, "
                             f"but got {j!r}")  # fmt: skip
        b = float(bound)
        if np.isnan(b):
            raise ValueError(f"the bound on objective {j} is NaN")
        sign = 1.0 if directions is None else float(np.sign(to_loss([[1.0] * m], directions)[0, j]))
        ok &= loss[:, j] <= sign * b
    rows = np.flatnonzero(ok)
    if rows.size == 0:
        return None
    best = loss[rows, objective].min()
    tied = rows[loss[rows, objective] == best]
    if tied.size > 1:
        tied = tied[pareto_mask(loss[tied])]
    return int(tied[0])
