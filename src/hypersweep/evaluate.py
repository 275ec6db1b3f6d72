"""Objectives that validate scikit-learn-style models, and the one final test (seed 002).

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

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .exceptions import HypersweepError

if TYPE_CHECKING:
    from .study import Study

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


def holdout(
    model_fn: ModelFn,
    X: Any,
    y: Any,
    *,
    validation: float = 0.2,
    scoring: Any = None,
    random_state: int | None = 0,
    stratify: bool | None = None,
) -> Callable[[Any], dict[str, Any]]:
    """An objective that fits ``model_fn(params)`` on part of (X, y) and scores the rest.

    ``validation`` is the held-out fraction (or a number of rows, as
    ``train_test_split``'s ``test_size``). The split is stratified for
    classifiers (``stratify=None``; force it with True or False) and made once,
    on the first call, then reused by every trial. Returns
    ``{"loss": -score, "score": score, "fit_time": seconds}``: minimise it.
    """
    import numpy as np
    from sklearn.metrics import check_scoring
    from sklearn.model_selection import train_test_split

    rows = np.arange(len(y))
    split: list[Any] = []

    def objective(params: Any) -> dict[str, Any]:
        estimator = model_fn(params)
        if not split:
            strat = _is_classification(estimator, y) if stratify is None else stratify
            split.extend(
                train_test_split(
                    rows,
                    test_size=validation,
                    random_state=random_state,
                    stratify=y if strat else None,
                )
            )
        train, val = split
        start = time.perf_counter()
        estimator.fit(_index(X, train), _index(y, train))
        fit_time = time.perf_counter() - start
        score = float(
            check_scoring(estimator, scoring=scoring)(estimator, _index(X, val), _index(y, val))
        )
        return {"loss": -score, "score": score, "fit_time": fit_time}

    return objective


def kfold(
    model_fn: ModelFn,
    X: Any,
    y: Any,
    *,
    cv: Any = 5,
    scoring: Any = None,
    random_state: int | None = 0,
    repeats: int = 1,
    n_jobs: int | None = None,
) -> Callable[[Any], dict[str, Any]]:
    """An objective that cross-validates ``model_fn(params)`` on (X, y).

    ``cv`` is a number of folds (shuffled with ``random_state``; stratified for
    classifiers, as scikit-learn does) or any scikit-learn splitter / list of
    (train, test) index pairs. ``repeats > 1`` repeats k-fold with different
    shuffles (``RepeatedStratifiedKFold`` / ``RepeatedKFold``), which measures how
    much a configuration's score swings with the split (seed 000: report mean
    and spread, an unstable configuration is not a good one).

    The folds are fixed on the first call and shared by every trial. Returns
    ``{"loss": -mean, "score": mean, "std": std, "fold_scores": [...], "fit_time": ...}``:
    minimise it. The numbers are those of ``cross_val_score`` on the same folds.
    """
    from sklearn.model_selection import (
        KFold,
        RepeatedKFold,
        RepeatedStratifiedKFold,
        StratifiedKFold,
        cross_validate,
    )

    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, but got {repeats!r}")
    if repeats > 1 and not isinstance(cv, int):
        raise ValueError("repeats > 1 needs cv to be a number of folds")
    folds: list[Any] = []

    def make_folds(estimator: Any) -> list[Any]:
        splitter: Any = cv
        if isinstance(cv, int) and not isinstance(cv, bool):
            strat = _is_classification(estimator, y)
            if repeats > 1:
                repeated = RepeatedStratifiedKFold if strat else RepeatedKFold
                splitter = repeated(n_splits=cv, n_repeats=repeats, random_state=random_state)
            else:
                single = StratifiedKFold if strat else KFold
                splitter = single(n_splits=cv, shuffle=True, random_state=random_state)
        if hasattr(splitter, "split"):
            return list(splitter.split(X, y))
        return list(splitter)

    def objective(params: Any) -> dict[str, Any]:
        estimator = model_fn(params)
        if not folds:
            folds.extend(make_folds(estimator))
        result = cross_validate(estimator, X, y, cv=folds, scoring=scoring, n_jobs=n_jobs)
        scores = [float(s) for s in result["test_score"]]
        mean = sum(scores) / len(scores)
        std = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5
        return {
            "loss": -mean,
            "score": mean,
            "std": std,
            "fold_scores": scores,
            "fit_time": float(sum(result["fit_time"])),
        }

    return objective


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
