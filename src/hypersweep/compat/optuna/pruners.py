"""Optuna's pruner constructors, each returning the hypersweep pruner that does the job.

``max_resource="auto"`` (Hyperband) and ``min_resource="auto"`` (successive halving)
are settled from the stored learning curve of the study's first COMPLETE trial,
which every worker reads alike; until one exists nothing is pruned.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import hypersweep as hs

BasePruner = hs.pruners.Pruner


class _Settled(hs.pruners.Pruner):
    """A pruner built once the first COMPLETE trial tells how many steps a trial runs."""

    def __init__(self, build: Callable[[int], hs.pruners.Pruner]) -> None:
        self.build = build
        self.built: dict[int, hs.pruners.Pruner] = {}

    def settled(self, history: Any) -> hs.pruners.Pruner | None:
        done = [t for t in history.trials if t.state is hs.TrialState.COMPLETE and t.intermediate]
        if not done:
            return None
        steps = max(done[0].intermediate) + 1  # trials come in number order
        if steps not in self.built:
            self.built[steps] = self.build(steps)
        return self.built[steps]

    def prune(self, history: Any, trial: hs.FrozenTrial) -> bool:
        pruner = self.settled(history)
        return pruner is not None and pruner.prune(history, trial)


def _no_bootstrap(name: str, bootstrap_count: int) -> None:
    if bootstrap_count:
        raise NotImplementedError(f"{name}: bootstrap_count is not supported by hypersweep")


def MedianPruner(
    n_startup_trials: int = 5,
    n_warmup_steps: int = 0,
    interval_steps: int = 1,
    *,
    n_min_trials: int = 1,
) -> BasePruner:
    """``hs.pruners.Median``: same options, same rule (worse than the median of the other
    finished trials at that step, once ``n_startup_trials`` have completed)."""
    if n_min_trials != 1:
        raise NotImplementedError("MedianPruner: n_min_trials other than 1 is not supported")
    return hs.pruners.Median(n_startup_trials=n_startup_trials, n_warmup_steps=n_warmup_steps,
                             interval_steps=interval_steps)  # fmt: skip


def PercentilePruner(
    percentile: float,
    n_startup_trials: int = 5,
    n_warmup_steps: int = 0,
    interval_steps: int = 1,
    *,
    n_min_trials: int = 1,
) -> BasePruner:
    """Only ``percentile=50`` (the median) is available: other percentiles are refused."""
    if percentile != 50:
        raise NotImplementedError(
            f"PercentilePruner: hypersweep prunes at the median only (percentile=50), not at "
            f"percentile={percentile!r}; use MedianPruner, SuccessiveHalvingPruner or "
            f"ThresholdPruner instead"
        )
    return MedianPruner(n_startup_trials, n_warmup_steps, interval_steps, n_min_trials=n_min_trials)


def SuccessiveHalvingPruner(
    min_resource: str | int = "auto",
    reduction_factor: int = 4,
    min_early_stopping_rate: int = 0,
    bootstrap_count: int = 0,
) -> BasePruner:
    """``hs.pruners.ASHA``; ``"auto"`` takes 1/100 of the steps of the first COMPLETE
    trial (at least 1)."""
    _no_bootstrap("SuccessiveHalvingPruner", bootstrap_count)

    def build(r: int) -> BasePruner:
        return hs.pruners.ASHA(min_resource=r, reduction_factor=reduction_factor,
                               min_early_stopping_rate=min_early_stopping_rate)  # fmt: skip

    if min_resource == "auto":
        return _Settled(lambda steps: build(max(1, steps // 100)))
    return build(int(min_resource))


def HyperbandPruner(
    min_resource: int = 1,
    max_resource: str | int = "auto",
    reduction_factor: int = 3,
    bootstrap_count: int = 0,
) -> BasePruner:
    """``hs.pruners.Hyperband``; ``"auto"`` takes the steps of the first COMPLETE trial."""
    _no_bootstrap("HyperbandPruner", bootstrap_count)

    def build(r: int) -> BasePruner:
        return hs.pruners.Hyperband(min_resource=min_resource, max_resource=max(r, min_resource),
                                    reduction_factor=reduction_factor)  # fmt: skip

    if max_resource == "auto":
        return _Settled(build)
    return build(int(max_resource))


def PatientPruner(
    wrapped_pruner: BasePruner | None, patience: int, min_delta: float = 0.0
) -> BasePruner:
    """Prune when the trial has not improved for ``patience`` steps and the wrapped pruner
    (if any) agrees: ``hs.pruners.AllOf(hs.pruners.Patience(...), wrapped_pruner)``."""
    own = hs.pruners.Patience(patience=patience, min_delta=min_delta)
    return own if wrapped_pruner is None else hs.pruners.AllOf(own, wrapped_pruner)


def ThresholdPruner(
    lower: float | None = None,
    upper: float | None = None,
    n_warmup_steps: int = 0,
    interval_steps: int = 1,
) -> BasePruner:
    """``hs.pruners.Threshold``: a value outside the bounds, NaN or infinite prunes.
    ``interval_steps`` other than 1 is ignored with a warning (every step is checked)."""
    if lower is None and upper is None:
        raise TypeError("ThresholdPruner: give lower, upper or both")
    if interval_steps != 1:
        warnings.warn("ThresholdPruner: interval_steps is ignored; every step is checked",
                      UserWarning, stacklevel=2)  # fmt: skip
    return hs.pruners.Threshold(lower=lower, upper=upper, warmup_steps=n_warmup_steps)


def NopPruner() -> BasePruner:
    """``hs.pruners.NoPruning``."""
    return hs.pruners.NoPruning()


def WilcoxonPruner(*, p_threshold: float = 0.1, n_startup_steps: int = 2) -> BasePruner:
    """Optuna's paired test of a trial's per-instance scores (one per step) against the
    best trial's: ``hs.pruners.PairedTest`` with ``reports="parts"``."""
    return hs.pruners.PairedTest(
        p_threshold=p_threshold, n_startup_parts=n_startup_steps, reports="parts"
    )


__all__ = [
    "BasePruner",
    "HyperbandPruner",
    "MedianPruner",
    "NopPruner",
    "PatientPruner",
    "PercentilePruner",
    "SuccessiveHalvingPruner",
    "ThresholdPruner",
    "WilcoxonPruner",
]
