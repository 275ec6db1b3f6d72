"""Running a candidate's CV folds a few at a time, so that a pruner can stop it early.

BaseSearchCV runs every fold of every candidate in one call. For fold-level pruning
SearchCV instead hands it a splitter yielding only the folds wanted now
(:class:`FoldSubset`), reports the running mean score after each fold and asks the
study's pruner, which is told the number of folds when it contains a ``CannotWin``.
A ``PairedTest`` reads the fold scores back from the running means, so it tests each
candidate's folds against the same folds of the best candidate.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..pruners.base import Pruner
from ..pruners.cannot_win import with_n_parts
from ..pruners.compose import AllOf, AnyOf
from ..pruners.paired import PairedTest
from ..study.handle import Trial
from ._results import mean, score

Out = dict[str, Any]  # one fold's output, as BaseSearchCV's _fit_and_score returns it


@dataclass
class Call:
    """The evaluate_candidates call in progress: which folds of which candidates."""

    params: list[dict[str, Any]]
    folds: list[int]
    carried: list[list[Out]]  # folds each candidate ran in earlier calls
    replay: bool = False  # only to refresh cv_results_: the new outputs are discarded
    fresh: list[Out] = field(default_factory=list)


class FoldSubset:
    """A CV splitter yielding chosen folds of all the search's folds (``all_splits``
    computes them once per fit, so every candidate sees the same folds)."""

    def __init__(self, all_splits: Callable[..., list[Any]], folds: list[int]) -> None:
        self.all_splits = all_splits
        self.folds = folds

    def split(self, X: Any, y: Any = None, **params: Any) -> Iterator[Any]:
        splits = self.all_splits(X, y, **params)
        return iter([splits[i] for i in self.folds])

    def get_n_splits(self, *args: Any, **kwargs: Any) -> int:
        return len(self.folds)


def study_pruner(pruner: Pruner | None, n_splits: int) -> Pruner | None:
    """The pruner the study uses: every CannotWin in it (also inside AnyOf / AllOf)
    learns the number of folds, in a copy; the user's pruner is left unchanged."""
    if pruner is None:
        return None
    try:
        return reading_running_means(with_n_parts(pruner, n_splits))
    except ValueError as exc:
        raise ValueError(f"SearchCV: cv gives {n_splits} splits, but {exc}") from None


def reading_running_means(pruner: Pruner) -> Pruner:
    """``pruner`` with every PairedTest in it (also nested) reading running means, as
    SearchCV reports them: a ``PairedTest(reports="parts")`` would read step k's running
    mean as fold k's score and test the wrong numbers. Copies; the caller's is unchanged."""
    if isinstance(pruner, PairedTest) and pruner.reports != "running_mean":
        fixed = copy.copy(pruner)
        fixed.reports = "running_mean"
        return fixed
    if isinstance(pruner, (AnyOf, AllOf)):
        inner = tuple(reading_running_means(p) for p in pruner.pruners)
        if all(a is b for a, b in zip(inner, pruner.pruners)):
            return pruner
        combined = copy.copy(pruner)
        combined.pruners = inner
        return combined
    return pruner


def run_folds(
    evaluate: Callable[[list[int], list[Out]], list[Out]],
    trial: Trial,
    n_splits: int,
    chunk: int,
    metric: str,
    *,
    pruning: bool,
) -> tuple[list[Out], bool]:
    """A candidate's folds, ``chunk`` at a time through ``evaluate(folds, done)``; with
    ``pruning`` the running mean is reported after each fold (step k = k folds done)
    and the pruner asked. Returns the fold outputs and whether it was stopped early."""
    outs: list[Out] = []
    pruned = False
    while len(outs) < n_splits and not pruned:
        folds = list(range(len(outs), min(n_splits, len(outs) + chunk)))
        outs = outs + evaluate(folds, outs)
        scores = [score(o, metric) for o in outs]
        if not all(math.isfinite(s) for s in scores):
            break  # the mean will be NaN: this candidate cannot win
        if pruning:
            for k in range(folds[0] + 1, len(outs) + 1):
                trial.report(mean(scores[:k]), step=k)
                pruned = (k < n_splits and trial.should_prune()) or pruned
    return outs, pruned and len(outs) < n_splits
