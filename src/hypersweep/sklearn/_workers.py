"""A halving iteration's evaluations run by hypersweep's workers (``executor=``).

The evaluations are enqueued as trials; ``study.optimize`` then runs worker processes
(or a Dask / Ray executor), each of which claims a trial, fits and scores the
candidate on every fold, exactly as BaseSearchCV's own loop would (the same
``_fit_and_score`` call), and keeps the per-split outputs on the trial. The search
reads them back from storage, as it does when it resumes.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from sklearn.base import clone
from sklearn.model_selection._validation import _fit_and_score

from ..study import Study
from ..trial import TrialState
from ._folds import Out
from ._results import ATTR, mean, record, score

HALVING = "sklearn_halving"  # per trial: candidate, iteration, resources; per study: settings


@dataclass
class FoldJob:
    """The objective the workers run: everything in it pickles (Dask, Ray) or forks."""

    estimator: Any
    X: Any
    y: Any
    splits: list[Any]
    params: dict[int, dict[str, Any]]  # candidate -> estimator parameters, resource set
    scorer: Any
    error_score: Any
    return_train_score: bool
    verbose: int

    def outs(self, candidate: int) -> list[Out]:
        """The candidate's outputs on every fold, as BaseSearchCV computes them."""
        n = len(self.splits)
        return [
            _fit_and_score(
                clone(self.estimator),
                self.X,
                self.y,
                scorer=self.scorer,
                train=train,
                test=test,
                verbose=self.verbose,
                parameters=self.params[candidate],
                fit_params=None,
                score_params=None,
                return_train_score=self.return_train_score,
                return_n_test_samples=True,
                return_times=True,
                split_progress=(i, n),
                error_score=self.error_score,
            )
            for i, (train, test) in enumerate(self.splits)
        ]

    def __call__(self, params: Any, trial: Any) -> float:
        info = trial.user_attrs[HALVING]
        outs = self.outs(int(info["candidate"]))
        trial.set_user_attr(ATTR, record(outs, len(self.splits), train=self.return_train_score))
        value = mean([score(o, "score") for o in outs])
        return value if math.isfinite(value) else math.nan  # NaN: the trial fails, kept


def run_in_workers(
    study: Study,
    job: FoldJob,
    flats: dict[int, dict[str, Any]],
    info: dict[int, dict[str, Any]],
    *,
    executor: Any,
    n_jobs: int,
) -> None:
    """Enqueue one trial per candidate (its values ``flats[c]``, its halving ``info[c]``)
    and let hypersweep's workers run them all."""
    study.refresh()
    for stale in study.get_trials([TrialState.WAITING]):  # queued by a fit that was stopped
        study.delete_trial(stale.number)
    for c, flat in flats.items():
        study.enqueue(flat, user_attrs={HALVING: info[c]})
    study.refresh()
    budget = study.budget_used()  # the queued trials count: the workers run exactly them
    log = logging.getLogger("hypersweep")
    level = log.level
    if not job.verbose:  # "new best" lines would mix iterations' resources: not news
        log.setLevel(logging.WARNING)
    try:
        if executor == "processes":
            study.optimize(job, n_trials=budget, n_jobs=n_jobs, show_progress=False, fail_fast=0)
        else:
            study.optimize(
                job, n_trials=budget, executor=executor, show_progress=False, fail_fast=0
            )
    finally:
        log.setLevel(level)
    study.refresh()
