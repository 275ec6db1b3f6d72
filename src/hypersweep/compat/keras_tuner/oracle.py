"""``tuner.oracle``: KerasTuner's view of the trials, read from the hypersweep study.

The study is the record; these objects are made on each call, so they show what
storage holds, including trials other processes or earlier runs added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import hypersweep as hs

from .hyperparameters import HyperParameters
from .objective import Objective

VALUES = "keras_tuner/values"  # user attribute: the trial's KerasTuner values, types kept
BEST_EPOCH = "keras_tuner/best_epoch"  # user attribute: the epoch (1-based) that scored best

_STATUS = {"COMPLETE": "COMPLETED", "PRUNED": "STOPPED", "FAIL": "FAILED",
           "RUNNING": "RUNNING", "WAITING": "IDLE"}  # fmt: skip


@dataclass(frozen=True)
class Trial:
    """One trial as KerasTuner names it; ``record`` is hypersweep's stored trial."""

    trial_id: str
    hyperparameters: HyperParameters
    score: float | None
    best_step: int | None
    status: str
    record: hs.FrozenTrial

    @classmethod
    def of(cls, record: hs.FrozenTrial) -> Trial:
        values = record.user_attrs.get(VALUES)
        if not isinstance(values, dict):
            values = dict(record.flat)
        best = record.user_attrs.get(BEST_EPOCH)
        hp = HyperParameters.from_values(values)
        return cls(trial_id=f"{record.number:02d}", hyperparameters=hp,
                   score=record.value, best_step=best if isinstance(best, int) else None,
                   status=_STATUS.get(record.state.name, record.state.name),
                   record=record)  # fmt: skip


class Oracle:
    """What ``tuner.oracle`` offers: the objective, the budget and the trials, best first."""

    def __init__(self, study: hs.Study, objective: Objective, max_trials: int | None) -> None:
        self.study, self.objective, self.max_trials = study, objective, max_trials

    @property
    def trials(self) -> dict[str, Trial]:
        self.study.refresh()
        return {t.trial_id: t for t in map(Trial.of, self.study.trials)}

    def get_trial(self, trial_id: str) -> Trial:
        trials = self.trials
        if trial_id not in trials:
            raise KeyError(f"no trial {trial_id!r}; the trials are {sorted(trials)}")
        return trials[trial_id]

    def get_best_trials(self, num_trials: int = 1) -> list[Trial]:
        """The ``num_trials`` best completed trials, best first (pruned and failed ones
        have no score)."""
        if isinstance(num_trials, bool) or not isinstance(num_trials, int) or num_trials < 1:
            raise ValueError(f"num_trials must be an integer >= 1, got {num_trials!r}")
        self.study.refresh()
        done = [t for t in self.study.get_trials([hs.TrialState.COMPLETE]) if t.value is not None]
        sign = 1.0 if self.objective.direction == "min" else -1.0
        done.sort(key=lambda t: (sign * float(t.value or 0.0), t.number))
        return [Trial.of(t) for t in done[:num_trials]]


def describe(hp: Any) -> str:
    """One line of ``search_space_summary``: the parameter's kind and options."""
    conditions = [f"{c.name} in {list(c.values)}" for c in hp.conditions]
    config: dict[str, Any] = {"default": hp.default, "conditions": conditions}
    config.update(hp.options)
    return f"{hp.name} ({hp.kind})\n{config}"


def results_summary(oracle: Oracle, where: str, num_trials: int) -> str:
    """The text ``tuner.results_summary`` prints: the best trials, their values and scores."""
    lines = ["Results summary", f"Results in {where}", f"Showing {num_trials} best trials",
             repr(oracle.objective)]  # fmt: skip
    for trial in oracle.get_best_trials(num_trials) if oracle.trials else []:
        lines += ["", f"Trial {trial.trial_id} summary", "Hyperparameters:"]
        lines += [f"{k}: {v}" for k, v in trial.hyperparameters.values.items()]
        lines.append(f"Score: {trial.score}")
    return "\n".join(lines)
