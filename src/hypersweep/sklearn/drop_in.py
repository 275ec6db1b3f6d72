"""``GridSearchCV`` and ``RandomizedSearchCV`` with scikit-learn's constructors and
attributes, run by :class:`~hypersweep.sklearn.SearchCV` on a hypersweep study.

The constructor arguments are scikit-learn's, in its order; hypersweep's own
(``storage``, ``study_name``, ``pruner``, and ``sampler`` for the randomized search)
come after them, keyword-only. Everything else (the study, resuming, fold pruning,
``cv_results_``) is SearchCV's; these classes only say what to search.
"""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

import numpy as np
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import Interval

from ..pruners.base import Pruner
from ..samplers.base import Sampler
from ..storage import Storage
from .search import STUDY_CONSTRAINTS, SearchCV, Settings, store_arguments


class GridSearchCV(SearchCV):
    """scikit-learn's GridSearchCV on a hypersweep study.

    ``param_grid`` is a dict of lists (or ranges, tuples, numpy arrays) or a list of
    such dicts, a union of grids; the candidates, their order and ``cv_results_`` are
    GridSearchCV's. With ``storage`` and ``study_name`` the grid is stored as it runs
    and a later fit runs only the cells not yet done; ``pruner`` (e.g.
    ``hs.pruners.CannotWin()``, or ``hs.pruners.PairedTest()`` with 8 or more folds)
    stops hopeless cells fold by fold.

    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GridSearchCV(SVC(), [{"kernel": ["linear"], "C": [1, 10]},
    ...                               {"kernel": ["rbf"], "C": [1, 10], "gamma": [0.1, 1]}],
    ...                       cv=3).fit(X, y)
    >>> len(search.cv_results_["params"])
    6
    """

    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **BaseSearchCV._parameter_constraints,
        "param_grid": [dict, list],
        **STUDY_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator: Any,
        param_grid: dict[str, Any] | list[dict[str, Any]],
        *,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: int | str = "2*n_jobs",
        error_score: Any = np.nan,
        return_train_score: bool = False,
        storage: str | Storage | None = None,
        study_name: str | None = None,
        pruner: Pruner | None = None,
    ) -> None:
        store_arguments(self, locals())

    def _settings(self) -> Settings:
        return Settings(self.param_grid, "grid", None, None)


class RandomizedSearchCV(SearchCV):
    """scikit-learn's RandomizedSearchCV on a hypersweep study.

    ``param_distributions`` is a dict (or a list of dicts, one drawn per candidate) of
    lists, scipy.stats frozen distributions or hypersweep parameters; ``n_iter``
    candidates are evaluated. ``random_state=int`` makes a run reproducible. The extra
    ``sampler`` is ``"random"`` (the default) or ``"tpe"`` (or any hypersweep
    sampler); ``storage``, ``study_name`` and ``pruner`` are SearchCV's.

    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> X, y = load_iris(return_X_y=True)
    >>> search = RandomizedSearchCV(SVC(), {"C": loguniform(1e-2, 1e2)}, n_iter=3, cv=3,
    ...                             random_state=0).fit(X, y)
    >>> len(search.cv_results_["params"])
    3
    """

    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **BaseSearchCV._parameter_constraints,
        "param_distributions": [dict, list],
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "sampler": [str, Sampler],
        **STUDY_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator: Any,
        param_distributions: dict[str, Any] | list[dict[str, Any]],
        *,
        n_iter: int = 10,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: int | str = "2*n_jobs",
        random_state: Any = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        sampler: str | Sampler = "random",
        storage: str | Storage | None = None,
        study_name: str | None = None,
        pruner: Pruner | None = None,
    ) -> None:
        store_arguments(self, locals())

    def _settings(self) -> Settings:
        sampler: Any = self.sampler
        n_iter: Any = self.n_iter
        return Settings(self.param_distributions, sampler, int(n_iter), self.random_state)
