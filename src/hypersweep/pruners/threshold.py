"""Threshold: stop a trial whose latest value left an acceptable range or is not a number."""

from __future__ import annotations

import math

from .._checks import int_at_least
from ..history import History
from ..trial import FrozenTrial
from .base import Pruner


class Threshold(Pruner):
    """Prune when the latest reported value is below ``lower``, above ``upper``,
    NaN or infinite (a diverged run is not worth finishing).

    Either bound may be None (no bound on that side); with both None only NaN
    and infinite values are pruned. No trial is pruned at a step below
    ``warmup_steps``. The bounds are absolute, whatever the study's direction.

    >>> from hypersweep.pruners import Threshold
    >>> from hypersweep.history import History
    >>> from hypersweep.trial import Direction, FrozenTrial, TrialState
    >>> t = FrozenTrial(number=0, state=TrialState.RUNNING, intermediate={0: 2.0, 1: 12.0})
    >>> history = History(Direction.MINIMIZE, None, lambda: [t])
    >>> Threshold(upper=10.0).prune(history, t)
    True
    >>> Threshold(upper=10.0, warmup_steps=2).prune(history, t)
    False
    """

    def __init__(
        self, *, lower: float | None = None, upper: float | None = None, warmup_steps: int = 0
    ) -> None:
        for name, bound in (("lower", lower), ("upper", upper)):
            if bound is not None and (
                isinstance(bound, bool) or not isinstance(bound, (int, float)) or math.isnan(bound)
            ):
                raise ValueError(f"Threshold: {name} must be a number or None, but got {bound!r}")
        if lower is not None and upper is not None and lower > upper:
            raise ValueError(
                f"Threshold: lower must be <= upper, but got lower={lower!r}, upper={upper!r}"
            )
        int_at_least("Threshold", "warmup_steps", warmup_steps, 0)
        self.lower = None if lower is None else float(lower)
        self.upper = None if upper is None else float(upper)
        self.warmup_steps = warmup_steps

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None or step < self.warmup_steps:
            return False
        v = trial.intermediate[step]
        if not math.isfinite(v):
            return True
        return (self.lower is not None and v < self.lower) or (
            self.upper is not None and v > self.upper
        )
