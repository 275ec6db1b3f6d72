"""Ranking vector reports at one step, for pruning studies of several objectives.

A trial that reports one number per objective has no single "better" at a rung,
so ASHA and Median compare by Pareto dominance instead (NSGA-II's crowded
comparison: non-domination rank first, then crowding distance within a front).
Pure functions over the reported vectors and the study's directions; the math
itself is :mod:`hypersweep.multiobjective`'s, imported on first use (with numpy), so
that importing the pruners stays light.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..trial import Direction, FrozenTrial, is_vector


def directions_in(history: Any) -> tuple[Direction, ...]:
    """The directions of a history of several objectives (its one direction otherwise)."""
    from ..multiobjective import directions_of

    return directions_of(history)


def is_multiobjective(history: Any) -> bool:
    return len(getattr(history, "directions", ())) > 1


def has_nan(vector: Sequence[float]) -> bool:
    return any(math.isnan(v) for v in vector)


def n_ahead(
    own: Sequence[float], peers: Sequence[Sequence[float]], directions: Sequence[Direction]
) -> int:
    """How many ``peers`` rank strictly ahead of ``own``: on a better non-domination front,
    or on its front with a larger crowding distance. Ties go to ``own``; peers holding
    NaN are never ahead. ``own`` must hold no NaN."""
    import numpy as np

    from ..multiobjective import crowding_distance, nondominated_ranks, to_loss

    finite = [p for p in peers if not has_nan(p)]
    if not finite:
        return 0
    loss = to_loss(np.asarray([own, *finite], dtype=float), directions)
    ranks = nondominated_ranks(loss)
    ahead = int(np.sum(ranks[1:] < ranks[0]))
    front = np.flatnonzero(ranks == ranks[0])  # own (index 0) comes first
    if len(front) > 1:
        crowding = crowding_distance(loss[front])
        ahead += int(np.sum(crowding[1:] > crowding[0]))
    return ahead


def n_dominating(
    own: Sequence[float], peers: Sequence[Sequence[float]], directions: Sequence[Direction]
) -> int:
    """How many ``peers`` dominate ``own`` (peers holding NaN never do)."""
    import numpy as np

    from ..multiobjective import dominates, to_loss

    finite = [p for p in peers if not has_nan(p)]
    if not finite:
        return 0
    loss = to_loss(np.asarray([own, *finite], dtype=float), directions)
    return sum(dominates(row, loss[0]) for row in loss[1:])


def vector_at(trial: FrozenTrial, step: int, m: int) -> tuple[float, ...] | None:
    """The vector ``trial`` reported at the first step >= ``step`` (None: not reached, or
    that report is not a vector of ``m`` numbers)."""
    steps = [s for s in trial.intermediate if s >= step]
    if not steps:
        return None
    found = trial.intermediate[min(steps)]
    if not is_vector(found) or len(found) != m:
        return None
    return tuple(found)


def best_vector_at(
    trial: FrozenTrial, step: int, directions: Sequence[Direction]
) -> tuple[float, ...] | None:
    """Each objective's best value reported up to the first step >= ``step`` (ASHA's
    ``value="best"`` for vector reports; NaN where every value was NaN)."""
    at = vector_at(trial, step, len(directions))
    if at is None:
        return None
    limit = min(s for s in trial.intermediate if s >= step)
    seen = [
        v
        for s, v in trial.intermediate.items()
        if s <= limit and is_vector(v) and len(v) == len(directions)
    ]
    out = []
    for j, d in enumerate(directions):
        column = [v[j] for v in seen if not math.isnan(v[j])]
        out.append(min(column, key=lambda x: d.sign() * x) if column else math.nan)
    return tuple(out)


def projected_vector(
    trial: FrozenTrial, step: int, horizon: int, m: int
) -> tuple[float, ...] | None:
    """ASHA's log-linear projection (``value="projected"``) of each objective separately."""
    at = vector_at(trial, step, m)
    if at is None:
        return None
    s = min(st for st in trial.intermediate if st >= step)
    half = [st for st in trial.intermediate if st <= s / 2]
    earlier = trial.intermediate[max(half)] if half else None
    if earlier is None or not is_vector(earlier) or len(earlier) != m or horizon <= s:
        return at
    out = []
    for now, before in zip(at, earlier, strict=True):
        gain = now - before
        out.append(now + gain * math.log2(horizon / s) if math.isfinite(gain) else now)
    return tuple(out)
