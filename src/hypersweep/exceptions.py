"""Every error hypersweep raises on purpose derives from :class:`HypersweepError`."""

from __future__ import annotations


class HypersweepError(Exception):
    """Base class, so callers can catch everything this library raises deliberately."""


class TrialPruned(HypersweepError):
    """Raise inside an objective to end the trial as PRUNED (not a failure)."""


class StudyNotFound(HypersweepError, KeyError):
    """No study of that name exists in the storage."""

    def __str__(self) -> str:  # KeyError would otherwise print the repr
        return str(self.args[0]) if self.args else "study not found"


class DuplicateStudy(HypersweepError, ValueError):
    """A study of that name already exists and ``load_if_exists`` was not given."""


class SpaceChanged(HypersweepError, ValueError):
    """The search space given is incompatible with the one stored with the study."""


class StorageError(HypersweepError, RuntimeError):
    """The storage URL is wrong, unreachable, or holds an incompatible schema."""


class BudgetReached(HypersweepError):
    """The study already holds its ``n_trials``: a new trial would overshoot the budget."""


class ConfigTaken(HypersweepError):
    """Another worker holds this configuration already (a grid cell, a discrete point)."""


class SpaceExhausted(HypersweepError):
    """Every configuration of a finite space has been tried; the study has nothing new to run."""


class GridExhausted(SpaceExhausted):
    """Every cell of a grid has been run (or is running); the study has nothing left to try."""


class TrialAlreadyFinished(HypersweepError, ValueError):
    """The trial was told its result already (or another worker closed it); it stays as it is.

    A ``ValueError`` too, so code written against earlier versions still catches it.
    """
