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

import copy
import difflib
import math
import numbers
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from joblib import effective_n_jobs
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import Interval

from .exceptions import SpaceExhausted
from .handle import Trial
from .params import Categorical, Param
from .progress import logger
from .pruners.base import Pruner
from .samplers.base import History, Sampler
from .storage import Storage
from .studies import create_study
from .study import Study
from .trial import FrozenTrial, TrialState

__all__ = ["CannotWin", "SearchCV"]

_ATTR = "sklearn_cv"  # user attribute holding a trial's per-split CV results
_NON_FINITE = r"One or more of the (test|train) scores are non-finite"


class CannotWin(Pruner):
    """Stop a candidate whose mean CV score cannot beat the best one even if every fold
    still to run scored ``max_score``.

    Exact: a stopped candidate would have ended below the leader (ties are let run), so
    on a grid ``best_params_`` is GridSearchCV's. It reads
    the running mean of the fold scores that :class:`SearchCV` reports (step k = k folds
    done); ``n_splits`` is filled in by SearchCV. ``max_score=1.0`` holds for accuracy,
    F1, ROC AUC, R² and every ``neg_*`` loss; give a custom scorer's own maximum.

    >>> from hypersweep.trial import Direction
    >>> done = FrozenTrial(0, TrialState.COMPLETE, values=(0.9,))
    >>> bad = FrozenTrial(1, TrialState.RUNNING, intermediate={1: 0.4})
    >>> history = History(Direction.MAXIMIZE, None, lambda: [done, bad])
    >>> CannotWin(n_splits=5).prune(history, bad)  # at best (0.4 + 4) / 5 = 0.88 < 0.9
    True
    """

    def __init__(self, *, max_score: float = 1.0, n_splits: int | None = None) -> None:
        if isinstance(max_score, bool) or not isinstance(max_score, numbers.Real):
            raise TypeError(f"CannotWin: max_score must be a number, but got {max_score!r}")
        if not math.isfinite(max_score):
            raise ValueError(f"CannotWin: max_score must be finite, but got {max_score!r}")
        if n_splits is not None and (
            isinstance(n_splits, bool) or not isinstance(n_splits, int) or n_splits < 2
        ):
            raise ValueError(f"CannotWin: n_splits must be an int >= 2, but got {n_splits!r}")
        self.max_score: float = float(max_score)
        self.n_splits: int | None = n_splits

    def prune(self, history: History, trial: FrozenTrial) -> bool:
        if self.n_splits is None:
            raise ValueError(
                "CannotWin: n_splits is unknown; pass the pruner to SearchCV(pruner=...), "
                "which sets it from cv, or give CannotWin(n_splits=...)"
            )
        step = trial.last_step
        if step is None or step <= 0 or step >= self.n_splits:
            return False
        sign = history.direction.sign()  # +1 minimise, -1 maximise
        running = trial.intermediate[step]
        if sign * running < sign * self.max_score - 1e-9 * max(1.0, abs(self.max_score)):
            raise ValueError(
                f"CannotWin: a running mean CV score of {running!r} is beyond max_score="
                f"{self.max_score!r}, so the bound is wrong; give the scorer's true best value"
            )
        values = [t.value for t in history.complete() if t.value is not None]
        if not values:
            return False
        best = min(values, key=lambda v: sign * v)
        bound = (step * running + (self.n_splits - step) * self.max_score) / self.n_splits
        return sign * bound > sign * best + 1e-9 * max(1.0, abs(best))


@dataclass
class _Row:
    """One candidate of cv_results_: its parameters and the outputs of the folds run."""

    params: dict[str, Any]
    outs: list[dict[str, Any]]


@dataclass
class _Call:
    """The evaluate_candidates call in progress: which folds of which candidates."""

    params: list[dict[str, Any]]
    folds: list[int]
    carried: list[list[dict[str, Any]]]  # folds each candidate ran in earlier calls
    replay: bool = False  # only to refresh cv_results_: the new outputs are discarded
    fresh: list[dict[str, Any]] = field(default_factory=list)


class _Folds:
    """A CV splitter yielding chosen folds of the search's folds, split once per fit."""

    def __init__(self, search: SearchCV, folds: list[int]) -> None:
        self.search = search
        self.folds = folds

    def split(self, X: Any, y: Any = None, **params: Any) -> Iterator[Any]:
        splits = self.search._all_splits(X, y, **params)
        return iter([splits[i] for i in self.folds])

    def get_n_splits(self, *args: Any, **kwargs: Any) -> int:
        return len(self.folds)


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


def _like(scores: Any, value: float) -> Any:
    """``value`` in the shape of a fold's scores (a number, or one per metric)."""
    return {k: value for k in scores} if isinstance(scores, dict) else value


def _mean(scores: list[float]) -> float:
    """The mean of fold scores computed exactly as BaseSearchCV computes mean_test_*."""
    return float(np.average(np.asarray(scores, dtype=np.float64).reshape(1, -1), axis=1)[0])


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

    ``pruner`` (e.g. :class:`CannotWin`, exact, or ``hs.pruners.Median``) turns on
    fold-level pruning: folds run ``n_jobs`` at a time, the running mean score is
    reported after each, and a stopped candidate keeps NaN in its unevaluated splits,
    so its mean is NaN and it ranks last (as a failed fit does in GridSearchCV).
    ``cv_results_["n_splits_evaluated"]`` then tells how many folds each candidate ran.

    Fitted attributes are GridSearchCV's: ``best_params_``, ``best_score_``,
    ``best_estimator_``, ``best_index_``, ``cv_results_``, ``n_splits_``,
    ``refit_time_``, ``scorer_``, plus ``study_`` (the :class:`hypersweep.Study`).
    """

    n_splits_: int  # set by BaseSearchCV.fit (and narrowed per call by _evaluate)
    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **BaseSearchCV._parameter_constraints,
        "space": [dict],
        "sampler": [str, Sampler],
        "n_trials": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "storage": [str, Storage, None],
        "study_name": [str, None],
        "pruner": [Pruner, None],
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
        pruner: Pruner | None = None,
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
        self.pruner = pruner

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

    def _study_pruner(self, n_splits: int) -> Pruner | None:
        """The pruner the study uses: a CannotWin learns the number of folds (a copy)."""
        pruner = self.pruner
        if isinstance(pruner, CannotWin):
            if pruner.n_splits is None:
                pruner = copy.copy(pruner)
                pruner.n_splits = n_splits
            elif pruner.n_splits != n_splits:
                raise ValueError(
                    f"SearchCV: CannotWin(n_splits={pruner.n_splits}) but cv gives {n_splits} "
                    f"splits; leave n_splits out and SearchCV sets it"
                )
        return pruner

    def _open_study(self, n_splits: int) -> Study:
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
            pruner=self._study_pruner(n_splits),
            space=self._hs_space(),
            load_if_exists=True,
            seed=self._seed(),
        )

    def _is_grid(self) -> bool:
        from .samplers.grid import Grid

        return isinstance(self.sampler, Grid) or (
            isinstance(self.sampler, str) and self.sampler.lower() == "grid"
        )

    def _metric(self) -> str:
        if callable(self.scoring) or isinstance(self.scoring, (str, type(None))):
            return "score"
        if isinstance(self.refit, str):
            return self.refit
        raise ValueError(
            "SearchCV: with several scoring metrics, refit must name the one the study "
            "maximises (e.g. refit='accuracy')"
        )

    def __getstate__(self) -> dict[str, Any]:
        # the study holds storage connections and the fit's bookkeeping is large: neither
        # is pickled (joblib workers get the search as the scorers' caller; a pickled
        # fitted search keeps its results only)
        state: dict[str, Any] = dict(super().__getstate__())  # a copy: never self.__dict__
        for name in ("study_", "_rows", "_call", "_splits", "_template"):
            state.pop(name, None)
        return state

    # --- the search --------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, **params: Any) -> SearchCV:
        """Run the search (or resume it) and, with ``refit``, fit the best estimator."""
        self._validate_params()
        self._hs_space()  # bad names fail before any work
        self._rows: list[_Row] = []
        self._call: _Call | None = None
        self._splits: list[Any] | None = None
        self._template: dict[str, Any] | None = None  # a real fold output, for placeholders
        self._stale = True  # cv_results_ (the last evaluate_candidates call) lags _rows
        try:
            super().fit(X, y, **params)
        finally:
            for name in ("_rows", "_call", "_splits", "_template", "_stale", "_n_splits"):
                self.__dict__.pop(name, None)
        return self

    def _all_splits(self, X: Any, y: Any, **params: Any) -> list[Any]:
        """Every (train, test) split, computed once per fit so that all candidates share
        the same folds even when the splitter shuffles without a random_state."""
        if self._splits is None:
            splits = list(self._checked_cv_orig.split(X, y, **params))
            if len(splits) != self._n_splits:
                raise ValueError(
                    f"cv.split and cv.get_n_splits return inconsistent results: expected "
                    f"{self._n_splits} splits, got {len(splits)}"
                )
            self._splits = splits
        return self._splits

    def _run_search(self, evaluate_candidates: Callable[..., Any]) -> None:
        self._n_splits: int = int(self.n_splits_)
        study = self._open_study(self._n_splits)
        self.study_ = study
        metric = self._metric()
        self._rows = self._stored(study, self._n_splits)
        done = sum(1 for t in study.trials if t.state.is_finished and not t.interrupted)
        remaining = (math.inf if self.n_trials is None else int(self.n_trials)) - done
        if self._rows and remaining > 0:
            logger.info("SearchCV: resuming study %r after %d trials", study.name, done)
        # a grid needs no feedback: all its cells at once (like GridSearchCV); else one
        # by one, and with a pruner also fold by fold (n_jobs folds at a time)
        one_by_one = not self._is_grid() or self.pruner is not None
        while remaining > 0:
            trials: list[Trial] = []
            try:
                while len(trials) < (1 if one_by_one else remaining):
                    trials.append(study.ask())
            except SpaceExhausted:
                pass
            if not trials:
                break
            try:
                if one_by_one:
                    self._run_one(evaluate_candidates, study, trials[0], metric)
                else:
                    self._run_batch(evaluate_candidates, study, trials, metric)
            except BaseException:
                for t in trials:  # interrupted: a resumed search runs them again
                    if t.number in {r.number for r in study.get_trials([TrialState.RUNNING])}:
                        study.interrupt(t, "the CV evaluation raised or was interrupted")
                raise
            remaining -= len(trials)
        if self._stale:
            if not self._rows:
                raise ValueError(
                    f"SearchCV: nothing to evaluate: study {study.name!r} has no candidates "
                    f"with CV results and no budget or cells left; use another study_name"
                )
            self._replay(evaluate_candidates, metric)

    def _run_batch(
        self, evaluate: Callable[..., Any], study: Study, trials: list[Trial], metric: str
    ) -> None:
        candidates = [dict(t.params) for t in trials]
        folds = list(range(self._n_splits))
        outs = self._evaluate(evaluate, candidates, folds, [[] for _ in trials])
        for trial, params, done in zip(trials, candidates, outs):
            self._finish(study, trial, params, done, metric, pruned=False)

    def _run_one(
        self, evaluate: Callable[..., Any], study: Study, trial: Trial, metric: str
    ) -> None:
        """One candidate, fold by fold when pruning: report running means, ask the pruner."""
        n = self._n_splits
        pruning = self.pruner is not None
        chunk = max(1, int(effective_n_jobs(self.n_jobs))) if pruning else n
        params = dict(trial.params)
        outs: list[dict[str, Any]] = []
        pruned = False
        while len(outs) < n and not pruned:
            folds = list(range(len(outs), min(n, len(outs) + chunk)))
            outs = outs + self._evaluate(evaluate, [params], folds, [outs])[0]
            scores = [self._score(o, metric) for o in outs]
            if not all(math.isfinite(s) for s in scores):
                break  # the mean will be NaN: this candidate cannot win
            if pruning:
                for k in range(folds[0] + 1, len(outs) + 1):
                    trial.report(_mean(scores[:k]), step=k)
                    pruned = (k < n and trial.should_prune()) or pruned
        self._finish(study, trial, params, outs, metric, pruned=pruned and len(outs) < n)

    def _evaluate(
        self,
        evaluate: Callable[..., Any],
        candidates: list[dict[str, Any]],
        folds: list[int],
        carried: list[list[dict[str, Any]]],
        *,
        replay: bool = False,
    ) -> list[list[dict[str, Any]]]:
        """Run ``folds`` of each candidate through BaseSearchCV's evaluate_candidates."""
        self._call = call = _Call(candidates, folds, carried, replay=replay)
        full: int = self.n_splits_
        self.n_splits_ = len(folds)  # evaluate_candidates reads it
        try:
            evaluate(candidates, cv=_Folds(self, folds))
            fresh, self._stale = call.fresh, False
        except ValueError as exc:
            # BaseSearchCV raises when every fit of a call failed; one candidate (or one
            # fold) failing must not end the search, so record the failure as it would
            if replay or self.error_score == "raise" or "fits failed" not in str(exc):
                raise
            logger.warning("SearchCV: every fit of %s failed", candidates)
            self._stale = True
            fresh = [self._failed_out(str(exc)) for _ in range(len(candidates) * len(folds))]
        finally:
            self.n_splits_, self._call = full, None
        f = len(folds)
        return [fresh[i * f : (i + 1) * f] for i in range(len(candidates))]

    def _replay(self, evaluate: Callable[..., Any], metric: str) -> None:
        """Bring cv_results_ up to date with one fit (BaseSearchCV takes its results from
        the last evaluate_candidates call): a sound candidate's first fold, discarded."""
        sound = [
            r
            for r in self._rows
            if len(r.outs) == self._n_splits
            and all(math.isfinite(self._score(o, metric)) for o in r.outs)
        ]
        row = sound[-1] if sound else self._rows[-1]
        self._evaluate(evaluate, [row.params], [0], [[]], replay=True)

    def _finish(
        self,
        study: Study,
        trial: Trial,
        params: dict[str, Any],
        outs: list[dict[str, Any]],
        metric: str,
        *,
        pruned: bool,
    ) -> None:
        self._rows.append(_Row(params, outs))
        keep = ["test_scores", "fit_time", "score_time", "n_test_samples", "fit_error"]
        if self.return_train_score:
            keep.append("train_scores")
        trial.user_attrs[_ATTR] = {
            "n_splits": self._n_splits,
            "splits": [{k: _encode(s.get(k)) for k in keep} for s in outs],
        }
        if pruned:
            study.tell(trial, state=TrialState.PRUNED)
            return
        mean = _mean([self._score(o, metric) for o in outs])
        if len(outs) == self._n_splits and math.isfinite(mean):
            study.tell(trial, mean)
        else:
            study.tell(trial, state=TrialState.FAIL, error="non-finite mean CV score")

    # --- cv_results_ ---------------------------------------------------------------------
    @staticmethod
    def _score(out: dict[str, Any], metric: str) -> float:
        scores = out["test_scores"]
        return float(scores[metric] if isinstance(scores, dict) else scores)

    def _failed_out(self, error: str) -> dict[str, Any]:
        """A fold whose fit failed, as _fit_and_score records it with a numeric error_score."""
        if self._template is not None:
            shape: Any = self._template["test_scores"]
        elif isinstance(self.scoring, (list, tuple, set, dict)):
            shape = dict.fromkeys(self.scoring)
        else:
            shape = 0.0
        out = {
            "test_scores": _like(shape, float(self.error_score)),
            "n_test_samples": 0,
            "fit_time": 0.0,
            "score_time": 0.0,
            "fit_error": error,
        }
        if self.return_train_score:
            out["train_scores"] = _like(shape, float(self.error_score))
        return out

    def _placeholder(self, like: dict[str, Any]) -> dict[str, Any]:
        """An unevaluated split: NaN scores, no time spent."""
        out = dict(like)
        out.update(n_test_samples=0, fit_time=0.0, score_time=0.0, fit_error=None)
        out["test_scores"] = _like(like["test_scores"], np.nan)
        if "train_scores" in like:
            out["train_scores"] = _like(like["train_scores"], np.nan)
        return out

    def _format_results(
        self,
        candidate_params: Any,
        n_splits: int,
        out: Any,
        more_results: Any = None,
    ) -> dict[str, Any]:
        call = self._call
        if call is None:  # not called through _evaluate
            return dict(super()._format_results(candidate_params, n_splits, out, more_results))
        out = list(out)
        if self._template is None and out:
            self._template = out[-1]
        rows = list(self._rows)
        if not call.replay:
            f = len(call.folds)
            call.fresh = out[len(out) - len(call.params) * f :]
            for i, params in enumerate(call.params):
                rows.append(_Row(params, call.carried[i] + call.fresh[i * f : (i + 1) * f]))
        return self._table(rows)

    def _table(self, rows: list[_Row]) -> dict[str, Any]:
        """cv_results_ for ``rows``, unevaluated splits filled with NaN."""
        n = self._n_splits
        params, outs = [], []
        for row in rows:
            like = row.outs[0] if row.outs else self._template
            params.append(row.params)
            outs.extend(row.outs)
            outs.extend(self._placeholder(like) for _ in range(n - len(row.outs)))  # type: ignore[arg-type]
        partial = [len(r.outs) < n for r in rows]
        with warnings.catch_warnings():
            if any(partial):  # NaN means of stopped candidates are expected, not a warning
                warnings.filterwarnings("ignore", message=_NON_FINITE, category=UserWarning)
            results: dict[str, Any] = super()._format_results(params, n, outs)
        if any(partial):
            means = [v for k, v in results.items() if k.startswith(("mean_test_", "mean_train_"))]
            whole = [i for i, p in enumerate(partial) if not p]
            if any(not np.isfinite(m[i]) for m in means for i in whole):
                warnings.warn(
                    "One or more of the test scores are non-finite", UserWarning, stacklevel=2
                )
        if self.pruner is not None:
            results["n_splits_evaluated"] = np.array([len(r.outs) for r in rows])
        return results

    def _stored(self, study: Study, n_splits: int) -> list[_Row]:
        """The candidates already in the study, with their per-split outputs."""
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
            if splits:
                found.append(_Row(dict(t.params), splits))
        return found
