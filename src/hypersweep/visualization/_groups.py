"""Repeated evaluations of one configuration: seeds, CV splits, or trials with equal params.

A trial's own results are, in order of preference: the per-split scores a
``hs.sklearn.SearchCV`` stored (``user_attrs["sklearn_cv"]``), the values of its
repeats (``system_attrs["repeats"]``), or its single value. Trials whose
parameters are identical (by the samplers' own rule) are repeats of one
configuration and are pooled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._stats import mean_std
from ..history import config_key
from ..study.repeats import repeat_values
from ..trial import FrozenTrial


def _finite(values: Any) -> list[float]:
    out = []
    for v in values if isinstance(values, (list, tuple)) else []:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out.append(float(v))
    return out


def _split_score(score: Any) -> Any:
    """One split's score: a number, or the only (or "score") entry of a dict."""
    if isinstance(score, dict):
        if len(score) == 1:
            return next(iter(score.values()))
        return score.get("score")
    return score


def cv_scores(trial: FrozenTrial) -> list[float]:
    """Per-split test scores of a SearchCV trial ([] for other trials)."""
    record = trial.user_attrs.get("sklearn_cv")
    if not isinstance(record, dict):
        return []
    splits: list[Any] = [
        s.get("test_scores") for s in record.get("splits", []) if isinstance(s, dict)
    ]
    if splits and all(isinstance(s, dict) and len(s) > 1 for s in splits):
        # several metrics: the study's value is the mean of one of them: find which
        best: list[float] = []
        for metric in splits[0]:
            scores = _finite([s.get(metric) for s in splits])
            if (
                trial.value is not None
                and scores
                and (
                    not best
                    or abs(sum(scores) / len(scores) - trial.value)
                    < abs(sum(best) / len(best) - trial.value)
                )
            ):
                best = scores
        return best
    return _finite([_split_score(s) for s in splits])


def results(trial: FrozenTrial) -> list[float]:
    """Every result behind a trial's value (several when it was repeated or cross-validated)."""
    found = cv_scores(trial) or repeat_values(trial)
    if found:
        return found
    return [] if trial.value is None else [float(trial.value)]


@dataclass(frozen=True)
class Group:
    """One configuration and all the results it got."""

    trials: tuple[FrozenTrial, ...]
    values: tuple[float, ...]
    seeds: tuple[Any, ...]
    ddof: int = 1

    @property
    def mean(self) -> float:
        return mean_std(self.values)[0] if self.values else math.nan

    @property
    def std(self) -> float:
        """Standard deviation: over CV splits ddof=0 (GridSearchCV's ``std_test_score``),
        over seeds or equal trials ddof=1 (``hs.repeats``); 0 for a single result."""
        return mean_std(self.values, ddof=self.ddof)[1] if self.values else 0.0

    @property
    def flat(self) -> dict[str, Any]:
        return self.trials[0].flat

    @property
    def number(self) -> int:
        return self.trials[0].number


def group_trials(trials: Sequence[FrozenTrial]) -> list[Group]:
    """Trials pooled by identical parameters, in order of first appearance; "identical"
    is :func:`hypersweep.history.config_key`, so plots pool exactly what samplers do."""
    pooled: dict[str, list[FrozenTrial]] = {}
    for t in trials:
        pooled.setdefault(config_key(t.flat), []).append(t)
    groups = [_pooled(members) for members in pooled.values()]
    return [g for g in groups if g.values]


def _pooled(members: Sequence[FrozenTrial]) -> Group:
    """The results of trials that share one configuration, with their seeds where stored."""
    values: list[float] = []
    seeds: list[Any] = []
    for t in members:
        found = results(t)
        values += found
        record = t.system_attrs.get("repeats")
        stored = record.get("seeds") if isinstance(record, dict) else None
        if cv_scores(t) or not isinstance(stored, list) or len(stored) != len(found):
            stored = [None] * len(found)
        seeds += stored
    ddof = 0 if values and all(cv_scores(t) for t in members) else 1
    return Group(tuple(members), tuple(values), tuple(seeds), ddof)


def single(trial: FrozenTrial) -> Group:
    """The results of one trial alone (its repeats or CV splits), not pooled with others
    (no configuration key to compute: a plot of 2,000 trials calls this 2,000 times)."""
    return _pooled([trial])
