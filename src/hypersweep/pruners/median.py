"""Median stopping: stop a trial worse than the median of earlier trials at the same step."""

from __future__ import annotations

import statistics

from .._checks import int_at_least
from ..history import History
from ..trial import FrozenTrial, TrialState
from .base import Pruner


class Median(Pruner):
    """Prune when the latest value is worse than the median of finished trials at that step.

    ``n_startup_trials`` finished trials are needed before anything is pruned,
    ``n_warmup_steps`` steps of each trial always run, and decisions are taken
    every ``interval_steps`` steps.
    """

    def __init__(
        self, *, n_startup_trials: int = 5, n_warmup_steps: int = 0, interval_steps: int = 1
    ) -> None:
        int_at_least("Median", "n_startup_trials", n_startup_trials, 0)
        int_at_least("Median", "n_warmup_steps", n_warmup_steps, 0)
        int_at_least("Median", "interval_steps", interval_steps, 1)
        self.n_startup_trials = n_startup_trials
        self.n_warmup_steps = n_warmup_steps
        self.interval_steps = interval_steps

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None or step < self.n_warmup_steps:
            return False
        if (step - self.n_warmup_steps) % self.interval_steps:
            return False
        finished = [
            t
            for t in history.trials
            if t.state in (TrialState.COMPLETE, TrialState.PRUNED) and t.number != trial.number
        ]
        if sum(t.state is TrialState.COMPLETE for t in finished) < self.n_startup_trials:
            return False
        peers = [t.intermediate[step] for t in finished if step in t.intermediate]
        if not peers:
            return False
        sign = history.direction.sign()
        return sign * trial.intermediate[step] > sign * statistics.median(peers)
