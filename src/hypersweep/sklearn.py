"""scikit-learn integration: :class:`SearchCV`, a drop-in for GridSearchCV driven by a study.

Import it explicitly (``from hypersweep.sklearn import SearchCV``): ``import hypersweep``
never loads scikit-learn.

>>> from sklearn.datasets import load_iris
>>> from sklearn.svm import SVC
>>> import hypersweep as hs
>>> X, y = load_iris(return_X_y=True)
>>> search = SearchCV(SVC(), {"C": hs.Float(0.01, 100, log=True)}, n_trials=5, cv=3,
...                   random_state=0, sampler="random").fit(X, y)
>>> sorted(search.best_params_)
['C']
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import Interval

from .exceptions import SpaceExhausted
from .handle import Trial
from .params import Categorical, Param
from .progress import logger
from .samplers.base import Sampler
from .storage import Storage
from .studies import create_study
from .study import Study
from .trial import TrialState

__all__ = ["SearchCV"]

_ATTR = "sklearn_cv"  # user attribute holding a trial's per-split CV results


def _encode(value: Any) -> Any:
    """JSON-able per-split output: NaN/inf become None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        v = float(value)
        return v if math.isfinite(v) else None
    return value if value is None or isinstance(value, str) else str(value)


def _decode_score(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _decode_score(v) for k, v in value.items()}
    return np.nan if value is None else float(value)


class SearchCV(BaseSearchCV):
    """Cross-validated hyperparameter search whose candidates come from a hypersweep study.

    ``space`` maps the estimator's parameter names (``"svc__C"`` for pipelines) to
    hypersweep parameters (``hs.Float``, ``hs.Int``, ``hs.Categorical``...) or to plain
    lists, which mean ``hs.Categorical`` of those values. The study maximises the mean
    CV score (scikit-learn scores are higher-is-better), one candidate at a time;
    ``sampler="grid"`` runs exactly GridSearchCV's grid, in ParameterGrid order.

    ``n_trials`` is the study's total budget: with ``storage`` and ``study_name`` a
    search resumes where it stopped, and ``cv_results_`` covers every stored trial.
    With ``sampler="grid"``, ``n_trials=None`` runs the whole grid.

    Fitted attributes are GridSearchCV's: ``best_params_``, ``best_score_``,
    ``best_estimator_``, ``best_index_``, ``cv_results_``, ``n_splits_``,
    ``refit_time_``, ``scorer_``, plus ``study_`` (the :class:`hypersweep.Study`).
    """

    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **BaseSearchCV._parameter_constraints,
        "space": [dict],
        "sampler": [str, Sampler],
        "n_trials": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "storage": [str, Storage, None],
        "study_name": [str, None],
    }

    def __init__(
        self,
        estimator: Any,
        space: dict[str, Any],
        *,
        sampler: str | Sampler = "tpe",
        n_trials: int | None = 50,
        scoring: Any = None,
        cv: Any = 5,
        n_jobs: int | None = None,
        refit: bool | str | Callable[..., Any] = True,
        random_state: Any = None,
        storage: str | Storage | None = None,
        study_name: str | None = None,
        verbose: int = 0,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        pre_dispatch: int | str = "2*n_jobs",
    ) -> None:
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.space = space
        self.sampler = sampler
        self.n_trials = n_trials
        self.random_state = random_state
        self.storage = storage
        self.study_name = study_name

    # --- checking the arguments ------------------------------------------------------
    def _hs_space(self) -> dict[str, Any]:
        """The hypersweep space: keys sorted (ParameterGrid's order), lists as Categorical."""
        if not isinstance(self.space, Mapping) or not self.space:
            raise ValueError(
                "SearchCV: space must be a non-empty dict of parameter names to hypersweep "
                f"parameters or lists of values, e.g. {{'C': hs.Float(1e-3, 1e3, log=True)}}; "
                f"got {self.space!r}"
            )
        known = set(self.estimator.get_params(deep=True))
        out: dict[str, Any] = {}
        for key in sorted(self.space):
            value = self.space[key]
            if not isinstance(key, str) or key not in known:
                close = difflib.get_close_matches(str(key), sorted(known), n=3)
                hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
                raise ValueError(
                    f"SearchCV: {key!r} is not a parameter of {type(self.estimator).__name__}."
                    f"{hint} The valid names are estimator.get_params().keys() "
                    f"(pipeline steps as 'step__param')."
                )
            if isinstance(value, Param):
                out[key] = value
            elif isinstance(value, (list, tuple, np.ndarray)):
                choices = list(value)
                if not choices:
                    raise ValueError(f"SearchCV: the list of values for {key!r} is empty")
                out[key] = Categorical(choices)
            else:
                raise ValueError(
                    f"SearchCV: the value for {key!r} must be a hypersweep parameter "
                    f"(hs.Float, hs.Int, hs.Categorical...) or a list of values, but got "
                    f"{value!r}"
                )
        return out

    def _seed(self) -> int | None:
        rs = self.random_state
        if rs is None:
            return None
        if isinstance(rs, numbers.Integral):
            return int(rs)
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(np.iinfo(np.int32).max))
        raise ValueError(
            f"SearchCV: random_state must be None, an int or a RandomState; got {rs!r}"
        )

    def _open_study(self) -> Study:
        if self.storage is not None and self.study_name is None:
            raise ValueError(
                "SearchCV: storage was given without study_name; name the study so that "
                "a later fit can resume it"
            )
        if self.n_trials is None and not self._is_grid():
            raise ValueError(
                "SearchCV: n_trials=None (run everything) is only meaningful with "
                "sampler='grid'; give a number of trials"
            )
        sampler: Any = self.sampler
        if isinstance(sampler, str):
            sampler = sampler.lower()
        return create_study(
            self.study_name,
            storage=self.storage,
            direction="maximize",
            sampler=sampler,
            space=self._hs_space(),
            load_if_exists=True,
            seed=self._seed(),
        )

    def _is_grid(self) -> bool:
        from .samplers.grid import Grid

        return isinstance(self.sampler, Grid) or (
            isinstance(self.sampler, str) and self.sampler.lower() == "grid"
        )

    def __getstate__(self) -> dict[str, Any]:
        # the study holds storage connections: it is not pickled (joblib workers get the
        # search as the scorers' caller; a pickled fitted search keeps its results only)
        state: dict[str, Any] = super().__getstate__()
        state.pop("study_", None)
        return state

    # --- the search --------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, **params: Any) -> SearchCV:
        """Run the search (or resume it) and, with ``refit``, fit the best estimator."""
        self._validate_params()
        self._hs_space()  # bad names fail before any work
        self._prior: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
        self._last_out: list[dict[str, Any]] = []
        try:
            super().fit(X, y, **params)
        finally:
            del self._prior, self._last_out
        return self

    def _format_results(
        self,
        candidate_params: Any,
        n_splits: int,
        out: Any,
        more_results: Any = None,
    ) -> dict[str, Any]:
        # stored trials of an earlier fit come first, in trial order
        self._last_out = list(out)
        prior_params, prior_out = self._prior
        results: dict[str, Any] = super()._format_results(
            prior_params + list(candidate_params), n_splits, prior_out + list(out), more_results
        )
        return results

    def _stored(self, study: Study, n_splits: int) -> list[tuple[dict[str, Any], Any]]:
        """(params, per-split outputs) of the finished trials already in the study."""
        found = []
        for t in study.trials:
            if not t.state.is_finished or _ATTR not in t.user_attrs:
                continue
            record = t.user_attrs[_ATTR]
            if record.get("n_splits") != n_splits:
                raise ValueError(
                    f"SearchCV: study {study.name!r} was run with {record.get('n_splits')} CV "
                    f"splits, but cv now gives {n_splits}; use the same cv or another study_name"
                )
            splits = []
            for s in record["splits"]:
                if self.return_train_score and "train_scores" not in s:
                    raise ValueError(
                        f"SearchCV: study {study.name!r} has no train scores; resume it with "
                        f"return_train_score=False or use another study_name"
                    )
                entry = {
                    "test_scores": _decode_score(s["test_scores"]),
                    "fit_time": float(s["fit_time"]),
                    "score_time": float(s["score_time"]),
                    "n_test_samples": int(s["n_test_samples"]),
                    "fit_error": s.get("fit_error"),
                }
                if self.return_train_score:
                    entry["train_scores"] = _decode_score(s["train_scores"])
                splits.append(entry)
            found.append((dict(t.params), splits))
        return found

    def _metric(self) -> str:
        if callable(self.scoring) or isinstance(self.scoring, (str, type(None))):
            return "score"
        if isinstance(self.refit, str):
            return self.refit
        raise ValueError(
            "SearchCV: with several scoring metrics, refit must name the one the study "
            "maximises (e.g. refit='accuracy')"
        )

    def _run_search(self, evaluate_candidates: Callable[..., Any]) -> None:
        study = self._open_study()
        self.study_ = study
        n_splits = int(self.n_splits_)
        metric = self._metric()
        stored = self._stored(study, n_splits)
        done = sum(1 for t in study.trials if t.state.is_finished and not t.interrupted)
        budget = math.inf if self.n_trials is None else int(self.n_trials)
        remaining = budget - done
        if remaining <= 0 and stored:
            # nothing new to run: the last stored trial is re-scored, the others are read back
            self._prior = (
                [p for p, _ in stored[:-1]],
                [s for _, splits in stored[:-1] for s in splits],
            )
            evaluate_candidates([stored[-1][0]])
            return
        self._prior = ([p for p, _ in stored], [s for _, splits in stored for s in splits])
        if stored:
            logger.info("SearchCV: resuming study %r after %d trials", study.name, done)
        # a grid needs no feedback: all its cells at once (like GridSearchCV); else one by one
        batch = remaining if self._is_grid() else 1
        while remaining > 0:
            trials: list[Trial] = []
            try:
                while len(trials) < min(batch, remaining):
                    trials.append(study.ask())
            except SpaceExhausted:
                pass
            if not trials:
                break
            candidates = [dict(t.params) for t in trials]
            try:
                results = evaluate_candidates(candidates)
            except BaseException:
                for t in trials:  # interrupted: a resumed search runs them again
                    study.interrupt(t, "the CV evaluation raised or was interrupted")
                raise
            outs = self._last_out[-len(trials) * n_splits :]
            means = results[f"mean_test_{metric}"][-len(trials) :]
            for i, (trial, mean) in enumerate(zip(trials, means)):
                splits = outs[i * n_splits : (i + 1) * n_splits]
                keep = ["test_scores", "fit_time", "score_time", "n_test_samples", "fit_error"]
                if self.return_train_score:
                    keep.append("train_scores")
                trial.user_attrs[_ATTR] = {
                    "n_splits": n_splits,
                    "splits": [{k: _encode(s.get(k)) for k in keep} for s in splits],
                }
                if np.isfinite(mean):
                    study.tell(trial, float(mean))
                else:
                    study.tell(trial, state=TrialState.FAIL, error="non-finite mean CV score")
            remaining -= len(trials)
        if self._is_grid() and not self._last_out and not stored:
            raise ValueError("SearchCV: the grid has no cells to run")
