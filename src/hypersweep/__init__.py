"""hypersweep: hyperparameter tuning with persistent, resumable studies.

>>> import hypersweep as hs
>>> result = hs.minimize(lambda p: p["x"] ** 2, {"x": hs.Float(-1, 1)}, n_trials=10,
...                      seed=0, verbosity=0)
>>> len(result.trials)
10
"""

from . import _moved, executors, pruners, samplers
from .exceptions import (
    DuplicateStudy,
    GridExhausted,
    HypersweepError,
    SpaceChanged,
    SpaceExhausted,
    StorageError,
    StudyNotFound,
    TrialAlreadyFinished,
    TrialPruned,
)
from .space import Categorical, Float, Int, LogNormal, Normal, Repeat, Space, hp
from .study import Study, Trial, create_study, delete_study, list_studies, load_study
from .study.oneshot import Result, fmin, maximize, minimize
from .study.progress import set_verbosity
from .training import schedules
from .training.seeding import seed_everything
from .transfer import copy_study, merge_studies
from .trial import Direction, FrozenTrial, TrialState

_moved.install()  # old module paths (hypersweep.schedules, ...) keep working

__version__ = "0.1.0"

# Modules that pull in heavy optional libraries (scikit-learn, plotly, torch, keras)
# load on first use: ``hs.visualization`` works without an explicit import, and
# ``import hypersweep`` stays light.
_LAZY = {
    "evaluate": "training.evaluate",
    "fidelity": "training.fidelity",
    "importance": "importance",
    "pbt": "pbt",
    "integrations": "integrations",
    "presets": "training.presets",
    "report": "report",
    "sklearn": "sklearn",
    "stability": "study.stability",
    "visualization": "visualization",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{_LAZY[name]}", __name__)
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
    "SpaceExhausted",
    "StorageError",
    "Study",
    "StudyNotFound",
    "Trial",
    "TrialAlreadyFinished",
    "TrialPruned",
    "TrialState",
    "__version__",
    "copy_study",
    "create_study",
    "delete_study",
    "executors",
    "fmin",
    "hp",
    "list_studies",
    "load_study",
    "maximize",
    "merge_studies",
    "minimize",
    "pruners",
    "samplers",
    "schedules",
    "seed_everything",
    "set_verbosity",
]
