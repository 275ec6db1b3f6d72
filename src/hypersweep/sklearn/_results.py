"""Per-split CV results: kept on each trial, and turned back into ``cv_results_``.

BaseSearchCV builds ``cv_results_`` from the outputs of one evaluate_candidates call.
SearchCV evaluates in many calls (a candidate at a time, fold by fold when pruning,
some in an earlier fit of a resumed study), so it keeps every candidate's fold
outputs (a :class:`Row`, also stored as ``trial.user_attrs["sklearn_cv"]``) and
rebuilds the whole table from them, with NaN in the folds a pruned candidate skipped.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..trial import FrozenTrial

ATTR = "sklearn_cv"  # user attribute holding a trial's per-split CV results
_NON_FINITE = r"One or more of the (test|train) scores are non-finite"
_KEPT = ("test_scores", "fit_time", "score_time", "n_test_samples", "fit_error")


@dataclass
class Row:
    """One candidate of cv_results_: its parameters and the outputs of the folds run."""

    params: dict[str, Any]
    outs: list[dict[str, Any]]


def score(out: dict[str, Any], metric: str) -> float:
    """A fold's test score for ``metric`` ("score" with a single scorer)."""
    scores = out["test_scores"]
    return float(scores[metric] if isinstance(scores, dict) else scores)


def mean(scores: list[float]) -> float:
    """The mean of fold scores computed exactly as BaseSearchCV computes mean_test_*."""
    return float(np.average(np.asarray(scores, dtype=np.float64).reshape(1, -1), axis=1)[0])


def like(scores: Any, value: float) -> Any:
    """``value`` in the shape of a fold's scores (a number, or one per metric)."""
    return {k: value for k in scores} if isinstance(scores, dict) else value


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


def record(outs: list[dict[str, Any]], n_splits: int, *, train: bool) -> dict[str, Any]:
    """What a trial keeps in ``user_attrs["sklearn_cv"]``: the folds it ran, JSON-able."""
    keep = [*_KEPT, "train_scores"] if train else list(_KEPT)
    return {"n_splits": n_splits, "splits": [{k: _encode(s.get(k)) for k in keep} for s in outs]}


def stored_rows(
    trials: Sequence[FrozenTrial],
    study_name: str,
    n_splits: int,
    *,
    train: bool,
    to_estimator: Callable[[FrozenTrial], dict[str, Any]],
) -> list[Row]:
    """The candidates already in a study (their estimator parameters from
    ``to_estimator``), with their per-split outputs decoded."""
    found = []
    for t in trials:
        if not t.state.is_finished or ATTR not in t.user_attrs:
            continue
        stored = t.user_attrs[ATTR]
        if stored.get("n_splits") != n_splits:
            raise ValueError(
                f"SearchCV: study {study_name!r} was run with {stored.get('n_splits')} CV "
                f"splits, but cv now gives {n_splits}; use the same cv or another study_name"
            )
        splits = []
        for s in stored["splits"]:
            if train and "train_scores" not in s:
                raise ValueError(
                    f"SearchCV: study {study_name!r} has no train scores; resume it with "
                    f"return_train_score=False or use another study_name"
                )
            entry = {
                "test_scores": _decode_score(s["test_scores"]),
                "fit_time": float(s["fit_time"]),
                "score_time": float(s["score_time"]),
                "n_test_samples": int(s["n_test_samples"]),
                "fit_error": s.get("fit_error"),
            }
            if train:
                entry["train_scores"] = _decode_score(s["train_scores"])
            splits.append(entry)
        if splits:
            found.append(Row(to_estimator(t), splits))
    return found


def failed_out(
    shape: Any, scoring: Any, error_score: float, error: str, *, train: bool
) -> dict[str, Any]:
    """A fold whose fit failed, as _fit_and_score records it with a numeric error_score;
    ``shape`` is a real fold's scores (a number or one per metric), None if none ran yet."""
    if shape is None:
        shape = dict.fromkeys(scoring) if isinstance(scoring, (list, tuple, set, dict)) else 0.0
    out = {
        "test_scores": like(shape, float(error_score)),
        "n_test_samples": 0,
        "fit_time": 0.0,
        "score_time": 0.0,
        "fit_error": error,
    }
    if train:
        out["train_scores"] = like(shape, float(error_score))
    return out


def replay_row(rows: list[Row], n_splits: int, metric: str) -> Row:
    """The candidate to evaluate again (one fold, discarded) just to refresh cv_results_:
    the last one that ran every fold with finite scores, else the last one."""
    sound = [
        r
        for r in rows
        if len(r.outs) == n_splits and all(math.isfinite(score(o, metric)) for o in r.outs)
    ]
    return sound[-1] if sound else rows[-1]


def _placeholder(template: dict[str, Any]) -> dict[str, Any]:
    """An unevaluated split: NaN scores, no time spent."""
    out = dict(template)
    out.update(n_test_samples=0, fit_time=0.0, score_time=0.0, fit_error=None)
    out["test_scores"] = like(template["test_scores"], np.nan)
    if "train_scores" in template:
        out["train_scores"] = like(template["train_scores"], np.nan)
    return out


def table(
    rows: list[Row],
    n_splits: int,
    template: dict[str, Any] | None,
    format_results: Callable[[list[dict[str, Any]], int, list[dict[str, Any]]], dict[str, Any]],
    *,
    count_folds: bool,
) -> dict[str, Any]:
    """cv_results_ for ``rows`` through BaseSearchCV's ``format_results``, unevaluated
    splits filled with NaN (shaped like ``template``, a real fold output); with
    ``count_folds``, ``n_splits_evaluated`` says how many folds each candidate ran."""
    params, outs = [], []
    for row in rows:
        shape = row.outs[0] if row.outs else template
        params.append(row.params)
        outs.extend(row.outs)
        outs.extend(_placeholder(shape) for _ in range(n_splits - len(row.outs)))  # type: ignore[arg-type]
    partial = [len(r.outs) < n_splits for r in rows]
    with warnings.catch_warnings():
        if any(partial):  # NaN means of stopped candidates are expected, not a warning
            warnings.filterwarnings("ignore", message=_NON_FINITE, category=UserWarning)
        results = format_results(params, n_splits, outs)
    if any(partial):
        means = [v for k, v in results.items() if k.startswith(("mean_test_", "mean_train_"))]
        whole = [i for i, p in enumerate(partial) if not p]
        if any(not np.isfinite(m[i]) for m in means for i in whole):
            warnings.warn(
                "One or more of the test scores are non-finite", UserWarning, stacklevel=3
            )
    if count_folds:
        results["n_splits_evaluated"] = np.array([len(r.outs) for r in rows])
    return results
