"""Objectives that validate scikit-learn-style models, and the one final test.

The tuning loop measures every configuration on *validation* data and looks at
the *test* data once, at the very end, for the configuration it chose::

    from hypersweep import evaluate
    objective = evaluate.kfold(lambda p: SVC(C=p["C"]), X_train, y_train, cv=5)
    study = hs.minimize(objective, {"C": hs.Float(1e-3, 1e3, log=True)}, n_trials=50).study
    test_score = evaluate.final_test(study, lambda p: SVC(C=p["C"]),
                                     X_train, y_train, X_test, y_test)

Convention: every objective here returns a dict whose ``"loss"`` is the
*negated* score (``loss = -score``), so the study must **minimise**
(``hs.minimize``, ``direction="minimize"``). scikit-learn scorers are all
"greater is better" (errors come as ``neg_mean_squared_error`` and the like),
so negating is right for every ``scoring``. The dict also holds ``"score"``
(the mean validation score), ``"std"`` and ``"fold_scores"`` (k-fold), which
the study stores with the trial (``trial.user_attrs``). To maximise instead,
wrap it: ``hs.maximize(lambda p: objective(p)["score"], space)``.

``scoring`` is anything :func:`sklearn.metrics.check_scoring` accepts: None
(the estimator's own ``score``: accuracy, R^2), a scorer name or a callable.

The validation split (hold-out) or the folds (k-fold) are drawn once, when the
objective is made, so every trial is judged on the same data. scikit-learn is
imported when an objective is made, never at ``import hypersweep``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .._checks import int_at_least
from .._stats import mean_std
from ..exceptions import HypersweepError

if TYPE_CHECKING:
    from ..study import Study

ModelFn = Callable[[Any], Any]
FINAL_TEST_ATTR = "final_test"


class TestSetAlreadyUsed(HypersweepError, RuntimeError):
    """:func:`final_test` already ran for this study; the test set is used once."""

    __test__ = False  # not a pytest test class, despite the name


def _is_classification(estimator: Any, y: Any) -> bool:
    """As scikit-learn's ``check_cv``: stratify for classifiers on class labels."""
    from sklearn.base import is_classifier
    from sklearn.utils.multiclass import type_of_target

    return bool(is_classifier(estimator)) and type_of_target(y) in ("binary", "multiclass")


def _index(data: Any, rows: Any) -> Any:
    from sklearn.utils import _safe_indexing

    return _safe_indexing(data, rows)


def _scoring_name(scoring: Any) -> str:
    if scoring is None:
        return "score"
    if isinstance(scoring, str):
        return scoring
    return getattr(scoring, "__name__", None) or repr(scoring)


class _Objective:
    """Shared by the objectives: the split is made once, on the first call, under a lock.

    Lazily, because whether to stratify depends on the estimator (classifiers are
    stratified, as in scikit-learn); under a lock, because threaded workers call one
    objective at once. Objectives pickle (without the lock) for process executors.
    """

    def __init__(self, model_fn: ModelFn, X: Any, y: Any, scoring: Any) -> None:
        self.model_fn, self.X, self.y, self.scoring = model_fn, X, y, scoring
        self.splits: list[tuple[Any, Any]] | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _make_splits(self, estimator: Any) -> list[tuple[Any, Any]]:
        raise NotImplementedError

    def _splits_for(self, estimator: Any) -> list[tuple[Any, Any]]:
        with self._lock:
            if self.splits is None:
                self.splits = self._make_splits(estimator)
            return self.splits


class HoldoutObjective(_Objective):
    """An objective that fits ``model_fn(params)`` on part of (X, y) and scores the rest.

    ``validation`` is the held-out fraction (or a number of rows, as
    ``train_test_split``'s ``test_size``). The split is stratified for
    classifiers (``stratify=None``; force it with True or False) and made once,
    on the first call, then reused by every trial. Returns
    ``{"loss": -score, "score": score, "fit_time": seconds}``: minimise it.

    ``splits`` holds its one (train, validation) pair once made.
    """

    def __init__(
        self,
        model_fn: ModelFn,
        X: Any,
        y: Any,
        *,
        validation: float = 0.2,
        scoring: Any = None,
        random_state: int | None = 0,
        stratify: bool | None = None,
    ) -> None:
        super().__init__(model_fn, X, y, scoring)
        self.validation, self.random_state, self.stratify = validation, random_state, stratify

    def _make_splits(self, estimator: Any) -> list[tuple[Any, Any]]:
        import numpy as np
        from sklearn.model_selection import train_test_split

        strat = _is_classification(estimator, self.y) if self.stratify is None else self.stratify
        train, val = train_test_split(
            np.arange(len(self.y)),
            test_size=self.validation,
            random_state=self.random_state,
            stratify=self.y if strat else None,
        )
        return [(train, val)]

    def __call__(self, params: Any) -> dict[str, Any]:
        from sklearn.metrics import check_scoring

        estimator = self.model_fn(params)
        [(train, val)] = self._splits_for(estimator)
        start = time.perf_counter()
        estimator.fit(_index(self.X, train), _index(self.y, train))
        fit_time = time.perf_counter() - start
        scorer = check_scoring(estimator, scoring=self.scoring)
        score = float(scorer(estimator, _index(self.X, val), _index(self.y, val)))
        return {"loss": -score, "score": score, "fit_time": fit_time}


class KFoldObjective(_Objective):
    """An objective that cross-validates ``model_fn(params)`` on (X, y).

    ``cv`` is a number of folds (shuffled with ``random_state``; stratified for
    classifiers, as scikit-learn does) or any scikit-learn splitter / list of
    (train, test) index pairs. ``repeats > 1`` repeats k-fold with different
    shuffles (``RepeatedStratifiedKFold`` / ``RepeatedKFold``), which measures how
    much a configuration's score swings with the split (seed variance: report mean
    and spread, an unstable configuration is not a good one).

    The folds are fixed on the first call and shared by every trial. Returns
    ``{"loss": -mean, "score": mean, "std": std, "fold_scores": [...], "fit_time": ...}``:
    minimise it. The numbers are those of ``cross_val_score`` on the same folds.

    ``splits`` holds its (train, test) folds once made.
    """

    def __init__(
        self,
        model_fn: ModelFn,
        X: Any,
        y: Any,
        *,
        cv: Any = 5,
        scoring: Any = None,
        random_state: int | None = 0,
        repeats: int = 1,
        n_jobs: int | None = None,
    ) -> None:
        int_at_least("evaluate", "repeats", repeats, 1)
        if repeats > 1 and not isinstance(cv, int):
            raise ValueError("repeats > 1 needs cv to be a number of folds")
        super().__init__(model_fn, X, y, scoring)
        self.cv, self.random_state, self.repeats, self.n_jobs = cv, random_state, repeats, n_jobs

    def _make_splits(self, estimator: Any) -> list[tuple[Any, Any]]:
        from sklearn import model_selection as ms

        splitter: Any = self.cv
        if isinstance(self.cv, int) and not isinstance(self.cv, bool):
            strat = _is_classification(estimator, self.y)
            if self.repeats > 1:
                repeated = ms.RepeatedStratifiedKFold if strat else ms.RepeatedKFold
                splitter = repeated(
                    n_splits=self.cv, n_repeats=self.repeats, random_state=self.random_state
                )
            else:
                single = ms.StratifiedKFold if strat else ms.KFold
                splitter = single(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        if hasattr(splitter, "split"):
            return list(splitter.split(self.X, self.y))
        return list(splitter)

    def __call__(self, params: Any) -> dict[str, Any]:
        from sklearn.model_selection import cross_validate

        estimator = self.model_fn(params)
        folds = self._splits_for(estimator)
        result = cross_validate(
            estimator, self.X, self.y, cv=folds, scoring=self.scoring, n_jobs=self.n_jobs
        )
        scores = [float(s) for s in result["test_score"]]
        mean, std = mean_std(scores, ddof=0)  # over CV splits, as scikit-learn's std_test_score
        return {
            "loss": -mean,
            "score": mean,
            "std": std,
            "fold_scores": scores,
            "fit_time": float(sum(result["fit_time"])),
        }


holdout = HoldoutObjective
"""``holdout(model_fn, X, y, validation=0.2, ...)``: a :class:`HoldoutObjective`."""
kfold = KFoldObjective
"""``kfold(model_fn, X, y, cv=5, ...)``: a :class:`KFoldObjective`."""


def final_test(
    study: Study,
    model_fn: ModelFn,
    X_train: Any,
    y_train: Any,
    X_test: Any,
    y_test: Any,
    *,
    scoring: Any = None,
    force: bool = False,
) -> float:
    """Refit the study's best configuration on all training data; score it once on the test set.

    The score is recorded on the study as the user attribute ``"final_test"``
    (score, scoring, params, trial number, validation value, sizes, time), so it
    persists with the study. The test set is looked at once: a second call for
    the same study raises :class:`TestSetAlreadyUsed` unless ``force=True``
    (then the record is replaced and its ``"runs"`` count goes up, so that
    repeated peeking stays visible). Returns the test score (greater is better).
    """
    from sklearn.metrics import check_scoring

    previous = study.user_attrs.get(FINAL_TEST_ATTR)
    if previous is not None and not force:
        raise TestSetAlreadyUsed(
            f"study {study.name!r} was already scored on the test set "
            f"(score {previous.get('score')!r} at {previous.get('time')}, trial "
            f"{previous.get('trial')}); the test set is used once, at the end. "
            "Read it back from study.user_attrs['final_test'], or pass force=True "
            "if you really mean to test again"
        )
    best = study.best_trial
    estimator = model_fn(best.params)
    estimator.fit(X_train, y_train)
    score = float(check_scoring(estimator, scoring=scoring)(estimator, X_test, y_test))
    record = {
        "score": score,
        "scoring": _scoring_name(scoring),
        "params": best.params,
        "trial": best.number,
        "validation_value": best.value,
        "validation_score": best.user_attrs.get("score"),
        "n_train": len(y_train),
        "n_test": len(y_test),
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "runs": (int(previous.get("runs", 1)) + 1) if previous is not None else 1,
    }
    study.set_user_attr(FINAL_TEST_ATTR, record)
    return score
