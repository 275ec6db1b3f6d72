"""Multi-fidelity good sets (in the spirit of BOHB): rank trials where they were compared.

optuna's rule puts every pruned trial below every completed one. Under ASHA most
trials are pruned, few complete, and the early ones are promoted against few
peers, so "how far it got" says little. BOHB (Falkner et al. 2018) instead
models from the largest budget with enough observations, ranking the trials
that reached it by their value there. Here the budgets are the pruner's rungs
(``Pruner.fidelity()``: ASHA, Hyperband's brackets, pruners composed with
them) plus the final value of completed trials; a trial's value at a rung is
the one ASHA judged it on (first report at or past the rung), so completed and
pruned trials that reached a rung are ranked together.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

FINAL = math.inf  # the budget of completed trials' final values


def value_at(curve: dict[int, float], budget: float) -> float | None:
    """The (signed) value a curve had on reaching ``budget``: the first report at or
    past it, as ASHA reads it; None if the curve never got there."""
    best_step = None
    for s in curve:
        if s >= budget and (best_step is None or s < best_step):
            best_step = s
    return None if best_step is None else curve[best_step]


def values_at_many(curves: Sequence[dict[int, float] | None], budget: float) -> np.ndarray:
    """Each curve's signed value on reaching ``budget``: NaN if it never got there,
    +inf if it got there with NaN (so it ranks last)."""
    out = np.full(len(curves), np.nan)
    for i, curve in enumerate(curves):
        if curve:
            v = value_at(curve, budget)
            if v is not None:
                out[i] = v if v == v else np.inf
    return out


def good_rows(
    values_at: Callable[[float], np.ndarray],
    finals: np.ndarray,
    budgets: Sequence[float],
    n_good: int,
    min_count: int,
) -> tuple[np.ndarray, float] | None:
    """The good set's rows, and the budget it was ranked at.

    ``values_at(budget)`` gives the rows' signed values at a rung (NaN where a
    row did not reach it; see :func:`values_at_many`), ``finals`` their signed
    final values (NaN unless completed). The budget is the largest of FINAL and
    ``budgets`` that at least ``max(min_count, n_good)`` rows reached; the good
    set is the best ``n_good`` of those rows by their value there. None when no
    budget qualifies (the caller keeps optuna's rule).
    """
    need = max(min_count, n_good)
    done = ~np.isnan(finals)
    if int(done.sum()) >= need:
        return _best(finals, done, n_good), FINAL
    for b in sorted(budgets, reverse=True):
        vals = values_at(b)
        reached = ~np.isnan(vals)
        if int(reached.sum()) >= need:
            return _best(vals, reached, n_good), b
    return None


def _best(vals: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    rows = np.flatnonzero(eligible)
    order = np.argsort(vals[rows], kind="stable")
    return rows[order[:k]]
