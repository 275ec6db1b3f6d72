"""``HalvingGridSearchCV`` and ``HalvingRandomSearchCV``: scikit-learn's successive-halving
searches (constructors, attributes, ``cv_results_``) on a hypersweep study.

Every (candidate, resource) evaluation is one trial holding its per-split results, so
with ``storage`` and ``study_name`` an interrupted search resumes: a later fit reads
what was done, runs only the rest and ends with the same ``cv_results_``. The
randomized search can also let a model-based sampler (``sampler="tpe"``) propose the
first iteration's candidates, one at a time, learning from the cheap scores.

Fits run in joblib's processes with ``n_jobs``, as in scikit-learn; with
``executor="processes"`` (``n_jobs`` of them) or a Dask / Ray executor
(``hs.executors.Dask(client)``) they run in hypersweep's workers instead, each worker
evaluating whole candidates and keeping their results in the study's SQL storage.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral
from typing import Any, ClassVar

import numpy as np
from sklearn.model_selection import ParameterGrid, ParameterSampler
from sklearn.utils._param_validation import Interval, StrOptions

from ..samplers.base import Sampler
from ..space.kinds import Int
from ..space.tree import copy_definition
from ..storage import Storage
from ..study import Study
from ..trial import FrozenTrial
from ._folds import Out
from ._halving import Schedule
from ._space import Candidates, study_space
from ._successive import ITER, HalvingBase


class HalvingGridSearchCV(HalvingBase):
    """scikit-learn's HalvingGridSearchCV on a hypersweep study.

    Every candidate of ``param_grid`` is evaluated with ``min_resources_`` samples (or
    of the estimator parameter named by ``resource``); the best ``1/factor`` go on with
    ``factor`` times more, until one iteration is left. The candidates, resources and
    ``cv_results_`` (with its ``iter`` and ``n_resources`` columns) are scikit-learn's;
    ``storage`` and ``study_name`` keep every evaluation, so a later fit resumes.

    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> search = HalvingGridSearchCV(DecisionTreeClassifier(random_state=0),
    ...                              {"max_depth": [1, 2, 3, 4]}, cv=3).fit(X, y)
    >>> search.n_candidates_, search.n_resources_
    ([4, 2], [50, 150])
    """

    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **HalvingBase._parameter_constraints,
        "param_grid": [dict, list],
    }

    def __init__(
        self, estimator: Any, param_grid: dict[str, Any] | list[dict[str, Any]], *,
        factor: float = 3, resource: str = "n_samples", max_resources: Any = "auto",
        min_resources: Any = "exhaust", aggressive_elimination: bool = False, cv: Any = 5,
        scoring: Any = None, refit: Any = True, error_score: Any = np.nan,
        return_train_score: bool = True, random_state: Any = None, n_jobs: int | None = None,
        verbose: int = 0, storage: str | Storage | None = None, study_name: str | None = None,
        executor: Any = None,
    ) -> None:  # fmt: skip
        self._common(locals())
        self.param_grid = param_grid

    def _space(self) -> Any:
        return self.param_grid

    def _n_start(self) -> int:
        study_space(copy_definition(self.param_grid), self.estimator)  # names checked early
        return len(ParameterGrid(self.param_grid))

    def _fixed(self, random_state: Any) -> list[dict[str, Any]]:
        return list(ParameterGrid(self.param_grid))


class HalvingRandomSearchCV(HalvingBase):
    """scikit-learn's HalvingRandomSearchCV on a hypersweep study.

    ``n_candidates`` candidates are drawn from ``param_distributions`` (lists or
    scipy.stats distributions; ``"exhaust"``: as many as ``max_resources_ //
    min_resources_``) and halved as in :class:`HalvingGridSearchCV`. With the default
    ``sampler="random"`` they are scikit-learn's draws for ``random_state``;
    ``sampler="tpe"`` (or any hypersweep sampler) proposes the first iteration's
    candidates one at a time, each after the previous one's score at the smallest
    resources.
    """

    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **HalvingBase._parameter_constraints,
        "param_distributions": [dict, list],
        "n_candidates": [Interval(Integral, 0, None, closed="neither"), StrOptions({"exhaust"})],
        "sampler": [str, Sampler],
    }

    def __init__(
        self, estimator: Any, param_distributions: dict[str, Any] | list[dict[str, Any]], *,
        n_candidates: Any = "exhaust", factor: float = 3, resource: str = "n_samples",
        max_resources: Any = "auto", min_resources: Any = "smallest",
        aggressive_elimination: bool = False, cv: Any = 5, scoring: Any = None,
        refit: Any = True, error_score: Any = np.nan, return_train_score: bool = True,
        random_state: Any = None, n_jobs: int | None = None, verbose: int = 0,
        sampler: str | Sampler = "random", storage: str | Storage | None = None,
        study_name: str | None = None, executor: Any = None,
    ) -> None:  # fmt: skip
        self._common(locals())
        self.param_distributions = param_distributions
        self.n_candidates = n_candidates
        self.sampler = sampler

    def _check_input_parameters(self, X: Any, y: Any, split_params: Any) -> None:
        if self.min_resources == self.n_candidates == "exhaust":
            raise ValueError(
                "n_candidates and min_resources cannot be both set to 'exhaust'; give "
                "n_candidates a number or min_resources='smallest'"
            )
        super()._check_input_parameters(X, y, split_params)

    def _space(self) -> Any:
        return self.param_distributions

    def _proposing(self) -> bool:
        return not (isinstance(self.sampler, str) and self.sampler.lower() == "random")

    def _n_start(self) -> int:
        self._cands: Candidates = study_space(
            copy_definition(self.param_distributions), self.estimator
        )
        if self.n_candidates == "exhaust":
            return int(self.max_resources_ // self.min_resources_)
        return int(self.n_candidates)

    def _fixed(self, random_state: Any) -> list[dict[str, Any]] | None:
        if self._proposing():
            return None
        n = self._n_start()
        return list(ParameterSampler(self.param_distributions, n, random_state=random_state))

    # --- candidates proposed by the study's sampler ---------------------------------------
    def _study_space(self, n: int, sched: Schedule) -> tuple[dict[str, Any], Any]:
        if not self._proposing():
            return super()._study_space(n, sched)
        self._n_start()
        sampler = self.sampler.lower() if isinstance(self.sampler, str) else self.sampler
        return {**self._cands.space, ITER: Int(0, max(1, sched.n_iterations - 1))}, sampler

    def _estimator_params(self, trial: Any) -> dict[str, Any]:
        values = self._cands.to_estimator(trial)
        values.pop(ITER, None)
        return values

    def _flat(self, study: Study, candidate: int, itr: int) -> dict[str, Any]:
        if not self._proposing():
            return super()._flat(study, candidate, itr)
        first = self._stored(study)[(candidate, 0)]
        return {**first.flat, ITER: itr}

    def _propose(
        self, evaluate: Callable[..., Any], study: Study, n: int,
        done: dict[tuple[int, int], FrozenTrial], params_of: dict[int, Any], cv: Any, n_res: int,
    ) -> list[list[Out]]:  # fmt: skip
        """The first iteration: each candidate asked of the sampler once the previous
        one's score is known (those stored by an earlier fit are read back)."""
        outs = []
        for c in range(n):
            if (c, 0) in done:
                params_of[c] = self._estimator_params(done[(c, 0)])
                outs.append(self._outs(study, done[(c, 0)]))
                continue
            trial = self._ask(study, {ITER: 0})
            params_of[c] = self._estimator_params(trial)
            self._check_resource_not_searched([params_of[c]])
            try:
                out = self._evaluate(evaluate, [self._with_resource(params_of[c], n_res)], cv, 0,
                                     n_res)[0]  # fmt: skip
            except BaseException:
                study.interrupt(trial, "the CV evaluation raised or was interrupted")
                raise
            self._finish(study, trial, c, 0, n_res, out)
            done[(c, 0)] = self._stored(study)[(c, 0)]
            outs.append(out)
        return outs
