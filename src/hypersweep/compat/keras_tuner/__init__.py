"""KerasTuner's interface on hypersweep: ``import hypersweep.compat.keras_tuner as kt``.

``kt.HyperParameters`` hands ``build(hp)`` values from a hypersweep define-by-run
trial; ``kt.RandomSearch``, ``kt.BayesianOptimization``, ``kt.Hyperband`` and
``kt.GridSearch`` run a hypersweep study (``tuner.study``) stored in
``directory/project_name``, so a rerun resumes. What maps to what, what differs
and what is not covered: docs/migrate-keras-tuner.md. Importing this module loads
Keras (on the torch backend unless ``KERAS_BACKEND`` says otherwise).
"""

from __future__ import annotations

from .hyperparameters import HyperParameter, HyperParameters
from .objective import Objective
from .oracle import Oracle, Trial
from .tuner import HyperModel, ObjectiveNotLogged, Tuner
from .tuners import BayesianOptimization, GridSearch, Hyperband, RandomSearch

__all__ = [
    "BayesianOptimization",
    "GridSearch",
    "HyperModel",
    "HyperParameter",
    "HyperParameters",
    "Hyperband",
    "Objective",
    "ObjectiveNotLogged",
    "Oracle",
    "RandomSearch",
    "Trial",
    "Tuner",
]
