"""Patience: stop a trial whose own curve has stopped improving."""

from __future__ import annotations

import math

from .._checks import int_at_least
from ..history import History
from ..trial import FrozenTrial
from .base import Pruner


class Patience(Pruner):
    """Prune when the trial's best value has not improved by more than ``min_delta``
    for ``patience`` consecutive reports ("no improvement in n epochs").

    The trial is compared only with itself, so this works from the first trial
    on and pairs well with a pruner that compares trials (``AnyOf(Patience(...),
    ASHA())``). A report improves on the best so far when it is better by more
    than ``min_delta`` in the study's direction; NaN never improves. No trial is
    pruned at a step below ``warmup_steps``.

    >>> from hypersweep.pruners import Patience
    >>> from hypersweep.history import History
    >>> from hypersweep.trial import Direction, FrozenTrial, TrialState
    >>> t = FrozenTrial(number=0, state=TrialState.RUNNING,
    ...                 intermediate={0: 0.9, 1: 0.5, 2: 0.6, 3: 0.5})
    >>> history = History(Direction.MINIMIZE, None, lambda: [t])
    >>> Patience(patience=2).prune(history, t)  # steps 2 and 3 did not beat 0.5
    True
    >>> Patience(patience=3).prune(history, t)
    False
    """

    def __init__(self, *, patience: int, min_delta: float = 0.0, warmup_steps: int = 0) -> None:
        int_at_least("Patience", "patience", patience, 1)
        int_at_least("Patience", "warmup_steps", warmup_steps, 0)
        if (
            isinstance(min_delta, bool)
            or not isinstance(min_delta, (int, float))
            or not math.isfinite(min_delta)
            or min_delta < 0
        ):
            raise ValueError(
                f"Patience: min_delta must be a finite number >= 0, but got {min_delta!r}"
            )
        self.patience = patience
        self.min_delta = float(min_delta)
        self.warmup_steps = warmup_steps

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None or step < self.warmup_steps or len(trial.intermediate) <= self.patience:
            return False
        sign = history.direction.sign()
        best = math.inf  # in minimising form
        stale = 0  # reports since the best last improved
        for s in sorted(trial.intermediate):
            v = sign * trial.intermediate[s]
            if v < best - self.min_delta:  # False for NaN
                best, stale = v, 0
            else:
                stale += 1
        return stale >= self.patience
