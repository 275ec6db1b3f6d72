"""The :class:`SearchCV` estimator: BaseSearchCV's machinery, candidates from a study.

BaseSearchCV fits, scores, builds ``cv_results_`` and refits; this class only decides
which candidates (and, when pruning, which folds) to evaluate and tells the study
their scores. The pieces it leans on are in ``_space``, ``_folds`` and ``_results``.
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from joblib import effective_n_jobs
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import Interval, StrOptions

from ..exceptions import SpaceExhausted
from ..pruners.base import Pruner
from ..samplers.base import Sampler
from ..space.tree import copy_definition
from ..storage import Storage
from ..study import Study
from ..study.factory import create_study
from ..study.handle import Trial
from ..study.progress import logger
from ..trial import TrialState
from ._folds import Call, FoldSubset, Out, run_folds, study_pruner
from ._results import ATTR, Row, failed_out, mean, record, replay_row, score, stored_rows, table
from ._space import Candidates, study_seed, study_space

_FIT_STATE = ("_rows", "_call", "_splits", "_template", "_stale", "_n_splits", "_cands")


STUDY_CONSTRAINTS: dict[str, Any] = {
    "storage": [str, Storage, None],
    "study_name": [str, None],
    "pruner": [Pruner, None],
}
"""The constraints of the arguments every search on a study takes, after scikit-learn's."""


def store_arguments(search: BaseSearchCV, arguments: dict[str, Any]) -> None:
    """Keep a search's constructor arguments, unchanged, as attributes of the same names
    (scikit-learn's estimator contract): BaseSearchCV's through its own ``__init__``, the
    others directly. ``arguments`` is ``locals()`` taken first thing in the constructor,
    so it holds the constructor's parameters (and ``self``) only."""
    given = {name: value for name, value in arguments.items() if name != "self"}
    BaseSearchCV.__init__(search, **{name: given.pop(name) for name in _BASE_ARGUMENTS})
    for name, value in given.items():
        setattr(search, name, value)


_BASE_ARGUMENTS = tuple(inspect.signature(BaseSearchCV.__init__).parameters)[1:]  # after self


@dataclass(frozen=True)
class Settings:
    """What a search searches, however its constructor spells it: the space (a dict or
    a list of dicts), the sampler, the study's budget (None: the whole grid) and the
    random_state the study's seed comes from."""

    space: Any
    sampler: str | Sampler
    n_trials: int | None
    random_state: Any


class SearchCV(BaseSearchCV):
    """Cross-validated hyperparameter search whose candidates come from a hypersweep study.

    ``space`` maps the estimator's parameter names (``"svc__C"`` for pipelines) to
    hypersweep parameters (``hs.Float``, ``hs.Int``, ``hs.Categorical``...) or to plain
    lists, which mean ``hs.Categorical`` of those values. The study maximises the mean
    CV score (scikit-learn scores are higher-is-better), one candidate at a time;
    ``sampler="grid"`` runs exactly GridSearchCV's grid, in ParameterGrid order.

    ``n_trials`` is the study's total budget: with ``storage`` and ``study_name`` a
    search resumes where it stopped, and ``cv_results_`` covers every stored trial.
    ``n_trials="auto"`` (the default) is 50, or the whole grid with a grid sampler;
    ``n_trials=None`` runs the whole grid.

    scikit-learn's spellings are accepted too: ``param_grid=`` (the space, searched as
    a grid unless ``sampler`` says otherwise), ``param_distributions=`` (the space; lists,
    scipy.stats distributions) and ``n_iter=`` (the budget). The space may be a list of
    dicts, a union of sub-spaces as in GridSearchCV. Give the space once.

    ``pruner`` (e.g. ``hs.pruners.CannotWin()``, exact, or ``hs.pruners.Median()``, or
    a combination with ``AnyOf`` / ``AllOf``) turns on fold-level pruning: folds run
    ``n_jobs`` at a time, the running mean score is reported after each, and a stopped
    candidate keeps NaN in its unevaluated splits, so its mean is NaN and it ranks last
    (as a failed fit does in GridSearchCV). A ``CannotWin`` learns the number of folds
    from ``cv``; a ``PairedTest`` takes the fold scores as its parts and stops a
    candidate whose folds are significantly worse than the same folds of the best one
    (it needs 4 folds at its default threshold, so it pays with ``cv`` of 8 or more).
    ``cv_results_["n_splits_evaluated"]`` tells how many folds each candidate ran.

    Fitted attributes are GridSearchCV's: ``best_params_``, ``best_score_``,
    ``best_estimator_``, ``best_index_``, ``cv_results_``, ``n_splits_``,
    ``refit_time_``, ``scorer_``, plus ``study_`` (the :class:`hypersweep.Study`) and
    ``space_`` (the searched space: a copy of ``space``, lists made ``hs.Categorical``;
    ``space`` itself is never changed, as scikit-learn asks of estimator arguments).
    """

    n_splits_: int  # set by BaseSearchCV.fit (and narrowed per call by _evaluate)
    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **BaseSearchCV._parameter_constraints,
        "space": [dict, list, None],
        "param_grid": [dict, list, None],
        "param_distributions": [dict, list, None],
        "sampler": [str, Sampler, None],
        "n_trials": [
            Interval(numbers.Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        **STUDY_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator: Any,
        space: dict[str, Any] | list[dict[str, Any]] | None = None,
        *,
        sampler: str | Sampler | None = None,
        n_trials: int | str | None = "auto",
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
        param_grid: dict[str, Any] | list[dict[str, Any]] | None = None,
        param_distributions: dict[str, Any] | list[dict[str, Any]] | None = None,
        n_iter: int | None = None,
    ) -> None:
        store_arguments(self, locals())

    def _settings(self) -> Settings:
        """The space, sampler, budget and random_state, from whichever spelling was used."""
        given = [
            (name, value)
            for name, value in (
                ("space", self.space),
                ("param_grid", self.param_grid),
                ("param_distributions", self.param_distributions),
            )
            if value is not None
        ]
        if len(given) != 1:
            names = ", ".join(n for n, _ in given) or "none of them"
            raise ValueError(
                "SearchCV: give the space exactly once, as space=, param_grid= or "
                f"param_distributions=; got {names}"
            )
        name, space = given[0]
        sampler = self.sampler
        if sampler is None:
            sampler = "grid" if name == "param_grid" else "tpe"
        n_trials: Any = self.n_trials
        if self.n_iter is not None:
            if n_trials not in ("auto", self.n_iter):
                raise ValueError(
                    f"SearchCV: n_iter={self.n_iter} and n_trials={n_trials} disagree; "
                    f"n_iter is scikit-learn's name for n_trials, give one of them"
                )
            n_trials = self.n_iter
        elif n_trials == "auto":
            n_trials = None if _is_grid(sampler) else 50
        return Settings(space, sampler, n_trials, self.random_state)

    def __sklearn_tags__(self) -> Any:
        # BaseSearchCV forwards the estimator type and sparse input, not multi_output or
        # allow_nan: a search takes a 2-d y or NaN in X exactly when its estimator does
        # (scikit-learn >= 1.6 asks for tags this way; older versions never call it)
        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.target_tags.multi_output = inner.target_tags.multi_output
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        return tags

    # --- the study ---------------------------------------------------------------------
    def _open_study(self, n_splits: int, settings: Settings) -> Study:
        if self.storage is not None and self.study_name is None:
            raise ValueError(
                "SearchCV: storage was given without study_name; name the study so that "
                "a later fit can resume it"
            )
        if settings.n_trials is None and not _is_grid(settings.sampler):
            raise ValueError(
                "SearchCV: n_trials=None (run everything) is only meaningful with "
                "sampler='grid'; give a number of trials"
            )
        sampler: Any = settings.sampler
        if isinstance(sampler, str):
            sampler = sampler.lower()
        return create_study(
            self.study_name,
            storage=self.storage,
            direction="maximize",
            sampler=sampler,
            pruner=study_pruner(self.pruner, n_splits),
            space=self.space_,
            load_if_exists=True,
            seed=study_seed(settings.random_state),
        )

    def _metric(self, settings: Settings) -> str:
        if callable(self.scoring) or isinstance(self.scoring, (str, type(None))):
            return "score"
        if isinstance(self.refit, str):
            return self.refit
        if self.pruner is None and (_is_grid(settings.sampler) or _is_random(settings.sampler)):
            # no feedback is used: the study records the first metric, refit chooses
            return str(next(iter(self.scoring)))
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
        # checked (bad names fail before any work) and copied: fit never changes ``space``
        settings = self._settings()
        self._cands: Candidates = study_space(copy_definition(settings.space), self.estimator)
        self.space_ = self._cands.space
        self._rows: list[Row] = []
        self._call: Call | None = None
        self._splits: list[Any] | None = None
        self._template: Out | None = None  # a real fold output, for placeholders
        self._stale = True  # cv_results_ (the last evaluate_candidates call) lags _rows
        try:
            super().fit(X, y, **params)
        finally:
            for name in _FIT_STATE:
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
        settings = self._settings()
        study = self._open_study(self._n_splits, settings)
        self.study_ = study
        metric = self._metric(settings)
        self._rows = stored_rows(
            study.trials, study.name, self._n_splits, train=self.return_train_score,
            to_estimator=self._cands.to_estimator,
        )  # fmt: skip
        done = sum(1 for t in study.trials if t.state.is_finished and not t.interrupted)
        budget = math.inf if settings.n_trials is None else int(settings.n_trials)
        remaining = budget - done
        cells = self._cands.n_cells
        if _is_random(settings.sampler) and cells is not None and budget > cells:
            warnings.warn(
                f"The space has only {cells} distinct candidates, fewer than "
                f"n_trials={settings.n_trials}; at most {cells} are run (for an "
                f"exhaustive search use GridSearchCV)",
                UserWarning,
                stacklevel=2,
            )
        if self._rows and remaining > 0:
            logger.info("SearchCV: resuming study %r after %d trials", study.name, done)
        # a grid or random search needs no feedback: all its candidates at once (like
        # GridSearchCV); else one by one, and with a pruner fold by fold (n_jobs at a time)
        no_feedback = _is_grid(settings.sampler) or _is_random(settings.sampler)
        one_by_one = not no_feedback or self.pruner is not None
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
        candidates = [self._cands.to_estimator(t) for t in trials]
        folds = list(range(self._n_splits))
        outs = self._evaluate(evaluate, candidates, folds, [[] for _ in trials])
        for trial, params, done in zip(trials, candidates, outs):
            self._finish(study, trial, params, done, metric, pruned=False)

    def _run_one(
        self, evaluate: Callable[..., Any], study: Study, trial: Trial, metric: str
    ) -> None:
        """One candidate, fold by fold when pruning: report running means, ask the pruner."""
        pruning = self.pruner is not None
        chunk = max(1, int(effective_n_jobs(self.n_jobs))) if pruning else self._n_splits
        params = self._cands.to_estimator(trial)

        def folds_of(folds: list[int], done: list[Out]) -> list[Out]:
            return self._evaluate(evaluate, [params], folds, [done])[0]

        outs, pruned = run_folds(folds_of, trial, self._n_splits, chunk, metric, pruning=pruning)
        self._finish(study, trial, params, outs, metric, pruned=pruned)

    def _evaluate(
        self,
        evaluate: Callable[..., Any],
        candidates: list[dict[str, Any]],
        folds: list[int],
        carried: list[list[Out]],
        *,
        replay: bool = False,
    ) -> list[list[Out]]:
        """Run ``folds`` of each candidate through BaseSearchCV's evaluate_candidates."""
        self._call = call = Call(candidates, folds, carried, replay=replay)
        full: int = self.n_splits_
        self.n_splits_ = len(folds)  # evaluate_candidates reads it
        try:
            evaluate(candidates, cv=FoldSubset(self._all_splits, folds))
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
        row = replay_row(self._rows, self._n_splits, metric)
        self._evaluate(evaluate, [row.params], [0], [[]], replay=True)

    def _finish(
        self,
        study: Study,
        trial: Trial,
        params: dict[str, Any],
        outs: list[Out],
        metric: str,
        *,
        pruned: bool,
    ) -> None:
        self._rows.append(Row(params, outs))
        trial.user_attrs[ATTR] = record(outs, self._n_splits, train=self.return_train_score)
        if pruned:
            study.tell(trial, state=TrialState.PRUNED)
            return
        value = mean([score(o, metric) for o in outs])
        if len(outs) == self._n_splits and math.isfinite(value):
            study.tell(trial, value)
        else:
            study.tell(trial, state=TrialState.FAIL, error="non-finite mean CV score")

    # --- cv_results_ ---------------------------------------------------------------------
    def _failed_out(self, error: str) -> Out:
        shape = None if self._template is None else self._template["test_scores"]
        train = self.return_train_score
        return failed_out(shape, self.scoring, self.error_score, error, train=train)

    def _format_results(
        self,
        candidate_params: Any,
        n_splits: int,
        out: Any,
        more_results: Any = None,
    ) -> dict[str, Any]:
        call = self._call
        base = super()._format_results
        if call is None:  # not called through _evaluate
            return dict(base(candidate_params, n_splits, out, more_results))
        out = list(out)
        if self._template is None and out:
            self._template = out[-1]
        rows = list(self._rows)
        if not call.replay:
            f = len(call.folds)
            call.fresh = out[len(out) - len(call.params) * f :]
            for i, params in enumerate(call.params):
                rows.append(Row(params, call.carried[i] + call.fresh[i * f : (i + 1) * f]))
        return table(
            rows,
            self._n_splits,
            self._template,
            lambda p, n, o: dict(base(p, n, o)),
            count_folds=self.pruner is not None,
        )


def _is_grid(sampler: Any) -> bool:
    from ..samplers.grid import Grid

    return isinstance(sampler, Grid) or (isinstance(sampler, str) and sampler.lower() == "grid")


def _is_random(sampler: Any) -> bool:
    from ..samplers.random import Random

    return isinstance(sampler, Random) or (isinstance(sampler, str) and sampler.lower() == "random")
