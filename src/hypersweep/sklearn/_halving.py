"""Successive halving's arithmetic, kept apart from the estimators that run it.

The schedule (how many iterations, how many resources each) and the choice of the
survivors follow scikit-learn's HalvingGridSearchCV / HalvingRandomSearchCV as
documented, so that the same inputs give the same candidates at the same resources.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils import resample


@dataclass(frozen=True)
class Schedule:
    """The resources of every iteration and the counts scikit-learn reports."""

    min_resources: int
    max_resources: int
    n_required: int  # iterations until fewer than ``factor`` candidates are left
    n_possible: int  # iterations that fit between min and max resources
    n_iterations: int
    resources: tuple[int, ...]


def schedule(
    n_candidates: int,
    min_resources: int,
    max_resources: int,
    factor: float,
    *,
    exhaust: bool,
    aggressive: bool,
) -> Schedule:
    """The iterations for ``n_candidates`` starting candidates. ``exhaust`` raises the
    first iteration's resources so that the last required one uses nearly all of
    ``max_resources``; ``aggressive`` repeats the first resources while too many
    candidates are left for the iterations that fit."""
    n_required = 1 + math.floor(math.log(n_candidates, factor))
    if exhaust:
        min_resources = max(min_resources, int(max_resources // factor ** (n_required - 1)))
    n_possible = 1 + math.floor(math.log(max_resources // min_resources, factor))
    n_iterations = n_required if aggressive else min(n_possible, n_required)
    resources = []
    for itr in range(n_iterations):
        power = max(0, itr - n_required + n_possible) if aggressive else itr
        resources.append(min(int(factor**power * min_resources), max_resources))
    return Schedule(min_resources, max_resources, n_required, n_possible, n_iterations,
                    tuple(resources))  # fmt: skip


def survivors(scores: list[float], keep: int) -> list[int]:
    """Positions of the ``keep`` best scores, worst first (the order the next iteration
    lists them in); NaN scores count as the worst. Sorting as numpy's default argsort
    does matters: it decides ties exactly as scikit-learn's halving does."""
    arr = np.asarray(scores, dtype=np.float64)
    order = np.roll(np.argsort(arr), int(np.count_nonzero(np.isnan(arr))))
    return [int(i) for i in order[len(order) - keep :]]


def yields_constant_splits(cv: Any) -> bool:
    """Whether ``cv.split`` gives the same folds every call (halving calls it once per
    iteration, and a candidate's scores must compare across iterations)."""
    if not getattr(cv, "shuffle", False):
        return True
    return isinstance(getattr(cv, "random_state", None), numbers.Integral)


class Subsample:
    """A CV splitter keeping ``fraction`` of each train and test fold, drawn without
    replacement with ``random_state`` (resource="n_samples")."""

    def __init__(self, base: Any, fraction: float, random_state: Any) -> None:
        self.base = base
        self.fraction = fraction
        self.random_state = random_state

    def split(self, X: Any, y: Any = None, **params: Any) -> Iterator[tuple[Any, Any]]:
        for train, test in self.base.split(X, y, **params):
            yield (self._part(train), self._part(test))

    def _part(self, index: Any) -> Any:
        n = int(self.fraction * len(index))
        return resample(index, replace=False, random_state=self.random_state, n_samples=n)

    def get_n_splits(self, *args: Any, **kwargs: Any) -> int:
        return int(self.base.get_n_splits(*args, **kwargs))
