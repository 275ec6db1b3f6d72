"""Optuna's exception names on hypersweep's exceptions.

``TrialPruned`` derives from :class:`hypersweep.TrialPruned`, so raising either
ends the trial as PRUNED; the others are hypersweep's own classes under Optuna's
names, so an ``except optuna.exceptions.DuplicatedStudyError`` catches what
hypersweep raises.
"""

from __future__ import annotations

import hypersweep as hs

OptunaError = hs.HypersweepError
DuplicatedStudyError = hs.DuplicateStudy
StorageInternalError = hs.StorageError


class TrialPruned(hs.TrialPruned):
    """Raise inside an objective to end the trial as PRUNED (``optuna.TrialPruned``)."""


class ExperimentalWarning(UserWarning):
    """Kept for scripts that filter it; hypersweep never emits it."""


__all__ = [
    "DuplicatedStudyError",
    "ExperimentalWarning",
    "OptunaError",
    "StorageInternalError",
    "TrialPruned",
]
