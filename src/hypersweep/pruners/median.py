"""Median stopping: stop a trial worse than the median of earlier trials at the same step."""

from __future__ import annotations

import statistics

from .._checks import int_at_least
from ..history import History
from ..trial import FrozenTrial, TrialState, is_vector
from ._ranks import directions_in, has_nan, n_dominating
from .base import Pruner


class Median(Pruner):
    """Prune when the latest value is worse than the median of finished trials at that step.

    ``n_startup_trials`` finished trials are needed before anything is pruned,
    ``n_warmup_steps`` steps of each trial always run, and decisions are taken
    every ``interval_steps`` steps.

    Several objectives: a trial that reports one number per objective is pruned at
    a step when more than half of the finished peers that reported a vector at that
    step dominate it (no worse in every objective, better in one), the Pareto
    reading of "worse than the median"; a vector holding NaN is pruned.
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
        own = trial.intermediate[step]
        reports = [t.intermediate[step] for t in finished if step in t.intermediate]
        if is_vector(own):
            vectors = [v for v in reports if is_vector(v) and len(v) == len(own)]
            if not vectors:
                return False
            if has_nan(own):
                return True
            return 2 * n_dominating(own, vectors, directions_in(history)) > len(vectors)
        peers = [v for v in reports if not is_vector(v)]
        if not peers:
            return False
        sign = history.direction.sign()
        return sign * own > sign * statistics.median(peers)
