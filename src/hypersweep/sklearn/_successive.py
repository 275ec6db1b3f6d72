"""The machinery both successive-halving searches share: scikit-learn's checks and
schedule, one trial per (candidate, resources) evaluation, and ``cv_results_`` rebuilt
from every evaluation, stored ones included (see ``halving`` for the public classes).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone, is_classifier
from sklearn.metrics import get_scorer_names
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _num_samples

from ..space.kinds import Int
from ..storage import Storage
from ..study import Study
from ..study.factory import create_study
from ..study.handle import Trial
from ..trial import FrozenTrial, TrialState
from ._folds import FoldSubset, Out
from ._halving import Schedule, Subsample, schedule, survivors, yields_constant_splits
from ._results import ATTR, Row, mean, record, score, stored_rows, table
from ._space import study_seed
from ._workers import HALVING, FoldJob, run_in_workers

ITER = "halving_iter"  # the leaf telling a candidate's evaluations apart (sampler="tpe")


@dataclass
class _Entry:
    """One row of cv_results_: a candidate at one iteration's resources."""

    params: dict[str, Any]
    outs: list[Out]
    itr: int
    n_resources: int


@dataclass
class _Call:
    """The evaluate_candidates call in progress (None outside one)."""

    params: list[dict[str, Any]]
    itr: int
    n_resources: int
    n_splits: int
    replay: bool = False
    fresh: list[Out] = field(default_factory=list)


class HalvingBase(BaseSearchCV):
    """What both halving searches share: the schedule, the trials, cv_results_."""

    n_splits_: int
    n_jobs: int | None
    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **{k: v for k, v in BaseSearchCV._parameter_constraints.items() if k != "pre_dispatch"},
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "random_state": ["random_state"],
        "max_resources": [Interval(Integral, 0, None, closed="neither"), StrOptions({"auto"})],
        "min_resources": [
            Interval(Integral, 0, None, closed="neither"),
            StrOptions({"exhaust", "smallest"}),
        ],
        "resource": [str],
        "factor": [Interval(Real, 1, None, closed="neither")],
        "aggressive_elimination": ["boolean"],
        "storage": [str, Storage, None],
        "study_name": [str, None],
        "executor": [StrOptions({"processes"}), HasMethods(["size"]), None],
    }

    def _common(self, kw: dict[str, Any]) -> None:
        BaseSearchCV.__init__(
            self, kw["estimator"], scoring=kw["scoring"], n_jobs=kw["n_jobs"],
            refit=kw["refit"], cv=kw["cv"], verbose=kw["verbose"],
            error_score=kw["error_score"], return_train_score=kw["return_train_score"],
        )  # fmt: skip
        for name in ("random_state", "max_resources", "resource", "factor", "min_resources",
                     "aggressive_elimination", "storage", "study_name", "executor"):  # fmt: skip
            setattr(self, name, kw[name])

    # --- what the subclasses say -------------------------------------------------------
    def _space(self) -> Any:
        raise NotImplementedError

    def _n_start(self) -> int:
        """How many candidates the first iteration evaluates."""
        raise NotImplementedError

    def _proposing(self) -> bool:
        """Whether the study's sampler proposes the candidates (else they are fixed)."""
        return False

    def _fixed(self, random_state: Any) -> list[dict[str, Any]] | None:
        """The candidates, drawn as scikit-learn draws them; None: the study proposes."""
        raise NotImplementedError

    # --- checks, as scikit-learn makes them ---------------------------------------------
    def _check_input_parameters(self, X: Any, y: Any, split_params: Any) -> None:
        name = type(self).__name__
        if not yields_constant_splits(self._checked_cv_orig):
            raise ValueError(
                "The cv parameter must yield consistent folds across calls to split(). "
                "Set its random_state to an int, or set shuffle=False."
            )
        known = self.estimator.get_params()
        if self.resource != "n_samples" and self.resource not in known:
            raise ValueError(
                f"Cannot use resource={self.resource} which is not supported by estimator "
                f"{type(self.estimator).__name__}; use 'n_samples' or one of its integer "
                f"parameters such as n_estimators or max_iter ({name})"
            )
        self.min_resources_ = self.min_resources
        if self.min_resources_ in ("smallest", "exhaust"):
            if self.resource == "n_samples":
                n_splits = self._checked_cv_orig.get_n_splits(X, y, **split_params)
                self.min_resources_ = 2 * n_splits
                if is_classifier(self.estimator):
                    check_classification_targets(y)
                    self.min_resources_ *= int(np.unique(np.asarray(y)).shape[0])
            else:
                self.min_resources_ = 1
        self.max_resources_ = self.max_resources
        if self.max_resources_ == "auto":
            if self.resource != "n_samples":
                raise ValueError(
                    "resource can only be 'n_samples' when max_resources='auto'; give "
                    f"max_resources=<the largest {self.resource}>"
                )
            self.max_resources_ = _num_samples(X)
        if self.min_resources_ > self.max_resources_:
            data = (
                f" (the data has n_samples={_num_samples(X)})"
                if self.max_resources == "auto"
                else ""
            )
            raise ValueError(
                f"min_resources_={self.min_resources_} is greater than "
                f"max_resources_={self.max_resources_}{data}; give a smaller min_resources "
                "or a larger max_resources"
            )
        if self.min_resources_ == 0:
            raise ValueError(
                f"min_resources_={self.min_resources_}: you might have passed an empty dataset X."
            )
        if self.storage is not None and self.study_name is None:
            raise ValueError(
                f"{name}: storage was given without study_name; name the study so that a "
                "later fit can resume it"
            )
        if self.executor is not None and self.storage is None:
            raise ValueError(
                f"{name}: executor={self.executor!r} runs the fits in hypersweep's workers, "
                "which share the study through a SQL storage: give storage='sqlite:///"
                "search.db' (or a PostgreSQL URL) and a study_name, or use executor=None"
            )

    @staticmethod
    def _select_best_index(refit: Any, refit_metric: str, results: dict[str, Any]) -> int:
        """The best candidate of the last iteration (not of all rows, as BaseSearchCV's)."""
        last = np.flatnonzero(results["iter"] == np.max(results["iter"]))
        scores = results["mean_test_score"][last]
        return int(last[0 if np.isnan(scores).all() else int(np.nanargmax(scores))])

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = dict(super().__getstate__())
        state.pop("study_", None)
        return state

    # --- the search ---------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, **params: Any) -> Any:
        """Run the search (or resume it from storage) and, with ``refit``, fit the best."""
        self._n_samples_orig = _num_samples(X)
        self._entries: list[_Entry] = []
        self._call: _Call | None = None
        self._template: Out | None = None
        if params and self.executor is not None:
            raise ValueError(
                f"{type(self).__name__}: fit parameters ({', '.join(params)}) are not passed to "
                "hypersweep's workers; use executor=None (joblib) to pass them"
            )
        self._data = (X, y)
        self._workers = max(1, int(effective_n_jobs(self.n_jobs)))
        n_jobs = self.n_jobs
        if self.executor is not None:
            # hypersweep's workers take n_jobs; BaseSearchCV's joblib pool only refreshes
            # the table at the end (one fold) and would cost seconds to start
            self.n_jobs = None
        try:
            super().fit(X, y, **params)
        finally:
            self.n_jobs = n_jobs
            for name in ("_entries", "_call", "_template", "_data", "_workers"):
                self.__dict__.pop(name, None)
        self.best_score_ = self.cv_results_["mean_test_score"][self.best_index_]
        return self

    def _plan(self, n: int) -> Schedule:
        sched = schedule(
            n, int(self.min_resources_), int(self.max_resources_), float(self.factor),
            exhaust=self.min_resources == "exhaust", aggressive=bool(self.aggressive_elimination),
        )  # fmt: skip
        self.min_resources_ = sched.min_resources
        if self.verbose:
            print(f"n_iterations: {sched.n_iterations}")
            print(f"n_required_iterations: {sched.n_required}")
            print(f"n_possible_iterations: {sched.n_possible}")
            print(f"min_resources_: {self.min_resources_}")
            print(f"max_resources_: {self.max_resources_}")
            print(f"aggressive_elimination: {self.aggressive_elimination}")
            print(f"factor: {self.factor}")
        return sched

    def _run_search(self, evaluate_candidates: Callable[..., Any]) -> None:
        n = self._n_start()
        sched = self._plan(n)
        study, seed = self._open_study(n, sched)
        self.study_ = study
        random_state = self.random_state if self.storage is None else seed
        fixed = self._fixed(random_state)
        if fixed is not None:
            self._check_resource_not_searched(fixed)
        for left in study.get_trials([TrialState.RUNNING]):  # a fit killed mid-evaluation
            study.interrupt(left.number, "left running by a fit that was stopped")
        done = self._stored(study)
        params_of: dict[int, dict[str, Any]] = dict(enumerate(fixed)) if fixed is not None else {}
        current = list(range(n))
        self.n_resources_: list[int] = []
        self.n_candidates_: list[int] = []
        stale = False
        for itr, n_res in enumerate(sched.resources):
            self.n_resources_.append(n_res)
            self.n_candidates_.append(len(current))
            if self.verbose:
                print(f"{'-' * 10}\niter: {itr}\nn_candidates: {len(current)}")
                print(f"n_resources: {n_res}")
            if self.resource == "n_samples":
                cv: Any = Subsample(self._checked_cv_orig, n_res / self._n_samples_orig,
                                    random_state)  # fmt: skip
            else:
                cv = self._checked_cv_orig
            stale = all((c, itr) in done for c in current) or (
                self.executor is not None and not (fixed is None and itr == 0)
            )
            if fixed is None and itr == 0:
                outs = self._propose(evaluate_candidates, study, n, done, params_of, cv, n_res)
            else:
                outs = self._run_iteration(
                    evaluate_candidates, study, current, itr, n_res, done, params_of, cv
                )
            rows = [self._with_resource(params_of[c], n_res) for c in current]
            self._entries.extend(_Entry(p, o, itr, n_res) for p, o in zip(rows, outs))
            if self.resource != "n_samples":
                params_of.update(zip(current, rows))
            scores = [mean([score(o, "score") for o in out]) for out in outs]
            current = [current[i] for i in survivors(scores, math.ceil(len(current) / self.factor))]
        self.n_remaining_candidates_ = len(current)
        self.n_required_iterations_ = sched.n_required
        self.n_possible_iterations_ = sched.n_possible
        self.n_iterations_ = sched.n_iterations
        if stale:  # the last iteration came from storage: refresh BaseSearchCV's results
            self._replay(evaluate_candidates)

    def _with_resource(self, params: dict[str, Any], n_res: int) -> dict[str, Any]:
        if self.resource == "n_samples":
            return params
        return {**params, self.resource: n_res}

    def _check_resource_not_searched(self, candidates: list[dict[str, Any]]) -> None:
        if self.resource != "n_samples" and any(self.resource in c for c in candidates):
            raise ValueError(
                f"Cannot use parameter {self.resource} as the resource since it is part of "
                "the searched parameters; remove it from the searched parameters"
            )

    # --- the study ------------------------------------------------------------------------
    def _study_space(self, n: int, sched: Schedule) -> tuple[dict[str, Any], Any]:
        """The study's space and sampler: the candidate's index and the iteration."""
        last = Int(0, max(1, sched.n_iterations - 1))
        return {"candidate": Int(0, max(1, n - 1)), ITER: last}, "random"

    def _open_study(self, n: int, sched: Schedule) -> tuple[Study, int | None]:
        space, sampler = self._study_space(n, sched)
        seed = None
        if self.storage is not None or self._proposing() or not _is_state(self.random_state):
            # a RandomState is drawn from only where scikit-learn draws from it: the
            # candidates and subsamples of a search kept in memory stay theirs
            seed = study_seed(self.random_state)
        study = create_study(
            self.study_name, storage=self.storage, direction="maximize", sampler=sampler,
            space=space, load_if_exists=True, seed=seed,
        )  # fmt: skip
        settings = {
            "search": type(self).__name__, "n_candidates": n, "n_splits": int(self.n_splits_),
            "resource": self.resource, "resources": list(sched.resources),
        }  # fmt: skip
        before = study.user_attrs.get(HALVING)
        if before is None:
            chosen = seed if seed is not None else secrets.randbelow(2**31 - 1)
            study.set_user_attr(HALVING, {**settings, "seed": chosen})
            return study, chosen
        differ = sorted(k for k in settings if before.get(k) != settings[k])
        if differ:
            raise ValueError(
                f"{type(self).__name__}: study {study.name!r} was run with other settings "
                f"({', '.join(f'{k}={before.get(k)!r}, now {settings[k]!r}' for k in differ)}); "
                "resume it with the same data, cv, resource and schedule, or use another "
                "study_name"
            )
        return study, int(before["seed"])

    def _stored(self, study: Study) -> dict[tuple[int, int], FrozenTrial]:
        """The finished evaluations already in the study, by (candidate, iteration)."""
        found = {}
        for t in study.trials:
            info = t.user_attrs.get(HALVING)
            if info and t.state.is_finished and not t.interrupted and ATTR in t.user_attrs:
                found[(int(info["candidate"]), int(info["iter"]))] = t
        return found

    def _outs(self, study: Study, trial: FrozenTrial) -> list[Out]:
        rows = stored_rows([trial], study.name, int(self.n_splits_),
                           train=self.return_train_score, to_estimator=lambda t: {})  # fmt: skip
        return rows[0].outs if rows else []

    def _ask(self, study: Study, flat: dict[str, Any]) -> Trial:
        """A trial holding exactly ``flat`` (a stale queued trial is failed and skipped)."""
        study.enqueue(flat)
        while True:
            trial = study.ask()
            if all(trial.flat.get(k) == v for k, v in flat.items()):
                return trial
            study.tell(trial, state=TrialState.FAIL, error="queued by an earlier fit")

    def _run_iteration(
        self, evaluate: Callable[..., Any], study: Study, current: list[int], itr: int,
        n_res: int, done: dict[tuple[int, int], FrozenTrial], params_of: dict[int, Any], cv: Any,
    ) -> list[list[Out]]:  # fmt: skip
        todo = [c for c in current if (c, itr) not in done]
        fresh: dict[int, list[Out]] = {}
        if todo and self.executor is not None:
            self._in_workers(study, todo, itr, n_res, params_of, cv)
            done = self._stored(study)
        elif todo:
            trials = [self._ask(study, self._flat(study, c, itr)) for c in todo]
            params = [self._with_resource(params_of[c], n_res) for c in todo]
            try:
                outs = self._evaluate(evaluate, params, cv, itr, n_res)
            except BaseException:
                for t in trials:
                    study.interrupt(t, "the CV evaluation raised or was interrupted")
                raise
            for c, t, o in zip(todo, trials, outs):
                self._finish(study, t, c, itr, n_res, o)
                fresh[c] = o
        return [fresh[c] if c in fresh else self._outs(study, done[(c, itr)]) for c in current]

    def _flat(self, study: Study, candidate: int, itr: int) -> dict[str, Any]:
        return {"candidate": candidate, ITER: itr}

    def _in_workers(
        self, study: Study, todo: list[int], itr: int, n_res: int, params_of: dict[int, Any],
        cv: Any,
    ) -> None:  # fmt: skip
        """Evaluate ``todo`` in hypersweep's workers; their results land in storage."""
        X, y = self._data
        scorer, _ = self._get_scorers()
        job = FoldJob(
            clone(self.estimator), X, y, list(cv.split(X, y)),
            {c: self._with_resource(params_of[c], n_res) for c in todo}, scorer,
            self.error_score, bool(self.return_train_score), int(self.verbose),
        )  # fmt: skip
        flats = {c: self._flat(study, c, itr) for c in todo}
        info = {c: {"candidate": c, "iter": itr, "n_resources": n_res} for c in todo}
        run_in_workers(study, job, flats, info, executor=self.executor, n_jobs=self._workers)
        stored = self._stored(study)
        lost = [c for c in todo if (c, itr) not in stored]
        if lost:
            errors = {t.error for t in study.trials if t.state.is_finished and t.error}
            raise RuntimeError(
                f"{type(self).__name__}: the workers did not evaluate candidates {lost} of "
                f"iteration {itr} ({'; '.join(sorted(map(str, errors))) or 'no error recorded'})"
            )

    def _propose(
        self, evaluate: Callable[..., Any], study: Study, n: int,
        done: dict[tuple[int, int], FrozenTrial], params_of: dict[int, Any], cv: Any, n_res: int,
    ) -> list[list[Out]]:  # fmt: skip
        raise NotImplementedError

    def _finish(
        self, study: Study, trial: Trial, candidate: int, itr: int, n_res: int, outs: list[Out]
    ) -> None:
        trial.user_attrs[ATTR] = record(outs, int(self.n_splits_), train=self.return_train_score)
        trial.user_attrs[HALVING] = {"candidate": candidate, "iter": itr, "n_resources": n_res}
        value = mean([score(o, "score") for o in outs])
        if math.isfinite(value):
            study.tell(trial, value)
        else:
            study.tell(trial, state=TrialState.FAIL, error="non-finite mean CV score")

    # --- evaluate_candidates and cv_results_ ----------------------------------------------
    def _evaluate(
        self, evaluate: Callable[..., Any], params: list[dict[str, Any]], cv: Any, itr: int,
        n_res: int,
    ) -> list[list[Out]]:  # fmt: skip
        self._call = call = _Call(params, itr, n_res, int(self.n_splits_))
        try:
            evaluate(params, cv)
        finally:
            self._call = None
        k = int(self.n_splits_)
        return [call.fresh[i * k : (i + 1) * k] for i in range(len(params))]

    def _replay(self, evaluate: Callable[..., Any]) -> None:
        """Bring cv_results_ up to date (BaseSearchCV keeps the last evaluate_candidates
        call's table) with one fold of the last candidate, whose output is discarded."""
        last = self._entries[-1]
        base = self._checked_cv_orig
        splits: list[Any] = []

        def first(X: Any, y: Any = None, **p: Any) -> list[Any]:
            if not splits:
                splits.append(next(iter(base.split(X, y, **p))))
            return splits

        full = self.n_splits_
        self._call = _Call([last.params], last.itr, last.n_resources, int(full), replay=True)
        self.n_splits_ = 1
        try:
            evaluate([last.params], FoldSubset(first, [0]))
        finally:
            self._call, self.n_splits_ = None, full

    def _format_results(
        self, candidate_params: Any, n_splits: int, out: Any, more_results: Any = None
    ) -> dict[str, Any]:
        call = self._call
        base = super()._format_results
        if call is None:
            return dict(base(candidate_params, n_splits, out, more_results))
        out = list(out)
        if self._template is None and out:
            self._template = out[-1]
        entries = list(self._entries)
        k = call.n_splits
        if not call.replay:
            call.fresh = out[len(out) - len(call.params) * n_splits :]
            entries += [
                _Entry(p, call.fresh[i * k : (i + 1) * k], call.itr, call.n_resources)
                for i, p in enumerate(call.params)
            ]
        more = {"iter": [e.itr for e in entries], "n_resources": [e.n_resources for e in entries]}
        rows = [Row(e.params, e.outs) for e in entries]
        return table(rows, k, self._template, lambda p, m, o: dict(base(p, m, o, more)),
                     count_folds=False)  # fmt: skip


def _is_state(random_state: Any) -> bool:
    return isinstance(random_state, np.random.RandomState)
