"""hypersweep: hyperparameter tuning with persistent, resumable studies.

>>> import hypersweep as hs
>>> result = hs.minimize(lambda p: p["x"] ** 2, {"x": hs.Float(-1, 1)}, n_trials=10,
...                      seed=0, verbosity=0)
>>> len(result.trials)
10
"""

from . import executors, hp, pruners, samplers, schedules
from .api import Result, fmin, maximize, minimize
from .exceptions import (
    DuplicateStudy,
    GridExhausted,
    HypersweepError,
    SpaceChanged,
    StorageError,
    StudyNotFound,
    TrialPruned,
)
from .handle import Trial
from .params import Categorical, Float, Int, LogNormal, Normal, Repeat
from .progress import set_verbosity
from .seeding import seed_everything
from .space import Space
from .studies import create_study, delete_study, list_studies, load_study
from .study import Study
from .trial import Direction, FrozenTrial, TrialState

__version__ = "0.1.0"

# Modules that pull in heavy optional libraries (scikit-learn, plotly, torch, keras)
# load on first use: ``hs.visualization`` works without an explicit import, and
# ``import hypersweep`` stays light.
_LAZY = {
    "evaluate",
    "fidelity",
    "importance",
    "integrations",
    "presets",
    "report",
    "sklearn",
    "stability",
    "visualization",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'hypersweep' has no attribute {name!r}")


__all__ = [
    "Categorical",
    "Direction",
    "DuplicateStudy",
    "Float",
    "FrozenTrial",
    "GridExhausted",
    "HypersweepError",
    "Int",
    "LogNormal",
    "Normal",
    "Repeat",
    "Result",
    "Space",
    "SpaceChanged",
    "StorageError",
    "Study",
    "StudyNotFound",
    "Trial",
    "TrialPruned",
    "TrialState",
    "__version__",
    "create_study",
    "delete_study",
    "executors",
    "fmin",
    "hp",
    "list_studies",
    "load_study",
    "maximize",
    "minimize",
    "pruners",
    "samplers",
    "schedules",
    "seed_everything",
    "set_verbosity",
]
