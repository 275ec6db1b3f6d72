"""Exact pruning for an objective that is the mean of n bounded parts (CV folds, seeds).

When a trial's value is the mean of ``n_parts`` numbers each at most ``max_score``,
and the objective reports the running mean after each part, the best mean the trial
can still reach is known. If even that cannot beat the best finished trial, the rest
of the parts are wasted work, and stopping loses nothing.
"""

from __future__ import annotations

import copy
import math
import numbers

from .._checks import int_at_least
from ..history import History
from ..trial import FrozenTrial
from .base import Pruner
from .compose import AllOf, AnyOf


class CannotWin(Pruner):
    """Stop a trial whose mean over ``n_parts`` parts cannot beat the best finished trial
    even if every part still to run scored ``max_score``.

    The objective reports the running mean of the parts done at step k = k parts done
    (``trial.report(mean_of_first_k, step=k)``): CV folds, as
    :class:`hypersweep.sklearn.SearchCV` does, or training seeds. The trial is stopped
    when ``(k * running_mean + (n_parts - k) * max_score) / n_parts`` is worse than the
    best complete value. Exact: a stopped trial would have ended worse than the leader
    (ties run on), so the best trial found is the one an unpruned run finds.

    ``max_score`` is the best value one part can take: 1.0 for accuracy, F1, ROC AUC,
    R² and every scikit-learn ``neg_*`` loss when maximising, 0.0 for a loss when
    minimising. ``n_parts`` may be left out when SearchCV sets it from ``cv`` (also
    inside ``AnyOf`` / ``AllOf``).

    >>> from hypersweep.trial import Direction, TrialState
    >>> done = FrozenTrial(0, TrialState.COMPLETE, values=(0.9,))
    >>> bad = FrozenTrial(1, TrialState.RUNNING, intermediate={1: 0.4})
    >>> history = History(Direction.MAXIMIZE, None, lambda: [done, bad])
    >>> CannotWin(n_parts=5).prune(history, bad)  # at best (0.4 + 4) / 5 = 0.88 < 0.9
    True
    """

    def __init__(self, *, max_score: float = 1.0, n_parts: int | None = None) -> None:
        if isinstance(max_score, bool) or not isinstance(max_score, numbers.Real):
            raise TypeError(f"CannotWin: max_score must be a number, but got {max_score!r}")
        if not math.isfinite(max_score):
            raise ValueError(f"CannotWin: max_score must be finite, but got {max_score!r}")
        if n_parts is not None:
            int_at_least("CannotWin", "n_parts", n_parts, 2)
        self.max_score: float = float(max_score)
        self.n_parts: int | None = n_parts

    def __repr__(self) -> str:
        return f"CannotWin(max_score={self.max_score!r}, n_parts={self.n_parts!r})"

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        if self.n_parts is None:
            raise ValueError(
                "CannotWin: n_parts is unknown; give CannotWin(n_parts=...), or pass the "
                "pruner to hypersweep.sklearn.SearchCV(pruner=...), which sets it from cv"
            )
        step = trial.last_step
        if step is None or step <= 0 or step >= self.n_parts:
            return False
        sign = history.direction.sign()  # +1 minimise, -1 maximise
        running = trial.intermediate[step]
        if sign * running < sign * self.max_score - 1e-9 * max(1.0, abs(self.max_score)):
            raise ValueError(
                f"CannotWin: a running mean of {running!r} is beyond max_score="
                f"{self.max_score!r}, so the bound is wrong; give the best value one part "
                f"can really take"
            )
        values = [t.value for t in history.complete() if t.value is not None]
        if not values:
            return False
        best = min(values, key=lambda v: sign * v)
        bound = (step * running + (self.n_parts - step) * self.max_score) / self.n_parts
        return sign * bound > sign * best + 1e-9 * max(1.0, abs(best))


def with_n_parts(pruner: Pruner, n_parts: int) -> Pruner:
    """``pruner`` with every :class:`CannotWin` in it, also nested in ``AnyOf`` /
    ``AllOf``, told ``n_parts``: changed parts are copies, the caller's pruner is left
    as it was (it may be reused with another number of parts)."""
    if isinstance(pruner, CannotWin):
        if pruner.n_parts is None:
            filled = copy.copy(pruner)
            filled.n_parts = n_parts
            return filled
        if pruner.n_parts != n_parts:
            raise ValueError(
                f"CannotWin(n_parts={pruner.n_parts}) does not match the {n_parts} parts "
                f"being averaged; leave n_parts out and it is set for you"
            )
        return pruner
    if isinstance(pruner, (AnyOf, AllOf)):
        inner = tuple(with_n_parts(p, n_parts) for p in pruner.pruners)
        if all(a is b for a, b in zip(inner, pruner.pruners)):
            return pruner
        combined = copy.copy(pruner)
        combined.pruners = inner
        return combined
    return pruner
