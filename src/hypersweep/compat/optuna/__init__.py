"""Optuna's interface on hypersweep: ``import hypersweep.compat.optuna as optuna``.

>>> import hypersweep.compat.optuna as optuna
>>> optuna.logging.set_verbosity(optuna.logging.WARNING)
>>> study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
>>> study.optimize(lambda trial: (trial.suggest_float("x", -10, 10) - 2) ** 2, n_trials=30)
>>> len(study.trials), abs(study.best_params["x"] - 2) < 2
(30, True)

Studies live in hypersweep storage (memory, SQLite, PostgreSQL), so hypersweep's
plots, report and CLI read them. What maps to what, what differs and what is not
covered: docs/migrate-optuna.md.
"""

from __future__ import annotations

from . import distributions, exceptions, logging, pruners, samplers, study, trial, visualization
from .exceptions import TrialPruned
from .factory import (
    create_study,
    delete_study,
    get_all_study_names,
    get_all_study_summaries,
    load_study,
)
from .study import Study
from .trial import Trial, create_trial

__all__ = [
    "Study",
    "Trial",
    "TrialPruned",
    "create_study",
    "create_trial",
    "delete_study",
    "distributions",
    "exceptions",
    "get_all_study_names",
    "get_all_study_summaries",
    "load_study",
    "logging",
    "pruners",
    "samplers",
    "study",
    "trial",
    "visualization",
]
